package oktaemu

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// userLookup finds a user by id or login (case-insensitive), as GET /api/v1/users/{id} does.
func (st *state) userLookup(idOrLogin string) *user {
	if u, ok := st.Users[idOrLogin]; ok {
		return u
	}
	for _, u := range st.Users {
		if l, _ := u.Profile["login"].(string); strings.EqualFold(l, idOrLogin) {
			return u
		}
	}
	return nil
}

func (st *state) loginTaken(login, exceptID string) bool {
	for _, u := range st.Users {
		if l, _ := u.Profile["login"].(string); u.ID != exceptID && strings.EqualFold(l, login) {
			return true
		}
	}
	return false
}

// userJSON renders a user; full=false is the list form, whose _links hold only self.
func (s *Server) userJSON(u *user, full bool) map[string]any {
	st := s.st
	creds := map[string]any{"provider": map[string]any{"type": u.ProviderType, "name": u.ProviderName}}
	if u.PasswordHash != "" {
		creds["password"] = map[string]any{}
	}
	profile := make(map[string]any, len(u.Profile))
	for k, v := range u.Profile {
		profile[k] = v
	}
	base := "/api/v1/users/" + u.ID
	links := map[string]any{"self": s.href(base)}
	if full {
		links["schema"] = s.href("/api/v1/meta/schemas/user/" + st.Org.UserSchemaID)
		links["type"] = s.href("/api/v1/meta/types/user/" + st.Org.UserTypeID)
		links["resetFactors"] = s.hrefMethod(base+"/lifecycle/reset_factors", "POST")
		lc := func(name, op string) { links[name] = s.hrefMethod(base+"/lifecycle/"+op, "POST") }
		switch u.Status {
		case "STAGED":
			lc("activate", "activate")
		case "PROVISIONED":
			lc("suspend", "suspend")
			lc("resetPassword", "reset_password")
			lc("reactivate", "reactivate")
			lc("deactivate", "deactivate")
		case "ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY":
			lc("suspend", "suspend")
			lc("resetPassword", "reset_password")
			lc("expirePassword", "expire_password")
			lc("deactivate", "deactivate")
		case "SUSPENDED":
			lc("unsuspend", "unsuspend")
			lc("resetPassword", "reset_password")
			lc("deactivate", "deactivate")
		case "DEPROVISIONED":
			lc("activate", "activate")
			links["delete"] = s.hrefMethod(base, "DELETE")
		}
	}
	return map[string]any{
		"id":              u.ID,
		"status":          u.Status,
		"created":         fmtTime(u.Created),
		"activated":       fmtTimePtr(u.Activated),
		"statusChanged":   fmtTimePtr(u.StatusChanged),
		"lastLogin":       fmtTimePtr(u.LastLogin),
		"lastUpdated":     fmtTime(u.LastUpdated),
		"passwordChanged": fmtTimePtr(u.PasswordChanged),
		"realmId":         st.Org.RealmID,
		"type":            map[string]any{"id": st.Org.UserTypeID},
		"profile":         profile,
		"credentials":     creds,
		"_links":          links,
	}
}

func hashPassword(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

// profileProblems validates a full profile the way Okta's default user schema does.
func profileProblems(p map[string]any) (field string, causes []string) {
	for _, f := range []string{"login", "email", "firstName", "lastName"} {
		if v, _ := p[f].(string); strings.TrimSpace(v) == "" {
			if field == "" {
				field = f
			}
			causes = append(causes, f+": The field cannot be left blank")
		}
	}
	if field == "" {
		if e, _ := p["email"].(string); !strings.Contains(e, "@") {
			return "email", []string{"email: Does not match required pattern"}
		}
	}
	return field, causes
}

// mergeProfile starts from Okta's base attributes and applies body values; JSON null drops custom attributes.
func mergeProfile(dst map[string]any, src map[string]any) map[string]any {
	out := baseProfile()
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if _, isBase := out[k]; v == nil && !isBase {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	for k, v := range out {
		if _, isBase := baseProfile()[k]; v == nil && !isBase {
			delete(out, k)
		}
	}
	return out
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	profileIn, _ := body["profile"].(map[string]any)
	profile := mergeProfile(nil, profileIn)
	if field, causes := profileProblems(profile); field != "" {
		writeValidation(w, field, causes...)
		return
	}
	credsIn, _ := body["credentials"].(map[string]any)
	pw, _ := credsIn["password"].(map[string]any)
	password, _ := pw["value"].(string)
	s.locked(w, func(w http.ResponseWriter) bool {
		st, now := s.st, s.now().UTC()
		if s.schemaRefuses(w, "newUser", profile) {
			return false
		}
		if st.loginTaken(profile["login"].(string), "") {
			writeValidation(w, "login", "login: An object with this field already exists in the current organization")
			return false
		}
		var groupIDs []string
		if raw, ok := body["groupIds"].([]any); ok {
			for _, g := range raw {
				id, _ := g.(string)
				if grp, exists := st.Groups[id]; !exists || grp.Type != "OKTA_GROUP" {
					writeValidation(w, "groupIds", "groupIds: Invalid group id "+id)
					return false
				}
				groupIDs = append(groupIDs, id)
			}
		}
		u := &user{ID: st.newID("00u"), Status: "STAGED", Created: now, LastUpdated: now, Profile: profile,
			ProviderType: "OKTA", ProviderName: "OKTA"}
		if password != "" {
			u.PasswordHash = hashPassword(password)
			u.PasswordChanged = &now
		}
		if boolQuery(r, "provider", false) {
			u.ProviderType, u.ProviderName = "FEDERATION", "FEDERATION"
		}
		if boolQuery(r, "activate", true) {
			u.Status = "PROVISIONED"
			if password != "" || u.ProviderType == "FEDERATION" {
				u.Status = "ACTIVE"
			}
			if u.Status == "ACTIVE" && r.URL.Query().Get("nextLogin") == "changePassword" {
				u.Status = "PASSWORD_EXPIRED"
			}
			u.Activated, u.StatusChanged = &now, &now
		}
		st.Users[u.ID] = u
		st.sortedUsers = nil
		for _, gid := range groupIDs {
			g := st.Groups[gid]
			if g.Members == nil {
				g.Members = map[string]bool{}
			}
			g.Members[u.ID] = true
			g.sorted = nil
			g.LastMembershipUpdated = now
		}
		s.logAdminEvent(r, "user.lifecycle.create", "Create Okta user", userLogTarget(u))
		writeJSON(w, http.StatusOK, s.userJSON(u, true))
		return true
	})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") == "me" {
		s.getCurrentUser(w, r)
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		if r.PathValue("id") == s.st.Org.AdminUserID {
			writeJSON(w, http.StatusOK, s.userJSON(s.adminUser(), true))
			return false
		}
		if u := s.findUser(w, r.PathValue("id")); u != nil {
			writeJSON(w, http.StatusOK, s.userJSON(u, true))
		}
		return false
	})
}

// findUser looks a user up by id or login and answers 404 when there is none.
func (s *Server) findUser(w http.ResponseWriter, idOrLogin string) *user {
	u := s.st.userLookup(idOrLogin)
	if u == nil {
		writeNotFound(w, idOrLogin, "User")
	}
	return u
}

// updateUser applies a partial (POST) or full (PUT) update; PUT leaves unspecified attributes unset.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, partial bool) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		u := s.findUser(w, r.PathValue("id"))
		if u == nil {
			return false
		}
		profileIn, hasProfile := body["profile"].(map[string]any)
		profile := u.Profile
		switch {
		case hasProfile && partial:
			profile = mergeProfile(u.Profile, profileIn)
		case hasProfile:
			// PUT "replaces a user's profile, credentials, or both" (replaceUser in management.yaml): a body with
			// credentials only replaces them and leaves the profile as it is.
			profile = mergeProfile(nil, profileIn)
		}
		if field, causes := profileProblems(profile); field != "" {
			writeValidation(w, field, causes...)
			return false
		}
		if s.schemaRefuses(w, "user", profile) {
			return false
		}
		if s.st.loginTaken(profile["login"].(string), u.ID) {
			writeValidation(w, "login", "login: An object with this field already exists in the current organization")
			return false
		}
		now := s.now().UTC()
		u.Profile = profile
		if credsIn, ok := body["credentials"].(map[string]any); ok {
			if pw, ok := credsIn["password"].(map[string]any); ok {
				if v, _ := pw["value"].(string); v != "" {
					u.PasswordHash = hashPassword(v)
					u.PasswordChanged = &now
				}
			}
		}
		u.LastUpdated = now
		writeJSON(w, http.StatusOK, s.userJSON(u, true))
		return true
	})
}

func (s *Server) partialUpdateUser(w http.ResponseWriter, r *http.Request) { s.updateUser(w, r, true) }
func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request)       { s.updateUser(w, r, false) }

// deleteUser deactivates on the first call and deletes a DEPROVISIONED user on the second, as Okta does.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		u := s.findUser(w, r.PathValue("id"))
		if u == nil {
			return false
		}
		// Event types of Okta's catalogue (okta-api.md §11); the messages are the sandbox's wording.
		if u.Status != "DEPROVISIONED" {
			s.setStatus(u, "DEPROVISIONED")
			s.logAdminEvent(r, "user.lifecycle.deactivate", "Deactivate Okta user", userLogTarget(u))
		} else {
			s.logAdminEvent(r, "user.lifecycle.delete.initiated", "Delete Okta user", userLogTarget(u))
			delete(s.st.Users, u.ID)
			s.st.sortedUsers = nil
			for _, byUser := range s.st.AppUsers {
				delete(byUser, u.ID)
			}
			for _, g := range s.st.Groups {
				if g.Members[u.ID] {
					delete(g.Members, u.ID)
					g.sorted = nil
					g.LastMembershipUpdated = s.now().UTC()
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}

// listUsers serves GET /api/v1/users; filter and search see the list form of each user.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	filters, ok := parseListExpressions(w, r, "filter", "search")
	if !ok {
		return
	}
	prefix := strings.ToLower(r.URL.Query().Get("q"))
	limit := pageLimit(r, 200, 200)
	s.locked(w, func(w http.ResponseWriter) bool {
		var ids []string
		for _, id := range sortedIDs(s.st.Users) {
			u := s.st.Users[id]
			if !matchesAll(filters, s.userJSON(u, false)) {
				continue
			}
			// Without filter or search Okta leaves DEPROVISIONED users out.
			if len(filters) == 0 && u.Status == "DEPROVISIONED" {
				continue
			}
			if prefix != "" && !userMatchesQ(u, prefix) {
				continue
			}
			ids = append(ids, id)
		}
		page := s.paginate(w, r, ids, limit)
		out := make([]any, 0, len(page))
		for _, id := range page {
			out = append(out, s.userJSON(s.st.Users[id], false))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// parseListExpressions parses the named filter/search query parameters, answering 400 E0000031 on bad syntax.
func parseListExpressions(w http.ResponseWriter, r *http.Request, names ...string) ([]expr, bool) {
	var filters []expr
	for _, name := range names {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		e, err := parseFilter(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", name+": "+err.Error())
			return nil, false
		}
		filters = append(filters, e)
	}
	return filters, true
}

func matchesAll(filters []expr, view map[string]any) bool {
	for _, f := range filters {
		if !f.match(view) {
			return false
		}
	}
	return true
}

// userMatchesQ is the q parameter: startsWith on firstName, lastName, email or login.
func userMatchesQ(u *user, prefix string) bool {
	for _, f := range []string{"firstName", "lastName", "email", "login"} {
		if v, _ := u.Profile[f].(string); strings.HasPrefix(strings.ToLower(v), prefix) {
			return true
		}
	}
	return false
}

func (s *Server) listUserGroups(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		u := s.findUser(w, r.PathValue("id"))
		if u == nil {
			return false
		}
		out := []any{}
		for _, id := range sortedIDs(s.st.Groups) {
			if g := s.st.Groups[id]; s.isMember(g, u.ID) {
				out = append(out, s.groupJSON(g, false))
			}
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}
