package oktaemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// rawDo sends one request through the SDK's executor (as the provider does where v2 has no types) and decodes into out.
func rawDo(t *testing.T, c *okta.Client, method, path string, body, out any) (*okta.Response, error) {
	t.Helper()
	re := c.CloneRequestExecutor()
	req, err := re.WithAccept("application/json").WithContentType("application/json").NewRequest(method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return re.Do(context.Background(), req, out)
}

func TestSDKNetworkZones(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c, ctx := org.client(t), context.Background()

	zone, _, err := c.NetworkZone.CreateNetworkZone(ctx, okta.NetworkZone{Type: "IP", Name: "Office", Usage: "POLICY",
		Gateways: []*okta.NetworkZoneAddress{{Type: "RANGE", Value: "192.0.2.10"}, {Type: "CIDR", Value: "198.51.100.0/24"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(zone.Id, "nzo") || zone.Status != "ACTIVE" || zone.System == nil || *zone.System ||
		zone.Gateways[0].Value != "192.0.2.10-192.0.2.10" || zone.Proxies != nil {
		t.Errorf("created zone %+v (gateways %v): want nzo id, ACTIVE, system false, a-a range, no proxies", zone, zone.Gateways[0])
	}
	if _, _, err := c.NetworkZone.CreateNetworkZone(ctx, okta.NetworkZone{Type: "IP", Name: "Bad",
		Gateways: []*okta.NetworkZoneAddress{{Type: "CIDR", Value: "300.1.1.0/24"}}}); oktaErr(t, err).ErrorCode != "E0000001" {
		t.Errorf("an invalid CIDR: %v", err)
	}

	zone.Name = "Office HQ"
	zone.Proxies = []*okta.NetworkZoneAddress{{Type: "CIDR", Value: "203.0.113.0/24"}}
	updated, _, err := c.NetworkZone.UpdateNetworkZone(ctx, zone.Id, *zone)
	if err != nil || updated.Name != "Office HQ" || len(updated.Proxies) != 1 {
		t.Fatalf("update: %+v %v", updated, err)
	}

	blocklist, _, err := c.NetworkZone.ListNetworkZones(ctx, query.NewQueryParams(query.WithFilter(`usage eq "BLOCKLIST"`)))
	if err != nil || len(blocklist) != 1 || blocklist[0].Name != "BlockedIpZone" || !*blocklist[0].System {
		t.Errorf("BLOCKLIST zones: %v %v, want the system BlockedIpZone", blocklist, err)
	}

	// Identity Engine deletes only INACTIVE zones; (de)activation answers 200 with the zone.
	if _, err := c.NetworkZone.DeleteNetworkZone(ctx, zone.Id); err == nil {
		t.Error("deleting an ACTIVE zone succeeded")
	}
	inactive, resp, err := c.NetworkZone.DeactivateNetworkZone(ctx, zone.Id)
	if err != nil || resp.StatusCode != http.StatusOK || inactive.Status != "INACTIVE" {
		t.Fatalf("deactivate: %v %v", inactive, err)
	}
	if resp, err := c.NetworkZone.DeleteNetworkZone(ctx, zone.Id); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	_, resp, err = c.NetworkZone.GetNetworkZone(ctx, zone.Id)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorSummary != "Not found: Resource not found: "+zone.Id+" (NetworkZone)" {
		t.Errorf("read after delete: %d %q", resp.StatusCode, e.ErrorSummary)
	}
}

func TestSDKAccessPolicyAndRules(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c, ctx := org.client(t), context.Background()

	p := okta.NewAccessPolicy()
	p.Name, p.Description = "Salesforce sign-in", "MFA for Salesforce"
	created, _, err := c.Policy.CreatePolicy(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	policy := created.(*okta.AccessPolicy)
	if !strings.HasPrefix(policy.Id, "rst") || policy.Status != "ACTIVE" || *policy.System || policy.Type != "ACCESS_POLICY" {
		t.Fatalf("created %+v", policy)
	}
	policy.Name = "Salesforce sign-in v2"
	if got, _, err := c.Policy.UpdatePolicy(ctx, policy.Id, policy); err != nil || got.(*okta.AccessPolicy).Name != policy.Name {
		t.Errorf("update: %v %v", got, err)
	}

	// q is a name prefix, case-insensitive.
	for q, want := range map[string]int{"salesforce": 1, "sign-in": 0} {
		var list []map[string]any
		decodeJSON(t, org.do(t, "GET", "/api/v1/policies?type=ACCESS_POLICY&q="+q, ""), &list)
		if len(list) != want {
			t.Errorf("q=%s: %d policies, want %d", q, len(list), want)
		}
	}

	// A new policy has one rule: the system catch-all at 99, which can be edited but not deleted.
	var rules []okta.AccessPolicyRule
	if _, err := rawDo(t, c, "GET", "/api/v1/policies/"+policy.Id+"/rules", nil, &rules); err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Name != "Catch-all Rule" || rules[0].PriorityPtr == nil || *rules[0].PriorityPtr != 99 || !*rules[0].System {
		t.Fatalf("rules of a new policy: %+v", rules)
	}
	catchAll := rules[0]
	_, err = rawDo(t, c, "DELETE", "/api/v1/policies/"+policy.Id+"/rules/"+catchAll.Id, nil, nil)
	if e := oktaErr(t, err); e.ErrorCode != "E0000006" {
		t.Errorf("deleting the catch-all: %+v", e)
	}
	catchAll.Actions.AppSignOn.Access = "DENY"
	var edited okta.AccessPolicyRule
	if _, err := rawDo(t, c, "PUT", "/api/v1/policies/"+policy.Id+"/rules/"+catchAll.Id, catchAll, &edited); err != nil ||
		edited.Actions.AppSignOn.Access != "DENY" || *edited.PriorityPtr != 99 {
		t.Errorf("editing the catch-all: %+v %v", edited, err)
	}

	// Rules: a free priority is kept, an occupied one pushes the rules from there down by one.
	newRule := func(name string, prio *int64) okta.AccessPolicyRule {
		r := okta.NewAccessPolicyRule()
		r.Name, r.PriorityPtr = name, prio
		r.Actions = &okta.AccessPolicyRuleActions{AppSignOn: &okta.AccessPolicyRuleApplicationSignOn{Access: "ALLOW",
			VerificationMethod: &okta.VerificationMethod{Type: "ASSURANCE", FactorMode: "2FA"}}}
		var out okta.AccessPolicyRule
		if _, err := rawDo(t, c, "POST", "/api/v1/policies/"+policy.Id+"/rules", r, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	at := func(n int64) *int64 { return &n }
	a := newRule("A", nil)
	b := newRule("B", nil)
	cr := newRule("C", at(0))
	if !strings.HasPrefix(a.Id, "rul") || a.Actions.AppSignOn.VerificationMethod.ReauthenticateIn != "PT12H" {
		t.Errorf("rule A %+v: want a rul id and reauthenticateIn defaulted", a)
	}
	priorities := func() string {
		var list []okta.AccessPolicyRule
		if _, err := rawDo(t, c, "GET", "/api/v1/policies/"+policy.Id+"/rules", nil, &list); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range list {
			out = append(out, fmt.Sprintf("%s=%d", r.Name, *r.PriorityPtr))
		}
		return strings.Join(out, " ")
	}
	if got, want := priorities(), "C=0 A=1 B=2 Catch-all Rule=99"; got != want || cr.Id == "" || b.Id == "" {
		t.Errorf("priorities %q, want %q", got, want)
	}
	newRule("D", at(40))
	if got, want := priorities(), "C=0 A=1 B=2 D=40 Catch-all Rule=99"; got != want {
		t.Errorf("a free priority: %q, want %q", got, want)
	}
	if _, err := rawDo(t, c, "POST", "/api/v1/policies/"+policy.Id+"/rules/"+a.Id+"/lifecycle/deactivate", nil, nil); err != nil {
		t.Fatal(err)
	}
	var got okta.AccessPolicyRule
	if _, err := rawDo(t, c, "GET", "/api/v1/policies/"+policy.Id+"/rules/"+a.Id, nil, &got); err != nil || got.Status != "INACTIVE" {
		t.Errorf("after deactivate: %+v %v", got, err)
	}

	// The app binding: new apps are bound to the default policy; a bound policy cannot be deleted.
	app := createSAMLApp(t, c, "Bound")
	defaultPolicy := presetPolicyID(t, org, "Default Policy")
	if href := appPolicyHref(t, org, app.Id); href != org.http.URL+"/api/v1/policies/"+defaultPolicy {
		t.Errorf("a new app's accessPolicy %q, want the default policy", href)
	}
	if resp, err := c.Application.UpdateApplicationPolicy(ctx, app.Id, policy.Id); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("bind: %v", err)
	}
	if href := appPolicyHref(t, org, app.Id); href != org.http.URL+"/api/v1/policies/"+policy.Id {
		t.Errorf("accessPolicy after binding %q", href)
	}
	var bound []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/policies/"+policy.Id+"/app", ""), &bound)
	if len(bound) != 1 || bound[0]["id"] != app.Id {
		t.Errorf("GET /policies/{id}/app: %v", bound)
	}
	_, err = c.Policy.DeletePolicy(ctx, policy.Id)
	if e := oktaErr(t, err); e.ErrorCode != "E0000001" || !strings.Contains(fmt.Sprint(e.ErrorCauses), app.Id) {
		t.Errorf("deleting a bound policy: %+v", e)
	}
	if _, err := c.Policy.DeletePolicy(ctx, defaultPolicy); oktaErr(t, err).ErrorCode != "E0000006" {
		t.Errorf("deleting the system default policy: %v", err)
	}
	if _, err := c.Application.UpdateApplicationPolicy(ctx, app.Id, defaultPolicy); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Policy.DeletePolicy(ctx, policy.Id); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	_, resp, err := c.Policy.GetPolicy(ctx, policy.Id, okta.NewAccessPolicy(), nil)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorCode != "E0000007" {
		t.Errorf("read after delete: %d %+v", resp.StatusCode, e)
	}
}

func appPolicyHref(t *testing.T, o *testOrg, appID string) string {
	t.Helper()
	var app map[string]any
	decodeJSON(t, o.do(t, "GET", "/api/v1/apps/"+appID, ""), &app)
	href, _ := obj(obj(app["_links"])["accessPolicy"])["href"].(string)
	return href
}

// Rules refer to zones and device assurances by id: unknown ids are refused, and a referenced zone or device
// assurance cannot be deleted until the rule lets go of it.
func TestPolicyRuleReferences(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	var policy, zone, da map[string]any
	decodeJSON(t, org.do(t, "POST", "/api/v1/policies", `{"name":"Refs","type":"ACCESS_POLICY"}`), &policy)
	decodeJSON(t, org.do(t, "POST", "/api/v1/zones", `{"type":"IP","name":"Corp","gateways":[{"type":"CIDR","value":"192.0.2.0/24"}]}`), &zone)
	decodeJSON(t, org.do(t, "POST", "/api/v1/device-assurances", `{"name":"Mac","platform":"MACOS","osVersion":{"minimum":"14.0"},"diskEncryptionType":{"include":["ALL_INTERNAL_VOLUMES"]}}`), &da)
	if !strings.HasPrefix(fmt.Sprint(da["id"]), "dae") || da["createdDate"] == nil || da["lastUpdate"] == nil || da["created"] != nil ||
		da["displayRemediationMode"] != "HIDE" || obj(da["resourceDisplayName"])["value"] != "Mac" {
		t.Errorf("device assurance %v: want dae id, createdDate/lastUpdate, HIDE, resourceDisplayName", da)
	}
	rules := "/api/v1/policies/" + policy["id"].(string) + "/rules"
	ruleBody := func(zoneID, daID string) string {
		return fmt.Sprintf(`{"name":"Office Macs","type":"ACCESS_POLICY","conditions":{"network":{"connection":"ZONE","include":[%q]},
			"device":{"registered":true,"managed":true,"assurance":{"include":[%q]}}},"actions":{"appSignOn":{"access":"ALLOW"}}}`, zoneID, daID)
	}
	for name, body := range map[string]string{
		"unknown zone":               ruleBody("nzo00000000000000000", da["id"].(string)),
		"unknown device assurance":   ruleBody(zone["id"].(string), "dae00000000000000000"),
		"ZONE without zones":         `{"name":"x","conditions":{"network":{"connection":"ZONE"}}}`,
		"managed without registered": `{"name":"x","conditions":{"device":{"managed":true}}}`,
	} {
		resp := org.do(t, "POST", rules, body)
		var e map[string]any
		decodeJSON(t, resp, &e)
		if resp.StatusCode != http.StatusBadRequest || e["errorCode"] != "E0000001" || len(e["errorCauses"].([]any)) != 1 {
			t.Errorf("%s: %d %v, want 400 E0000001 with a cause", name, resp.StatusCode, e)
		}
	}
	var rule map[string]any
	resp := org.do(t, "POST", rules, ruleBody(zone["id"].(string), da["id"].(string)))
	decodeJSON(t, resp, &rule)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create rule: %d %v", resp.StatusCode, rule)
	}
	if conds := obj(rule["conditions"]); fmt.Sprint(obj(obj(conds["people"])["users"])["exclude"]) != "[]" ||
		fmt.Sprint(obj(conds["userType"])) != "map[exclude:[] include:[]]" ||
		obj(obj(rule["actions"])["appSignOn"])["keepMeSignedIn"] == nil {
		t.Errorf("server defaults missing from %v", rule)
	}

	zonePath, daPath := "/api/v1/zones/"+zone["id"].(string), "/api/v1/device-assurances/"+da["id"].(string)
	org.do(t, "POST", zonePath+"/lifecycle/deactivate", "")
	if resp := org.do(t, "DELETE", zonePath, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("deleting a zone a rule names: %d", resp.StatusCode)
	}
	resp = org.do(t, "DELETE", daPath, "")
	var conflict map[string]any
	decodeJSON(t, resp, &conflict)
	if resp.StatusCode != http.StatusConflict || conflict["errorSummary"] != "Device assurance is in use and cannot be deleted." {
		t.Errorf("deleting a device assurance a rule names: %d %v", resp.StatusCode, conflict)
	}
	if resp := org.do(t, "DELETE", rules+"/"+rule["id"].(string), ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete rule: %d", resp.StatusCode)
	}
	for _, path := range []string{zonePath, daPath} {
		if resp := org.do(t, "DELETE", path, ""); resp.StatusCode != http.StatusNoContent {
			t.Errorf("DELETE %s once unused: %d", path, resp.StatusCode)
		}
	}
}

// The org's pipeline is a seed setting: Identity Engine by default, Classic ("v1") refuses ACCESS_POLICY.
func TestOrgPipeline(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pipeline, want string
		listStatus     int
	}{{"", "idx", http.StatusOK}, {"v1", "v1", http.StatusBadRequest}} {
		org := newTestOrg(t, withSeed(Seed{Pipeline: tt.pipeline}))
		var meta map[string]any
		resp := org.do(t, "GET", "/.well-known/okta-organization", "", "")
		decodeJSON(t, resp, &meta)
		if resp.StatusCode != http.StatusOK || meta["pipeline"] != tt.want || obj(obj(meta["_links"])["organization"])["href"] != org.http.URL {
			t.Errorf("seed pipeline %q: %d %v", tt.pipeline, resp.StatusCode, meta)
		}
		if resp := org.do(t, "GET", "/api/v1/policies?type=ACCESS_POLICY", ""); resp.StatusCode != tt.listStatus {
			t.Errorf("seed pipeline %q: list ACCESS_POLICY %d, want %d", tt.pipeline, resp.StatusCode, tt.listStatus)
		}
		// type is required on every org.
		resp = org.do(t, "GET", "/api/v1/policies", "")
		var e map[string]any
		decodeJSON(t, resp, &e)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(fmt.Sprint(e["errorSummary"]), "Invalid policy type") {
			t.Errorf("list without type: %d %v", resp.StatusCode, e)
		}
	}
}

// Policies, rules, bindings, zones and device assurances are part of the saved state.
func TestPoliciesSurviveRestart(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	app := createSAMLApp(t, c, "Persisted policy")
	var policy, zone, da map[string]any
	decodeJSON(t, org.do(t, "POST", "/api/v1/policies", `{"name":"Kept","type":"ACCESS_POLICY"}`), &policy)
	decodeJSON(t, org.do(t, "POST", "/api/v1/zones", `{"type":"IP","name":"Kept","gateways":[{"type":"CIDR","value":"192.0.2.0/24"}]}`), &zone)
	decodeJSON(t, org.do(t, "POST", "/api/v1/device-assurances", `{"name":"Kept","platform":"IOS","jailbreak":false}`), &da)
	pid := policy["id"].(string)
	org.do(t, "POST", "/api/v1/policies/"+pid+"/rules", fmt.Sprintf(`{"name":"Kept","priority":3,"conditions":{"network":{"connection":"ZONE","include":[%q]}}}`, zone["id"]))
	org.do(t, "PUT", "/api/v1/apps/"+app.Id+"/policies/"+pid, "")
	read := func() string {
		var out []string
		for _, path := range []string{"/api/v1/policies/" + pid, "/api/v1/policies/" + pid + "/rules", "/api/v1/zones/" + zone["id"].(string),
			"/api/v1/device-assurances/" + da["id"].(string)} {
			var v any
			decodeJSON(t, org.do(t, "GET", path, ""), &v)
			b, _ := json.Marshal(v)
			out = append(out, string(b))
		}
		return strings.Join(out, "\n") + "\n" + appPolicyHref(t, org, app.Id)
	}
	before := read()
	saved, err := org.srv.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	restarted, err := New(Config{BaseURL: org.http.URL}, Seed{})
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	org.serve(restarted)
	if after := read(); after != before {
		t.Errorf("changed across a restart:\n%s\n---\n%s", before, after)
	}
	if !strings.Contains(before, `"priority":3`) || !strings.HasSuffix(before, "/api/v1/policies/"+pid) {
		t.Errorf("the rule's priority or the binding is missing:\n%s", before)
	}
	if err := restarted.Reset(); err != nil {
		t.Fatal(err)
	}
	if resp := org.do(t, "GET", "/api/v1/policies/"+pid, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Reset kept the policy: %d", resp.StatusCode)
	}
	presetPolicyID(t, org, "Default Policy")
}
