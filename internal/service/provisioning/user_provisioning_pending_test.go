package provisioning_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// createRoute is the sObject Collections create, which provisioning sends new users through.
const createRoute = "POST /services/data/{version}/composite/sobjects"

// An apply that writes without a failure can still leave a user out of line: here a Salesforce admin
// deactivates bob while the apply is creating dan. pending_* after apply is what reading the users back
// found (bob to reactivate), the same as the next plan shows, not an empty set promised at plan.
func TestAccUserProvisioning_pendingAfterApply(t *testing.T) {
	sb := ownSandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, "qa")
	cfg := provConfig(sb, acctest.RandomName("prov"), salesAttributes, "")
	const dan = "dan.dunn@acme.example"
	adminDone := make(chan error, 1)
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: nothingPending(),
				ConfigPlanChecks:  emptyPlan(),
			},
			{
				PreConfig: func() {
					createOktaUser(t, oc, dan, dan, "Salesforce Sales")
					bobID := oneUser(t, sf, bob).ID
					// Hold the create of dan long enough for the admin's change to land while it waits.
					sb.Control().SetLatency(emu.Latency{Service: "salesforce:qa", Route: createRoute, Millis: 3000})
					creates := sb.Control().Stats().Routes["salesforce:qa "+createRoute]
					go func() { adminDone <- deactivateDuringCreate(sb, sf, creates, bobID) }()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectPending{attr: "pending_create", before: []string{dan}}},
					// The next plan finds what apply recorded: bob to reactivate.
					PostApplyPostRefresh: []plancheck.PlanCheck{expectPending{attr: "pending_reactivate", before: []string{bob}}},
				},
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_reactivate"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(bob)})),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_create"), emptySet),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_update"), emptySet),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_deactivate"), emptySet),
				},
				Check: checkUsers(func() error {
					sb.Control().SetLatency(emu.Latency{Service: "salesforce:qa", Route: createRoute}) // no more delay
					if err := <-adminDone; err != nil {
						return err
					}
					if u := oneUser(t, sf, dan); !u.Active {
						return fmt.Errorf("dan = %+v, want him created", u)
					}
					if u := oneUser(t, sf, bob); u.Active {
						return fmt.Errorf("bob = %+v, want him deactivated by the admin", u)
					}
					return nil
				}),
			},
			{
				Config:            cfg,
				ConfigStateChecks: nothingPending(),
				ConfigPlanChecks:  emptyPlan(),
				Check: checkUsers(func() error {
					if u := oneUser(t, sf, bob); !u.Active {
						return fmt.Errorf("bob = %+v, want him reactivated", u)
					}
					return nil
				}),
			},
		},
	})
}

// deactivateDuringCreate waits for a user create to reach the qa org (creates had reached it before), then
// deactivates userID there, as an admin would, while the create is held.
func deactivateDuringCreate(sb *sandbox.Sandbox, sf *salesforce.Client, creates int, userID string) error {
	route := "salesforce:qa " + createRoute
	deadline := time.Now().Add(time.Minute)
	for sb.Control().Stats().Routes[route] == creates {
		if time.Now().After(deadline) {
			return fmt.Errorf("no user create reached the org")
		}
		time.Sleep(5 * time.Millisecond)
	}
	res, err := sf.UpdateUsers(context.Background(), []map[string]any{{"Id": userID, "IsActive": false}})
	if err != nil {
		return err
	}
	return res[0].Err()
}
