package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/testkeys"
)

// The provider's validation (schema and ValidateConfig, which run at plan) and the clients' constructors
// (which run at Configure) accept and refuse the same values. Each table row is checked three ways: the
// validation's verdict, Configure's on what validation passed, and the client's on the raw value.

// agreement runs one row: want says whether the value is valid.
func agreement(t *testing.T, b providerBlock, want bool, newClient func() error) {
	t.Helper()
	validated := validateBlock(t, b, noEnv)
	clientErr := newClient()
	switch {
	case want && len(validated) > 0:
		t.Fatalf("validation refuses a value the client accepts:%s", describe(validated))
	case want && clientErr != nil:
		t.Fatalf("the client refuses a valid value: %v", clientErr)
	case !want && len(validated) == 0:
		configured := configureBlock(t, b, noEnv)
		t.Fatalf("validation accepts a value that fails at Configure (the client says: %v):%s", clientErr, describe(configured))
	case !want && clientErr == nil:
		t.Fatalf("the client accepts a value validation refuses:%s", describe(validated))
	}
	if want {
		if configured := configureBlock(t, b, noEnv); len(configured) > 0 {
			t.Fatalf("validation passes but Configure fails:%s", describe(configured))
		}
	}
}

func TestSettingsAgreeWithOktaClient_orgURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		orgURL string
		valid  bool
	}{
		{"https://acme.okta.com", true},
		{"https://acme.okta.com/", true},
		{"https://acme.oktapreview.com:8443", true},
		{"HTTPS://Acme.Okta.com", true},
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://acme.okta.com", false},
		{"http://10.0.0.1:8080", false},
		{"ftp://acme.okta.com", false},
		{"acme.okta.com", false},
		{"https://acme.okta.com/api/v1", false},
		{"https://acme.okta.com/home", false},
		{"https://acme.okta.com?x=1", false},
		{"https://acme.okta.com#top", false},
		{"https://admin:pw@acme.okta.com", false},
		{"https://acme-admin.okta.com", false},
		{"https://acme.okta.com.com", false},
		{"https://{yourOktaDomain}", false},
	}
	for _, tt := range tests {
		t.Run(tt.orgURL, func(t *testing.T) {
			t.Parallel()
			agreement(t, providerBlock{okta: map[string]string{"org_url": tt.orgURL, "api_token": "tok"}}, tt.valid, func() error {
				_, err := okta.New(context.Background(), okta.Config{OrgURL: tt.orgURL, APIToken: "tok"})
				return err
			})
		})
	}
}

func TestSettingsAgreeWithOktaClient_privateKey(t *testing.T) {
	t.Parallel()
	pkcs1, pkcs8 := testKeys(t)
	keys := otherKeys(t)
	tests := []struct {
		name  string
		key   string
		valid bool
	}{
		{"RSA PKCS#1", pkcs1, true},
		{"RSA PKCS#8", pkcs8, true},
		{"RSA on one line with literal \\n", strings.ReplaceAll(strings.TrimSpace(pkcs1), "\n", `\n`), true},
		{"EC P-256 SEC 1", keys.ecP256SEC1, true},
		{"EC P-256 PKCS#8", keys.ecP256PKCS8, true},
		{"EC P-384 SEC 1", keys.ecP384SEC1, true},
		{"EC P-521 PKCS#8", keys.ecP521PKCS8, true},
		{"EC P-224", keys.ecP224SEC1, false},
		{"Ed25519", keys.ed25519PKCS8, false},
		{"certificate", testCertPEM, false},
		{"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----\n", false},
		{"corrupt RSA", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := providerBlock{okta: map[string]string{"org_url": "https://acme.okta.com", "client_id": "0oa1", "private_key": tt.key}, scopes: []string{"okta.groups.read"}}
			agreement(t, b, tt.valid, func() error {
				_, err := okta.New(context.Background(), okta.Config{OrgURL: "https://acme.okta.com", ClientID: "0oa1", PrivateKey: tt.key, Scopes: []string{"okta.groups.read"}})
				return err
			})
		})
	}
}

func TestSettingsAgreeWithOktaClient_credentials(t *testing.T) {
	t.Parallel()
	_, pkcs8 := testKeys(t)
	tests := []struct {
		name  string
		okta  map[string]string
		valid bool
	}{
		{"token", map[string]string{"api_token": "tok"}, true},
		{"token with its scheme", map[string]string{"api_token": "SSWS tok"}, false},
		{"placeholder token", map[string]string{"api_token": "{apiToken}"}, false},
		{"token and client id", map[string]string{"api_token": "tok", "client_id": "0oa1"}, false},
		{"token and key id", map[string]string{"api_token": "tok", "private_key_id": "kid1"}, false},
		{"token and private key", map[string]string{"api_token": "tok", "private_key": pkcs8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.okta["org_url"] = "https://acme.okta.com"
			agreement(t, providerBlock{okta: tt.okta}, tt.valid, func() error {
				_, err := okta.New(context.Background(), okta.Config{OrgURL: tt.okta["org_url"], APIToken: tt.okta["api_token"],
					ClientID: tt.okta["client_id"], PrivateKey: tt.okta["private_key"], PrivateKeyID: tt.okta["private_key_id"]})
				return err
			})
		})
	}
}

func TestSettingsAgreeWithSalesforceClient(t *testing.T) {
	t.Parallel()
	pkcs1, pkcs8 := testKeys(t)
	keys := otherKeys(t)
	jwt := map[string]string{"login_url": "https://acme.my.salesforce.com", "client_id": "3MVG", "username": "u@acme.example", "private_key": pkcs1}
	secret := map[string]string{"login_url": "https://acme.my.salesforce.com", "client_id": "3MVG", "client_secret": "s"}
	with := func(base map[string]string, kv ...string) map[string]string {
		o := map[string]string{}
		for k, v := range base {
			o[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			o[kv[i]] = kv[i+1]
		}
		return o
	}
	tests := []struct {
		name  string
		org   map[string]string
		valid bool
	}{
		{"My Domain", secret, true},
		{"My Domain with a trailing slash", with(secret, "login_url", "https://acme.my.salesforce.com/"), true},
		{"Experience Cloud site with a path", with(jwt, "login_url", "https://acme.my.site.com/customers"), true},
		{"http loopback", with(secret, "login_url", "http://127.0.0.1:7452"), true},
		{"http localhost", with(secret, "login_url", "http://localhost:7452"), true},
		{"http remote", with(secret, "login_url", "http://acme.my.salesforce.com"), false},
		{"login URL with a query", with(secret, "login_url", "https://acme.my.salesforce.com?x=1"), false},
		{"login URL with a fragment", with(secret, "login_url", "https://acme.my.salesforce.com#x"), false},
		{"login URL with credentials", with(secret, "login_url", "https://u:p@acme.my.salesforce.com"), false},
		{"relative login URL", with(secret, "login_url", "/services"), false},
		{"RSA PKCS#8", with(jwt, "private_key", pkcs8), true},
		{"RSA on one line with literal \\n", with(jwt, "private_key", strings.ReplaceAll(strings.TrimSpace(pkcs8), "\n", `\n`)), true},
		{"EC key", with(jwt, "private_key", keys.ecP256SEC1), false},
		{"EC key PKCS#8", with(jwt, "private_key", keys.ecP256PKCS8), false},
		{"certificate", with(jwt, "private_key", testCertPEM), false},
		{"api version", with(secret, "api_version", "62.0"), true},
		{"api version with v", with(secret, "api_version", "v62.0"), true},
		{"api version without .0", with(secret, "api_version", "63"), false},
		{"api version v alone", with(secret, "api_version", "v"), false},
		{"jwt audience", with(jwt, "jwt_audience", "https://test.salesforce.com"), true},
		{"jwt audience not a URL", with(jwt, "jwt_audience", "test.salesforce.com"), false},
		{"jwt audience not a URL beside a client secret", with(secret, "jwt_audience", "login.salesforce.com"), false},
		{"client secret and username", with(secret, "username", "u@acme.example"), false},
		{"client secret and JWT bearer", with(jwt, "client_secret", "s"), false},
		{"username without key", with(secret, "client_secret", "", "username", "u@acme.example"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			org := map[string]string{}
			for k, v := range tt.org {
				if v != "" {
					org[k] = v
				}
			}
			agreement(t, providerBlock{orgs: map[string]map[string]string{"prod": org}}, tt.valid, func() error {
				_, err := salesforce.New(salesforce.Config{Alias: "prod", LoginURL: org["login_url"], ClientID: org["client_id"],
					ClientSecret: org["client_secret"], Username: org["username"], PrivateKey: org["private_key"],
					APIVersion: org["api_version"], JWTAudience: org["jwt_audience"]})
				return err
			})
		})
	}
}

// testKeySet holds PEM keys other than the RSA ones of testKeys.
type testKeySet struct {
	ecP256SEC1, ecP256PKCS8, ecP384SEC1, ecP521PKCS8, ecP224SEC1, ed25519PKCS8 string
}

var otherKeys = func() func(t *testing.T) testKeySet {
	var once sync.Once
	var set testKeySet
	return func(t *testing.T) testKeySet {
		t.Helper()
		once.Do(func() {
			ec := func(c elliptic.Curve, pkcs8 bool) string {
				k, err := ecdsa.GenerateKey(c, rand.Reader)
				if err != nil {
					panic(err)
				}
				if pkcs8 {
					return pkcs8PEM(k)
				}
				der, err := x509.MarshalECPrivateKey(k)
				if err != nil {
					panic(err)
				}
				return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
			}
			_, ed, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				panic(err)
			}
			set = testKeySet{
				ecP256SEC1: ec(elliptic.P256(), false), ecP256PKCS8: ec(elliptic.P256(), true), ecP384SEC1: ec(elliptic.P384(), false),
				ecP521PKCS8: ec(elliptic.P521(), true), ecP224SEC1: ec(elliptic.P224(), false), ed25519PKCS8: pkcs8PEM(ed),
			}
		})
		return set
	}
}()

func pkcs8PEM(k any) string { return testkeys.PKCS8PEM(k) }
