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
	want := AccessRule{ID: "rul1", Name: "office", Priority: 1, GroupsInclude: []string{"00g2"}, GroupsExclude: []string{"00g9"},
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
