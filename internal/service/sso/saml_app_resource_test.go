package sso_test

import (
	"context"
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
)

const appAddr = "oktasf_saml_app.test"

func samlAppConfig(sb *sandbox.Sandbox, label, extra string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "test" {
  salesforce_org = %q
  label          = %q
%s
}
`, acctest.PrimaryOrg(), label, extra)
}

const statementsV1 = `
  attribute_statements = {
    "User.Email" = { values = ["user.email"] }
    "User.LastName" = { values = ["user.lastName"] }
    "groups" = { group_filter = { type = "STARTS_WITH", value = "Salesforce" } }
  }
`

func appID(s *terraform.State) (string, error) {
	rs, ok := s.RootModule().Resources[appAddr]
	if !ok {
		return "", fmt.Errorf("%s not in state", appAddr)
	}
	return rs.Primary.ID, nil
}

func TestAccSAMLApp_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	label := acctest.RandomName("basic")
	var org string
	if sb != nil {
		o := sb.Info().Salesforce[acctest.PrimaryOrg()]
		org = o.LoginURL
	}
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0oa`))),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("entity_id"), knownvalue.StringRegexp(regexp.MustCompile(`^http://www\.okta\.com/exk[A-Za-z0-9]+$`))),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("certificate"), knownvalue.StringRegexp(regexp.MustCompile(`^-----BEGIN CERTIFICATE-----\n`))),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("certificate_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`))),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("name_id").AtMapKey("format"), knownvalue.StringExact("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("name_id").AtMapKey("template"), knownvalue.StringExact("user.login")),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements").AtMapKey("groups").AtMapKey("group_filter").AtMapKey("value"), knownvalue.StringExact("Salesforce")),
		statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
	}
	if sb != nil {
		checks = append(checks,
			statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("audience"), knownvalue.StringExact(org)),
			statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("acs_url"), knownvalue.StringRegexp(regexp.MustCompile("^"+regexp.QuoteMeta(org)+`\?so=00D[A-Za-z0-9]{12}$`))),
			statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("sso_url"), knownvalue.StringRegexp(regexp.MustCompile("^"+regexp.QuoteMeta(sb.Info().Okta.OrgURL)+`/app/.+/sso/saml$`))),
		)
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config:            samlAppConfig(sb, label, statementsV1),
				ConfigStateChecks: checks,
				Check:             acctest.CheckExists(appAddr, samlAppExists(client)),
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:            appAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"metadata"},
			},
		},
	})
}

// Label, NameID, statements and activation change in place, in Okta as in the state.
func TestAccSAMLApp_update(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	label := acctest.RandomName("update")
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config: samlAppConfig(sb, label, statementsV1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements"), knownvalue.MapSizeExact(3)),
				},
				Check:            func(s *terraform.State) (err error) { id, err = appID(s); return err },
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config: samlAppConfig(sb, label+"-renamed", `
  name_id = { format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", template = "user.email" }
  attribute_statements = {
    "User.Email"     = { values = ["user.email"] }
    "User.FirstName" = { values = ["user.firstName"], namespace = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic" }
  }
  active = false
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("label"), knownvalue.StringExact(label+"-renamed")),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements"), knownvalue.MapSizeExact(2)),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements").AtMapKey("User.FirstName").AtMapKey("namespace"),
						knownvalue.StringExact("urn:oasis:names:tc:SAML:2.0:attrname-format:basic")),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("metadata"), knownvalue.StringRegexp(regexp.MustCompile(`nameid-format:emailAddress`))),
				},
				Check: checkRemote(func(ctx context.Context) error {
					app, err := client.GetSAMLApp(ctx, id)
					if err != nil {
						return err
					}
					if app.Label != label+"-renamed" || app.Status != "INACTIVE" || app.SignOn.SubjectNameIDTemplate != "${user.email}" || len(app.SignOn.AttributeStatements) != 2 {
						return fmt.Errorf("Okta holds label %q, status %s, NameID %q and %d statements after the update",
							app.Label, app.Status, app.SignOn.SubjectNameIDTemplate, len(app.SignOn.AttributeStatements))
					}
					return nil
				}),
			},
		},
	})
}

// An attribute statement edited in Okta shows in plan, and apply puts it back; fields this resource does not
// own, set in Okta, survive the update.
func TestAccSAMLApp_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("drift")
	client := acctest.OktaClient(t, sb)
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config: samlAppConfig(sb, label, statementsV1),
				Check: func(s *terraform.State) (err error) {
					id, err = appID(s)
					return err
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig: func() {
					_, err := client.UpdateSAMLApp(context.Background(), id, func(a *okta.SAMLApp) error {
						for i := range a.SignOn.AttributeStatements {
							if a.SignOn.AttributeStatements[i].Name == "User.Email" {
								a.SignOn.AttributeStatements[i].Values = []string{"user.secondEmail"}
							}
						}
						a.SignOn.HonorForceAuthn = true // not owned by the resource: must survive
						return nil
					})
					if err != nil {
						t.Fatalf("edit the app out of band: %v", err)
					}
				},
				Config: samlAppConfig(sb, label, statementsV1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements").AtMapKey("User.Email").AtMapKey("values"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("user.email")})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					app, err := client.GetSAMLApp(context.Background(), id)
					if err != nil {
						return err
					}
					if !app.SignOn.HonorForceAuthn {
						return fmt.Errorf("honorForceAuthn, set in Okta and not owned by the resource, was reset by the update")
					}
					for _, st := range app.SignOn.AttributeStatements {
						if st.Name == "User.Email" && strings.Join(st.Values, ",") != "user.email" {
							return fmt.Errorf("Okta sends User.Email = %v after apply, want the configured user.email", st.Values)
						}
					}
					return nil
				},
			},
		},
	})
}

// An app deleted in Okta is planned for creation again, and apply creates it.
func TestAccSAMLApp_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	cfg := samlAppConfig(sb, acctest.RandomName("gone"), "")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps:        acctest.DisappearsSteps(t, cfg, appAddr, deleteSAMLApp(client), samlAppExists(client)),
	})
}

// An app is imported by its Okta ID; an ID Okta does not know is refused.
func TestAccSAMLApp_import(t *testing.T) {
	sb := acctest.Sandbox(t)
	client := acctest.OktaClient(t, sb)
	cfg := samlAppConfig(sb, acctest.RandomName("import"), statementsV1)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:      appAddr,
				ImportState:       true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return appID(s) },
				ImportStateVerify: true,
				// The metadata document is read on create and update only.
				ImportStateVerifyIgnore: []string{"metadata"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["attribute_statements.User.Email.values.0"] != "user.email" || states[0].Attributes["salesforce_org"] != acctest.PrimaryOrg() {
						return fmt.Errorf("imported %d instances: %v", len(states), states)
					}
					return nil
				},
			},
			{
				ResourceName:  appAddr,
				ImportState:   true,
				ImportStateId: "0oaNoSuchApp000000001",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

func TestAccSAMLApp_invalidInput(t *testing.T) {
	sb := acctest.Sandbox(t)
	cases := []struct{ name, extra, want string }{
		{"unknown NameID format", `name_id = { format = "urn:example:nameid", template = "user.login" }`,
			`(?s)name_id\.format.*value must be one of`},
		{"statement without values", `attribute_statements = { "User.Email" = {} }`,
			`(?s)Attribute Statement Without Values.*"User.Email" has neither values nor group_filter`},
		{"statement with empty values", `attribute_statements = { "User.Email" = { values = [] } }`,
			`(?s)Attribute Statement Without Values.*empty values list`},
		{"statement with values and filter", `attribute_statements = { "g" = { values = ["user.email"], group_filter = { type = "REGEX", value = ".*" } } }`,
			`(?s)Conflicting Attribute Statement`},
		{"validity out of range", `signing = { validity_years = 11 }`, `(?s)signing\.validity_years.*between 2 and 10`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      samlAppConfig(sb, "invalid", tc.extra),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}

// The catalogue Salesforce app: settings.app and the overrides come from the org, and a second apply is empty.
func TestAccSAMLApp_oin(t *testing.T) {
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("oin")
	org, err := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg()).Organization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	instanceType := map[bool]string{true: "SANDBOX", false: "PRODUCTION"}[org.IsSandbox]
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(acctest.OktaClient(t, sb)),
		Steps: []resource.TestStep{{
			Config: samlAppConfig(sb, label, `  mode = "oin"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("name"), knownvalue.StringExact("salesforce")),
				statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("oin").AtMapKey("instance_type"), knownvalue.StringExact(instanceType)),
				statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("oin").AtMapKey("integration_type"), knownvalue.StringExact("STANDARD")),
				statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("entity_id"), knownvalue.StringRegexp(regexp.MustCompile(`^http://www\.okta\.com/exk`))),
			},
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
		}},
	})
}
