package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

const mappingAddr = "oktasf_group_mapping.sales"

// mappingConfig is an app for the qa org and the mappings given, which may refer to
// data.oktasf_okta_group.{sales,users,admins}.
func mappingConfig(sb *sandbox.Sandbox, label, mappings string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "test" {
  salesforce_org = "qa"
  label          = %q
}
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}
data "oktasf_okta_group" "users" {
  name = "Salesforce Users"
}
data "oktasf_okta_group" "admins" {
  name = "Salesforce Admins"
}
%s
`, label, mappings)
}

func salesMapping(extra string) string {
	return fmt.Sprintf(`
resource "oktasf_group_mapping" "sales" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.sales.id
  salesforce_org = "qa"
%s
}
`, extra)
}

func mappingIDs(s *terraform.State, addr string) (appID, groupID string, err error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes["app_id"], rs.Primary.Attributes["group_id"], nil
}

func TestAccGroupMapping_basic(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded groups")
	}
	sb := acctest.SharedSandbox(t)
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), salesMapping(`
  priority = 0
  profile  = "Sales User"
  role     = "Sales Rep"
`))
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0oa[A-Za-z0-9]+/00g[A-Za-z0-9]+$`))),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("profile"), knownvalue.StringExact("Sales User")),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("role"), knownvalue.StringExact("Sales Rep")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A second mapping of the same group would replace the first one's assignment.
				Config: cfg + `
resource "oktasf_group_mapping" "duplicate" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.sales.id
  salesforce_org = "qa"
  profile        = "Read Only"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Group Mapping Already Exists.*terraform\s+import`),
			},
			{
				ResourceName:      mappingAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// With three orgs configured an imported mapping cannot tell which one its names came from.
				ImportStateVerifyIgnore: []string{"salesforce_org"},
			},
		},
	})
}

// Profile, role and priority change in place; an omitted priority takes the number Okta gives.
func TestAccGroupMapping_update(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded groups")
	}
	sb := acctest.SharedSandbox(t)
	label := acctest.RandomName("mapping")
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: mappingConfig(sb, label, salesMapping(`
  profile = "Sales User"
  role    = "Sales Rep"
`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(0)),
				},
			},
			{
				Config: mappingConfig(sb, label, salesMapping(`
  priority = 3
  profile  = "Support User"
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(3)), // a free priority is kept
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("profile"), knownvalue.StringExact("Support User")),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("role"), knownvalue.Null()),
				},
			},
		},
	})
}

// A profile changed in Okta shows as drift; an assignment removed there is created again.
func TestAccGroupMapping_driftAndDisappears(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded groups")
	}
	sb := acctest.SharedSandbox(t)
	client := acctest.OktaClient(t, sb)
	ctx := context.Background()
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), salesMapping(`
  profile = "Sales User"
  role    = "Sales Rep"
`))
	var appID, gid string
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) (err error) {
					appID, gid, err = mappingIDs(s, mappingAddr)
					return err
				},
			},
			{
				PreConfig: func() {
					if _, err := client.SetAppGroupAssignment(ctx, appID, gid, nil, map[string]any{"profile": "Read Only", "role": "Sales Rep"}); err != nil {
						t.Fatalf("change the profile out of band: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("profile"), knownvalue.StringExact("Sales User")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					return client.DeleteAppGroupAssignment(ctx, appID, gid)
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

// Users in two groups get the profile of the group with the lower priority; a group inserted before
// them shifts Okta's numbers, which is no diff.
func TestAccGroupMapping_priorities(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded groups")
	}
	sb := acctest.SharedSandbox(t)
	client := acctest.OktaClient(t, sb)
	label := acctest.RandomName("priorities")
	two := salesMapping(`
  priority = 0
  profile  = "Sales User"
  role     = "Sales Rep"
`) + `
resource "oktasf_group_mapping" "users" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.users.id
  salesforce_org = "qa"
  priority       = 1
  profile        = "Read Only"
  depends_on     = [oktasf_group_mapping.sales]
}
`
	three := two + `
resource "oktasf_group_mapping" "admins" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.admins.id
  salesforce_org = "qa"
  priority       = 0
  profile        = "Support User"
  depends_on     = [oktasf_group_mapping.users]
}
`
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:           mappingConfig(sb, label, two),
				Check:            checkAppProfiles(t, client, map[string]string{"alice.anders": "Sales User", "carol.chen": "Sales User", "dave.diaz": "Read Only", "frank.fischer": "Read Only"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           mappingConfig(sb, label, three),
				Check:            checkAppProfiles(t, client, map[string]string{"alice.anders": "Sales User", "frank.fischer": "Support User", "heidi.hall": "Read Only"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The shifted numbers reach state with the next refresh, and still plan nothing.
				Config: mappingConfig(sb, label, three),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("oktasf_group_mapping.admins", tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("oktasf_group_mapping.users", tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(2)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A group moved past another group in Okta shows as drift and apply puts it back; Okta renumbering the
// groups when another is assigned or removed, or an admin rewriting a group where it stands, plans nothing.
func TestAccGroupMapping_reorderDrift(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded groups")
	}
	sb := acctest.NewSandbox(t, sandbox.Options{}) // its own: the test assigns groups out of band
	client := acctest.OktaClient(t, sb)
	ctx := context.Background()
	const usersAddr = "oktasf_group_mapping.users"
	cfg := mappingConfig(sb, acctest.RandomName("reorder"), salesMapping(`
  priority = 0
  profile  = "Sales User"
`)+`
resource "oktasf_group_mapping" "users" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.users.id
  salesforce_org = "qa"
  priority       = 1
  profile        = "Read Only"
  depends_on     = [oktasf_group_mapping.sales]
}
`)
	var appID string
	group := func(name string) string { return acctest.OktaGroupID(t, client, name) }
	// oktaOrder checks the app's groups as Okta holds them, by priority.
	oktaOrder := func(names ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			var want []string
			for _, name := range names {
				want = append(want, group(name))
			}
			all, err := client.ListAppGroupAssignments(ctx, appID)
			if err != nil {
				return err
			}
			sort.Slice(all, func(i, j int) bool { return all[i].Priority < all[j].Priority })
			var got []string
			for _, a := range all {
				got = append(got, a.GroupID)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				return fmt.Errorf("Okta's order = %v, want %v (%v)", got, want, names)
			}
			return nil
		}
	}
	// place puts a group at a priority in Okta, as an admin would, keeping its profile.
	place := func(name string, priority int) {
		gid := group(name)
		profile := map[string]any{}
		if current, err := client.GetAppGroupAssignment(ctx, appID, gid); err == nil {
			profile = current.Profile
		}
		if _, err := client.SetAppGroupAssignment(ctx, appID, gid, &priority, profile); err != nil {
			t.Fatalf("place %s at %d out of band: %v", name, priority, err)
		}
	}
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) (err error) { appID, _, err = mappingIDs(s, mappingAddr); return err },
					oktaOrder("Salesforce Sales", "Salesforce Users"),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// An admin moves Salesforce Users before Salesforce Sales.
				PreConfig: func() { place("Salesforce Users", 0) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(usersAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(usersAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(1)),
						plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: oktaOrder("Salesforce Sales", "Salesforce Users"),
			},
			{
				// An admin assigns another group first (Okta renumbers both mapped groups), then rewrites Salesforce
				// Sales where it now stands.
				PreConfig: func() {
					place("Salesforce Admins", 0)
					place("Salesforce Sales", 1)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(usersAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(usersAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(2)),
				},
				Check: oktaOrder("Salesforce Admins", "Salesforce Sales", "Salesforce Users"),
			},
			{
				// The admin removes that group again.
				PreConfig: func() {
					if err := client.DeleteAppGroupAssignment(ctx, appID, group("Salesforce Admins")); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: oktaOrder("Salesforce Sales", "Salesforce Users"),
			},
		},
	})
}

// checkAppProfiles checks the Salesforce profile Okta derives for app users, by login prefix.
func checkAppProfiles(t *testing.T, client *okta.Client, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["oktasf_saml_app.test"]
		if !ok {
			return fmt.Errorf("no app in state")
		}
		users, err := client.ListAppUsers(context.Background(), rs.Primary.ID)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, u := range users {
			name, _, _ := strings.Cut(u.UserName, "@")
			got[name], _ = u.Profile["profile"].(string)
		}
		for name, profile := range want {
			if got[name] != profile {
				return fmt.Errorf("app user %s has profile %q, want %q (all: %v)", name, got[name], profile, got)
			}
		}
		return nil
	}
}

func TestAccGroupMapping_badNames(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded names")
	}
	sb := acctest.SharedSandbox(t)
	cases := []struct{ name, extra, want string }{
		{"profile", `profile = "Sales Usr"`, `(?s)Salesforce Profile Not Found.*no profile named "Sales Usr"; did you mean "Sales User"`},
		{"role", "profile = \"Sales User\"\n  role = \"Sales Reps\"", `(?s)Salesforce Role Not Found.*no role named "Sales Reps"; did you mean "Sales Rep"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      mappingConfig(sb, acctest.RandomName("bad"), salesMapping("  "+tc.extra)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}
