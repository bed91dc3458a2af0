package policy_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

const signonAddr = "oktasf_signon_policy.test"

// signonFixture is what a sign-on policy test binds and names: an app, the admins group and an office zone.
type signonFixture struct {
	oc                   *okta.Client
	appID, groupID, zone string
}

func newSignonFixture(t *testing.T, sb *sandbox.Sandbox) signonFixture {
	t.Helper()
	ctx := context.Background()
	oc := acctest.OktaClient(t, sb)
	app, err := oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: acctest.RandomName("signon-app"), SignOn: okta.SAMLSignOn{
		SSOACSURL: "https://signon.example/acs", Recipient: "https://signon.example/acs", Destination: "https://signon.example/acs",
		Audience: "https://signon.example", SubjectNameIDTemplate: "${user.userName}",
		SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
		ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatalf("create the app: %v", err)
	}
	t.Cleanup(func() { _ = oc.DeactivateApp(ctx, app.ID); _ = oc.DeleteApp(ctx, app.ID) })
	group := acctest.CreateOktaGroup(t, oc, "admins", "signs in from the office")
	// The zone is made through the client so that this test does not depend on oktasf_network_zone.
	zone, err := oc.CreateNetworkZone(ctx, &okta.NetworkZone{Name: acctest.RandomName("office"), Type: okta.ZoneIP, Status: okta.ZoneActive,
		Usage: okta.ZonePolicy, Gateways: []okta.ZoneAddress{{Type: "CIDR", Value: "198.51.100.0/24"}}})
	if err != nil {
		t.Fatalf("create the office zone: %v", err)
	}
	t.Cleanup(func() { _, _ = oc.DeactivateNetworkZone(ctx, zone.ID); _ = oc.DeleteNetworkZone(ctx, zone.ID) })
	return signonFixture{oc: oc, appID: app.ID, groupID: group.ID, zone: zone.ID}
}

// config is the policy with rules (HCL list elements) and the catch-all action.
func (f signonFixture) config(sb *sandbox.Sandbox, name string, rules []string, catchAll string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_signon_policy" "test" {
  app_id    = %q
  name      = %q
  rules     = [%s]
  catch_all = %s
}
`, f.appID, name, strings.Join(rules, ",\n"), catchAll)
}

func (f signonFixture) adminsRule(factorMode string) string {
	return fmt.Sprintf(`{
    name         = "admins-office"
    people       = { groups_include = [%q] }
    network      = { connection = "ZONE", zones_include = [%q] }
    access       = "ALLOW"
    verification = { factor_mode = %q, reauthenticate_in = "PT2H", phishing_resistant = true }
  }`, f.groupID, f.zone, factorMode)
}

const everyoneDenied = `{
    name   = "everyone-else"
    access = "DENY"
  }`

const catchAllDeny = `{ access = "DENY" }`

// rulesInOkta is the policy's rules as Okta holds them, in priority order: "name access factor", the catch-all last.
func rulesInOkta(ctx context.Context, oc *okta.Client, policyID string) ([]string, error) {
	rules, err := oc.ListAccessRules(ctx, policyID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rules {
		s := r.Name + " " + r.Access
		if r.Access == "ALLOW" {
			s += " " + r.FactorMode
		}
		out = append(out, s)
	}
	return out, nil
}

// checkSignonInOkta checks, through the client, the rules Okta holds and that the app is bound to the policy.
func checkSignonInOkta(f signonFixture, want ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		id, err := acctest.StateAttr(s, signonAddr, "id")
		if err != nil {
			return err
		}
		got, err := rulesInOkta(ctx, f.oc, id)
		if err != nil {
			return err
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			return fmt.Errorf("Okta holds the rules\n  %v\nwant\n  %v", got, want)
		}
		bound, err := f.oc.AppAccessPolicyID(ctx, f.appID)
		if err == nil && bound != id {
			err = fmt.Errorf("app %s is bound to policy %s, want %s", f.appID, bound, id)
		}
		return err
	}
}

func signonExists(oc *okta.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		_, err := oc.GetAccessPolicy(ctx, is.ID)
		return err
	}
}

// checkSignonDestroyed: the policy is gone and the app is bound to the org's default policy again.
func checkSignonDestroyed(f signonFixture) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := acctest.CheckDestroy("oktasf_signon_policy", signonExists(f.oc))(s); err != nil {
			return err
		}
		ctx := context.Background()
		def, err := f.oc.DefaultAccessPolicy(ctx)
		if err != nil {
			return err
		}
		bound, err := f.oc.AppAccessPolicyID(ctx, f.appID)
		if err == nil && bound != def.ID {
			err = fmt.Errorf("after destroy app %s is bound to %s, want the default policy %s", f.appID, bound, def.ID)
		}
		return err
	}
}

// onlyRuleWrites fails unless the sandbox counted exactly n writes since its stats were reset, all of them
// rule PUTs: no policy write, no rule created or deleted, no binding.
func onlyRuleWrites(sb *sandbox.Sandbox, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		w := acctest.WriteRequests(sb)
		total := 0
		for _, x := range w {
			if !strings.Contains(x, "PUT /api/v1/policies/{policyId}/rules/{ruleId}") {
				return fmt.Errorf("the update wrote %v; want only rule PUTs", w)
			}
			var k int
			_, _ = fmt.Sscanf(x[strings.LastIndex(x, "×")+len("×"):], "%d", &k)
			total += k
		}
		if total != n {
			return fmt.Errorf("the update wrote %v: %d rule PUTs, want %d", w, total, n)
		}
		return nil
	}
}

// Admins from the office zone with 2FA, everyone else denied: Okta holds the rules in order, the catch-all
// denies, the app is bound; import of the policy ID plans nothing and writes nothing.
func TestAccSignonPolicy_basic(t *testing.T) {
	acctest.RequireSandbox(t, "counts the writes of the import plan")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	f := newSignonFixture(t, sb)
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  checkSignonInOkta(f, "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(signonAddr, tfjsonpath.New("rules").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("admins-office")),
					statecheck.ExpectKnownValue(signonAddr, tfjsonpath.New("rules").AtSliceIndex(0).AtMapKey("verification").AtMapKey("phishing_resistant"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(signonAddr, tfjsonpath.New("rules").AtSliceIndex(1).AtMapKey("verification"), knownvalue.Null()),
					statecheck.ExpectKnownValue(signonAddr, tfjsonpath.New("catch_all").AtMapKey("access"), knownvalue.StringExact("DENY")),
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig:         func() { sb.Control().ResetStats() },
				Config:            cfg,
				ResourceName:      signonAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return acctest.StateAttr(s, signonAddr, "id") },
			},
			{
				PreConfig: func() {
					if w := acctest.WriteRequests(sb); len(w) > 0 {
						t.Fatalf("the import plan wrote: %v", w)
					}
				},
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}

// A reorder is one update of one rule; a factor mode change is one update of one rule; neither renumbers
// the other rules into a diff. The catch-all's action changes with one write too.
func TestAccSignonPolicy_update(t *testing.T) {
	acctest.RequireSandbox(t, "counts the writes of each update")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	f := newSignonFixture(t, sb)
	name := acctest.RandomName("salesforce")
	v1 := f.config(sb, name, []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	v2 := f.config(sb, name, []string{everyoneDenied, f.adminsRule("2FA")}, catchAllDeny)
	v3 := f.config(sb, name, []string{everyoneDenied, f.adminsRule("1FA")}, catchAllDeny)
	v4 := f.config(sb, name, []string{everyoneDenied, f.adminsRule("1FA")}, `{
    access       = "ALLOW"
    verification = { factor_mode = "2FA", hardware_protected = true }
  }`)
	update := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(signonAddr, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{Config: v1, Check: checkSignonInOkta(f, "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY"), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig:        func() { sb.Control().ResetStats() },
				Config:           v2,
				ConfigPlanChecks: update,
				Check:            resource.ComposeTestCheckFunc(onlyRuleWrites(sb, 1), checkSignonInOkta(f, "everyone-else DENY", "admins-office ALLOW 2FA", "Catch-all Rule DENY")),
			},
			{
				PreConfig:        func() { sb.Control().ResetStats() },
				Config:           v3,
				ConfigPlanChecks: update,
				Check:            resource.ComposeTestCheckFunc(onlyRuleWrites(sb, 1), checkSignonInOkta(f, "everyone-else DENY", "admins-office ALLOW 1FA", "Catch-all Rule DENY")),
			},
			{
				PreConfig:        func() { sb.Control().ResetStats() },
				Config:           v4,
				ConfigPlanChecks: update,
				Check:            resource.ComposeTestCheckFunc(onlyRuleWrites(sb, 1), checkSignonInOkta(f, "everyone-else DENY", "admins-office ALLOW 1FA", "Catch-all Rule ALLOW 2FA")),
			},
		},
	})
}

// A policy deleted out of band (the app bound back to the default first, as Okta requires) is created
// again by the next plan.
func TestAccSignonPolicy_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	remove := func(ctx context.Context, is *terraform.InstanceState) error {
		def, err := f.oc.DefaultAccessPolicy(ctx)
		if err != nil {
			return err
		}
		if err := f.oc.BindAppAccessPolicy(ctx, f.appID, def.ID); err != nil {
			return err
		}
		return f.oc.DeleteAccessPolicy(ctx, is.ID)
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps:        acctest.DisappearsSteps(t, cfg, signonAddr, remove, signonExists(f.oc)),
	})
}

// The app bound to another policy, and a rule added in Okta, are drift: plan shows an update, and apply
// binds the app again and removes the rule.
func TestAccSignonPolicy_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: func(s *terraform.State) (err error) {
				id, err = acctest.StateAttr(s, signonAddr, "id")
				return err
			}},
			{
				PreConfig: func() {
					ctx := context.Background()
					def, err := f.oc.DefaultAccessPolicy(ctx)
					if err == nil {
						err = f.oc.BindAppAccessPolicy(ctx, f.appID, def.ID)
					}
					if err == nil {
						_, err = f.oc.CreateAccessRule(ctx, id, &okta.AccessRule{Name: "added-by-admin", Priority: 1, Access: "ALLOW", FactorMode: "1FA"})
					}
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(signonAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkSignonInOkta(f, "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY"),
			},
		},
	})
}

// Plan names the attribute and the fix, with the attribute's path in the message (the CLI shows only the
// resource): verification on a denying rule, two rules of one name, a duration that is not ISO-8601, ZONE
// without zones, a managed device not registered, a zone id Okta does not have.
func TestAccSignonPolicy_invalid(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	name := acctest.RandomName("salesforce")
	denyWithFactor := `{
    name         = "everyone-else"
    access       = "DENY"
    verification = { factor_mode = "2FA" }
  }`
	badDuration := strings.Replace(f.adminsRule("2FA"), "PT2H", "2 hours", 1)
	zoneWithoutZones := `{
    name    = "office"
    network = { connection = "ZONE" }
    access  = "DENY"
  }`
	managedUnregistered := `{
    name   = "managed"
    device = { managed = true }
    access = "DENY"
  }`
	unknownZone := strings.Replace(f.adminsRule("2FA"), f.zone, "nzo00000000000000000", 1)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: f.config(sb, name, []string{f.adminsRule("2FA"), denyWithFactor}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Verification On A Denying Rule.*rules\[1\]\.verification:\s+Rule\s+"everyone-else"\s+denies\s+access.*remove\s+verification`)},
			{Config: f.config(sb, name, []string{f.adminsRule("2FA"), f.adminsRule("1FA")}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Duplicate Rule Name.*rules\[1\]\.name:\s+rules\[0\]\s+and\s+rules\[1\]\s+are\s+both\s+named\s+"admins-office"`)},
			{Config: f.config(sb, name, []string{everyoneDenied, badDuration}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Duration.*rules\[1\]\.verification\.reauthenticate_in:\s+"2 hours"\s+is\s+not\s+an\s+ISO-8601\s+duration.*PT12H`)},
			{Config: f.config(sb, name, []string{zoneWithoutZones}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Network Zone Missing.*rules\[0\]\.network\.connection:\s+Rule\s+"office".*set\s+zones_include\s+or\s+zones_exclude`)},
			{Config: f.config(sb, name, []string{managedUnregistered}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Device Must Be Registered.*rules\[0\]\.device\.registered:\s+Rule\s+"managed".*set\s+registered\s+=\s+true`)},
			{Config: f.config(sb, name, []string{everyoneDenied}, `{ access = "ALLOW" }`), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Verification Missing.*catch_all\.verification:\s+The\s+catch-all\s+rule\s+allows\s+access.*factor_mode`)},
			{Config: f.config(sb, name, []string{everyoneDenied, unknownZone}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Unknown Network Zone.*rules\[1\]\.network\.zones_include:\s+Rule\s+"admins-office"\s+names\s+network\s+zone\s+nzo00000000000000000`)},
		},
	})
}

// The forms that say what omitting the object says are refused at plan: import reads Okta's rule as the object
// left out, so they would plan a change after every import.
func TestAccSignonPolicy_redundantFormsRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	name := acctest.RandomName("salesforce")
	anywhere := `{
    name    = "anywhere"
    network = { connection = "ANYWHERE" }
    access  = "DENY"
  }`
	unregistered := `{
    name   = "any-device"
    device = { registered = false, managed = false }
    access = "DENY"
  }`
	nobody := `{
    name   = "nobody"
    people = {}
    access = "DENY"
  }`
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: f.config(sb, name, []string{everyoneDenied, anywhere}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Redundant Network Condition.*rules\[1\]\.network\.connection:\s+Rule\s+"anywhere".*omit\s+network`)},
			{Config: f.config(sb, name, []string{everyoneDenied, unregistered}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Empty Device Condition.*rules\[1\]\.device:\s+Rule\s+"any-device".*omit\s+device`)},
			{Config: f.config(sb, name, []string{nobody}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Empty People Condition.*rules\[0\]\.people:\s+Rule\s+"nobody".*omit\s+people`)},
		},
	})
}

// Every rule that names a zone Okta does not have is reported, not only the first (the zone is looked up once).
func TestAccSignonPolicy_unknownZoneEveryRule(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	unknownZone := strings.Replace(f.adminsRule("2FA"), f.zone, "nzo00000000000000000", 1)
	unknownZoneAgain := strings.Replace(unknownZone, "admins-office", "admins-office-2", 1)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: f.config(sb, acctest.RandomName("salesforce"), []string{everyoneDenied, unknownZone, unknownZoneAgain}, catchAllDeny), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Unknown Network Zone.*rules\[1\]\.network\.zones_include:\s+Rule\s+"admins-office"\s+names\s+network\s+zone\s+nzo00000000000000000` +
					`.*Unknown Network Zone.*rules\[2\]\.network\.zones_include:\s+Rule\s+"admins-office-2"\s+names\s+network\s+zone\s+nzo00000000000000000`)},
		},
	})
}

// One rule's people known only after apply (terraform_data's output is unknown at its create) leaves the
// other rules checked at plan: two rules of one name and a denying rule that verifies are refused.
func TestAccSignonPolicy_unknownRuleStillChecked(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{`{
    name   = "admins"
    people = terraform_data.people.output
    access = "DENY"
  }`, `{
    name         = "admins"
    access       = "DENY"
    verification = { factor_mode = "2FA" }
  }`}, catchAllDeny) + fmt.Sprintf(`
resource "terraform_data" "people" {
  input = { groups_include = [%q] }
}
`, f.groupID)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: cfg, PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Duplicate Rule Name.*rules\[1\]\.name:\s+rules\[0\]\s+and\s+rules\[1\]\s+are\s+both\s+named\s+"admins"`)},
			{Config: cfg, PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Verification On A Denying Rule.*rules\[1\]\.verification:\s+Rule\s+"admins"\s+denies\s+access`)},
		},
	})
}

// Device conditions that leave flags out: registered only, registered with a device assurance (found with the
// oktasf_device_assurance data source) on macOS desktops, and managed = false written out. Apply reads back
// what it planned, the next plan is empty, and import plans nothing.
func TestAccSignonPolicy_deviceConditions(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	mac := acctest.RandomName("mac")
	macID := createDeviceAssurancePolicy(t, f.oc, map[string]any{"name": mac, "platform": "MACOS", "osVersion": map[string]any{"minimum": "14.2"}})
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{`{
    name         = "registered-macs"
    device       = { registered = true, assurances_include = [data.oktasf_device_assurance.test.id] }
    platforms    = [{ type = "DESKTOP", os = "MACOS" }]
    access       = "ALLOW"
    verification = { factor_mode = "1FA" }
  }`, `{
    name   = "registered"
    device = { registered = true }
    access = "DENY"
  }`, `{
    name   = "unmanaged"
    device = { registered = true, managed = false }
    access = "DENY"
  }`}, catchAllDeny) + deviceAssuranceConfig(mac, `  platform = "MACOS"`)
	rule := func(i int) tfjsonpath.Path { return tfjsonpath.New("rules").AtSliceIndex(i) }
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  checkSignonInOkta(f, "registered-macs ALLOW 1FA", "registered DENY", "unmanaged DENY", "Catch-all Rule DENY"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(signonAddr, rule(0).AtMapKey("device"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"registered": knownvalue.Bool(true), "managed": knownvalue.Bool(false),
						"assurances_include": knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(macID)}),
					})),
					statecheck.ExpectKnownValue(signonAddr, rule(0).AtMapKey("platforms"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"type": knownvalue.StringExact("DESKTOP"), "os": knownvalue.StringExact("MACOS")}),
					})),
					statecheck.ExpectKnownValue(signonAddr, rule(1).AtMapKey("device").AtMapKey("managed"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(signonAddr, rule(1).AtMapKey("device").AtMapKey("assurances_include"), knownvalue.Null()),
					statecheck.ExpectKnownValue(signonAddr, rule(2).AtMapKey("device").AtMapKey("managed"), knownvalue.Bool(false)),
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config:            cfg,
				ResourceName:      signonAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return acctest.StateAttr(s, signonAddr, "id") },
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// A Classic Engine org has no authentication policies: plan says so, with the fix.
func TestAccSignonPolicy_classicOrg(t *testing.T) {
	acctest.RequireSandbox(t, "seeds a Classic Engine org")
	seed, err := sandbox.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	seed.Okta.Pipeline = "v1"
	sb := acctest.NewSandbox(t, sandbox.Options{Seed: &seed})
	cfg := acctest.ProviderConfig(sb) + `
resource "oktasf_signon_policy" "test" {
  app_id    = "0oa00000000000000000"
  name      = "salesforce"
  rules     = []
  catch_all = { access = "DENY" }
}
`
	acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{Config: cfg, PlanOnly: true,
		ExpectError: regexp.MustCompile(`(?s)Sign-On Policies Need Okta Identity Engine.*Classic Engine.*Upgrade the org to Identity Engine`)}}})
}

// A create whose answer was lost left the policy in Okta: the next apply adopts it and writes its rules,
// creating no second policy.
func TestAccSignonPolicy_lostCreateAnswerAdopted(t *testing.T) {
	acctest.RequireSandbox(t, "loses the answer of the create")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	f := newSignonFixture(t, sb)
	name := acctest.RandomName("salesforce")
	cfg := f.config(sb, name, []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	var lost string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sb.Control().AddFault(emu.Fault{Service: "okta", Route: "POST /api/v1/policies", Kind: emu.FaultLostResponse, Count: 1})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`Unable to Create Sign-On Policy`),
			},
			{
				PreConfig: func() {
					if fs := sb.Control().Faults(); len(fs) != 1 || fs[0].Injected != 1 {
						t.Fatalf("the create's answer was not lost: %+v", fs)
					}
					sb.Control().ClearFaults()
					ps, err := f.oc.ListAccessPolicies(context.Background(), name)
					if err != nil || len(ps) != 1 {
						t.Fatalf("the lost create made %d policies (%v), want 1", len(ps), err)
					}
					lost = ps[0].ID
				},
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(checkSignonInOkta(f, "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY"),
					func(s *terraform.State) error {
						id, err := acctest.StateAttr(s, signonAddr, "id")
						if err == nil && id != lost {
							err = fmt.Errorf("state holds policy %s, want the one the lost create made, %s", id, lost)
						}
						return err
					}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
		},
	})
}

// A policy of the same name that differs from the plan is someone else's: the create refuses with the
// differences and the import command.
func TestAccSignonPolicy_existingDifferentRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	name := acctest.RandomName("salesforce")
	ctx := context.Background()
	other, err := f.oc.CreateAccessPolicy(ctx, name, "someone else's")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.oc.DeleteAccessPolicy(ctx, other.ID) })
	acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
		Config: f.config(sb, name, []string{everyoneDenied}, catchAllDeny),
		ExpectError: regexp.MustCompile(`(?s)Sign-On Policy Already Exists.*description: found "someone else's", planned \(none\)` +
			`.*terraform\s+import\s+'<address>'\s+` + other.ID),
	}}})
	if _, err := f.oc.GetAccessPolicy(ctx, other.ID); err != nil && errors.Is(err, okta.ErrNotFound) {
		t.Errorf("the refused create removed the existing policy")
	}
}
