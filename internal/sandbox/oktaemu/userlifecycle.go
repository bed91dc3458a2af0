package oktaemu

import (
	"net/http"
	"slices"
	"strings"
)

func (s *Server) setStatus(u *user, status string) {
	now := s.now().UTC()
	u.Status, u.StatusChanged, u.LastUpdated = status, &now, now
}

// userLifecycleOps are the {op} values of POST /api/v1/users/{id}/lifecycle/{op} the emulator serves.
// Besides the status transitions, reset_password, expire_password and reset_factors are served because every user's
// _links advertise them.
var userLifecycleOps = []string{"activate", "deactivate", "reactivate", "suspend", "unsuspend",
	"reset_password", "expire_password", "reset_factors"}

// userLifecycle runs POST /api/v1/users/{id}/lifecycle/{op} with Okta's state rules:
// activate from STAGED or DEPROVISIONED, reactivate PROVISIONED, suspend ACTIVE, unsuspend SUSPENDED.
func (s *Server) userLifecycle(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("op")
	if !slices.Contains(userLifecycleOps, op) {
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
		case "reset_password", "expire_password", "reset_factors":
			return s.credentialLifecycle(w, r, u, op, sendEmail)
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

// credentialLifecycle serves the credential operations of the lifecycle (management.yaml, UserCred and
// UserLifecycle): reset_password puts the user in RECOVERY and answers the reset URL when sendEmail=false
// (ResetPasswordToken); expire_password puts a user with a password in PASSWORD_EXPIRED and answers the user, or
// {"tempPassword"} with tempPassword=true; reset_factors answers 200 {} (the emulator models no enrolled factors,
// so there are none to reset). The statuses each accepts are those whose _links advertise it.
func (s *Server) credentialLifecycle(w http.ResponseWriter, r *http.Request, u *user, op string, sendEmail bool) bool {
	notAllowed := func() bool {
		writeError(w, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
		return false
	}
	switch op {
	case "reset_password":
		switch u.Status {
		case "PROVISIONED", "ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY", "SUSPENDED":
		default:
			return notAllowed()
		}
		s.setStatus(u, "RECOVERY")
		var out any = map[string]any{}
		if !sendEmail {
			out = map[string]any{"resetPasswordUrl": s.cfg.BaseURL + "/signin/reset-password/" + randomString(20)}
		}
		writeJSON(w, http.StatusOK, out)
		return true
	case "expire_password":
		switch u.Status {
		case "ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY":
		default:
			return notAllowed()
		}
		s.setStatus(u, "PASSWORD_EXPIRED")
		if boolQuery(r, "tempPassword", false) {
			temp := randomString(12)
			now := *u.StatusChanged
			u.PasswordHash, u.PasswordChanged = hashPassword(temp), &now
			writeJSON(w, http.StatusOK, map[string]any{"tempPassword": temp})
			return true
		}
		writeJSON(w, http.StatusOK, s.userJSON(u, true))
		return true
	}
	if u.Status == "DEPROVISIONED" {
		return notAllowed()
	}
	writeJSON(w, http.StatusOK, map[string]any{})
	return false
}
