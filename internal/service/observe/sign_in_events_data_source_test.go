package observe_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/browser"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

const eventsOrg = "prod"

// eventsFixture: an allowed user (a Salesforce user with their Federation ID) and a blocked one, each in a group
// the app's sign-on policy names.
type eventsFixture struct {
	oc                *okta.Client
	allowed, blocked  acctest.OktaUser
	allowedGroup      acctest.OktaGroup
	blockedGroup      acctest.OktaGroup
	allowedSFUsername string
	label, ssoName    string
	policyName        string
}

func newEventsFixture(t *testing.T, sb *sandbox.Sandbox) eventsFixture {
	t.Helper()
	f := eventsFixture{oc: acctest.OktaClient(t, sb)}
	sf := acctest.SalesforceClient(t, sb, eventsOrg)
	f.allowed, f.blocked = acctest.CreateOktaUser(t, f.oc, "allowed"), acctest.CreateOktaUser(t, f.oc, "blocked")
	f.allowedGroup = acctest.CreateOktaGroup(t, f.oc, "allowed", "may sign in", f.allowed)
	f.blockedGroup = acctest.CreateOktaGroup(t, f.oc, "blocked", "may not sign in", f.blocked)
	acctest.CreateSalesforceUser(t, sf, f.allowed, "Sales User", nil)
	f.allowedSFUsername = f.allowed.Login + "." + sf.Alias()
	f.label, f.policyName = acctest.RandomName("events-app"), acctest.RandomName("events-policy")
	f.ssoName = strings.ReplaceAll("Okta_"+acctest.RandomName("events")[len("tf-acc-"):], "-", "_")
	return f
}

func (f eventsFixture) config(sb *sandbox.Sandbox, dataSources string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "prod" {
  salesforce_org = %[1]q
  label          = %[2]q
}

resource "oktasf_salesforce_sso" "prod" {
  salesforce_org  = %[1]q
  name            = %[3]q
  issuer          = oktasf_saml_app.prod.entity_id
  idp_certificate = oktasf_saml_app.prod.certificate
  idp_login_url   = oktasf_saml_app.prod.sso_url
}

resource "oktasf_signon_policy" "prod" {
  app_id = oktasf_saml_app.prod.id
  name   = %[4]q
  rules = [
    {
      name   = "blocked"
      people = { groups_include = [%[5]q] }
      access = "DENY"
    },
  ]
  catch_all = { access = "ALLOW", verification = { factor_mode = "1FA" } }
}
`, eventsOrg, f.label, f.ssoName, f.policyName, f.blockedGroup.ID) + dataSources
}

const eventsDataSources = `
data "oktasf_sign_in_events" "all" {
  app_id         = oktasf_saml_app.prod.id
  salesforce_org = "prod"
  since          = "1h"
}

data "oktasf_sign_in_events" "failures" {
  app_id         = oktasf_saml_app.prod.id
  salesforce_org = "prod"
  since          = "1h"
  outcome        = "FAILURE"
  limit          = 3
}
`

// TestAccSignInEvents_refusedSignIns signs in through what Terraform applied — one sign-in allowed, one denied by
// Okta's sign-on policy, one refused by Salesforce because the Response is signed with a certificate its SSO
// settings do not hold — and reads them back on one time line with the reasons of both refusals.
func TestAccSignInEvents_refusedSignIns(t *testing.T) {
	acctest.RequireSandbox(t, "signs in through the sandbox's IdP and posts a forged Response to its ACS")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	f := newEventsFixture(t, sb)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:           f.config(sb, ""),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			Check:            f.signIn(sb),
		}, {
			Config: f.config(sb, eventsDataSources),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.oktasf_sign_in_events.all", "sso_names.#", "1"),
				resource.TestCheckResourceAttr("data.oktasf_sign_in_events.all", "sso_names.0", f.ssoName),
				resource.TestCheckResourceAttr("data.oktasf_sign_in_events.failures", "events.#", "3"),
				f.checkEvents(),
			),
		}},
	})
}

func (f eventsFixture) signIn(sb *sandbox.Sandbox) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		app, err := acctest.StateAttrs(s, "oktasf_saml_app.prod", "id", "sso_url", "entity_id")
		if err != nil {
			return err
		}
		appID, ssoURL, issuer := app[0], app[1], app[2]
		for _, g := range []acctest.OktaGroup{f.allowedGroup, f.blockedGroup} {
			if _, err := f.oc.SetAppGroupAssignment(ctx, appID, g.ID, nil, nil); err != nil {
				return fmt.Errorf("assign %s to the app: %w", g.Name, err)
			}
		}
		ok, err := browser.SignIn(ctx, nil, ssoURL, f.allowed.Login, browser.Options{ClientIP: "203.0.113.10"})
		if err != nil || !ok.SignedIn {
			return fmt.Errorf("the allowed user's sign-in: %+v, %v", ok, err)
		}
		denied, err := browser.SignIn(ctx, nil, ssoURL, f.blocked.Login, browser.Options{ClientIP: "203.0.113.20"})
		if err != nil || !denied.Denied {
			return fmt.Errorf("the blocked user's sign-in: %+v, %v", denied, err)
		}
		return postForgedResponse(sb, ok.ACSURL, issuer, f.allowed.Login, "198.51.100.66")
	}
}

// postForgedResponse posts to the ACS a Response for nameID with the app's issuer, signed by a key of its own.
func postForgedResponse(sb *sandbox.Sandbox, acs, issuer, nameID, ip string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(66), Subject: pkix.Name{CommonName: "mallory"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	cert, _ := x509.ParseCertificate(der)
	b, err := samlidp.BuildResponse(samlidp.ResponseOptions{Issuer: issuer, Destination: acs, Audience: sb.Info().Salesforce[eventsOrg].LoginURL,
		NameID: nameID, Key: key, Certificate: cert})
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodPost, acs, strings.NewReader(url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(b)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(emu.ClientIPHeader, ip)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusFound {
		return fmt.Errorf("the ACS accepted a Response signed with a certificate its settings do not hold")
	}
	return nil
}

// event is one element of events in the state.
type event struct{ time, source, typ, actor, outcome, reason, detail, ip string }

func stateEvents(s *terraform.State, addr string) ([]event, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s is not in the state", addr)
	}
	a := rs.Primary.Attributes
	n, err := strconv.Atoi(a["events.#"])
	if err != nil {
		return nil, fmt.Errorf("%s: events.# = %q", addr, a["events.#"])
	}
	out := make([]event, n)
	for i := range out {
		get := func(k string) string { return a[fmt.Sprintf("events.%d.%s", i, k)] }
		out[i] = event{get("time"), get("source"), get("type"), get("actor"), get("outcome"), get("reason"), get("detail"), get("ip_address")}
	}
	return out, nil
}

func (f eventsFixture) checkEvents() resource.TestCheckFunc {
	return func(s *terraform.State) error {
		all, err := stateEvents(s, "data.oktasf_sign_in_events.all")
		if err != nil {
			return err
		}
		var prev time.Time
		for i, e := range all {
			at, err := time.Parse(time.RFC3339, e.time)
			if err != nil {
				return fmt.Errorf("event %d: time %q: %w", i, e.time, err)
			}
			if i > 0 && at.After(prev) {
				return fmt.Errorf("event %d (%s) is newer than event %d: the time line is not newest first", i, e.time, i-1)
			}
			prev = at
		}
		find := func(what string, match func(event) bool) error {
			for _, e := range all {
				if match(e) {
					return nil
				}
			}
			return fmt.Errorf("no %s among the %d events: %+v", what, len(all), all)
		}
		certificate := regexp.MustCompile(`^(certificate mismatch|signature invalid)$`)
		checks := []struct {
			what  string
			match func(event) bool
		}{
			{"Okta DENY of the blocked user by rule blocked", func(e event) bool {
				return e.source == "okta" && e.typ == "policy.evaluate_sign_on" && e.outcome == "DENY" && e.actor == f.blocked.Login &&
					e.reason == `sign-on policy rule "blocked" denied access` && e.ip == "203.0.113.20"
			}},
			{"Okta SSO failure of the blocked user", func(e event) bool {
				return e.source == "okta" && e.typ == "user.authentication.sso" && e.outcome == "FAILURE" && e.actor == f.blocked.Login && e.reason != ""
			}},
			{"Okta SSO success of the allowed user", func(e event) bool {
				return e.source == "okta" && e.typ == "user.authentication.sso" && e.outcome == "SUCCESS" && e.actor == f.allowed.Login
			}},
			{"Salesforce sign-in of the allowed user", func(e event) bool {
				return e.source == "salesforce" && e.typ == "login" && e.outcome == "SUCCESS" && e.actor == f.allowedSFUsername && e.ip == "203.0.113.10"
			}},
			{"Salesforce refusal of the forged Response with its reason", func(e event) bool {
				return e.source == "salesforce" && e.typ == "login" && e.outcome == "FAILURE" && certificate.MatchString(e.reason) &&
					strings.HasPrefix(e.detail, "Failed: Signature Invalid") && e.ip == "198.51.100.66"
			}},
			{"the Setup change that created the SSO settings", func(e event) bool {
				return e.source == "salesforce" && e.typ == "setup.createdSamlSsoConfig" && e.actor != ""
			}},
		}
		for _, c := range checks {
			if err := find(c.what, c.match); err != nil {
				return err
			}
		}
		failures, err := stateEvents(s, "data.oktasf_sign_in_events.failures")
		if err != nil {
			return err
		}
		for _, e := range failures {
			if e.outcome != "FAILURE" && e.outcome != "DENY" {
				return fmt.Errorf("outcome = FAILURE returned %+v", e)
			}
		}
		return nil
	}
}

// A window that cannot be read fails at plan, on the attribute, with the forms it takes.
func TestAccSignInEvents_invalidWindow(t *testing.T) {
	sb := acctest.Sandbox(t)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + `
data "oktasf_sign_in_events" "bad" {
  app_id = "0oa000000000000000000"
  since  = "yesterday"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Invalid Sign-In Event Window.*"yesterday" is neither an RFC 3339 time.*nor a\s+duration such as 24h`),
		}, {
			Config: acctest.ProviderConfig(sb) + `
data "oktasf_sign_in_events" "bad" {
  app_id = "0oa000000000000000000"
  until  = "2026-13-01"
}
`,
			ExpectError: regexp.MustCompile(`(?s)until: "2026-13-01" is not an RFC 3339 time`),
		}},
	})
}
