package oktaemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apiError is Okta's error body.
type apiError struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Okta does not HTML-escape, and SAML expressions like ${user.email} must round-trip verbatim.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"oae` + randomString(22) + `","errorCauses":[]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

func writeError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := apiError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + randomString(22), ErrorCauses: []errorCause{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, errorCause{ErrorSummary: c})
	}
	writeJSON(w, status, e)
}

func writeNotFound(w http.ResponseWriter, id, typ string) {
	writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" ("+typ+")")
}

func writeValidation(w http.ResponseWriter, field string, causes ...string) {
	writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: "+field, causes...)
}

func writeMalformed(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
}

// readObject decodes a JSON object body; an empty body is an empty object.
func readObject(r *http.Request) (map[string]any, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, true
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, false
	}
	return m, true
}

// boolQuery reads a boolean query parameter with a default.
func boolQuery(r *http.Request, name string, def bool) bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

// pageLimit reads limit: absent or non-positive means def, larger than max is clamped.
func pageLimit(r *http.Request, def, max int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}

// paginate returns the page of ids after the request's cursor and sets the Link headers: one header line
// per relation, as Okta sends them and as okta-sdk-golang parses them.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, ids []string, limit int) []string {
	sort.Strings(ids)
	return s.pageOf(w, r, ids, limit)
}

// pageOf is paginate for ids already in order (a cached index), so a page costs O(log n + limit).
func (s *Server) pageOf(w http.ResponseWriter, r *http.Request, ids []string, limit int) []string {
	after := r.URL.Query().Get("after")
	start := sort.SearchStrings(ids, after)
	if after != "" && start < len(ids) && ids[start] == after {
		start++
	}
	end := min(start+limit, len(ids))
	page := ids[start:end]
	s.setLinks(w, r, page, end < len(ids), limit)
	return page
}

// setLinks writes the self link and, when more follows the page, the next link after the page's last id.
func (s *Server) setLinks(w http.ResponseWriter, r *http.Request, page []string, more bool, limit int) {
	w.Header().Add("Link", "<"+s.cfg.BaseURL+r.URL.RequestURI()+`>; rel="self"`)
	if more && len(page) > 0 {
		q := r.URL.Query()
		q.Set("after", page[len(page)-1])
		q.Set("limit", strconv.Itoa(limit))
		w.Header().Add("Link", "<"+s.cfg.BaseURL+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
}

func (s *Server) href(path string) map[string]any {
	return map[string]any{"href": s.cfg.BaseURL + path}
}

func (s *Server) hrefMethod(path, method string) map[string]any {
	return map[string]any{"href": s.cfg.BaseURL + path, "method": method}
}

// rateLimiter keeps a fixed one-minute window per bucket, as Okta's org-wide per-endpoint limits do.
type rateLimiter struct {
	mu      sync.Mutex
	limit   int
	now     func() time.Time
	windows map[string]*window
}

type window struct {
	reset time.Time
	used  int
}

func newRateLimiter(limit int, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: limit, now: now, windows: map[string]*window{}}
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	l.windows = map[string]*window{}
	l.mu.Unlock()
}

// take spends one request from bucket and reports the headers' values and whether it was allowed.
func (l *rateLimiter) take(bucket string) (limit, remaining int, reset time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	win := l.windows[bucket]
	if win == nil || !now.Before(win.reset) {
		win = &window{reset: now.Truncate(time.Second).Add(time.Minute)}
		l.windows[bucket] = win
	}
	if win.used >= l.limit {
		return l.limit, 0, win.reset, false
	}
	win.used++
	return l.limit, l.limit - win.used, win.reset, true
}

// bucketOf names the rate-limit bucket of a request the way Okta groups its endpoints:
// collection vs single resource, per method family (reads and writes share a bucket on single resources).
func bucketOf(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		base := "/" + strings.Join(parts[:3], "/")
		if len(parts) == 3 {
			return r.Method + " " + base
		}
		return base + "/{id}"
	case len(parts) >= 3 && parts[0] == "oauth2":
		return "/" + strings.Join(parts, "/")
	default:
		return "other"
	}
}

// deferredWriter holds a response built under the state lock so it is sent only after the lock is released.
type deferredWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (d *deferredWriter) Header() http.Header { return d.h }

func (d *deferredWriter) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}

func (d *deferredWriter) Write(b []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	return d.buf.Write(b)
}

// locked runs fn with the state lock held, tells the control plane when fn changed state, then sends fn's
// response; no client is ever written to while the lock is held.
func (s *Server) locked(w http.ResponseWriter, fn func(w http.ResponseWriter) (changed bool)) {
	d := &deferredWriter{h: w.Header()}
	s.mu.Lock()
	changed := fn(d)
	s.mu.Unlock()
	if changed {
		s.ctrl.Changed()
	}
	if d.status == 0 {
		d.status = http.StatusOK
	}
	w.WriteHeader(d.status)
	_, _ = w.Write(d.buf.Bytes())
}
