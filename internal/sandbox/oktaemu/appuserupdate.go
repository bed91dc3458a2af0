package oktaemu

import (
	"net/http"
	"strings"
)

// updateAppUser is POST /api/v1/apps/{appId}/users/{userId} (updateApplicationUser): a partial update of the app
// user's credentials.userName and profile (okta-api.md §5). A profile value of null removes the attribute; an
// empty userName, which okta-sdk-golang v2 always sends, keeps the current one. Updating a user the app reaches
// through a group turns the assignment into a direct (USER) one that starts from the group's values, which is how
// Okta converts a group assignment to an individual one (inferred from the legacy Apps API documentation; the
// OpenAPI description does not say).
func (s *Server) updateAppUser(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	if scope, _ := body["scope"].(string); scope != "" && scope != "USER" {
		writeValidation(w, "scope", "scope: A direct assignment must have scope USER")
		return
	}
	profileIn, hasProfile := body["profile"].(map[string]any)
	if body["profile"] != nil && !hasProfile {
		writeValidation(w, "profile", "profile: The field must be an object")
		return
	}
	userName, _ := obj(body["credentials"])["userName"].(string)
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		c, uid := s.appContext(rec), r.PathValue("userId")
		u := s.st.Users[uid]
		current, ok := s.resolve(c, u)
		if !ok {
			writeAppUserNotFound(w, uid)
			return false
		}
		set := map[string]any{}
		for k, v := range profileIn {
			if v != nil {
				set[k] = v
			}
		}
		if causes := s.unknownProperties(rec, set); len(causes) > 0 {
			writeValidation(w, "appUser", causes...)
			return false
		}
		now := s.now().UTC()
		d := c.direct[uid]
		if d == nil {
			d = &directAppUser{UserName: current.userName, Profile: map[string]any{}, Created: now}
			for k, v := range current.profile {
				if v != nil {
					d.Profile[k] = deepCopy(v)
				}
			}
			if s.st.AppUsers == nil {
				s.st.AppUsers = map[string]map[string]*directAppUser{}
			}
			if s.st.AppUsers[c.id] == nil {
				s.st.AppUsers[c.id] = map[string]*directAppUser{}
			}
			s.st.AppUsers[c.id][uid] = d
			c.direct = s.st.AppUsers[c.id]
		}
		if strings.TrimSpace(userName) != "" {
			d.UserName = userName
		}
		for k, v := range profileIn {
			if v == nil {
				delete(d.Profile, k)
			} else {
				d.Profile[k] = v
			}
		}
		d.LastUpdated = after(fmtTime(d.LastUpdated), now)
		// An event type of Okta's catalogue (okta-api.md §11); the message is the sandbox's wording.
		s.logAdminEvent(r, "application.user_membership.update", "Update user's application membership", userLogTarget(u), appLogTarget(rec))
		au, _ := s.resolve(c, u)
		writeJSON(w, http.StatusOK, s.appUserJSON(c, au, false))
		return true
	})
}
