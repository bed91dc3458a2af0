package sfemu_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// postFrom posts the SAMLResponse to the ACS as a browser at clientIP would (the sandbox takes the address from
// X-Sandbox-Client-IP, since the test's connection comes from loopback).
func postFrom(t *testing.T, acs, clientIP string, resp []byte) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(resp)}, "RelayState": {""}}
	req, _ := http.NewRequest(http.MethodPost, acs, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientIP != "" {
		req.Header.Set("X-Sandbox-Client-IP", clientIP)
	}
	r, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Body.Close() }()
	body, _ := io.ReadAll(r.Body)
	return r, string(body)
}

type policyLoginRow struct {
	UserID              string `json:"UserId"`
	Status              string `json:"Status"`
	SourceIP            string `json:"SourceIp"`
	AuthMethodReference string `json:"AuthMethodReference"`
}

func (f *federation) policyLogins(t *testing.T) []policyLoginRow {
	t.Helper()
	var rows []policyLoginRow
	if err := f.sf.Query(context.Background(), "SELECT UserId, Status, SourceIp, AuthMethodReference FROM LoginHistory ORDER BY LoginTime", &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// adminUser creates an active System Administrator whose Federation ID is Jane's Okta login.
func (f *federation) adminUser(t *testing.T) string {
	t.Helper()
	var profiles []struct {
		ID string `json:"Id"`
	}
	if err := f.sf.Query(context.Background(), "SELECT Id FROM Profile WHERE Name = 'System Administrator'", &profiles); err != nil || len(profiles) != 1 {
		t.Fatalf("profile: %v %v", profiles, err)
	}
	res, err := f.sf.InsertCollection(context.Background(), "User", []map[string]any{{
		"Username": "jane.admin@acme.qa", "Email": "jane.doe@acme.example", "LastName": "Doe", "Alias": "jdoe",
		"FederationIdentifier": "jane.doe@acme.example", "ProfileId": profiles[0].ID, "TimeZoneSidKey": "America/Los_Angeles",
		"LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
	}})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	return res[0].ID
}

// TestSAMLSignIn_requiredSessionLevel: an admin whose profile requires High Assurance is refused while sign-ins
// through the SSO config are Standard (Salesforce's default for SAML), with Salesforce's status in LoginHistory
// and its error page; once an admin moves the config to High Assurance in Setup, the same sign-in succeeds.
func TestSAMLSignIn_requiredSessionLevel(t *testing.T) {
	t.Parallel()
	f := newFederation(t, false)
	ctx := context.Background()
	adminID := f.adminUser(t)
	s, err := f.sf.FindProfileSessionSetting(ctx, "System Administrator")
	if err != nil {
		t.Fatal(err)
	}
	s.RequiredSessionLevel = "HIGH_ASSURANCE"
	if err := f.sf.UpsertProfileSessionSetting(ctx, *s); err != nil {
		t.Fatal(err)
	}
	resp, acs, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	r, body := post(t, acs, resp)
	if r.StatusCode != http.StatusOK || r.Header.Get("Location") != "" || !strings.Contains(body, "SAML Single Sign-On failed") ||
		!strings.Contains(body, "Multi-factor (formerly called two-factor) is required") {
		t.Fatalf("below the required level: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), body)
	}
	for _, c := range r.Cookies() {
		if c.Name == "sid" {
			t.Errorf("a refused sign-in got a session cookie")
		}
	}
	logins := f.policyLogins(t)
	if len(logins) != 1 || logins[0].UserID != adminID || logins[0].Status != "Multi-factor (formerly called two-factor) is required" {
		t.Fatalf("LoginHistory = %+v", logins)
	}

	if err := f.sb.Org("qa").SetLoginMethodLevel("Okta", "HIGH_ASSURANCE"); err != nil {
		t.Fatal(err)
	}
	resp, acs, err = f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if r, body := post(t, acs, resp); r.StatusCode != http.StatusFound {
		t.Fatalf("through a High Assurance config: %d\n%s", r.StatusCode, body)
	}
	if logins := f.policyLogins(t); len(logins) != 2 || logins[1].Status != "Success" {
		t.Errorf("LoginHistory = %+v", logins)
	}
	// LoginHistory records what the IdP said of the authentication: here a password, no MFA signal.
	var rows []struct {
		AuthContextClassRef string  `json:"AuthContextClassRef"`
		AuthMethodReference *string `json:"AuthMethodReference"`
	}
	if err := f.sf.Query(ctx, "SELECT AuthContextClassRef, AuthMethodReference FROM LoginHistory", &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.AuthContextClassRef != "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport" || r.AuthMethodReference != nil {
			t.Errorf("LoginHistory authentication = %q, %v", r.AuthContextClassRef, r.AuthMethodReference)
		}
	}
}

// TestSAMLSignIn_loginIPRanges: a sign-in from outside the profile's login IP ranges is refused as "Restricted IP"
// with the browser's address recorded; one from inside succeeds; a profile without ranges is not restricted.
func TestSAMLSignIn_loginIPRanges(t *testing.T) {
	t.Parallel()
	f := newFederation(t, false)
	ctx := context.Background()
	adminID := f.adminUser(t)
	signIn := func(ip string) (*http.Response, string) {
		resp, acs, err := f.sb.Okta().SignIn(f.app.ID, "jane.doe@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		return postFrom(t, acs, ip, resp)
	}
	if r, body := signIn("198.51.100.7"); r.StatusCode != http.StatusFound {
		t.Fatalf("no ranges: %d\n%s", r.StatusCode, body)
	}
	if err := f.sf.SetProfileLoginIPRanges(ctx, "System Administrator", []salesforce.LoginIPRange{
		{Start: "203.0.113.0", End: "203.0.113.255", Description: "HQ"}, {Start: "2001:db8::", End: "2001:db8::ffff"}}); err != nil {
		t.Fatal(err)
	}
	r, body := signIn("198.51.100.7")
	if r.StatusCode != http.StatusOK || !strings.Contains(body, "Restricted IP") {
		t.Fatalf("outside the ranges: %d\n%s", r.StatusCode, body)
	}
	for _, ip := range []string{"203.0.113.77", "2001:db8::1"} {
		if r, body := signIn(ip); r.StatusCode != http.StatusFound {
			t.Errorf("inside the ranges (%s): %d\n%s", ip, r.StatusCode, body)
		}
	}
	logins := f.policyLogins(t)
	want := []policyLoginRow{{adminID, "Success", "198.51.100.7", ""}, {adminID, "Restricted IP", "198.51.100.7", ""},
		{adminID, "Success", "203.0.113.77", ""}, {adminID, "Success", "2001:db8::1", ""}}
	if len(logins) != len(want) {
		t.Fatalf("LoginHistory = %+v", logins)
	}
	for i := range want {
		if logins[i] != want[i] {
			t.Errorf("LoginHistory[%d] = %+v, want %+v", i, logins[i], want[i])
		}
	}
}
