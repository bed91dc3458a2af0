package policy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/browser"
)

const (
	signinOrg = "prod"
	// mfaRequired is Salesforce's LoginHistory status of a sign-in below the profile's required session level.
	mfaRequired = "Multi-factor (formerly called two-factor) is required"
)

// signinFixture is who signs in: an admin (Okta group admins, a Salesforce user of a profile of its own) and a
// field user (group field, a Sales User) whose rule asks for a managed device.
type signinFixture struct {
	oc                     *okta.Client
	sf                     *salesforce.Client
	admin, field           acctest.OktaUser
	adminSF                string // the admin's Salesforce user ID
	admins, fieldGroup     acctest.OktaGroup
	adminProfile, ssoName  string
	label, zone, policyTag string
}

func newSigninFixture(t *testing.T, sb *sandbox.Sandbox) signinFixture {
	t.Helper()
	f := signinFixture{oc: acctest.OktaClient(t, sb), sf: acctest.SalesforceClient(t, sb, signinOrg)}
	f.admin, f.field = acctest.CreateOktaUser(t, f.oc, "admin"), acctest.CreateOktaUser(t, f.oc, "field")
	f.admins = acctest.CreateOktaGroup(t, f.oc, "admins", "Salesforce admins", f.admin)
	f.fieldGroup = acctest.CreateOktaGroup(t, f.oc, "field", "sign in from managed devices", f.field)
	f.adminProfile = sessionPolicyProfile(t, f.sf)
	f.adminSF = acctest.CreateSalesforceUser(t, f.sf, f.admin, f.adminProfile, nil)
	acctest.CreateSalesforceUser(t, f.sf, f.field, "Sales User", nil)
	f.ssoName = strings.ReplaceAll("Okta_"+acctest.RandomName("signin")[len("tf-acc-"):], "-", "_")
	f.label, f.zone, f.policyTag = acctest.RandomName("signin-app"), acctest.RandomName("office"), acctest.RandomName("signin-policy")
	return f
}

// config federates prod with an Okta app whose sign-in policy lets admins in from the office with two factors and
// the field group from a managed device, and denies everyone else; the admins' profile requires High Assurance
// from HQ's addresses. The office zone also holds a branch (192.0.2.0/24) that is not on the profile's ranges.
func (f signinFixture) config(sb *sandbox.Sandbox) string {
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

resource "oktasf_network_zone" "office" {
  name     = %[4]q
  gateways = ["203.0.113.0/24", "192.0.2.0/24"]
}

resource "oktasf_signon_policy" "salesforce" {
  app_id = oktasf_saml_app.prod.id
  name   = %[5]q
  rules = [
    {
      name         = "admins-office"
      people       = { groups_include = [%[6]q] }
      network      = { connection = "ZONE", zones_include = [oktasf_network_zone.office.id] }
      access       = "ALLOW"
      verification = { factor_mode = "2FA" }
    },
    {
      name         = "field-managed-device"
      people       = { groups_include = [%[7]q] }
      device       = { registered = true, managed = true }
      access       = "ALLOW"
      verification = { factor_mode = "1FA" }
    },
    {
      name   = "everyone-else"
      access = "DENY"
    },
  ]
  catch_all = { access = "DENY" }
}

resource "oktasf_salesforce_session_policy" "admins" {
  salesforce_org         = %[1]q
  profile                = %[8]q
  required_session_level = "HIGH_ASSURANCE"
  login_ip_ranges        = [{ start = "203.0.113.0", end = "203.0.113.255", description = "HQ" }]
}
`, signinOrg, f.label, f.ssoName, f.zone, f.policyTag, f.admins.ID, f.fieldGroup.ID, f.adminProfile)
}

// TestAccSignonPolicy_signInEnforced signs in through what Terraform applied: Okta's sign-in policy decides
// who gets an assertion (zone, second factor, device), Salesforce's profile policy who gets a session (session
// level, login IP ranges), and both say so in their logs.
func TestAccSignonPolicy_signInEnforced(t *testing.T) {
	acctest.RequireSandbox(t, "signs in through the sandbox's IdP and moves the SSO configuration's session level")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	f := newSigninFixture(t, sb)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:           f.config(sb),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			Check:            f.checkSignIns(sb),
		}},
	})
}

// signInCase is one sign-in and what the browser must see.
type signInCase struct {
	name  string
	login string
	opt   browser.Options
	want  string // challenged, denied, signed in, or the Salesforce status that refused it
}

func (f signinFixture) checkSignIns(sb *sandbox.Sandbox) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		app, err := acctest.StateAttrs(s, "oktasf_saml_app.prod", "id", "sso_url")
		if err != nil {
			return err
		}
		appID, ssoURL := app[0], app[1]
		for _, g := range []acctest.OktaGroup{f.admins, f.fieldGroup} {
			if _, err := f.oc.SetAppGroupAssignment(ctx, appID, g.ID, nil, nil); err != nil {
				return fmt.Errorf("assign %s to the app: %w", g.Name, err)
			}
		}
		run := func(cases ...signInCase) error {
			for _, c := range cases {
				res, err := browser.SignIn(ctx, nil, ssoURL, c.login, c.opt)
				if err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
				if got := outcome(res); got != c.want {
					res.SAMLResponse = fmt.Sprintf("(%d characters)", len(res.SAMLResponse))
					return fmt.Errorf("%s: the sign-in was %q, want %q (%+v)", c.name, got, c.want, res)
				}
			}
			return nil
		}
		hq, branch, outside := "203.0.113.7", "192.0.2.10", "198.51.100.9"
		mfa := browser.Options{ClientIP: hq, Factor: browser.TestFactor}
		if err := run(
			signInCase{"admin at HQ without a second factor", f.admin.Login, browser.Options{ClientIP: hq}, "challenged"},
			signInCase{"admin at HQ with the test factor, SSO config in the Standard column", f.admin.Login, mfa, mfaRequired},
		); err != nil {
			return err
		}
		if err := f.checkLogins(ctx, mfaRequired+" "+hq); err != nil {
			return err
		}

		// Setup › Session Settings › Session Security Levels: the Okta configuration moves to High Assurance.
		if err := sb.Org(signinOrg).SetLoginMethodLevel(f.ssoName, "HIGH_ASSURANCE"); err != nil {
			return err
		}
		managed := browser.Device{Registered: true, Managed: true, Platform: "MACOS"}
		if err := run(
			signInCase{"admin at HQ with the test factor, SSO config High Assurance", f.admin.Login, mfa, "signed in"},
			signInCase{"admin outside the office zone", f.admin.Login, browser.Options{ClientIP: outside, Factor: browser.TestFactor}, "denied"},
			signInCase{"admin at the branch: in the zone, outside the profile's ranges", f.admin.Login, browser.Options{ClientIP: branch, Factor: browser.TestFactor}, "Restricted IP"},
			signInCase{"field user, unmanaged device", f.field.Login, browser.Options{ClientIP: outside, Device: browser.Device{Registered: true, Platform: "MACOS"}}, "denied"},
			signInCase{"field user, managed device", f.field.Login, browser.Options{ClientIP: outside, Device: managed}, "signed in"},
		); err != nil {
			return err
		}
		if err := f.checkLogins(ctx, mfaRequired+" "+hq, "Success "+hq, "Restricted IP "+branch); err != nil {
			return err
		}
		return f.checkDenyLogged(ctx, outside)
	}
}

// outcome names what the browser saw.
func outcome(r browser.Result) string {
	switch {
	case r.Challenged:
		return "challenged"
	case r.Denied:
		return "denied"
	case r.SignedIn:
		return "signed in"
	case r.SalesforceStatus != 0:
		status, _, _ := strings.Cut(r.Message, ":") // Salesforce's page says "<status>: <detail>"
		return status
	}
	return fmt.Sprintf("Okta answered %d", r.OktaStatus)
}

// checkLogins compares the admin's LoginHistory ("status source-ip", in any order) with want.
func (f signinFixture) checkLogins(ctx context.Context, want ...string) error {
	var rows []struct {
		Status   string `json:"Status"`
		SourceIP string `json:"SourceIp"`
	}
	if err := f.sf.Query(ctx, "SELECT Status, SourceIp FROM LoginHistory WHERE UserId = "+salesforce.Quote(f.adminSF), &rows); err != nil {
		return err
	}
	got := make([]string, 0, len(rows))
	for _, r := range rows {
		got = append(got, r.Status+" "+r.SourceIP)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		return fmt.Errorf("the admin's LoginHistory is %q, want %q", got, want)
	}
	return nil
}

// checkDenyLogged finds in Okta's System Log the policy evaluation that denied the admin from ip.
func (f signinFixture) checkDenyLogged(ctx context.Context, ip string) error {
	var events []struct {
		Actor   struct{ ID string }
		Outcome struct{ Result, Reason string }
		Client  struct {
			IPAddress string `json:"ipAddress"`
		}
	}
	filter := fmt.Sprintf(`eventType eq "policy.evaluate_sign_on" and actor.id eq %q`, f.admin.ID)
	if _, err := f.oc.Raw(ctx, http.MethodGet, "/api/v1/logs?filter="+url.QueryEscape(filter), nil, &events); err != nil {
		return fmt.Errorf("read the System Log: %w", err)
	}
	var seen []string
	for _, e := range events {
		if e.Actor.ID != f.admin.ID {
			continue
		}
		seen = append(seen, e.Outcome.Result+"/"+e.Outcome.Reason+"@"+e.Client.IPAddress)
		if e.Outcome.Result == "DENY" && e.Outcome.Reason == "everyone-else" && e.Client.IPAddress == ip {
			return nil
		}
	}
	return fmt.Errorf("no policy.evaluate_sign_on DENY by everyone-else for %s from %s in the System Log; the admin's evaluations: %v", f.admin.Login, ip, seen)
}
