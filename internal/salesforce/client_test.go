package salesforce

import (
	"context"
	"crypto/elliptic"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/testkeys"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

func TestJWTBearerToken(t *testing.T) {
	t.Parallel()
	for _, key := range []struct{ name, pem string }{{"PKCS#8", pkcs8Key(t)}, {"PKCS#1", pkcs1Key()}} {
		t.Run(key.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeOrg(t, "63.0")
			c, err := New(Config{Alias: "prod", LoginURL: f.srv.URL + "/", ClientID: fakeKey, Username: fakeUser, PrivateKey: key.pem})
			if err != nil {
				t.Fatal(err)
			}
			instance, err := c.InstanceURL(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			orgID, userID, err := c.Identity(context.Background())
			if err != nil || instance != f.srv.URL || orgID != fakeOrgID || userID != fakeUserID {
				t.Fatalf("instance %q org %q user %q err %v", instance, orgID, userID, err)
			}
			if n := f.tokenReqs.Load(); n != 1 {
				t.Fatalf("%d token requests, want 1 (the session is reused)", n)
			}
		})
	}
}

// A My Domain URL as aud is refused by Salesforce (salesforce-session-and-logs.md §8), and the refusal
// reaches the caller as an auth error with Salesforce's own words and no secret.
func TestJWTWrongAudienceIsAuthError(t *testing.T) {
	t.Parallel()
	f := newFakeOrg(t, "63.0")
	c, err := New(Config{LoginURL: f.srv.URL, ClientID: fakeKey, Username: fakeUser, PrivateKey: pkcs8Key(t), JWTAudience: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.InstanceURL(context.Background())
	var apiErr *APIError
	if !errors.Is(err, ErrAuth) || !errors.As(err, &apiErr) || apiErr.Code != "invalid_grant" || !strings.Contains(apiErr.Message, "audience is invalid") {
		t.Fatalf("err = %v, want invalid_grant with the error_description", err)
	}
	if strings.Contains(err.Error(), "eyJ") || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Fatalf("error leaks the assertion or key: %v", err)
	}
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secret  string
		wantErr error
	}{
		{"right secret", fakeSecret, nil},
		{"wrong secret", "nope-wrong-secret", ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeOrg(t, "63.0")
			c, err := New(Config{LoginURL: f.srv.URL, ClientID: fakeKey, ClientSecret: tt.secret})
			if err != nil {
				t.Fatal(err)
			}
			org, err := c.Organization(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), tt.secret) {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			want := Organization{ID: fakeOrgID, Name: "Acme", IsSandbox: true, InstanceName: "CS42", OrganizationType: "Enterprise Edition"}
			if *org != want {
				t.Fatalf("org = %+v, want %+v", *org, want)
			}
		})
	}
}

// The default aud is one Salesforce accepts (salesforce-session-and-logs.md §8): login or test, or an
// Experience Cloud site's URL; never the login URL of another host, which no org accepts.
func TestJWTAudience(t *testing.T) {
	t.Parallel()
	tests := []struct{ login, configured, want string }{
		{"https://login.salesforce.com", "", "https://login.salesforce.com"},
		{"https://test.salesforce.com", "", "https://test.salesforce.com"},
		{"https://acme.my.salesforce.com", "", "https://login.salesforce.com"},
		{"https://ACME.My.Salesforce.com/", "", "https://login.salesforce.com"},
		{"https://acme--uat.sandbox.my.salesforce.com", "", "https://test.salesforce.com"},
		{"https://acme--uat.my.salesforce.com", "", "https://test.salesforce.com"},
		{"https://velocity-ability-1234-dev-ed.scratch.my.salesforce.com", "", "https://test.salesforce.com"},
		{"https://acme.my.site.com/customers/", "", "https://acme.my.site.com/customers"},
		{"https://acme.force.com/customers", "", "https://acme.force.com/customers"},
		{"https://acme.lightning.force.com", "", "https://login.salesforce.com"},
		{"https://sso-proxy.example.com/", "", "https://login.salesforce.com"},
		{"http://127.0.0.1:8443", "", "https://login.salesforce.com"},
		{"http://127.0.0.1:8443", "https://test.salesforce.com", "https://test.salesforce.com"},
	}
	for _, tt := range tests {
		c, err := New(Config{LoginURL: tt.login, ClientID: "k", Username: "u", PrivateKey: pkcs1Key(), JWTAudience: tt.configured})
		if err != nil {
			t.Fatal(err)
		}
		if c.audience != tt.want {
			t.Errorf("audience for %s (jwt_audience %q) = %q, want %q", tt.login, tt.configured, c.audience, tt.want)
		}
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no client id", Config{ClientSecret: "s"}},
		{"no credentials", Config{ClientID: "k"}},
		{"jwt without username", Config{ClientID: "k", PrivateKey: pkcs1Key()}},
		{"bad key", Config{ClientID: "k", Username: "u", PrivateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}},
		{"plain http remote", Config{LoginURL: "http://login.salesforce.com", ClientID: "k", ClientSecret: "s"}},
		{"bad version", Config{ClientID: "k", ClientSecret: "s", APIVersion: "63"}},
		// The provider's settings refused these while New accepted them, before both used the same validators.
		{"version v alone", Config{ClientID: "k", ClientSecret: "s", APIVersion: "v"}},
		{"login URL with a query", Config{LoginURL: "https://acme.my.salesforce.com?x=1", ClientID: "k", ClientSecret: "s"}},
		{"login URL with a fragment", Config{LoginURL: "https://acme.my.salesforce.com#x", ClientID: "k", ClientSecret: "s"}},
		{"login URL with credentials", Config{LoginURL: "https://u:p@acme.my.salesforce.com", ClientID: "k", ClientSecret: "s"}},
		{"JWT audience not a URL", Config{ClientID: "k", Username: "u", PrivateKey: pkcs1Key(), JWTAudience: "test.salesforce.com"}},
		{"JWT audience not a URL beside a secret", Config{ClientID: "k", ClientSecret: "s", JWTAudience: "test.salesforce.com"}},
		{"secret and username", Config{ClientID: "k", ClientSecret: "s", Username: "u"}},
		{"secret and JWT bearer", Config{ClientID: "k", ClientSecret: "s", Username: "u", PrivateKey: pkcs1Key()}},
		{"EC key", Config{ClientID: "k", Username: "u", PrivateKey: ecKeyPEM(t)}},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if !errors.Is(err, ErrValidation) {
			t.Errorf("%s: err = %v, want ErrValidation", tt.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "AAAA") {
			t.Errorf("%s: error leaks key material: %v", tt.name, err)
		}
	}
}

type user struct {
	ID       string `json:"Id"`
	Username string `json:"Username"`
	IsActive bool   `json:"IsActive"`
}

func TestQueryPaginationOnV62(t *testing.T) {
	t.Parallel()
	for _, tooling := range []bool{false, true} {
		t.Run(map[bool]string{false: "data", true: "tooling"}[tooling], func(t *testing.T) {
			t.Parallel()
			f := newFakeOrg(t, "62.0")
			for i, name := range []string{"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"} {
				f.records = append(f.records, map[string]any{
					"attributes": map[string]string{"type": "User"}, "Id": "005" + strings.Repeat("0", 14) + string(rune('A'+i)), "Username": name, "IsActive": i%2 == 0,
				})
			}
			c := f.jwtClient(t)
			var users []user
			soql := "SELECT Id, Username, IsActive FROM User WHERE FederationIdentifier != null"
			query := c.Query
			if tooling {
				query = c.ToolingQuery
			}
			if err := query(context.Background(), soql, &users); err != nil {
				t.Fatal(err)
			}
			if len(users) != 5 || users[0].Username != "a@x.com" || users[4].Username != "e@x.com" || !users[2].IsActive || users[1].IsActive {
				t.Fatalf("users = %+v", users)
			}
			var dataPaths []string
			for _, p := range f.requestPaths() {
				if strings.HasPrefix(p, "/services/data/") {
					dataPaths = append(dataPaths, p)
				}
			}
			prefix := "/services/data/v62.0/query/"
			if tooling {
				prefix = "/services/data/v62.0/tooling/query/"
			}
			want := []string{prefix + "?q=" + url.QueryEscape(soql), prefix + "01gD0000002HU6KIAW-2", prefix + "01gD0000002HU6KIAW-4"}
			if strings.Join(dataPaths, "\n") != strings.Join(want, "\n") {
				t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(dataPaths, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	f := newFakeOrg(t, "63.0")
	c := f.jwtClient(t)
	var out []map[string]any
	tests := []struct {
		soql     string
		want     error
		wantCode string
	}{
		{"SELEKT Id FROM User", ErrValidation, "MALFORMED_QUERY"},
		{"SELECT Id FROM LIMITED", ErrLimitExceeded, "REQUEST_LIMIT_EXCEEDED"},
	}
	for _, tt := range tests {
		err := c.Query(context.Background(), tt.soql, &out)
		var apiErr *APIError
		if !errors.Is(err, tt.want) || !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode {
			t.Errorf("Query(%q) err = %v, want %s", tt.soql, err, tt.wantCode)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Query(ctx, "SELECT Id FROM User", &out); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Query err = %v, want context.Canceled", err)
	}
}

func TestCollectionsKeepPerRecordErrors(t *testing.T) {
	t.Parallel()
	f := newFakeOrg(t, "63.0")
	c := f.jwtClient(t)
	results, err := c.InsertCollection(context.Background(), "Contact", []map[string]any{
		{"LastName": "One"}, {"FirstName": "NoLast"}, {"LastName": "Three"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || !results[0].Success || results[1].Success || !results[2].Success || results[2].ID == "" {
		t.Fatalf("results = %+v", results)
	}
	var apiErr *APIError
	if err := results[1].Err(); !errors.Is(err, ErrValidation) || !errors.As(err, &apiErr) ||
		apiErr.Code != "REQUIRED_FIELD_MISSING" || len(apiErr.Fields) != 1 || apiErr.Fields[0] != "LastName" {
		t.Fatalf("record 2 error = %v", err)
	}
	many := make([]map[string]any, 150) // one Collections call (more go as Composite: TestCreateAndUpdateUsers)
	for i := range many {
		many[i] = map[string]any{"Id": "003000000000000AAA", "Title": "x"}
	}
	updated, err := c.UpdateCollection(context.Background(), "Contact", many)
	if err != nil || len(updated) != 150 || !updated[149].Success {
		t.Fatalf("update of 150: %d results, err %v", len(updated), err)
	}
	f.mu.Lock()
	batches := fmt.Sprint(f.batches)
	f.mu.Unlock()
	if got := batches; got != "[3 150]" {
		t.Fatalf("collection request sizes %s, want [3 150]", got)
	}
	del, err := c.DeleteCollection(context.Background(), "PermissionSetAssignment", []string{"0Pa000000000001AAA", "gone00000000002AAA"})
	if err != nil || len(del) != 2 || !del[0].Success || !errors.Is(del[1].Err(), ErrNotFound) {
		t.Fatalf("delete results %+v, err %v", del, err)
	}
}

func TestParallelQueriesAfterExpiryRefreshOnce(t *testing.T) {
	t.Parallel()
	f := newFakeOrg(t, "63.0")
	f.records = []map[string]any{{"Id": "005000000000001AAA", "Username": "a@x.com"}}
	c, err := New(Config{Alias: "prod", LoginURL: f.srv.URL, ClientID: fakeKey, Username: fakeUser, PrivateKey: pkcs8Key(t),
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Organization(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.expireSession()
	before := f.tokenReqs.Load()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var users []user
			if err := c.Query(context.Background(), "SELECT Id, Username FROM User", &users); err != nil {
				errs <- err
				return
			}
			if len(users) != 1 {
				errs <- errors.New("wrong result after refresh")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := f.tokenReqs.Load() - before; got != 1 {
		t.Fatalf("%d token requests after the session expired, want exactly 1", got)
	}
}

func TestMetadataSamlSsoConfig(t *testing.T) {
	t.Parallel()
	f := newFakeOrg(t, "62.0")
	c := f.jwtClient(t)
	ctx := context.Background()
	cfg := SAMLSSOConfig{
		FullName: "Okta", Issuer: "http://www.okta.com/exk1fcia6d6EMsf331d8", SAMLEntityID: "https://acme.my.salesforce.com",
		ValidationCert: "MIIDpDCCAoygAwIBAgIGAZ<&>", LoginURL: "https://acme.okta.com/app/acme_sf/exk1/sso/saml",
		IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0",
		UserProvisioning: true, RequestSignatureMethod: "RSA-SHA256",
	}
	if _, err := c.ReadSAMLSSOConfig(ctx, "Okta"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read before create: %v, want ErrNotFound", err)
	}
	created, err := c.UpsertSAMLSSOConfig(ctx, cfg)
	if err != nil || !created {
		t.Fatalf("first upsert created=%v err=%v", created, err)
	}
	// The session expires between calls: the SOAP fault must trigger one refresh and a rebuilt envelope.
	f.expireSession()
	cfg.UserProvisioning = false
	created, err = c.UpsertSAMLSSOConfig(ctx, cfg)
	if err != nil || created {
		t.Fatalf("second upsert created=%v err=%v", created, err)
	}
	got, err := c.ReadSAMLSSOConfig(ctx, "Okta")
	if err != nil {
		t.Fatal(err)
	}
	want := cfg
	want.Name = "Okta"
	want.SalesforceLoginURL = f.srv.URL + "?so=00D5g000004ABCD"
	if *got != want {
		t.Fatalf("read back %+v\nwant %+v", *got, want)
	}
	if !strings.Contains(f.lastSOAP, "<met:readMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>Okta</met:fullNames>") {
		t.Fatalf("read envelope: %s", f.lastSOAP)
	}
	if err := c.DeleteSAMLSSOConfig(ctx, "Okta"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSAMLSSOConfig(ctx, "Okta"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := c.UpsertSAMLSSOConfig(ctx, SAMLSSOConfig{FullName: "Bad"}); err == nil {
		t.Fatal("upsert without issuer succeeded")
	} else if !errors.Is(err, ErrValidation) || !strings.Contains(err.Error(), "REQUIRED_FIELD_MISSING") {
		t.Fatalf("upsert without issuer: %v", err)
	}
}

func ecKeyPEM(*testing.T) string { return testkeys.SEC1PEM(testkeys.EC(elliptic.P256())) }

func TestNormalizeLoginURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want, wantErr string
	}{
		{"https://acme.my.salesforce.com/", "https://acme.my.salesforce.com", ""},
		{"HTTPS://acme.my.salesforce.com", "https://acme.my.salesforce.com", ""},
		{"https://acme.my.site.com/customers/", "https://acme.my.site.com/customers", ""},
		{"http://127.0.0.1:7452", "http://127.0.0.1:7452", ""},
		{"http://localhost:7452/", "http://localhost:7452", ""},
		{"http://acme.my.salesforce.com", "", "not a loopback address; use https://"},
		{"ftp://acme.my.salesforce.com", "", `has the scheme "ftp"`},
		{"/services", "", `"/services" is not an absolute URL; set it like https://acme.my.salesforce.com`},
		{"https://acme.my.salesforce.com?x=1", "", "must not carry credentials, a query or a fragment"},
		{"https://u:p@acme.my.salesforce.com", "", "must not carry credentials, a query or a fragment"},
	}
	for _, tt := range tests {
		got, err := NormalizeLoginURL(tt.raw)
		switch {
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("NormalizeLoginURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("NormalizeLoginURL(%q) = %q, %v; want an error containing %q", tt.raw, got, err, tt.wantErr)
		}
	}
}

func TestNormalizeAPIVersion(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{"", DefaultAPIVersion}, {"62.0", "62.0"}, {"v61.0", "61.0"}, {"63", ""}, {"v", ""}, {"vv62.0", ""}, {"62.1", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeAPIVersion(tt.raw)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("NormalizeAPIVersion(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
		if err != nil && !strings.Contains(err.Error(), `give the version number such as "`+DefaultAPIVersion+`"`) {
			t.Errorf("NormalizeAPIVersion(%q): the error %q does not give the fix", tt.raw, err)
		}
	}
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pem     string
		wantErr string // "" when accepted
	}{
		{"PKCS#1", pkcs1Key(), ""},
		{"PKCS#8", pkcs8Key(t), ""},
		{"on one line", strings.ReplaceAll(strings.TrimSpace(pkcs8Key(t)), "\n", `\n`), ""},
		{"EC SEC 1", ecKeyPEM(t), "the JWT bearer flow needs an RSA key"},
		{"not PEM", "not a key", "no PEM block could be decoded"},
		{"corrupt PKCS#1", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "not a valid PKCS#1 RSA key"},
		{"corrupt PKCS#8", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a valid PKCS#8 key"},
		{"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "the key is encrypted"},
		{"certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", `the PEM block is a "CERTIFICATE", not a private key`},
	}
	for _, tt := range tests {
		_, err := ParsePrivateKey([]byte(tt.pem))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "AAAA") {
			t.Errorf("%s: the error leaks key bytes: %v", tt.name, err)
		}
	}
}
