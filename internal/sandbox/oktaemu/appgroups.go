package oktaemu

// This file serves app group assignments: /api/v1/apps/{appId}/groups[/{groupId}].

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// groupAssignment is one group assigned to an app; its profile is the app-user profile its members get.
type groupAssignment struct {
	GroupID     string         `json:"groupId"`
	Priority    int            `json:"priority"`
	Profile     map[string]any `json:"profile"`
	Created     time.Time      `json:"created"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// assignmentsByPriority returns the app's assignments, highest priority (lowest number) first; ties by group id.
func (s *Server) assignmentsByPriority(appID string) []*groupAssignment {
	byGroup := s.st.AppGroups[appID]
	out := make([]*groupAssignment, 0, len(byGroup))
	for _, a := range byGroup {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Priority != out[j].Priority {
			return out[i].Priority < out[j].Priority
		}
		return out[i].GroupID < out[j].GroupID
	})
	return out
}

// place gives a the priority p. A free priority is taken as is (the recording reads back 3 and 4 beside 0 and 1);
// an occupied one renumbers the other assignments densely around p in their current order, which is how the
// recording's second group, put at the first group's priority 1, moved the first group to 0.
func (s *Server) place(appID string, a *groupAssignment, p int) {
	var others []*groupAssignment
	occupied := false
	for _, o := range s.assignmentsByPriority(appID) {
		if o == a {
			continue
		}
		others = append(others, o)
		occupied = occupied || o.Priority == p
	}
	a.Priority = p
	if !occupied {
		return
	}
	slot := 0
	for _, o := range others {
		if slot == p {
			slot++
		}
		o.Priority = slot
		slot++
	}
}

func (s *Server) assignmentJSON(appID string, a *groupAssignment, expandGroup bool) map[string]any {
	appPath := "/api/v1/apps/" + appID
	out := map[string]any{
		"id":          a.GroupID,
		"lastUpdated": fmtTime(a.LastUpdated),
		"priority":    a.Priority,
		"profile":     deepCopy(a.Profile),
		"_links": map[string]any{
			"app":   s.href(appPath),
			"self":  s.href(appPath + "/groups/" + a.GroupID),
			"group": s.href("/api/v1/groups/" + a.GroupID),
		},
	}
	if g := s.st.Groups[a.GroupID]; expandGroup && g != nil {
		out["_embedded"] = map[string]any{"group": s.groupJSON(g, false)}
	}
	return out
}

func writeAssignmentNotFound(w http.ResponseWriter, groupID string) {
	writeNotFound(w, groupID, "ApplicationGroupAssignment")
}

// listAppGroups serves GET /api/v1/apps/{appId}/groups in group id order (the cursor is the last group id);
// q is startsWith on the group name.
func (s *Server) listAppGroups(w http.ResponseWriter, r *http.Request) {
	limit := pageLimit(r, 20, 200)
	prefix := strings.ToLower(r.URL.Query().Get("q"))
	expand := strings.Contains(r.URL.Query().Get("expand"), "group")
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		appID := rec.Body["id"].(string)
		var ids []string
		for gid := range s.st.AppGroups[appID] {
			name, _ := s.st.Groups[gid].Profile["name"].(string)
			if prefix == "" || strings.HasPrefix(strings.ToLower(name), prefix) {
				ids = append(ids, gid)
			}
		}
		page := s.paginate(w, r, ids, limit)
		out := make([]any, 0, len(page))
		for _, gid := range page {
			out = append(out, s.assignmentJSON(appID, s.st.AppGroups[appID][gid], expand))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

func (s *Server) getAppGroup(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		appID, gid := rec.Body["id"].(string), r.PathValue("groupId")
		a := s.st.AppGroups[appID][gid]
		if a == nil {
			writeAssignmentNotFound(w, gid)
			return false
		}
		writeJSON(w, http.StatusOK, s.assignmentJSON(appID, a, strings.Contains(r.URL.Query().Get("expand"), "group")))
		return false
	})
}

// putAppGroup creates or replaces an assignment: the profile is replaced, an omitted priority keeps an existing
// assignment's and gives a new one the next (lowest) priority.
func (s *Server) putAppGroup(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	var priority *int
	if raw, present := body["priority"]; present && raw != nil {
		n, isNum := raw.(json.Number)
		v, err := n.Int64()
		if !isNum || err != nil || v < 0 {
			writeValidation(w, "priority", "priority: The field must be a non-negative integer")
			return
		}
		p := int(v)
		priority = &p
	}
	profile := map[string]any{}
	if raw, present := body["profile"]; present && raw != nil {
		m, isObj := raw.(map[string]any)
		if !isObj {
			writeValidation(w, "profile", "profile: The field must be an object")
			return
		}
		for k, v := range normalizeNumbers(m) {
			if v != nil {
				profile[k] = v
			}
		}
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		g := s.findGroup(w, r.PathValue("groupId"))
		if g == nil {
			return false
		}
		if causes := s.unknownProperties(rec, profile); len(causes) > 0 {
			writeValidation(w, "GroupAppAssignment", causes...)
			return false
		}
		appID, now := rec.Body["id"].(string), s.now().UTC()
		if s.st.AppGroups == nil {
			s.st.AppGroups = map[string]map[string]*groupAssignment{}
		}
		byGroup := s.st.AppGroups[appID]
		if byGroup == nil {
			byGroup = map[string]*groupAssignment{}
			s.st.AppGroups[appID] = byGroup
		}
		a := byGroup[g.ID]
		if a == nil {
			next := 0
			for _, o := range byGroup {
				next = max(next, o.Priority+1)
			}
			a = &groupAssignment{GroupID: g.ID, Priority: next, Created: now}
			byGroup[g.ID] = a
		}
		if priority != nil && *priority != a.Priority {
			s.place(appID, a, *priority)
		}
		a.Profile, a.LastUpdated = profile, now
		writeJSON(w, http.StatusOK, s.assignmentJSON(appID, a, false))
		return true
	})
}

// deleteAppGroup removes an assignment; the remaining priorities are left as they are.
func (s *Server) deleteAppGroup(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		appID, gid := rec.Body["id"].(string), r.PathValue("groupId")
		if s.st.AppGroups[appID][gid] == nil {
			writeAssignmentNotFound(w, gid)
			return false
		}
		delete(s.st.AppGroups[appID], gid)
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}
