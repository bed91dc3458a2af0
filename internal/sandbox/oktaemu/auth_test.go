package oktaemu

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/okta/okta-sdk-golang/v2/okta"
)

func TestSDKPrivateKeyMode(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(2)}))
	ctx := context.Background()

	full := org.privateKeyClient(t, []string{"okta.users.read", "okta.groups.manage"})
	users, _, err := full.User.ListUsers(ctx, nil)
	if err != nil || len(users) != 2 {
		t.Fatalf("list users with a bearer token: %d, %v", len(users), err)
	}
	if _, _, err := full.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "Bearer made"}}); err != nil {
		t.Fatalf("create group with okta.groups.manage: %v", err)
	}
	_, resp, err := full.User.CreateUser(ctx, newUserRequest("x@example.com", ""), nil)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusForbidden || !strings.Contains(e.ErrorSummary, "does not contain the required scopes") {
		t.Errorf("create user with only okta.users.read: %d %+v", resp.StatusCode, e)
	}
	_, resp, err = full.Application.ListApplications(ctx, nil)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusForbidden || e.ErrorSummary == "" {
		t.Errorf("list apps without an apps scope: %d %+v", resp.StatusCode, e)
	}
	rec := org.recorded()
	last := rec[len(rec)-1]
	if ch := last.header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="okta.apps.read"`) {
		t.Errorf("challenge %q", ch)
	}

	org.srv.ExpireSessions()
	_, resp, err = full.User.ListUsers(ctx, nil)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(e.ErrorSummary, "not valid") {
		t.Errorf("after ExpireSessions: %d %+v", resp.StatusCode, e)
	}
	sswsUsers, _, err := org.client(t).User.ListUsers(ctx, nil)
	if err != nil || len(sswsUsers) != 2 {
		t.Errorf("SSWS must survive ExpireSessions: %v", err)
	}

	_, _, err = okta.NewClient(ctx, okta.WithOrgUrl(org.http.URL), okta.WithAuthorizationMode("PrivateKey"),
		okta.WithClientId(org.srv.Credentials().ClientID), okta.WithScopes([]string{"okta.users.read"}),
		okta.WithPrivateKey(org.srv.Credentials().PrivateKeyPEM), okta.WithTestingDisableHttpsCheck(true))
	if err != nil {
		t.Fatalf("the PEM must be PKCS#1 as okta-sdk-golang v2 requires: %v", err)
	}
}

func signAssertion(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	cr := org.srv.Credentials()
	block, _ := pem.Decode([]byte(cr.PrivateKeyPEM))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	aud := org.http.URL + "/oauth2/v1/token"
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": cr.ClientID, "sub": cr.ClientID, "aud": aud, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	valid := signAssertion(t, key, claims(nil))
	form := func(grant, scope, assertion string) url.Values {
		return url.Values{"grant_type": {grant}, "scope": {scope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	}
	tests := []struct {
		name       string
		params     url.Values
		inQuery    bool
		wantStatus int
		wantError  string
	}{
		{"form body", form("client_credentials", "okta.users.read", valid), false, 200, ""},
		{"query string as okta-sdk-golang sends it", form("client_credentials", "okta.users.read okta.apps.manage", valid), true, 200, ""},
		{"wrong grant", form("password", "okta.users.read", valid), false, 400, "unsupported_grant_type"},
		{"foreign key", form("client_credentials", "okta.users.read", signAssertion(t, stranger, claims(nil))), false, 401, "invalid_client"},
		{"wrong audience", form("client_credentials", "okta.users.read", signAssertion(t, key, claims(func(c jwt.MapClaims) { c["aud"] = "https://elsewhere/oauth2/v1/token" }))), false, 401, "invalid_client"},
		{"expired", form("client_credentials", "okta.users.read", signAssertion(t, key, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }))), false, 401, "invalid_client"},
		{"other issuer", form("client_credentials", "okta.users.read", signAssertion(t, key, claims(func(c jwt.MapClaims) { c["iss"] = "0oaSomeoneElse" }))), false, 401, "invalid_client"},
		{"scope not granted", form("client_credentials", "okta.users.read okta.superpowers", valid), false, 400, "invalid_scope"},
		{"no scope", form("client_credentials", "", valid), false, 400, "invalid_scope"},
	}
	for _, tt := range tests {
		target := aud
		var body string
		if tt.inQuery {
			target += "?" + tt.params.Encode()
		} else {
			body = tt.params.Encode()
		}
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := org.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		decodeJSON(t, resp, &out)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s: status %d, want %d (%v)", tt.name, resp.StatusCode, tt.wantStatus, out)
			continue
		}
		if tt.wantError != "" {
			if out["error"] != tt.wantError || out["error_description"] == "" {
				t.Errorf("%s: body %v", tt.name, out)
			}
			continue
		}
		if out["token_type"] != "Bearer" || out["expires_in"] != float64(3600) || out["access_token"] == "" ||
			out["scope"] != tt.params.Get("scope") {
			t.Errorf("%s: token %v", tt.name, out)
		}
		check := org.do(t, http.MethodGet, "/api/v1/users", "", "Bearer "+out["access_token"].(string))
		if check.StatusCode != http.StatusOK {
			t.Errorf("%s: issued token refused: %d", tt.name, check.StatusCode)
		}
	}
}
