package sso_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

const federationCheckAddr = "data.oktasf_federation_check.this"

// federationCheckConfig reads the check of the fixture's app; gate adds the postcondition and check block a
// pipeline would use.
func federationCheckConfig(fx *federationFixture, gate bool) string {
	lifecycle := ""
	if gate {
		lifecycle = `
  lifecycle {
    postcondition {
      condition     = self.ok
      error_message = "Federation check failed: ${join("; ", [for f in self.findings : "${f.code}: ${f.message} (fix: ${f.fix})" if f.severity == "error"])}"
    }
  }
`
	}
	return acctest.ProviderConfig(fx.sb) + fmt.Sprintf(`
data "oktasf_federation_check" "this" {
  app_id         = %q
  salesforce_org = %q
%s}

check "federation" {
  assert {
    condition     = data.oktasf_federation_check.this.ok
    error_message = "The Okta–Salesforce federation has errors."
  }
}
`, fx.app.ID, acctest.PrimaryOrg(), lifecycle)
}

// Through Terraform: settings that trust another certificate make ok false with the finding, which a
// postcondition turns into an error naming it; trusting the app's certificate again makes ok true.
func TestAccFederationCheckDataSource_basic(t *testing.T) {
	fx := newFederationFixture(t)
	other, err := pemBlockBase64(testCertificatePEM(t))
	if err != nil {
		t.Fatal(err)
	}
	token := fx.sb.Info().Okta.APIToken
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// Inputs are checked in the schema, before anything is read.
				Config:      strings.Replace(federationCheckConfig(fx, false), "  salesforce_org", "  sign_in_failure_hours = 0\n  salesforce_org", 1),
				ExpectError: regexp.MustCompile(`(?s)sign_in_failure_hours.*between 1 and 4320`),
			},
			{
				PreConfig: func() { fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.ValidationCert = other }) },
				Config:    federationCheckConfig(fx, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("ok"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("sso_name"), knownvalue.StringExact("Okta_Check")),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("salesforce_org"), knownvalue.StringExact(acctest.PrimaryOrg())),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("certificate_expiry_days"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("sign_in_failure_hours"), knownvalue.Int64Exact(24)),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("findings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"severity": knownvalue.StringExact("error"),
							"code":     knownvalue.StringExact("certificate_mismatch"),
							"message":  knownvalue.StringRegexp(regexp.MustCompile(`^SSO settings "Okta_Check" trust a certificate that is not one of the app's keys`)),
							"fix":      knownvalue.StringRegexp(regexp.MustCompile(`idp_certificate = oktasf_saml_app\.<name>\.certificate`)),
						}),
					})),
				},
				Check: noSecretIn(federationCheckAddr, token),
			},
			{
				Config:      federationCheckConfig(fx, true),
				ExpectError: regexp.MustCompile(`(?s)Federation check failed: certificate_mismatch: SSO settings "Okta_Check".*fix:`),
			},
			{
				PreConfig: func() { fx.writeSSO(t, fx.sso) },
				Config:    federationCheckConfig(fx, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("ok"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("findings"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
			{
				// Settings named in another case are found, and the name stays as configured; a name the org lacks is a finding.
				Config: strings.Replace(federationCheckConfig(fx, false), "  salesforce_org", "  sso_name       = \"okta_check\"\n  salesforce_org", 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("ok"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("sso_name"), knownvalue.StringExact("okta_check")),
				},
			},
			{
				Config: strings.Replace(federationCheckConfig(fx, false), "  salesforce_org", "  sso_name       = \"Okta_Elsewhere\"\n  salesforce_org", 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("ok"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("sso_name"), knownvalue.StringExact("Okta_Elsewhere")),
					statecheck.ExpectKnownValue(federationCheckAddr, tfjsonpath.New("findings").AtSliceIndex(0).AtMapKey("code"), knownvalue.StringExact("sso_settings_missing")),
				},
			},
		},
	})
}

// noSecretIn checks that no attribute of the resource holds the secret.
func noSecretIn(addr, secret string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		for k, v := range rs.Primary.Attributes {
			if secret != "" && strings.Contains(v, secret) {
				return fmt.Errorf("%s.%s holds a secret", addr, k)
			}
		}
		return nil
	}
}
