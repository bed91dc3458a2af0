package oktaemu

// This file serves the rules of app sign-in policies: /api/v1/policies/{policyId}/rules[/{ruleId}[/lifecycle/{op}]].

import (
	"fmt"
	"net/http"
	"strings"
)

// readOnlyRuleKeys are ignored in create and replace bodies (okta.NewAccessPolicyRule presets type, status, system).
var readOnlyRuleKeys = []string{"id", "status", "system", "created", "lastUpdated", "_links", "type"}

// pruneNulls drops null members recursively: the recorded replace answers without the null os.expression it was sent.
func pruneNullMembers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			t[k] = pruneNullMembers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = pruneNullMembers(e)
		}
	}
	return v
}

// ensureList sets m[k] to an empty list when absent.
func ensureList(m map[string]any, k string) {
	if _, ok := m[k].([]any); !ok {
		m[k] = []any{}
	}
}

// shapeRule validates a rule body and fills the defaults Okta adds [vcr]: people.users.exclude, userType
// include/exclude, platform.exclude, keepMeSignedIn.postAuth. It returns the conditions and actions to store.
func (s *Server) shapeRule(body map[string]any) (conditions, actions map[string]any, field string, causes []string) {
	body = pruneNullMembers(deepCopy(body)).(map[string]any)
	conditions, actions = obj(body["conditions"]), obj(body["actions"])

	people := obj(conditions["people"])
	users := obj(people["users"])
	ensureList(users, "exclude")
	people["users"] = users
	conditions["people"] = people
	userType := obj(conditions["userType"])
	ensureList(userType, "include")
	ensureList(userType, "exclude")
	conditions["userType"] = userType
	if platform, ok := conditions["platform"].(map[string]any); ok {
		ensureList(platform, "exclude")
	}

	// References must name existing objects. The cause texts are [inferred]; the checks follow the spec's
	// descriptions (zone ids in network include/exclude, device assurance ids, managed only with registered).
	if network, ok := conditions["network"].(map[string]any); ok {
		connection, _ := network["connection"].(string)
		include, _ := network["include"].([]any)
		exclude, _ := network["exclude"].([]any)
		switch connection {
		case "", "ANYWHERE", "ON_NETWORK", "OFF_NETWORK":
		case "ZONE":
			if len(include)+len(exclude) == 0 {
				return nil, nil, "conditions.network", []string{"conditions.network: A network zone must be included or excluded when the connection is ZONE"}
			}
		default:
			return nil, nil, "conditions.network.connection", []string{"conditions.network.connection: Invalid value " + connection}
		}
		for _, list := range [][]any{include, exclude} {
			for _, id := range list {
				if _, ok := s.st.Zones[fmt.Sprint(id)]; !ok {
					return nil, nil, "conditions.network", []string{fmt.Sprintf("conditions.network: Invalid network zone id: %v", id)}
				}
			}
		}
	}
	if device, ok := conditions["device"].(map[string]any); ok {
		if device["managed"] != nil && device["registered"] != true {
			return nil, nil, "conditions.device", []string{"conditions.device: registered must be true when managed is set"}
		}
		assurance, _ := obj(device["assurance"])["include"].([]any)
		for _, id := range assurance {
			if _, ok := s.st.DeviceAssurances[fmt.Sprint(id)]; !ok {
				return nil, nil, "conditions.device.assurance", []string{fmt.Sprintf("conditions.device.assurance: Invalid device assurance id: %v", id)}
			}
		}
	}
	for _, kind := range []string{"groups", "users"} {
		sel := obj(people[kind])
		for _, list := range []string{"include", "exclude"} {
			ids, _ := sel[list].([]any)
			for _, id := range ids {
				exists := false
				if kind == "groups" {
					_, exists = s.st.Groups[fmt.Sprint(id)]
				} else {
					_, exists = s.st.Users[fmt.Sprint(id)]
				}
				if !exists {
					return nil, nil, "conditions.people." + kind, []string{fmt.Sprintf("conditions.people.%s.%s: Invalid id: %v", kind, list, id)}
				}
			}
		}
	}

	signOn := obj(actions["appSignOn"])
	switch signOn["access"] {
	case "ALLOW", "DENY":
	case nil:
		signOn["access"] = "ALLOW"
	default:
		return nil, nil, "actions.appSignOn.access", []string{fmt.Sprintf("actions.appSignOn.access: Invalid value %v", signOn["access"])}
	}
	// A DENY rule with a verificationMethod is accepted as sent: nothing in the spec or recordings says otherwise.
	if vm, ok := signOn["verificationMethod"].(map[string]any); ok {
		if vm["type"] == nil {
			vm["type"] = "ASSURANCE"
		}
		if vm["type"] == "ASSURANCE" {
			if vm["factorMode"] == nil {
				vm["factorMode"] = "2FA"
			}
			if vm["reauthenticateIn"] == nil {
				vm["reauthenticateIn"] = "PT12H"
			}
			switch vm["factorMode"] {
			case "1FA", "2FA":
			default:
				return nil, nil, "actions.appSignOn.verificationMethod.factorMode",
					[]string{fmt.Sprintf("actions.appSignOn.verificationMethod.factorMode: Invalid value %v", vm["factorMode"])}
			}
		}
	}
	kmsi := obj(signOn["keepMeSignedIn"])
	if kmsi["postAuth"] == nil {
		kmsi["postAuth"] = "NOT_ALLOWED"
	}
	signOn["keepMeSignedIn"] = kmsi
	actions["appSignOn"] = signOn
	return conditions, actions, "", nil
}

// placeRule gives rule the priority p (clamped to 0–98). A free priority is taken as is (the recording reads back
// 0 and 98); an occupied one pushes the rule there, and the ones right behind it, one place down. This insertion
// order is [inferred] from terraform-provider-okta #2953 ("the API shifts priorities"); no recording shows it.
func placeRule(p *policyRec, rule map[string]any, prio int) {
	prio = max(0, min(prio, maxRulePriority))
	rule["priority"] = prio
	next := prio
	for _, o := range rulesByPriority(p) {
		if o["id"] == rule["id"] || o["system"] == true {
			continue
		}
		op := toInt(o["priority"])
		if op < next {
			continue
		}
		if op > next {
			break
		}
		next = min(op+1, maxRulePriority)
		o["priority"] = next
	}
}

// lastRulePriority is where a rule without a priority goes: after the last non-system rule.
func lastRulePriority(p *policyRec) int {
	last := -1
	for _, o := range p.Rules {
		if o["system"] != true {
			last = max(last, toInt(o["priority"]))
		}
	}
	return last + 1
}

func (s *Server) findRule(w http.ResponseWriter, p *policyRec, id string) map[string]any {
	rule, ok := p.Rules[id]
	if !ok {
		writeNotFound(w, id, "PolicyRule") // the "(PolicyRule)" suffix is [inferred]
		return nil
	}
	return rule
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		out := []any{}
		for _, rule := range rulesByPriority(p) {
			out = append(out, s.ruleJSON(p.Body["id"].(string), rule))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

func ruleName(body map[string]any) (string, []string) {
	name, _ := body["name"].(string)
	if strings.TrimSpace(name) == "" {
		return "", []string{"name: The field cannot be left blank"}
	}
	return name, nil
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		name, causes := ruleName(body)
		if causes != nil {
			writeValidation(w, "name", causes...)
			return false
		}
		if len(p.Rules) >= 100 {
			writeValidation(w, "rules", "rules: A policy can have at most 100 rules")
			return false
		}
		conditions, actions, field, causes := s.shapeRule(body)
		if field != "" {
			writeValidation(w, field, causes...)
			return false
		}
		now := fmtTime(s.now().UTC())
		id := s.st.newID("rul")
		rule := map[string]any{"id": id, "status": "ACTIVE", "name": name, "created": now, "lastUpdated": now,
			"system": false, "conditions": conditions, "actions": actions, "type": accessPolicyType}
		if !boolQuery(r, "activate", true) {
			rule["status"] = "INACTIVE"
		}
		prio := lastRulePriority(p)
		if v, given := body["priority"]; given && v != nil {
			prio = toInt(v)
		}
		p.Rules[id] = rule
		placeRule(p, rule, prio)
		writeJSON(w, http.StatusOK, s.ruleJSON(p.Body["id"].(string), rule))
		return true
	})
}

// policyAndRule resolves both path ids under the lock, answering 404 for either.
func (s *Server) policyAndRule(w http.ResponseWriter, r *http.Request) (*policyRec, map[string]any) {
	p := s.findPolicy(w, r.PathValue("policyId"))
	if p == nil {
		return nil, nil
	}
	rule := s.findRule(w, p, r.PathValue("ruleId"))
	if rule == nil {
		return nil, nil
	}
	return p, rule
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if p, rule := s.policyAndRule(w, r); rule != nil {
			writeJSON(w, http.StatusOK, s.ruleJSON(p.Body["id"].(string), rule))
		}
		return false
	})
}

// replaceRule is PUT: name, priority, conditions and actions are replaced. The catch-all rule keeps its name,
// priority and null conditions; only its actions change.
func (s *Server) replaceRule(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	for _, k := range readOnlyRuleKeys {
		delete(body, k)
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		p, rule := s.policyAndRule(w, r)
		if rule == nil {
			return false
		}
		conditions, actions, field, causes := s.shapeRule(body)
		if field != "" {
			writeValidation(w, field, causes...)
			return false
		}
		rule["actions"] = actions
		if rule["system"] != true {
			name, causes := ruleName(body)
			if causes != nil {
				writeValidation(w, "name", causes...)
				return false
			}
			rule["name"], rule["conditions"] = name, conditions
			if v, given := body["priority"]; given && v != nil {
				placeRule(p, rule, toInt(v))
			}
		}
		rule["lastUpdated"] = fmtTime(s.now().UTC())
		writeJSON(w, http.StatusOK, s.ruleJSON(p.Body["id"].(string), rule))
		return true
	})
}

// refuseSystemRule answers 403 for a change the catch-all rule's links do not allow; the body is [inferred].
func refuseSystemRule(w http.ResponseWriter, rule map[string]any) bool {
	if rule["system"] == true {
		writeError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
		return true
	}
	return false
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		p, rule := s.policyAndRule(w, r)
		if rule == nil || refuseSystemRule(w, rule) {
			return false
		}
		delete(p.Rules, rule["id"].(string))
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}

func (s *Server) ruleLifecycle(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"activate": "ACTIVE", "deactivate": "INACTIVE"}[r.PathValue("op")]
	if status == "" {
		writeNotFound(w, r.URL.Path, "Resource")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		_, rule := s.policyAndRule(w, r)
		if rule == nil || refuseSystemRule(w, rule) {
			return false
		}
		changed := rule["status"] != status
		if changed {
			rule["status"] = status
			rule["lastUpdated"] = fmtTime(s.now().UTC())
		}
		w.WriteHeader(http.StatusNoContent)
		return changed
	})
}

// zoneInUse reports whether a rule of any policy names the zone.
func (s *Server) zoneInUse(id string) bool {
	for _, p := range s.st.Policies {
		for _, rule := range p.Rules {
			network := obj(obj(rule["conditions"])["network"])
			for _, list := range []string{"include", "exclude"} {
				ids, _ := network[list].([]any)
				for _, z := range ids {
					if z == id {
						return true
					}
				}
			}
		}
	}
	return false
}

// deviceAssuranceInUse reports whether a rule of any policy names the device assurance policy.
func (s *Server) deviceAssuranceInUse(id string) bool {
	for _, p := range s.st.Policies {
		for _, rule := range p.Rules {
			ids, _ := obj(obj(obj(rule["conditions"])["device"])["assurance"])["include"].([]any)
			for _, d := range ids {
				if d == id {
					return true
				}
			}
		}
	}
	return false
}
