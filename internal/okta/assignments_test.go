package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeList serves GET path as an Okta list: limit (default def, clamped to max), an after cursor and separate
// Link header lines; it records each call's limit.
type fakeList struct {
	path     string
	items    []map[string]any
	def, max int

	mu     sync.Mutex
	limits []string
}

func (f *fakeList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != f.path {
		writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path+" ("+r.Method+")")
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	f.limits = append(f.limits, q.Get("limit"))
	f.mu.Unlock()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = f.def
	}
	limit = min(limit, f.max)
	start, _ := strconv.Atoi(q.Get("after"))
	end := min(start+limit, len(f.items))
	w.Header().Add("Link", "<http://"+r.Host+r.URL.RequestURI()+`>; rel="self"`)
	if end < len(f.items) {
		q.Set("after", strconv.Itoa(end))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	writeJSONResponse(w, http.StatusOK, f.items[start:end])
}

func (f *fakeList) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.limits...)
}

func TestListAppGroupAssignments_paging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, wantCalls int
	}{{0, 1}, {1, 1}, {200, 1}, {201, 2}, {450, 3}}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.n), func(t *testing.T) {
			t.Parallel()
			f := &fakeList{path: "/api/v1/apps/0oa1/groups", def: 20, max: 200}
			for i := 0; i < tt.n; i++ {
				f.items = append(f.items, map[string]any{"id": fmt.Sprintf("00g%05d", i), "priority": i, "lastUpdated": "2026-02-02T11:20:43.000Z",
					"profile": map[string]any{"role": fmt.Sprint("r", i)}})
			}
			got, err := newTestClient(t, f).ListAppGroupAssignments(context.Background(), "0oa1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.n {
				t.Fatalf("%d assignments, want %d", len(got), tt.n)
			}
			for i, a := range got {
				if a.GroupID != fmt.Sprintf("00g%05d", i) || a.Priority != i || a.Profile["role"] != fmt.Sprint("r", i) || a.LastUpdated.IsZero() {
					t.Fatalf("assignment %d: %+v", i, a)
				}
			}
			calls := f.calls()
			if len(calls) != tt.wantCalls {
				t.Fatalf("%d calls, want %d", len(calls), tt.wantCalls)
			}
			for _, l := range calls {
				if l != "200" {
					t.Fatalf("call with limit %q, want 200", l)
				}
			}
		})
	}
}

// putRecorder answers PUT /api/v1/apps/{app}/groups/{group} like Okta and keeps the raw request body.
type putRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (p *putRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.bodies = append(p.bodies, strings.TrimSpace(string(b)))
	p.mu.Unlock()
	parts := strings.Split(r.URL.Path, "/")
	gid := parts[len(parts)-1]
	switch {
	case gid == "00gmissing":
		writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: 00gmissing (ApplicationGroupAssignment)")
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		var in map[string]any
		_ = json.Unmarshal(b, &in)
		priority := in["priority"]
		if priority == nil {
			priority = 7
		}
		profile := in["profile"]
		if profile == nil {
			profile = map[string]any{}
		}
		writeJSONResponse(w, http.StatusOK, map[string]any{"id": gid, "priority": priority, "profile": profile, "lastUpdated": "2026-02-02T11:20:43.000Z"})
	}
}

func TestSetAppGroupAssignment_body(t *testing.T) {
	t.Parallel()
	zero, three := 0, 3
	tests := []struct {
		name         string
		priority     *int
		profile      map[string]any
		wantBody     string
		wantPriority int
	}{
		{"priority zero is sent", &zero, nil, `{"priority":0}`, 0},
		{"no priority lets Okta choose", nil, nil, `{}`, 7},
		{"priority and profile", &three, map[string]any{"role": "Rep"}, `{"priority":3,"profile":{"role":"Rep"}}`, 3},
		{"empty profile is sent", nil, map[string]any{}, `{"profile":{}}`, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &putRecorder{}
			got, err := newTestClient(t, rec).SetAppGroupAssignment(context.Background(), "0oa1", "00g1", tt.priority, tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.bodies) != 1 || rec.bodies[0] != tt.wantBody {
				t.Fatalf("request bodies %q, want [%s]", rec.bodies, tt.wantBody)
			}
			if got.GroupID != "00g1" || got.Priority != tt.wantPriority {
				t.Fatalf("result %+v", got)
			}
		})
	}
}

func TestAppGroupAssignmentNotFound(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, &putRecorder{})
	ctx := context.Background()
	if _, err := c.GetAppGroupAssignment(ctx, "0oa1", "00gmissing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	if err := c.DeleteAppGroupAssignment(ctx, "0oa1", "00gmissing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete: %v", err)
	}
	if err := c.DeleteAppGroupAssignment(ctx, "0oa1", "00g1"); err != nil {
		t.Errorf("delete of an existing assignment: %v", err)
	}
}
