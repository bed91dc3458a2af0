package okta

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// recordedRule is the real PUT body of okta-api.md §8 (with the read-only fields Okta adds), so that a merge
// is tested against what Okta holds: conditions and constraints the provider does not model must survive.
const recordedRule = `{"id":"rul1","status":"ACTIVE","name":"office","priority":1,"system":false,"type":"ACCESS_POLICY",
 "created":"2025-03-13T23:50:04.000Z","lastUpdated":"2025-03-13T23:50:04.000Z","_links":{"self":{"href":"x"}},
 "conditions":{
  "people":{"groups":{"include":["00g2"],"exclude":["00g9"]},"users":{"include":["00u1"],"exclude":[]}},
  "network":{"connection":"ZONE","include":["nzo1"]},
  "device":{"registered":true,"managed":false,"assurance":{"include":["dae1"]}},
  "platform":{"include":[{"type":"MOBILE","os":{"type":"IOS","expression":null}},{"type":"DESKTOP","os":{"type":"MACOS","expression":null}}]},
  "elCondition":{"condition":"user.status == \"ACTIVE\""},
  "userType":{"include":[],"exclude":[]}},
 "actions":{"appSignOn":{"access":"ALLOW","keepMeSignedIn":{"postAuth":"NOT_ALLOWED"},
  "verificationMethod":{"type":"ASSURANCE","factorMode":"2FA","reauthenticateIn":"PT43800H","inactivityPeriod":"PT2H",
   "constraints":[{"knowledge":{"types":["password"],"required":false},"possession":{"required":false,"deviceBound":"REQUIRED"}}]}}}}`

func TestDecodeAccessRule(t *testing.T) {
	t.Parallel()
	r := decodeRule(mustObject(t, recordedRule))
	want := AccessRule{ID: "rul1", Name: "office", Status: "ACTIVE", Priority: 1, GroupsInclude: []string{"00g2"}, GroupsExclude: []string{"00g9"},
		UsersInclude: []string{"00u1"}, NetworkConnection: "ZONE", ZonesInclude: []string{"nzo1"}, DeviceRegistered: true,
		DeviceAssuranceInclude: []string{"dae1"}, Platforms: []Platform{{"MOBILE", "IOS"}, {"DESKTOP", "MACOS"}},
		Access: "ALLOW", FactorMode: "2FA", ReauthenticateIn: "PT43800H", Created: "2025-03-13T23:50:04.000Z", LastUpdated: "2025-03-13T23:50:04.000Z"}
	got := *r
	got.raw = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n  %+v\nwant\n  %+v", got, want)
	}
}

func TestAccessRuleEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*AccessRule)
		check  func(t *testing.T, body map[string]any)
	}{
		{"unmodelled conditions and settings are kept", func(r *AccessRule) { r.FactorMode = "1FA" }, func(t *testing.T, b map[string]any) {
			cond := jsonObject(b["conditions"])
			if cond["elCondition"] == nil || cond["userType"] == nil {
				t.Errorf("conditions lost what the provider does not model: %v", cond)
			}
			vm := jsonObject(jsonObject(jsonObject(b["actions"])["appSignOn"])["verificationMethod"])
			if vm["factorMode"] != "1FA" || vm["inactivityPeriod"] != "PT2H" || vm["reauthenticateIn"] != "PT43800H" {
				t.Errorf("verificationMethod = %v", vm)
			}
			if jsonObject(jsonObject(b["actions"])["appSignOn"])["keepMeSignedIn"] == nil {
				t.Error("keepMeSignedIn was dropped")
			}
			for _, k := range []string{"_links", "created", "lastUpdated"} {
				if _, ok := b[k]; ok {
					t.Errorf("read-only %s is sent", k)
				}
			}
		}},
		{"phishing resistance is set on the possession constraint Okta holds", func(r *AccessRule) { r.PhishingResistant = true }, func(t *testing.T, b map[string]any) {
			cs := jsonList(jsonObject(jsonObject(jsonObject(b["actions"])["appSignOn"])["verificationMethod"])["constraints"])
			if len(cs) != 1 {
				t.Fatalf("constraints = %v, want the one Okta holds", cs)
			}
			p := jsonObject(jsonObject(cs[0])["possession"])
			if p["phishingResistant"] != "REQUIRED" || p["deviceBound"] != "REQUIRED" || jsonObject(cs[0])["knowledge"] == nil {
				t.Errorf("constraint = %v", cs[0])
			}
		}},
		{"conditions the rule drops are removed", func(r *AccessRule) {
			r.NetworkConnection, r.ZonesInclude, r.DeviceRegistered, r.DeviceAssuranceInclude, r.Platforms = "", nil, false, nil, nil
			r.UsersInclude = nil
		}, func(t *testing.T, b map[string]any) {
			cond := jsonObject(b["conditions"])
			for _, k := range []string{"network", "device", "platform"} {
				if _, ok := cond[k]; ok {
					t.Errorf("conditions.%s = %v, want none", k, cond[k])
				}
			}
			if people := jsonObject(cond["people"]); people["users"] != nil || people["groups"] == nil {
				t.Errorf("people = %v", people)
			}
		}},
		{"a denying rule keeps the verification Okta holds", func(r *AccessRule) { r.Access, r.FactorMode = "DENY", "" }, func(t *testing.T, b map[string]any) {
			signOn := jsonObject(jsonObject(b["actions"])["appSignOn"])
			if signOn["access"] != "DENY" || jsonObject(signOn["verificationMethod"])["factorMode"] != "2FA" {
				t.Errorf("appSignOn = %v", signOn)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := decodeRule(mustObject(t, recordedRule))
			tt.change(r)
			body := jsonObject(deepCopyJSON(r.Encode()))
			tt.check(t, body)
			if again := decodeRule(body); again.Name != r.Name || again.Access != r.Access || again.PhishingResistant != r.PhishingResistant {
				t.Errorf("the body decodes to %+v", again)
			}
		})
	}
}

func TestNewAccessRuleEncode(t *testing.T) {
	t.Parallel()
	r := &AccessRule{Name: "admins", Priority: 1, GroupsInclude: []string{"00g1"}, NetworkConnection: "ZONE", ZonesInclude: []string{"nzo1"},
		Access: "ALLOW", FactorMode: "2FA", ReauthenticateIn: "PT2H", HardwareProtected: true}
	b, _ := json.Marshal(r.Encode())
	want := `{"actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"constraints":[{"possession":{"hardwareProtection":"REQUIRED","required":true}}],` +
		`"factorMode":"2FA","reauthenticateIn":"PT2H","type":"ASSURANCE"}}},"conditions":{"network":{"connection":"ZONE","include":["nzo1"]},` +
		`"people":{"groups":{"include":["00g1"]}}},"name":"admins","priority":1,"type":"ACCESS_POLICY"}`
	if string(b) != want {
		t.Fatalf("body\n  %s\nwant\n  %s", b, want)
	}
}

// fakePolicies answers the policy endpoints the client calls and records the writes.
type fakePolicies struct {
	mu     sync.Mutex
	writes []string
}

func (f *fakePolicies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodGet {
		f.mu.Lock()
		f.writes = append(f.writes, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(b)))
		f.mu.Unlock()
	}
	switch p := r.URL.Path; {
	case p == "/.well-known/okta-organization":
		writeJSONResponse(w, http.StatusOK, map[string]any{"id": "00o1", "pipeline": "v1"})
	case p == "/api/v1/policies" && r.URL.Query().Get("type") == "ACCESS_POLICY":
		writeJSONResponse(w, http.StatusOK, []map[string]any{
			{"id": "rstA", "name": "Any two factors", "system": true, "type": "ACCESS_POLICY"},
			{"id": "rstD", "name": "Default Policy", "system": true, "type": "ACCESS_POLICY"},
			{"id": "rstM", "name": "Salesforce", "system": false, "type": "ACCESS_POLICY", "description": "mine"},
		})
	case p == "/api/v1/policies/rstM" && r.Method == http.MethodGet:
		writeJSONResponse(w, http.StatusOK, map[string]any{"id": "rstM", "name": "Salesforce", "description": "mine", "system": false, "_links": map[string]any{}})
	case p == "/api/v1/policies/rstM" && r.Method == http.MethodPut:
		writeJSONResponse(w, http.StatusOK, map[string]any{"id": "rstM"})
	case p == "/api/v1/apps/0oa1":
		writeJSONResponse(w, http.StatusOK, map[string]any{"id": "0oa1", "_links": map[string]any{"accessPolicy": map[string]any{"href": "https://x/api/v1/policies/rstM"}}})
	case strings.HasPrefix(p, "/api/v1/apps/0oa1/policies/"):
		w.WriteHeader(http.StatusNoContent)
	default:
		writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+p+" (Policy)")
	}
}

func TestAccessPolicyCalls(t *testing.T) {
	t.Parallel()
	f := &fakePolicies{}
	c, ctx := newTestClient(t, f), context.Background()
	if p, err := c.OrgPipeline(ctx); err != nil || p != "v1" {
		t.Errorf("pipeline = %q, %v", p, err)
	}
	if d, err := c.DefaultAccessPolicy(ctx); err != nil || d.ID != "rstD" {
		t.Errorf("default policy = %+v, %v; want rstD, the system policy named Default Policy", d, err)
	}
	if id, err := c.AppAccessPolicyID(ctx, "0oa1"); err != nil || id != "rstM" {
		t.Errorf("app policy = %q, %v", id, err)
	}
	if _, err := c.GetAccessPolicy(ctx, "rstGone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get of a deleted policy: %v, want ErrNotFound", err)
	}
	if err := c.UpdateAccessPolicy(ctx, "rstM", "Salesforce", "mine"); err != nil || len(f.writes) != 0 {
		t.Errorf("an update that changes nothing wrote %v (%v)", f.writes, err)
	}
	if err := c.UpdateAccessPolicy(ctx, "rstM", "Salesforce", "theirs"); err != nil || len(f.writes) != 1 || !strings.Contains(f.writes[0], `"description":"theirs"`) ||
		strings.Contains(f.writes[0], "_links") {
		t.Errorf("update wrote %v (%v)", f.writes, err)
	}
	if err := c.BindAppAccessPolicy(ctx, "0oa1", "rstD"); err != nil || f.writes[len(f.writes)-1] != "PUT /api/v1/apps/0oa1/policies/rstD " {
		t.Errorf("bind wrote %v (%v)", f.writes, err)
	}
}

// Turning both possession flags off drops the possession constraint the flags added (it would still demand a
// possession factor) but keeps one that holds what Okta or an admin set, with the flags made optional.
func TestAccessPolicyRuleEncodeClearsAddedPossession(t *testing.T) {
	t.Parallel()
	constraints := func(b map[string]any) []any {
		return jsonList(jsonObject(jsonObject(jsonObject(b["actions"])["appSignOn"])["verificationMethod"])["constraints"])
	}
	tests := []struct {
		name  string
		start func(t *testing.T) *AccessRule // a rule as Okta holds it, with a flag set
		check func(t *testing.T, cs []any)
	}{
		{"added by the flags", func(t *testing.T) *AccessRule {
			added := &AccessRule{Name: "admins", Access: "ALLOW", FactorMode: "2FA", PhishingResistant: true, HardwareProtected: true}
			return decodeRule(jsonObject(deepCopyJSON(added.Encode())))
		}, func(t *testing.T, cs []any) {
			if len(cs) != 0 {
				t.Errorf("constraints = %v, want none: the possession constraint the flags added stays", cs)
			}
		}},
		{"held by Okta with device binding", func(t *testing.T) *AccessRule {
			r := decodeRule(mustObject(t, recordedRule))
			r.PhishingResistant = true
			return decodeRule(jsonObject(deepCopyJSON(r.Encode())))
		}, func(t *testing.T, cs []any) {
			p := jsonObject(jsonObject(firstOr(cs))["possession"])
			if len(cs) != 1 || p["deviceBound"] != "REQUIRED" || p["phishingResistant"] != "OPTIONAL" || jsonObject(firstOr(cs))["knowledge"] == nil {
				t.Errorf("constraints = %v, want Okta's kept with phishingResistant OPTIONAL", cs)
			}
		}},
		{"possession required by an admin, no flag", func(t *testing.T) *AccessRule {
			r := decodeRule(mustObject(t, `{"id":"rul2","name":"x","actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"type":"ASSURANCE",`+
				`"factorMode":"2FA","constraints":[{"possession":{"required":true}}]}}}}`))
			return r
		}, func(t *testing.T, cs []any) {
			if len(cs) != 1 || jsonObject(jsonObject(cs[0])["possession"])["required"] != true {
				t.Errorf("constraints = %v, want the admin's kept", cs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.start(t)
			r.PhishingResistant, r.HardwareProtected = false, false
			body := jsonObject(deepCopyJSON(r.Encode()))
			tt.check(t, constraints(body))
			if again := decodeRule(body); again.PhishingResistant || again.HardwareProtected {
				t.Errorf("the body decodes to flags %v/%v", again.PhishingResistant, again.HardwareProtected)
			}
		})
	}
}

func firstOr(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// pagedPolicies serves the policy and rule lists two items a page, linking the next page as Okta does.
type pagedPolicies struct {
	mu       sync.Mutex
	requests []string
}

func (f *pagedPolicies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	f.mu.Unlock()
	var items []map[string]any
	switch r.URL.Path {
	case "/api/v1/policies":
		items = []map[string]any{{"id": "rst1", "name": "a", "system": true}, {"id": "rst2", "name": "b"}, {"id": "rst3", "name": "c"}}
	case "/api/v1/policies/rstM/rules":
		items = []map[string]any{{"id": "rulC", "name": "Catch-all Rule", "priority": 99.0, "system": true},
			{"id": "rul1", "name": "one", "priority": 1.0}, {"id": "rul2", "name": "two", "priority": 2.0, "status": "INACTIVE"}}
	default:
		writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
		return
	}
	start := 0
	if a := r.URL.Query().Get("after"); a != "" {
		start = 2
	}
	end := min(start+2, len(items))
	w.Header().Add("Link", "<http://"+r.Host+r.URL.RequestURI()+`>; rel="self"`)
	if end < len(items) {
		q := r.URL.Query()
		q.Set("after", jsonString(items[end-1]["id"]))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	writeJSONResponse(w, http.StatusOK, items[start:end])
}

func TestAccessPolicyListsReadEveryPage(t *testing.T) {
	t.Parallel()
	f := &pagedPolicies{}
	c, ctx := newTestClient(t, f), context.Background()
	policies, err := c.ListAccessPolicies(ctx, "")
	var ids []string
	for _, p := range policies {
		ids = append(ids, p.ID)
	}
	if err != nil || strings.Join(ids, ",") != "rst1,rst2,rst3" {
		t.Errorf("policies = %v (%v), want rst1,rst2,rst3 from two pages", ids, err)
	}
	rules, err := c.ListAccessRules(ctx, "rstM")
	var names []string
	for _, r := range rules {
		names = append(names, r.Name+"/"+r.Status)
	}
	if err != nil || strings.Join(names, ",") != "one/,two/INACTIVE,Catch-all Rule/" {
		t.Errorf("rules = %v (%v), want one, two (inactive) and the catch-all from two pages, in priority order", names, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 4 || !strings.Contains(f.requests[0], "limit=") || !strings.Contains(f.requests[1], "after=") {
		t.Errorf("requests = %v, want two pages of each list, the first with a limit", f.requests)
	}
}
