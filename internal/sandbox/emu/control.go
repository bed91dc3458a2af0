// Package emu holds what the sandbox's Okta and Salesforce emulators share: the control plane that counts
// requests per route, injects latency and faults, and tells the sandbox when state changed so it can persist it.
package emu

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Service is one emulated API (the Okta org, or one Salesforce org). It knows how its real counterpart
// answers the faults the control plane injects.
type Service interface {
	// Name is the stats prefix: "okta" or "salesforce:<alias>".
	Name() string
	// WriteRateLimited answers as the real service does when its rate limit is exhausted until reset.
	WriteRateLimited(w http.ResponseWriter, r *http.Request, reset time.Time)
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
)

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
	Injected     int     `json:"injected"`
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
	faults   []*Fault
	latency  []Latency
	rng      *rand.Rand
	onChange func()
	onReset  func() error
	services map[string]Service
	now      func() time.Time
	journal  []Entry // the last journalSize requests, oldest first
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
}

// NewControl returns a control plane with no faults and no latency.
func NewControl() *Control {
	return &Control{
		counts:   map[string]int{},
		rng:      rand.New(rand.NewPCG(20261129, 1)),
		services: map[string]Service{},
		now:      time.Now,
	}
}

// OnChange sets the function called after every state change (the sandbox persists state there).
func (c *Control) OnChange(f func()) { c.mu.Lock(); c.onChange = f; c.mu.Unlock() }

// OnReset sets the function that restores the seeded state.
func (c *Control) OnReset(f func() error) { c.mu.Lock(); c.onReset = f; c.mu.Unlock() }

// Changed tells the sandbox that emulator state changed.
func (c *Control) Changed() {
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
func (c *Control) Wrap(svc Service, route string, h http.Handler) http.Handler {
	key := svc.Name() + " " + route
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delay, fault := c.admit(svc.Name(), route, key)
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		e := Entry{Service: svc.Name(), Route: route, Start: c.now()}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if fault != nil {
			e.Fault = fault.Kind
			if c.inject(svc, rec, r, fault) {
				e.End, e.Status = c.now(), rec.status
				c.record(e)
				return
			}
		}
		h.ServeHTTP(rec, r)
		e.End, e.Status = c.now(), rec.status
		c.record(e)
	})
}

// inject answers r as fault says and reports whether that was the whole answer; an expired session only
// changes what the handler will find.
func (c *Control) inject(svc Service, rec *statusRecorder, r *http.Request, fault *Fault) bool {
	switch fault.Kind {
	case FaultRateLimit:
		secs := fault.ResetSeconds
		if secs <= 0 {
			secs = 1
		}
		svc.WriteRateLimited(rec, r, c.now().Add(time.Duration(secs)*time.Second))
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
		svc.ExpireSessions()
	}
	return false
}

// Refused counts and journals a request that svc answered itself before routing it through Wrap (the Okta
// emulator's own rate limit), so that stats and the journal show it like any other request. route is the
// pattern that would have served it, "" when none does.
func (c *Control) Refused(svc Service, route string, status int) {
	if route == "" {
		route = "(no route)"
	}
	c.mu.Lock()
	c.counts[svc.Name()+" "+route]++
	c.mu.Unlock()
	now := c.now()
	c.record(Entry{Service: svc.Name(), Route: route, Start: now, End: now, Status: status})
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

func (c *Control) admit(service, route, key string) (time.Duration, *Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[key]++
	var delay time.Duration
	for _, l := range c.latency {
		if strings.HasPrefix(service, l.Service) && strings.HasPrefix(route, l.Route) {
			delay = time.Duration(l.Millis) * time.Millisecond
		}
	}
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
		return delay, &copied
	}
	return delay, nil
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
}

// Stats returns the request counts per "service route".
func (c *Control) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Routes: make(map[string]int, len(c.counts))}
	for k, v := range c.counts {
		s.Routes[k] = v
		s.Total += v
	}
	return s
}

// ResetStats zeroes the request counts.
func (c *Control) ResetStats() { c.mu.Lock(); c.counts = map[string]int{}; c.mu.Unlock() }

// Handler serves the control API under /__sandbox/.
//
//	GET    /__sandbox/stats      request counts per route     DELETE /__sandbox/stats   zero them
//	GET    /__sandbox/faults     active fault rules            POST   /__sandbox/faults  add one (Fault JSON)
//	DELETE /__sandbox/faults     remove all fault rules
//	GET    /__sandbox/latency    latency rules                 POST   /__sandbox/latency add one (Latency JSON)
//	DELETE /__sandbox/latency    remove all latency rules
//	GET    /__sandbox/journal    the last requests served: route, start and end time, status, injected fault
//	POST   /__sandbox/reset      restore the seeded state, clear faults, latency and counts
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
			writeJSON(w, 400, map[string]string{"error": "body must be a fault: {\"kind\":\"429|5xx|reset|expired_session\",\"service\":\"okta|salesforce:<alias>\",\"route\":\"GET /api/...\",\"rate\":0.1,\"count\":1}"})
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
	mux.HandleFunc("POST /__sandbox/reset", func(w http.ResponseWriter, _ *http.Request) {
		if err := c.Reset(); err != nil {
			writeJSON(w, 500, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func validFault(f Fault) bool {
	switch f.Kind {
	case FaultRateLimit, FaultServerError, FaultConnReset, FaultExpiredSession:
	default:
		return false
	}
	return f.Rate >= 0 && f.Rate <= 1 && f.Count >= 0 && f.Skip >= 0 && f.ResetSeconds >= 0 && (f.Status == 0 || (f.Status >= 500 && f.Status < 600))
}

// AddFault adds a fault rule.
func (c *Control) AddFault(f Fault) { c.mu.Lock(); c.faults = append(c.faults, &f); c.mu.Unlock() }

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

// Reset restores the seeded state and clears faults, latency and counts.
func (c *Control) Reset() error {
	c.mu.Lock()
	f := c.onReset
	c.faults, c.latency, c.counts, c.journal = nil, nil, map[string]int{}, nil
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
