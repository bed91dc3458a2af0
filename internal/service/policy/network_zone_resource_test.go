package policy_test

import (
	"context"
	"fmt"
	"os"
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
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

const zoneAddr = "oktasf_network_zone.test"

// zoneConfig is oktasf_network_zone.test named name, with the attributes in body.
func zoneConfig(sb *sandbox.Sandbox, name, body string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_network_zone" "test" {
  name = %q
%s
}
`, name, body)
}

// zoneExists finds a zone in Okta by its ID.
func zoneExists(c *okta.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		_, err := c.GetNetworkZone(ctx, is.ID)
		return err
	}
}

// zoneRemover deletes a zone out of band, as an admin would (deactivate, then delete).
func zoneRemover(c *okta.Client) acctest.Remover {
	return func(ctx context.Context, is *terraform.InstanceState) error { return c.DeleteNetworkZone(ctx, is.ID) }
}

func checkZoneRemote(f func(ctx context.Context) error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f(context.Background()) }
}

// checkOktaZone checks, in Okta, the zone behind addr: its status, usage and the values of its gateways and
// proxies as Okta holds them.
func checkOktaZone(c *okta.Client, addr, status, usage string, gateways, proxies []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := acctest.StateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		z, err := c.GetNetworkZone(context.Background(), id)
		if err != nil {
			return err
		}
		values := func(as []okta.ZoneAddress) []string {
			out := []string{}
			for _, a := range as {
				out = append(out, a.Type+":"+a.Value)
			}
			return out
		}
		if z.Status != status || z.Usage != usage || !slices.Equal(values(z.Gateways), gateways) || !slices.Equal(values(z.Proxies), proxies) {
			return fmt.Errorf("Okta holds zone %s as %s %s gateways %v proxies %v; want %s %s gateways %v proxies %v",
				id, z.Status, z.Usage, values(z.Gateways), values(z.Proxies), status, usage, gateways, proxies)
		}
		return nil
	}
}

func zoneListExact(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.ListExact(checks)
}

const zoneV1 = `  gateways = ["192.168.1.1", "10.0.0.0/24"]
  proxies  = ["203.0.113.7"]
`

// A single address, which Okta stores as "a-a", reads back as written: no diff after apply or import.
func TestAccNetworkZone_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	name := acctest.RandomName("zone")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{
			{
				Config: zoneConfig(sb, name, zoneV1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^nzo\w+$`))),
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("gateways"), zoneListExact("192.168.1.1", "10.0.0.0/24")),
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("proxies"), zoneListExact("203.0.113.7")),
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("usage"), knownvalue.StringExact("POLICY")),
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
				},
				Check: checkOktaZone(oc, zoneAddr, "ACTIVE", "POLICY", []string{"RANGE:192.168.1.1-192.168.1.1", "CIDR:10.0.0.0/24"},
					[]string{"RANGE:203.0.113.7-203.0.113.7"}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:      zoneAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

// Gateways and proxies change in place, then usage (a blocklist has no proxies), then the zone is
// deactivated through the lifecycle call and activated again.
func TestAccNetworkZone_update(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	name := acctest.RandomName("zone")
	update := func() resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionUpdate)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{
			{
				Config:           zoneConfig(sb, name, zoneV1),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config:           zoneConfig(sb, name, "  gateways = [\"10.0.0.0/24\", \"172.16.0.1-172.16.0.9\"]\n  proxies = [\"203.0.113.8\"]\n"),
				ConfigPlanChecks: update(),
				Check: checkOktaZone(oc, zoneAddr, "ACTIVE", "POLICY", []string{"CIDR:10.0.0.0/24", "RANGE:172.16.0.1-172.16.0.9"},
					[]string{"RANGE:203.0.113.8-203.0.113.8"}),
			},
			{
				Config:           zoneConfig(sb, name+"-blocked", "  gateways = [\"198.51.100.0/24\"]\n  usage = \"BLOCKLIST\"\n"),
				ConfigPlanChecks: update(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("proxies"), knownvalue.Null()),
					statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("name"), knownvalue.StringExact(name+"-blocked")),
				},
				Check: checkOktaZone(oc, zoneAddr, "ACTIVE", "BLOCKLIST", []string{"CIDR:198.51.100.0/24"}, []string{}),
			},
			{
				Config:           zoneConfig(sb, name+"-blocked", "  gateways = [\"198.51.100.0/24\"]\n  usage = \"BLOCKLIST\"\n  active = false\n"),
				ConfigPlanChecks: update(),
				Check:            checkOktaZone(oc, zoneAddr, "INACTIVE", "BLOCKLIST", []string{"CIDR:198.51.100.0/24"}, []string{}),
			},
			{
				Config:           zoneConfig(sb, name+"-blocked", "  gateways = [\"198.51.100.0/24\"]\n  usage = \"BLOCKLIST\"\n"),
				ConfigPlanChecks: update(),
				Check:            checkOktaZone(oc, zoneAddr, "ACTIVE", "BLOCKLIST", []string{"CIDR:198.51.100.0/24"}, []string{}),
			},
		},
	})
}

// A zone created inactive is created so, and destroy deletes it (an inactive zone needs no deactivation).
func TestAccNetworkZone_inactive(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{{
			Config:           zoneConfig(sb, acctest.RandomName("zone"), "  gateways = [\"10.2.0.0/16\"]\n  active = false\n"),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			Check:            checkOktaZone(oc, zoneAddr, "INACTIVE", "POLICY", []string{"CIDR:10.2.0.0/16"}, []string{}),
		}},
	})
}

// A zone imported into the same configuration plans nothing, and neither the import nor the plan writes.
func TestAccNetworkZone_importPlansEmpty(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of the import plan")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	cfg := zoneConfig(sb, acctest.RandomName("zone"), zoneV1+"  usage = \"POLICY\"\n")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: append([]resource.TestStep{{Config: cfg, Check: acctest.CheckWritesCounted(sb), ConfigPlanChecks: acctest.EmptyPlanAfterApply()}},
			zoneImportPlansEmptySteps(t, sb, cfg, zoneAddr, func(s *terraform.State) (string, error) { return acctest.StateAttr(s, zoneAddr, "id") })...),
	})
}

// zoneImportPlansEmptySteps import addr with an import block into config, then plan config: both without a write,
// and the plan empty.
func zoneImportPlansEmptySteps(t *testing.T, sb *sandbox.Sandbox, config, addr string, id resource.ImportStateIdFunc) []resource.TestStep {
	return []resource.TestStep{
		{
			PreConfig:         func() { sb.Control().ResetStats() },
			Config:            config,
			ResourceName:      addr,
			ImportState:       true,
			ImportStateKind:   resource.ImportBlockWithID,
			ImportStateIdFunc: id,
		},
		{
			PreConfig: func() {
				if w := acctest.WriteRequests(sb); len(w) > 0 {
					t.Fatalf("the import plan wrote: %v", w)
				}
			},
			Config:   config,
			PlanOnly: true,
		},
	}
}

// A zone deleted out of band is removed from the state, and the next apply creates it again.
func TestAccNetworkZone_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps:        acctest.DisappearsSteps(t, zoneConfig(sb, acctest.RandomName("zone"), zoneV1), zoneAddr, zoneRemover(oc), zoneExists(oc)),
	})
}

// A zone changed out of band (a gateway added, the zone deactivated) shows in the plan, which restores it.
func TestAccNetworkZone_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	cfg := zoneConfig(sb, acctest.RandomName("zone"), zoneV1)
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: func(s *terraform.State) (err error) {
					id, err = acctest.StateAttr(s, zoneAddr, "id")
					return err
				},
			},
			{
				PreConfig: func() {
					ctx := context.Background()
					if _, err := oc.UpdateNetworkZone(ctx, id, func(z *okta.NetworkZone) {
						z.Gateways = append(z.Gateways, okta.ZoneAddress{Type: "CIDR", Value: "172.16.0.0/12"})
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := oc.DeactivateNetworkZone(ctx, id); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkOktaZone(oc, zoneAddr, "ACTIVE", "POLICY", []string{"RANGE:192.168.1.1-192.168.1.1", "CIDR:10.0.0.0/24"},
					[]string{"RANGE:203.0.113.7-203.0.113.7"}),
			},
		},
	})
}

// Invalid entries and an empty gateway list fail at plan, at the attribute, before any request.
func TestAccNetworkZone_invalidAtPlan(t *testing.T) {
	sb := acctest.Sandbox(t)
	name := acctest.RandomName("zone")
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      zoneConfig(sb, name, "  gateways = [\"10.0.0.0/24\", \"10.0.0.300/24\"]\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)gateways\[1\].*"10\.0\.0\.300/24" is not a CIDR block.*203\.0\.113\.0/24`),
			},
			{
				Config:      zoneConfig(sb, name, "  gateways = []\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Network Zone Without Gateways.*gateways\s*=\s*\["203\.0\.113\.0/24"\]`),
			},
			{
				Config:      zoneConfig(sb, name, "  gateways = [\"10.0.0.0/24\"]\n  usage = \"BLOCKLIST\"\n  proxies = [\"10.9.0.1\"]\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Blocklist Zone With Proxies.*usage\s*=\s*"POLICY"`),
			},
		},
	})
}

// The documentation's example applies as written and plans nothing afterwards.
func TestAccNetworkZone_example(t *testing.T) {
	acctest.RequireSandbox(t, "creates the example's fixed zone names in a sandbox of its own")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	example, err := os.ReadFile("../../../examples/resources/oktasf_network_zone/resource.tf")
	if err != nil {
		t.Fatal(err)
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{{
			Config:           acctest.ProviderConfig(sb) + string(example),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			Check: resource.ComposeTestCheckFunc(
				checkOktaZone(oc, "oktasf_network_zone.office", "ACTIVE", "POLICY",
					[]string{"CIDR:203.0.113.0/24", "RANGE:198.51.100.10-198.51.100.20", "RANGE:192.0.2.7-192.0.2.7"}, []string{"RANGE:192.0.2.50-192.0.2.50"}),
				checkOktaZone(oc, "oktasf_network_zone.blocked", "INACTIVE", "BLOCKLIST", []string{"CIDR:2001:db8:dead::/48"}, []string{}),
			),
		}},
	})
}

// zoneServiceAppConfig is a provider block that signs in to the sandbox's Okta as its service app, asking for scopes
// (the sandbox grants the service app exactly those).
func zoneServiceAppConfig(sb *sandbox.Sandbox, scopes ...string) string {
	info := sb.Info()
	quoted := make([]string, len(scopes))
	for i, s := range scopes {
		quoted[i] = acctest.Quote(s)
	}
	return fmt.Sprintf(`provider %q {
  okta = {
    org_url        = %s
    client_id      = %s
    private_key    = %s
    private_key_id = %s
    scopes         = [%s]
  }
}
`, acctest.ProviderName, acctest.Quote(info.Okta.OrgURL), acctest.Quote(info.Okta.ClientID), acctest.Quote(info.Okta.PrivateKey),
		acctest.Quote(info.Okta.PrivateKeyID), strings.Join(quoted, ", "))
}

// The scopes the documentation names are enough: a service app granted only okta.networkZones.manage and
// okta.deviceAssurance.read manages a zone through its whole life and looks a device assurance policy up.
func TestAccNetworkZone_documentedScopes(t *testing.T) {
	acctest.RequireSandbox(t, "grants scopes to the sandbox's service app")
	scopes := []string{"okta.networkZones.manage", "okta.deviceAssurance.read"}
	sb := acctest.NewSandbox(t, sandbox.Options{OktaScopes: scopes})
	oc := acctest.OktaClient(t, sb)
	policyName := acctest.RandomName("mac")
	createDeviceAssurancePolicy(t, oc, map[string]any{"name": policyName, "platform": "MACOS"})
	name := acctest.RandomName("zone")
	cfg := func(body string) string {
		return zoneServiceAppConfig(sb, scopes...) + fmt.Sprintf(`
resource "oktasf_network_zone" "test" {
  name = %q
%s
}
`, name, body) + deviceAssuranceConfig(policyName, "")
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{
			{Config: cfg(zoneV1), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{Config: cfg("  gateways = [\"10.0.0.0/24\"]\n  active = false\n"), ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: checkOktaZone(oc, zoneAddr, "INACTIVE", "POLICY", []string{"CIDR:10.0.0.0/24"}, []string{})},
		},
	})
}
