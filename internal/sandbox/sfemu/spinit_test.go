package sfemu_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	crewjam "github.com/crewjam/saml"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

// spFederation is newFederation's with the configuration's Identity Provider Login URL set and its binding chosen.
type spFederation struct {
	*federation
	md     *saml.Metadata
	acs    string // the Salesforce Login URL
	ssoURL string
}

func newSPFederation(t *testing.T) *spFederation {
	t.Helper()
	f := &spFederation{federation: newFederation(t, true)}
	f.md = f.metadata(t, f.app.ID)
	f.acs = f.sfURL + "?so=" + f.sb.Info().Salesforce["qa"].OrgID[:15]
	f.ssoURL = f.md.SSOURLPost
	f.setBinding(t, false)
	return f
}

func (f *spFederation) setBinding(t *testing.T, redirect bool) {
	t.Helper()
	if _, err := f.sf.UpsertSAMLSSOConfig(context.Background(), salesforce.SAMLSSOConfig{FullName: "Okta", Name: "Okta",
		Issuer: f.md.EntityID, SAMLEntityID: f.sfURL, IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId",
		SAMLVersion: "SAML2_0", UserProvisioning: true, LoginURL: f.ssoURL, RedirectBinding: redirect,
		ValidationCert: base64.StdEncoding.EncodeToString(f.md.SigningCertificates[0].Raw)}); err != nil {
		t.Fatal(err)
	}
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type reply struct {
	status         int
	location, body string
	cookies        []*http.Cookie
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	r, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Body.Close() }()
	b, _ := io.ReadAll(r.Body)
	return reply{status: r.StatusCode, location: r.Header.Get("Location"), body: string(b), cookies: r.Cookies()}
}

func getURL(t *testing.T, u string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, req)
}

func postURL(t *testing.T, u string, form url.Values) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

var inputField = regexp.MustCompile(`<input\b[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"`)

func formFields(body string) url.Values {
	out := url.Values{}
	for _, m := range inputField.FindAllStringSubmatch(body, -1) {
		out.Set(m[1], html.UnescapeString(m[2]))
	}
	return out
}

// startRequest asks the org for an AuthnRequest and returns it decoded with the RelayState, and how to deliver it
// to Okta (the GET URL or the POST form).
func (f *spFederation) startRequest(t *testing.T, query string, redirect bool) (req crewjam.AuthnRequest, relayState string, deliver func(login string) reply) {
	t.Helper()
	r := getURL(t, f.sfURL+"/saml/authn-request.jsp?"+query)
	var raw []byte
	if redirect {
		if r.status != http.StatusFound || !strings.HasPrefix(r.location, f.ssoURL+"?") {
			t.Fatalf("redirect binding: %d %q %s", r.status, r.location, r.body)
		}
		loc, _ := url.Parse(r.location)
		deflated, err := base64.StdEncoding.DecodeString(loc.Query().Get("SAMLRequest"))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(flate.NewReader(bytes.NewReader(deflated))); err != nil {
			t.Fatalf("SAMLRequest is not deflated: %v", err)
		}
		relayState = loc.Query().Get("RelayState")
		deliver = func(login string) reply { return getURL(t, r.location+"&login="+url.QueryEscape(login)) }
	} else {
		fields := formFields(r.body)
		if r.status != http.StatusOK || !strings.Contains(r.body, `<form id="saml-request-form" method="POST" action="`+f.ssoURL+`">`) ||
			!strings.Contains(r.body, "document.forms[0].submit()") || !strings.HasPrefix(r.body, "<!DOCTYPE html>") {
			t.Fatalf("POST binding: %d %s", r.status, r.body)
		}
		var err error
		if raw, err = base64.StdEncoding.DecodeString(fields.Get("SAMLRequest")); err != nil {
			t.Fatal(err)
		}
		relayState = fields.Get("RelayState")
		deliver = func(login string) reply { return postURL(t, f.ssoURL+"?login="+url.QueryEscape(login), fields) }
	}
	if err := xml.Unmarshal(raw, &req); err != nil {
		t.Fatalf("not an AuthnRequest: %v\n%s", err, raw)
	}
	return req, relayState, deliver
}

// toACS posts Okta's auto-post form to the ACS.
func toACS(t *testing.T, okta reply) reply {
	t.Helper()
	fields := formFields(okta.body)
	if okta.status != http.StatusOK || fields.Get("SAMLResponse") == "" {
		t.Fatalf("Okta answered %d: %s", okta.status, okta.body)
	}
	action := regexp.MustCompile(`<form id="appForm" action="([^"]+)"`).FindStringSubmatch(okta.body)
	return postURL(t, html.UnescapeString(action[1]), fields)
}

// The org sends an AuthnRequest by the configuration's binding; the ACS accepts the Response answering it once,
// records an SP-initiated login and lands on the RelayState page; a second Response to the same request is refused.
func TestSPInitiatedSignIn(t *testing.T) {
	t.Parallel()
	f := newSPFederation(t)
	for _, redirect := range []bool{false, true} {
		f.setBinding(t, redirect)
		req, relay, deliver := f.startRequest(t, "samlSsoConfig=Okta&RelayState=%2F001%2Fo", redirect)
		if req.Issuer == nil || req.Issuer.Value != f.sfURL || req.AssertionConsumerServiceURL != f.acs || req.Destination != f.ssoURL ||
			req.ProtocolBinding != crewjam.HTTPPostBinding || !strings.HasPrefix(req.ID, "id-") || relay != "/001/o" {
			t.Fatalf("redirect %v: AuthnRequest %+v, RelayState %q", redirect, req, relay)
		}
		before := len(f.logins(t))
		acs := toACS(t, deliver("jane.doe@acme.example"))
		if acs.status != http.StatusFound || acs.location != "/001/o" || len(acs.cookies) != 1 || acs.cookies[0].Name != "sid" {
			t.Fatalf("redirect %v: the ACS answered %d %q %s", redirect, acs.status, acs.location, acs.body)
		}
		rows := f.logins(t)
		if len(rows) != before+1 || rows[len(rows)-1].Status != "Success" || rows[len(rows)-1].LoginType != "SAML Sfdc Initiated SSO" {
			t.Errorf("redirect %v: LoginHistory %+v", redirect, rows[before:])
		}
		// The session shows on the landing page.
		page, _ := http.NewRequest(http.MethodGet, f.sfURL+"/001/o", nil)
		page.AddCookie(acs.cookies[0])
		if got := do(t, page); got.status != http.StatusOK || !strings.Contains(got.body, `<span id="signed-in-username">jane.doe@acme.example.qa</span>`) {
			t.Errorf("redirect %v: landing page %d %s", redirect, got.status, got.body)
		}

		// Okta answers the same request again (a new assertion, the same InResponseTo): refused.
		again := toACS(t, deliver("jane.doe@acme.example"))
		if again.status != http.StatusOK || !strings.Contains(again.body, "Failed: InResponseTo Invalid") || len(again.cookies) != 0 {
			t.Errorf("redirect %v: a second answer to one request: %d %s", redirect, again.status, again.body)
		}
		rows = f.logins(t)
		if last := rows[len(rows)-1]; len(rows) != before+2 || last.Status != "Failed: InResponseTo Invalid" || last.UserID == "" {
			t.Errorf("redirect %v: LoginHistory after the replay %+v", redirect, rows[before:])
		}
	}
}

// A Response answering a request the org never sent is refused as before, a RelayState off the org never leaves
// it, and an answer must be addressed (Recipient) to the ACS URL the request named.
func TestSPInitiated_foreignRequestRelayStateRecipient(t *testing.T) {
	t.Parallel()
	f := newSPFederation(t)
	acs, _ := url.Parse(f.acs)
	sp := &crewjam.ServiceProvider{EntityID: f.sfURL, AcsURL: *acs}
	forged, err := sp.MakeAuthenticationRequest(f.ssoURL, crewjam.HTTPRedirectBinding, crewjam.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	u, err := forged.Redirect("", sp)
	if err != nil {
		t.Fatal(err)
	}
	got := toACS(t, getURL(t, u.String()+"&login=jane.doe%40acme.example"))
	if got.status != http.StatusOK || !strings.Contains(got.body, "Failed: InResponseTo Invalid") {
		t.Errorf("a request the org did not send: %d %s", got.status, got.body)
	}

	// The start keeps RelayState on the org: a foreign URL is replaced by the home page before it leaves.
	_, relay, deliver := f.startRequest(t, "samlSsoConfig=Okta&startURL="+url.QueryEscape("https://evil.example/x"), false)
	if relay != "/home/home.jsp" {
		t.Errorf("RelayState sent for a foreign startURL: %q", relay)
	}
	if r := toACS(t, deliver("jane.doe@acme.example")); r.status != http.StatusFound || r.location != "/home/home.jsp" {
		t.Errorf("landing: %d %q", r.status, r.location)
	}

	// Okta's app names another of the org's login URLs as Recipient: fine IdP-initiated, not for this request.
	if _, err := f.okta.UpdateSAMLApp(context.Background(), f.app.ID, func(a *okta.SAMLApp) error {
		a.SignOn.Recipient = f.sfURL + "/login?so=" + f.sb.Info().Salesforce["qa"].OrgID[:15]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, _, deliver = f.startRequest(t, "samlSsoConfig=Okta", false)
	if r := toACS(t, deliver("jane.doe@acme.example")); r.status != http.StatusOK || !strings.Contains(r.body, "Failed: Recipient Mismatched") {
		t.Errorf("a Recipient other than the request's ACS URL: %d %s", r.status, r.body)
	}
	unsolicited, acsURL, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if r, body := post(t, acsURL, unsolicited); r.StatusCode != http.StatusFound {
		t.Errorf("IdP-initiated with that Recipient: %d %s", r.StatusCode, body)
	}
}

// The start names what stops it, and the login page offers the configurations on it.
func TestSPInitiated_startPages(t *testing.T) {
	t.Parallel()
	f := newSPFederation(t)
	if r := getURL(t, f.sfURL+"/saml/authn-request.jsp?samlSsoConfig=Nope"); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="reason"`) {
		t.Errorf("an unknown configuration: %d %s", r.status, r.body)
	}
	if r := getURL(t, f.sfURL+"/saml/authn-request.jsp?samlSsoConfig="+f.configID); r.status != http.StatusOK || !strings.Contains(r.body, "saml-request-form") {
		t.Errorf("by id: %d %s", r.status, r.body)
	}
	// ?so= starts sign-in with the only configuration that has a login URL.
	if r := getURL(t, f.acs+"&startURL=%2F001%2Fo"); r.status != http.StatusOK || !strings.Contains(r.body, "saml-request-form") ||
		formFields(r.body).Get("RelayState") != "/001/o" {
		t.Errorf("the Salesforce Login URL: %d %s", r.status, r.body)
	}
	login := getURL(t, f.sfURL+"/?startURL=%2F001%2Fo")
	if login.status != http.StatusOK || !strings.Contains(login.body, "<title>Login | Salesforce</title>") || !strings.Contains(login.body, `id="no-sso"`) {
		t.Errorf("the login page without buttons: %d %s", login.status, login.body)
	}
	if err := f.sf.ShowOnLoginPage(context.Background(), f.configID); err != nil {
		t.Fatal(err)
	}
	login = getURL(t, f.sfURL+"/login?startURL=%2F001%2Fo")
	want := `<a id="idp-button-Okta" class="idp-button" href="/saml/authn-request.jsp?RelayState=%2f001%2fo&amp;samlSsoConfig=` + f.configID + `">Okta</a>`
	if !strings.Contains(strings.ToLower(login.body), strings.ToLower(want)) {
		t.Errorf("the login page's button: %s\nwant %s", login.body, want)
	}
	// Without a login URL there is nothing to start.
	f.ssoURL = ""
	f.setBinding(t, false)
	if r := getURL(t, f.sfURL+"/saml/authn-request.jsp?samlSsoConfig=Okta"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Identity Provider Login URL") {
		t.Errorf("no login URL: %d %s", r.status, r.body)
	}
}
