package oktaemu

// This file serves app users (/api/v1/apps/{appId}/users[/{userId}]): direct USER-scoped assignments are
// stored, GROUP-scoped app users are derived from group assignments and memberships on every read.

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// directAppUser is an individual (USER-scoped) assignment.
type directAppUser struct {
	UserName    string         `json:"userName"`
	Profile     map[string]any `json:"profile"`
	Created     time.Time      `json:"created"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// appUser is one app user as Okta computes it.
type appUser struct {
	u        *user
	scope    string
	userName string
	profile  map[string]any
	created  time.Time
	updated  time.Time
	// via is the group whose assignment profile applies (GROUP scope only).
	via *group
}

// appContext is what resolving many app users of one app shares: the assignments in priority order.
type appContext struct {
	id       string
	rec      *appRec
	byPrio   []*groupAssignment
	groups   []*group
	direct   map[string]*directAppUser
	template string
}

func (s *Server) appContext(rec *appRec) *appContext {
	id := rec.Body["id"].(string)
	c := &appContext{id: id, rec: rec, byPrio: s.assignmentsByPriority(id), direct: s.st.AppUsers[id]}
	for _, a := range c.byPrio {
		c.groups = append(c.groups, s.st.Groups[a.GroupID])
	}
	c.template, _ = obj(obj(rec.Body["credentials"])["userNameTemplate"])["template"].(string)
	if c.template == "" {
		c.template = "${source.login}"
	}
	return c
}

// templateRef matches ${source.attr} and ${user.attr} in a userNameTemplate.
var templateRef = regexp.MustCompile(`\$\{(?:source|user)\.([A-Za-z0-9_]+)\}`)

// userName renders the app's userNameTemplate for u.
func (c *appContext) userName(u *user) string {
	return templateRef.ReplaceAllStringFunc(c.template, func(ref string) string {
		v, _ := u.Profile[templateRef.FindStringSubmatch(ref)[1]].(string)
		return v
	})
}

// resolve computes u's app user, or false when u is not one: DEPROVISIONED users never are; a direct assignment
// wins; otherwise the highest-priority assigned group u belongs to supplies the profile.
func (s *Server) resolve(c *appContext, u *user) (*appUser, bool) {
	if u == nil || u.Status == "DEPROVISIONED" {
		return nil, false
	}
	au := &appUser{u: u}
	var assigned *groupAssignment
	for i, a := range c.byPrio {
		if g := c.groups[i]; g != nil && s.isMember(g, u.ID) {
			if assigned == nil {
				assigned, au.via = a, g
			}
			if au.created.IsZero() || a.Created.Before(au.created) {
				au.created = a.Created
			}
		}
	}
	profile := map[string]any{}
	for _, p := range mappedProperties(c.rec) {
		profile[p] = u.Profile[p]
	}
	switch d := c.direct[u.ID]; {
	case d != nil:
		au.scope, au.userName, au.created, au.updated, au.via = "USER", d.UserName, d.Created, d.LastUpdated, nil
		for k, v := range d.Profile {
			profile[k] = deepCopy(v)
		}
	case assigned != nil:
		au.scope, au.userName, au.updated = "GROUP", c.userName(u), assigned.LastUpdated
		for k, v := range assigned.Profile {
			profile[k] = deepCopy(v)
		}
	default:
		return nil, false
	}
	if u.LastUpdated.After(au.updated) {
		au.updated = u.LastUpdated
	}
	if au.updated.Before(au.created) {
		au.updated = au.created
	}
	au.profile = profile
	return au, true
}

func (s *Server) appUserJSON(c *appContext, au *appUser, expandUser bool) map[string]any {
	links := map[string]any{
		"app":  s.href("/api/v1/apps/" + c.id),
		"user": s.href("/api/v1/users/" + au.u.ID),
	}
	if au.via != nil {
		name, _ := au.via.Profile["name"].(string)
		links["group"] = map[string]any{"name": name, "href": s.cfg.BaseURL + "/api/v1/groups/" + au.via.ID}
	}
	out := map[string]any{
		"id":              au.u.ID,
		"externalId":      nil,
		"created":         fmtTime(au.created),
		"lastUpdated":     fmtTime(au.updated),
		"scope":           au.scope,
		"status":          "ACTIVE",
		"statusChanged":   fmtTime(au.created),
		"passwordChanged": nil,
		"syncState":       "DISABLED",
		"credentials":     map[string]any{"userName": au.userName},
		"profile":         au.profile,
		"_links":          links,
	}
	if expandUser {
		out["_embedded"] = map[string]any{"user": s.userJSON(au.u, false)}
	}
	return out
}

// candidateLists are the sorted id lists whose union holds every app user: each assigned group's members
// and the direct assignments.
func (s *Server) candidateLists(c *appContext) [][]string {
	lists := make([][]string, 0, len(c.groups)+1)
	for _, g := range c.groups {
		if g != nil {
			lists = append(lists, s.memberIDs(g))
		}
	}
	if len(c.direct) > 0 {
		lists = append(lists, sortedIDs(c.direct))
	}
	return lists
}

// listAppUsers serves GET /api/v1/apps/{appId}/users in user id order by merging the sorted candidate lists
// from the cursor on, so a page costs O(groups × (log n + limit)) rather than a scan of every user.
func (s *Server) listAppUsers(w http.ResponseWriter, r *http.Request) {
	limit := pageLimit(r, 50, 500)
	prefix := strings.ToLower(r.URL.Query().Get("q"))
	after := r.URL.Query().Get("after")
	expandUser := strings.Contains(r.URL.Query().Get("expand"), "user")
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		c := s.appContext(rec)
		lists := s.candidateLists(c)
		heads := make([]int, len(lists))
		for i, l := range lists {
			heads[i] = sort.SearchStrings(l, after)
			if after != "" && heads[i] < len(l) && l[heads[i]] == after {
				heads[i]++
			}
		}
		var page []string
		out := make([]any, 0, limit)
		more := false
		for {
			next := ""
			for i, l := range lists {
				if heads[i] < len(l) && (next == "" || l[heads[i]] < next) {
					next = l[heads[i]]
				}
			}
			if next == "" {
				break
			}
			for i, l := range lists {
				if heads[i] < len(l) && l[heads[i]] == next {
					heads[i]++
				}
			}
			au, ok := s.resolve(c, s.st.Users[next])
			if !ok || prefix != "" && !appUserMatchesQ(au, prefix) {
				continue
			}
			if len(page) == limit {
				more = true
				break
			}
			page = append(page, next)
			out = append(out, s.appUserJSON(c, au, expandUser))
		}
		s.setLinks(w, r, page, more, limit)
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// appUserMatchesQ is q: startsWith on the app username or the user's first name, last name or email.
func appUserMatchesQ(au *appUser, prefix string) bool {
	if strings.HasPrefix(strings.ToLower(au.userName), prefix) {
		return true
	}
	return userMatchesQ(au.u, prefix)
}

func writeAppUserNotFound(w http.ResponseWriter, userID string) {
	writeNotFound(w, userID, "AppUser")
}

func (s *Server) getAppUser(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		c, uid := s.appContext(rec), r.PathValue("userId")
		au, ok := s.resolve(c, s.st.Users[uid])
		if !ok {
			writeAppUserNotFound(w, uid)
			return false
		}
		writeJSON(w, http.StatusOK, s.appUserJSON(c, au, strings.Contains(r.URL.Query().Get("expand"), "user")))
		return false
	})
}

// assignAppUser is POST /api/v1/apps/{appId}/users: a direct assignment; a user already assigned directly is a
// conflict, one assigned through a group becomes USER-scoped (Okta's documented conversion).
func (s *Server) assignAppUser(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	uid, _ := body["id"].(string)
	if uid == "" {
		writeValidation(w, "id", "id: The field cannot be left blank")
		return
	}
	if scope, _ := body["scope"].(string); scope != "" && scope != "USER" {
		writeValidation(w, "scope", "scope: A direct assignment must have scope USER")
		return
	}
	profile := map[string]any{}
	for k, v := range obj(body["profile"]) {
		if v != nil {
			profile[k] = v
		}
	}
	userName, _ := obj(body["credentials"])["userName"].(string)
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		u, exists := s.st.Users[uid]
		if !exists {
			writeNotFound(w, uid, "User")
			return false
		}
		c := s.appContext(rec)
		if c.direct[uid] != nil {
			writeError(w, http.StatusConflict, "E0000062", "The specified user is already assigned to the application.")
			return false
		}
		if causes := s.unknownProperties(rec, profile); len(causes) > 0 {
			writeValidation(w, "assignment", causes...)
			return false
		}
		if userName == "" {
			userName = c.userName(u)
		}
		now := s.now().UTC()
		if s.st.AppUsers == nil {
			s.st.AppUsers = map[string]map[string]*directAppUser{}
		}
		if s.st.AppUsers[c.id] == nil {
			s.st.AppUsers[c.id] = map[string]*directAppUser{}
		}
		s.st.AppUsers[c.id][uid] = &directAppUser{UserName: userName, Profile: profile, Created: now, LastUpdated: now}
		c.direct = s.st.AppUsers[c.id]
		s.logAdminEvent(r, "application.user_membership.add", "Add user to application membership", userLogTarget(u), appLogTarget(rec))
		au, ok := s.resolve(c, u)
		if !ok {
			// A DEPROVISIONED user keeps the assignment but is not an app user until reactivated.
			writeAppUserNotFound(w, uid)
			return true
		}
		writeJSON(w, http.StatusOK, s.appUserJSON(c, au, false))
		return true
	})
}

// unassignAppUser removes a direct assignment. Okta refuses while a group assignment grants the app
// (403 E0000046, as reported in terraform-provider-okta#120 and teleport#53947).
func (s *Server) unassignAppUser(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		c, uid := s.appContext(rec), r.PathValue("userId")
		u := s.st.Users[uid]
		if _, ok := s.resolve(c, u); !ok {
			writeAppUserNotFound(w, uid)
			return false
		}
		for _, g := range c.groups {
			if g != nil && s.isMember(g, uid) {
				writeError(w, http.StatusForbidden, "E0000046", "Deactivate application for user forbidden.",
					"The application cannot be unassigned from the user while their group memberships grant them access")
				return false
			}
		}
		delete(s.st.AppUsers[c.id], uid)
		s.logAdminEvent(r, "application.user_membership.remove", "Remove user from application membership", userLogTarget(u), appLogTarget(rec))
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}
