package oktaemu

import (
	"net/http"
	"strings"
	"time"
)

// adminProfile is the profile of the super admin who owns the org's API token. The emulator does not list that
// admin among the org's users (seeds and tests count on the users they made), but serves it at /users/me and at
// its own id, which createdBy / lastUpdatedBy name.
var adminProfile = map[string]any{
	"firstName": "Sandbox", "lastName": "Administrator", "login": "admin@oktasf-sandbox.example",
	"email": "admin@oktasf-sandbox.example", "mobilePhone": nil, "secondEmail": nil,
}

// adminCreated stands in for when the admin was made: the emulator keeps no org creation time.
var adminCreated = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// adminUser is the API token's admin as a user record.
func (s *Server) adminUser() *user {
	created := adminCreated
	profile := make(map[string]any, len(adminProfile))
	for k, v := range adminProfile {
		profile[k] = v
	}
	return &user{ID: s.st.Org.AdminUserID, Status: "ACTIVE", Created: created, Activated: &created, StatusChanged: &created,
		LastUpdated: created, PasswordChanged: &created, PasswordHash: "set", Profile: profile, ProviderType: "OKTA", ProviderName: "OKTA"}
}

// getCurrentUser serves GET /api/v1/users/me: "the user linked to the API token … Details of the admin user who
// granted the API token is returned" (getUser in management.yaml). A service app's client_credentials token is
// linked to no user; Okta then answers 404 E0000007 for "me" as for any unknown id (inferred: the description
// names only API tokens and sessions, and a service app has no user).
func (s *Server) getCurrentUser(w http.ResponseWriter, r *http.Request) {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.locked(w, func(w http.ResponseWriter) bool {
		if !strings.EqualFold(scheme, "SSWS") {
			writeNotFound(w, "me", "User")
			return false
		}
		writeJSON(w, http.StatusOK, s.userJSON(s.adminUser(), true))
		return false
	})
}
