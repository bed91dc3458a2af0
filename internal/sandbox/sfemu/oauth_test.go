package sfemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestJWTBearerClaims(t *testing.T) {
	t.Parallel()
	prod := startOrg(t, "prod", testSeed(), nil, nil, 0)
	sbx := startOrg(t, "uat", OrgSeed{Name: "UAT", IsSandbox: true, AdminUsername: "integration@acme.uat"}, nil, nil, 0)
	in := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }
	tests := []struct {
		name   string
		org    *testOrg
		claims func(c Credentials) jwt.MapClaims
		alg    jwt.SigningMethod
		want   string // "" = success, else the OAuth error code
		desc   string
		signer *testOrg // whose key signs; the org itself when nil
	}{
		{"exp as string (go-salesforce)", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://login.salesforce.com", "exp": in(3 * time.Minute)}
		}, jwt.SigningMethodRS256, "", "", nil},
		{"exp as number", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://login.salesforce.com", "exp": time.Now().Add(time.Minute).Unix()}
		}, jwt.SigningMethodRS256, "", "", nil},
		{"sandbox wants test.salesforce.com", sbx, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://test.salesforce.com", "exp": in(time.Minute)}
		}, jwt.SigningMethodRS256, "", "", nil},
		{"expired", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://login.salesforce.com", "exp": in(-time.Minute)}
		}, jwt.SigningMethodRS256, "invalid_grant", "expired authorization code", nil},
		// No maximum lead time is documented (salesforce-session-and-logs.md §8), so a longer-lived assertion is taken.
		{"exp an hour ahead", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://login.salesforce.com", "exp": in(time.Hour)}
		}, jwt.SigningMethodRS256, "", "", nil},
		{"unknown consumer key", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": "3MVGother", "sub": c.Username, "aud": "https://login.salesforce.com", "exp": in(time.Minute)}
		}, jwt.SigningMethodRS256, "invalid_client_id", "client identifier invalid", nil},
		{"user of another org", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": "integration@acme.uat", "aud": "https://login.salesforce.com", "exp": in(time.Minute)}
		}, jwt.SigningMethodRS256, "invalid_grant", "user hasn't approved this consumer", nil},
		{"signed with another app's key", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://login.salesforce.com", "exp": in(time.Minute)}
		}, jwt.SigningMethodRS256, "invalid_grant", "invalid assertion", sbx},
		{"RS512 refused", prod, func(c Credentials) jwt.MapClaims {
			return jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "aud": "https://login.salesforce.com", "exp": in(time.Minute)}
		}, jwt.SigningMethodRS512, "invalid_grant", "invalid assertion", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.org.Credentials()
			pemKey := c.PrivateKeyPEM
			if tt.signer != nil {
				pemKey = tt.signer.Credentials().PrivateKeyPEM
			}
			key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(pemKey))
			if err != nil {
				t.Fatal(err)
			}
			assertion, err := jwt.NewWithClaims(tt.alg, tt.claims(c)).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.PostForm(c.LoginURL+"/services/oauth2/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]string
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if tt.want != "" {
				if resp.StatusCode != 400 || body["error"] != tt.want || body["error_description"] != tt.desc {
					t.Fatalf("got %d %v, want 400 %s %q", resp.StatusCode, body, tt.want, tt.desc)
				}
				return
			}
			if resp.StatusCode != 200 || body["instance_url"] != c.LoginURL || body["token_type"] != "Bearer" ||
				!strings.HasPrefix(body["id"], c.LoginURL+"/id/"+c.OrgID+"/005") || !strings.HasPrefix(body["access_token"], c.OrgID[:15]+"!") {
				t.Fatalf("token response %d %v", resp.StatusCode, body)
			}
			if ms, err := strconv.ParseInt(body["issued_at"], 10, 64); err != nil || time.Since(time.UnixMilli(ms)) > time.Minute {
				t.Fatalf("issued_at %q is not epoch milliseconds", body["issued_at"])
			}
			// The identity URL answers for the token's own user.
			req, _ := http.NewRequest(http.MethodGet, body["id"], nil)
			req.Header.Set("Authorization", "Bearer "+body["access_token"])
			idResp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer idResp.Body.Close()
			var ident map[string]any
			_ = json.NewDecoder(idResp.Body).Decode(&ident)
			if idResp.StatusCode != 200 || ident["username"] != c.Username || ident["organization_id"] != c.OrgID {
				t.Fatalf("identity %d %v", idResp.StatusCode, ident)
			}
		})
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	c := to.Credentials()
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"password flow is blocked", url.Values{"grant_type": {"password"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}, "username": {c.Username}, "password": {"x"}}, "invalid_grant"},
		{"no grant", url.Values{}, "unsupported_grant_type"},
		{"bad client id", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {c.ClientSecret}}, "invalid_client_id"},
		{"bad secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {"x"}}, "invalid_client"},
		{"garbage assertion", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"a.b.c"}}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := http.PostForm(c.LoginURL+"/services/oauth2/token", tt.form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var body map[string]string
			if err := json.Unmarshal(b, &body); err != nil || resp.StatusCode != 400 || body["error"] != tt.want || body["error_description"] == "" {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
}

func TestSeedErrors(t *testing.T) {
	t.Parallel()
	dir := NewDirectory()
	_ = startOrg(t, "prod", OrgSeed{AdminUsername: "admin@acme.com"}, dir, nil, 0)
	tests := []struct {
		name string
		seed OrgSeed
		want string
	}{
		{"admin username taken by another org", OrgSeed{AdminUsername: "ADMIN@acme.com"}, "Duplicate Username"},
		{"unknown profile", OrgSeed{AdminUsername: "a@b.io", Users: []UserSeed{{Username: "u@b.io", LastName: "U", Profile: "Nope"}}}, `no profile "Nope"`},
		{"unknown permission set", OrgSeed{AdminUsername: "a2@b.io", Users: []UserSeed{{Username: "u2@b.io", LastName: "U", PermissionSets: []string{"Nope"}}}}, `no permission set or group "Nope"`},
		{"bad org id", OrgSeed{OrgID: "005000000000001", AdminUsername: "a3@b.io"}, "not a 15- or 18-character 00D id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(Config{Alias: "x", BaseURL: "http://127.0.0.1:1", Directory: dir}, tt.seed)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A failed seed gives its usernames back.
	if _, err := New(Config{Alias: "y", BaseURL: "http://127.0.0.1:2", Directory: dir}, OrgSeed{AdminUsername: "u@b.io"}); err != nil {
		t.Fatalf("username of a failed seed still held: %v", err)
	}
}

func TestUpsertAndIDForms(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	std := profileID(t, to, "Standard User")
	status, _, body := to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/Username/ups@acme.qa", strings.Replace(newUserJSON("ignored@acme.qa", "", std), `"Username":"ignored@acme.qa",`, "", 1))
	var res map[string]any
	_ = json.Unmarshal([]byte(body), &res)
	if status != 201 || res["created"] != true {
		t.Fatalf("upsert insert: %d %s", status, body)
	}
	id := res["id"].(string)
	status, _, body = to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/Username/UPS@acme.qa", `{"Title":"Upserted"}`)
	_ = json.Unmarshal([]byte(body), &res)
	if status != 200 || res["created"] != false || res["id"] != id {
		t.Fatalf("upsert update: %d %s", status, body)
	}
	if status, _, body := to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/FederationIdentifier/x", `{}`); status != 404 || !strings.Contains(body, "Provided external ID field does not exist or is not accessible: FederationIdentifier") {
		t.Fatalf("upsert on non-external-id field: %d %s", status, body)
	}
	// 15-character and case-folded 18-character ids address the same record.
	for _, form := range []string{id, id[:15], strings.ToLower(id[:15]) + id[15:]} {
		status, _, body := to.do(t, "GET", "/services/data/v63.0/sobjects/User/"+form+"?fields=Title", "")
		if form == strings.ToLower(id[:15])+id[15:] && strings.ToLower(id[:15]) == id[:15] {
			continue
		}
		if status != 200 || !strings.Contains(body, `"Title":"Upserted"`) {
			t.Fatalf("GET by %s: %d %s", form, status, body)
		}
	}
}

// The audiences Salesforce accepts (salesforce-session-and-logs.md §8): login.salesforce.com for production,
// test.salesforce.com for sandboxes; not the org's My Domain (where the token request goes), not the other
// environment's host, and no look-alike. A refusal is Salesforce's invalid_grant "audience is invalid".
func TestJWTBearerAudience(t *testing.T) {
	t.Parallel()
	prod := startOrg(t, "prod", testSeed(), nil, nil, 0)
	sbx := startOrg(t, "uat", OrgSeed{Name: "UAT", IsSandbox: true, AdminUsername: "integration@acme.uat"}, nil, nil, 0)
	tests := []struct {
		name string
		org  *testOrg
		aud  func(c Credentials) any
		ok   bool
	}{
		{"production: login.salesforce.com", prod, func(Credentials) any { return "https://login.salesforce.com" }, true},
		{"production: test.salesforce.com", prod, func(Credentials) any { return "https://test.salesforce.com" }, false},
		{"production: its My Domain", prod, func(c Credentials) any { return c.LoginURL }, false},
		{"production: its My Domain among others", prod, func(c Credentials) any { return []any{c.LoginURL, "https://example.com"} }, false},
		{"production: plain http", prod, func(Credentials) any { return "http://login.salesforce.com" }, false},
		{"production: look-alike host", prod, func(Credentials) any { return "https://login.salesforce.com.example.net" }, false},
		{"production: an Experience Cloud site it does not have", prod, func(Credentials) any { return "https://acme.my.site.com/customers" }, false},
		{"production: no aud", prod, func(Credentials) any { return nil }, false},
		{"sandbox: test.salesforce.com", sbx, func(Credentials) any { return "https://test.salesforce.com" }, true},
		{"sandbox: login.salesforce.com", sbx, func(Credentials) any { return "https://login.salesforce.com" }, false},
		{"sandbox: its My Domain", sbx, func(c Credentials) any { return c.LoginURL }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.org.Credentials()
			key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(c.PrivateKeyPEM))
			if err != nil {
				t.Fatal(err)
			}
			claims := jwt.MapClaims{"iss": c.ClientID, "sub": c.Username, "exp": time.Now().Add(time.Minute).Unix()}
			if aud := tt.aud(c); aud != nil {
				claims["aud"] = aud
			}
			assertion, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.PostForm(c.LoginURL+"/services/oauth2/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]string
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if tt.ok {
				if resp.StatusCode != 200 || body["access_token"] == "" {
					t.Fatalf("got %d %v, want a token", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != 400 || body["error"] != "invalid_grant" || body["error_description"] != "audience is invalid" {
				t.Fatalf("got %d %v, want 400 invalid_grant \"audience is invalid\"", resp.StatusCode, body)
			}
		})
	}
}

// JWTAudience, which the sandbox hands out with the credentials, is the audience the org accepts.
func TestJWTAudienceForOrgKind(t *testing.T) {
	t.Parallel()
	prod := startOrg(t, "prod", testSeed(), nil, nil, 0)
	sbx := startOrg(t, "uat", OrgSeed{Name: "UAT", IsSandbox: true, AdminUsername: "integration@acme.uat"}, nil, nil, 0)
	if got, want := prod.JWTAudience(), "https://login.salesforce.com"; got != want {
		t.Errorf("production JWTAudience() = %q, want %q", got, want)
	}
	if got, want := sbx.JWTAudience(), "https://test.salesforce.com"; got != want {
		t.Errorf("sandbox JWTAudience() = %q, want %q", got, want)
	}
}
