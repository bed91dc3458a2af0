package oktaemu

import (
	"net/http"
	"strings"
)

// groupLogos are the static logos Okta links from every group.
var groupLogos = []any{
	map[string]any{"name": "medium", "href": "https://op3static.oktacdn.com/assets/img/logos/groups/odyssey/okta-medium.30ce6d4085dff29412984e4c191bc874.png", "type": "image/png"},
	map[string]any{"name": "large", "href": "https://op3static.oktacdn.com/assets/img/logos/groups/odyssey/okta-large.c3cb8cda8ae0add1b4fe928f5844dbe3.png", "type": "image/png"},
}

// isMember answers membership; the BUILT_IN Everyone group contains every user.
func (s *Server) isMember(g *group, userID string) bool {
	if g.Type == "BUILT_IN" {
		_, ok := s.st.Users[userID]
		return ok
	}
	return g.Members[userID]
}

// memberIDs returns the group's members in id order from a cache that membership changes drop; callers
// must not modify the slice.
func (s *Server) memberIDs(g *group) []string {
	if g.Type == "BUILT_IN" {
		return s.st.userIDs()
	}
	if g.sorted == nil {
		g.sorted = sortedIDs(g.Members)
	}
	return g.sorted
}

func (s *Server) groupJSON(g *group, stats bool) map[string]any {
	base := "/api/v1/groups/" + g.ID
	profile := make(map[string]any, len(g.Profile))
	for k, v := range g.Profile {
		profile[k] = v
	}
	out := map[string]any{
		"id":                    g.ID,
		"created":               fmtTime(g.Created),
		"lastUpdated":           fmtTime(g.LastUpdated),
		"lastMembershipUpdated": fmtTime(g.LastMembershipUpdated),
		"objectClass":           []any{"okta:user_group"},
		"type":                  g.Type,
		"profile":               profile,
		"_links": map[string]any{
			"logo":   groupLogos,
			"owners": s.href(base + "/owners"),
			"users":  s.href(base + "/users"),
			"apps":   s.href(base + "/apps"),
		},
	}
	if stats {
		out["_embedded"] = map[string]any{"stats": map[string]any{
			"usersCount":             len(s.memberIDs(g)),
			"appsCount":              0,
			"groupPushMappingsCount": 0,
			"hasAdminPrivilege":      false,
			"_links":                 map[string]any{"self": s.href(base + "/stats")},
		}}
	}
	return out
}

func (s *Server) findGroup(w http.ResponseWriter, id string) *group {
	g, ok := s.st.Groups[id]
	if !ok {
		writeNotFound(w, id, "UserGroup")
		return nil
	}
	return g
}

func (s *Server) groupNameTaken(name, exceptID string) bool {
	for _, g := range s.st.Groups {
		if n, _ := g.Profile["name"].(string); g.ID != exceptID && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// groupProfile validates a create/replace body and returns its profile.
func groupProfile(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return nil, false
	}
	profile, _ := body["profile"].(map[string]any)
	name, _ := profile["name"].(string)
	if strings.TrimSpace(name) == "" {
		writeValidation(w, "name", "name: The field cannot be left blank")
		return nil, false
	}
	out := map[string]any{}
	for k, v := range profile {
		out[k] = v
	}
	if _, ok := out["description"]; !ok {
		out["description"] = nil
	}
	return out, true
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	filters, ok := parseListExpressions(w, r, "filter", "search")
	if !ok {
		return
	}
	prefix := strings.ToLower(r.URL.Query().Get("q"))
	stats := strings.Contains(r.URL.Query().Get("expand"), "stats")
	limit := pageLimit(r, 10000, 10000)
	s.locked(w, func(w http.ResponseWriter) bool {
		var ids []string
		for _, id := range sortedIDs(s.st.Groups) {
			g := s.st.Groups[id]
			if !matchesAll(filters, s.groupJSON(g, false)) {
				continue
			}
			if n, _ := g.Profile["name"].(string); prefix != "" && !strings.HasPrefix(strings.ToLower(n), prefix) {
				continue
			}
			ids = append(ids, id)
		}
		page := s.paginate(w, r, ids, limit)
		out := make([]any, 0, len(page))
		for _, id := range page {
			out = append(out, s.groupJSON(s.st.Groups[id], stats))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	profile, ok := groupProfile(w, r)
	if !ok {
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		if s.groupNameTaken(profile["name"].(string), "") {
			writeValidation(w, "name", "name: An object with this field already exists in the current organization")
			return false
		}
		now := s.now().UTC()
		g := &group{ID: s.st.newID("00g"), Type: "OKTA_GROUP", Created: now, LastUpdated: now, LastMembershipUpdated: now,
			Profile: profile, Members: map[string]bool{}}
		s.st.Groups[g.ID] = g
		writeJSON(w, http.StatusOK, s.groupJSON(g, false))
		return true
	})
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if g := s.findGroup(w, r.PathValue("groupId")); g != nil {
			writeJSON(w, http.StatusOK, s.groupJSON(g, strings.Contains(r.URL.Query().Get("expand"), "stats")))
		}
		return false
	})
}

// writeBuiltInForbidden answers an attempt to change a group Okta manages itself (Everyone, app groups).
func writeBuiltInForbidden(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
}

func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request) {
	profile, ok := groupProfile(w, r)
	if !ok {
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		g := s.findGroup(w, r.PathValue("groupId"))
		switch {
		case g == nil:
			return false
		case g.Type != "OKTA_GROUP":
			writeBuiltInForbidden(w)
			return false
		case s.groupNameTaken(profile["name"].(string), g.ID):
			writeValidation(w, "name", "name: An object with this field already exists in the current organization")
			return false
		}
		g.Profile, g.LastUpdated = profile, s.now().UTC()
		writeJSON(w, http.StatusOK, s.groupJSON(g, false))
		return true
	})
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		g := s.findGroup(w, r.PathValue("groupId"))
		if g == nil {
			return false
		}
		if g.Type != "OKTA_GROUP" {
			writeBuiltInForbidden(w)
			return false
		}
		delete(s.st.Groups, g.ID)
		// Okta removes a deleted group's app assignments with it.
		for _, byGroup := range s.st.AppGroups {
			delete(byGroup, g.ID)
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}

func (s *Server) listGroupMembers(w http.ResponseWriter, r *http.Request) {
	limit := pageLimit(r, 1000, 1000)
	s.locked(w, func(w http.ResponseWriter) bool {
		g := s.findGroup(w, r.PathValue("groupId"))
		if g == nil {
			return false
		}
		page := s.pageOf(w, r, s.memberIDs(g), limit)
		out := make([]any, 0, len(page))
		for _, id := range page {
			out = append(out, s.userJSON(s.st.Users[id], false))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// changeMember adds or removes one member (204 either way, idempotent).
func (s *Server) changeMember(w http.ResponseWriter, r *http.Request, add bool) {
	s.locked(w, func(w http.ResponseWriter) bool {
		g := s.findGroup(w, r.PathValue("groupId"))
		if g == nil {
			return false
		}
		uid := r.PathValue("userId")
		if _, ok := s.st.Users[uid]; !ok {
			writeNotFound(w, uid, "User")
			return false
		}
		if g.Type != "OKTA_GROUP" {
			writeBuiltInForbidden(w)
			return false
		}
		if g.Members == nil {
			g.Members = map[string]bool{}
		}
		changed := add != g.Members[uid]
		if changed {
			if add {
				g.Members[uid] = true
			} else {
				delete(g.Members, uid)
			}
			g.sorted = nil
			g.LastMembershipUpdated = s.now().UTC()
		}
		w.WriteHeader(http.StatusNoContent)
		return changed
	})
}

func (s *Server) addGroupMember(w http.ResponseWriter, r *http.Request) { s.changeMember(w, r, true) }
func (s *Server) removeGroupMember(w http.ResponseWriter, r *http.Request) {
	s.changeMember(w, r, false)
}
