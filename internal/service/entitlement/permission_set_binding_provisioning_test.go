package entitlement_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// provisionAndBindConfig provisions the Salesforce Sales group (alice has a qa user; bob and carol do
// not) and binds Report_Builder to the group after provisioning, in one configuration. With before set,
// a second binding (Service_Cloud_User, same group) is ordered before provisioning, so that it looks the
// members up while bob and carol have no user yet.
func provisionAndBindConfig(sb *sandbox.Sandbox, label string, before bool) string {
	provisioningDependsOn := "[oktasf_group_mapping.sales]"
	extra := ""
	if before {
		provisioningDependsOn = "[oktasf_group_mapping.sales, oktasf_permission_set_binding.before]"
		extra = `
resource "oktasf_permission_set_binding" "before" {
  salesforce_org = "qa"
  permission_set = "Service_Cloud_User"
  group_ids      = [data.oktasf_okta_group.sales.id]
}
`
	}
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "test" {
  salesforce_org = "qa"
  label          = %q
}
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}
resource "oktasf_group_mapping" "sales" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.sales.id
  salesforce_org = "qa"
  profile        = "Sales User"
}
resource "oktasf_user_provisioning" "sales" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.test.id
  username       = { suffix = ".bind.qa" }
  attributes = {
    LastName = "user.lastName"
    Email    = "user.email"
    Alias    = "user.firstName"
  }
  depends_on = %s
}
resource "oktasf_permission_set_binding" "test" {
  salesforce_org = "qa"
  permission_set = "Report_Builder"
  group_ids      = [data.oktasf_okta_group.sales.id]
  depends_on     = [oktasf_user_provisioning.sales]
}
%s`, label, provisioningDependsOn, extra)
}

// A binding ordered after provisioning assigns the users provisioning creates in the same apply, even when
// another binding looked the same members up (and found no user) earlier in that apply.
func TestAccPermissionSetBinding_provisionedInSameApply(t *testing.T) {
	if acctest.Live() {
		t.Skip("needs the sandbox's seeded users")
	}
	all := fids("alice.anders", "bob.baker", "carol.chen")
	for _, tc := range []struct {
		name   string
		before bool
	}{
		{"alone", false},
		{"after another lookup", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := acctest.NewSandbox(t, sandbox.Options{}) // qa has a user for alice only
			sf := acctest.SalesforceClient(t, sb, "qa")
			cfg := provisionAndBindConfig(sb, acctest.RandomName("bind"), tc.before)
			reportBuilders := func(*terraform.State) error {
				if got := strings.Join(holders(t, sf, "Report_Builder"), ","); got != strings.Join(all, ",") {
					return fmt.Errorf("Report_Builder holders in Salesforce = %s, want %s", got, strings.Join(all, ","))
				}
				return nil
			}
			first := resource.TestStep{
				Config:            cfg,
				Check:             reportBuilders,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), setOf(all))},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			}
			steps := []resource.TestStep{first}
			if tc.before {
				// The binding ordered before provisioning found bob and carol without a user: it waits for them,
				// and the next plan assigns them (by design). The binding after provisioning has nothing left to do.
				first.ExpectNonEmptyPlan = true
				first.ConfigPlanChecks = resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("oktasf_permission_set_binding.before", plancheck.ResourceActionUpdate),
				}}
				steps = []resource.TestStep{first, {
					Config:           cfg,
					Check:            reportBuilders,
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				}}
			}
			test(t, resource.TestCase{Steps: steps})
		})
	}
}
