package browser_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/browser"
)

// SP-initiated sign-in from Salesforce through Okta's pages, by either request binding, lands on the page the user
// asked for and shows who is signed in; Salesforce records it as SP-initiated.
func TestSignInSP(t *testing.T) {
	t.Parallel()
	f := newFederation(t)
	ctx := context.Background()
	managed := browser.Device{Registered: true, Managed: true, Platform: "MACOS"}
	start := func(target string) string {
		return f.orgURL + "/saml/authn-request.jsp?" + url.Values{"samlSsoConfig": {"Okta"}, "RelayState": {target}}.Encode()
	}
	type want struct {
		signedIn, factorAsked, challenged, denied bool
		landing, message                          string
		oktaStatus                                int
	}
	tests := []struct {
		name, start, username, password string
		opt                             browser.Options
		redirectBinding                 bool
		want                            want
	}{
		{name: "POST binding, a managed device: one factor, lands on the RelayState page", start: start("/001/o"),
			username: jane, password: browser.SandboxPassword, opt: browser.Options{ClientIP: "203.0.113.20", Device: managed},
			want: want{signedIn: true, landing: "/001/o", oktaStatus: http.StatusOK}},
		{name: "POST binding from the login URL with startURL, second factor", start: f.orgURL + "/?so=" + f.orgID[:15] + "&startURL=%2Fhome%2Fhome.jsp",
			username: jane, password: browser.SandboxPassword, opt: browser.Options{ClientIP: "203.0.113.21", Factor: browser.TestFactor},
			want: want{signedIn: true, factorAsked: true, landing: "/home/home.jsp", oktaStatus: http.StatusOK}},
		{name: "a RelayState off the org lands on the home page", start: start("https://evil.example/steal"),
			username: jane, password: browser.SandboxPassword, opt: browser.Options{ClientIP: "203.0.113.22", Device: managed},
			want: want{signedIn: true, landing: "/home/home.jsp", oktaStatus: http.StatusOK}},
		{name: "a wrong password", start: start("/001/o"), username: jane, password: "guess", opt: browser.Options{ClientIP: "203.0.113.23"},
			want: want{oktaStatus: http.StatusUnauthorized, message: "Unable to sign in"}},
		{name: "no second factor to give", start: start("/001/o"), username: jane, password: browser.SandboxPassword,
			opt: browser.Options{ClientIP: "203.0.113.24"}, want: want{factorAsked: true, challenged: true, oktaStatus: http.StatusUnauthorized, message: "second factor"}},
		{name: "a DENY rule for the user", start: start("/001/o"), username: dan, password: browser.SandboxPassword,
			opt: browser.Options{ClientIP: "203.0.113.25", Factor: browser.TestFactor}, want: want{denied: true, oktaStatus: http.StatusForbidden, message: "sign-in policy denies"}},
		{name: "Redirect binding, from a page without a session through the login page's button", start: f.orgURL + "/lightning/page/home",
			username: jane, password: browser.SandboxPassword, opt: browser.Options{ClientIP: "203.0.113.26", Device: managed}, redirectBinding: true,
			want: want{signedIn: true, landing: "/lightning/page/home", oktaStatus: http.StatusOK}},
		{name: "Redirect binding, second factor", start: start("/home/home.jsp"),
			username: jane, password: browser.SandboxPassword, opt: browser.Options{ClientIP: "203.0.113.27", Factor: browser.TestFactor}, redirectBinding: true,
			want: want{signedIn: true, factorAsked: true, landing: "/home/home.jsp", oktaStatus: http.StatusOK}},
	}
	redirect := false
	for _, tt := range tests {
		if tt.redirectBinding != redirect {
			redirect = tt.redirectBinding
			f.setRedirectBinding(t, redirect)
		}
		// The start answers the request by the configuration's binding.
		if first := get(t, nil, start("/001/o")); redirect != (first.status == http.StatusFound && strings.Contains(first.location, "SAMLRequest=")) ||
			!redirect && (first.status != http.StatusOK || !strings.Contains(first.body, `id="saml-request-form"`)) {
			t.Fatalf("%s: the start answered %d (Location %q) with the redirect binding %v", tt.name, first.status, first.location, redirect)
		}
		got, err := browser.SignInSP(ctx, nil, tt.start, tt.username, tt.password, tt.opt)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		landing := ""
		if got.LandingURL != "" {
			u, _ := url.Parse(got.LandingURL)
			landing = u.RequestURI()
		}
		g := want{signedIn: got.SignedIn, factorAsked: got.FactorAsked, challenged: got.Challenged, denied: got.Denied,
			landing: landing, oktaStatus: got.OktaStatus}
		if g.message = tt.want.message; !strings.Contains(got.Message, tt.want.message) || tt.want.message == "" && got.Message != "" {
			t.Errorf("%s: message %q, want one containing %q", tt.name, got.Message, tt.want.message)
		}
		if g != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, g, tt.want)
		}
		if tt.want.signedIn {
			if got.SignedInUsername != jane+".qa" || got.SignedInName != "Doe" {
				t.Errorf("%s: the landing page shows %q (%q), want Doe (%s.qa)", tt.name, got.SignedInName, got.SignedInUsername, jane)
			}
			if rows := loginRowsFrom(t, f.sf, tt.opt.ClientIP); len(rows) != 1 || rows[0] != "Success/SAML Sfdc Initiated SSO" {
				t.Errorf("%s: LoginHistory from %s = %q, want one SP-initiated Success", tt.name, tt.opt.ClientIP, rows)
			}
		} else if rows := loginRowsFrom(t, f.sf, tt.opt.ClientIP); len(rows) != 0 {
			t.Errorf("%s: LoginHistory from %s = %q, want none (Okta refused)", tt.name, tt.opt.ClientIP, rows)
		}
	}
}

// The landing page needs the session cookie; without it the browser is sent to the login page, keeping the page.
func TestLandingPageNeedsSession(t *testing.T) {
	t.Parallel()
	f := newFederation(t)
	f.setRedirectBinding(t, true) // and the login page's button, which the browser clicks
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	res, err := browser.SignInSP(context.Background(), hc, f.orgURL+"/home/home.jsp?x=1", jane, browser.SandboxPassword,
		browser.Options{Factor: browser.TestFactor})
	if err != nil || !res.SignedIn {
		t.Fatalf("SignInSP: %+v %v", res, err)
	}
	with := get(t, jar, f.orgURL+"/001/o")
	if with.status != http.StatusOK || !strings.Contains(with.body, `<span id="signed-in-username">`+jane+`.qa</span>`) ||
		!strings.HasPrefix(with.body, "<!DOCTYPE html>") || !strings.Contains(with.body, "<title>Home | Salesforce</title>") {
		t.Errorf("with the session: %d %s", with.status, with.body)
	}
	if back := get(t, jar, f.orgURL+"/"); back.status != http.StatusFound || back.location != "/home/home.jsp" {
		t.Errorf("the login page with a session: %d %q, want a redirect to the home page", back.status, back.location)
	}
	without := get(t, nil, f.orgURL+"/001/o?a=b")
	if without.status != http.StatusFound || without.location != "/?ec=302&startURL=%2F001%2Fo%3Fa%3Db" {
		t.Errorf("without a session: %d %q", without.status, without.location)
	}
	forged := get(t, jarWith(t, f.orgURL, "sid", "00Dforged!token"), f.orgURL+"/home/home.jsp")
	if forged.status != http.StatusFound || strings.Contains(forged.body, "signed-in-user") {
		t.Errorf("a forged sid: %d %s", forged.status, forged.body)
	}
	// API paths keep their API answers.
	if api := get(t, jar, f.orgURL+"/services/data/v63.0/nothing-here"); api.status != http.StatusNotFound || strings.Contains(api.body, "<html") {
		t.Errorf("an unknown API path: %d %s", api.status, api.body)
	}
}

// setRedirectBinding sets the configuration's SP-initiated request binding (metadata redirectBinding).
func (f *fixture) setRedirectBinding(t *testing.T, redirect bool) {
	t.Helper()
	ctx := context.Background()
	f.sso.RedirectBinding = redirect
	_, err := f.sf.UpsertSAMLSSOConfig(ctx, f.sso)
	must(t, err)
	if redirect { // and put it on the login page
		var rows []struct {
			ID string `json:"Id"`
		}
		must(t, f.sf.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = 'Okta'", &rows))
		if len(rows) != 1 {
			t.Fatalf("SamlSsoConfig Okta: %v", rows)
		}
		must(t, f.sf.ShowOnLoginPage(ctx, rows[0].ID))
	}
}

type answer struct {
	status         int
	location, body string
}

// get fetches u without following redirects.
func get(t *testing.T, jar http.CookieJar, u string) answer {
	t.Helper()
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

func jarWith(t *testing.T, base, name, value string) http.CookieJar {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
	return jar
}

// loginRowsFrom is "Status/LoginType" of each LoginHistory row from ip.
func loginRowsFrom(t *testing.T, sf *salesforce.Client, ip string) []string {
	t.Helper()
	var rows []struct {
		Status    string `json:"Status"`
		LoginType string `json:"LoginType"`
	}
	if err := sf.Query(context.Background(), "SELECT Status, LoginType FROM LoginHistory WHERE SourceIp = "+salesforce.Quote(ip), &rows); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Status+"/"+r.LoginType)
	}
	return out
}
