package okta

import (
	"context"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oktasf/terraform-provider-oktasf/internal/testkeys"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

const testToken = "00TestApiToken_abcdefghijklmnop"

// groupJSON renders a group the way Okta does with expand=stats.
func groupJSON(id, name, typ string, users int) map[string]any {
	return map[string]any{
		"id": id, "created": "2025-03-13T23:50:04.000Z", "lastUpdated": "2025-03-13T23:50:04.000Z",
		"lastMembershipUpdated": "2025-03-13T23:50:04.000Z", "objectClass": []string{"okta:user_group"}, "type": typ,
		"profile":   map[string]any{"name": name, "description": "d-" + name},
		"_embedded": map[string]any{"stats": map[string]any{"usersCount": users, "appsCount": 0, "groupPushMappingsCount": 0, "hasAdminPrivilege": false}},
		"_links":    map[string]any{"users": map[string]any{"href": "https://x/api/v1/groups/" + id + "/users"}},
	}
}

// fakeGroups serves GET /api/v1/groups as Okta does: startsWith q (case-insensitive), cursor paging
// with separate Link header lines, and filter=id eq "…".
type fakeGroups struct {
	groups   []map[string]any
	pageSize int
	mu       sync.Mutex
	requests []*http.Request
}

func (f *fakeGroups) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "SSWS "+testToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaeX","errorCauses":[]}`)
		return
	}
	q := r.URL.Query()
	var matched []map[string]any
	for _, g := range f.groups {
		name := g["profile"].(map[string]any)["name"].(string)
		if p := q.Get("q"); p != "" && !strings.HasPrefix(strings.ToLower(name), strings.ToLower(p)) {
			continue
		}
		if fl := q.Get("filter"); fl != "" && fl != fmt.Sprintf(`id eq "%s"`, g["id"]) {
			continue
		}
		matched = append(matched, g)
	}
	start := 0
	if after := q.Get("after"); after != "" {
		fmt.Sscanf(after, "c%d", &start)
	}
	end := min(start+f.pageSize, len(matched))
	self := "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	w.Header().Add("Link", "<"+self+`>; rel="self"`)
	if end < len(matched) {
		q.Set("after", fmt.Sprintf("c%d", end))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", "application/json")
	page := matched[start:end]
	if page == nil {
		page = []map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(page)
}

func newTestClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Config{OrgURL: srv.URL + "/", APIToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFindGroupByName(t *testing.T) {
	t.Parallel()
	groups := []map[string]any{
		groupJSON("00g1aaaaaaaaaaaaaaa1", "Sales Ops", "OKTA_GROUP", 3),
		groupJSON("00g1aaaaaaaaaaaaaaa2", "Sales EMEA", "OKTA_GROUP", 5),
		groupJSON("00g1aaaaaaaaaaaaaaa3", "sales", "OKTA_GROUP", 7),
		groupJSON("00g1aaaaaaaaaaaaaaa4", "Sales", "OKTA_GROUP", 42),
		groupJSON("00g1aaaaaaaaaaaaaaa5", "Marketing", "OKTA_GROUP", 1),
		groupJSON("00g1aaaaaaaaaaaaaaa6", "Dup", "OKTA_GROUP", 1),
		groupJSON("00g1aaaaaaaaaaaaaaa7", "Dup", "APP_GROUP", 1),
	}
	tests := []struct {
		name      string
		query     string
		wantID    string
		wantCount int64
		wantErr   error
		wantPages int
	}{
		{"exact match on the second page", "Sales", "00g1aaaaaaaaaaaaaaa4", 42, nil, 2},
		{"case differs is another group", "sales", "00g1aaaaaaaaaaaaaaa3", 7, nil, 2},
		{"prefix only is not found", "Sale", "", 0, ErrNotFound, 2},
		{"no match", "Engineering", "", 0, ErrNotFound, 1},
		{"duplicate names are ambiguous", "Dup", "", 0, ErrConflict, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeGroups{groups: groups, pageSize: 2}
			c := newTestClient(t, fake)
			g, err := c.FindGroupByName(context.Background(), tt.query)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if g.ID != tt.wantID || g.Name != tt.query || g.MemberCount != tt.wantCount || g.Type != "OKTA_GROUP" || g.Description != "d-"+tt.query {
					t.Fatalf("got %+v, want id %s with %d members", g, tt.wantID, tt.wantCount)
				}
			}
			if len(fake.requests) != tt.wantPages {
				t.Fatalf("%d requests, want %d pages", len(fake.requests), tt.wantPages)
			}
			first := fake.requests[0].URL.Query()
			if first.Get("q") != tt.query || first.Get("expand") != "stats" || first.Get("limit") != "200" {
				t.Fatalf("first request query %v, want q, expand=stats, limit=200", first)
			}
			if tt.wantPages > 1 && fake.requests[1].URL.Query().Get("after") != "c2" {
				t.Fatalf("second request %v did not follow the next link", fake.requests[1].URL)
			}
			if fake.requests[0].URL.Path != "/api/v1/groups" {
				t.Fatalf("path %q: org URL trailing slash was not trimmed", fake.requests[0].URL.Path)
			}
		})
	}
}

func TestGetGroup(t *testing.T) {
	t.Parallel()
	fake := &fakeGroups{groups: []map[string]any{groupJSON("00g1aaaaaaaaaaaaaaa4", "Sales", "OKTA_GROUP", 42)}, pageSize: 10}
	c := newTestClient(t, fake)
	g, err := c.GetGroup(context.Background(), "00g1aaaaaaaaaaaaaaa4")
	if err != nil || g.Name != "Sales" || g.MemberCount != 42 {
		t.Fatalf("GetGroup = %+v, %v", g, err)
	}
	if f := fake.requests[0].URL.Query().Get("filter"); f != `id eq "00g1aaaaaaaaaaaaaaa4"` {
		t.Fatalf("filter %q", f)
	}
	if _, err := c.GetGroup(context.Background(), "00gmissingmissing000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing group err = %v, want ErrNotFound", err)
	}
}

func TestWrongTokenIsAuthError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&fakeGroups{pageSize: 1})
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Config{OrgURL: srv.URL, APIToken: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FindGroupByName(context.Background(), "x")
	var apiErr *APIError
	if !errors.Is(err, ErrAuth) || !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "E0000011" {
		t.Fatalf("err = %v, want 401 E0000011 ErrAuth", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the token: %v", err)
	}
}

func TestRawNotFoundAndDecode(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/device-assurances/daeMissing":
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: daeMissing (DeviceAssurance)","errorLink":"E0000007","errorId":"oaeQ","errorCauses":[]}`)
		case "/api/v1/device-assurances":
			body, _ := io.ReadAll(r.Body)
			if r.Method != http.MethodPost || !strings.Contains(string(body), `"platform":"MACOS"`) {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			_, _ = io.WriteString(w, `{"id":"dae1","name":"mac","platform":"MACOS"}`)
		}
	}))
	var out map[string]any
	if _, err := c.Raw(context.Background(), http.MethodPost, "/api/v1/device-assurances", map[string]any{"name": "mac", "platform": "MACOS"}, &out); err != nil || out["id"] != "dae1" {
		t.Fatalf("Raw POST = %v, %v", out, err)
	}
	resp, err := c.Raw(context.Background(), http.MethodGet, "/api/v1/device-assurances/daeMissing", nil, &out)
	if !errors.Is(err, ErrNotFound) || resp == nil || resp.StatusCode != 404 {
		t.Fatalf("Raw GET missing = %v (resp %v), want ErrNotFound with the response", err, resp)
	}
}

func TestRateLimitThroughSDKIsTyped(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		now := time.Now()
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Limit", "100")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", fmt.Sprint(now.Add(time.Hour).Unix()))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeR","errorCauses":[]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Config{OrgURL: srv.URL, APIToken: testToken,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta, MaxRateLimitWait: time.Minute})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetGroup(context.Background(), "00g1aaaaaaaaaaaaaaa4")
	if !errors.Is(err, ErrRateLimited) || calls.Load() != 1 {
		t.Fatalf("err = %v after %d calls, want ErrRateLimited after 1 (no SDK retries)", err, calls.Load())
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"https with token", Config{OrgURL: "https://acme.okta.com/", APIToken: "t"}, false},
		{"http loopback", Config{OrgURL: "http://127.0.0.1:8080", APIToken: "t"}, false},
		{"http localhost", Config{OrgURL: "http://localhost:8080", APIToken: "t"}, false},
		{"http remote", Config{OrgURL: "http://acme.okta.com", APIToken: "t"}, true},
		{"admin URL", Config{OrgURL: "https://acme-admin.okta.com", APIToken: "t"}, true},
		{"path", Config{OrgURL: "https://acme.okta.com/api/v1", APIToken: "t"}, true},
		{"empty", Config{APIToken: "t"}, true},
		{"no credentials", Config{OrgURL: "https://acme.okta.com"}, true},
		{"both credentials", Config{OrgURL: "https://acme.okta.com", APIToken: "t", ClientID: "c", PrivateKey: pkcs8PEM(t), Scopes: []string{"okta.groups.read"}}, true},
		{"key without scopes", Config{OrgURL: "https://acme.okta.com", ClientID: "c", PrivateKey: pkcs8PEM(t)}, true},
		{"key without client", Config{OrgURL: "https://acme.okta.com", PrivateKey: pkcs8PEM(t), Scopes: []string{"okta.groups.read"}}, true},
		{"garbage key", Config{OrgURL: "https://acme.okta.com", ClientID: "c", PrivateKey: "not a key", Scopes: []string{"x"}}, true},
		{"PKCS#8 key", Config{OrgURL: "https://acme.okta.com", ClientID: "c", PrivateKey: pkcs8PEM(t), Scopes: []string{"x"}}, false},
		{"PKCS#1 key", Config{OrgURL: "https://acme.okta.com", ClientID: "c", PrivateKey: pkcs1PEM(t), Scopes: []string{"x"}}, false},
		{"EC P-256 key", Config{OrgURL: "https://acme.okta.com", ClientID: "c", PrivateKey: ecPEM(t, elliptic.P256(), false), Scopes: []string{"x"}}, false},
		{"EC P-224 key", Config{OrgURL: "https://acme.okta.com", ClientID: "c", PrivateKey: ecPEM(t, elliptic.P224(), false), Scopes: []string{"x"}}, true},
		// The provider's settings refused these (or accepted what New refused) before both used NormalizeOrgURL.
		{"upper-case scheme", Config{OrgURL: "HTTPS://Acme.Okta.com", APIToken: "t"}, false},
		{"fragment", Config{OrgURL: "https://acme.okta.com#top", APIToken: "t"}, true},
		{"credentials in the URL", Config{OrgURL: "https://admin:pw@acme.okta.com", APIToken: "t"}, true},
		{"token with its scheme", Config{OrgURL: "https://acme.okta.com", APIToken: "SSWS t"}, true},
		{"placeholder token", Config{OrgURL: "https://acme.okta.com", APIToken: "{apiToken}"}, true},
		{"placeholder org URL", Config{OrgURL: "https://{yourOktaDomain}", APIToken: "t"}, true},
		{"token and client id", Config{OrgURL: "https://acme.okta.com", APIToken: "t", ClientID: "c"}, true},
		{"token and scopes", Config{OrgURL: "https://acme.okta.com", APIToken: "t", Scopes: []string{"okta.groups.read"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(context.Background(), tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrValidation) {
				t.Fatalf("err %v is not ErrValidation", err)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Fatalf("error leaks key material: %v", err)
			}
		})
	}
}

var testKey = testkeys.RSA

func pkcs8PEM(*testing.T) string { return testkeys.PKCS8PEM(testkeys.RSA()) }

func pkcs1PEM(*testing.T) string { return testkeys.PKCS1PEM(testkeys.RSA()) }

// countingTransport proves requests went through the configured client.
type countingTransport struct {
	base  http.RoundTripper
	paths sync.Map
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n, _ := c.paths.LoadOrStore(r.URL.Path, new(atomic.Int32))
	n.(*atomic.Int32).Add(1)
	return c.base.RoundTrip(r)
}

func (c *countingTransport) count(path string) int32 {
	n, ok := c.paths.Load(path)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

// ecPEM is the curve's test key as SEC 1 ("EC PRIVATE KEY") or PKCS#8 PEM; P-224 is there to be refused.
func ecPEM(_ *testing.T, c elliptic.Curve, pkcs8 bool) string {
	if pkcs8 {
		return testkeys.PKCS8PEM(testkeys.EC(c))
	}
	return testkeys.SEC1PEM(testkeys.EC(c))
}

func TestNormalizeOrgURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want, wantErr string
	}{
		{"https://acme.okta.com", "https://acme.okta.com", ""},
		{" https://acme.okta.com// ", "https://acme.okta.com", ""},
		{"HTTPS://Acme.Okta.COM:8443/", "https://acme.okta.com:8443", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"http://localhost", "http://localhost", ""},
		{"", "", "the org URL is empty"},
		{"acme.okta.com", "", `"acme.okta.com" is not an absolute URL; set it like https://acme.okta.com`},
		{"http://acme.okta.com", "", "not a loopback address; use https://"},
		{"ftp://acme.okta.com", "", `has the scheme "ftp"`},
		{"https://acme.okta.com/api/v1", "", `has the path "/api/v1"; the org URL is the scheme and host only`},
		{"https://acme.okta.com/?x=1", "", "must not carry credentials, a query or a fragment"},
		{"https://acme.okta.com?", "", "must not carry credentials, a query or a fragment"},
		{"https://acme.okta.com#top", "", "must not carry credentials, a query or a fragment"},
		{"https://u:p@acme.okta.com", "", "must not carry credentials, a query or a fragment"},
		{"https://acme-admin.okta.com", "", `is the Admin Console's address; use the org URL without "-admin"`},
		{"https://ACME-ADMIN.OKTAPREVIEW.COM", "", "Admin Console"},
		{"https://acme.okta.com.com", "", `ends in ".com.com"`},
	}
	for _, tt := range tests {
		got, err := NormalizeOrgURL(tt.raw)
		switch {
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("NormalizeOrgURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("NormalizeOrgURL(%q) = %q, %v; want an error containing %q", tt.raw, got, err, tt.wantErr)
		}
	}
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(ed)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pem     string
		wantErr string // "" when accepted
	}{
		{"RSA PKCS#1", pkcs1PEM(t), ""},
		{"RSA PKCS#8", pkcs8PEM(t), ""},
		{"RSA on one line", strings.ReplaceAll(strings.TrimSpace(pkcs1PEM(t)), "\n", `\n`), ""},
		{"EC P-256 SEC 1", ecPEM(t, elliptic.P256(), false), ""},
		{"EC P-384 PKCS#8", ecPEM(t, elliptic.P384(), true), ""},
		{"EC P-521 SEC 1", ecPEM(t, elliptic.P521(), false), ""},
		{"EC P-224", ecPEM(t, elliptic.P224(), false), "the EC key is on P-224; Okta accepts P-256, P-384 and P-521"},
		{"Ed25519", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER})), "the key is a ed25519.PrivateKey"},
		{"not PEM", "not a key", "no PEM block could be decoded"},
		{"corrupt PKCS#1", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "not a valid PKCS#1 RSA key"},
		{"corrupt SEC 1", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "not a valid SEC 1 EC key"},
		{"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "the key is encrypted"},
		{"public key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", `the PEM block is a "PUBLIC KEY", not a private key`},
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

// The client signs the client assertion with every kind of key ParsePrivateKey accepts, with the
// algorithm of the key, and Okta's token endpoint (here a fake that verifies it) takes it.
func TestPrivateKeyAuth(t *testing.T) {
	t.Parallel()
	for _, kind := range []struct {
		name string
		pem  func(t *testing.T) string
		pub  any
		alg  string
	}{
		{"PKCS#8", pkcs8PEM, &testKey().PublicKey, "RS256"},
		{"PKCS#1", pkcs1PEM, &testKey().PublicKey, "RS256"},
		{"EC P-256", func(t *testing.T) string { return ecPEM(t, elliptic.P256(), false) }, &testkeys.EC(elliptic.P256()).PublicKey, "ES256"},
		{"EC P-384 PKCS#8", func(t *testing.T) string { return ecPEM(t, elliptic.P384(), true) }, &testkeys.EC(elliptic.P384()).PublicKey, "ES384"},
		{"EC P-521", func(t *testing.T) string { return ecPEM(t, elliptic.P521(), false) }, &testkeys.EC(elliptic.P521()).PublicKey, "ES512"},
	} {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			key := kind.pem(t)
			var orgURL string
			mux := http.NewServeMux()
			mux.HandleFunc("POST /oauth2/v1/token", func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				w.Header().Set("Content-Type", "application/json")
				tok, err := jwt.Parse(q.Get("client_assertion"), func(tok *jwt.Token) (any, error) {
					if tok.Header["kid"] != "kid-1" {
						return nil, errors.New("kid header missing")
					}
					return kind.pub, nil
				}, jwt.WithValidMethods([]string{kind.alg}), jwt.WithIssuer("0oaClient"), jwt.WithSubject("0oaClient"),
					jwt.WithAudience(orgURL+"/oauth2/v1/token"), jwt.WithExpirationRequired())
				if err != nil || !tok.Valid || q.Get("grant_type") != "client_credentials" || q.Get("scope") != "okta.groups.read okta.apps.read" ||
					q.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad assertion: %v"}`, err)
					return
				}
				_, _ = io.WriteString(w, `{"token_type":"Bearer","expires_in":3600,"access_token":"eyJraWQiOiJhY2Nlc3MifQ.eyJzY3AiOlsiZ3JvdXBzIl19.sig","scope":"okta.groups.read okta.apps.read"}`)
			})
			mux.HandleFunc("GET /api/v1/groups", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Header.Get("Authorization") != "Bearer eyJraWQiOiJhY2Nlc3MifQ.eyJzY3AiOlsiZ3JvdXBzIl19.sig" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				_ = json.NewEncoder(w).Encode([]any{groupJSON("00g1aaaaaaaaaaaaaaa4", "Sales", "OKTA_GROUP", 2)})
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			orgURL = srv.URL
			counter := &countingTransport{base: transport.NewTransport(transport.Config{Service: transport.ServiceOkta})}
			c, err := New(context.Background(), Config{OrgURL: srv.URL, ClientID: "0oaClient", PrivateKey: key, PrivateKeyID: "kid-1",
				Scopes: []string{"okta.groups.read", "okta.apps.read"}, HTTPClient: &http.Client{Transport: counter}})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if g, err := c.FindGroupByName(context.Background(), "Sales"); err != nil || g.MemberCount != 2 {
					t.Fatalf("FindGroupByName = %+v, %v", g, err)
				}
			}
			if counter.count("/oauth2/v1/token") != 1 || counter.count("/api/v1/groups") != 2 {
				t.Fatalf("token requests %d, group requests %d through the configured client; want 1 and 2",
					counter.count("/oauth2/v1/token"), counter.count("/api/v1/groups"))
			}
		})
	}
}
