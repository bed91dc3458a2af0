package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

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

const ssoAddr = "oktasf_salesforce_sso.test"

// federationConfig is an app and the org's SSO settings that trust it, wired by reference.
func federationConfig(sb *sandbox.Sandbox, label, ssoName, appExtra, ssoExtra string) string {
	return samlAppConfig(sb, label, appExtra) + fmt.Sprintf(`
resource "oktasf_salesforce_sso" "test" {
  salesforce_org  = %q
  name            = %q
  issuer          = oktasf_saml_app.test.entity_id
  idp_certificate = oktasf_saml_app.test.certificate
  idp_login_url   = oktasf_saml_app.test.sso_url
%s
}
`, acctest.PrimaryOrg(), ssoName, ssoExtra)
}

func ssoName(what string) string {
	return strings.NewReplacer("-", "_").Replace("Okta_" + acctest.RandomName(what)[len("tf-acc-"):])
}

func TestAccSalesforceSSO_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("sso"), ssoName("basic")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkSSOGone(sf), checkAppGone(acctest.OktaClient(t, sb))),
		Steps: []resource.TestStep{
			{
				Config: federationConfig(sb, label, name, "", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0LE`))),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("identity_type"), knownvalue.StringExact("FederationId")),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("identity_location"), knownvalue.StringExact("SubjectNameId")),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("label"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("salesforce_login_url"), knownvalue.NotNull()),
					statecheck.CompareValuePairs(ssoAddr, tfjsonpath.New("issuer"), appAddr, tfjsonpath.New("entity_id"), compareEqual{}),
					statecheck.CompareValuePairs(ssoAddr, tfjsonpath.New("idp_certificate"), appAddr, tfjsonpath.New("certificate"), compareEqual{}),
					statecheck.CompareValuePairs(ssoAddr, tfjsonpath.New("sp_entity_id"), appAddr, tfjsonpath.New("audience"), compareEqual{}),
				},
				Check:            resource.ComposeTestCheckFunc(acctest.CheckExists(ssoAddr, ssoExists(sf)), checkSalesforceTrustsApp(t, sb, name)),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:      ssoAddr,
				ImportState:       true,
				ImportStateId:     acctest.PrimaryOrg() + "/" + name,
				ImportStateVerify: true,
				// The import finds the app by issuer and records it in app_id; this configuration names no app_id,
				// so the plan keeps the recorded one (no diff) while the state of the create has none.
				ImportStateVerifyIgnore: []string{"app_id"},
			},
		},
	})
}

func TestAccSalesforceSSO_update(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("sso"), ssoName("update")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps: []resource.TestStep{
			{
				Config: federationConfig(sb, label, name, "", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("identity_location"), knownvalue.StringExact("SubjectNameId")),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("jit_provisioning"), knownvalue.Bool(false)),
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config: federationConfig(sb, label, name, "", `
  label             = "Okta (federation id in an attribute)"
  identity_location = "Attribute"
  attribute_name    = "User.FederationIdentifier"
  jit_provisioning  = true
  request_signature_method = "RSA-SHA1"
  single_logout_url        = "https://idp.example/slo"
  single_logout_binding    = "PostBinding"
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("identity_location"), knownvalue.StringExact("Attribute")),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("attribute_name"), knownvalue.StringExact("User.FederationIdentifier")),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("jit_provisioning"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("label"), knownvalue.StringExact("Okta (federation id in an attribute)")),
					statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("single_logout_binding"), knownvalue.StringExact("PostBinding")),
				},
				Check: func(*terraform.State) error {
					cfg, err := sf.ReadSAMLSSOConfig(context.Background(), name)
					if err != nil {
						return err
					}
					if cfg.IdentityLocation != "Attribute" || !cfg.UserProvisioning || cfg.RequestSignatureMethod != "RSA-SHA1" {
						return fmt.Errorf("Salesforce holds %+v", cfg)
					}
					return nil
				},
			},
		},
	})
}

// Settings edited in Salesforce show as drift, and apply restores them in Salesforce.
func TestAccSalesforceSSO_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	label, name := acctest.RandomName("sso"), ssoName("drift")
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	cfg := federationConfig(sb, label, name, "", "  jit_provisioning = true\n")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					ctx := context.Background()
					cfg, err := sf.ReadSAMLSSOConfig(ctx, name)
					if err != nil {
						t.Fatal(err)
					}
					cfg.Issuer, cfg.UserProvisioning = "http://www.okta.com/exkSomethingElse", false
					if _, err := sf.UpsertSAMLSSOConfig(ctx, *cfg); err != nil {
						t.Fatalf("edit the settings out of band: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("jit_provisioning"), knownvalue.Bool(true)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(ssoAddr, tfjsonpath.New("issuer"), appAddr, tfjsonpath.New("entity_id"), compareEqual{}),
				},
				Check: func(s *terraform.State) error {
					entityID, err := acctest.StateAttr(s, appAddr, "entity_id")
					if err != nil {
						return err
					}
					cfg, err := sf.ReadSAMLSSOConfig(context.Background(), name)
					if err != nil {
						return err
					}
					if cfg.Issuer != entityID || !cfg.UserProvisioning {
						return fmt.Errorf("Salesforce holds issuer %q and JIT %v after apply, want %q and true", cfg.Issuer, cfg.UserProvisioning, entityID)
					}
					return nil
				},
			},
		},
	})
}

// Settings deleted in Salesforce are planned for creation again, and apply creates them.
func TestAccSalesforceSSO_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	cfg := federationConfig(sb, acctest.RandomName("sso"), ssoName("gone"), "", "")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps:        acctest.DisappearsSteps(t, cfg, ssoAddr, deleteSSO(sf), ssoExists(sf)),
	})
}

// Settings are imported as <salesforce_org>/<name>; a malformed ID and a name Salesforce does not know are refused.
func TestAccSalesforceSSO_import(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	name := ssoName("import")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps: []resource.TestStep{
			{
				Config:           federationConfig(sb, acctest.RandomName("sso"), name, "", "  jit_provisioning = true\n  show_on_login_page = true\n"),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:      ssoAddr,
				ImportState:       true,
				ImportStateId:     acctest.PrimaryOrg() + "/" + name,
				ImportStateVerify: true,
				// The import records the app it finds by issuer in app_id; this configuration names none.
				ImportStateVerifyIgnore: []string{"app_id"},
			},
			{
				ResourceName:  ssoAddr,
				ImportState:   true,
				ImportStateId: acctest.PrimaryOrg() + "/Okta__Bad",
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*<salesforce_org>/<name>`),
			},
			{
				ResourceName:  ssoAddr,
				ImportState:   true,
				ImportStateId: acctest.PrimaryOrg() + "/" + name + "_missing",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

func TestAccSalesforceSSO_invalidInput(t *testing.T) {
	sb := acctest.Sandbox(t)
	cases := []struct{ name, config, want string }{
		{"attribute location without name", `identity_location = "Attribute"`, `(?s)Missing Attribute Name.*attribute_name`},
		{"certificate not PEM", `idp_certificate = "MIIDdjCCAl6gAwIBAgIU"`, `(?s)Invalid IdP Certificate.*idp_certificate is not PEM`},
		{"key instead of certificate", `idp_certificate = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"`,
			`(?s)Invalid IdP Certificate.*"RSA PRIVATE KEY" PEM block`},
		{"invalid name", `name = "Okta__Prod"`, `(?s)name.*must start with a letter and hold only letters, digits and single underscores`},
		{"no identity provider", `issuer = null`, `(?s)Missing Identity Provider`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_salesforce_sso" "test" {
  salesforce_org  = %q
  name            = "Okta"
  issuer          = "http://www.okta.com/exk1"
  idp_certificate = %s
}
`, acctest.PrimaryOrg(), acctest.Quote(testCertificatePEM(t)))
			// The case's line replaces the attribute of the same name, or is added.
			key := strings.TrimSpace(strings.SplitN(tc.config, "=", 2)[0])
			lines := strings.Split(cfg, "\n")
			replaced := false
			for i, l := range lines {
				if strings.HasPrefix(strings.TrimSpace(l), key+" ") {
					lines[i], replaced = "  "+tc.config, true
				}
			}
			cfg = strings.Join(lines, "\n")
			if !replaced {
				cfg = strings.Replace(cfg, `name            = "Okta"`, `name            = "Okta"`+"\n  "+tc.config, 1)
			}
			acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}

// testCertificatePEM is a valid self-signed certificate, so that only the case's own problem fails.
func testCertificatePEM(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// compareEqual is a compare.ValueComparer for two equal values.
type compareEqual struct{}

func (compareEqual) CompareValues(values ...any) error {
	for _, v := range values[1:] {
		if fmt.Sprint(v) != fmt.Sprint(values[0]) {
			return fmt.Errorf("values differ: %v and %v", values[0], v)
		}
	}
	return nil
}

// checkLoginPageButtons checks, in Salesforce, how many login page buttons the settings in the state have.
func checkLoginPageButtons(t *testing.T, sf *salesforce.Client, want int, id *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if s != nil {
			got, err := acctest.StateAttr(s, ssoAddr, "id")
			if err != nil {
				return err
			}
			*id = got
		}
		rows, err := sf.LoginPageProviders(context.Background(), *id)
		if err != nil {
			return err
		}
		if len(rows) != want {
			return fmt.Errorf("SamlSsoConfig %s has %d login page buttons (%v), want %d", *id, len(rows), rows, want)
		}
		return nil
	}
}

// The login page button follows show_on_login_page; one removed in Salesforce shows in the plan and is put back.
func TestAccSalesforceSSO_loginPage(t *testing.T) {
	sb := acctest.Sandbox(t)
	label, name := acctest.RandomName("sso"), ssoName("login")
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	var id string
	shown := func(b bool) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("show_on_login_page"), knownvalue.Bool(b))}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkSSOGone(sf), func(*terraform.State) error {
			return checkLoginPageButtons(t, sf, 0, &id)(nil)
		}),
		Steps: []resource.TestStep{
			{
				Config:            federationConfig(sb, label, name, "", "  show_on_login_page = true\n"),
				ConfigStateChecks: shown(true),
				Check:             checkLoginPageButtons(t, sf, 1, &id),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName:      ssoAddr,
				ImportState:       true,
				ImportStateId:     acctest.PrimaryOrg() + "/" + name,
				ImportStateVerify: true,
				// The import records the app it finds by issuer in app_id; this configuration names none.
				ImportStateVerifyIgnore: []string{"app_id"},
			},
			{
				Config:            federationConfig(sb, label, name, "", "  show_on_login_page = false\n"),
				ConfigStateChecks: shown(false),
				Check:             checkLoginPageButtons(t, sf, 0, &id),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config:            federationConfig(sb, label, name, "", "  show_on_login_page = true\n"),
				ConfigStateChecks: shown(true),
				Check:             checkLoginPageButtons(t, sf, 1, &id),
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			},
			{
				// An admin unticks the button in Setup: the plan puts it back.
				PreConfig: func() {
					if err := sf.HideFromLoginPage(context.Background(), id); err != nil {
						t.Fatalf("remove the button out of band: %v", err)
					}
				},
				Config:            federationConfig(sb, label, name, "", "  show_on_login_page = true\n"),
				ConfigStateChecks: shown(true),
				Check:             checkLoginPageButtons(t, sf, 1, &id),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(ssoAddr, tfjsonpath.New("show_on_login_page"), knownvalue.Bool(true)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// With show_on_login_page = true a refresh reads the button too: the token and the settings (2 requests, as
// without the button) plus one Tooling query, the org facts query of the plan apart.
func TestAccSalesforceSSO_loginPageRefreshCost(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of a refresh")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("cost"), ssoName("lpcost")
	cfg := federationConfig(sb, label, name, "", "  show_on_login_page = true\n")
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig:    func() { sb.Control().ResetStats() },
				RefreshState: true,
				Check: func(*terraform.State) error {
					other, tooling, query := 0, 0, 0
					for route, n := range sb.Control().Stats().Routes {
						switch {
						case !strings.HasPrefix(route, "salesforce:"):
						case strings.HasSuffix(route, "/tooling/query"):
							tooling += n
						case strings.HasSuffix(route, "/query"), strings.HasSuffix(route, "/composite"): // the facts come with the org's name reads
							query += n
						default:
							other += n
						}
					}
					t.Logf("refresh requests: %v", sb.Control().Stats().Routes)
					if other > 2 || tooling != 1 || query > 1 {
						return fmt.Errorf("a refresh cost %d Salesforce requests, %d Tooling queries and %d org queries; want at most 2, exactly 1 and at most 1", other, tooling, query)
					}
					return nil
				},
			},
		},
	})
}
