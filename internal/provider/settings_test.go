package provider

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

var (
	testKeyOnce sync.Once
	testKeyPEM  string
	testKey8PEM string
	testCertPEM string
)

func testKeys(t *testing.T) (pkcs1, pkcs8 string) {
	t.Helper()
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
		b, _ := x509.MarshalPKCS8PrivateKey(k)
		testKey8PEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b}))
		testCertPEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUWw==\n-----END CERTIFICATE-----\n"
	})
	return testKeyPEM, testKey8PEM
}

func str(v string) types.String { return types.StringValue(v) }

func nullOkta() *oktaModel {
	return &oktaModel{OrgURL: types.StringNull(), OrgName: types.StringNull(), BaseURL: types.StringNull(),
		APIToken: types.StringNull(), ClientID: types.StringNull(), PrivateKey: types.StringNull(),
		PrivateKeyID: types.StringNull(), Scopes: types.ListNull(types.StringType)}
}

func nullOrg() salesforceOrgModel {
	return salesforceOrgModel{LoginURL: types.StringNull(), ClientID: types.StringNull(), ClientSecret: types.StringNull(),
		Username: types.StringNull(), PrivateKey: types.StringNull(), APIVersion: types.StringNull(), JWTAudience: types.StringNull()}
}

func scopes(vs ...string) types.List {
	elems := make([]attr.Value, len(vs))
	for i, v := range vs {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

func oktaCfg(f func(o *oktaModel)) configInput {
	o := nullOkta()
	o.OrgURL, o.APIToken = str("https://acme.okta.com"), str("tok")
	f(o)
	return configInput{Okta: o}
}

func orgCfg(f func(o *salesforceOrgModel)) configInput {
	o := nullOrg()
	o.LoginURL, o.ClientID, o.ClientSecret = str("https://acme.my.salesforce.com"), str("3MVG"), str("secret")
	f(&o)
	return configInput{Salesforce: map[string]salesforceOrgModel{"prod": o}}
}

func noEnv(string) string { return "" }

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

// sfEnv is env with the SALESFORCE_* org's login URL and client ID added.
func sfEnv(kv map[string]string) func(string) string {
	all := map[string]string{"SALESFORCE_LOGIN_URL": "https://acme.my.salesforce.com", "SALESFORCE_CLIENT_ID": "3MVG"}
	for k, v := range kv {
		all[k] = v
	}
	return env(all)
}

// TestResolveSettings_errors checks that each bad provider argument fails with an error that names the
// attribute (or environment variable) and the fix, and never echoes key material.
func TestResolveSettings_errors(t *testing.T) {
	t.Parallel()
	pkcs1, _ := testKeys(t)
	missingFile := filepath.Join(t.TempDir(), "absent.pem")
	cases := []struct {
		name    string
		model   configInput
		getenv  func(string) string
		path    string
		summary string
		detail  string
	}{
		{"okta url not absolute", oktaCfg(func(o *oktaModel) { o.OrgURL = str("acme.okta.com") }), noEnv,
			"okta.org_url", "Invalid Okta org URL", `"acme.okta.com" is not an absolute URL`},
		{"okta url plain http", oktaCfg(func(o *oktaModel) { o.OrgURL = str("http://acme.okta.com") }), noEnv,
			"okta.org_url", "Invalid Okta org URL", "not a loopback address; use https://"},
		{"okta url bad scheme", oktaCfg(func(o *oktaModel) { o.OrgURL = str("ftp://acme.okta.com") }), noEnv,
			"okta.org_url", "Invalid Okta org URL", `has the scheme "ftp"`},
		{"okta url with query", oktaCfg(func(o *oktaModel) { o.OrgURL = str("https://acme.okta.com/?x=1") }), noEnv,
			"okta.org_url", "Invalid Okta org URL", "must not carry credentials, a query or a fragment"},
		// A conflict between two attributes is the schema's to report (TestValidateProviderConfig_staticRules);
		// one between an attribute and an environment variable is the code's.
		{"okta url and env org name", oktaCfg(func(*oktaModel) {}), env(map[string]string{"OKTA_ORG_NAME": "acme"}),
			"okta.org_url", "Conflicting Okta org settings", "Both okta.org_url and environment variable OKTA_ORG_NAME are set. Set either org_url"},
		{"okta org name with admin domain", oktaCfg(func(o *oktaModel) { o.OrgURL, o.OrgName = types.StringNull(), str("acme-admin") }), noEnv,
			"okta.org_name", "Invalid Okta org name", `"https://acme-admin.okta.com" is the Admin Console's address`},
		{"okta url with path", oktaCfg(func(o *oktaModel) { o.OrgURL = str("https://acme.okta.com/home") }), noEnv,
			"okta.org_url", "Invalid Okta org URL", `has the path "/home"; the org URL is the scheme and host only`},
		{"okta base url alone", oktaCfg(func(o *oktaModel) { o.OrgURL = types.StringNull(); o.BaseURL = str("okta.com") }), noEnv,
			"okta.base_url", "Incomplete Okta org settings", "Set org_name (OKTA_ORG_NAME) too"},
		{"okta org name with domain", oktaCfg(func(o *oktaModel) { o.OrgURL = types.StringNull(); o.OrgName = str("acme.okta.com") }), noEnv,
			"okta.org_name", "Invalid Okta org name", "subdomain only"},
		{"okta base url with scheme", oktaCfg(func(o *oktaModel) {
			o.OrgURL = types.StringNull()
			o.OrgName, o.BaseURL = str("acme"), str("https://okta.com")
		}), noEnv, "okta.base_url", "Invalid Okta base URL", "no scheme, no path"},
		{"okta no org", oktaCfg(func(o *oktaModel) { o.OrgURL = types.StringNull() }), noEnv,
			"okta.org_url", "Missing Okta org URL", "needs org_url (or OKTA_ORG_URL)"},
		{"okta no credentials", oktaCfg(func(o *oktaModel) { o.APIToken = types.StringNull() }), noEnv,
			"okta.api_token", "Missing Okta credentials", "api_token (or OKTA_API_TOKEN), or an OAuth 2.0 service app"},
		{"okta token and env client id", oktaCfg(func(*oktaModel) {}), env(map[string]string{"OKTA_API_CLIENT_ID": "0oa1"}),
			"okta.api_token", "Conflicting Okta credentials", "Both okta.api_token and environment variable OKTA_API_CLIENT_ID are set"},
		{"okta token with scheme", oktaCfg(func(o *oktaModel) { o.APIToken = str("SSWS 00abc") }), noEnv,
			"okta.api_token", "Invalid Okta API token", `starts with "SSWS "`},
		{"okta client id without key", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.ClientID, o.Scopes = types.StringNull(), str("0oa1"), scopes("okta.groups.read")
		}), noEnv, "okta.private_key", "Missing Okta private key", "Set private_key (OKTA_API_PRIVATE_KEY)"},
		{"okta key without client id", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.PrivateKey, o.Scopes = types.StringNull(), str(pkcs1), scopes("okta.groups.read")
		}), noEnv, "okta.client_id", "Missing Okta client ID", "Set client_id (OKTA_API_CLIENT_ID)"},
		{"okta key not pem", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.ClientID, o.PrivateKey, o.Scopes = types.StringNull(), str("0oa1"), str("-----BEGIN RSA PRIVATE KEY-----\nnot base64\n"), scopes("okta.groups.read")
		}), noEnv, "okta.private_key", "Invalid Okta private key", "no PEM block could be decoded"},
		{"okta key is a certificate", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.ClientID, o.PrivateKey, o.Scopes = types.StringNull(), str("0oa1"), str(testCertPEM), scopes("okta.groups.read")
		}), noEnv, "okta.private_key", "Invalid Okta private key", `the PEM block is a "CERTIFICATE", not a private key`},
		{"okta key file missing", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.ClientID, o.PrivateKey, o.Scopes = types.StringNull(), str("0oa1"), str(missingFile), scopes("okta.groups.read")
		}), noEnv, "okta.private_key", "Invalid Okta private key", "read as a file path, and reading it failed"},
		{"okta no scopes", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.ClientID, o.PrivateKey = types.StringNull(), str("0oa1"), str(pkcs1)
		}), noEnv, "okta.scopes", "Missing Okta OAuth scopes", "okta.groups.read"},
		{"okta bad scope", oktaCfg(func(o *oktaModel) {
			o.APIToken, o.ClientID, o.PrivateKey, o.Scopes = types.StringNull(), str("0oa1"), str(pkcs1), scopes("okta.groups.read", "groups.read")
		}), noEnv, "okta.scopes[1]", "Invalid Okta OAuth scope", `"groups.read" is not an Okta management scope`},
		{"okta key id without service app", oktaCfg(func(o *oktaModel) { o.APIToken, o.PrivateKeyID = types.StringNull(), str("kid1") }), noEnv,
			"okta.private_key_id", "Okta private key ID without a service app", "names the key of client_id/private_key"},
		{"okta env key id with api token", oktaCfg(func(*oktaModel) {}), env(map[string]string{"OKTA_API_PRIVATE_KEY_ID": "kid1"}),
			"okta.private_key_id", "Okta private key ID without a service app", "environment variable OKTA_API_PRIVATE_KEY_ID is set"},
		{"okta env scopes with api token", oktaCfg(func(*oktaModel) {}), env(map[string]string{"OKTA_API_SCOPES": "okta.groups.read"}),
			"okta.scopes", "Okta OAuth scopes with an API token", "Remove scopes"},
		{"okta env url plain http", configInput{}, env(map[string]string{"OKTA_ORG_URL": "http://acme.okta.com", "OKTA_API_TOKEN": "x"}),
			"okta.org_url", "Invalid Okta org URL", "environment variable OKTA_ORG_URL"},
		{"okta env conflicting credentials", configInput{}, env(map[string]string{"OKTA_ORG_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "x", "OKTA_API_CLIENT_ID": "0oa1"}),
			"okta.api_token", "Conflicting Okta credentials", "environment variable OKTA_API_TOKEN and environment variable OKTA_API_CLIENT_ID"},

		{"sf bad alias", configInput{Salesforce: map[string]salesforceOrgModel{"Prod!": nullOrg()}}, noEnv,
			`salesforce["Prod!"]`, "Invalid Salesforce org alias", "lower-case letters"},
		{"sf no login url", orgCfg(func(o *salesforceOrgModel) { o.LoginURL = types.StringNull() }), noEnv,
			`salesforce["prod"].login_url`, "Missing Salesforce login URL", "My Domain URL"},
		{"sf login url plain http", orgCfg(func(o *salesforceOrgModel) { o.LoginURL = str("http://acme.my.salesforce.com") }), noEnv,
			`salesforce["prod"].login_url`, "Invalid Salesforce login URL", "not a loopback address"},
		{"sf login url relative", orgCfg(func(o *salesforceOrgModel) { o.LoginURL = str("/services") }), noEnv,
			`salesforce["prod"].login_url`, "Invalid Salesforce login URL", "not an absolute URL"},
		{"sf no client id", orgCfg(func(o *salesforceOrgModel) { o.ClientID = types.StringNull() }), noEnv,
			`salesforce["prod"].client_id`, "Missing Salesforce client ID", "consumer key"},
		// The salesforce map's pairs are the schema's to check; the SALESFORCE_* org's are the code's.
		{"sf env secret and jwt", configInput{}, sfEnv(map[string]string{"SALESFORCE_CLIENT_SECRET": "s", "SALESFORCE_USERNAME": "u@acme.example"}),
			`salesforce["default"].client_secret`, "Conflicting Salesforce credentials", "environment variable SALESFORCE_USERNAME. Use either the JWT bearer flow"},
		{"sf no credentials", orgCfg(func(o *salesforceOrgModel) { o.ClientSecret = types.StringNull() }), noEnv,
			`salesforce["prod"]`, "Missing Salesforce credentials", "username with private_key (JWT bearer flow), or client_secret"},
		{"sf env username without key", configInput{}, sfEnv(map[string]string{"SALESFORCE_USERNAME": "u@acme.example"}),
			`salesforce["default"].private_key`, "Missing Salesforce private key", "sets username but not private_key"},
		{"sf env key without username", configInput{}, sfEnv(map[string]string{"SALESFORCE_PRIVATE_KEY": pkcs1}),
			`salesforce["default"].username`, "Missing Salesforce username", "sets private_key but not username"},
		{"sf key not a key", orgCfg(func(o *salesforceOrgModel) {
			o.ClientSecret, o.Username, o.PrivateKey = types.StringNull(), str("u@acme.example"), str("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
		}), noEnv, `salesforce["prod"].private_key`, "Invalid Salesforce private key", "not a valid PKCS#1 RSA key"},
		{"sf bad api version", orgCfg(func(o *salesforceOrgModel) { o.APIVersion = str("63") }), noEnv,
			`salesforce["prod"].api_version`, "Invalid Salesforce API version", `give the version number such as "63.0"`},
		{"sf bad jwt audience", orgCfg(func(o *salesforceOrgModel) { o.JWTAudience = str("login.salesforce.com") }), noEnv,
			`salesforce["prod"].jwt_audience`, "Invalid JWT audience", "absolute URL"},
		{"sf env login url", configInput{}, env(map[string]string{"SALESFORCE_LOGIN_URL": "http://acme.my.salesforce.com", "SALESFORCE_CLIENT_ID": "x", "SALESFORCE_CLIENT_SECRET": "y"}),
			`salesforce["default"].login_url`, "Invalid Salesforce login URL", "environment variable SALESFORCE_LOGIN_URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, diags := resolveSettings(tc.model, tc.getenv)
			d := findDiag(diags, tc.summary)
			if d == nil {
				t.Fatalf("no %q error; got %v", tc.summary, diags)
			}
			withPath, ok := d.(diag.DiagnosticWithPath)
			if !ok || withPath.Path().String() != tc.path {
				t.Errorf("error path = %v, want %s", pathOf(d), tc.path)
			}
			if !strings.Contains(d.Detail(), tc.detail) {
				t.Errorf("detail %q does not contain %q", d.Detail(), tc.detail)
			}
			for _, e := range diags {
				if strings.Contains(e.Detail(), "MII") || strings.Contains(e.Detail(), "PRIVATE KEY-----\n") {
					t.Errorf("error detail leaks key material: %q", e.Detail())
				}
			}
		})
	}
}

func findDiag(diags diag.Diagnostics, summary string) diag.Diagnostic {
	for _, d := range diags {
		if d.Summary() == summary && d.Severity() == diag.SeverityError {
			return d
		}
	}
	return nil
}

func pathOf(d diag.Diagnostic) string {
	if p, ok := d.(diag.DiagnosticWithPath); ok {
		return p.Path().String()
	}
	return "(none)"
}

func TestResolveSettings_valid(t *testing.T) {
	t.Parallel()
	pkcs1, pkcs8 := testKeys(t)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, []byte(pkcs8), 0o600); err != nil {
		t.Fatal(err)
	}
	m := configInput{
		Okta: func() *oktaModel {
			o := nullOkta()
			o.OrgName, o.BaseURL, o.ClientID, o.PrivateKey, o.Scopes = str("acme"), str("oktapreview.com"), str("0oa1"), str(keyFile), scopes("okta.groups.read")
			return o
		}(),
		Salesforce: map[string]salesforceOrgModel{
			"prod": func() salesforceOrgModel {
				o := nullOrg()
				o.LoginURL, o.ClientID, o.Username, o.PrivateKey = str("https://acme.my.salesforce.com/"), str("3MVG"), str("u@acme.example"), str(pkcs1)
				return o
			}(),
			"uat": func() salesforceOrgModel {
				o := nullOrg()
				o.LoginURL, o.ClientID, o.ClientSecret, o.APIVersion = str("http://127.0.0.1:7452"), str("3MVG"), str("s"), str("v62.0")
				return o
			}(),
		},
	}
	s, diags := resolveSettings(m, noEnv)
	if diags.HasError() {
		t.Fatalf("unexpected errors: %v", diags)
	}
	if s.Okta.OrgURL != "https://acme.oktapreview.com" || s.Okta.PrivateKey != pkcs8 {
		t.Errorf("okta = %+v", s.Okta.OrgURL)
	}
	if got := s.Salesforce["prod"]; got.LoginURL != "https://acme.my.salesforce.com" || got.APIVersion != salesforce.DefaultAPIVersion {
		t.Errorf("prod = %+v", got.LoginURL)
	}
	if got := s.Salesforce["uat"]; got.APIVersion != "62.0" || got.LoginURL != "http://127.0.0.1:7452" {
		t.Errorf("uat = %+v", got)
	}
}

func TestResolveSettings_environment(t *testing.T) {
	t.Parallel()
	s, diags := resolveSettings(configInput{}, env(map[string]string{
		"OKTA_ORG_NAME": "acme", "OKTA_BASE_URL": "okta-emea.com", "OKTA_API_TOKEN": "tok",
		"SALESFORCE_LOGIN_URL": "https://login.salesforce.com", "SALESFORCE_CLIENT_ID": "3MVG", "SALESFORCE_CLIENT_SECRET": "s",
	}))
	if diags.HasError() {
		t.Fatalf("unexpected errors: %v", diags)
	}
	if s.Okta == nil || s.Okta.OrgURL != "https://acme.okta-emea.com" || s.Okta.APIToken != "tok" {
		t.Errorf("okta = %+v", s.Okta)
	}
	if _, ok := s.Salesforce["default"]; !ok || len(s.Salesforce) != 1 {
		t.Errorf("salesforce = %v, want the single org \"default\"", s.Salesforce)
	}
	// The map, when given, is the whole truth: SALESFORCE_* does not add a "default" org beside it.
	s, _ = resolveSettings(orgCfg(func(*salesforceOrgModel) {}), env(map[string]string{"SALESFORCE_LOGIN_URL": "https://login.salesforce.com"}))
	if _, ok := s.Salesforce["default"]; ok {
		t.Error("SALESFORCE_* added an org beside the configured map")
	}
}

func TestResolveSettings_unknownValuesAreNotErrors(t *testing.T) {
	t.Parallel()
	m := oktaCfg(func(o *oktaModel) { o.OrgURL, o.APIToken = types.StringUnknown(), types.StringUnknown() })
	m.Salesforce = map[string]salesforceOrgModel{"prod": func() salesforceOrgModel {
		o := nullOrg()
		o.LoginURL, o.ClientID, o.ClientSecret = types.StringUnknown(), str("x"), types.StringUnknown()
		return o
	}()}
	s, diags := resolveSettings(m, noEnv)
	if diags.HasError() {
		t.Fatalf("unknown values must not fail validation: %v", diags)
	}
	if !s.Incomplete {
		t.Error("Incomplete = false with unknown values")
	}
}

func TestResolveSettings_nothingConfigured(t *testing.T) {
	t.Parallel()
	s, diags := resolveSettings(configInput{}, noEnv)
	if diags.HasError() || s.Okta != nil || len(s.Salesforce) != 0 {
		t.Fatalf("empty configuration: %+v %v", s, diags)
	}
}
