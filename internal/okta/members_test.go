package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestListGroupMembersAndAppUsers_paging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		n, max     int
		list       func(c *Client) (int, error)
	}{
		{"group members", "/api/v1/groups/00g1/users", 2500, 1000, func(c *Client) (int, error) {
			m, err := c.ListGroupMembers(context.Background(), "00g1")
			for i, u := range m {
				if u.ID != fmt.Sprintf("00u%05d", i) || u.Login != fmt.Sprintf("user%05d@bench.example", i) || u.Email != u.Login || u.Status != "ACTIVE" || u.Profile["firstName"] != "U" {
					return 0, fmt.Errorf("member %d: %+v", i, u)
				}
			}
			return len(m), err
		}},
		{"app users", "/api/v1/apps/0oa1/users", 1001, 500, func(c *Client) (int, error) {
			users, err := c.ListAppUsers(context.Background(), "0oa1")
			for i, u := range users {
				if u.ID != fmt.Sprintf("00u%05d", i) || u.UserName != fmt.Sprintf("user%05d@bench.example", i) || u.Scope != "GROUP" || u.Status != "ACTIVE" || u.Profile["role"] != "Rep" {
					return 0, fmt.Errorf("app user %d: %+v", i, u)
				}
			}
			return len(users), err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeList{path: tt.path, def: 20, max: tt.max}
			for i := 0; i < tt.n; i++ {
				login := fmt.Sprintf("user%05d@bench.example", i)
				f.items = append(f.items, map[string]any{"id": fmt.Sprintf("00u%05d", i), "status": "ACTIVE", "scope": "GROUP",
					"credentials": map[string]any{"userName": login}, "profile": map[string]any{"login": login, "email": login, "firstName": "U", "role": "Rep"}})
			}
			n, err := tt.list(newTestClient(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.n {
				t.Fatalf("%d listed, want %d", n, tt.n)
			}
			calls := f.calls()
			if want := (tt.n + tt.max - 1) / tt.max; len(calls) != want {
				t.Fatalf("%d calls, want %d", len(calls), want)
			}
			for _, l := range calls {
				if l != fmt.Sprint(tt.max) {
					t.Fatalf("limit %q, want the maximum %d", l, tt.max)
				}
			}
		})
	}
}

// fakeSchema serves an app user schema with the given base and custom properties and records every call.
type fakeSchema struct {
	base, custom map[string]any

	mu    sync.Mutex
	calls []string
	posts []map[string]any
}

func (f *fakeSchema) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if r.URL.Path != "/api/v1/meta/schemas/apps/0oa1/default" {
		writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: 0oa2 (AppInstance)")
		return
	}
	if r.Method == http.MethodPost {
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		f.posts = append(f.posts, body)
	}
	writeJSONResponse(w, http.StatusOK, map[string]any{"definitions": map[string]any{
		"base":   map[string]any{"id": "#base", "properties": f.base},
		"custom": map[string]any{"id": "#custom", "properties": f.custom},
	}})
}

func TestEnsureAppUserProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		names     []string
		wantCalls string
		wantPost  map[string]string // property → type
	}{
		{"all present", []string{"profile", "costCenter"}, "GET", nil},
		{"nothing asked", nil, "GET", nil},
		{"two missing", []string{"profile", "permissionSets", "division", "division"}, "GET POST", map[string]string{"permissionSets": "array", "division": "string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSchema{base: map[string]any{"userName": map[string]any{}, "profile": map[string]any{}}, custom: map[string]any{"costCenter": map[string]any{}}}
			if err := newTestClient(t, f).EnsureAppUserProperties(context.Background(), "0oa1", tt.names...); err != nil {
				t.Fatal(err)
			}
			var methods []string
			for _, c := range f.calls {
				methods = append(methods, strings.Fields(c)[0])
			}
			if got := strings.Join(methods, " "); got != tt.wantCalls {
				t.Fatalf("calls %q, want %q", got, tt.wantCalls)
			}
			if tt.wantPost == nil {
				return
			}
			props := f.posts[0]["definitions"].(map[string]any)["custom"].(map[string]any)["properties"].(map[string]any)
			got := map[string]string{}
			for k, v := range props {
				got[k] = v.(map[string]any)["type"].(string)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantPost) {
				t.Fatalf("posted %v, want %v", got, tt.wantPost)
			}
		})
	}
	f := &fakeSchema{}
	if err := newTestClient(t, f).EnsureAppUserProperties(context.Background(), "0oa2", "x"); err == nil || !strings.Contains(err.Error(), "E0000007") {
		t.Fatalf("unknown app: %v", err)
	}
}
