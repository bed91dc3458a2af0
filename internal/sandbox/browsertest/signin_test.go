package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// The elements of the sandbox's sign-in pages that a person reads and uses (oktaemu/idp.go and spsso.go, sfemu/spinit.go).
const (
	oktaUsername   = "#okta-signin-username"
	oktaPassword   = "#okta-signin-password"
	oktaSignIn     = "#okta-signin-submit"
	oktaFactor     = "#factor"
	oktaVerify     = "#okta-factor-submit"
	oktaErrorTitle = "#okta-error-title"
	oktaErrorText  = "#okta-error-message"
	signedInName   = "#signed-in-user"
	signedInUser   = "#signed-in-username"
	landingPath    = "#landing-path"
)

// LoginHistory LoginType values of Salesforce's SAML sign-ins.
const (
	loginTypeIDP = "SAML Idp Initiated SSO"
	loginTypeSP  = "SAML Sfdc Initiated SSO"
)

// A flow in the browser takes a few seconds; each has flowTimeout, and the test testTimeout in all.
const flowTimeout, testTimeout = 40 * time.Second, 150 * time.Second

// federation is a sandbox whose Salesforce org trusts an Okta SAML app, assigned to a group, whose sign-in policy
// asks everyone for a second factor.
type federation struct {
	sb      *sandbox.Sandbox
	oc      *okta.Client
	sf      *salesforce.Client
	org     sandbox.SalesforceInfo
	ssoURL  string            // the app's sign-in URL, the "Okta app link" of the dashboard
	ssoName string            // the SamlSsoConfig's DeveloperName
	group   acctest.OktaGroup // the group assigned to the app
}

// person is an Okta user with a password and, when federated, a Salesforce user whose Federation ID is the login.
type person struct {
	acctest.OktaUser
	password             string
	salesforceID, sfName string // "" when the user has no Salesforce user
	sfUsername           string
}

// newFederation starts the sandbox and federates its org qa with an Okta app, as an admin would by hand: the app,
// its group, its sign-in policy, the org's SAML configuration from the app's metadata and its login-page button.
func newFederation(t *testing.T) *federation {
	t.Helper()
	acctest.RequireSandbox(t, "drives the sandbox's sign-in pages")
	ctx := context.Background()
	seed := sandbox.Seed{Salesforce: map[string]sfemu.OrgSeed{"qa": {Name: "Acme QA", AdminUsername: "integration@acme.qa"}}}
	f := &federation{sb: acctest.NewSandbox(t, sandbox.Options{Seed: &seed}), ssoName: "Okta"}
	f.oc, f.sf, f.org = acctest.OktaClient(t, f.sb), acctest.SalesforceClient(t, f.sb, "qa"), f.sb.Info().Salesforce["qa"]

	acs := f.org.LoginURL + "?so=" + f.org.OrgID[:15]
	app, err := f.oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: "Salesforce QA", SignOn: okta.SAMLSignOn{
		SSOACSURL: acs, Recipient: acs, Destination: acs, Audience: f.org.LoginURL,
		SubjectNameIDTemplate: "${user.login}", SubjectNameIDFormat: saml.NameIDFormatUnspecified,
		ResponseSigned: true, AssertionSigned: true, SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
	}}, true)
	must(t, err)
	f.group = acctest.CreateOktaGroup(t, f.oc, "salesforce", "Salesforce QA users")
	_, err = f.oc.SetAppGroupAssignment(ctx, app.ID, f.group.ID, nil, nil)
	must(t, err)
	// A new access policy's catch-all rule asks for two factors: every sign-in meets the factor page.
	policy, err := f.oc.CreateAccessPolicy(ctx, "Salesforce QA", "")
	must(t, err)
	must(t, f.oc.BindAppAccessPolicy(ctx, app.ID, policy.ID))

	b, err := f.oc.SAMLMetadata(ctx, app.ID, "")
	must(t, err)
	md, err := saml.ParseMetadata(b)
	must(t, err)
	f.ssoURL = md.SSOURLPost
	_, err = f.sf.UpsertSAMLSSOConfig(ctx, salesforce.SAMLSSOConfig{FullName: f.ssoName, Name: "Okta", Issuer: md.EntityID,
		SAMLEntityID: f.org.LoginURL, IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0",
		LoginURL: md.SSOURLPost, ValidationCert: base64.StdEncoding.EncodeToString(md.SigningCertificates[0].Raw)})
	must(t, err)
	// My Domain › Authentication Configuration: the configuration's button on the login page.
	var configs []struct {
		ID string `json:"Id"`
	}
	must(t, f.sf.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = "+salesforce.Quote(f.ssoName), &configs))
	if len(configs) != 1 {
		t.Fatalf("SamlSsoConfig %s: %d rows", f.ssoName, len(configs))
	}
	must(t, f.sf.ShowOnLoginPage(ctx, configs[0].ID))
	return f
}

// newPerson creates an Okta user with a password of their own, in the app's group when assigned, and, when
// federated, their Salesforce user (Standard User).
func (f *federation) newPerson(t *testing.T, first, last string, assigned, federated bool) person {
	t.Helper()
	login := strings.ToLower(first+"."+last) + "@acme.example"
	p := person{password: "Pw-" + rand.Text()[:16] + "-7q!"} // no part of the login or name, as Okta's policy wants
	var created struct {
		ID string `json:"id"`
	}
	_, err := f.oc.Raw(context.Background(), http.MethodPost, "/api/v1/users?activate=true", map[string]any{
		"profile":     map[string]any{"login": login, "email": login, "firstName": first, "lastName": last},
		"credentials": map[string]any{"password": map[string]any{"value": p.password}},
	}, &created)
	must(t, err)
	p.OktaUser = acctest.OktaUser{ID: created.ID, Login: login, Email: login, FirstName: first, LastName: last}
	if assigned {
		acctest.AddOktaGroupMember(t, f.oc, f.group, p.OktaUser)
	}
	if federated {
		p.salesforceID = acctest.CreateSalesforceUser(t, f.sf, p.OktaUser, acctest.StandardProfile, nil)
		p.sfName, p.sfUsername = first+" "+last, login+"."+f.sf.Alias()
	}
	return p
}

// signInAtOkta fills Okta's sign-in page, which the tab shows, and its factor page.
func signInAtOkta(t *testing.T, b *tab, p person) {
	t.Helper()
	b.do("Okta's sign-in page",
		chromedp.WaitVisible(chromedp.CSS(oktaUsername)),
		chromedp.SendKeys(chromedp.CSS(oktaUsername), p.Login),
		chromedp.SendKeys(chromedp.CSS(oktaPassword), p.password),
		chromedp.Click(chromedp.CSS(oktaSignIn)),
	)
	b.do("Okta's second-factor page",
		chromedp.WaitVisible(chromedp.CSS(oktaFactor)),
		chromedp.SendKeys(chromedp.CSS(oktaFactor), oktaemu.SandboxTestFactor),
		chromedp.Click(chromedp.CSS(oktaVerify)),
	)
}

// checkLanding checks that the tab shows Salesforce's landing page at path for p, and that Salesforce recorded
// one sign-in of p, a success of loginType.
func (f *federation) checkLanding(t *testing.T, b *tab, p person, path, loginType string) {
	t.Helper()
	if got := b.text(signedInName); got != p.sfName {
		t.Errorf("the landing page names %q as signed in, want %q", got, p.sfName)
	}
	if got := b.text(signedInUser); got != p.sfUsername {
		t.Errorf("the landing page shows the username %q, want %q", got, p.sfUsername)
	}
	if got := b.text(landingPath); got != path {
		t.Errorf("the landing page is %q, want %q", got, path)
	}
	if u := b.location(); !strings.HasPrefix(u, f.org.LoginURL+"/") {
		t.Errorf("the browser is at %s, want a page of the org at %s", u, f.org.LoginURL)
	}
	var rows []struct {
		Status, LoginType string
	}
	must(t, f.sf.Query(context.Background(), "SELECT Status, LoginType FROM LoginHistory WHERE UserId = "+salesforce.Quote(p.salesforceID), &rows))
	if len(rows) != 1 || rows[0].Status != "Success" || rows[0].LoginType != loginType {
		t.Errorf("LoginHistory of %s = %+v, want one Success of type %q", p.sfUsername, rows, loginType)
	}
}

// TestChromium_signIn signs people in to Salesforce through Okta in headless Chromium, as they would: from the
// Okta app link (IdP-initiated) and from a Salesforce bookmark (SP-initiated), with a password and a second factor,
// the browser posting the forms itself; and a person the app is not assigned to is refused on Okta's page.
func TestChromium_signIn(t *testing.T) {
	start := time.Now()
	flowDeadline := func() time.Time {
		if d := time.Now().Add(flowTimeout); d.Before(start.Add(testTimeout)) {
			return d
		}
		return start.Add(testTimeout)
	}
	browser := startChromium(t)
	f := newFederation(t)
	t.Logf("sandbox and federation ready in %s", time.Since(start).Round(time.Millisecond))

	t.Run("IdP-initiated", func(t *testing.T) {
		start := time.Now()
		p := f.newPerson(t, "Ida", "Pinto", true, true)
		b := newTab(t, browser, flowDeadline())
		b.do("open the Okta app link", chromedp.Navigate(f.ssoURL))
		signInAtOkta(t, b, p)
		// Okta's answer posts itself to Salesforce's ACS, which redirects to the default landing page.
		f.checkLanding(t, b, p, "/home/home.jsp", loginTypeIDP)
		b.screenshot("idp-initiated-landing.png")
		t.Logf("IdP-initiated sign-in in %s", time.Since(start).Round(time.Millisecond))
	})

	t.Run("SP-initiated", func(t *testing.T) {
		start := time.Now()
		p := f.newPerson(t, "Sam", "Parker", true, true)
		b := newTab(t, browser, flowDeadline())
		const bookmark = "/lightning/o/Account/home"
		// Without a session Salesforce shows its login page, with a button per SAML configuration.
		b.do("open a Salesforce bookmark", chromedp.Navigate(f.org.LoginURL+bookmark))
		button := "#idp-button-" + f.ssoName
		if got := b.text(button); got != "Okta" {
			t.Errorf("the login page's button reads %q, want the configuration's name %q", got, "Okta")
		}
		b.do("Salesforce's login page", chromedp.Click(chromedp.CSS(button)))
		// The AuthnRequest form posts itself to Okta, which asks who is there.
		signInAtOkta(t, b, p)
		f.checkLanding(t, b, p, bookmark, loginTypeSP)
		b.screenshot("sp-initiated-landing.png")
		t.Logf("SP-initiated sign-in in %s", time.Since(start).Round(time.Millisecond))
	})

	t.Run("not assigned", func(t *testing.T) {
		start := time.Now()
		p := f.newPerson(t, "Nora", "Outside", false, true)
		b := newTab(t, browser, flowDeadline())
		b.do("open the Okta app link", chromedp.Navigate(f.ssoURL))
		b.do("Okta's sign-in page, a wrong password",
			chromedp.WaitVisible(chromedp.CSS(oktaUsername)),
			chromedp.SendKeys(chromedp.CSS(oktaUsername), p.Login),
			chromedp.SendKeys(chromedp.CSS(oktaPassword), p.password+"x"),
			chromedp.Click(chromedp.CSS(oktaSignIn)),
		)
		if got := b.text("#okta-signin-error"); !strings.Contains(got, "Unable to sign in") {
			t.Errorf("after a wrong password Okta says %q, want %q", got, "Unable to sign in")
		}
		b.do("Okta's sign-in page, the right password",
			chromedp.Clear(chromedp.CSS(oktaUsername)),
			chromedp.SendKeys(chromedp.CSS(oktaUsername), p.Login),
			chromedp.SendKeys(chromedp.CSS(oktaPassword), p.password),
			chromedp.Click(chromedp.CSS(oktaSignIn)),
		)
		if got := b.text(oktaErrorTitle); got != "App not assigned" {
			t.Errorf("Okta's error page is titled %q, want %q", got, "App not assigned")
		}
		if got, want := b.text(oktaErrorText), "you are not assigned this app in Okta"; !strings.Contains(got, want) {
			t.Errorf("Okta's error page says %q, want it to say %q", got, want)
		}
		if u, _ := url.Parse(b.location()); u == nil || !strings.HasPrefix(f.ssoURL, u.Scheme+"://"+u.Host) {
			t.Errorf("the browser left Okta for %v", u)
		}
		var rows []struct{ Status string }
		must(t, f.sf.Query(context.Background(), "SELECT Status FROM LoginHistory WHERE UserId = "+salesforce.Quote(p.salesforceID), &rows))
		if len(rows) != 0 {
			t.Errorf("Salesforce recorded sign-ins of a person Okta refused: %+v", rows)
		}
		b.screenshot("not-assigned.png")
		t.Logf("refused sign-in in %s", time.Since(start).Round(time.Millisecond))
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
