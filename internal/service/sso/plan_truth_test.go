package sso_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"reflect"
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
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// appBlock is an oktasf_saml_app named name for the primary org.
func appBlock(name, label, extra string) string {
	return fmt.Sprintf(`
resource "oktasf_saml_app" %q {
  salesforce_org = %q
  label          = %q
%s
}
`, name, acctest.PrimaryOrg(), label, extra)
}

// forget is a removed block that takes addr out of the state and leaves the object where it is, so that a
// later step can import it under another address.
func forget(addr string) string {
	return fmt.Sprintf("\nremoved {\n  from = %s\n  lifecycle {\n    destroy = false\n  }\n}\n", addr)
}

// writeCounter counts the requests that may change something in the sandbox: every Okta and Salesforce
// POST, PUT, PATCH and DELETE except token requests and Metadata SOAP calls (whose reads are POSTs too: the
// SSO settings' SystemModstamp tells whether one of them wrote).
type writeCounter struct {
	sb        *sandbox.Sandbox
	sf        *salesforce.Client
	ssoName   string
	writes    int
	modstamp  string
	snapshots int
}

func (w *writeCounter) count() int {
	n := 0
	stats := w.sb.Control().Stats()
	for _, counts := range []map[string]int{stats.Routes, stats.Subrequests} {
		for route, c := range counts {
			_, r, _ := strings.Cut(route, " ")
			method, p, _ := strings.Cut(r, " ")
			switch {
			case strings.Contains(p, "token"), strings.HasPrefix(p, "/services/Soap/"),
				p == "/services/data/{version}/composite": // counted by its subrequests (Stats.Subrequests)
			case method == "POST", method == "PUT", method == "PATCH", method == "DELETE":
				n += c
			}
		}
	}
	return n
}

func (w *writeCounter) ssoModstamp() string {
	if w.ssoName == "" {
		return ""
	}
	var rows []struct {
		SystemModstamp string `json:"SystemModstamp"`
	}
	if err := w.sf.ToolingQuery(context.Background(), "SELECT SystemModstamp FROM SamlSsoConfig WHERE DeveloperName = "+salesforce.Quote(w.ssoName), &rows); err != nil || len(rows) == 0 {
		return fmt.Sprintf("unreadable: %v %d", err, len(rows))
	}
	return rows[0].SystemModstamp
}

func (w *writeCounter) start() {
	w.writes, w.modstamp, w.snapshots = w.count(), w.ssoModstamp(), w.snapshots+1
}

func (w *writeCounter) checkNone(t *testing.T) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if w.snapshots == 0 {
			return fmt.Errorf("no snapshot taken")
		}
		if n := w.count() - w.writes; n != 0 {
			return fmt.Errorf("the apply after the import sent %d write requests: %v", n, w.sb.Control().Stats().Routes)
		}
		if m := w.ssoModstamp(); m != w.modstamp {
			return fmt.Errorf("the apply after the import wrote the SSO settings (SystemModstamp %s → %s)", w.modstamp, m)
		}
		t.Logf("no writes after the import")
		return nil
	}
}

// onlyRotationTriggerChanges passes a plan whose only change to addr is signing.rotation_trigger from null.
type onlyRotationTriggerChanges struct{ addr string }

func (c onlyRotationTriggerChanges) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		bs, _ := before["signing"].(map[string]any)
		as, _ := after["signing"].(map[string]any)
		b2, a2 := map[string]any{}, map[string]any{}
		for k, v := range before {
			b2[k] = v
		}
		for k, v := range after {
			a2[k] = v
		}
		delete(b2, "signing")
		delete(a2, "signing")
		if !reflect.DeepEqual(b2, a2) || bs["rotation_trigger"] != nil || as["rotation_trigger"] == nil ||
			!reflect.DeepEqual(bs["validity_years"], as["validity_years"]) {
			resp.Error = fmt.Errorf("%s: the plan after the import changes more than adopting signing.rotation_trigger:\nbefore %v\nafter  %v", c.addr, before, after)
		}
		if len(rc.Change.AfterUnknown.(map[string]any)) > 0 {
			resp.Error = fmt.Errorf("%s: the plan after the import leaves values unknown (a rotation?): %v", c.addr, rc.Change.AfterUnknown)
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in the plan", c.addr)
}

// Importing an app whose User.* statements are JIT attributes (the org's settings that trust it have JIT
// on) plans nothing for the configuration that made it, and the apply writes nothing. With
// signing.rotation_trigger configured the plan adopts the trigger (no key is generated): the state cannot
// know the configured value before the first plan, so that is the one change, and it writes nothing —
// unless the import ID carries the trigger (<app id>/rotation_trigger=<value>), and then the plan is empty.
func TestAccSAMLApp_importPlansEmpty(t *testing.T) {
	acctest.RequireSandbox(t, "counts the write requests of the apply after an import")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	for _, tc := range []struct {
		name, signing, importSuffix string
		onlyTrigger                 bool // the plan after the import records the trigger (not in the import ID)
	}{
		{"jit", "", "", false},
		{"jit_and_rotation_trigger", rotation("2026-01"), "", true},
		{"rotation_trigger_in_import_id", rotation("2026-01"), "/rotation_trigger=2026-01", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := acctest.OktaClient(t, sb)
			sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
			label, settings := acctest.RandomName("import"), ssoName("importjit")
			body := jitV1 + tc.signing
			var id, kid string
			w := &writeCounter{sb: sb, sf: sf}
			final := acctest.ProviderConfig(sb) + appBlock("test", label, body)
			preApply := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
			if tc.onlyTrigger {
				preApply = []plancheck.PlanCheck{onlyRotationTriggerChanges{appAddr}}
			}
			acctest.Test(t, resource.TestCase{
				CheckDestroy: checkAppGone(client),
				Steps: []resource.TestStep{
					{
						Config: acctest.ProviderConfig(sb) + appBlock("orig", label, body),
						Check: func(s *terraform.State) (err error) {
							id, _ = acctest.StateAttr(s, "oktasf_saml_app.orig", "id")
							kid, _ = acctest.StateAttr(s, "oktasf_saml_app.orig", "key_id")
							issuer, _ := acctest.StateAttr(s, "oktasf_saml_app.orig", "entity_id")
							audience, _ := acctest.StateAttr(s, "oktasf_saml_app.orig", "audience")
							certPEM, _ := acctest.StateAttr(s, "oktasf_saml_app.orig", "certificate")
							block, _ := pem.Decode([]byte(certPEM))
							if block == nil {
								return fmt.Errorf("no certificate in the state")
							}
							// The org's SSO settings trust the app with JIT on, as an admin set them up.
							_, err = sf.UpsertSAMLSSOConfig(context.Background(), salesforce.SAMLSSOConfig{FullName: settings, Name: settings,
								Issuer: issuer, ValidationCert: base64.StdEncoding.EncodeToString(block.Bytes), IdentityMapping: "FederationId",
								IdentityLocation: "SubjectNameId", UserProvisioning: true, SAMLEntityID: audience, SAMLVersion: "SAML2_0",
								RequestSignatureMethod: "RSA-SHA256"})
							t.Cleanup(func() { _ = sf.DeleteSAMLSSOConfig(context.Background(), settings) })
							return err
						},
					},
					{Config: acctest.ProviderConfig(sb) + forget("oktasf_saml_app.orig")},
					{ // only the trigger may follow the app ID
						Config:            final,
						ResourceName:      appAddr,
						ImportState:       true,
						ImportStateIdFunc: func(*terraform.State) (string, error) { return id + "/rotation=2026-01", nil },
						ExpectError:       regexp.MustCompile(`Invalid Import ID`),
					},
					{
						Config:             final,
						ResourceName:       appAddr,
						ImportState:        true,
						ImportStatePersist: true,
						ImportStateIdFunc:  func(*terraform.State) (string, error) { return id + tc.importSuffix, nil },
					},
					{
						PreConfig: w.start,
						Config:    final,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply:             preApply,
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						Check: resource.ComposeTestCheckFunc(w.checkNone(t), resource.TestCheckResourceAttrPtr(appAddr, "key_id", &kid)),
					},
				},
			})
		})
	}
}

// Importing SSO settings configured with app_id alone plans nothing, and the apply writes nothing.
func TestAccSalesforceSSO_importPlansEmpty(t *testing.T) {
	acctest.RequireSandbox(t, "counts the write requests of the apply after an import")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("ssoimport"), ssoName("ssoimport")
	sso := func(addr string) string {
		return fmt.Sprintf(`
resource "oktasf_salesforce_sso" %q {
  salesforce_org   = %q
  name             = %q
  app_id           = oktasf_saml_app.test.id
  jit_provisioning = true
}
`, addr, acctest.PrimaryOrg(), name)
	}
	app := acctest.ProviderConfig(sb) + appBlock("test", label, jitV1)
	w := &writeCounter{sb: sb, sf: sf, ssoName: name}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkSSOGone(sf), checkAppGone(acctest.OktaClient(t, sb))),
		Steps: []resource.TestStep{
			{Config: app + sso("orig"), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{Config: app + forget("oktasf_salesforce_sso.orig")},
			{
				Config:             app + sso("test"),
				ResourceName:       ssoAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateId:      acctest.PrimaryOrg() + "/" + name,
			},
			{
				PreConfig: w.start,
				Config:    app + sso("test"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: w.checkNone(t),
			},
		},
	})
}

// A key rotation with the app_id-only form converges in one apply: the certificate is planned as known
// after apply and Salesforce trusts Okta's active key at the end of that apply.
func TestAccSalesforceSSO_appIDRotationOneApply(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("appidrotate"), ssoName("appidrotate")
	cfg := func(trigger string) string {
		return samlAppConfig(sb, label, rotation(trigger)) + fmt.Sprintf(`
resource "oktasf_salesforce_sso" "test" {
  salesforce_org = %q
  name           = %q
  app_id         = oktasf_saml_app.test.id
}
`, acctest.PrimaryOrg(), name)
	}
	trustsActiveKey := checkRemote(func(ctx context.Context) error {
		cfg, err := sf.ReadSAMLSSOConfig(ctx, name)
		if err != nil {
			return err
		}
		apps, err := client.FindAppsByLabel(ctx, label)
		if err != nil || len(apps) != 1 {
			return fmt.Errorf("find app %q: %v (%d found)", label, err, len(apps))
		}
		keys, err := client.ListAppKeys(ctx, apps[0].ID)
		if err != nil {
			return err
		}
		trusted, err := base64.StdEncoding.DecodeString(cfg.ValidationCert)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.KID == apps[0].SigningKID {
				if string(k.Certificate.Raw) != string(trusted) {
					return fmt.Errorf("Salesforce trusts another certificate than Okta's active key %s", k.KID)
				}
				return nil
			}
		}
		return fmt.Errorf("the active key %s is not among the app's keys", apps[0].SigningKID)
	})
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkSSOGone(sf), checkAppGone(client)),
		Steps: []resource.TestStep{
			{Config: cfg("a"), ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: trustsActiveKey},
			{
				Config: cfg("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(ssoAddr, tfjsonpath.New("idp_certificate")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: trustsActiveKey,
			},
		},
	})
}

// A second app for an org that already has an active one is refused at plan, naming the app and the import.
func TestAccSAMLApp_secondAppForOrgRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	label := acctest.RandomName("first")
	second := acctest.RandomName("second")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{Config: samlAppConfig(sb, label, ""), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				Config:      samlAppConfig(sb, label, "") + appBlock("second", second, ""),
				ExpectError: regexp.MustCompile(`(?s)Salesforce Org Already Has an Okta App.*` + regexp.QuoteMeta(label) + `.*terraform\s+import\s+'<address>'\s+0oa.*'oktasf_saml_app\.this\["prod"\]'\s+0oa`),
			},
			{
				Config: samlAppConfig(sb, label, ""),
				Check: checkRemote(func(ctx context.Context) error {
					if apps, err := client.FindAppsByLabel(ctx, second); err != nil || len(apps) != 0 {
						return fmt.Errorf("the refused plan left %d apps labelled %q (%v)", len(apps), second, err)
					}
					return nil
				}),
			},
		},
	})
}

// Second SSO settings for an issuer the org already trusts are refused at plan, naming the settings.
func TestAccSalesforceSSO_secondSettingsForIssuerRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name, second := acctest.RandomName("dupsso"), ssoName("dupsso"), ssoName("dupsso2")
	base := federationConfig(sb, label, name, "", "")
	dup := base + fmt.Sprintf(`
resource "oktasf_salesforce_sso" "second" {
  salesforce_org  = %q
  name            = %q
  issuer          = oktasf_saml_app.test.entity_id
  idp_certificate = oktasf_saml_app.test.certificate
}
`, acctest.PrimaryOrg(), second)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkSSOGone(sf), checkAppGone(acctest.OktaClient(t, sb))),
		Steps: []resource.TestStep{
			{Config: base, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				Config:      dup,
				ExpectError: regexp.MustCompile(`(?s)SSO Settings for This Issuer Already Exist.*` + regexp.QuoteMeta(name) + `.*terraform\s+import\s+'<address>'\s+` + acctest.PrimaryOrg() + "/" + regexp.QuoteMeta(name)),
			},
			{
				Config: base,
				Check: checkRemote(func(ctx context.Context) error {
					if _, err := sf.ReadSAMLSSOConfig(ctx, second); err == nil {
						return fmt.Errorf("the refused plan created %q", second)
					}
					return nil
				}),
			},
		},
	})
}

// rewrap re-encodes a PEM certificate with lines of width characters and CRLF line endings.
func rewrap(t *testing.T, certPEM string, width int) string {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatal("not PEM")
	}
	b64 := base64.StdEncoding.EncodeToString(block.Bytes)
	var lines []string
	for len(b64) > width {
		lines = append(lines, b64[:width])
		b64 = b64[width:]
	}
	lines = append(lines, b64)
	return "-----BEGIN CERTIFICATE-----\r\n" + strings.Join(lines, "\r\n") + "\r\n-----END CERTIFICATE-----\r\n"
}

func fingerprintOf(t *testing.T, certPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	sum := sha256.Sum256(block.Bytes)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(pairs, ":")
}

// The same certificate with other line wrapping and line endings plans nothing; another certificate plans
// an update whose fingerprint shows the change.
func TestAccSalesforceSSO_certificateFingerprint(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	name := ssoName("fingerprint")
	first, second := testCertificatePEM(t), testCertificatePEM(t)
	cfg := func(cert string) string {
		return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_salesforce_sso" "test" {
  salesforce_org  = %q
  name            = %q
  issuer          = "http://www.okta.com/exkFingerprintTest"
  idp_certificate = %s
}
`, acctest.PrimaryOrg(), name, acctest.Quote(cert))
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps: []resource.TestStep{
			{
				Config:           cfg(first),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("idp_certificate_sha256"), knownvalue.StringExact(fingerprintOf(t, first))),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("idp_certificate_not_after"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				},
			},
			{
				Config: cfg(rewrap(t, first, 76)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: cfg(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("idp_certificate_sha256"), knownvalue.StringExact(fingerprintOf(t, second))),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
