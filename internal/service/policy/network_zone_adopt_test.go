package policy_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// The create's POST reached Okta but its answer was lost: the apply fails, and the next one adopts the zone
// without a write, so Okta holds exactly one zone of that name and the plan after it is empty.
func TestAccNetworkZone_lostCreateAnswerAdopted(t *testing.T) {
	acctest.RequireSandbox(t, "loses the answer of the create and counts the writes of the apply after it")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	name := acctest.RandomName("lostzone")
	cfg := zoneConfig(sb, name, zoneV1)
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sb.Control().AddFault(emu.Fault{Service: "okta", Route: "POST /api/v1/zones", Kind: emu.FaultLostResponse, Count: 1})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`Unable to Create Network Zone`),
			},
			{
				PreConfig: func() {
					if f := sb.Control().Faults(); len(f) != 1 || f[0].Injected != 1 {
						t.Fatalf("the create's answer was not lost: %+v", f)
					}
					zones, err := oc.FindNetworkZonesByName(context.Background(), name)
					if err != nil || len(zones) != 1 {
						t.Fatalf("the lost create made %d zones (%v), want 1", len(zones), err)
					}
					id = zones[0].ID
					sb.Control().ClearFaults()
					sb.Control().ResetStats()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					acctest.CheckNoWrites(sb),
					func(s *terraform.State) error {
						got, err := acctest.StateAttr(s, zoneAddr, "id")
						if err == nil && got != id {
							err = fmt.Errorf("state holds zone %s, want the one the lost create made, %s", got, id)
						}
						return err
					},
					checkZoneRemote(func(ctx context.Context) error {
						zones, err := oc.FindNetworkZonesByName(ctx, name)
						if err == nil && len(zones) != 1 {
							err = fmt.Errorf("Okta has %d zones named %q, want 1", len(zones), name)
						}
						return err
					}),
				),
			},
		},
	})
}

// A zone of the same name that differs from the plan is someone else's: the create refuses, names each
// difference and says how to import it, and creates nothing.
func TestAccNetworkZone_existingDifferentRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	name := acctest.RandomName("takenzone")
	ctx := context.Background()
	other, err := oc.CreateNetworkZone(ctx, &okta.NetworkZone{Name: name, Type: okta.ZoneIP, Status: okta.ZoneActive, Usage: okta.ZonePolicy,
		Gateways: []okta.ZoneAddress{{Type: "CIDR", Value: "10.7.0.0/16"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = oc.DeleteNetworkZone(ctx, other.ID) })
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: zoneConfig(sb, name, zoneV1),
			ExpectError: regexp.MustCompile(`(?s)Network Zone Already Exists.*gateways: found "\[10\.7\.0\.0/16\]", planned "\[192\.168\.1\.1, 10\.0\.0\.0/24\]"` +
				`.*proxies: found \(none\), planned "\[203\.0\.113\.7\]"` +
				`.*terraform\s+import\s+'<address>'\s+` + other.ID),
		}},
	})
	if zones, err := oc.FindNetworkZonesByName(ctx, name); err != nil || len(zones) != 1 {
		t.Errorf("Okta has %d zones named %q after the refused create (%v), want only the existing one", len(zones), name, err)
	}
}
