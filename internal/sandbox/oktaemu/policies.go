package oktaemu

// This file serves app sign-in (ACCESS_POLICY) policies and their rules: /api/v1/policies[/{policyId}[/rules…]],
// the app binding PUT /api/v1/apps/{appId}/policies/{policyId} and /.well-known/okta-organization.
//
// Where okta-api.md marks a behaviour [inferred] or lists it among its open points, the comment at the code says so.

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

const (
	pipelineIdentityEngine = "idx"
	pipelineClassic        = "v1"
	accessPolicyType       = "ACCESS_POLICY"
	// catchAllPriority is the priority of every app sign-in policy's system rule; other rules take 0–98
	// (management.yaml, "App sign-in policy" limitations).
	catchAllPriority = 99
	maxRulePriority  = 98
)

// policyRec is one ACCESS_POLICY: Body is served (without _links and _embedded), Rules hold rule bodies by id.
type policyRec struct {
	Body  map[string]any            `json:"body"`
	Rules map[string]map[string]any `json:"rules"`
}

func seedPipeline(seed Seed) string {
	if seed.Pipeline == pipelineClassic {
		return pipelineClassic
	}
	return pipelineIdentityEngine
}

func (st *state) initPolicyMaps() {
	if st.Policies == nil {
		st.Policies = map[string]*policyRec{}
	}
	if st.Zones == nil {
		st.Zones = map[string]map[string]any{}
	}
	if st.DeviceAssurances == nil {
		st.DeviceAssurances = map[string]map[string]any{}
	}
}

// seedPolicies creates what a new Identity Engine org has: the default app sign-in policy every new app is bound
// to, two preset policies (as in the recorded org's list) and the system IP zones.
func (st *state) seedPolicies(now time.Time) {
	st.Policies, st.Zones, st.DeviceAssurances = nil, nil, nil
	st.initPolicyMaps()
	if st.Org.Pipeline == pipelineClassic {
		return
	}
	oneFactor := map[string]any{"access": "ALLOW", "verificationMethod": map[string]any{"factorMode": "1FA", "type": "ASSURANCE",
		"reauthenticateIn": "PT12H", "constraints": []any{}}, "keepMeSignedIn": map[string]any{"postAuth": "NOT_ALLOWED"}}
	// The default policy's description and its 1FA catch-all are [inferred]: the recorded org's list does not show it.
	st.addPolicy(st.Org.DefaultAccessPolicyID, "Default Policy", "The default app sign-in policy", true, oneFactor, now)
	st.addPolicy(st.newID("rst"), "Any two factors", "Require two factors to access.", true, defaultCatchAllActions(), now)
	st.addPolicy(st.newID("rst"), "Okta Dashboard", "", false, oneFactor, now)
	for _, z := range []struct{ name, usage string }{{"LegacyIpZone", "POLICY"}, {"BlockedIpZone", "BLOCKLIST"}} {
		id := st.newID("nzo")
		st.Zones[id] = map[string]any{"type": "IP", "id": id, "name": z.name, "status": "ACTIVE", "usage": z.usage,
			"created": fmtTime(now), "lastUpdated": fmtTime(now), "system": true, "gateways": nil, "proxies": nil}
	}
}

// defaultCatchAllActions is the catch-all rule of a newly created policy as recorded (constraints vary by org).
func defaultCatchAllActions() map[string]any {
	return map[string]any{"appSignOn": map[string]any{"access": "ALLOW",
		"verificationMethod": map[string]any{"factorMode": "2FA", "type": "ASSURANCE", "reauthenticateIn": "PT12H",
			"constraints": []any{map[string]any{"possession": map[string]any{"required": true, "deviceBound": "REQUIRED"}}}},
		"keepMeSignedIn": map[string]any{"postAuth": "NOT_ALLOWED"}}}
}

func (st *state) addPolicy(id, name, description string, system bool, catchAll map[string]any, now time.Time) *policyRec {
	if _, wrapped := catchAll["appSignOn"]; !wrapped {
		catchAll = map[string]any{"appSignOn": catchAll}
	}
	body := map[string]any{"id": id, "status": "ACTIVE", "name": name, "priority": 1, "system": system,
		"conditions": nil, "created": fmtTime(now), "lastUpdated": fmtTime(now), "type": accessPolicyType}
	if description != "" {
		body["description"] = description
	}
	p := &policyRec{Body: body, Rules: map[string]map[string]any{}}
	ruleID := st.newID("rul")
	p.Rules[ruleID] = map[string]any{"id": ruleID, "status": "ACTIVE", "name": "Catch-all Rule", "priority": catchAllPriority,
		"created": fmtTime(now), "lastUpdated": fmtTime(now), "system": true, "conditions": nil, "actions": catchAll,
		"type": accessPolicyType}
	st.Policies[id] = p
	return p
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}

func hints(methods ...string) map[string]any {
	allow := make([]any, len(methods))
	for i, m := range methods {
		allow[i] = m
	}
	return map[string]any{"allow": allow}
}

func (s *Server) link(path string, methods ...string) map[string]any {
	return map[string]any{"href": s.cfg.BaseURL + path, "hints": hints(methods...)}
}

// policyJSON renders a policy; lists embed its resource type, a single read does not (both recorded).
func (s *Server) policyJSON(p *policyRec, embedded bool) map[string]any {
	out := deepCopy(p.Body).(map[string]any)
	base := "/api/v1/policies/" + out["id"].(string)
	links := map[string]any{"rules": s.link(base+"/rules", "GET", "POST")}
	if out["system"] == true {
		links["self"] = s.link(base, "GET", "PUT")
	} else {
		links["self"] = s.link(base, "GET", "PUT", "DELETE")
		links["mappings"] = s.link(base+"/mappings", "GET", "POST")
		if out["status"] == "ACTIVE" {
			links["deactivate"] = s.link(base+"/lifecycle/deactivate", "POST")
		} else {
			links["activate"] = s.link(base+"/lifecycle/activate", "POST")
		}
	}
	out["_links"] = links
	if embedded {
		out["_embedded"] = map[string]any{"resourceType": "APP"}
	}
	return out
}

func (s *Server) ruleJSON(policyID string, rule map[string]any) map[string]any {
	out := deepCopy(rule).(map[string]any)
	base := "/api/v1/policies/" + policyID + "/rules/" + out["id"].(string)
	links := map[string]any{}
	if out["system"] == true {
		// The catch-all rule can be edited, never deleted or deactivated [vcr: its links allow GET and PUT].
		links["self"] = s.link(base, "GET", "PUT")
	} else {
		links["self"] = s.link(base, "GET", "PUT", "DELETE")
		if out["status"] == "ACTIVE" {
			links["deactivate"] = s.link(base+"/lifecycle/deactivate", "POST")
		} else {
			links["activate"] = s.link(base+"/lifecycle/activate", "POST")
		}
	}
	out["_links"] = links
	return out
}

// writeInvalidPolicyType is the answer a Classic org gives to ACCESS_POLICY requests (terraform-provider-okta #1311
// quotes its summary; the error code is [inferred]).
func writeInvalidPolicyType(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, "E0000002", "The request was not valid: Invalid policy type specified.")
}

func (s *Server) findPolicy(w http.ResponseWriter, id string) *policyRec {
	p, ok := s.st.Policies[id]
	if !ok {
		// The "(Policy)" suffix is [inferred]: only NetworkZone, User and AppInstance 404s are recorded.
		writeNotFound(w, id, "Policy")
		return nil
	}
	return p
}

// listPolicies serves GET /api/v1/policies?type=…: type is required; the emulator holds ACCESS_POLICY policies only,
// so other valid types list empty. q is a name prefix, status an exact status, sortBy=name orders a page by name.
func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typ := q.Get("type")
	if typ == "" || !knownPolicyTypes[typ] {
		writeInvalidPolicyType(w)
		return
	}
	status, name := q.Get("status"), strings.ToLower(q.Get("q"))
	limit := pageLimit(r, 1000, 1000)
	s.locked(w, func(w http.ResponseWriter) bool {
		if typ == accessPolicyType && s.st.Org.Pipeline == pipelineClassic {
			writeInvalidPolicyType(w)
			return false
		}
		var ids []string
		for _, id := range sortedIDs(s.st.Policies) {
			b := s.st.Policies[id].Body
			if typ != accessPolicyType || status != "" && b["status"] != status ||
				name != "" && !strings.HasPrefix(strings.ToLower(fmt.Sprint(b["name"])), name) {
				continue
			}
			ids = append(ids, id)
		}
		page := s.paginate(w, r, ids, limit)
		if q.Get("sortBy") == "name" {
			sort.SliceStable(page, func(i, j int) bool {
				return fmt.Sprint(s.st.Policies[page[i]].Body["name"]) < fmt.Sprint(s.st.Policies[page[j]].Body["name"])
			})
		}
		out := make([]any, 0, len(page))
		for _, id := range page {
			out = append(out, s.policyJSON(s.st.Policies[id], true))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

var knownPolicyTypes = map[string]bool{accessPolicyType: true, "OKTA_SIGN_ON": true, "PASSWORD": true, "MFA_ENROLL": true,
	"IDP_DISCOVERY": true, "PROFILE_ENROLLMENT": true, "POST_AUTH_SESSION": true, "ENTITY_RISK": true,
	"DEVICE_SIGNAL_COLLECTION": true, "SESSION_VIOLATION_DETECTION": true, "CLIENT_UPDATE": true, "IDENTITY_CLAIM_SOURCING": true}

// policyInput checks the writable fields of a policy body.
func policyInput(body map[string]any) (name, description string, field string, causes []string) {
	name, _ = body["name"].(string)
	description, _ = body["description"].(string)
	if strings.TrimSpace(name) == "" {
		return "", "", "name", []string{"name: The field cannot be left blank"}
	}
	return name, description, "", nil
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	typ, _ := body["type"].(string)
	if typ != accessPolicyType {
		if knownPolicyTypes[typ] {
			writeValidation(w, "type", "type: The sandbox emulates ACCESS_POLICY policies only")
		} else {
			writeInvalidPolicyType(w)
		}
		return
	}
	name, description, field, causes := policyInput(body)
	s.locked(w, func(w http.ResponseWriter) bool {
		if s.st.Org.Pipeline == pipelineClassic {
			writeInvalidPolicyType(w)
			return false
		}
		if field != "" {
			writeValidation(w, field, causes...)
			return false
		}
		// App sign-in policies are not ordered (one per app): every recorded one reads priority 1.
		p := s.st.addPolicy(s.st.newID("rst"), name, description, false, defaultCatchAllActions(), s.now().UTC())
		if !boolQuery(r, "activate", true) {
			p.Body["status"] = "INACTIVE"
		}
		writeJSON(w, http.StatusOK, s.policyJSON(p, false))
		return true
	})
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if p := s.findPolicy(w, r.PathValue("policyId")); p != nil {
			writeJSON(w, http.StatusOK, s.policyJSON(p, false))
		}
		return false
	})
}

// replacePolicy is PUT: name and description are replaced; id, type, system, status and priority are read-only.
func (s *Server) replacePolicy(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	name, description, field, causes := policyInput(body)
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		if field != "" {
			writeValidation(w, field, causes...)
			return false
		}
		p.Body["name"] = name
		delete(p.Body, "description")
		if description != "" {
			p.Body["description"] = description
		}
		p.Body["lastUpdated"] = fmtTime(s.now().UTC())
		writeJSON(w, http.StatusOK, s.policyJSON(p, false))
		return true
	})
}

// appsBoundTo lists the ids of the apps whose app sign-in policy is id.
func (s *Server) appsBoundTo(id string) []string {
	var out []string
	for _, appID := range sortedIDs(s.st.Apps) {
		if s.st.Apps[appID].AccessPolicyID == id {
			out = append(out, appID)
		}
	}
	return out
}

// refusePolicyChange answers for a policy that cannot be deleted or deactivated: a system policy (403, as for any
// object whose links do not allow it) or one bound to apps. Both error bodies are [inferred] (okta-api.md §14).
func (s *Server) refusePolicyChange(w http.ResponseWriter, p *policyRec, op string) bool {
	if p.Body["system"] == true {
		writeError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
		return true
	}
	if apps := s.appsBoundTo(p.Body["id"].(string)); len(apps) > 0 {
		writeValidation(w, "policy", fmt.Sprintf("policy: The policy cannot be %s while it is assigned to %d app(s): %s",
			op, len(apps), strings.Join(apps, ", ")))
		return true
	}
	return false
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil || s.refusePolicyChange(w, p, "deleted") {
			return false
		}
		delete(s.st.Policies, p.Body["id"].(string))
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}

// policyLifecycle activates or deactivates a policy: 204 without a body.
func (s *Server) policyLifecycle(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"activate": "ACTIVE", "deactivate": "INACTIVE"}[r.PathValue("op")]
	if status == "" {
		writeNotFound(w, r.URL.Path, "Resource")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil || status == "INACTIVE" && s.refusePolicyChange(w, p, "deactivated") {
			return false
		}
		changed := p.Body["status"] != status
		if changed {
			p.Body["status"] = status
			p.Body["lastUpdated"] = fmtTime(s.now().UTC())
		}
		w.WriteHeader(http.StatusNoContent)
		return changed
	})
}

// listPolicyApps serves GET /api/v1/policies/{policyId}/app: the apps bound to the policy.
func (s *Server) listPolicyApps(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		out := []any{}
		for _, id := range s.appsBoundTo(p.Body["id"].(string)) {
			out = append(out, s.appJSON(s.st.Apps[id]))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// assignAppPolicy serves PUT /api/v1/apps/{appId}/policies/{policyId}: the app moves to the policy (204), which
// its _links.accessPolicy then names.
func (s *Server) assignAppPolicy(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		id := p.Body["id"].(string)
		changed := rec.AccessPolicyID != id
		rec.AccessPolicyID = id
		w.WriteHeader(http.StatusNoContent)
		return changed
	})
}

// wellKnownOrganization serves GET /.well-known/okta-organization (unauthenticated), shaped as recorded.
func (s *Server) wellKnownOrganization(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		writeJSON(w, http.StatusOK, map[string]any{
			"id":       s.st.Org.ID,
			"cell":     "op3",
			"_links":   map[string]any{"organization": map[string]any{"href": s.cfg.BaseURL}},
			"pipeline": s.st.Org.Pipeline,
			"settings": map[string]any{"analyticsCollectionEnabled": false, "bugReportingEnabled": true, "omEnabled": false,
				"pssoEnabled": false, "desktopMFAEnabled": false, "itpEnabled": false},
		})
		return false
	})
}

// rulesByPriority returns the policy's rules in evaluation order: priority, then creation (id).
func rulesByPriority(p *policyRec) []map[string]any {
	out := make([]map[string]any, 0, len(p.Rules))
	for _, id := range sortedIDs(p.Rules) {
		out = append(out, p.Rules[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return toInt(out[i]["priority"]) < toInt(out[j]["priority"]) })
	return out
}
