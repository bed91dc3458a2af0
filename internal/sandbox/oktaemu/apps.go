package oktaemu

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"
	"time"
)

func (s *Server) findApp(w http.ResponseWriter, id string) *appRec {
	rec, ok := s.st.Apps[id]
	if !ok {
		writeNotFound(w, id, "AppInstance")
		return nil
	}
	return rec
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	var key *rsa.PrivateKey
	if signsWithKey(body["signOnMode"]) {
		var err error
		// The expensive RSA generation happens before the state lock is taken.
		if key, err = takeRSAKey(); err != nil {
			s.WriteServerError(w, r, http.StatusInternalServerError)
			return
		}
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		rec, field, causes := s.buildApp(body, nil, key, s.now().UTC())
		if rec == nil {
			returnRSAKey(key)
			writeValidation(w, field, causes...)
			return false
		}
		if !boolQuery(r, "activate", true) {
			rec.Body["status"] = "INACTIVE"
		}
		s.st.Apps[rec.Body["id"].(string)] = rec
		out := s.appJSON(rec)
		// The create answer is the one read that shows an OIDC client's secret (recorded: later GETs omit it).
		if secret, ok := obj(obj(rec.Body["credentials"])["oauthClient"])["client_secret"]; ok {
			obj(obj(out["credentials"])["oauthClient"])["client_secret"] = secret
		}
		writeJSON(w, http.StatusOK, out)
		return true
	})
}

func signingKid(rec *appRec) string {
	kid, _ := obj(obj(rec.Body["credentials"])["signing"])["kid"].(string)
	return kid
}

// after returns now, or one millisecond past prev when now is not later than the stored timestamp prev.
func after(prev any, now time.Time) time.Time {
	p, err := time.Parse(timeFormat, fmt.Sprint(prev))
	if err != nil || now.Truncate(time.Millisecond).After(p) {
		return now
	}
	return p.Add(time.Millisecond)
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if rec := s.findApp(w, r.PathValue("appId")); rec != nil {
			writeJSON(w, http.StatusOK, s.appJSON(rec))
		}
		return false
	})
}

// replaceApp is PUT: a full replace in which read-only fields are ignored.
func (s *Server) replaceApp(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	s.locked(w, func(w http.ResponseWriter) bool {
		prev := s.findApp(w, r.PathValue("appId"))
		if prev == nil {
			return false
		}
		now := s.now().UTC()
		rec, field, causes := s.buildApp(body, prev, nil, now)
		if rec == nil {
			writeValidation(w, field, causes...)
			return false
		}
		if signingKid(rec) != signingKid(prev) {
			// Rotation is timed by lastUpdated, so a kid change always moves it forward, even within one millisecond.
			now = after(prev.Body["lastUpdated"], now)
		}
		rec.Body["lastUpdated"] = fmtTime(now)
		s.st.Apps[prev.Body["id"].(string)] = rec
		writeJSON(w, http.StatusOK, s.appJSON(rec))
		return true
	})
}

// deleteApp removes an INACTIVE app; Okta refuses to delete an active one with 403 E0000056.
func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		if rec.Body["status"] != "INACTIVE" {
			writeError(w, http.StatusForbidden, "E0000056", "Delete application forbidden.")
			return false
		}
		id := rec.Body["id"].(string)
		delete(s.st.Apps, id)
		delete(s.st.Keys, id)
		delete(s.st.AppGroups, id)
		delete(s.st.AppUsers, id)
		delete(s.st.AppSchemas, id)
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}

// appLifecycle activates or deactivates an app; both are idempotent and answer 200 {}.
func (s *Server) appLifecycle(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"activate": "ACTIVE", "deactivate": "INACTIVE"}[r.PathValue("op")]
	if status == "" {
		writeNotFound(w, r.URL.Path, "Resource")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		changed := rec.Body["status"] != status
		if changed {
			rec.Body["status"] = status
			rec.Body["lastUpdated"] = fmtTime(s.now().UTC())
		}
		writeJSON(w, http.StatusOK, map[string]any{})
		return changed
	})
}

// listApps serves GET /api/v1/apps: q is startsWith on name or label, filter sees the stored app object.
func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	filters, ok := parseListExpressions(w, r, "filter")
	if !ok {
		return
	}
	prefix := strings.ToLower(r.URL.Query().Get("q"))
	limit := pageLimit(r, 200, 200)
	s.locked(w, func(w http.ResponseWriter) bool {
		var ids []string
		for _, id := range sortedIDs(s.st.Apps) {
			body := s.st.Apps[id].Body
			if !matchesAll(filters, body) {
				continue
			}
			name, _ := body["name"].(string)
			label, _ := body["label"].(string)
			if prefix != "" && !strings.HasPrefix(strings.ToLower(name), prefix) && !strings.HasPrefix(strings.ToLower(label), prefix) {
				continue
			}
			ids = append(ids, id)
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
