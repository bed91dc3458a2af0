package oktaemu

import (
	"net/http"
	"strings"
)

func (s *Server) setStatus(u *user, status string) {
	now := s.now().UTC()
	u.Status, u.StatusChanged, u.LastUpdated = status, &now, now
}

// userLifecycle runs POST /api/v1/users/{id}/lifecycle/{op} with Okta's state rules:
// activate from STAGED or DEPROVISIONED, reactivate PROVISIONED, suspend ACTIVE, unsuspend SUSPENDED.
func (s *Server) userLifecycle(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("op")
	switch op {
	case "activate", "deactivate", "reactivate", "suspend", "unsuspend":
	default:
		writeNotFound(w, r.URL.Path, "Resource")
		return
	}
	sendEmail := boolQuery(r, "sendEmail", true)
	s.locked(w, func(w http.ResponseWriter) bool {
		u := s.findUser(w, r.PathValue("id"))
		if u == nil {
			return false
		}
		notAllowed := func() bool {
			writeError(w, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
			return false
		}
		var out any = map[string]any{}
		switch op {
		case "activate":
			switch u.Status {
			case "STAGED", "DEPROVISIONED":
			case "ACTIVE":
				writeError(w, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
				return false
			default:
				return notAllowed()
			}
			next := "PROVISIONED"
			if u.PasswordHash != "" || u.ProviderType == "FEDERATION" {
				next = "ACTIVE"
			}
			s.setStatus(u, next)
			activated := *u.StatusChanged
			u.Activated = &activated
			if !sendEmail && next == "PROVISIONED" {
				out = s.activationToken()
			}
		case "reactivate":
			if u.Status != "PROVISIONED" && u.Status != "RECOVERY" {
				return notAllowed()
			}
			s.setStatus(u, "PROVISIONED")
			if !sendEmail {
				out = s.activationToken()
			}
		case "deactivate":
			if u.Status == "DEPROVISIONED" {
				return notAllowed()
			}
			s.setStatus(u, "DEPROVISIONED")
		case "suspend":
			if u.Status != "ACTIVE" {
				return notAllowed()
			}
			s.setStatus(u, "SUSPENDED")
		case "unsuspend":
			if u.Status != "SUSPENDED" {
				return notAllowed()
			}
			s.setStatus(u, "ACTIVE")
		}
		s.logAdminEvent(r, "user.lifecycle."+op, strings.ToUpper(op[:1])+op[1:]+" Okta user", userLogTarget(u))
		writeJSON(w, http.StatusOK, out)
		return true
	})
}

// activationToken is what activate/reactivate answer with sendEmail=false.
func (s *Server) activationToken() map[string]any {
	tok := randomString(20)
	return map[string]any{"activationUrl": s.cfg.BaseURL + "/welcome/" + tok, "activationToken": tok}
}
