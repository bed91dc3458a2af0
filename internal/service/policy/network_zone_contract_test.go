package policy_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// orgZones lists every zone Okta holds, with what a zone resource could change.
func orgZones(ctx context.Context, oc *okta.Client) ([]string, error) {
	var zones []okta.NetworkZone
	if _, err := oc.Raw(ctx, http.MethodGet, "/api/v1/zones?limit=200", nil, &zones); err != nil {
		return nil, err
	}
	out := []string{}
	for _, z := range zones {
		out = append(out, fmt.Sprintf("%s %q %s %s %s %v %v", z.ID, z.Name, z.Type, z.Status, z.Usage, z.Gateways, z.Proxies))
	}
	slices.Sort(out)
	return out, nil
}

// TestAccNetworkZone_contract: apply → empty plan; changed in the configuration → one apply → empty plan, and Okta
// holds what the plan showed; import → empty plan, no write; destroy → Okta holds exactly the zones it held
// before (a bystander zone untouched).
func TestAccNetworkZone_contract(t *testing.T) {
	acctest.RequireSandbox(t, "reads the sandbox's stats and state")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	ctx := context.Background()
	bystander, err := oc.CreateNetworkZone(ctx, &okta.NetworkZone{Name: acctest.RandomName("bystander"), Type: okta.ZoneIP, Status: okta.ZoneActive,
		Usage: okta.ZonePolicy, Gateways: []okta.ZoneAddress{{Type: "CIDR", Value: "10.8.0.0/16"}}})
	if err != nil {
		t.Fatal(err)
	}
	before, err := orgZones(ctx, oc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(before, "\n"), bystander.ID) {
		t.Fatalf("the snapshot misses the bystander: %v", before)
	}
	name := acctest.RandomName("zone")
	v1 := zoneConfig(sb, name, zoneV1)
	v2 := zoneConfig(sb, name, "  gateways = [\"10.0.0.0/24\", \"2001:db8::/32\"]\n  active = false\n")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			got, err := orgZones(ctx, oc)
			if err == nil && !slices.Equal(got, before) {
				err = fmt.Errorf("after destroy Okta holds\n  %v\nbefore it held\n  %v", got, before)
			}
			return err
		},
		Steps: append([]resource.TestStep{
			{Config: v1, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: acctest.CheckWritesCounted(sb)},
			{
				Config: v2,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("gateways"), zoneListExact("10.0.0.0/24", "2001:db8::/32")),
						plancheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("proxies"), knownvalue.Null()),
						plancheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkOktaZone(oc, zoneAddr, "INACTIVE", "POLICY", []string{"CIDR:10.0.0.0/24", "CIDR:2001:db8::/32"}, []string{}),
			},
		}, zoneImportPlansEmptySteps(t, sb, v2, zoneAddr, func(s *terraform.State) (string, error) { return acctest.StateAttr(s, zoneAddr, "id") })...),
	})
}
