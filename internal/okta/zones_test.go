package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// fakeZones serves /api/v1/zones with the wire format of okta-api.md §9: a single address given as RANGE is
// stored as "a-a", proxies are null when unset, lists page by an after cursor, and only an inactive zone
// can be deleted.
type fakeZones struct {
	t        testing.TB
	mu       sync.Mutex
	zones    map[string]map[string]any
	order    []string
	pageSize int
	seq      int
	requests []recordedRequest
	inUse    map[string]bool // zones a policy rule names: DELETE answers 400
}

func newFakeZones(t testing.TB) *fakeZones {
	return &fakeZones{t: t, zones: map[string]map[string]any{}, pageSize: 2}
}

func (f *fakeZones) add(z map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("nzofake%013d", f.seq)
	z["id"], z["type"], z["system"] = id, "IP", false
	if _, ok := z["status"]; !ok {
		z["status"] = "ACTIVE"
	}
	if _, ok := z["usage"]; !ok {
		z["usage"] = "POLICY"
	}
	normaliseRanges(z["gateways"])
	normaliseRanges(z["proxies"])
	if z["proxies"] == nil {
		z["proxies"] = nil
	}
	z["_links"] = map[string]any{"self": map[string]any{"href": "/api/v1/zones/" + id}}
	f.zones[id] = z
	f.order = append(f.order, id)
}

func normaliseRanges(v any) {
	list, _ := v.([]any)
	for _, e := range list {
		a, _ := e.(map[string]any)
		if s, _ := a["value"].(string); a["type"] == "RANGE" && !strings.Contains(s, "-") {
			a["value"] = s + "-" + s
		}
	}
}

func (f *fakeZones) calls() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	for _, r := range f.requests {
		parts = append(parts, r.Method+" "+r.Path)
	}
	return strings.Join(parts, ", ")
}

func (f *fakeZones) lastBody(method string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.requests) - 1; i >= 0; i-- {
		if f.requests[i].Method == method {
			return f.requests[i].Body
		}
	}
	return nil
}

func (f *fakeZones) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := recordedRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &rec.Body); err != nil {
			f.t.Errorf("request body is not a JSON object: %v", err)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	f.mu.Unlock()
	rest := strings.TrimPrefix(r.URL.Path, "/api/v1/zones")
	switch {
	case rest == "" && r.Method == http.MethodGet:
		f.list(w, r)
	case rest == "" && r.Method == http.MethodPost:
		var z map[string]any // a copy: the recorded body stays as sent
		b, _ := json.Marshal(rec.Body)
		_ = json.Unmarshal(b, &z)
		f.add(z)
		f.mu.Lock()
		z = f.zones[f.order[len(f.order)-1]]
		f.mu.Unlock()
		writeJSONResponse(w, http.StatusOK, z)
	default:
		parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
		f.mu.Lock()
		defer f.mu.Unlock()
		z, ok := f.zones[parts[0]]
		if !ok {
			writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+parts[0]+" (NetworkZone)")
			return
		}
		switch {
		case len(parts) == 3 && parts[1] == "lifecycle" && r.Method == http.MethodPost:
			z["status"] = map[string]string{"activate": "ACTIVE", "deactivate": "INACTIVE"}[parts[2]]
			writeJSONResponse(w, http.StatusOK, z)
		case len(parts) == 1 && r.Method == http.MethodGet:
			writeJSONResponse(w, http.StatusOK, z)
		case len(parts) == 1 && r.Method == http.MethodPut:
			var body map[string]any
			b, _ := json.Marshal(rec.Body)
			_ = json.Unmarshal(b, &body)
			for k, v := range body {
				z[k] = v
			}
			normaliseRanges(z["gateways"])
			normaliseRanges(z["proxies"])
			writeJSONResponse(w, http.StatusOK, z)
		case len(parts) == 1 && r.Method == http.MethodDelete:
			if f.inUse[parts[0]] {
				writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: zone")
				return
			}
			if z["status"] != "INACTIVE" {
				writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: Cannot delete an active zone")
				return
			}
			delete(f.zones, parts[0])
			w.WriteHeader(http.StatusNoContent)
		default:
			writeOktaError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		}
	}
}

func (f *fakeZones) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start, _ := strconv.Atoi(r.URL.Query().Get("after"))
	end := min(start+f.pageSize, len(f.order))
	page := []map[string]any{}
	for _, id := range f.order[start:end] {
		if z, ok := f.zones[id]; ok {
			page = append(page, z)
		}
	}
	w.Header().Add("Link", "<http://"+r.Host+r.URL.RequestURI()+`>; rel="self"`)
	if end < len(f.order) {
		q := r.URL.Query()
		q.Set("after", strconv.Itoa(end))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	writeJSONResponse(w, http.StatusOK, page)
}

func ipZone(name string, gateways ...string) map[string]any {
	gs := []any{}
	for _, g := range gateways {
		typ := "RANGE"
		if strings.Contains(g, "/") {
			typ = "CIDR"
		}
		gs = append(gs, map[string]any{"type": typ, "value": g})
	}
	return map[string]any{"name": name, "gateways": gs}
}

func TestNetworkZoneLifecycle(t *testing.T) {
	t.Parallel()
	fake := newFakeZones(t)
	c := newTestClient(t, fake)
	ctx := context.Background()

	created, err := c.CreateNetworkZone(ctx, &NetworkZone{Name: "Office", Type: ZoneIP, Status: ZoneInactive, Usage: ZonePolicy,
		Gateways: []ZoneAddress{{"RANGE", "192.168.1.1"}, {"CIDR", "10.0.0.0/24"}}})
	if err != nil {
		t.Fatal(err)
	}
	if body := fake.lastBody(http.MethodPost); body["proxies"] != nil || body["id"] != nil || body["status"] != "INACTIVE" {
		t.Errorf("create sent %v, want status INACTIVE, proxies null and no id", body)
	}
	if created.ID == "" || created.Status != ZoneInactive || created.Proxies != nil || len(created.Gateways) != 2 ||
		created.Gateways[0].Value != "192.168.1.1-192.168.1.1" {
		t.Errorf("created %+v", created)
	}

	// An admin set a field this client does not know; the update must send it back.
	fake.mu.Lock()
	fake.zones[created.ID]["useAsExemptList"] = false
	fake.mu.Unlock()
	updated, err := c.UpdateNetworkZone(ctx, created.ID, func(z *NetworkZone) {
		z.Gateways = []ZoneAddress{{"CIDR", "10.1.0.0/16"}}
		z.Proxies = []ZoneAddress{{"RANGE", "10.9.0.1-10.9.0.2"}}
	})
	if err != nil {
		t.Fatal(err)
	}
	put := fake.lastBody(http.MethodPut)
	for _, readOnly := range []string{"id", "_links", "system"} {
		if _, ok := put[readOnly]; ok {
			t.Errorf("PUT sent the read-only %s: %v", readOnly, put)
		}
	}
	if put["useAsExemptList"] != false || put["name"] != "Office" || put["status"] != "INACTIVE" {
		t.Errorf("PUT did not send back what it does not own: %v", put)
	}
	if len(updated.Gateways) != 1 || updated.Gateways[0].Value != "10.1.0.0/16" || len(updated.Proxies) != 1 {
		t.Errorf("updated %+v", updated)
	}
	if _, err := c.UpdateNetworkZone(ctx, created.ID, func(z *NetworkZone) { z.Proxies = nil }); err != nil {
		t.Fatal(err)
	}
	if p, ok := fake.lastBody(http.MethodPut)["proxies"]; !ok || p != nil {
		t.Errorf("clearing proxies sent proxies = %v (present %v), want null", p, ok)
	}

	if z, err := c.ActivateNetworkZone(ctx, created.ID); err != nil || z.Status != ZoneActive {
		t.Fatalf("activate: %+v, %v", z, err)
	}
	if err := c.DeleteNetworkZone(ctx, created.ID); err != nil {
		t.Fatalf("delete of an active zone: %v (calls: %s)", err, fake.calls())
	}
	if !strings.Contains(fake.calls(), "POST /api/v1/zones/"+created.ID+"/lifecycle/deactivate, DELETE /api/v1/zones/"+created.ID) {
		t.Errorf("delete did not deactivate first: %s", fake.calls())
	}
	if _, err := c.GetNetworkZone(ctx, created.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteNetworkZone(ctx, created.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete of a zone that is gone: %v, want ErrNotFound", err)
	}
}

func TestFindNetworkZonesByName(t *testing.T) {
	t.Parallel()
	fake := newFakeZones(t)
	for _, name := range []string{"Office", "office", "Office VPN", "Branch", "Office"} {
		fake.add(ipZone(name, "10.0.0.0/8"))
	}
	c := newTestClient(t, fake)
	got, err := c.FindNetworkZonesByName(context.Background(), "Office")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "Office" || got[1].Name != "Office" || got[0].ID == got[1].ID {
		t.Errorf("found %+v, want the two zones named exactly Office (the last on page 3)", got)
	}
	if n := strings.Count(fake.calls(), "GET /api/v1/zones"); n != 3 {
		t.Errorf("%d list calls (%s), want 3 pages of 2", n, fake.calls())
	}
	if none, err := c.FindNetworkZonesByName(context.Background(), "HQ"); err != nil || len(none) != 0 {
		t.Errorf("HQ: %v, %v; want none", none, err)
	}
}

// A create whose answer is lost reaches the caller once, as a lost answer: the resource then looks for the
// zone by name instead of the stack replaying the POST into a second zone.
func TestCreateNetworkZone_lostAnswerIsNotResent(t *testing.T) {
	t.Parallel()
	fake := newFakeZones(t)
	var posts atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/zones" || posts.Add(1) > 1 {
			fake.ServeHTTP(w, r)
			return
		}
		fake.ServeHTTP(httptest.NewRecorder(), r)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close()
	})
	c := newTestClient(t, h)
	_, err := c.CreateNetworkZone(context.Background(), &NetworkZone{Name: "Office", Type: ZoneIP, Gateways: []ZoneAddress{{"CIDR", "10.0.0.0/24"}}})
	if got := posts.Load(); got != 1 {
		t.Fatalf("POST /api/v1/zones sent %d times, want 1", got)
	}
	if err == nil || !transport.AnswerLost(err) {
		t.Errorf("error %v: want a lost answer", err)
	}
	if zones, _ := c.FindNetworkZonesByName(context.Background(), "Office"); len(zones) != 1 {
		t.Errorf("%d zones named Office, want the 1 the lost create made", len(zones))
	}
}

// Lifecycle calls are safe to repeat, so the stack replays them after a 503.
func TestZoneLifecycleRetriedAfter5xx(t *testing.T) {
	t.Parallel()
	fake := newFakeZones(t)
	fake.add(ipZone("Office", "10.0.0.0/8"))
	var failed atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/lifecycle/deactivate") && !failed.Swap(true) {
			writeOktaError(w, http.StatusServiceUnavailable, "E0000009", "Internal Server Error")
			return
		}
		fake.ServeHTTP(w, r)
	})
	c := newTestClient(t, h)
	if z, err := c.DeactivateNetworkZone(context.Background(), fake.order[0]); err != nil || z.Status != ZoneInactive {
		t.Errorf("deactivate after one 503: %+v, %v", z, err)
	}
}

// The zones every org has are never deleted, nor deactivated on the way.
func TestDeleteNetworkZone_systemZoneUntouched(t *testing.T) {
	t.Parallel()
	fake := newFakeZones(t)
	fake.add(ipZone("BlockedIpZone", "198.51.100.0/24"))
	id := fake.order[0]
	fake.zones[id]["system"] = true
	c := newTestClient(t, fake)
	if err := c.DeleteNetworkZone(context.Background(), id); !errors.Is(err, ErrSystemZone) {
		t.Errorf("delete of a system zone: %v, want ErrSystemZone", err)
	}
	if calls := fake.calls(); calls != "GET /api/v1/zones/"+id {
		t.Errorf("calls %s, want the read alone", calls)
	}
}

// A delete that Okta refuses because a rule names the zone leaves the zone with the status it had: one this
// call deactivated is activated again (rules that name it keep matching); one that was inactive stays so.
func TestDeleteNetworkZone_inUseRestoresStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status, wantCalls, wantMessage string
	}{
		{"ACTIVE", "GET, POST deactivate, DELETE, POST activate", "it was reactivated; remove it from those rules first"},
		{"INACTIVE", "GET, DELETE", `("Office") is still used by policy rule(s)`},
	} {
		t.Run(tc.status, func(t *testing.T) {
			t.Parallel()
			fake := newFakeZones(t)
			z := ipZone("Office", "10.0.0.0/8")
			z["status"] = tc.status
			fake.add(z)
			id := fake.order[0]
			fake.inUse = map[string]bool{id: true}
			c := newTestClient(t, fake)
			err := c.DeleteNetworkZone(context.Background(), id)
			if !errors.Is(err, ErrZoneInUse) || !errors.Is(err, ErrValidation) || !strings.Contains(err.Error(), tc.wantMessage) {
				t.Errorf("delete of a zone in use: %v; want ErrZoneInUse saying %q", err, tc.wantMessage)
			}
			if tc.status == "INACTIVE" && strings.Contains(err.Error(), "reactivated") {
				t.Errorf("an inactive zone reported as reactivated: %v", err)
			}
			calls := strings.ReplaceAll(strings.ReplaceAll(fake.calls(), "/api/v1/zones/"+id+"/lifecycle/", ""), " /api/v1/zones/"+id, "")
			if calls != tc.wantCalls {
				t.Errorf("calls %q, want %q", calls, tc.wantCalls)
			}
			if got, _ := c.GetNetworkZone(context.Background(), id); got == nil || got.Status != tc.status {
				t.Errorf("zone after the failed delete: %+v, want status %s", got, tc.status)
			}
		})
	}
}
