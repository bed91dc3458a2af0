package sso_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

func rotation(trigger string) string {
	return fmt.Sprintf("  signing = { rotation_trigger = %q }\n", trigger)
}

// checkSalesforceTrustsApp checks, in Salesforce itself, that the org trusts the app's current certificate.
func checkSalesforceTrustsApp(t *testing.T, sb *sandbox.Sandbox, name string) resource.TestCheckFunc {
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	return func(s *terraform.State) error {
		certPEM, err := acctest.StateAttr(s, appAddr, "certificate")
		if err != nil {
			return err
		}
		block, _ := pem.Decode([]byte(certPEM))
		if block == nil {
			return fmt.Errorf("the app's certificate is not PEM")
		}
		cfg, err := sf.ReadSAMLSSOConfig(context.Background(), name)
		if err != nil {
			return err
		}
		trusted, err := base64.StdEncoding.DecodeString(cfg.ValidationCert)
		if err != nil {
			return fmt.Errorf("validation certificate in Salesforce is not base64: %w", err)
		}
		if string(trusted) != string(block.Bytes) {
			return fmt.Errorf("Salesforce trusts a different certificate than the app's active one")
		}
		return nil
	}
}

// Changing the rotation trigger gives the app a new signing key and leaves Salesforce trusting it by the
// end of the same apply. The window between the switch in Okta and the update in Salesforce is logged.
func TestAccFederation_certificateRotation(t *testing.T) {
	acctest.RequireSandbox(t, "measures the rotation window in the sandbox's request journal, with injected latency")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("rotate"), ssoName("rotate")
	var firstCert, firstKID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())),
		Steps: []resource.TestStep{
			{
				Config:           federationConfig(sb, label, name, rotation("2026-01"), ""),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: resource.ComposeTestCheckFunc(checkSalesforceTrustsApp(t, sb, name), func(s *terraform.State) (err error) {
					if firstCert, err = acctest.StateAttr(s, appAddr, "certificate"); err != nil {
						return err
					}
					firstKID, err = acctest.StateAttr(s, appAddr, "key_id")
					return err
				}),
			},
			{
				// 20 ms per request, as in the benchmark, so that the measured window counts API calls.
				PreConfig: func() { sb.Control().SetLatency(emu.Latency{Millis: 20}) },
				Config:    federationConfig(sb, label, name, rotation("2026-07"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(ssoAddr, tfjsonpath.New("idp_certificate")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(ssoAddr, tfjsonpath.New("idp_certificate"), appAddr, tfjsonpath.New("certificate"), compareEqual{}),
				},
				Check: resource.ComposeTestCheckFunc(checkSalesforceTrustsApp(t, sb, name), func(s *terraform.State) error {
					cert, _ := acctest.StateAttr(s, appAddr, "certificate")
					kid, _ := acctest.StateAttr(s, appAddr, "key_id")
					if cert == firstCert || kid == firstKID {
						return fmt.Errorf("the rotation left the certificate or key id unchanged")
					}
					block, _ := pem.Decode([]byte(cert))
					parsed, err := x509.ParseCertificate(block.Bytes)
					if err != nil {
						return err
					}
					if left := time.Until(parsed.NotAfter); left < 9*365*24*time.Hour {
						return fmt.Errorf("the new certificate expires in %s, want about 10 years", left)
					}
					window, err := rotationWindow(sb.Control().Journal(), acctest.PrimaryOrg())
					if err != nil {
						return err
					}
					t.Logf("rotation window (Okta signs with the new key, Salesforce does not trust it yet): %s", window)
					return nil
				}),
			},
		},
	})
}

// rotationWindow is the time from the end of the Okta call that switched the app's key to the end of the
// Salesforce call that stored the new certificate (the last SOAP write after it).
func rotationWindow(journal []emu.Entry, org string) (time.Duration, error) {
	var switched time.Time
	for _, e := range journal {
		if e.Service == "okta" && e.Route == "PUT /api/v1/apps/{appId}" && e.Status == 200 {
			switched = e.End
		}
	}
	if switched.IsZero() {
		return 0, fmt.Errorf("no app update in the journal")
	}
	var trusted time.Time
	soap := 0
	for _, e := range journal {
		if e.Service == "salesforce:"+org && strings.HasPrefix(e.Route, "POST /services/Soap/m/") && e.Start.After(switched) {
			soap++
			if soap == 2 { // the update reads the settings first, then writes them
				trusted = e.End
			}
		}
	}
	if trusted.IsZero() {
		return 0, fmt.Errorf("no Salesforce settings write after the key switch")
	}
	return trusted.Sub(switched), nil
}

// When Salesforce refuses the update during a rotation, apply fails, the next plan shows Salesforce
// behind Okta, and the next apply brings it level.
func TestAccFederation_failedSalesforceUpdateConvergesNextApply(t *testing.T) {
	acctest.RequireSandbox(t, "injects server errors into Salesforce's SOAP endpoint")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("retry"), ssoName("retry")
	org := "salesforce:" + acctest.PrimaryOrg()
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSSOGone(acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())),
		Steps: []resource.TestStep{
			{Config: federationConfig(sb, label, name, rotation("a"), ""), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					// Let through the read of the plan's refresh and the update's read (read-modify-write);
					// then fail the write and every retry of it.
					sb.Control().AddFault(emu.Fault{Service: org, Route: "POST /services/Soap", Kind: emu.FaultServerError, Status: 503, Skip: 2, Count: 10})
				},
				Config:      federationConfig(sb, label, name, rotation("b"), ""),
				ExpectError: regexp.MustCompile(`Unable to Update Salesforce SSO Settings`),
			},
			{
				PreConfig: func() { sb.Control().ClearFaults() },
				Config:    federationConfig(sb, label, name, rotation("b"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(ssoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkSalesforceTrustsApp(t, sb, name),
			},
		},
	})
}

// A refresh of the app and the SSO settings stays within 2 Okta requests for the app and 2 Salesforce
// requests for the settings (the token request included). The plan also reads the org's facts once per org
// (one query, whatever the number of resources derived from it); that is counted apart.
func TestAccFederation_refreshCost(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of a refresh")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("cost"), ssoName("cost")
	cfg := federationConfig(sb, label, name, "", "")
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig:          func() { sb.Control().ResetStats() },
				RefreshState:       true,
				ExpectNonEmptyPlan: false,
				Check: func(*terraform.State) error {
					okta, sf, facts := 0, 0, 0
					for route, n := range sb.Control().Stats().Routes {
						switch {
						case strings.HasPrefix(route, "okta "):
							okta += n
						case strings.HasSuffix(route, "/query"), strings.HasSuffix(route, "/composite"): // the facts come with the org's name reads
							facts += n
						case strings.HasPrefix(route, "salesforce:"):
							sf += n
						}
					}
					t.Logf("refresh requests: okta %d, salesforce %d, org facts %d: %v", okta, sf, facts, sb.Control().Stats().Routes)
					if okta > 2 || sf > 2 || facts > 1 {
						return fmt.Errorf("a refresh cost %d Okta and %d Salesforce requests and %d org queries; want at most 2, 2 and 1", okta, sf, facts)
					}
					return nil
				},
			},
		},
	})
}
