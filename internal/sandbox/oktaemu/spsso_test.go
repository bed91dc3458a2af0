package oktaemu

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
	"github.com/okta/okta-sdk-golang/v2/okta"
)

const spACS = "https://acme.my.salesforce.com?so=00D000000000001" // newSAMLApp's ACS URL

// spApp is an app assigned to user00 and user01, with its SSO URL; user01 has an Okta password of their own.
type spApp struct {
	org     *testOrg
	app     *okta.SamlApplication
	ssoURL  string
	userIDs map[string]string
}

func newSPApp(t *testing.T, app *okta.SamlApplication) *spApp {
	t.Helper()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(2)}))
	created, _, err := org.client(t).Application.CreateApplication(context.Background(), app, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &spApp{org: org, app: created.(*okta.SamlApplication), userIDs: map[string]string{}}
	var users []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/users", ""), &users)
	for _, u := range users {
		login := obj(u["profile"])["login"].(string)
		a.userIDs[login] = u["id"].(string)
		org.do(t, "POST", "/api/v1/apps/"+a.app.Id+"/users", fmt.Sprintf(`{"id":%q,"scope":"USER","credentials":{"userName":%q}}`, u["id"], login))
	}
	if resp := org.do(t, "POST", "/api/v1/users/"+a.userIDs["user01@example.com"], `{"credentials":{"password":{"value":"Own-Passw0rd!"}}}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("set user01's password: %d", resp.StatusCode)
	}
	org.srv.mu.Lock()
	rec := org.srv.st.Apps[a.app.Id]
	a.ssoURL = org.http.URL + "/app/" + rec.Body["name"].(string) + "/" + rec.ExternalKey + "/sso/saml"
	org.srv.mu.Unlock()
	return a
}

// authnRequest is an AuthnRequest from issuer asking for a Response at acs, as crewjam's SP writes it.
func (a *spApp) authnRequest(t *testing.T, issuer, acs string) *crewjam.AuthnRequest {
	t.Helper()
	u, _ := url.Parse(acs)
	sp := &crewjam.ServiceProvider{EntityID: issuer, AcsURL: *u}
	req, err := sp.MakeAuthenticationRequest(a.ssoURL, crewjam.HTTPRedirectBinding, crewjam.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// redirectURL is the HTTP-Redirect binding's URL for req, with extra query parameters.
func redirectURL(t *testing.T, req *crewjam.AuthnRequest, relayState string, extra url.Values) string {
	t.Helper()
	u, err := req.Redirect(relayState, &crewjam.ServiceProvider{})
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, v := range extra {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// postedRequest is the HTTP-POST binding's form for req.
func postedRequest(t *testing.T, req *crewjam.AuthnRequest, relayState string) url.Values {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(req.Element())
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(b)}, "RelayState": {relayState}}
}

// page is one answer of the IdP.
type page struct {
	status int
	body   string
}

func (a *spApp) get(t *testing.T, u string) page {
	t.Helper()
	resp, err := a.org.http.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func (a *spApp) post(t *testing.T, u string, form url.Values) page {
	t.Helper()
	resp, err := a.org.http.Client().PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func readPage(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, body: string(b)}
}

var (
	idAttr     = regexp.MustCompile(`\bid="([^"]+)"`)
	inputTag   = regexp.MustCompile(`<input\b[^>]*>`)
	nameAttr   = regexp.MustCompile(`\bname="([^"]*)"`)
	valueAttr  = regexp.MustCompile(`\bvalue="([^"]*)"`)
	formAction = regexp.MustCompile(`<form\b[^>]*\baction="([^"]*)"`)
)

// checkPage asserts the page is an HTML5 document with a title whose ids are unique and include want.
func checkPage(t *testing.T, name string, p page, want ...string) {
	t.Helper()
	if !strings.HasPrefix(p.body, "<!DOCTYPE html>\n<html lang=\"en\">") || !strings.Contains(p.body, "<title>") ||
		!strings.Contains(p.body, `<meta charset="utf-8">`) || !strings.HasSuffix(strings.TrimSpace(p.body), "</html>") {
		t.Errorf("%s: not an HTML5 document: %s", name, p.body)
	}
	seen := map[string]int{}
	for _, m := range idAttr.FindAllStringSubmatch(p.body, -1) {
		seen[m[1]]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s: id %q appears %d times", name, id, n)
		}
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s: no element with id %q in %s", name, id, p.body)
		}
	}
}

// field is the (unescaped) value of the page's input named name.
func field(p page, name string) string {
	for _, in := range inputTag.FindAllString(p.body, -1) {
		if n := nameAttr.FindStringSubmatch(in); n != nil && n[1] == name {
			if v := valueAttr.FindStringSubmatch(in); v != nil {
				return html.UnescapeString(v[1])
			}
		}
	}
	return ""
}

func action(p page) string {
	if m := formAction.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// samlResponse is the decoded SAMLResponse of an auto-post form, or "".
func samlResponse(t *testing.T, p page) string {
	t.Helper()
	v := field(p, "SAMLResponse")
	if v == "" {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The SSO URL takes an AuthnRequest by either binding, checks who sent it and where the Response may go, and
// answers it: InResponseTo on the Response and its bearer confirmation, the RelayState echoed.
func TestSSOAnswersAuthnRequest(t *testing.T) {
	t.Parallel()
	a := newSPApp(t, newSAMLApp("SP-initiated"))
	audience := "https://acme.my.salesforce.com"
	login := url.Values{"login": {"user00@example.com"}}

	t.Run("HTTP-Redirect", func(t *testing.T) {
		req := a.authnRequest(t, audience, spACS)
		p := a.get(t, redirectURL(t, req, "/001/o", login))
		checkPage(t, "auto-post form", p, "appForm")
		xml := samlResponse(t, p)
		if p.status != http.StatusOK || strings.Count(xml, `InResponseTo="`+req.ID+`"`) != 2 {
			t.Fatalf("%d: the Response does not answer %s twice (Response and SubjectConfirmationData): %s", p.status, req.ID, xml)
		}
		if field(p, "RelayState") != "/001/o" || action(p) != spACS {
			t.Errorf("RelayState %q, action %q", field(p, "RelayState"), action(p))
		}
	})
	t.Run("HTTP-POST at the metadata's POST location", func(t *testing.T) {
		parts := strings.Split(a.ssoURL, "/") // …/app/{name}/{exk}/sso/saml
		md := a.get(t, a.org.http.URL+"/app/"+parts[len(parts)-3]+"/sso/saml/metadata")
		loc := regexp.MustCompile(`Binding="` + regexp.QuoteMeta(bindingPOST) + `" Location="([^"]+)"`).FindStringSubmatch(md.body)
		if loc == nil || loc[1] != a.ssoURL {
			t.Fatalf("metadata's HTTP-POST location: %v", loc)
		}
		req := a.authnRequest(t, audience, spACS)
		p := a.post(t, loc[1]+"?"+login.Encode(), postedRequest(t, req, "/home/home.jsp"))
		if xml := samlResponse(t, p); p.status != http.StatusOK || !strings.Contains(xml, `InResponseTo="`+req.ID+`"`) || field(p, "RelayState") != "/home/home.jsp" {
			t.Fatalf("%d: %s", p.status, p.body)
		}
	})

	refused := []struct {
		name string
		send func() page
		want string
	}{
		{"an Issuer that is not the app's audience", func() page {
			return a.get(t, redirectURL(t, a.authnRequest(t, "https://other.my.salesforce.com", spACS), "", login))
		}, "Audience URI"},
		{"an ACS URL that is not the app's", func() page {
			return a.get(t, redirectURL(t, a.authnRequest(t, audience, "https://evil.example/acs"), "", login))
		}, "AssertionConsumerServiceURL"},
		{"another SSO URL as Destination", func() page {
			req := a.authnRequest(t, audience, spACS)
			req.Destination = a.org.http.URL + "/app/other/exk/sso/saml"
			return a.post(t, a.ssoURL+"?"+login.Encode(), postedRequest(t, req, ""))
		}, "Destination"},
		{"not an AuthnRequest", func() page {
			return a.post(t, a.ssoURL, url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte("<nope/>"))}})
		}, "could not be parsed"},
		{"not base64", func() page { return a.get(t, a.ssoURL+"?SAMLRequest=%21%21%21") }, "could not be parsed"},
	}
	for _, tt := range refused {
		p := tt.send()
		checkPage(t, tt.name, p, "okta-error-title", "okta-error-message")
		if p.status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(p.body), tt.want) || strings.Contains(p.body, "SAMLResponse") {
			t.Errorf("%s: %d %s; want 400 naming %q", tt.name, p.status, p.body, tt.want)
		}
	}
}

// With allowMultipleAcsEndpoints an AuthnRequest may name one of the app's acsEndpoints; the Response goes there.
func TestSSORequestableACS(t *testing.T) {
	t.Parallel()
	app := newSAMLApp("Several ACS")
	other := "https://acme.my.salesforce.com/login?so=00D000000000001"
	app.Settings.SignOn.AllowMultipleAcsEndpoints = boolPtr(true)
	app.Settings.SignOn.AcsEndpoints = []*okta.AcsEndpoint{{Url: other, IndexPtr: int64Ptr(0)}}
	a := newSPApp(t, app)
	p := a.get(t, redirectURL(t, a.authnRequest(t, "https://acme.my.salesforce.com", other), "", url.Values{"login": {"user00@example.com"}}))
	xml := samlResponse(t, p)
	if p.status != http.StatusOK || action(p) != other || !strings.Contains(xml, `Recipient="`+html.EscapeString(other)+`"`) {
		t.Fatalf("%d, action %q: %s", p.status, action(p), xml)
	}
}

func int64Ptr(v int64) *int64 { return &v }

// Without the login shortcut the IdP shows its sign-in page, then (when the policy asks) the second factor, then the
// auto-post form; the AuthnRequest and RelayState survive the pages.
func TestSSOSignInPages(t *testing.T) {
	t.Parallel()
	a := newSPApp(t, newSAMLApp("Pages"))
	req := a.authnRequest(t, "https://acme.my.salesforce.com", spACS)
	start := a.get(t, redirectURL(t, req, "/001/o", nil))
	checkPage(t, "sign-in page", start, "okta-signin-form", "okta-signin-username", "okta-signin-password", "okta-signin-submit")
	token := field(start, "stateToken")
	if start.status != http.StatusOK || token == "" || strings.Contains(start.body, "SAMLResponse") {
		t.Fatalf("sign-in page: %d %s", start.status, start.body)
	}
	submit := func(form url.Values) page { return a.post(t, a.org.http.URL+action(start), form) }

	wrong := submit(url.Values{"stateToken": {token}, "username": {"user00@example.com"}, "password": {"guess"}})
	checkPage(t, "wrong password", wrong, "okta-signin-error", "okta-signin-form")
	if wrong.status != http.StatusUnauthorized || !strings.Contains(wrong.body, errUnableToSignIn) {
		t.Errorf("wrong password: %d %s", wrong.status, wrong.body)
	}
	unknown := submit(url.Values{"stateToken": {token}, "username": {"nobody@example.com"}, "password": {SandboxPassword}})
	if unknown.status != http.StatusUnauthorized || !strings.Contains(unknown.body, errUnableToSignIn) {
		t.Errorf("unknown user: %d %s", unknown.status, unknown.body)
	}
	done := submit(url.Values{"stateToken": {token}, "username": {"user00@example.com"}, "password": {SandboxPassword}})
	if xml := samlResponse(t, done); done.status != http.StatusOK || !strings.Contains(xml, `InResponseTo="`+req.ID+`"`) ||
		field(done, "RelayState") != "/001/o" || !strings.Contains(done.body, "document.forms[0].submit()") || !strings.Contains(done.body, "<noscript><button") {
		t.Fatalf("after the password: %d %s", done.status, done.body)
	}
	if again := submit(url.Values{"stateToken": {token}, "username": {"user00@example.com"}, "password": {SandboxPassword}}); again.status != http.StatusForbidden ||
		strings.Contains(again.body, "SAMLResponse") {
		t.Errorf("a completed sign-in's stateToken was accepted again: %d %s", again.status, again.body)
	}

	// A user with an Okta password signs in with it, not with the sandbox password.
	for _, tt := range []struct {
		password string
		status   int
	}{{SandboxPassword, http.StatusUnauthorized}, {"Own-Passw0rd!", http.StatusOK}} {
		p := a.get(t, a.ssoURL+"?RelayState=%2Fhome%2Fhome.jsp") // IdP-initiated from the sign-in page
		got := a.post(t, a.org.http.URL+action(p), url.Values{"stateToken": {field(p, "stateToken")}, "username": {"user01@example.com"}, "password": {tt.password}})
		xml := samlResponse(t, got)
		if got.status != tt.status || (xml != "") != (tt.status == http.StatusOK) || strings.Contains(xml, "InResponseTo") {
			t.Errorf("user01 with %q: %d %s", tt.password, got.status, got.body)
		}
		if tt.status == http.StatusOK && field(got, "RelayState") != "/home/home.jsp" {
			t.Errorf("IdP-initiated RelayState %q", field(got, "RelayState"))
		}
	}

	// A policy whose catch-all rule asks for two factors: the factor page, a wrong code, the test factor.
	var policy map[string]any
	decodeJSON(t, a.org.do(t, "POST", "/api/v1/policies", `{"name":"Two factors","type":"ACCESS_POLICY"}`), &policy)
	if resp := a.org.do(t, "PUT", "/api/v1/apps/"+a.app.Id+"/policies/"+policy["id"].(string), ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("bind: %d", resp.StatusCode)
	}
	req = a.authnRequest(t, "https://acme.my.salesforce.com", spACS)
	start = a.post(t, a.ssoURL, postedRequest(t, req, "/001/o"))
	factor := a.post(t, a.org.http.URL+action(start), url.Values{"stateToken": {field(start, "stateToken")}, "username": {"user00@example.com"}, "password": {SandboxPassword}})
	checkPage(t, "factor page", factor, "okta-factor-form", "factor", "okta-factor-submit")
	if factor.status != http.StatusUnauthorized || strings.Contains(factor.body, "okta-factor-error") || strings.Contains(factor.body, "password") {
		t.Fatalf("factor page: %d %s", factor.status, factor.body)
	}
	badCode := a.post(t, a.org.http.URL+action(factor), url.Values{"stateToken": {field(factor, "stateToken")}, "factor": {"000000"}})
	checkPage(t, "wrong code", badCode, "okta-factor-error", "factor")
	if badCode.status != http.StatusUnauthorized {
		t.Errorf("wrong code: %d", badCode.status)
	}
	mfa := a.post(t, a.org.http.URL+action(badCode), url.Values{"stateToken": {field(badCode, "stateToken")}, "factor": {SandboxTestFactor}})
	if xml := samlResponse(t, mfa); mfa.status != http.StatusOK || !strings.Contains(xml, multiFactorContext) || !strings.Contains(xml, `InResponseTo="`+req.ID+`"`) {
		t.Fatalf("with the test factor: %d %s", mfa.status, mfa.body)
	}
	// A stateToken is no password: a new transaction cannot skip to the factor page.
	fresh := a.get(t, a.ssoURL)
	if p := a.post(t, a.org.http.URL+action(fresh), url.Values{"stateToken": {field(fresh, "stateToken")}, "factor": {SandboxTestFactor}}); p.status != http.StatusUnauthorized ||
		!strings.Contains(p.body, "okta-signin-form") {
		t.Errorf("a factor without a password: %d %s", p.status, p.body)
	}
}
