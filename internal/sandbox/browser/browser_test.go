package browser_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/browser"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

const (
	jane = "jane@acme.example" // has a Salesforce user
	sam  = "sam@acme.example"  // has none, and the config does not provision just in time
	dan  = "dan@acme.example"  // a DENY rule names him
)

// federation starts a sandbox whose qa org trusts an Okta SAML app bound to a sign-in policy: dan is denied,
// sign-ins from 192.0.2.0/24 are denied, a managed device signs in with one factor, everything else needs two.
// It returns the app's sign-in URL and a Salesforce client of the qa org.
func federation(t *testing.T) (string, *salesforce.Client) {
	t.Helper()
	f := newFederation(t)
	return f.ssoURL, f.sf
}

// fixture is the federation newFederation starts: the app's SSO URL, the qa org's URL and client, and its SAML
// configuration (LoginUrl = the SSO URL, HTTP-POST request binding).
type fixture struct {
	ssoURL, orgURL, orgID string
	sf                    *salesforce.Client
	sso                   salesforce.SAMLSSOConfig
}

func newFederation(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	seed := sandbox.Seed{
		Okta: oktaemu.Seed{
			Users: []oktaemu.SeedUser{
				{Login: jane, Email: jane, FirstName: "Jane", LastName: "Doe"},
				{Login: sam, Email: sam, FirstName: "Sam", LastName: "Stone"},
				{Login: dan, Email: dan, FirstName: "Dan", LastName: "Dee"},
			},
			Groups: []oktaemu.SeedGroup{{Name: "SF Users", Members: []string{jane, sam, dan}}},
		},
		Salesforce: map[string]sfemu.OrgSeed{"qa": {Name: "Acme QA", AdminUsername: "integration@acme.qa"}},
	}
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: &seed})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	info, qa := sb.Info(), sb.Info().Salesforce["qa"]
	oc, err := okta.New(ctx, okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken})
	if err != nil {
		t.Fatal(err)
	}
	sf, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: qa.LoginURL, ClientID: qa.ClientID, Username: qa.Username,
		PrivateKey: qa.PrivateKey, JWTAudience: qa.JWTAudience, HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"})})
	if err != nil {
		t.Fatal(err)
	}

	acs := qa.LoginURL + "?so=" + qa.OrgID[:15]
	app, err := oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: "Salesforce QA", SignOn: okta.SAMLSignOn{
		SSOACSURL: acs, Recipient: acs, Destination: acs, Audience: qa.LoginURL,
		SubjectNameIDTemplate: "${user.login}", SubjectNameIDFormat: saml.NameIDFormatUnspecified,
		ResponseSigned: true, AssertionSigned: true, SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
	}}, true)
	must(t, err)
	g, err := oc.FindGroupByName(ctx, "SF Users")
	must(t, err)
	_, err = oc.SetAppGroupAssignment(ctx, app.ID, g.ID, nil, nil)
	must(t, err)
	b, err := oc.SAMLMetadata(ctx, app.ID, "")
	must(t, err)
	md, err := saml.ParseMetadata(b)
	must(t, err)
	sso := salesforce.SAMLSSOConfig{FullName: "Okta", Name: "Okta", Issuer: md.EntityID,
		SAMLEntityID: qa.LoginURL, IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0",
		ValidationCert: base64.StdEncoding.EncodeToString(md.SigningCertificates[0].Raw), LoginURL: md.SSOURLPost}
	_, err = sf.UpsertSAMLSSOConfig(ctx, sso)
	must(t, err)

	var profiles []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(ctx, "SELECT Id FROM Profile WHERE Name = 'System Administrator'", &profiles); err != nil || len(profiles) != 1 {
		t.Fatalf("profile: %v %v", profiles, err)
	}
	res, err := sf.InsertCollection(ctx, "User", []map[string]any{{
		"Username": jane + ".qa", "Email": jane, "LastName": "Doe", "Alias": "jdoe", "FederationIdentifier": jane,
		"ProfileId": profiles[0].ID, "TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US",
		"LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
	}})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	must(t, err)

	var zone, user struct {
		ID string `json:"id"`
	}
	_, err = oc.Raw(ctx, http.MethodPost, "/api/v1/zones", map[string]any{"type": "IP", "name": "Blocked network",
		"gateways": []map[string]string{{"type": "CIDR", "value": "192.0.2.0/24"}}}, &zone)
	must(t, err)
	_, err = oc.Raw(ctx, http.MethodGet, "/api/v1/users/"+dan, nil, &user)
	must(t, err)
	policy, err := oc.CreateAccessPolicy(ctx, "Salesforce", "")
	must(t, err)
	oneFactor := map[string]any{"access": "ALLOW", "verificationMethod": map[string]any{"factorMode": "1FA", "type": "ASSURANCE"}}
	for _, rule := range []map[string]any{
		{"name": "Dan", "priority": 0, "conditions": map[string]any{"people": map[string]any{"users": map[string]any{"include": []string{user.ID}}}},
			"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}},
		{"name": "Blocked network", "priority": 1, "conditions": map[string]any{"network": map[string]any{"connection": "ZONE", "include": []string{zone.ID}}},
			"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}},
		{"name": "Managed device", "priority": 2, "conditions": map[string]any{"device": map[string]any{"registered": true, "managed": true}},
			"actions": map[string]any{"appSignOn": oneFactor}},
	} {
		_, err = oc.Raw(ctx, http.MethodPost, "/api/v1/policies/"+policy.ID+"/rules", rule, nil)
		must(t, err)
	}
	must(t, oc.BindAppAccessPolicy(ctx, app.ID, policy.ID)) // the catch-all rule of a new policy asks for two factors
	return &fixture{ssoURL: md.SSOURLPost, orgURL: qa.LoginURL, orgID: qa.OrgID, sf: sf, sso: sso}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	ssoURL, sf := federation(t)
	managed := browser.Device{Registered: true, Managed: true, Platform: "MACOS"}
	tests := []struct {
		name, login string
		opt         browser.Options
		want        browser.Result // ACSURL, SAMLResponse and Message are checked apart
		message     string         // a part of Message
		sourceIP    string         // the address Salesforce records for a successful sign-in
	}{
		{name: "two factors required, none given: challenged", login: jane, opt: browser.Options{ClientIP: "203.0.113.7"},
			want: browser.Result{OktaStatus: http.StatusUnauthorized, Challenged: true}, message: "second factor"},
		{name: "with the test factor: signed in", login: jane, opt: browser.Options{ClientIP: "203.0.113.7", Factor: browser.TestFactor},
			want: browser.Result{OktaStatus: http.StatusOK, SalesforceStatus: http.StatusFound, SignedIn: true}, sourceIP: "203.0.113.7"},
		{name: "a managed device: one factor", login: jane, opt: browser.Options{ClientIP: "203.0.113.8", Device: managed},
			want: browser.Result{OktaStatus: http.StatusOK, SalesforceStatus: http.StatusFound, SignedIn: true}, sourceIP: "203.0.113.8"},
		{name: "a DENY rule for the user", login: dan, opt: browser.Options{Factor: browser.TestFactor},
			want: browser.Result{OktaStatus: http.StatusForbidden, Denied: true}, message: "sign-in policy denies"},
		{name: "a DENY rule for the client's network", login: jane, opt: browser.Options{ClientIP: "192.0.2.5", Factor: browser.TestFactor},
			want: browser.Result{OktaStatus: http.StatusForbidden, Denied: true}, message: "sign-in policy denies"},
		{name: "Okta signs in, Salesforce refuses", login: sam, opt: browser.Options{ClientIP: "203.0.113.9", Factor: browser.TestFactor},
			want: browser.Result{OktaStatus: http.StatusOK, SalesforceStatus: http.StatusOK}, message: "Failed: Username Or SSO Id Invalid"},
	}
	for _, tt := range tests {
		got, err := browser.SignIn(context.Background(), nil, ssoURL, tt.login, tt.opt)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		reached := tt.want.OktaStatus == http.StatusOK
		if (got.ACSURL != "") != reached || (got.SAMLResponse != "") != reached || reached && !strings.Contains(got.ACSURL, "?so=") {
			t.Errorf("%s: ACS URL %q, SAMLResponse present %v; want both when Okta answers the form", tt.name, got.ACSURL, got.SAMLResponse != "")
		}
		if reached {
			if _, err := base64.StdEncoding.DecodeString(got.SAMLResponse); err != nil {
				t.Errorf("%s: the SAMLResponse is not base64: %v", tt.name, err)
			}
		}
		if !strings.Contains(got.Message, tt.message) || tt.message == "" && got.Message != "" {
			t.Errorf("%s: message %q, want one containing %q", tt.name, got.Message, tt.message)
		}
		got.ACSURL, got.SAMLResponse, got.Message = "", "", ""
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
		if tt.sourceIP != "" {
			if got := loginsFrom(t, sf, tt.sourceIP); len(got) != 1 || got[0] != "Success" {
				t.Errorf("%s: LoginHistory from %s = %q, want one Success (the ACS saw the browser's address)", tt.name, tt.sourceIP, got)
			}
		}
	}
}

// loginsFrom is the Status of each LoginHistory row from ip.
func loginsFrom(t *testing.T, sf *salesforce.Client, ip string) []string {
	t.Helper()
	var rows []struct {
		Status string `json:"Status"`
	}
	if err := sf.Query(context.Background(), "SELECT Status FROM LoginHistory WHERE SourceIp = "+salesforce.Quote(ip), &rows); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Status)
	}
	return out
}

func TestSignIn_badInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, ssoURL, login string }{
		{"no login", "http://127.0.0.1:1/app/x/exk/sso/saml", ""},
		{"not a URL", "http://[::1", "jane"},
	} {
		if _, err := browser.SignIn(context.Background(), nil, tt.ssoURL, tt.login, browser.Options{}); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
