package oktaemu

// This file serves what a group's _links point to besides its members: the apps assigned to it and its owners.

import "net/http"

// listGroupApps serves GET /api/v1/groups/{groupId}/apps (listAssignedApplicationsForGroup): the apps the group is
// assigned to, in app id order, paged by after/limit (default 20, the description's default).
func (s *Server) listGroupApps(w http.ResponseWriter, r *http.Request) {
	limit := pageLimit(r, 20, 200)
	s.locked(w, func(w http.ResponseWriter) bool {
		g := s.findGroup(w, r.PathValue("groupId"))
		if g == nil {
			return false
		}
		var ids []string
		for appID, byGroup := range s.st.AppGroups {
			if _, assigned := byGroup[g.ID]; assigned && s.st.Apps[appID] != nil {
				ids = append(ids, appID)
			}
		}
		page := s.paginate(w, r, ids, limit)
		out := make([]any, 0, len(page))
		for _, id := range page {
			out = append(out, s.appJSON(s.st.Apps[id]))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// listGroupOwners serves GET /api/v1/groups/{groupId}/owners (listGroupOwners). The emulator models no group
// owners (neither the seed nor any served call assigns one), so every group answers an empty page, as Okta does
// for a group without owners.
func (s *Server) listGroupOwners(w http.ResponseWriter, r *http.Request) {
	limit := pageLimit(r, 1000, 1000)
	s.locked(w, func(w http.ResponseWriter) bool {
		if s.findGroup(w, r.PathValue("groupId")) == nil {
			return false
		}
		s.paginate(w, r, nil, limit)
		writeJSON(w, http.StatusOK, []any{})
		return false
	})
}
