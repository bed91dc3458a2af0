package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// countedList serves any GET as an Okta list of n items: limit as sent (Okta's default 20 when absent),
// a numeric after cursor, separate self and next Link lines. Item 0 is named "L", the rest "L-<i>", so
// exact-name finders match one item. It records every request URI.
type countedList struct {
	n int

	mu       sync.Mutex
	requests []string
}

func (f *countedList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	f.mu.Unlock()
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 20
	}
	start, _ := strconv.Atoi(q.Get("after"))
	end := min(start+limit, f.n)
	base := "http://" + r.Host + r.URL.Path
	w.Header().Add("Link", "<"+base+"?"+q.Encode()+`>; rel="self"`)
	if end < f.n {
		q.Set("after", strconv.Itoa(end))
		w.Header().Add("Link", "<"+base+"?"+q.Encode()+`>; rel="next"`)
	}
	items := []map[string]any{}
	for i := start; i < end; i++ {
		name := "L"
		if i > 0 {
			name = fmt.Sprint("L-", i)
		}
		id := fmt.Sprintf("id%05d", i)
		items = append(items, map[string]any{
			"id": id, "label": name, "status": "ACTIVE", "scope": "USER", "priority": i,
			"profile":     map[string]any{"name": name, "login": name + "@example.com"},
			"credentials": map[string]any{"userName": name + "@example.com"},
			"_embedded":   map[string]any{"user": map[string]any{"id": id, "status": "ACTIVE", "profile": map[string]any{"login": name}}},
		})
	}
	writeJSONResponse(w, http.StatusOK, items)
}

func (f *countedList) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// Every list call makes ⌈n/limit⌉ requests (one for an empty list), each with the call's page size and
// the previous page's cursor. Run with -v, the logged request URIs can be compared across versions.
func TestListCallsRequests(t *testing.T) {
	t.Parallel()
	calls := []struct {
		name, path string
		pageSize   int
		call       func(ctx context.Context, c *Client) (int, error) // returns the items found
		finder     bool                                              // returns the one item named "L"
	}{
		{"FindAppsByLabel", "/api/v1/apps", appPageSize, func(ctx context.Context, c *Client) (int, error) {
			apps, err := c.FindAppsByLabel(ctx, "L")
			return len(apps), err
		}, true},
		{"ListApps", "/api/v1/apps", appPageSize, func(ctx context.Context, c *Client) (int, error) {
			apps, err := c.ListApps(ctx)
			return len(apps), err
		}, false},
		{"FindGroupByName", "/api/v1/groups", groupPageSize, func(ctx context.Context, c *Client) (int, error) {
			_, err := c.FindGroupByName(ctx, "L")
			if errors.Is(err, ErrNotFound) {
				return 0, nil
			}
			return 1, err
		}, true},
		{"ListAppGroupAssignments", "/api/v1/apps/0oa1/groups", appGroupPageSize, func(ctx context.Context, c *Client) (int, error) {
			got, err := c.ListAppGroupAssignments(ctx, "0oa1")
			return len(got), err
		}, false},
		{"ListGroupMembers", "/api/v1/groups/00g1/users", groupMemberPageSize, func(ctx context.Context, c *Client) (int, error) {
			got, err := c.ListGroupMembers(ctx, "00g1")
			return len(got), err
		}, false},
		{"ListAppUsers", "/api/v1/apps/0oa1/users", appUserPageSize, func(ctx context.Context, c *Client) (int, error) {
			got, err := c.ListAppUsers(ctx, "0oa1")
			return len(got), err
		}, false},
		{"ListAppUsersExpanded", "/api/v1/apps/0oa1/users", appUserPageSize, func(ctx context.Context, c *Client) (int, error) {
			got, err := c.ListAppUsersExpanded(ctx, "0oa1")
			return len(got), err
		}, false},
	}
	for _, lc := range calls {
		sizes := []struct{ n, wantRequests int }{
			{0, 1}, {1, 1}, {lc.pageSize, 1}, {lc.pageSize + 1, 2}, {2*lc.pageSize + 1, 3},
		}
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%d", lc.name, sz.n), func(t *testing.T) {
				t.Parallel()
				srv := &countedList{n: sz.n}
				found, err := lc.call(context.Background(), newTestClient(t, srv))
				if err != nil {
					t.Fatal(err)
				}
				wantFound := sz.n
				if lc.finder {
					wantFound = min(sz.n, 1)
				}
				if found != wantFound {
					t.Errorf("%d items, want %d", found, wantFound)
				}
				requests := srv.calls()
				for _, uri := range requests {
					t.Logf("request %s", uri)
				}
				if len(requests) != sz.wantRequests {
					t.Fatalf("%d requests, want %d", len(requests), sz.wantRequests)
				}
				for i, uri := range requests {
					want := fmt.Sprintf("%s?limit=%d", lc.path, lc.pageSize)
					if i > 0 {
						want = fmt.Sprintf("%s?after=%d&limit=%d", lc.path, i*lc.pageSize, lc.pageSize)
					}
					if got := withoutParams(uri, "q", "expand"); got != want {
						t.Errorf("request %d is %s, want %s (q and expand aside)", i, uri, want)
					}
				}
			})
		}
	}
}

// withoutParams returns the request URI with the named query parameters removed, the rest sorted.
func withoutParams(uri string, names ...string) string {
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return "unparsable " + uri
	}
	q := u.Query()
	for _, n := range names {
		q.Del(n)
	}
	return u.Path + "?" + q.Encode()
}
