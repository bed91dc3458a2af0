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
// deactivates b while the apply is creating d. pending_* after apply is what reading the users back
// found (b to reactivate), the same as the next plan shows, not an empty set promised at plan.
func TestAccUserProvisioning_pendingAfterApply(t *testing.T) {
	acctest.RequireSandbox(t, "holds a user create open with injected latency, so that an admin's change lands in the middle of the apply")
	sb := acctest.NewSandbox(t, sandbox.Options{}) // its own: the latency would slow everybody's creates
	p := newProvTest(t, sb)
	org := "salesforce:" + acctest.PrimaryOrg()
	b := p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	var d acctest.OktaUser
	adminDone := make(chan error, 1)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, b),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: nothingPending(),
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig: func() {
					d = p.member(t, "d")
					bID := oneUser(t, p.sf, b.Login).ID
					// Hold the create of d long enough for the admin's change to land while it waits.
					sb.Control().SetLatency(emu.Latency{Service: org, Route: createRoute, Millis: 3000})
					creates := sb.Control().Stats().Routes[org+" "+createRoute]
					go func() { adminDone <- deactivateDuringCreate(sb, p.sf, creates, bID) }()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectPendingFunc("pending_create", func() []string { return []string{d.Login} })},
					// The next plan finds what apply recorded: b to reactivate.
					PostApplyPostRefresh: []plancheck.PlanCheck{expectPending{attr: "pending_reactivate", before: []string{b.Login}}},
				},
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_reactivate"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(b.Login)})),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_create"), emptySet),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_update"), emptyMap),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_deactivate"), emptySet),
				},
				Check: checkUsers(func() error {
					sb.Control().SetLatency(emu.Latency{Service: org, Route: createRoute}) // no more delay
					if err := <-adminDone; err != nil {
						return err
					}
					if u := oneUser(t, p.sf, d.Login); !u.Active {
						return fmt.Errorf("the Salesforce user of %s = %+v, want it created", d.Login, u)
					}
					if u := oneUser(t, p.sf, b.Login); u.Active {
						return fmt.Errorf("the Salesforce user of %s = %+v, want it deactivated by the admin", b.Login, u)
					}
					return nil
				}),
			},
			{
				Config:            cfg,
				ConfigStateChecks: nothingPending(),
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
				Check:             p.checkProvisioned(t, "Sales", b),
			},
		},
	})
}

// expectPendingFunc is expectPending with Federation IDs known only when the plan is checked.
func expectPendingFunc(attr string, before func() []string) plancheck.PlanCheck {
	return acctest.PlanCheckFunc(func(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		expectPending{attr: attr, before: before()}.CheckPlan(ctx, req, resp)
	})
}

// deactivateDuringCreate waits for a user create to reach the primary org (creates had reached it before),
// then deactivates userID there, as an admin would, while the create is held.
func deactivateDuringCreate(sb *sandbox.Sandbox, sf *salesforce.Client, creates int, userID string) error {
	route := "salesforce:" + acctest.PrimaryOrg() + " " + createRoute
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
