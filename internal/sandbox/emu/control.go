// Package emu holds what the sandbox's Okta and Salesforce emulators share: the control plane that counts
// requests per route, injects latency and faults, and tells the sandbox when state changed so it can persist it.
package emu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Service is one emulated API (the Okta org, or one Salesforce org). It knows how its real counterpart
// answers the faults the control plane injects.
type Service interface {
	// Name is the stats prefix: "okta" or "salesforce:<alias>".
	Name() string
	// WriteRateLimited answers as the real service does when its rate limit is exhausted until reset; limit
	// is the Fault's Limit (LimitConcurrent, LimitDaily or "") for services that tell their limits apart.
	WriteRateLimited(w http.ResponseWriter, r *http.Request, reset time.Time, limit string)
	// WriteServerError answers a 5xx with the real service's error body.
	WriteServerError(w http.ResponseWriter, r *http.Request, status int)
	// ExpireSessions invalidates every access token issued so far (no-op where tokens do not expire).
	ExpireSessions()
}

// Fault kinds accepted by the control API.
const (
	FaultRateLimit      = "429"
	FaultServerError    = "5xx"
	FaultConnReset      = "reset"
	FaultExpiredSession = "expired_session"
	// FaultLostResponse handles the request completely (its change is durable when the sandbox persists state),
	// then resets the connection instead of answering: the write happened, the client cannot know.
	FaultLostResponse = "lost_response"
)

// Which limit an injected 429 reports, for services with more than one (Salesforce answers both with 403
// REQUEST_LIMIT_EXCEEDED and tells them apart only by the message).
const (
	// LimitConcurrent is a transient limit: Salesforce's "ConcurrentPerOrgLongTxn Limit exceeded." The default
	// of an injected 429, which passes when its reset_seconds do.
	LimitConcurrent = "concurrent"
	// LimitDaily is the spent daily allocation: Salesforce's "TotalRequests Limit exceeded.", the answer of an
	// org whose own allocation is used up; retrying before the next day is pointless.
	LimitDaily = "daily"
)

// JournalKilled is the Fault of the journal entry of the request after which a kill rule crashed the sandbox.
const JournalKilled = "kill_after"

// Fault is one injected fault rule. Service and Route match by prefix ("" matches all).
type Fault struct {
	Service      string  `json:"service,omitempty"`
	Route        string  `json:"route,omitempty"`
	Kind         string  `json:"kind"`
	Rate         float64 `json:"rate"`                    // probability per matching request, 0..1 (0 means 1)
	Count        int     `json:"count,omitempty"`         // stop after this many injections (0 = unlimited)
	Skip         int     `json:"skip,omitempty"`          // let this many matching requests through first
	ResetSeconds int     `json:"reset_seconds,omitempty"` // for 429: seconds until the window resets (default 1)
	Status       int     `json:"status,omitempty"`        // for 5xx: the status (default 503)
	// Limit is, for 429, which limit a service with several reports: LimitConcurrent (default) or LimitDaily.
	Limit    string `json:"limit,omitempty"`
	Injected int    `json:"injected"`
	// added is when the rule was added: an expired_session fault expires only the tokens issued before it.
	added time.Time
}

// sessionExpirerBefore is a Service that can expire only the tokens issued before a moment; an
// expired_session fault then leaves the tokens of a client's re-login valid instead of expiring every one.
type sessionExpirerBefore interface {
	ExpireSessionsIssuedBefore(t time.Time)
}

// KillRule crashes the sandbox after the After-th request matching Service and Route (prefixes, "" matches
// all; WritesOnly: methods other than GET and HEAD) has been handled and its change persisted, instead of
// answering it. Requests answered by an injected 429, 5xx or reset are not handled and do not count.
type KillRule struct {
	Service    string `json:"service,omitempty"`
	Route      string `json:"route,omitempty"`
	WritesOnly bool   `json:"writes_only,omitempty"`
	After      int    `json:"after"` // 1 = the first matching request
	Seen       int    `json:"seen"`  // matching requests handled so far
}

// Latency delays matching requests by Millis before they are served.
type Latency struct {
	Service string `json:"service,omitempty"`
	Route   string `json:"route,omitempty"`
	Millis  int    `json:"ms"`
}

// Control is the sandbox's control plane. It is safe for concurrent use.
type Control struct {
	mu       sync.Mutex
	counts   map[string]int
	subcount map[string]int // requests served inside another (Salesforce Composite subrequests)
	faults   []*Fault
	latency  []Latency
	rng      *rand.Rand
	onChange func()
	onReset  func() error
	onSync   func() error
	onCrash  func()
	kills    []*KillRule
	changes  atomic.Uint64 // state changes so far, to tell whether a request changed state
	crashed  atomic.Bool
	crash    sync.Once
	services map[string]Service
	now      func() time.Time
	journal  []Entry // the last journalSize requests, oldest first
	token    string  // what mutating control calls must carry
}

// journalSize is how many requests the journal keeps.
const journalSize = 2000

// Entry is one served request in the journal: which route, when it started and ended, and its status.
type Entry struct {
	Service string    `json:"service"`
	Route   string    `json:"route"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Status  int       `json:"status"` // 0 when the connection was reset instead
	// Fault is the kind of the injected fault that shaped the answer, empty for a request served as is.
	Fault string `json:"fault,omitempty"`
	// Path is the request path of a request no route took (Route is then "<METHOD> (unmatched)").
	Path string `json:"path,omitempty"`
	// SOQL is the query a Salesforce query request carried (the q parameter of /query, /queryAll and their
	// Tooling forms), so a test can assert what reached the org.
	SOQL string `json:"soql,omitempty"`
}

// UnmatchedRoute is the route label of a request no route of a service takes, e.g. "GET (unmatched)".
func UnmatchedRoute(method string) string { return method + " (unmatched)" }

// soqlOf is the SOQL a request to route carries: the q parameter of Salesforce's query resources.
func soqlOf(route string, r *http.Request) string {
	if strings.HasSuffix(route, "/query") || strings.HasSuffix(route, "/queryAll") {
		return r.URL.Query().Get("q")
	}
	return ""
}

// NewControl returns a control plane with no faults and no latency.
func NewControl() *Control {
	return &Control{
		counts:   map[string]int{},
		rng:      rand.New(rand.NewPCG(20261129, 1)),
		services: map[string]Service{},
		now:      time.Now,
		token:    newControlToken(),
	}
}

// Token is the control token that mutating calls to Handler must carry (ControlTokenHeader or
// "Authorization: Bearer"); a new control plane makes a random one.
func (c *Control) Token() string { c.mu.Lock(); defer c.mu.Unlock(); return c.token }

// SetToken replaces the control token (a restarted sandbox keeps its predecessor's, as it keeps its URLs).
func (c *Control) SetToken(token string) { c.mu.Lock(); c.token = token; c.mu.Unlock() }

// OnChange sets the function called after every state change (the sandbox persists state there).
func (c *Control) OnChange(f func()) { c.mu.Lock(); c.onChange = f; c.mu.Unlock() }

// OnReset sets the function that restores the seeded state.
func (c *Control) OnReset(f func() error) { c.mu.Lock(); c.onReset = f; c.mu.Unlock() }

// OnSync sets the function that makes every change so far durable and returns once it is (or fails). With
// it set, Wrap holds the answer of a request that changed state until sync returned, so that no client is
// told of a change a crash could still lose.
func (c *Control) OnSync(sync func() error) { c.mu.Lock(); c.onSync = sync; c.mu.Unlock() }

// OnCrash sets the function that stops the sandbox abruptly (listeners and connections closed, no further
// save) when a kill rule fires or Crash is called.
func (c *Control) OnCrash(f func()) { c.mu.Lock(); c.onCrash = f; c.mu.Unlock() }

// Crash makes the sandbox die at once: no request is answered after it, and the OnCrash function runs once.
func (c *Control) Crash() {
	c.crash.Do(func() {
		c.crashed.Store(true)
		c.mu.Lock()
		f := c.onCrash
		c.mu.Unlock()
		if f != nil {
			f()
		}
	})
}

// Crashed reports whether Crash ran (directly or through a kill rule).
func (c *Control) Crashed() bool { return c.crashed.Load() }

// Changed tells the sandbox that emulator state changed.
func (c *Control) Changed() {
	c.changes.Add(1)
	c.mu.Lock()
	f := c.onChange
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// Register makes a service known to the control plane (for expired-session faults).
func (c *Control) Register(svc Service) {
	c.mu.Lock()
	c.services[svc.Name()] = svc
	c.mu.Unlock()
}

// Wrap counts, delays and fault-injects requests for one route of one service, and journals each with
// its status, injected faults included. route is the ServeMux pattern, e.g. "GET /api/v1/groups/{groupId}".
// When state persists (OnSync), a request during which state changed is answered only once the change is
// durable: a write, and also a read that may have seen a concurrent write before it was saved.
func (c *Control) Wrap(svc Service, route string, h http.Handler) http.Handler {
	return c.wrap(svc, func(*http.Request) string { return route }, h)
}

// WrapUnmatched is Wrap for the answer (404, 405) to requests no route of svc takes: they are counted, delayed,
// fault-injected and journaled like any other, under the route UnmatchedRoute(method) and with their path.
func (c *Control) WrapUnmatched(svc Service, h http.Handler) http.Handler {
	return c.wrap(svc, nil, h)
}

// wrap serves Wrap and WrapUnmatched; a nil routeOf marks the unmatched fallback.
func (c *Control) wrap(svc Service, routeOf func(*http.Request) string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, path := "", ""
		if routeOf != nil {
			route = routeOf(r)
		} else {
			route, path = UnmatchedRoute(r.Method), r.URL.Path
		}
		key := svc.Name() + " " + route
		delay, fault, kill := c.admit(svc.Name(), route, key, r.Method)
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		e := Entry{Service: svc.Name(), Route: route, Start: c.now(), Path: path, SOQL: soqlOf(route, r)}
		if c.Crashed() {
			c.abort(e)
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if fault != nil {
			e.Fault = fault.Kind
			if c.inject(svc, rec, r, fault) {
				e.End, e.Status = c.now(), rec.status
				c.record(e)
				return
			}
		}
		c.mu.Lock()
		syncState := c.onSync
		c.mu.Unlock()
		lost := fault != nil && fault.Kind == FaultLostResponse
		if syncState == nil && !lost && !kill {
			h.ServeHTTP(rec, r)
			e.End, e.Status = c.now(), rec.status
			c.record(e)
			return
		}

		// Hold the answer: it is sent only once what it reports is durable, or never.
		preset := w.Header().Clone()
		held := &heldResponse{w: w}
		before := c.changes.Load()
		h.ServeHTTP(held, r)
		if held.hijacked {
			e.End, e.Status = c.now(), 0
			c.record(e)
			return
		}
		var syncErr error
		if syncState != nil && c.changes.Load() != before {
			syncErr = syncState()
		}
		switch {
		case kill:
			e.Fault = JournalKilled
			c.Crash()
			c.abort(e)
		case c.Crashed():
			c.abort(e) // died while this request was handled: its answer is lost with the process
		case lost:
			e.End, e.Status = c.now(), 0
			c.record(e)
			ResetConnection(w)
			return
		case syncErr != nil:
			// Never acknowledge a change that is not durable: the client sees a server error, as from a
			// service whose commit failed.
			hdr := w.Header()
			clear(hdr)
			for k, v := range preset {
				hdr[k] = v
			}
			svc.WriteServerError(rec, r, http.StatusServiceUnavailable)
		default:
			held.sendTo(rec)
		}
		e.End, e.Status = c.now(), rec.status
		c.record(e)
	})
}

// abort journals e with status 0 and drops the connection without an answer, as a dead process would.
func (c *Control) abort(e Entry) {
	e.End, e.Status = c.now(), 0
	c.record(e)
	panic(http.ErrAbortHandler)
}

// heldResponse keeps a handler's answer (status and body; headers go to the real writer's map, which is not
// sent before WriteHeader) until Wrap sends it.
type heldResponse struct {
	w        http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (h *heldResponse) Header() http.Header { return h.w.Header() }

func (h *heldResponse) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(b)
}

// Flush does nothing: the answer leaves only once it may.
func (h *heldResponse) Flush() {}

func (h *heldResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.w.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	h.hijacked = true
	return hj.Hijack()
}

func (h *heldResponse) sendTo(w http.ResponseWriter) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}

// inject answers r as fault says and reports whether that was the whole answer; an expired session only
// changes what the handler will find, and a lost response is dropped after the handler ran.
func (c *Control) inject(svc Service, rec *statusRecorder, r *http.Request, fault *Fault) bool {
	switch fault.Kind {
	case FaultRateLimit:
		secs := fault.ResetSeconds
		if secs <= 0 {
			secs = 1
		}
		svc.WriteRateLimited(rec, r, c.now().Add(time.Duration(secs)*time.Second), fault.Limit)
		return true
	case FaultServerError:
		status := fault.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		svc.WriteServerError(rec, r, status)
		return true
	case FaultConnReset:
		rec.status = 0
		ResetConnection(rec)
		return true
	case FaultExpiredSession:
		if s, ok := svc.(sessionExpirerBefore); ok {
			s.ExpireSessionsIssuedBefore(fault.added)
		} else {
			svc.ExpireSessions()
		}
	}
	return false
}

// Refused counts and journals a request that svc answered itself before routing it through Wrap (the Okta
// emulator's own rate limit), so that stats and the journal show it like any other request. route is the
// pattern that would have served it, "" when none does (then it counts as UnmatchedRoute).
func (c *Control) Refused(svc Service, r *http.Request, route string, status int) {
	path := ""
	if route == "" {
		route, path = UnmatchedRoute(r.Method), r.URL.Path
	}
	c.mu.Lock()
	c.counts[svc.Name()+" "+route]++
	c.mu.Unlock()
	now := c.now()
	c.record(Entry{Service: svc.Name(), Route: route, Start: now, End: now, Status: status, Path: path, SOQL: soqlOf(route, r)})
}

// statusRecorder remembers the status a handler wrote; it still lets handlers hijack the connection.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := s.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, http.ErrNotSupported
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *Control) record(e Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.journal) >= journalSize {
		c.journal = append(c.journal[:0], c.journal[len(c.journal)-journalSize+1:]...)
	}
	c.journal = append(c.journal, e)
}

// Journal returns the recently served requests, oldest first.
func (c *Control) Journal() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Entry(nil), c.journal...)
}

// answersItself reports whether an injected fault of kind replaces the handler's answer.
func answersItself(kind string) bool {
	return kind == FaultRateLimit || kind == FaultServerError || kind == FaultConnReset
}

// admit counts the request and returns its latency, the fault to inject (a copy) and whether a kill rule
// fires on it.
func (c *Control) admit(service, route, key, method string) (time.Duration, *Fault, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[key]++
	var delay time.Duration
	for _, l := range c.latency {
		if strings.HasPrefix(service, l.Service) && strings.HasPrefix(route, l.Route) {
			delay = time.Duration(l.Millis) * time.Millisecond
		}
	}
	var fault *Fault
	for _, f := range c.faults {
		if !strings.HasPrefix(service, f.Service) || !strings.HasPrefix(route, f.Route) {
			continue
		}
		if f.Count > 0 && f.Injected >= f.Count {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		if f.Rate > 0 && f.Rate < 1 && c.rng.Float64() >= f.Rate {
			continue
		}
		f.Injected++
		copied := *f
		fault = &copied
		break
	}
	kill := false
	if fault == nil || !answersItself(fault.Kind) {
		write := method != http.MethodGet && method != http.MethodHead
		for _, k := range c.kills {
			if k.Seen >= k.After || !strings.HasPrefix(service, k.Service) || !strings.HasPrefix(route, k.Route) || (k.WritesOnly && !write) {
				continue
			}
			k.Seen++
			kill = kill || k.Seen == k.After
		}
	}
	return delay, fault, kill
}

// ResetConnection drops the client's TCP connection with a RST, as a crashed peer or middlebox would.
func ResetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// Stats is the answer of GET /__sandbox/stats.
type Stats struct {
	Total  int            `json:"total"`
	Routes map[string]int `json:"routes"`
	// Subrequests counts, per "service route", the requests a service served inside another (the
	// subrequests of a Salesforce Composite request); they are not in Total or Routes, which count HTTP
	// requests.
	Subrequests map[string]int `json:"subrequests,omitempty"`
}

// Stats returns the request counts per "service route".
func (c *Control) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Routes: make(map[string]int, len(c.counts)), Subrequests: maps.Clone(c.subcount)}
	for k, v := range c.counts {
		s.Routes[k] = v
		s.Total += v
	}
	return s
}

// CountSubrequest counts a request svc served inside another under its route (Stats.Subrequests).
func (c *Control) CountSubrequest(svc Service, route string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subcount == nil {
		c.subcount = map[string]int{}
	}
	c.subcount[svc.Name()+" "+route]++
}

// ResetStats zeroes the request counts.
func (c *Control) ResetStats() {
	c.mu.Lock()
	c.counts, c.subcount = map[string]int{}, nil
	c.mu.Unlock()
}

// Handler serves the control API under /__sandbox/. It refuses a cross-origin call (403), a POST, PUT or PATCH
// (or a DELETE with a body) not declared application/json (415), and a call other than GET or HEAD without
// the control token (401); see guardControl. The listener's Host check (GuardHost) goes around it.
//
//	GET    /__sandbox/stats      request counts per route     DELETE /__sandbox/stats   zero them
//	GET    /__sandbox/faults     active fault rules            POST   /__sandbox/faults  add one (Fault JSON)
//	DELETE /__sandbox/faults     remove all fault rules
//	GET    /__sandbox/latency    latency rules                 POST   /__sandbox/latency add one (Latency JSON)
//	DELETE /__sandbox/latency    remove all latency rules
//	GET    /__sandbox/journal    the last requests: route, start and end time, status, injected fault, SOQL,
//	                             and the path of a request no route took
//	GET    /__sandbox/kill_after kill rules                    POST   /__sandbox/kill_after add one (KillRule JSON)
//	DELETE /__sandbox/kill_after remove all kill rules
//	POST   /__sandbox/crash      crash now: no answer, listeners and connections closed, no further save
//	POST   /__sandbox/reset      restore the seeded state, clear faults, latency, kill rules and counts
func (c *Control) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__sandbox/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, c.Stats()) })
	mux.HandleFunc("DELETE /__sandbox/stats", func(w http.ResponseWriter, _ *http.Request) {
		c.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__sandbox/journal", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, c.Journal()) })
	mux.HandleFunc("GET /__sandbox/faults", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, c.Faults()) })
	mux.HandleFunc("POST /__sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil || !validFault(f) {
			writeJSON(w, 400, map[string]string{"error": "body must be a fault: {\"kind\":\"429|5xx|reset|expired_session|lost_response\",\"service\":\"okta|salesforce:<alias>\",\"route\":\"GET /api/...\",\"rate\":0.1,\"count\":1} (\"limit\":\"concurrent|daily\" only with 429)"})
			return
		}
		f.Injected = 0
		c.AddFault(f)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("DELETE /__sandbox/faults", func(w http.ResponseWriter, _ *http.Request) {
		c.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__sandbox/latency", func(w http.ResponseWriter, _ *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		writeJSON(w, 200, c.latency)
	})
	mux.HandleFunc("POST /__sandbox/latency", func(w http.ResponseWriter, r *http.Request) {
		var l Latency
		if err := json.NewDecoder(r.Body).Decode(&l); err != nil || l.Millis < 0 || l.Millis > 60000 {
			writeJSON(w, 400, map[string]string{"error": "body must be {\"ms\":0..60000,\"service\":\"...\",\"route\":\"...\"}"})
			return
		}
		c.SetLatency(l)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("DELETE /__sandbox/latency", func(w http.ResponseWriter, _ *http.Request) {
		c.mu.Lock()
		c.latency = nil
		c.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__sandbox/kill_after", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, c.KillRules()) })
	mux.HandleFunc("POST /__sandbox/kill_after", func(w http.ResponseWriter, r *http.Request) {
		var k KillRule
		if err := json.NewDecoder(r.Body).Decode(&k); err != nil || k.After < 1 {
			writeJSON(w, 400, map[string]string{"error": "body must be a kill rule: {\"after\":1,\"service\":\"okta|salesforce:<alias>\",\"route\":\"POST /api/...\",\"writes_only\":true}"})
			return
		}
		k.Seen = 0
		c.KillAfter(k)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("DELETE /__sandbox/kill_after", func(w http.ResponseWriter, _ *http.Request) {
		c.ClearKillRules()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /__sandbox/crash", func(http.ResponseWriter, *http.Request) {
		c.Crash()
		panic(http.ErrAbortHandler) // a dead process answers nothing
	})
	mux.HandleFunc("POST /__sandbox/reset", func(w http.ResponseWriter, _ *http.Request) {
		err := c.Reset()
		c.mu.Lock()
		syncState := c.onSync
		c.mu.Unlock()
		if err == nil && syncState != nil {
			err = syncState()
		}
		if err != nil {
			writeJSON(w, 500, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return c.guardControl(mux)
}

func validFault(f Fault) bool {
	switch f.Kind {
	case FaultRateLimit, FaultServerError, FaultConnReset, FaultExpiredSession, FaultLostResponse:
	default:
		return false
	}
	if f.Limit != "" && (f.Kind != FaultRateLimit || (f.Limit != LimitConcurrent && f.Limit != LimitDaily)) {
		return false
	}
	return f.Rate >= 0 && f.Rate <= 1 && f.Count >= 0 && f.Skip >= 0 && f.ResetSeconds >= 0 && (f.Status == 0 || (f.Status >= 500 && f.Status < 600))
}

// AddFault adds a fault rule.
func (c *Control) AddFault(f Fault) {
	c.mu.Lock()
	f.added = c.now()
	c.faults = append(c.faults, &f)
	c.mu.Unlock()
}

// Faults returns a copy of the active fault rules with how often each was injected.
func (c *Control) Faults() []Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Fault, len(c.faults))
	for i, f := range c.faults {
		out[i] = *f
	}
	return out
}

// ClearFaults removes every fault rule.
func (c *Control) ClearFaults() { c.mu.Lock(); c.faults = nil; c.mu.Unlock() }

// KillAfter adds a kill rule (see KillRule); its Seen count starts from what k holds, normally 0.
func (c *Control) KillAfter(k KillRule) { c.mu.Lock(); c.kills = append(c.kills, &k); c.mu.Unlock() }

// KillRules returns a copy of the kill rules with how many matching requests each has seen.
func (c *Control) KillRules() []KillRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]KillRule, len(c.kills))
	for i, k := range c.kills {
		out[i] = *k
	}
	return out
}

// ClearKillRules removes every kill rule.
func (c *Control) ClearKillRules() { c.mu.Lock(); c.kills = nil; c.mu.Unlock() }

// SetLatency adds a latency rule; later rules win over earlier ones for the same request.
func (c *Control) SetLatency(l Latency) { c.mu.Lock(); c.latency = append(c.latency, l); c.mu.Unlock() }

// ExpireSessions invalidates the issued tokens of every service whose name starts with prefix.
func (c *Control) ExpireSessions(prefix string) {
	c.mu.Lock()
	var svcs []Service
	for name, s := range c.services {
		if strings.HasPrefix(name, prefix) {
			svcs = append(svcs, s)
		}
	}
	c.mu.Unlock()
	for _, s := range svcs {
		s.ExpireSessions()
	}
}

// Reset restores the seeded state and clears faults, latency, kill rules and counts.
func (c *Control) Reset() error {
	c.mu.Lock()
	f := c.onReset
	c.faults, c.latency, c.kills, c.counts, c.subcount, c.journal = nil, nil, nil, map[string]int{}, nil, nil
	c.mu.Unlock()
	if f != nil {
		return f()
	}
	return nil
}

// ServiceNames lists the registered services, sorted.
func (c *Control) ServiceNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.services))
	for n := range c.services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
