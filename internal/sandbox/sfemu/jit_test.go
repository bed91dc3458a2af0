package sfemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

var (
	idpOnce sync.Once
	idpKey  *rsa.PrivateKey
	idpCert *x509.Certificate
)

func testIDP(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	idpOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		// Valid from a day back: the "expired" case signs an assertion issued an hour before the test started, and
		// the ACS checks the certificate at that instant, which must not depend on when this first ran.
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "okta"}, NotBefore: time.Now().AddDate(0, 0, -1), NotAfter: time.Now().AddDate(1, 0, 0)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			panic(err)
		}
		idpKey = k
		idpCert, _ = x509.ParseCertificate(der)
	})
	return idpKey, idpCert
}

const testIssuer = "http://www.okta.com/exkJIT"

// trustIdP stores a SamlSsoConfig for the test IdP; mod adjusts it first.
func trustIDP(t *testing.T, to *testOrg, mod func(*samlMetadata)) {
	t.Helper()
	_, cert := testIDP(t)
	m := samlMetadata{FullName: "Okta", Name: "Okta", Issuer: testIssuer, SAMLEntityID: to.srv.URL, IdentityMapping: "FederationId",
		IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0", UserProvisioning: "true", ValidationCert: base64.StdEncoding.EncodeToString(cert.Raw)}
	if mod != nil {
		mod(&m)
	}
	to.mu.Lock()
	_, serr := to.saveSAMLConfig(m)
	to.mu.Unlock()
	if serr != nil {
		t.Fatalf("save SamlSsoConfig: %s", serr.message)
	}
}

func jitAttrs(kv ...string) []samlidp.Attribute {
	var out []samlidp.Attribute
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, samlidp.Attribute{Name: kv[i], Values: []string{kv[i+1]}})
	}
	return out
}

// postAssertion signs a Response for subject and posts it to the org's ACS.
func postAssertion(t *testing.T, to *testOrg, subject string, mod func(*samlidp.ResponseOptions)) (int, string, string) {
	t.Helper()
	key, cert := testIDP(t)
	acs := to.srv.URL + "?so=" + to.Credentials().OrgID[:15]
	opts := samlidp.ResponseOptions{Issuer: testIssuer, Destination: acs, Audience: to.srv.URL, NameID: subject, Key: key, Certificate: cert,
		Attributes: jitAttrs("User.Username", "neo@acme.qa", "User.Email", "neo@acme.com", "User.LastName", "Anderson", "User.FirstName", "Thomas", "User.ProfileId", "Sales Rep")}
	if mod != nil {
		mod(&opts)
	}
	b, err := samlidp.BuildResponse(opts)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(acs, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(b)}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func TestACS_jitAndMapping(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Hour)
	cases := []struct {
		name       string
		config     func(*samlMetadata)
		subject    string
		response   func(*samlidp.ResponseOptions)
		prepare    func(t *testing.T, to *testOrg)
		wantFail   string // substring of the error page; empty means success
		wantUser   string // a SOQL WHERE clause that must find exactly one user after the sign-in
		wantLogin  string // LoginHistory Status of the last row for that user, if any
		wantLoginT string
	}{
		{name: "JIT create with profile name", subject: "neo@acme.com", wantUser: "Username = 'neo@acme.qa' AND Alias = 'tande' AND Profile.Name = 'Sales Rep'", wantLogin: "Success", wantLoginT: loginTypeSAMLIdP},
		{name: "SP-initiated with an InResponseTo the org did not issue", subject: "ada@acme.com", response: func(o *samlidp.ResponseOptions) { o.InResponseTo = "_req1" },
			wantFail: "Failed: InResponseTo Invalid", wantUser: "Username = 'ada@acme.qa'", wantLogin: "Failed: InResponseTo Invalid", wantLoginT: loginTypeSAMLSP},
		{name: "FederationIdentifier attribute replaced by the subject", subject: "neo@acme.com",
			response: func(o *samlidp.ResponseOptions) {
				o.Attributes = append(o.Attributes, jitAttrs("User.FederationIdentifier", "someone-else")...)
			}, wantUser: "FederationIdentifier = 'neo@acme.com'", wantLogin: "Success"},
		{name: "missing required attribute", subject: "neo@acme.com",
			response: func(o *samlidp.ResponseOptions) { o.Attributes = o.Attributes[:2] }, wantFail: "Missing required field(s): User.LastName, User.ProfileId"},
		{name: "bad picklist value", subject: "neo@acme.com",
			response: func(o *samlidp.ResponseOptions) {
				o.Attributes = append(o.Attributes, jitAttrs("User.TimeZoneSidKey", "Mars/Olympus")...)
			}, wantFail: "bad value for restricted picklist field: Mars/Olympus"},
		{name: "unknown field", subject: "neo@acme.com",
			response: func(o *samlidp.ResponseOptions) { o.Attributes = append(o.Attributes, jitAttrs("User.Shoe", "42")...) }, wantFail: "Invalid field: User.Shoe"},
		{name: "unknown profile", subject: "neo@acme.com",
			response: func(o *samlidp.ResponseOptions) { o.Attributes[4].Values = []string{"Nope"} }, wantFail: "Invalid Profile: Nope"},
		{name: "license limit", subject: "neo@acme.com", prepare: func(t *testing.T, to *testOrg) {
			to.mu.Lock()
			defer to.mu.Unlock()
			l := to.findRow("UserLicense", "Name", "Salesforce")
			l["TotalLicenses"] = l["UsedLicenses"]
		}, wantFail: "License Limit Exceeded"},
		{name: "existing user by Username in an attribute, no JIT", subject: "ignored",
			config: func(m *samlMetadata) {
				m.IdentityMapping, m.IdentityLocation, m.AttributeName, m.UserProvisioning = "Username", "Attribute", "sfuser", "false"
			},
			response: func(o *samlidp.ResponseOptions) { o.Attributes = jitAttrs("sfuser", "ADA@acme.qa") },
			wantUser: "Username = 'ada@acme.qa'", wantLogin: "Success"},
		{name: "existing user by federation id, case-insensitive, JIT update", subject: "ADA@ACME.COM",
			response: func(o *samlidp.ResponseOptions) {
				o.Attributes = jitAttrs("User.Title", "Countess", "User.Username", "hijack@acme.qa")
			},
			wantUser: "Username = 'ada@acme.qa' AND Title = 'Countess'", wantLogin: "Success"},
		{name: "inactive user", subject: "cy@acme.qa", config: func(m *samlMetadata) { m.IdentityMapping = "Username" },
			wantFail: "User is inactive", wantUser: "Username = 'cy@acme.qa' AND IsActive = false", wantLogin: "User is inactive"},
		{name: "expired", subject: "ada@acme.com", response: func(o *samlidp.ResponseOptions) {
			o.IssueInstant, o.NotBefore, o.NotOnOrAfter = past, past.Add(-time.Minute), past.Add(time.Minute)
		}, wantFail: "Failed: Assertion Expired", wantUser: "Username = 'ada@acme.qa'", wantLogin: "Failed: Assertion Expired"},
		{name: "wrong audience", subject: "ada@acme.com", response: func(o *samlidp.ResponseOptions) { o.Audience = "https://other.my.salesforce.com" },
			wantFail: "Failed: Audience Invalid", wantUser: "Username = 'ada@acme.qa'", wantLogin: "Failed: Audience Invalid"},
		{name: "wrong recipient", subject: "ada@acme.com", response: func(o *samlidp.ResponseOptions) { o.Recipient = "https://other.my.salesforce.com" },
			wantFail: "Failed: Recipient Mismatched", wantUser: "Username = 'ada@acme.qa'", wantLogin: "Failed: Recipient Mismatched"},
		{name: "no JIT, unknown subject", subject: "neo@acme.com", config: func(m *samlMetadata) { m.UserProvisioning = "false" },
			wantFail: "Failed: Username Or SSO Id Invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			to := startOrg(t, "qa", testSeed(), nil, nil, 0)
			trustIDP(t, to, tc.config)
			if tc.prepare != nil {
				tc.prepare(t, to)
			}
			usersBefore := len(to.query(t, "SELECT Id FROM User")["records"].([]any))
			status, location, body := postAssertion(t, to, tc.subject, tc.response)
			if tc.wantFail != "" {
				if status != http.StatusOK || !strings.Contains(body, "SAML Single Sign-On failed") || !strings.Contains(body, tc.wantFail) {
					t.Fatalf("want failure %q, got %d %s", tc.wantFail, status, body)
				}
				if n := len(to.query(t, "SELECT Id FROM User")["records"].([]any)); n != usersBefore {
					t.Errorf("a failed sign-in created a user (%d → %d)", usersBefore, n)
				}
			} else if status != http.StatusFound || location != "/home/home.jsp" {
				t.Fatalf("want 302 to /home/home.jsp, got %d %q %s", status, location, body)
			}
			if tc.wantUser == "" {
				if rows := to.query(t, "SELECT Id FROM LoginHistory")["records"].([]any); len(rows) != 0 {
					t.Errorf("LoginHistory without a known user: %v", rows)
				}
				return
			}
			users := to.query(t, "SELECT Id FROM User WHERE "+tc.wantUser)["records"].([]any)
			if len(users) != 1 {
				t.Fatalf("users WHERE %s: %v", tc.wantUser, users)
			}
			id := users[0].(map[string]any)["Id"].(string)
			rows := to.query(t, "SELECT Status, LoginType FROM LoginHistory WHERE UserId = '"+id+"'")["records"].([]any)
			if len(rows) != 1 || rows[0].(map[string]any)["Status"] != tc.wantLogin {
				t.Fatalf("LoginHistory of %s: %v, want one %q", id, rows, tc.wantLogin)
			}
			if tc.wantLoginT != "" && rows[0].(map[string]any)["LoginType"] != tc.wantLoginT {
				t.Errorf("LoginType %v, want %s", rows[0].(map[string]any)["LoginType"], tc.wantLoginT)
			}
		})
	}
}

// TestUserDescribe_jitFields checks the describe of the fields JIT and SCIM write: flags and picklist values.
func TestUserDescribe_jitFields(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	status, _, body := to.do(t, "GET", "/services/data/v63.0/sobjects/User/describe", "")
	if status != http.StatusOK {
		t.Fatalf("describe: %d %s", status, body)
	}
	var d struct {
		Fields []map[string]any `json:"fields"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	byName := map[string]map[string]any{}
	for _, f := range d.Fields {
		byName[f["name"].(string)] = f
	}
	cases := []struct {
		field                                                   string
		createable, updateable, nillable, defaulted, restricted bool
		value, label                                            string
	}{
		{"TimeZoneSidKey", true, true, false, false, true, "America/Los_Angeles", "(GMT-08:00) Pacific Standard Time (America/Los_Angeles)"},
		{"LocaleSidKey", true, true, false, false, true, "en_US", "English (United States)"},
		{"LanguageLocaleKey", true, true, false, false, true, "en_US", "English"},
		{"EmailEncodingKey", true, true, false, false, true, "UTF-8", "Unicode (UTF-8)"},
		{"CommunityNickname", true, true, false, true, false, "", ""},
		{"FederationIdentifier", true, true, true, false, false, "", ""},
		{"IsActive", true, true, false, true, false, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			t.Parallel()
			f := byName[tc.field]
			if f == nil {
				t.Fatalf("no field %s", tc.field)
			}
			if f["createable"] != tc.createable || f["updateable"] != tc.updateable || f["nillable"] != tc.nillable ||
				f["defaultedOnCreate"] != tc.defaulted || f["restrictedPicklist"] != tc.restricted {
				t.Errorf("flags %v", f)
			}
			if tc.value == "" {
				return
			}
			for _, p := range f["picklistValues"].([]any) {
				pv := p.(map[string]any)
				if pv["value"] == tc.value {
					if pv["label"] != tc.label || pv["active"] != true {
						t.Errorf("picklist value %v", pv)
					}
					return
				}
			}
			t.Errorf("no picklist value %s in %v", tc.value, f["picklistValues"])
		})
	}
}
