package oktaemu

import "net/http"

// policyMappingJSON renders the mapping of an app sign-in policy to one app (PolicyMapping in management.yaml). The
// emulator keeps no mapping objects of its own: each app bound to the policy is one mapping, named by the app's
// id (inferred: the description does not say how mapping ids are formed).
func (s *Server) policyMappingJSON(policyID, appID string) map[string]any {
	return map[string]any{
		"id": appID,
		"_links": map[string]any{
			"self":        s.href("/api/v1/policies/" + policyID + "/mappings/" + appID),
			"application": s.href("/api/v1/apps/" + appID),
			"policy":      s.href("/api/v1/policies/" + policyID),
		},
	}
}

// listPolicyMappings serves GET /api/v1/policies/{policyId}/mappings (listPolicyMappings): the apps the policy
// applies to, as mappings.
func (s *Server) listPolicyMappings(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		id := p.Body["id"].(string)
		out := []any{}
		for _, appID := range s.appsBoundTo(id) {
			out = append(out, s.policyMappingJSON(id, appID))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// getPolicyMapping serves GET /api/v1/policies/{policyId}/mappings/{mappingId} (getPolicyMapping).
func (s *Server) getPolicyMapping(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		p := s.findPolicy(w, r.PathValue("policyId"))
		if p == nil {
			return false
		}
		id, appID := p.Body["id"].(string), r.PathValue("mappingId")
		if rec := s.st.Apps[appID]; rec == nil || rec.AccessPolicyID != id {
			writeNotFound(w, appID, "PolicyMapping")
			return false
		}
		writeJSON(w, http.StatusOK, s.policyMappingJSON(id, appID))
		return false
	})
}
