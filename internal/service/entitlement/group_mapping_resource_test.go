package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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

const mappingAddr = "oktasf_group_mapping.test"

// mappingConfig is an app for the primary org and the mappings given.
func mappingConfig(sb *sandbox.Sandbox, label string, mappings ...string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "test" {
  salesforce_org = %q
  label          = %q
}
%s`, acctest.PrimaryOrg(), label, strings.Join(mappings, ""))
}

// groupMapping is oktasf_group_mapping.<name> of a group to the app, with the attributes in extra.
func groupMapping(name string, g acctest.OktaGroup, extra string) string {
	return fmt.Sprintf(`
resource "oktasf_group_mapping" %q {
  app_id         = oktasf_saml_app.test.id
  group_id       = %q
  salesforce_org = %q
%s
}
`, name, g.ID, acctest.PrimaryOrg(), extra)
}

// mappingExists finds a mapping's assignment in Okta by app and group.
func mappingExists(c *okta.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		_, err := c.GetAppGroupAssignment(ctx, is.Attributes["app_id"], is.Attributes["group_id"])
		return err
	}
}

// checkOktaAssignment checks, in Okta, the profile and role the mapping's assignment holds.
func checkOktaAssignment(c *okta.Client, addr, profile, role string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		appID, err := acctest.StateAttr(s, addr, "app_id")
		if err != nil {
			return err
		}
		groupID, _ := acctest.StateAttr(s, addr, "group_id")
		a, err := c.GetAppGroupAssignment(context.Background(), appID, groupID)
		if err != nil {
			return err
		}
		gotRole, _ := a.Profile["role"].(string)
		if got, _ := a.Profile["profile"].(string); got != profile || gotRole != role {
			return fmt.Errorf("Okta assigns group %s with profile %q and role %q, want %q and %q", groupID, got, gotRole, profile, role)
		}
		return nil
	}
}

func TestAccGroupMapping_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	role, _ := acctest.CreateRole(t, sf, "rep", "")
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), groupMapping("test", group, fmt.Sprintf(`
  priority = 0
  profile  = %q
  role     = %q
`, acctest.StandardProfile, role)))
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0oa[A-Za-z0-9]+/`+regexp.QuoteMeta(group.ID)+`$`))),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("profile"), knownvalue.StringExact(acctest.StandardProfile)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("role"), knownvalue.StringExact(role)),
				},
				Check:            checkOktaAssignment(oc, mappingAddr, acctest.StandardProfile, role),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				// A second mapping of the same group would replace the first one's assignment.
				Config:      cfg + groupMapping("duplicate", group, fmt.Sprintf("  profile = %q\n", acctest.AdminProfile)),
				ExpectError: regexp.MustCompile(`(?s)Group Mapping Already Exists.*terraform\s+import`),
			},
			{
				ResourceName:      mappingAddr,
				ImportState:       true,
				ImportStateVerify: true, // salesforce_org too: found from the app's audience
			},
		},
	})
}

// Profile, role and priority change in place; an omitted priority takes the number Okta gives.
func TestAccGroupMapping_update(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	role, _ := acctest.CreateRole(t, sf, "rep", "")
	label := acctest.RandomName("mapping")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				Config: mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  profile = %q\n  role = %q\n", acctest.StandardProfile, role))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(0)),
				},
				Check:            checkOktaAssignment(oc, mappingAddr, acctest.StandardProfile, role),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config: mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  priority = 3\n  profile = %q\n", acctest.AdminProfile))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(3)), // a free priority is kept
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("profile"), knownvalue.StringExact(acctest.AdminProfile)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("role"), knownvalue.Null()),
				},
				Check: checkOktaAssignment(oc, mappingAddr, acctest.AdminProfile, ""),
			},
		},
	})
}

// A profile changed in Okta shows as drift, and apply puts the configured one back in Okta.
func TestAccGroupMapping_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	role, _ := acctest.CreateRole(t, sf, "rep", "")
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), groupMapping("test", group, fmt.Sprintf("  profile = %q\n  role = %q\n", acctest.StandardProfile, role)))
	var appID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) (err error) {
					appID, err = acctest.StateAttr(s, mappingAddr, "app_id")
					return err
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig: func() {
					if _, err := oc.SetAppGroupAssignment(context.Background(), appID, group.ID, nil, map[string]any{"profile": acctest.AdminProfile, "role": role}); err != nil {
						t.Fatalf("change the profile out of band: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("profile"), knownvalue.StringExact(acctest.StandardProfile)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkOktaAssignment(oc, mappingAddr, acctest.StandardProfile, role),
			},
		},
	})
}

// An assignment removed in Okta is planned for creation again, and apply assigns the group again.
func TestAccGroupMapping_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), groupMapping("test", group, fmt.Sprintf("  profile = %q\n", acctest.StandardProfile)))
	remove := func(ctx context.Context, is *terraform.InstanceState) error {
		return oc.DeleteAppGroupAssignment(ctx, is.Attributes["app_id"], is.Attributes["group_id"])
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps:        acctest.DisappearsSteps(t, cfg, mappingAddr, remove, mappingExists(oc)),
	})
}

// A mapping is imported as <app_id>/<group_id>; a malformed ID and a group the app does not have are refused.
func TestAccGroupMapping_import(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	group, other := acctest.CreateOktaGroup(t, oc, "sales", "mapped"), acctest.CreateOktaGroup(t, oc, "other", "not mapped")
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), groupMapping("test", group, fmt.Sprintf("  priority = 0\n  profile = %q\n", acctest.AdminProfile)))
	idOf := func(groupID string) resource.ImportStateIdFunc {
		return func(s *terraform.State) (string, error) {
			appID, err := acctest.StateAttr(s, mappingAddr, "app_id")
			return appID + "/" + groupID, err
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				ResourceName:      mappingAddr,
				ImportState:       true,
				ImportStateIdFunc: idOf(group.ID),
				ImportStateVerify: true,
			},
			{
				ResourceName:  mappingAddr,
				ImportState:   true,
				ImportStateId: group.ID,
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*<app_id>/<group_id>`),
			},
			{
				ResourceName:      mappingAddr,
				ImportState:       true,
				ImportStateIdFunc: idOf(other.ID),
				ExpectError:       regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

// Users in two groups get the profile of the group with the lower priority; a group inserted before
// them shifts Okta's numbers, which is no diff.
func TestAccGroupMapping_priorities(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	// inAll is in the three groups, inTwo in the first two, inOne in the second only.
	inAll, inTwo, inOne := acctest.CreateOktaUser(t, oc, "all"), acctest.CreateOktaUser(t, oc, "two"), acctest.CreateOktaUser(t, oc, "one")
	first := acctest.CreateOktaGroup(t, oc, "first", "priority 0", inAll, inTwo)
	second := acctest.CreateOktaGroup(t, oc, "second", "priority 1", inAll, inTwo, inOne)
	inserted := acctest.CreateOktaGroup(t, oc, "inserted", "inserted at 0", inAll)
	label := acctest.RandomName("priorities")
	two := []string{
		groupMapping("test", first, fmt.Sprintf("  priority = 0\n  profile = %q\n", acctest.StandardProfile)),
		groupMapping("second", second, fmt.Sprintf("  priority = 1\n  profile = %q\n  depends_on = [oktasf_group_mapping.test]\n", acctest.AdminProfile)),
	}
	three := append(slices.Clone(two),
		groupMapping("inserted", inserted, fmt.Sprintf("  priority = 0\n  profile = %q\n  depends_on = [oktasf_group_mapping.second]\n", acctest.AdminProfile)))
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				Config:           mappingConfig(sb, label, two...),
				Check:            checkAppProfiles(oc, map[string]string{inAll.Login: acctest.StandardProfile, inTwo.Login: acctest.StandardProfile, inOne.Login: acctest.AdminProfile}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config:           mappingConfig(sb, label, three...),
				Check:            checkAppProfiles(oc, map[string]string{inAll.Login: acctest.AdminProfile, inTwo.Login: acctest.StandardProfile, inOne.Login: acctest.AdminProfile}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				// The shifted numbers reach state with the next refresh, and still plan nothing.
				Config: mappingConfig(sb, label, three...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("oktasf_group_mapping.inserted", tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("oktasf_group_mapping.second", tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(2)),
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
		},
	})
}

// A group moved past another group in Okta shows as drift and apply puts it back; Okta renumbering the
// groups when another is assigned or removed, or an admin rewriting a group where it stands, plans nothing.
func TestAccGroupMapping_reorderDrift(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	ctx := context.Background()
	first, second, other := acctest.CreateOktaGroup(t, oc, "first", "priority 0"), acctest.CreateOktaGroup(t, oc, "second", "priority 1"),
		acctest.CreateOktaGroup(t, oc, "other", "assigned out of band")
	cfg := mappingConfig(sb, acctest.RandomName("reorder"),
		groupMapping("test", first, fmt.Sprintf("  priority = 0\n  profile = %q\n", acctest.StandardProfile)),
		groupMapping("second", second, fmt.Sprintf("  priority = 1\n  profile = %q\n  depends_on = [oktasf_group_mapping.test]\n", acctest.AdminProfile)))
	var appID string
	// oktaOrder checks the app's groups as Okta holds them, by priority.
	oktaOrder := func(groups ...acctest.OktaGroup) resource.TestCheckFunc {
		return func(*terraform.State) error {
			var want, names []string
			for _, g := range groups {
				want, names = append(want, g.ID), append(names, g.Name)
			}
			all, err := oc.ListAppGroupAssignments(ctx, appID)
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
	place := func(g acctest.OktaGroup, priority int) {
		profile := map[string]any{}
		if current, err := oc.GetAppGroupAssignment(ctx, appID, g.ID); err == nil {
			profile = current.Profile
		}
		if _, err := oc.SetAppGroupAssignment(ctx, appID, g.ID, &priority, profile); err != nil {
			t.Fatalf("place %s at %d out of band: %v", g.Name, priority, err)
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) (err error) {
						appID, err = acctest.StateAttr(s, mappingAddr, "app_id")
						return err
					},
					oktaOrder(first, second),
				),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				// An admin moves the second group before the first.
				PreConfig:        func() { place(second, 0) },
				Config:           cfg,
				ConfigPlanChecks: secondMovedBack(),
				Check:            oktaOrder(first, second),
			},
			{
				// An admin assigns another group first (Okta renumbers both mapped groups), then rewrites the first
				// group where it now stands.
				PreConfig: func() {
					place(other, 0)
					place(first, 1)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(mappingAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(secondAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(secondAddr, tfjsonpath.New("effective_priority"), knownvalue.Int64Exact(2)),
				},
				Check: oktaOrder(other, first, second),
			},
			{
				// The admin removes that group again.
				PreConfig: func() {
					if err := oc.DeleteAppGroupAssignment(ctx, appID, other.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: oktaOrder(first, second),
			},
		},
	})
}

// checkAppProfiles checks the Salesforce profile Okta derives for app users, by login.
func checkAppProfiles(client *okta.Client, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		appID, err := acctest.StateAttr(s, "oktasf_saml_app.test", "id")
		if err != nil {
			return err
		}
		users, err := client.ListAppUsers(context.Background(), appID)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, u := range users {
			got[u.UserName], _ = u.Profile["profile"].(string)
		}
		for login, profile := range want {
			if got[login] != profile {
				return fmt.Errorf("app user %s has profile %q, want %q (all: %v)", login, got[login], profile, got)
			}
		}
		return nil
	}
}

func TestAccGroupMapping_badNames(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	role, _ := acctest.CreateRole(t, sf, "rep", "")
	cases := []struct{ name, extra, want string }{
		{"profile", `profile = "Standard Usr"`, `(?s)Salesforce Profile Not Found.*no profile named "Standard Usr"; did you mean "Standard User"`},
		{"role", fmt.Sprintf("profile = %q\n  role = %q", acctest.StandardProfile, typo(role)),
			fmt.Sprintf(`(?s)Salesforce Role Not Found.*no role named %q; did you mean %q`, typo(role), role)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      mappingConfig(sb, acctest.RandomName("bad"), groupMapping("test", group, "  "+tc.extra)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}

// secondAddr is the second of two mappings of one app, placed after the first (priority 1).
const secondAddr = "oktasf_group_mapping.second"

// secondMovedBack are the plan checks of the apply after an admin moved the second group before the first:
// only the second mapping is updated, back to priority 1, and the plan after the apply is empty.
func secondMovedBack() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(secondAddr, plancheck.ResourceActionUpdate),
			plancheck.ExpectKnownValue(secondAddr, tfjsonpath.New("priority"), knownvalue.Int64Exact(1)),
			plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionNoop),
		},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}
