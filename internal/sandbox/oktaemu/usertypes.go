package oktaemu

import "net/http"

// defaultUserTypeJSON is the org's one user type, the default "user" type every user's type.id and _links.type
// name, shaped as recorded (GET /api/v1/meta/types/user in TestAccResourceOktaAppSignOnPolicyRule_crud). The
// emulator serves no other user types.
func (s *Server) defaultUserTypeJSON() map[string]any {
	st := s.st
	link := func(rel, path string) map[string]any {
		return map[string]any{"rel": rel, "href": s.cfg.BaseURL + path, "method": "GET"}
	}
	return map[string]any{
		"id": st.Org.UserTypeID, "displayName": "User", "name": "user",
		"description": "Okta user profile template with default permission settings",
		"createdBy":   st.Org.AdminUserID, "lastUpdatedBy": st.Org.AdminUserID,
		"created": fmtTime(adminCreated), "lastUpdated": fmtTime(adminCreated), "default": true,
		"_links": map[string]any{
			"schema": link("schema", "/api/v1/meta/schemas/user/"+st.Org.UserSchemaID),
			"self":   link("self", "/api/v1/meta/types/user/"+st.Org.UserTypeID),
		},
	}
}

// listUserTypes serves GET /api/v1/meta/types/user (listUserTypes).
func (s *Server) listUserTypes(w http.ResponseWriter, _ *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		writeJSON(w, http.StatusOK, []any{s.defaultUserTypeJSON()})
		return false
	})
}

// getUserType serves GET /api/v1/meta/types/user/{typeId} (getUserType); "default" names the default type.
func (s *Server) getUserType(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if id := r.PathValue("typeId"); id != s.st.Org.UserTypeID && id != "default" {
			writeNotFound(w, id, "UserType")
			return false
		}
		writeJSON(w, http.StatusOK, s.defaultUserTypeJSON())
		return false
	})
}
