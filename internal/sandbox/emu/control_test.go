package emu_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// fakeService answers faults the way a real service would, with fixed statuses, and counts expiries.
type fakeService struct{ expired atomic.Int32 }

func (*fakeService) Name() string { return "fake" }
func (*fakeService) WriteRateLimited(w http.ResponseWriter, _ *http.Request, reset time.Time, _ string) {
	w.Header().Set("X-Rate-Limit-Reset", reset.UTC().Format(time.RFC3339))
	w.WriteHeader(http.StatusTooManyRequests)
}
func (*fakeService) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	w.WriteHeader(status)
}
func (f *fakeService) ExpireSessions() { f.expired.Add(1) }

// Every injected fault is counted and journaled with the status the client saw (0 for a reset
// connection) and its kind, like any request served as is.
func TestInjectedFaultsAreCountedAndJournaled(t *testing.T) {
	t.Parallel()
	const route = "GET /api/v1/things"
	tests := []struct {
		name       string
		fault      emu.Fault
		wantStatus int
	}{
		{"429 with reset", emu.Fault{Kind: emu.FaultRateLimit, ResetSeconds: 30}, http.StatusTooManyRequests},
		{"5xx", emu.Fault{Kind: emu.FaultServerError, Status: http.StatusBadGateway}, http.StatusBadGateway},
		{"5xx default", emu.Fault{Kind: emu.FaultServerError}, http.StatusServiceUnavailable},
		{"connection reset", emu.Fault{Kind: emu.FaultConnReset}, 0},
		// The handler still runs and finds the session gone (here: answers 401 once expired).
		{"expired session", emu.Fault{Kind: emu.FaultExpiredSession}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctl := emu.NewControl()
			svc := &fakeService{}
			ctl.Register(svc)
			srv := httptest.NewServer(ctl.Wrap(svc, route, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if svc.expired.Load() > 0 {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				_, _ = io.WriteString(w, "ok")
			})))
			defer srv.Close()
			ctl.AddFault(tt.fault)

			// One faulted request, then one served as is.
			for i, want := range []int{tt.wantStatus, http.StatusOK} {
				if tt.fault.Kind == emu.FaultExpiredSession && i == 1 {
					want = http.StatusUnauthorized
				}
				resp, err := http.Get(srv.URL + "/api/v1/things")
				got := 0
				if err == nil {
					got = resp.StatusCode
					_ = resp.Body.Close()
				}
				if got != want {
					t.Fatalf("request %d: status %d (err %v), want %d", i+1, got, err, want)
				}
				if i == 0 {
					ctl.ClearFaults()
				}
			}

			if n := ctl.Stats().Routes["fake "+route]; n != 2 {
				t.Errorf("stats count %d requests for %q, want 2: %+v", n, route, ctl.Stats())
			}
			j := ctl.Journal()
			if len(j) != 2 {
				t.Fatalf("journal has %d entries, want 2 (the faulted request and the next): %+v", len(j), j)
			}
			if j[0].Service != "fake" || j[0].Route != route || j[0].Status != tt.wantStatus || j[0].Fault != tt.fault.Kind || j[0].End.Before(j[0].Start) {
				t.Errorf("faulted request journaled as %+v, want route %q, status %d, fault %q", j[0], route, tt.wantStatus, tt.fault.Kind)
			}
			if j[1].Fault != "" {
				t.Errorf("request served as is journaled with fault %q", j[1].Fault)
			}
		})
	}
}

// The Okta emulator's own rate limit answers before routing; its 429s still show in stats and the journal.
func TestOktaOwnRateLimitIsCountedAndJournaled(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().(http.Handler).ServeHTTP(w, r) }))
	defer srv.Close()
	org, err := oktaemu.New(oktaemu.Config{BaseURL: srv.URL, Control: ctl, RateLimitPerMinute: 2}, oktaemu.Seed{})
	if err != nil {
		t.Fatal(err)
	}
	h.Store(org.Handler())
	token := org.Credentials().APIToken
	var statuses []int
	for range 4 {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/api/v1/groups", nil)
		req.Header.Set("Authorization", "SSWS "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 200 || statuses[3] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v, want 200 first and 429 once the per-minute budget of 2 is spent", statuses)
	}
	const route = "GET /api/v1/groups"
	if n := ctl.Stats().Routes["okta "+route]; n != 4 {
		t.Errorf("stats count %d requests for %q, want 4: %+v", n, route, ctl.Stats())
	}
	var journaled []int
	for _, e := range ctl.Journal() {
		if e.Service == "okta" && e.Route == route {
			journaled = append(journaled, e.Status)
		}
	}
	if !slices.Equal(journaled, statuses) {
		t.Errorf("journal statuses %v, want %v (every request, 429s included)", journaled, statuses)
	}
}

// Salesforce has no 429: its own refusal once the daily allocation is spent is 403 REQUEST_LIMIT_EXCEEDED,
// and it shows in stats and the journal.
func TestSalesforceOwnLimitIsCountedAndJournaled(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().(http.Handler).ServeHTTP(w, r) }))
	defer srv.Close()
	org, err := sfemu.New(sfemu.Config{Alias: "qa", BaseURL: srv.URL, Control: ctl, DailyAPILimit: 1}, sfemu.OrgSeed{Name: "QA", AdminUsername: "integration@acme.qa"})
	if err != nil {
		t.Fatal(err)
	}
	h.Store(org.Handler())
	c := org.Credentials()
	resp, err := http.PostForm(srv.URL+"/services/oauth2/token", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	var statuses []int
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/services/data/v63.0/limits", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 200 || statuses[1] != http.StatusForbidden {
		t.Fatalf("statuses %v, want [200 403]", statuses)
	}
	const route = "GET /services/data/{version}/limits"
	if n := ctl.Stats().Routes["salesforce:qa "+route]; n != 2 {
		t.Errorf("stats count %d requests for %q, want 2", n, route)
	}
	var journaled []int
	for _, e := range ctl.Journal() {
		if e.Route == route {
			journaled = append(journaled, e.Status)
		}
	}
	if !slices.Equal(journaled, statuses) {
		t.Errorf("journal statuses %v, want [200 403]", journaled)
	}
}
