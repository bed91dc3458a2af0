package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

const bindingAddr = "oktasf_permission_set_binding.test"

func bindingConfig(sb *sandbox.Sandbox, target string, groups ...string) string {
	var data, refs []string
	for _, g := range groups {
		key := strings.ToLower(strings.ReplaceAll(g, " ", "_"))
		data = append(data, fmt.Sprintf("data \"oktasf_okta_group\" %q {\n  name = %q\n}\n", key, g))
		refs = append(refs, "data.oktasf_okta_group."+key+".id")
	}
	return acctest.ProviderConfig(sb) + strings.Join(data, "") + fmt.Sprintf(`
resource "oktasf_permission_set_binding" "test" {
  %s
  group_ids = [%s]
}
`, target, strings.Join(refs, ", "))
}

func fids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + "@acme.example"
	}
	slices.Sort(out)
	return out
}

func setOf(values []string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.SetExact(checks)
}

// The binding converges Sales_Cloud_User on the members of Salesforce Sales: it removes dave's
// hand-made assignment, follows members added and removed in Okta, removes an assignment added in
// Salesforce by hand, and never touches the integration user's.
func TestAccPermissionSetBinding_basic(t *testing.T) {
	sb := entitlementSandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, "qa")
	ctx := context.Background()
	cfg := bindingConfig(sb, `permission_set = "Sales_Cloud_User"`, "Salesforce Sales")
	sales := acctest.OktaGroupID(t, oc, "Salesforce Sales")
	checkHolders := func(want []string) func() {
		return func() {
			if got := holders(t, sf, "Sales_Cloud_User"); !slices.Equal(got, want) {
				t.Fatalf("Sales_Cloud_User holders = %v, want %v", got, want)
			}
		}
	}
	withBot := func(names ...string) []string { return append(fids(names...), "etl.bot@acme.example.qa") }
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: checkHolders(withBot("alice.anders", "bob.baker", "dave.diaz")),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), setOf(fids("alice.anders", "bob.baker", "carol.chen")))},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("id"), knownvalue.StringExact("qa/Sales_Cloud_User")),
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("federation_id_attribute"), knownvalue.StringExact("login")),
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), setOf(fids("alice.anders", "bob.baker", "carol.chen"))),
				},
			},
			{
				PreConfig: func() {
					checkHolders(withBot("alice.anders", "bob.baker", "carol.chen"))()
					if _, err := oc.Raw(ctx, "DELETE", "/api/v1/groups/"+sales+"/users/"+acctest.OktaUserID(t, oc, "bob.baker@acme.example"), nil, nil); err != nil {
						t.Fatalf("remove bob from the group: %v", err)
					}
					if _, err := oc.Raw(ctx, "PUT", "/api/v1/groups/"+sales+"/users/"+acctest.OktaUserID(t, oc, "erin.evans@acme.example"), nil, nil); err != nil {
						t.Fatalf("add erin to the group: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
						expectSetChange{bindingAddr, "assigned_federation_ids", fids("alice.anders", "bob.baker", "carol.chen"), fids("alice.anders", "carol.chen", "erin.evans")},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				PreConfig: func() {
					checkHolders(withBot("alice.anders", "carol.chen", "erin.evans"))()
					frank := salesforceUserID(t, sf, "frank.fischer@acme.example")
					if res, err := sf.AddAssignments(ctx, permissionSetTarget(t, sf, "Sales_Cloud_User"), []string{frank}); err != nil || res[0].Err() != nil {
						t.Fatalf("assign frank by hand: %v %v", err, res)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectSetChange{bindingAddr, "assigned_federation_ids", fids("alice.anders", "carol.chen", "erin.evans", "frank.fischer"), fids("alice.anders", "carol.chen", "erin.evans")},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				PreConfig:               checkHolders(withBot("alice.anders", "carol.chen", "erin.evans")),
				ResourceName:            bindingAddr,
				ImportState:             true,
				ImportStateId:           "qa/Sales_Cloud_User",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"group_ids"},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if got := holders(t, sf, "Sales_Cloud_User"); !slices.Equal(got, []string{"etl.bot@acme.example.qa"}) {
				return fmt.Errorf("after destroy Sales_Cloud_User is held by %v, want only the integration user", got)
			}
			return nil
		},
	})
}

// A permission set group binds like a set; the Federation ID can come from the e-mail attribute.
func TestAccPermissionSetBinding_group(t *testing.T) {
	sb := entitlementSandbox(t)
	sf := acctest.SalesforceClient(t, sb, "qa")
	cfg := bindingConfig(sb, "permission_set_group = \"Sales_Bundle\"\n  federation_id_attribute = \"email\"", "Salesforce Support", "Salesforce Admins")
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("id"), knownvalue.StringExact("qa/psg:Sales_Bundle")),
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), setOf(fids("dave.diaz", "erin.evans", "frank.fischer"))),
				},
				Check: func(*terraform.State) error {
					var rows []struct {
						ID string `json:"Id"`
					}
					err := sf.Query(context.Background(), "SELECT Id FROM PermissionSetAssignment WHERE PermissionSetGroup.DeveloperName = 'Sales_Bundle'", &rows)
					if err == nil && len(rows) != 3 {
						err = fmt.Errorf("%d assignments of Sales_Bundle in Salesforce, want 3", len(rows))
					}
					return err
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName:            bindingAddr,
				ImportState:             true,
				ImportStateId:           "qa/psg:Sales_Bundle",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"group_ids", "federation_id_attribute"},
			},
		},
	})
}

// Grace's license does not allow Full_CRM: her record fails with her Federation ID named while heidi's
// succeeds and is saved, and the next plan adds only grace.
func TestAccPermissionSetBinding_partialFailure(t *testing.T) {
	sb := entitlementSandbox(t)
	sf := acctest.SalesforceClient(t, sb, "qa")
	target := `permission_set = "Full_CRM"`
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: bindingConfig(sb, target, "Salesforce Admins")},
			{
				Config:      bindingConfig(sb, target, "Salesforce Admins", "Contractors"),
				ExpectError: regexp.MustCompile(`(?s)Federation\s+ID\s+"grace\.green@acme\.example".*FIELD_INTEGRITY_EXCEPTION`),
			},
			{
				PreConfig: func() {
					if got, want := holders(t, sf, "Full_CRM"), fids("frank.fischer", "heidi.hall"); !slices.Equal(got, want) {
						t.Fatalf("Full_CRM holders after the partial failure = %v, want %v", got, want)
					}
				},
				Config:             bindingConfig(sb, target, "Salesforce Admins", "Contractors"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					expectSetChange{bindingAddr, "assigned_federation_ids", fids("frank.fischer", "heidi.hall"), fids("frank.fischer", "grace.green", "heidi.hall")},
				}},
			},
		},
	})
}

func TestAccPermissionSetBinding_badNames(t *testing.T) {
	sb := entitlementSandbox(t)
	sf := acctest.SalesforceClient(t, sb, "qa")
	var owned, aggregate []struct{ Name string }
	ctx := context.Background()
	if err := sf.Query(ctx, "SELECT Name FROM PermissionSet WHERE IsOwnedByProfile = true LIMIT 1", &owned); err != nil || len(owned) != 1 {
		t.Fatalf("find a profile's permission set: %v", err)
	}
	if err := sf.Query(ctx, "SELECT Name FROM PermissionSet WHERE PermissionSetGroupId != null LIMIT 1", &aggregate); err != nil || len(aggregate) != 1 {
		t.Fatalf("find a group's aggregate permission set: %v", err)
	}
	cases := []struct{ name, target, want string }{
		{"typo", `permission_set = "Sales_Cloud_Usr"`, `(?s)Salesforce Permission Set Not Found.*no permission set named "Sales_Cloud_Usr"; did you mean "Sales_Cloud_User"`},
		{"group typo", `permission_set_group = "Sales_Bundel"`, `(?s)no permission set group named "Sales_Bundel"; did you mean "Sales_Bundle"`},
		{"profile owned", fmt.Sprintf("permission_set = %q", owned[0].Name), `(?s)Permission Set Cannot Be Bound.*owned by a profile`},
		{"aggregate", fmt.Sprintf("permission_set = %q", aggregate[0].Name), `(?s)Permission Set Cannot Be Bound.*bind the group with permission_set_group`},
		{"both", "permission_set = \"Report_Builder\"\n  permission_set_group = \"Sales_Bundle\"", `(?s)Invalid Attribute Combination`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      bindingConfig(sb, tc.target, "Salesforce Sales"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}
