package sfemu_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// federation is a sandbox with one Okta SAML app trusted by the qa org's SamlSsoConfig (JIT as configured).
type federation struct {
	sb       *sandbox.Sandbox
	okta     *okta.Client
	sf       *salesforce.Client
	app      *okta.SAMLApp
	configID string
	sfURL    string
}

func ssoSeed() sandbox.Seed {
	return sandbox.Seed{
		Okta: oktaemu.Seed{
			Users: []oktaemu.SeedUser{
				{Login: "Jane.Doe@acme.example", Email: "jane.doe@acme.example", FirstName: "Jane", LastName: "Doe"},
				{Login: "sam@acme.example", Email: "sam@acme.example", FirstName: "Sam", LastName: "Stone"},
				{Login: "sue@acme.example", Email: "sue@acme.example", FirstName: "Sue", LastName: "Sus", Status: "SUSPENDED"},
			},
			Groups: []oktaemu.SeedGroup{
				{Name: "SF Users", Members: []string{"Jane.Doe@acme.example", "sue@acme.example"}},
				{Name: "SF Admins", Members: []string{"Jane.Doe@acme.example"}},
				{Name: "Other", Members: []string{"Jane.Doe@acme.example"}},
			},
		},
		Salesforce: map[string]sfemu.OrgSeed{"qa": {Name: "Acme QA", AdminUsername: "integration@acme.qa"}},
	}
}

func newFederation(t *testing.T, jit bool) *federation {
	t.Helper()
	seed := ssoSeed()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: &seed})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	ctx := context.Background()
	info := sb.Info()
	oc, err := okta.New(ctx, okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken})
	if err != nil {
		t.Fatal(err)
	}
	qa := info.Salesforce["qa"]
	sc, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: qa.LoginURL, ClientID: qa.ClientID, Username: qa.Username,
		PrivateKey: qa.PrivateKey, JWTAudience: qa.JWTAudience, HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"})})
	if err != nil {
		t.Fatal(err)
	}
	f := &federation{sb: sb, okta: oc, sf: sc, sfURL: qa.LoginURL}
	f.app = f.createApp(t, "Salesforce QA")
	md := f.metadata(t, f.app.ID)
	if _, err := sc.UpsertSAMLSSOConfig(ctx, salesforce.SAMLSSOConfig{FullName: "Okta", Name: "Okta", Issuer: md.EntityID,
		SAMLEntityID: qa.LoginURL, IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0",
		UserProvisioning: jit, ValidationCert: base64.StdEncoding.EncodeToString(md.SigningCertificates[0].Raw)}); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := sc.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = 'Okta'", &rows); err != nil || len(rows) != 1 {
		t.Fatalf("SamlSsoConfig id: %v %v", rows, err)
	}
	f.configID = rows[0].ID
	return f
}

// createApp makes a custom SAML app for the qa org with JIT attribute statements, assigned to "SF Users".
func (f *federation) createApp(t *testing.T, label string) *okta.SAMLApp {
	t.Helper()
	ctx := context.Background()
	acs := f.sfURL + "?so=" + f.sb.Info().Salesforce["qa"].OrgID[:15]
	app, err := f.okta.CreateSAMLApp(ctx, &okta.SAMLApp{Label: label, SignOn: okta.SAMLSignOn{
		SSOACSURL: acs, Recipient: acs, Destination: acs, Audience: f.sfURL,
		SubjectNameIDTemplate: "${String.toLowerCase(user.login)}", SubjectNameIDFormat: saml.NameIDFormatUnspecified,
		ResponseSigned: true, AssertionSigned: true, SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
		AttributeStatements: []okta.AttributeStatement{
			{Type: "EXPRESSION", Name: "User.Email", Namespace: saml.AttrNameFormatUnspecified, Values: []string{"user.email"}},
			{Type: "EXPRESSION", Name: "User.FirstName", Namespace: saml.AttrNameFormatUnspecified, Values: []string{"user.firstName"}},
			{Type: "EXPRESSION", Name: "User.LastName", Namespace: saml.AttrNameFormatUnspecified, Values: []string{"user.lastName"}},
			{Type: "EXPRESSION", Name: "User.Username", Namespace: saml.AttrNameFormatUnspecified, Values: []string{`String.toLowerCase(user.login) + ".qa"`}},
			{Type: "EXPRESSION", Name: "User.ProfileId", Namespace: saml.AttrNameFormatUnspecified, Values: []string{`"Standard User"`}},
			{Type: "GROUP", Name: "groups", Namespace: saml.AttrNameFormatBasic, FilterType: "STARTS_WITH", FilterValue: "SF"},
		},
	}}, true)
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.okta.FindGroupByName(ctx, "SF Users")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.okta.SetAppGroupAssignment(ctx, app.ID, g.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	return app
}

func (f *federation) metadata(t *testing.T, appID string) *saml.Metadata {
	t.Helper()
	b, err := f.okta.SAMLMetadata(context.Background(), appID, "")
	if err != nil {
		t.Fatal(err)
	}
	md, err := saml.ParseMetadata(b)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// post sends the SAMLResponse to the ACS as a browser would, without following the redirect.
func post(t *testing.T, acs string, resp []byte) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(resp)}, "RelayState": {""}}
	r, err := client.PostForm(acs, form)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Body.Close() }()
	body, _ := io.ReadAll(r.Body)
	return r, string(body)
}

type sfUser struct {
	ID                   string `json:"Id"`
	Username             string `json:"Username"`
	Email                string `json:"Email"`
	FirstName            string `json:"FirstName"`
	LastName             string `json:"LastName"`
	Alias                string `json:"Alias"`
	FederationIdentifier string `json:"FederationIdentifier"`
	TimeZoneSidKey       string `json:"TimeZoneSidKey"`
	EmailEncodingKey     string `json:"EmailEncodingKey"`
	IsActive             bool   `json:"IsActive"`
	LastLoginDate        string `json:"LastLoginDate"`
	Profile              struct {
		Name string `json:"Name"`
	} `json:"Profile"`
}

func (f *federation) users(t *testing.T, fedID string) []sfUser {
	t.Helper()
	var rows []sfUser
	q := "SELECT Id, Username, Email, FirstName, LastName, Alias, FederationIdentifier, TimeZoneSidKey, EmailEncodingKey, IsActive, LastLoginDate, Profile.Name FROM User WHERE FederationIdentifier = '" + fedID + "'"
	if err := f.sf.Query(context.Background(), q, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

type loginRow struct {
	UserID                  string `json:"UserId"`
	LoginType               string `json:"LoginType"`
	Status                  string `json:"Status"`
	AuthenticationServiceID string `json:"AuthenticationServiceId"`
	LoginTime               string `json:"LoginTime"`
}

func (f *federation) logins(t *testing.T) []loginRow {
	t.Helper()
	var rows []loginRow
	if err := f.sf.Query(context.Background(), "SELECT UserId, LoginType, Status, AuthenticationServiceId, LoginTime FROM LoginHistory ORDER BY LoginTime", &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSAMLSignIn_jitCreateThenUpdate(t *testing.T) {
	t.Parallel()
	f := newFederation(t, true)
	ctx := context.Background()
	resp, acs, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := saml.ParseResponse(resp, []*x509.Certificate{f.metadata(t, f.app.ID).SigningCertificates[0]}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.AttributeValues("groups"); strings.Join(got, ",") != "SF Admins,SF Users" {
		t.Errorf("groups attribute = %v, want the two SF groups", got)
	}
	r, body := post(t, acs, resp)
	if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/home/home.jsp" {
		t.Fatalf("first sign-in: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), body)
	}
	users := f.users(t, "jane.doe@acme.example")
	if len(users) != 1 {
		t.Fatalf("JIT users = %+v", users)
	}
	u := users[0]
	if u.Username != "jane.doe@acme.example.qa" || u.Email != "jane.doe@acme.example" || u.FirstName != "Jane" || u.LastName != "Doe" ||
		u.Profile.Name != "Standard User" || u.Alias != "jdoe" || u.TimeZoneSidKey != "America/Los_Angeles" || u.EmailEncodingKey != "UTF-8" || !u.IsActive {
		t.Errorf("JIT user = %+v", u)
	}

	// A later sign-in updates Email but never Username.
	var oktaUser map[string]any
	if _, err := f.okta.Raw(ctx, "POST", "/api/v1/users/Jane.Doe@acme.example", map[string]any{"profile": map[string]any{"email": "jane@new.example", "login": "Jane.Doe@acme.example"}}, &oktaUser); err != nil {
		t.Fatal(err)
	}
	resp, acs, err = f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if r, body := post(t, acs, resp); r.StatusCode != http.StatusFound {
		t.Fatalf("second sign-in: %d\n%s", r.StatusCode, body)
	}
	users = f.users(t, "jane.doe@acme.example")
	if len(users) != 1 || users[0].Email != "jane@new.example" || users[0].Username != "jane.doe@acme.example.qa" || users[0].ID != u.ID || users[0].LastLoginDate == "" {
		t.Errorf("after the second sign-in: %+v", users)
	}
	logins := f.logins(t)
	if len(logins) != 2 {
		t.Fatalf("LoginHistory = %+v", logins)
	}
	for _, l := range logins {
		if l.Status != "Success" || l.LoginType != "SAML Idp Initiated SSO" || l.UserID != u.ID || l.AuthenticationServiceID != f.configID || l.LoginTime == "" {
			t.Errorf("LoginHistory row %+v", l)
		}
	}
}

// TestSAMLSignIn_assertionOnlySigned signs in with Okta's default (only the assertion signed): the ACS accepts it,
// and still refuses a Status other than Success although that Status lies outside the signature.
func TestSAMLSignIn_assertionOnlySigned(t *testing.T) {
	t.Parallel()
	f := newFederation(t, true)
	if _, err := f.okta.UpdateSAMLApp(context.Background(), f.app.ID, func(a *okta.SAMLApp) error {
		a.SignOn.ResponseSigned = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	resp, acs, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(resp, []byte("<ds:SignatureValue")) != 1 {
		t.Fatalf("want exactly one signature (the assertion's):\n%s", resp)
	}
	failed := bytes.Replace(resp, []byte("status:Success"), []byte("status:Responder"), 1)
	if r, body := post(t, acs, failed); r.StatusCode != http.StatusOK || !strings.Contains(body, "Failed: Status Invalid") {
		t.Errorf("unsigned Status not Success: %d %q", r.StatusCode, body)
	}
	if r, body := post(t, acs, resp); r.StatusCode != http.StatusFound {
		t.Errorf("assertion-only signed sign-in: %d\n%s", r.StatusCode, body)
	}
}

// TestSAMLSignIn_templateValues: an attribute value may be an expression (user.email) or, as Okta's API
// documentation writes it, a template whose ${…} parts are expressions; both give the user's value.
func TestSAMLSignIn_templateValues(t *testing.T) {
	t.Parallel()
	f := newFederation(t, true)
	if _, err := f.okta.UpdateSAMLApp(context.Background(), f.app.ID, func(a *okta.SAMLApp) error {
		for i, st := range a.SignOn.AttributeStatements {
			switch st.Name {
			case "User.Email":
				a.SignOn.AttributeStatements[i].Values = []string{"${user.email}"}
			case "User.LastName":
				a.SignOn.AttributeStatements[i].Values = []string{"${user.lastName}-${user.firstName}"}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	resp, _, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatalf("sign in with template values: %v", err)
	}
	for _, want := range []string{">jane.doe@acme.example</saml2:AttributeValue>", ">Doe-Jane</saml2:AttributeValue>"} {
		if !bytes.Contains(resp, []byte(want)) {
			t.Errorf("the assertion lacks %s:\n%s", want, resp)
		}
	}
}

func TestSAMLSignIn_failures(t *testing.T) {
	t.Parallel()
	f := newFederation(t, true)
	// A known user first, so failures after it have a LoginHistory row.
	resp, acs, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if r, body := post(t, acs, resp); r.StatusCode != http.StatusFound {
		t.Fatalf("sign-in: %d\n%s", r.StatusCode, body)
	}
	other := f.createApp(t, "Other IdP")
	otherResp, _, err := f.sb.Okta().SignIn(other.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, status string
		resp         []byte
		logged       bool
	}{
		{"tampered", "Failed: Signature Invalid", bytes.Replace(resp, []byte("jane.doe@acme.example</saml2:AttributeValue>"), []byte("ceo@acme.example</saml2:AttributeValue>"), 1), true},
		{"wrong issuer", "Failed: Issuer Mismatched", otherResp, false},
		{"not SAML", "Failed: Assertion Invalid", []byte("<html/>"), false},
	}
	for _, tc := range cases { // sequential: each adds to the same LoginHistory
		before := len(f.logins(t))
		r, body := post(t, acs, tc.resp)
		if r.StatusCode != http.StatusOK || !strings.Contains(body, "SAML Single Sign-On failed") || !strings.Contains(body, tc.status) {
			t.Errorf("%s: %d %q", tc.name, r.StatusCode, body)
		}
		logins := f.logins(t)
		if tc.logged && (len(logins) != before+1 || logins[len(logins)-1].Status != tc.status) {
			t.Errorf("%s: LoginHistory %+v", tc.name, logins)
		}
		if !tc.logged && len(logins) != before {
			t.Errorf("%s: LoginHistory grew without a known user: %+v", tc.name, logins)
		}
	}
	if users := f.users(t, "jane.doe@acme.example"); len(users) != 1 || users[0].Email != "jane.doe@acme.example" {
		t.Errorf("a failed sign-in changed the user: %+v", users)
	}

	// Inactive Salesforce users are refused, not reactivated.
	id := f.users(t, "jane.doe@acme.example")[0].ID
	if _, err := f.sf.UpdateCollection(context.Background(), "User", []map[string]any{{"Id": id, "IsActive": false}}); err != nil {
		t.Fatal(err)
	}
	resp, _, _ = f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if r, body := post(t, acs, resp); r.StatusCode != http.StatusOK || !strings.Contains(body, "User is inactive") {
		t.Errorf("inactive: %d %q", r.StatusCode, body)
	}
	if users := f.users(t, "jane.doe@acme.example"); users[0].IsActive {
		t.Error("JIT reactivated the user")
	}
}

func TestSAMLSignIn_withoutJIT(t *testing.T) {
	t.Parallel()
	f := newFederation(t, false)
	resp, acs, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	r, body := post(t, acs, resp)
	if r.StatusCode != http.StatusOK || !strings.Contains(body, "Failed: Username Or SSO Id Invalid") {
		t.Errorf("unknown user without JIT: %d %q", r.StatusCode, body)
	}
	if users := f.users(t, "jane.doe@acme.example"); len(users) != 0 {
		t.Errorf("a user was created without JIT: %+v", users)
	}
}

func TestOktaSignIn_refusals(t *testing.T) {
	t.Parallel()
	f := newFederation(t, true)
	cases := []struct {
		app, login string
		want       error
	}{
		{f.app.ID, "sam@acme.example", oktaemu.ErrSignInNotAssigned},
		{f.app.ID, "sue@acme.example", oktaemu.ErrSignInUserInactive},
		{f.app.ID, "nobody@acme.example", oktaemu.ErrSignInUserNotFound},
		{"0oaNOPE", "jane.doe@acme.example", oktaemu.ErrSignInAppNotFound},
	}
	for _, tc := range cases {
		if _, _, err := f.sb.Okta().SignIn(tc.app, tc.login); !errors.Is(err, tc.want) {
			t.Errorf("SignIn(%s, %s) = %v, want %v", tc.app, tc.login, err, tc.want)
		}
	}
}

func TestOktaSSORoute_postsToACS(t *testing.T) {
	t.Parallel()
	f := newFederation(t, true)
	md := f.metadata(t, f.app.ID)
	exk := md.EntityID[strings.LastIndex(md.EntityID, "/")+1:]
	base := f.sb.Info().Okta.OrgURL + "/app/" + f.app.Name + "/" + exk + "/sso/saml"
	cases := []struct {
		login      string
		wantStatus int
		wantBody   string
	}{
		{"jane.doe@acme.example", http.StatusOK, `name="SAMLResponse"`},
		{"sam@acme.example", http.StatusForbidden, "not assigned this app"},
	}
	for _, tc := range cases {
		r, err := http.Get(base + "?login=" + url.QueryEscape(tc.login))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if r.StatusCode != tc.wantStatus || !strings.Contains(string(body), tc.wantBody) {
			t.Errorf("%s: %d %s", tc.login, r.StatusCode, body)
		}
		if tc.wantStatus == http.StatusOK && !strings.Contains(string(body), `action="`+f.sfURL+"?so=") {
			t.Errorf("the form does not post to the ACS: %s", body)
		}
	}
}
