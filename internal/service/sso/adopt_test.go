package sso_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// importHintPattern matches the import advice of a refused create: the quoted <address> form, the for_each
// example and the import block, for the object id.
func importHintPattern(resourceType, id string) string {
	q := id
	return `terraform\s+import\s+'<address>'\s+` + q + `.*'` + regexp.QuoteMeta(resourceType) + `\.this\["prod"\]'\s+` + q +
		`.*import\s+\{\s+to\s+=\s+<address>\s+id\s+=\s+"` + q + `"\s+\}`
}

// createActionThenEmpty are the plan checks of the apply after a lost create: the plan creates addr (the
// state never held it), and the plan after the apply is empty.
func createActionThenEmpty(addr string) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}

// appsLabelled checks, in Okta, that exactly one app has label, and returns its ID through id.
func appsLabelled(client *okta.Client, label string, id *string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		apps, err := client.FindAppsByLabel(ctx, label)
		if err != nil {
			return err
		}
		if len(apps) != 1 {
			return fmt.Errorf("Okta has %d apps labelled %q, want exactly 1", len(apps), label)
		}
		*id = apps[0].ID
		return nil
	}
}

// checkStateID checks that addr's ID in the state is *want.
func checkStateID(addr string, want *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := acctest.StateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		if got != *want {
			return fmt.Errorf("%s has id %s in the state, want the app Okta holds, %s", addr, got, *want)
		}
		return nil
	}
}

// The create's POST reached Okta but its answer was lost (the connection reset after the app was made, as
// when terraform is killed right after "Creating…"): the apply fails, and the next one adopts the app
// without a write, so Okta holds exactly one app and the plan after it is empty.
func TestAccSAMLApp_lostCreateAnswerAdopted(t *testing.T) {
	acctest.RequireSandbox(t, "loses the answer of the create and counts the writes of the apply after it")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client := acctest.OktaClient(t, sb)
	label := acctest.RandomName("lost")
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sb.Control().AddFault(emu.Fault{Service: "okta", Route: "POST /api/v1/apps", Kind: emu.FaultLostResponse, Count: 1})
				},
				Config:      samlAppConfig(sb, label, statementsV1),
				ExpectError: regexp.MustCompile(`Unable to Create SAML App`),
			},
			{
				PreConfig: func() {
					if f := sb.Control().Faults(); len(f) != 1 || f[0].Injected != 1 {
						t.Fatalf("the create's answer was not lost: %+v", f)
					}
					if err := appsLabelled(client, label, &id)(context.Background()); err != nil {
						t.Fatalf("the lost create made no app: %v", err)
					}
					sb.Control().ClearFaults()
					sb.Control().ResetStats()
				},
				Config:           samlAppConfig(sb, label, statementsV1),
				ConfigPlanChecks: createActionThenEmpty(appAddr),
				Check: resource.ComposeTestCheckFunc(
					acctest.CheckNoWrites(sb),
					checkRemote(appsLabelled(client, label, new(string))),
					checkStateID(appAddr, &id),
				),
			},
		},
	})
}

// New apps' apply lists Okta's apps once per terraform walk: the plans' refusals of a second app for an org
// and the creates' looks before create (which, in the apply's walk, come right after those refusals are
// planned again) read one list, which each create updates with the app it made. Two apps for two orgs, the
// second applied after the first (depends_on): its plan and create in the apply's walk come after the first
// app's create.
func TestAccSAMLApp_oneAppsListPerWalk(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of an apply")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client := acctest.OktaClient(t, sb)
	const route = "okta GET /api/v1/apps"
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{{
			PreConfig: func() { sb.Control().ResetStats() },
			Config: samlAppConfig(sb, acctest.RandomName("onelist"), statementsV1) +
				fmt.Sprintf("resource \"oktasf_saml_app\" \"uat\" {\n  salesforce_org = \"uat\"\n  label = %q\n  depends_on = [oktasf_saml_app.test]\n}\n", acctest.RandomName("onelistuat")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("oktasf_saml_app.uat", plancheck.ResourceActionCreate),
					acctest.RemoteCheckBeforeApply(func() error { return acctest.RouteCountsAre(sb, map[string]int{route: 1}) }), // the plan's walk
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: acctest.RequestsWere(sb, map[string]int{route: 2}), // the plan's walk and the apply's
		}},
	})
}

// A write of an app puts the app into the apps list: of two new apps for one org, the one applied second (depends_on)
// is refused when the apply's walk plans it again, after the first was created, and is never created.
func TestAccSAMLApp_appWriteKeepsAppsListCurrent(t *testing.T) {
	acctest.RequireSandbox(t, "applies two new apps for one org")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client := acctest.OktaClient(t, sb)
	first, second := acctest.RandomName("forgetfirst"), acctest.RandomName("forgetsecond")
	only := samlAppConfig(sb, first, statementsV1)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config: only + appBlock("second", second, statementsV1+"  depends_on = [oktasf_saml_app.test]\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("oktasf_saml_app.second", plancheck.ResourceActionCreate),
				}},
				ExpectError: regexp.MustCompile(`(?s)Salesforce Org Already Has an Okta App.*` + regexp.QuoteMeta(first)),
			},
			{
				Config: only,
				Check: resource.ComposeTestCheckFunc(
					checkRemote(appsLabelled(client, first, new(string))),
					checkRemote(func(ctx context.Context) error {
						if apps, err := client.FindAppsByLabel(ctx, second); err != nil || len(apps) != 0 {
							return fmt.Errorf("Okta holds %d apps labelled %q (%v), want none: the second app was created", len(apps), second, err)
						}
						return nil
					}),
				),
			},
		},
	})
}

// An adopted app finishes the create: a planned key validity other than the first key's 10 years is
// generated and made active, as a create does after its POST.
func TestAccSAMLApp_lostCreateAnswerAdoptedFinishesSigning(t *testing.T) {
	acctest.RequireSandbox(t, "loses the answer of the create")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client := acctest.OktaClient(t, sb)
	label := acctest.RandomName("lostkey")
	cfg := samlAppConfig(sb, label, "  signing = { validity_years = 3 }\n")
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sb.Control().AddFault(emu.Fault{Service: "okta", Route: "POST /api/v1/apps", Kind: emu.FaultLostResponse, Count: 1})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`Unable to Create SAML App`),
			},
			{
				PreConfig:        func() { sb.Control().ClearFaults() },
				Config:           cfg,
				ConfigPlanChecks: createActionThenEmpty(appAddr),
				Check: resource.ComposeTestCheckFunc(
					checkRemote(appsLabelled(client, label, &id)),
					checkStateID(appAddr, &id),
					checkRemote(func(ctx context.Context) error { return activeKeyYears(ctx, client, id, 3) }),
				),
			},
		},
	})
}

// activeKeyYears checks, in Okta, that the app's active signing key was generated for years.
func activeKeyYears(ctx context.Context, client *okta.Client, appID string, years int) error {
	app, err := client.GetSAMLApp(ctx, appID)
	if err != nil {
		return err
	}
	keys, err := client.ListAppKeys(ctx, appID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.KID == app.SigningKID {
			if got := k.ExpiresAt.Year() - k.Created.Year(); got != years {
				return fmt.Errorf("app %s signs with key %s valid %d years, want %d", appID, k.KID, got, years)
			}
			return nil
		}
	}
	return fmt.Errorf("app %s: active key %s not among its keys", appID, app.SigningKID)
}

// An app with the planned label that differs from the plan is refused, naming each difference and the
// import command: at plan when it signs users in to the same org, at apply otherwise. Nothing is written.
func TestAccSAMLApp_existingDifferentRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	facts, err := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg()).Facts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameOrg, otherOrg := acctest.RandomName("same"), acctest.RandomName("other")
	newApp := func(label, audience, acs string) *okta.SAMLApp {
		app, err := client.CreateSAMLApp(context.Background(), &okta.SAMLApp{Label: label, SignOnMode: "SAML_2_0", SignOn: okta.SAMLSignOn{
			SSOACSURL: acs, Audience: audience, Recipient: acs, Destination: acs,
			SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", SubjectNameIDTemplate: "${user.login}",
			SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true,
		}}, true)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.DeleteApp(context.Background(), app.ID) })
		return app
	}
	var same, other *okta.SAMLApp
	// unchanged checks that the app is the only one with its label, as it was made out of band.
	unchanged := func(ctx context.Context, app *okta.SAMLApp) error {
		var id string
		if err := appsLabelled(client, app.Label, &id)(ctx); err != nil {
			return err
		}
		got, err := client.GetSAMLApp(ctx, id)
		if err != nil {
			return err
		}
		if id != app.ID || len(got.SignOn.AttributeStatements) != 0 || !got.LastUpdated.Equal(app.LastUpdated) {
			return fmt.Errorf("the refused apply changed app %s (or made another): %+v", app.ID, got)
		}
		return nil
	}
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// The org's own URLs, without the configured attribute statements: refused at plan.
				PreConfig: func() { same = newApp(sameOrg, facts.MyDomainURL, facts.ACSURL()) },
				Config:    samlAppConfig(sb, sameOrg, statementsV1),
				PlanOnly:  true,
				ExpectError: regexp.MustCompile(`(?s)Salesforce Org Already Has an Okta App.*attribute\s+statement\s+"User.Email":\s+found\s+\(none\),\s+planned\s+"values\s+\[user.email\]".*` +
					importHintPattern("oktasf_saml_app", "0oa[A-Za-z0-9]+")),
			},
			{
				// Another org's URLs: the plan passes, the create finds the label and refuses.
				PreConfig: func() {
					if err := unchanged(context.Background(), same); err != nil {
						t.Fatal(err)
					}
					// Out of the way: the plan refuses any second active app for the org.
					if err := client.DeleteApp(context.Background(), same.ID); err != nil {
						t.Fatal(err)
					}
					other = newApp(otherOrg, "https://elsewhere.example.com", "https://elsewhere.example.com/?so=00D000000000001")
				},
				Config: samlAppConfig(sb, otherOrg, ""),
				ExpectError: regexp.MustCompile(`(?s)SAML App Already Exists.*audience:\s+found\s+"https://elsewhere.example.com",\s+planned\s+"` +
					regexp.QuoteMeta(facts.MyDomainURL) + `".*` + importHintPattern("oktasf_saml_app", "0oa[A-Za-z0-9]+")),
			},
			{
				Config: acctest.ProviderConfig(sb),
				Check:  checkRemote(func(ctx context.Context) error { return unchanged(ctx, other) }),
			},
		},
	})
}

// ssoCount counts, in Salesforce, the SSO settings named name.
func ssoCount(sf *salesforce.Client, name string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var rows []struct {
			ID string `json:"Id"`
		}
		if err := sf.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = "+salesforce.Quote(name), &rows); err != nil {
			return err
		}
		if len(rows) != 1 {
			return fmt.Errorf("org has %d SSO settings named %q, want exactly 1", len(rows), name)
		}
		return nil
	}
}

// The settings' write reached Salesforce but every answer to it (and to its retries) was lost: the apply
// fails, and the next one adopts the settings without writing them again, adds the login page button the
// lost apply never reached, and leaves an empty plan.
func TestAccSalesforceSSO_lostCreateAnswerAdopted(t *testing.T) {
	acctest.RequireSandbox(t, "loses the answers of the settings' write and counts the writes of the apply after it")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("lostsso"), ssoName("lostsso")
	cfg := federationConfig(sb, label, name, "", "  jit_provisioning   = true\n  show_on_login_page = true\n")
	w := &writeCounter{sb: sb, sf: sf, ssoName: name}
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps: []resource.TestStep{
			{Config: samlAppConfig(sb, label, ""), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					// The create's look-before read passes; the write and its four retries are applied, their answers lost.
					sb.Control().AddFault(emu.Fault{Service: "salesforce:" + acctest.PrimaryOrg(), Route: "POST /services/Soap/m/",
						Kind: emu.FaultLostResponse, Skip: 1, Count: 5})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`Unable to Create Salesforce SSO Settings`),
			},
			{
				PreConfig: func() {
					if err := ssoCount(sf, name)(context.Background()); err != nil {
						t.Fatalf("the lost write did not reach Salesforce: %v", err)
					}
					sb.Control().ClearFaults()
					w.start()
				},
				Config:           cfg,
				ConfigPlanChecks: createActionThenEmpty(ssoAddr),
				Check: resource.ComposeTestCheckFunc(
					// The settings are not written again; the one write is the login page button, the create step
					// the lost apply never reached.
					func(*terraform.State) error {
						if n := w.count() - w.writes; n != 1 {
							return fmt.Errorf("the adopting apply sent %d writes besides SOAP, want 1 (the login page button): %v", n, sb.Control().Stats().Routes)
						}
						if m := w.ssoModstamp(); m != w.modstamp {
							return fmt.Errorf("the adopting apply wrote the settings again (SystemModstamp %s → %s)", w.modstamp, m)
						}
						return nil
					},
					checkRemote(ssoCount(sf, name)),
					checkSalesforceTrustsApp(t, sb, name),
					checkLoginPageButtons(t, sf, 1, &id),
				),
			},
		},
	})
}

// The settings' write succeeded but the read after it failed (five 503s, the transport's retries spent):
// the apply fails, and the next apply adopts the settings, writes nothing and converges.
func TestAccSalesforceSSO_readBackFailureConverges(t *testing.T) {
	acctest.RequireSandbox(t, "injects server errors into the read after the settings' write")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("readback"), ssoName("readback")
	cfg := federationConfig(sb, label, name, "", "")
	w := &writeCounter{sb: sb, sf: sf, ssoName: name}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(sf),
		Steps: []resource.TestStep{
			{Config: samlAppConfig(sb, label, ""), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					// The look-before read and the write pass; the read-back and its four retries get 503.
					sb.Control().AddFault(emu.Fault{Service: "salesforce:" + acctest.PrimaryOrg(), Route: "POST /services/Soap/m/",
						Kind: emu.FaultServerError, Status: 503, Skip: 2, Count: 5})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Reading\s+back.*the\s+next\s+apply\s+reads\s+it`),
			},
			{
				PreConfig: func() {
					if f := sb.Control().Faults(); len(f) != 1 || f[0].Injected != 5 {
						t.Fatalf("the read-back did not fail five times: %+v", f)
					}
					if err := ssoCount(sf, name)(context.Background()); err != nil {
						t.Fatalf("the write did not reach Salesforce: %v", err)
					}
					sb.Control().ClearFaults()
					w.start()
				},
				Config:           cfg,
				ConfigPlanChecks: createActionThenEmpty(ssoAddr),
				Check:            resource.ComposeTestCheckFunc(w.checkNone(t), checkRemote(ssoCount(sf, name)), checkSalesforceTrustsApp(t, sb, name)),
			},
		},
	})
}

// Settings of the planned name that differ from the plan are refused at apply, naming each difference and
// the import command; Salesforce keeps them as they were.
func TestAccSalesforceSSO_existingDifferentRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	label, name := acctest.RandomName("othersso"), ssoName("othersso")
	const otherIssuer = "http://www.okta.com/exkSomeoneElse"
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(acctest.OktaClient(t, sb)),
		Steps: []resource.TestStep{
			{Config: samlAppConfig(sb, label, ""), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					ctx := context.Background()
					facts, err := sf.Facts(ctx)
					if err != nil {
						t.Fatal(err)
					}
					cert, _ := pemBlockBase64(testCertificatePEM(t))
					if _, err := sf.UpsertSAMLSSOConfig(ctx, salesforce.SAMLSSOConfig{FullName: name, Name: name, Issuer: otherIssuer,
						ValidationCert: cert, LoginURL: "https://idp.example/sso", IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId",
						SAMLEntityID: facts.MyDomainURL, SAMLVersion: "SAML2_0", RequestSignatureMethod: "RSA-SHA256"}); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { _ = sf.DeleteSAMLSSOConfig(context.Background(), name) })
				},
				Config: federationConfig(sb, label, name, "", ""),
				ExpectError: regexp.MustCompile(`(?s)Single Sign-On Settings Already Exist.*issuer:\s+found\s+"` + regexp.QuoteMeta(otherIssuer) +
					`",\s+planned\s+"http://www.okta.com/exk.*idp_login_url:\s+found\s+"https://idp.example/sso".*` +
					importHintPattern("oktasf_salesforce_sso", regexp.QuoteMeta(acctest.PrimaryOrg()+"/"+name))),
			},
			{
				Config: samlAppConfig(sb, label, ""),
				Check: checkRemote(func(ctx context.Context) error {
					cfg, err := sf.ReadSAMLSSOConfig(ctx, name)
					if err != nil {
						return err
					}
					if cfg.Issuer != otherIssuer || cfg.LoginURL != "https://idp.example/sso" {
						return fmt.Errorf("the refused apply changed the settings: %+v", cfg)
					}
					return nil
				}),
			},
		},
	})
}

// pemBlockBase64 is the base64 DER of a PEM certificate, as the Metadata API holds it.
func pemBlockBase64(certPEM string) (string, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		return "", fmt.Errorf("not PEM")
	}
	return base64.StdEncoding.EncodeToString(block.Bytes), nil
}
