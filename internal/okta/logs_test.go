package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
)

// ListLogEvents sends the window, the filter and the order to Okta, follows next links page by page and stops
// asking once it has the events it was asked for.
func TestListLogEventsFiltersAtTheAPIAndPages(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var queries []url.Values
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/logs" {
			mu.Lock()
			queries = append(queries, r.URL.Query())
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	emu, err := oktaemu.New(oktaemu.Config{BaseURL: srv.URL}, oktaemu.Seed{})
	if err != nil {
		t.Fatal(err)
	}
	h = emu.Handler()
	c, err := New(context.Background(), Config{OrgURL: srv.URL, APIToken: emu.Credentials().APIToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	var ids []string
	for i := range 7 {
		var u struct {
			ID string `json:"id"`
		}
		body := map[string]any{"profile": map[string]any{"login": fmt.Sprintf("log%d@acme.example", i), "email": fmt.Sprintf("log%d@acme.example", i), "firstName": "L", "lastName": "U"}}
		if _, err := c.Raw(ctx, http.MethodPost, "/api/v1/users?activate=false", body, &u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	end := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	take := func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		out := queries
		queries = nil
		return out
	}

	filter := `eventType eq "user.lifecycle.create"`
	events, err := c.ListLogEvents(ctx, LogQuery{Since: start, Until: end, Filter: filter, Limit: 5, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Targets[0].ID)
		if e.EventType != "user.lifecycle.create" || e.Result != "SUCCESS" || e.Published.IsZero() {
			t.Errorf("event %+v", e)
		}
	}
	want := []string{ids[6], ids[5], ids[4], ids[3], ids[2]}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("5 newest events: %v, want %v", got, want)
	}
	sent := take()
	if len(sent) != 3 {
		t.Fatalf("%d requests for 5 events in pages of 2, want 3", len(sent))
	}
	for i, q := range sent {
		if q.Get("filter") != filter || q.Get("sortOrder") != "DESCENDING" || q.Get("limit") != "2" ||
			q.Get("since") != start.UTC().Format("2006-01-02T15:04:05.000Z") || q.Get("until") != end.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("request %d: %v", i, q)
		}
		if (i > 0) != (q.Get("after") != "") {
			t.Errorf("request %d: after = %q", i, q.Get("after"))
		}
	}

	// The default page is the limit: one request.
	if events, err = c.ListLogEvents(ctx, LogQuery{Since: start, Until: end, Filter: filter, Q: "log3@acme", Limit: 200}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Targets[0].ID != ids[3] {
		t.Errorf("q log3@acme: %+v", events)
	}
	if sent := take(); len(sent) != 1 || sent[0].Get("limit") != "200" || sent[0].Get("q") != "log3@acme" {
		t.Errorf("one request with limit 200 and q, got %v", sent)
	}

	// until is exclusive and Okta's times have milliseconds: a sub-millisecond end rounds up, never down.
	if _, err := c.ListLogEvents(ctx, LogQuery{Since: start, Until: end.Add(500 * time.Microsecond), Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if sent := take(); len(sent) != 1 || sent[0].Get("until") != end.Add(time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("until of a sub-millisecond end: %v", sent)
	}

	if _, err := c.ListLogEvents(ctx, LogQuery{Since: end, Until: start, Limit: 1}); !errors.Is(err, ErrValidation) {
		t.Errorf("a window that ends before it starts: %v", err)
	}
	if _, err := c.ListLogEvents(ctx, LogQuery{Since: start, Until: end, Filter: `published gt "x"`, Limit: 1}); !errors.Is(err, ErrValidation) && !strings.Contains(fmt.Sprint(err), "E0000031") {
		t.Errorf("a filter Okta refuses: %v", err)
	}
}
