package oktaemu

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/okta/okta-sdk-golang/v2/okta"
	"gopkg.in/yaml.v3"
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

// bearer returns an access token of the org's service app holding scopes, from the token endpoint.
func (o *testOrg) bearer(t *testing.T, scopes ...string) string {
	t.Helper()
	cr := o.srv.Credentials()
	block, _ := pem.Decode([]byte(cr.PrivateKeyPEM))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	aud := o.http.URL + "/oauth2/v1/token"
	assertion := signAssertion(t, key, jwt.MapClaims{"iss": cr.ClientID, "sub": cr.ClientID, "aud": aud, "exp": time.Now().Add(time.Hour).Unix()})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	resp, err := o.http.Client().PostForm(aud, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	decodeJSON(t, resp, &out)
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		t.Fatalf("token for %v: %d %s", scopes, resp.StatusCode, out.Error)
	}
	return out.AccessToken
}

// GrantScopes limits what the service app can ask for; a token holds exactly the scopes it asked for.
func TestGrantScopes(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	if got := org.srv.Credentials().Scopes; !slices.Equal(got, grantableScopes) {
		t.Errorf("a new org's service app holds %v, want every grantable scope", got)
	}
	if err := org.srv.GrantScopes([]string{"okta.groups.read", "okta.apps.manage", "okta.groups.read"}); err != nil {
		t.Fatal(err)
	}
	if got := org.srv.Credentials().Scopes; !slices.Equal(got, []string{"okta.groups.read", "okta.apps.manage"}) {
		t.Errorf("granted %v", got)
	}
	if err := org.srv.GrantScopes([]string{"okta.apps.manage", "okta.superpowers"}); err == nil || !strings.Contains(err.Error(), `"okta.superpowers"`) {
		t.Errorf("granting an unknown scope: %v", err)
	}
	if got := org.srv.Credentials().Scopes; !slices.Equal(got, []string{"okta.groups.read", "okta.apps.manage"}) {
		t.Errorf("a refused grant changed the scopes to %v", got)
	}

	tok := org.bearer(t, "okta.groups.read")
	if resp := org.do(t, http.MethodGet, "/api/v1/groups", "", "Bearer "+tok); resp.StatusCode != http.StatusOK {
		t.Errorf("granted and requested okta.groups.read: %d", resp.StatusCode)
	}
	if resp := org.do(t, http.MethodGet, "/api/v1/apps", "", "Bearer "+tok); resp.StatusCode != http.StatusForbidden {
		t.Errorf("okta.apps.manage was granted but not requested: %d, want 403", resp.StatusCode)
	}
	_, _, err := org.privateKeyClient(t, []string{"okta.groups.read", "okta.users.read"}).Group.ListGroups(context.Background(), nil)
	if e := oktaErr(t, err); e.ErrorMessage != "invalid_scope" || e.ErrorDescription != "The following scopes were requested, but not granted: okta.users.read" {
		t.Errorf("requesting an ungranted scope: %+v", e)
	}
}

// scopeFixture is a fresh set of objects for one route case, created with the API token.
type scopeFixture struct {
	user, user2, group, group2, app, inactiveApp, kid string
	appBody                                           string
	policy, rule, zone, inactiveZone, da              string
	userType, userTypeName                            string
}

// newScopeFixture creates two users, two groups with the first user in the first group, and, when uses
// names an app placeholder, an app (assigned to the first group and the second user) and an inactive app.
func newScopeFixture(t *testing.T, o *testOrg, n int, uses string) scopeFixture {
	t.Helper()
	create := func(path, body string) map[string]any {
		t.Helper()
		resp := o.do(t, http.MethodPost, path, body)
		var out map[string]any
		decodeJSON(t, resp, &out)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	user := func(name string) string {
		login := fmt.Sprintf("%s%d@corp.example", name, n)
		return create("/api/v1/users?activate=true", fmt.Sprintf(`{"profile":{"login":%q,"email":%q,"firstName":"Scope","lastName":"Test"}}`, login, login))["id"].(string)
	}
	group := func(name string) string {
		return create("/api/v1/groups", fmt.Sprintf(`{"profile":{"name":"%s %d"}}`, name, n))["id"].(string)
	}
	app := func(query string) string {
		return create("/api/v1/apps"+query, fmt.Sprintf(`{"label":"Scopes %d%s","signOnMode":"SAML_2_0","settings":{"signOn":{
			"ssoAcsUrl":"https://acme.my.salesforce.com","audience":"https://acme.my.salesforce.com","recipient":"https://acme.my.salesforce.com",
			"destination":"https://acme.my.salesforce.com","subjectNameIdTemplate":"${user.login}",
			"subjectNameIdFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified","responseSigned":true,"assertionSigned":true,
			"signatureAlgorithm":"RSA_SHA256","digestAlgorithm":"SHA256","honorForceAuthn":false,"authnContextClassRef":"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}}}`, n, query))["id"].(string)
	}
	f := scopeFixture{user: user("ann"), user2: user("ben"), group: group("Sales"), group2: group("Support")}
	if resp := o.do(t, http.MethodPut, "/api/v1/groups/"+f.group+"/users/"+f.user, ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("add group member: %d", resp.StatusCode)
	}
	if strings.Contains(uses, "{inactiveApp}") {
		f.inactiveApp = app("?activate=false")
	}
	if strings.Contains(uses, "{policy}") {
		f.policy = create("/api/v1/policies", fmt.Sprintf(`{"name":"Scopes %d","type":"ACCESS_POLICY"}`, n))["id"].(string)
	}
	if strings.Contains(uses, "{rule}") {
		f.rule = create("/api/v1/policies/"+f.policy+"/rules", `{"name":"Rule","type":"ACCESS_POLICY","actions":{"appSignOn":{"access":"ALLOW"}}}`)["id"].(string)
	}
	if strings.Contains(uses, "{zone}") {
		f.zone = create("/api/v1/zones", fmt.Sprintf(`{"type":"IP","name":"Zone %d","gateways":[{"type":"CIDR","value":"198.51.100.0/24"}]}`, n))["id"].(string)
	}
	if strings.Contains(uses, "{inactiveZone}") {
		f.inactiveZone = create("/api/v1/zones", fmt.Sprintf(`{"type":"IP","name":"Old %d","status":"INACTIVE","gateways":[{"type":"CIDR","value":"198.51.100.0/24"}]}`, n))["id"].(string)
	}
	if strings.Contains(uses, "{userType}") {
		f.userTypeName = fmt.Sprintf("type%d", n)
		f.userType = create("/api/v1/meta/types/user", fmt.Sprintf(`{"name":%q,"displayName":"Type %d"}`, f.userTypeName, n))["id"].(string)
	}
	if strings.Contains(uses, "{da}") {
		f.da = create("/api/v1/device-assurances", `{"name":"Mac","platform":"MACOS","osVersion":{"minimum":"13.0"}}`)["id"].(string)
	}
	if !strings.Contains(uses, "{app}") {
		return f
	}
	f.app = app("")
	for _, step := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/v1/apps/" + f.app + "/groups/" + f.group, "{}"},
		{http.MethodPost, "/api/v1/apps/" + f.app + "/users", fmt.Sprintf(`{"id":%q,"scope":"USER","credentials":{"userName":"ben%d@corp.example"}}`, f.user2, n)},
	} {
		if resp := o.do(t, step.method, step.path, step.body); resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", step.method, step.path, resp.StatusCode)
		}
	}
	var keys []map[string]any
	decodeJSON(t, o.do(t, http.MethodGet, "/api/v1/apps/"+f.app+"/credentials/keys", ""), &keys)
	if len(keys) == 0 {
		t.Fatal("the new app has no signing key")
	}
	f.kid = keys[0]["kid"].(string)
	resp := o.do(t, http.MethodGet, "/api/v1/apps/"+f.app, "")
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET app: %d %v", resp.StatusCode, err)
	}
	f.appBody = string(b)
	return f
}

// expand fills {user}, {user2}, {group}, {group2}, {app}, {inactiveApp}, {kid}, {policy}, {rule}, {zone},
// {inactiveZone}, {da} and {userType} in s.
func (f scopeFixture) expand(s string) string {
	return strings.NewReplacer("{user}", f.user, "{user2}", f.user2, "{group}", f.group, "{group2}", f.group2,
		"{app}", f.app, "{inactiveApp}", f.inactiveApp, "{kid}", f.kid, "{appBody}", f.appBody,
		"{policy}", f.policy, "{rule}", f.rule, "{zone}", f.zone, "{inactiveZone}", f.inactiveZone, "{da}", f.da, "{userTypeName}", f.userTypeName, "{userType}", f.userType).Replace(s)
}

// send is one request with an Authorization header and an Accept type.
func send(t *testing.T, o *testOrg, method, path, body, authorization, accept string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, o.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", authorization)
	resp, err := o.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// Every Management API route needs the scope Okta documents for it: a token holding every other scope gets
// Okta's exact 403, a token holding just that scope (or, for a read, just its .manage sibling) gets through.
func TestRouteScopesEnforced(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withRateLimit(100000), withSeed(Seed{Users: seedUsers(1)}))
	const samlXML = "application/xml"
	tests := []struct {
		family, method, path, body string
		accept                     string
		scope                      string
		want                       int
	}{
		{"users", "GET", "/api/v1/users", "", "", "okta.users.read", 200},
		{"users", "POST", "/api/v1/users", `{"profile":{"login":"new@corp.example","email":"new@corp.example","firstName":"New","lastName":"User"}}`, "", "okta.users.manage", 200},
		{"users", "GET", "/api/v1/users/{user}", "", "", "okta.users.read", 200},
		{"users", "POST", "/api/v1/users/{user}", `{"profile":{"nickName":"Annie"}}`, "", "okta.users.manage", 200},
		{"users", "PUT", "/api/v1/users/{user}", `{"profile":{"login":"renamed@corp.example","email":"renamed@corp.example","firstName":"Re","lastName":"Named"}}`, "", "okta.users.manage", 200},
		{"users", "DELETE", "/api/v1/users/{user}", "", "", "okta.users.manage", 204},
		{"users", "POST", "/api/v1/users/{user}/lifecycle/deactivate", "", "", "okta.users.manage", 200},
		{"users", "GET", "/api/v1/users/{user}/groups", "", "", "okta.users.read", 200},

		{"groups", "GET", "/api/v1/groups", "", "", "okta.groups.read", 200},
		{"groups", "POST", "/api/v1/groups", `{"profile":{"name":"Brand new"}}`, "", "okta.groups.manage", 200},
		{"groups", "GET", "/api/v1/groups/{group}", "", "", "okta.groups.read", 200},
		{"groups", "PUT", "/api/v1/groups/{group}", `{"profile":{"name":"Renamed"}}`, "", "okta.groups.manage", 200},
		{"groups", "DELETE", "/api/v1/groups/{group}", "", "", "okta.groups.manage", 204},
		{"group members", "GET", "/api/v1/groups/{group}/users", "", "", "okta.groups.read", 200},
		{"group members", "PUT", "/api/v1/groups/{group}/users/{user2}", "", "", "okta.groups.manage", 204},
		{"group members", "DELETE", "/api/v1/groups/{group}/users/{user}", "", "", "okta.groups.manage", 204},
		{"group apps", "GET", "/api/v1/groups/{group}/apps", "", "", "okta.groups.read", 200},
		{"group owners", "GET", "/api/v1/groups/{group}/owners", "", "", "okta.groups.read", 200},
		{"user types", "GET", "/api/v1/meta/types/user", "", "", "okta.userTypes.read", 200},
		{"user types", "GET", "/api/v1/meta/types/user/default", "", "", "okta.userTypes.read", 200},
		{"user types", "POST", "/api/v1/meta/types/user", `{"name":"contractor","displayName":"Contractor"}`, "", "okta.userTypes.manage", 200},
		{"user types", "POST", "/api/v1/meta/types/user/{userType}", `{"displayName":"Renamed"}`, "", "okta.userTypes.manage", 200},
		{"user types", "PUT", "/api/v1/meta/types/user/{userType}", `{"name":"{userTypeName}","displayName":"Replaced","description":"d"}`, "", "okta.userTypes.manage", 200},
		{"user types", "DELETE", "/api/v1/meta/types/user/{userType}", "", "", "okta.userTypes.manage", 204},

		{"apps", "GET", "/api/v1/apps", "", "", "okta.apps.read", 200},
		{"apps", "POST", "/api/v1/apps", `{"name":"salesforce","label":"Salesforce","signOnMode":"SAML_2_0","settings":{"app":{"instanceType":"PRODUCTION"}}}`, "", "okta.apps.manage", 200},
		{"apps", "GET", "/api/v1/apps/{app}", "", "", "okta.apps.read", 200},
		{"apps", "PUT", "/api/v1/apps/{app}", "{appBody}", "", "okta.apps.manage", 200},
		{"apps", "DELETE", "/api/v1/apps/{inactiveApp}", "", "", "okta.apps.manage", 204},
		{"apps", "POST", "/api/v1/apps/{app}/lifecycle/deactivate", "", "", "okta.apps.manage", 200},
		{"apps", "GET", "/api/v1/apps/{app}/sso/saml/metadata?kid={kid}", "", samlXML, "okta.apps.read", 200},

		{"keys", "GET", "/api/v1/apps/{app}/credentials/keys", "", "", "okta.apps.read", 200},
		{"keys", "GET", "/api/v1/apps/{app}/credentials/keys/{kid}", "", "", "okta.apps.read", 200},
		{"keys", "POST", "/api/v1/apps/{app}/credentials/keys/generate?validityYears=2", "", "", "okta.apps.manage", 201},
		{"keys", "POST", "/api/v1/apps/{app}/credentials/keys/{kid}/clone?targetAid={inactiveApp}", "", "", "okta.apps.manage", 201},

		{"app groups", "GET", "/api/v1/apps/{app}/groups", "", "", "okta.apps.read", 200},
		{"app groups", "GET", "/api/v1/apps/{app}/groups/{group}", "", "", "okta.apps.read", 200},
		{"app groups", "PUT", "/api/v1/apps/{app}/groups/{group2}", `{"priority":0}`, "", "okta.apps.manage", 200},
		{"app groups", "DELETE", "/api/v1/apps/{app}/groups/{group}", "", "", "okta.apps.manage", 204},

		{"app users", "GET", "/api/v1/apps/{app}/users", "", "", "okta.apps.read", 200},
		{"app users", "POST", "/api/v1/apps/{app}/users", `{"id":"{user}","scope":"USER","credentials":{"userName":"ann@corp.example"}}`, "", "okta.apps.manage", 200},
		{"app users", "GET", "/api/v1/apps/{app}/users/{user2}", "", "", "okta.apps.read", 200},
		{"app users", "POST", "/api/v1/apps/{app}/users/{user2}", `{"credentials":{"userName":"ben@corp.example"}}`, "", "okta.apps.manage", 200},
		{"app users", "DELETE", "/api/v1/apps/{app}/users/{user2}", "", "", "okta.apps.manage", 204},
		// A SAML app has no client secrets: 404 once the scope let the call through.
		{"client secrets", "GET", "/api/v1/apps/{app}/credentials/secrets", "", "", "okta.apps.read", 404},

		{"app user schema", "GET", "/api/v1/meta/schemas/apps/{app}/default", "", "", "okta.schemas.read", 200},
		{"user schema", "GET", "/api/v1/meta/schemas/user/default", "", "", "okta.schemas.read", 200},
		{"user schema", "POST", "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"properties":{"badge":{"title":"Badge","type":"string"}}}}}`, "", "okta.schemas.manage", 200},
		{"app policy", "PUT", "/api/v1/apps/{app}/policies/{policy}", "", "", "okta.apps.manage", 204},

		{"policies", "GET", "/api/v1/policies?type=ACCESS_POLICY", "", "", "okta.policies.read", 200},
		{"policies", "POST", "/api/v1/policies", `{"name":"Scoped","type":"ACCESS_POLICY"}`, "", "okta.policies.manage", 200},
		{"policies", "GET", "/api/v1/policies/{policy}", "", "", "okta.policies.read", 200},
		{"policies", "PUT", "/api/v1/policies/{policy}", `{"name":"Renamed","type":"ACCESS_POLICY"}`, "", "okta.policies.manage", 200},
		{"policies", "DELETE", "/api/v1/policies/{policy}", "", "", "okta.policies.manage", 204},
		{"policies", "POST", "/api/v1/policies/{policy}/lifecycle/deactivate", "", "", "okta.policies.manage", 204},
		{"policies", "GET", "/api/v1/policies/{policy}/app", "", "", "okta.policies.read", 200},
		{"policy mappings", "GET", "/api/v1/policies/{policy}/mappings", "", "", "okta.policies.read", 200},
		// The fixture's app is bound to the default policy, not this one: 404 once the scope let the call through.
		{"policy mappings", "GET", "/api/v1/policies/{policy}/mappings/{app}", "", "", "okta.policies.read", 404},
		{"rules", "GET", "/api/v1/policies/{policy}/rules", "", "", "okta.policies.read", 200},
		{"rules", "POST", "/api/v1/policies/{policy}/rules", `{"name":"Deny","type":"ACCESS_POLICY","actions":{"appSignOn":{"access":"DENY"}}}`, "", "okta.policies.manage", 200},
		{"rules", "GET", "/api/v1/policies/{policy}/rules/{rule}", "", "", "okta.policies.read", 200},
		{"rules", "PUT", "/api/v1/policies/{policy}/rules/{rule}", `{"name":"Allow","type":"ACCESS_POLICY","actions":{"appSignOn":{"access":"ALLOW"}}}`, "", "okta.policies.manage", 200},
		{"rules", "DELETE", "/api/v1/policies/{policy}/rules/{rule}", "", "", "okta.policies.manage", 204},
		{"rules", "POST", "/api/v1/policies/{policy}/rules/{rule}/lifecycle/deactivate", "", "", "okta.policies.manage", 204},

		{"zones", "GET", "/api/v1/zones", "", "", "okta.networkZones.read", 200},
		{"zones", "POST", "/api/v1/zones", `{"type":"IP","name":"Office","gateways":[{"type":"CIDR","value":"192.0.2.0/24"}]}`, "", "okta.networkZones.manage", 200},
		{"zones", "GET", "/api/v1/zones/{zone}", "", "", "okta.networkZones.read", 200},
		{"zones", "PUT", "/api/v1/zones/{zone}", `{"type":"IP","name":"Office 2","gateways":[{"type":"RANGE","value":"192.0.2.1"}]}`, "", "okta.networkZones.manage", 200},
		{"zones", "DELETE", "/api/v1/zones/{inactiveZone}", "", "", "okta.networkZones.manage", 204},
		{"zones", "POST", "/api/v1/zones/{zone}/lifecycle/deactivate", "", "", "okta.networkZones.manage", 200},

		{"device assurance", "GET", "/api/v1/device-assurances", "", "", "okta.deviceAssurance.read", 200},
		{"device assurance", "POST", "/api/v1/device-assurances", `{"name":"Mac","platform":"MACOS","osVersion":{"minimum":"14.0"}}`, "", "okta.deviceAssurance.manage", 200},
		{"device assurance", "GET", "/api/v1/device-assurances/{da}", "", "", "okta.deviceAssurance.read", 200},
		{"device assurance", "PUT", "/api/v1/device-assurances/{da}", `{"name":"Mac 2","platform":"MACOS","osVersion":{"minimum":"15.0"}}`, "", "okta.deviceAssurance.manage", 200},
		{"device assurance", "DELETE", "/api/v1/device-assurances/{da}", "", "", "okta.deviceAssurance.manage", 204},

		{"system log", "GET", "/api/v1/logs?sortOrder=DESCENDING", "", "", "okta.logs.read", 200},

		{"app user schema", "POST", "/api/v1/meta/schemas/apps/{app}/default", `{"definitions":{"custom":{"id":"#custom","type":"object","properties":{"profile":{"title":"profile","type":"string"}}}}}`, "", "okta.schemas.manage", 200},
	}
	covered := map[string]bool{}
	tokens := map[string]string{}
	token := func(scopes ...string) string {
		key := strings.Join(scopes, " ")
		if tokens[key] == "" {
			tokens[key] = org.bearer(t, scopes...)
		}
		return tokens[key]
	}
	for i, tt := range tests {
		name := tt.family + ": " + tt.method + " " + tt.path
		f := newScopeFixture(t, org, i, tt.path+tt.body)
		path, body := f.expand(tt.path), f.expand(tt.body)
		accept := cmp.Or(tt.accept, "application/json")
		allowed := []string{tt.scope}
		if family, isRead := strings.CutSuffix(tt.scope, ".read"); isRead && slices.Contains(grantableScopes, family+".manage") {
			allowed = append(allowed, family+".manage") // okta.logs.read has no .manage sibling
		}
		var others []string
		for _, sc := range grantableScopes {
			if !slices.Contains(allowed, sc) {
				others = append(others, sc)
			}
		}

		resp, got := send(t, org, tt.method, path, body, "Bearer "+token(others...), accept)
		var e map[string]any
		_ = json.Unmarshal(got, &e)
		resource, _, _ := strings.Cut(path, "?")
		wantChallenge := fmt.Sprintf(`Bearer authorization_uri="%[1]s/oauth2/v1/authorize", realm="%[1]s", scope="%s", error="insufficient_scope", `+
			`error_description="The access token provided does not contain the required scopes.", resource="%s"`, org.http.URL, tt.scope, resource)
		if resp.StatusCode != http.StatusForbidden || e["errorCode"] != "E0000006" || e["errorLink"] != "E0000006" ||
			e["errorSummary"] != "You do not have permission to perform the requested action" ||
			!strings.HasPrefix(fmt.Sprint(e["errorId"]), "oae") || fmt.Sprint(e["errorCauses"]) != "[]" {
			t.Errorf("%s without %s: %d %s, want 403 E0000006", name, tt.scope, resp.StatusCode, got)
		}
		if ch := resp.Header.Get("WWW-Authenticate"); ch != wantChallenge {
			t.Errorf("%s without %s: WWW-Authenticate\n got %s\nwant %s", name, tt.scope, ch, wantChallenge)
		}

		// The refused call changed nothing: the same call with the scope still succeeds (a DELETE would not).
		for _, sc := range allowed {
			if sc != tt.scope && tt.method != http.MethodGet {
				continue
			}
			resp, got := send(t, org, tt.method, path, body, "Bearer "+token(sc), accept)
			if resp.StatusCode != tt.want {
				t.Errorf("%s with only %s: %d %.200s, want %d", name, sc, resp.StatusCode, got, tt.want)
			}
			if ch := resp.Header.Get("WWW-Authenticate"); ch != "" {
				t.Errorf("%s with only %s: challenge %q", name, sc, ch)
			}
		}
		covered[tt.method+" "+tt.path] = true
	}

	// Every scoped route has a case here, so a route added without one fails this test.
	for _, rt := range org.srv.routes() {
		if rt.scope == noScope {
			continue
		}
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		found := false
		for c := range covered {
			cm, cp, _ := strings.Cut(c, " ")
			cp, _, _ = strings.Cut(cp, "?")
			if cm == method && routeMatches(pattern, cp) {
				found = true
			}
		}
		if !found {
			t.Errorf("route %s (%s) has no case in TestRouteScopesEnforced", rt.pattern, rt.scope)
		}
	}
}

// routeMatches reports whether a ServeMux pattern's path matches path segment by segment, where a
// {wildcard} in the pattern matches any segment of path.
func routeMatches(pattern, path string) bool {
	ps, qs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(qs) {
		return false
	}
	for i := range ps {
		if ps[i] != qs[i] && !strings.HasPrefix(ps[i], "{") {
			return false
		}
	}
	return true
}

// The route table's scopes are those Okta's OpenAPI description gives each operation's oauth2 security
// requirement, and every route under /api/ has one.
func TestRouteScopesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(trimmedSpecFile) // security and the scopes it names are kept in the trimmed document
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	org := newTestOrg(t)
	for _, rt := range org.srv.routes() {
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		if !strings.HasPrefix(pattern, "/api/") {
			if rt.scope != noScope {
				t.Errorf("%s is not a Management API route but needs %s", rt.pattern, rt.scope)
			}
			continue
		}
		var documented []string
		for specPath, item := range doc.Paths {
			if !specPathMatches(pattern, specPath) {
				continue
			}
			node, ok := item[strings.ToLower(method)]
			if !ok {
				continue
			}
			var op struct {
				OperationID string                `yaml:"operationId"`
				Security    []map[string][]string `yaml:"security"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, specPath, err)
			}
			var oauth []string
			for _, req := range op.Security {
				oauth = append(oauth, req["oauth2"]...)
			}
			if len(oauth) != 1 || oauth[0] != rt.scope {
				t.Errorf("%s: the route needs %q, %s (%s %s) documents %v", rt.pattern, rt.scope, op.OperationID, method, specPath, oauth)
			}
			documented = append(documented, op.OperationID)
		}
		if len(documented) == 0 {
			t.Errorf("%s: no operation in the OpenAPI description", rt.pattern)
		}
	}
}

// specPathMatches compares a ServeMux pattern with an OpenAPI path template: parameters match parameters
// whatever their names, and the emulator's {op} matches the literal operation names (activate, deactivate…).
func specPathMatches(pattern, specPath string) bool {
	ps, ss := strings.Split(pattern, "/"), strings.Split(specPath, "/")
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		pParam, sParam := strings.HasPrefix(ps[i], "{"), strings.HasPrefix(ss[i], "{")
		switch {
		case ps[i] == "{op}" && !sParam:
		case pParam && sParam:
		case ps[i] != ss[i] || pParam || sParam:
			return false
		}
	}
	return true
}
