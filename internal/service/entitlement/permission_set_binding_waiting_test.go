package entitlement_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Group members without a Salesforce user wait quietly (no perpetual diff); once their user exists, plan
// shows the assignment to make and apply makes it.
func TestAccPermissionSetBinding_membersWithoutUsers(t *testing.T) {
	if acctest.Live() {
		t.Skip("needs the sandbox's seeded users")
	}
	sb := acctest.NewSandbox(t, sandbox.Options{}) // qa has a user for alice only
	okta, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, "qa")
	config := acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_permission_set_binding" "test" {
  salesforce_org = "qa"
  permission_set = "Report_Builder"
  group_ids      = [%q]
}
`, acctest.OktaGroupID(t, okta, "Salesforce Sales"))
	const addr = "oktasf_permission_set_binding.test"
	members := knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("alice.anders@acme.example"),
		knownvalue.StringExact("bob.baker@acme.example"), knownvalue.StringExact("carol.chen@acme.example")})
	holdersAre := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := strings.Join(holders(t, sf, "Report_Builder"), ","); got != strings.Join(want, ",") {
				return fmt.Errorf("Report_Builder holders = %s, want %s", got, strings.Join(want, ","))
			}
			return nil
		}
	}
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("assigned_federation_ids"), members)},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:             holdersAre("alice.anders@acme.example"),
			},
			{
				PreConfig: func() {
					res, err := sf.InsertCollection(context.Background(), "User", []map[string]any{{
						"Username": "bob.baker@acme.example.qa", "Email": "bob.baker@acme.example", "LastName": "Baker", "Alias": "bbaker",
						"FederationIdentifier": "bob.baker@acme.example", "ProfileId": profileID(t, sf, "Sales User"),
						"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
					}})
					if err != nil || len(res) != 1 || res[0].Err() != nil {
						t.Fatalf("create bob's Salesforce user: %v %v", err, res)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectSetChange{addr, "assigned_federation_ids",
						fids("alice.anders", "carol.chen"), fids("alice.anders", "bob.baker", "carol.chen")}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: holdersAre("alice.anders@acme.example", "bob.baker@acme.example"),
			},
		},
	})
}

func profileID(t *testing.T, sf *salesforce.Client, name string) string {
	t.Helper()
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(context.Background(), "SELECT Id FROM Profile WHERE Name = "+salesforce.Quote(name), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("profile %s: %v (%d rows)", name, err, len(rows))
	}
	return rows[0].ID
}
