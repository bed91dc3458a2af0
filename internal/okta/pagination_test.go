package okta

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// scriptedPage is what the fake list answers for one after cursor ("" is the first page).
type scriptedPage struct {
	ids    []string
	next   string   // cursor of the rel="next" link; "" for the last page
	status int      // non-zero answers an Okta error (4xx: the transport retries 5xx)
	links  []string // replaces the self/next Link lines when set; "{host}" is the server
}

// scriptedList serves GET /api/v1/things from pages and records every request URI; it refuses an 11th.
type scriptedList struct {
	pages map[string]scriptedPage

	mu       sync.Mutex
	requests []string
}

func (s *scriptedList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	runaway := len(s.requests) > 10
	s.mu.Unlock()
	if runaway { // a paginator that loops fails the test instead of hanging it
		writeOktaError(w, http.StatusBadRequest, "E0000001", "fake: more than 10 requests")
		return
	}
	q := r.URL.Query()
	p, ok := s.pages[q.Get("after")]
	if !ok {
		writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: cursor "+q.Get("after"))
		return
	}
	if p.status != 0 {
		writeOktaError(w, p.status, "E0000006", "You do not have permission to perform the requested action")
		return
	}
	base := "http://" + r.Host + r.URL.Path
	links := p.links
	if links == nil {
		links = []string{"<" + base + "?" + q.Encode() + `>; rel="self"`}
		if p.next != "" {
			q.Set("after", p.next)
			links = append(links, "<"+base+"?"+q.Encode()+`>; rel="next"`)
		}
	}
	for _, l := range links {
		w.Header().Add("Link", strings.ReplaceAll(l, "{host}", r.Host))
	}
	items := make([]map[string]any, 0, len(p.ids))
	for _, id := range p.ids {
		items = append(items, map[string]any{"id": id})
	}
	writeJSONResponse(w, http.StatusOK, items)
}

func (s *scriptedList) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// attemptCounter counts the requests the client starts, including those a cancelled context stops
// before they reach the server.
type attemptCounter struct{ n atomic.Int32 }

func (a *attemptCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	a.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// newCountingClient is a client of the fake whose HTTP client counts attempts (no transport retries).
func newCountingClient(t *testing.T, h http.Handler) (*Client, *attemptCounter) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	attempts := &attemptCounter{}
	c, err := New(context.Background(), Config{OrgURL: srv.URL, APIToken: testToken, HTTPClient: &http.Client{Transport: attempts}})
	if err != nil {
		t.Fatal(err)
	}
	return c, attempts
}

func TestEachPage(t *testing.T) {
	t.Parallel()
	threePages := map[string]scriptedPage{
		"":   {ids: []string{"a", "b"}, next: "c2"},
		"c2": {ids: []string{"c", "d"}, next: "c4"},
		"c4": {ids: []string{"e"}},
	}
	tests := []struct {
		name         string
		pages        map[string]scriptedPage
		cancelAfter  int // cancel the context once this many pages were visited (0: never)
		visitErrAt   int // visit fails on this page (1-based; 0: never)
		wantIDs      string
		wantRequests []string
		wantErr      error  // errors.Is target
		wantErrText  string // substring of the error
	}{
		{
			name:         "one page",
			pages:        map[string]scriptedPage{"": {ids: []string{"a", "b"}}},
			wantIDs:      "a,b",
			wantRequests: []string{"/api/v1/things?limit=2"},
		},
		{
			name:         "empty list is one request",
			pages:        map[string]scriptedPage{"": {}},
			wantRequests: []string{"/api/v1/things?limit=2"},
		},
		{
			name:    "several pages keep the first query",
			pages:   threePages,
			wantIDs: "a,b,c,d,e",
			wantRequests: []string{
				"/api/v1/things?limit=2", "/api/v1/things?after=c2&limit=2", "/api/v1/things?after=c4&limit=2",
			},
		},
		{
			name: "page error mid-way",
			pages: map[string]scriptedPage{
				"":   {ids: []string{"a", "b"}, next: "c2"},
				"c2": {status: http.StatusForbidden},
			},
			wantIDs:      "a,b",
			wantRequests: []string{"/api/v1/things?limit=2", "/api/v1/things?after=c2&limit=2"},
			wantErr:      ErrForbidden,
			wantErrText:  "okta 403 E0000006",
		},
		{
			name: "next page gone",
			pages: map[string]scriptedPage{
				"": {ids: []string{"a"}, next: "gone"},
			},
			wantIDs:      "a",
			wantRequests: []string{"/api/v1/things?limit=2", "/api/v1/things?after=gone&limit=2"},
			wantErr:      ErrNotFound,
		},
		{
			name:         "context cancelled between pages",
			pages:        threePages,
			cancelAfter:  1,
			wantIDs:      "a,b",
			wantRequests: []string{"/api/v1/things?limit=2"},
			wantErr:      context.Canceled,
		},
		{
			name:         "visit error stops paging",
			pages:        threePages,
			visitErrAt:   2,
			wantIDs:      "a,b,c,d",
			wantRequests: []string{"/api/v1/things?limit=2", "/api/v1/things?after=c2&limit=2"},
			wantErr:      errBoom,
		},
		{
			name: "malformed Link URL is an error, not a panic",
			pages: map[string]scriptedPage{
				"": {ids: []string{"a"}, links: []string{`<http://{host}/api/v1/things?limit=2>; rel="self"`, `<http://{host}/api/v1/%zz>; rel="next"`}},
			},
			wantRequests: []string{"/api/v1/things?limit=2"},
			wantErrText:  "malformed Link header",
		},
		{
			name: "Link lines joined into one are an error, not an endless loop",
			pages: map[string]scriptedPage{
				"":   {ids: []string{"a"}, links: []string{`<http://{host}/api/v1/things?limit=2>; rel="self", <http://{host}/api/v1/things?after=c2&limit=2>; rel="next"`}},
				"c2": {ids: []string{"b"}},
			},
			wantIDs:      "a",
			wantRequests: []string{"/api/v1/things?limit=2"},
			wantErrText:  "repeats a page already read",
		},
		{
			name: "next link back to a page already read",
			pages: map[string]scriptedPage{
				"":   {ids: []string{"a"}, links: []string{`<http://{host}/api/v1/things?after=c2&limit=2>; rel="next"`}},
				"c2": {ids: []string{"b"}, links: []string{`<http://{host}/api/v1/things?after=c2&limit=2>; rel="next"`}},
			},
			wantIDs:      "a,b",
			wantRequests: []string{"/api/v1/things?limit=2", "/api/v1/things?after=c2&limit=2"},
			wantErrText:  "repeats a page already read",
		},
		{
			name: "Link without a rel=next is the last page",
			pages: map[string]scriptedPage{
				"": {ids: []string{"a"}, links: []string{`<http://{host}/api/v1/things?limit=2>; rel="self"`, `<http://{host}/api/v1/things?after=c2>`}},
			},
			wantIDs:      "a",
			wantRequests: []string{"/api/v1/things?limit=2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &scriptedList{pages: tt.pages}
			c, attempts := newCountingClient(t, srv)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			first := func(ctx context.Context) ([]map[string]any, *oktasdk.Response, error) {
				var page []map[string]any
				resp, err := c.Raw(ctx, "GET", "/api/v1/things?limit=2", nil, &page)
				return page, resp, err
			}
			var ids []string
			visited := 0
			err := eachPage(ctx, first, func(page []map[string]any) error {
				visited++
				for _, item := range page {
					ids = append(ids, item["id"].(string))
				}
				if visited == tt.cancelAfter {
					cancel()
				}
				if visited == tt.visitErrAt {
					return errBoom
				}
				return nil
			})
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErrText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErrText)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErrText)
			case tt.wantErr == nil && tt.wantErrText == "" && err != nil:
				t.Errorf("err = %v", err)
			}
			if got := strings.Join(ids, ","); got != tt.wantIDs {
				t.Errorf("visited %q, want %q", got, tt.wantIDs)
			}
			if got := srv.calls(); strings.Join(got, " ") != strings.Join(tt.wantRequests, " ") {
				t.Errorf("requests %q, want %q", got, tt.wantRequests)
			}
			if n := int(attempts.n.Load()); n != len(tt.wantRequests) {
				t.Errorf("%d requests started, want %d", n, len(tt.wantRequests))
			}
		})
	}
}

// listAll keeps page order and returns nothing but the error when a later page fails.
func TestListAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pages   map[string]scriptedPage
		want    []string
		wantErr bool
	}{
		{"no items is nil", map[string]scriptedPage{"": {}}, nil, false},
		{"pages in order", map[string]scriptedPage{"": {ids: []string{"a", "b"}, next: "c2"}, "c2": {ids: []string{"c"}}}, []string{"A", "B", "C"}, false},
		{"a failed page drops the earlier ones", map[string]scriptedPage{"": {ids: []string{"a"}, next: "c2"}, "c2": {status: http.StatusForbidden}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, &scriptedList{pages: tt.pages})
			got, err := listAll(context.Background(), func(ctx context.Context) ([]map[string]any, *oktasdk.Response, error) {
				var page []map[string]any
				resp, err := c.Raw(ctx, "GET", "/api/v1/things?limit=2", nil, &page)
				return page, resp, err
			}, func(item map[string]any) string { return strings.ToUpper(item["id"].(string)) })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || (tt.want == nil) != (got == nil) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}
