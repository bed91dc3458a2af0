package oktaemu

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var samlResponseField = regexp.MustCompile(`name="SAMLResponse" type="hidden" value="([^"]+)"`)

// signInAt requests the IdP's sign-in page as a browser at ip would, with extra query parameters; it returns the
// status and the decoded SAMLResponse (empty when the page carries none).
func signInAt(t *testing.T, o *testOrg, ssoPath, login, ip string, extra url.Values) (int, string) {
	t.Helper()
	q := url.Values{"login": {login}}
	for k, v := range extra {
		q[k] = v
	}
	req, _ := http.NewRequest(http.MethodGet, o.http.URL+ssoPath+"?"+q.Encode(), nil)
	req.Header.Set(ClientIPHeader, ip)
	resp, err := o.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := samlResponseField.FindSubmatch(body)
	if m == nil {
		return resp.StatusCode, ""
	}
	xml, err := base64.StdEncoding.DecodeString(html.UnescapeString(string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(xml)
}

// The app's sign-in policy decides each SAML sign-in: rules in priority order, first match on people, network zone
// and device; DENY shows an error page, 2FA a challenge the sandbox test factor passes, and the assertion then
// says a second factor was used. Each sign-in writes policy.evaluate_sign_on and user.authentication.sso.
func TestSignInEvaluatesAppSignOnPolicy(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(2)}))
	c := org.client(t)
	app := createSAMLApp(t, c, "Policy evaluated")
	var users []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/users", ""), &users)
	ids := map[string]string{}
	for _, u := range users {
		login := obj(u["profile"])["login"].(string)
		ids[login] = u["id"].(string)
		org.do(t, "POST", "/api/v1/apps/"+app.Id+"/users", fmt.Sprintf(`{"id":%q,"scope":"USER","credentials":{"userName":%q}}`, u["id"], login))
	}
	var policy, zone, da map[string]any
	decodeJSON(t, org.do(t, "POST", "/api/v1/policies", `{"name":"Salesforce","type":"ACCESS_POLICY"}`), &policy)
	decodeJSON(t, org.do(t, "POST", "/api/v1/zones", `{"type":"IP","name":"Office","gateways":[{"type":"CIDR","value":"192.0.2.0/24"}]}`), &zone)
	decodeJSON(t, org.do(t, "POST", "/api/v1/device-assurances", `{"name":"Mac","platform":"MACOS","osVersion":{"minimum":"14.0"}}`), &da)
	rules := "/api/v1/policies/" + policy["id"].(string) + "/rules"
	for _, body := range []string{
		fmt.Sprintf(`{"name":"Blocked","priority":0,"conditions":{"people":{"users":{"include":[%q]}}},"actions":{"appSignOn":{"access":"DENY"}}}`, ids["user01@example.com"]),
		fmt.Sprintf(`{"name":"Office","priority":1,"conditions":{"network":{"connection":"ZONE","include":[%q]}},"actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"factorMode":"1FA","type":"ASSURANCE"}}}}`, zone["id"]),
		fmt.Sprintf(`{"name":"Managed Mac","priority":2,"conditions":{"device":{"registered":true,"managed":true,"assurance":{"include":[%q]}},"platform":{"include":[{"type":"DESKTOP","os":{"type":"MACOS"}}]}},"actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"factorMode":"1FA","type":"ASSURANCE"}}}}`, da["id"]),
	} {
		if resp := org.do(t, "POST", rules, body); resp.StatusCode != http.StatusOK {
			t.Fatalf("create rule: %d", resp.StatusCode)
		}
	}
	// The catch-all rule of a new policy asks for two factors.
	if resp := org.do(t, "PUT", "/api/v1/apps/"+app.Id+"/policies/"+policy["id"].(string), ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("bind: %d", resp.StatusCode)
	}
	org.srv.mu.Lock()
	rec := org.srv.st.Apps[app.Id]
	ssoPath := "/app/" + rec.Body["name"].(string) + "/" + rec.ExternalKey + "/sso/saml"
	org.srv.mu.Unlock()

	const ann, blocked = "user00@example.com", "user01@example.com"
	managedMac := url.Values{"device_registered": {"true"}, "device_managed": {"true"}, "device_platform": {"MACOS"}, "device_assurance": {da["id"].(string)}}
	tests := []struct {
		name, login, ip string
		extra           url.Values
		status          int
		mfa             bool
	}{
		{"in the office zone: one factor", ann, "192.0.2.40", nil, http.StatusOK, false},
		{"outside, no device: challenged", ann, "203.0.113.9", nil, http.StatusUnauthorized, false},
		{"outside with the test factor", ann, "203.0.113.9", url.Values{"factor": {SandboxTestFactor}}, http.StatusOK, true},
		{"outside with a wrong code", ann, "203.0.113.9", url.Values{"factor": {"000000"}}, http.StatusUnauthorized, false},
		{"a managed Mac meeting the assurance", ann, "203.0.113.9", managedMac, http.StatusOK, false},
		{"a user a DENY rule names, even in the office", blocked, "192.0.2.40", nil, http.StatusForbidden, false},
	}
	for _, tt := range tests {
		status, assertion := signInAt(t, org, ssoPath, tt.login, tt.ip, tt.extra)
		if status != tt.status || (assertion != "") != (status == http.StatusOK) {
			t.Errorf("%s: %d, SAMLResponse present %v; want %d", tt.name, status, assertion != "", tt.status)
			continue
		}
		if assertion == "" {
			continue
		}
		gotMFA := strings.Contains(assertion, multiFactorContext) && strings.Contains(assertion, `Name="amr"`)
		if gotMFA != tt.mfa || !tt.mfa && !strings.Contains(assertion, "PasswordProtectedTransport") {
			t.Errorf("%s: second factor in the assertion %v, want %v", tt.name, gotMFA, tt.mfa)
		}
	}

	var events []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/logs?filter="+url.QueryEscape(`eventType eq "policy.evaluate_sign_on"`), ""), &events)
	var outcomes []string
	for _, e := range events {
		outcomes = append(outcomes, fmt.Sprintf("%v/%v", obj(e["outcome"])["result"], obj(e["outcome"])["reason"]))
	}
	want := "ALLOW/Office CHALLENGE/Catch-all Rule ALLOW/Catch-all Rule CHALLENGE/Catch-all Rule ALLOW/Managed Mac DENY/Blocked"
	if got := strings.Join(outcomes, " "); got != want {
		t.Errorf("policy.evaluate_sign_on outcomes\n got %s\nwant %s", got, want)
	}
	decodeJSON(t, org.do(t, "GET", "/api/v1/logs?sortOrder=DESCENDING&limit=1&filter="+url.QueryEscape(`eventType eq "user.authentication.sso"`), ""), &events)
	if len(events) != 1 || obj(events[0]["outcome"])["result"] != "FAILURE" || obj(events[0]["actor"])["id"] != ids[blocked] ||
		obj(obj(events[0]["client"]))["ipAddress"] != "192.0.2.40" {
		t.Errorf("the last user.authentication.sso: %v", events)
	}
}

// An app left on the default policy signs in with one factor, as before policies existed.
func TestSignInDefaultPolicyIsOneFactor(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(1)}))
	c := org.client(t)
	app := createSAMLApp(t, c, "Default policy")
	var users []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/users", ""), &users)
	org.do(t, "POST", "/api/v1/apps/"+app.Id+"/users", fmt.Sprintf(`{"id":%q,"scope":"USER","credentials":{"userName":"user00@example.com"}}`, users[0]["id"]))
	xml, _, err := org.srv.SignIn(app.Id, "user00@example.com")
	if err != nil || strings.Contains(string(xml), multiFactorContext) {
		t.Fatalf("SignIn: %v (MultiFactor present %v)", err, strings.Contains(string(xml), multiFactorContext))
	}
}
