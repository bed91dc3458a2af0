package oktaemu

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// logClock gives a test org a clock the test moves.
func logClock(org *testOrg, start time.Time) *atomic.Int64 {
	var now atomic.Int64
	now.Store(start.UnixNano())
	org.srv.now = func() time.Time { return time.Unix(0, now.Load()).UTC() }
	return &now
}

func createLogUser(t *testing.T, org *testOrg, login string) string {
	t.Helper()
	var u map[string]any
	decodeJSON(t, org.do(t, "POST", "/api/v1/users?activate=false",
		fmt.Sprintf(`{"profile":{"login":%q,"email":%q,"firstName":"Log","lastName":"User"}}`, login, login)), &u)
	return u["id"].(string)
}

// A bounded request pages with Link rel="next" cursors that the SDK follows; the last page has no next link,
// and DESCENDING returns the same events newest first.
func TestLogsBoundedPagingThroughSDK(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := logClock(org, t0)
	var created []string
	for i := range 7 {
		clock.Store(t0.Add(time.Duration(i) * time.Minute).UnixNano())
		created = append(created, createLogUser(t, org, fmt.Sprintf("pager%d@acme.example", i)))
	}
	clock.Store(t0.Add(time.Hour).UnixNano())
	c := org.client(t)
	ctx := context.Background()
	read := func(order string) ([]string, int) {
		qp := query.NewQueryParams(query.WithLimit(3), query.WithSince(t0.Format(time.RFC3339)), query.WithUntil(t0.Add(30*time.Minute).Format(time.RFC3339)),
			query.WithFilter(`eventType eq "user.lifecycle.create"`), query.WithSortOrder(order))
		page, resp, err := c.LogEvent.GetLogs(ctx, qp)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		pages := 0
		for {
			pages++
			for _, e := range page {
				ids = append(ids, e.Target[0].Id)
			}
			if !resp.HasNextPage() {
				return ids, pages
			}
			if pages > 5 {
				t.Fatalf("%s: more than 5 pages for 7 events", order)
			}
			page = nil
			if resp, err = resp.Next(ctx, &page); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids, pages := read("ASCENDING")
	if strings.Join(ids, ",") != strings.Join(created, ",") || pages != 3 {
		t.Errorf("ASCENDING: %d pages %v, want 3 pages %v", pages, ids, created)
	}
	ids, _ = read("DESCENDING")
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	if strings.Join(ids, ",") != strings.Join(created, ",") {
		t.Errorf("DESCENDING reversed: %v, want %v", ids, created)
	}
	var nexts int
	for _, x := range org.recorded() {
		if x.path == "/api/v1/logs" && strings.Contains(x.rawQuery, "after=") {
			nexts++
			if !strings.Contains(x.rawQuery, "filter=") || !strings.Contains(x.rawQuery, "until=") {
				t.Errorf("a next page lost the request's query: %s", x.rawQuery)
			}
		}
	}
	if nexts != 4 {
		t.Errorf("%d requests followed a next link, want 4 (2 per order)", nexts)
	}
}

// A polling request (ASCENDING, no until) always has a next link, even on an empty page, and the link picks up
// events written after it was served.
func TestLogsPollingAlwaysHasNext(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	clock := logClock(org, t0)
	createLogUser(t, org, "poll1@acme.example")
	next := func(resp *http.Response) string {
		t.Helper()
		for _, l := range resp.Header.Values("Link") {
			if strings.HasSuffix(l, `rel="next"`) {
				u, _ := url.Parse(strings.TrimSuffix(strings.TrimPrefix(strings.Split(l, ";")[0], "<"), ">"))
				return u.RequestURI()
			}
		}
		return ""
	}
	var events []map[string]any
	resp := org.do(t, "GET", "/api/v1/logs?since="+url.QueryEscape(t0.Format(time.RFC3339)), "")
	link := next(resp)
	decodeJSON(t, resp, &events)
	if len(events) != 1 || link == "" {
		t.Fatalf("first poll: %d events, next %q; want 1 and a next link", len(events), link)
	}
	resp = org.do(t, "GET", link, "")
	link2 := next(resp)
	decodeJSON(t, resp, &events)
	if len(events) != 0 || link2 == "" {
		t.Fatalf("second poll: %d events, next %q; want none and a next link", len(events), link2)
	}
	clock.Store(t0.Add(time.Minute).UnixNano())
	id := createLogUser(t, org, "poll2@acme.example")
	decodeJSON(t, org.do(t, "GET", link2, ""), &events)
	if len(events) != 1 || obj(toAnySlice(events[0]["target"])[0])["id"] != id {
		t.Errorf("third poll: %v, want the event of %s", events, id)
	}
}

// since and until bound published (since defaults to 7 days before until); filter reaches into the target list
// and refuses published; q matches keywords anywhere in the event; bad input is Okta's 400.
func TestLogsWindowFilterAndKeywords(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	t0 := time.Now().UTC().Truncate(time.Second)
	clock := logClock(org, t0.Add(-8*24*time.Hour))
	old := createLogUser(t, org, "ancient@acme.example")
	clock.Store(t0.Add(-2 * time.Hour).UnixNano())
	early := createLogUser(t, org, "early@acme.example")
	clock.Store(t0.Add(-time.Hour).UnixNano())
	middle := createLogUser(t, org, "middle@acme.example")
	clock.Store(t0.UnixNano())
	org.do(t, "POST", "/api/v1/users/"+middle+"/lifecycle/activate?sendEmail=false", "")

	targets := func(q string) []string {
		t.Helper()
		var events []map[string]any
		resp := org.do(t, "GET", "/api/v1/logs?"+q, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", q, resp.StatusCode)
		}
		decodeJSON(t, resp, &events)
		var out []string
		for _, e := range events {
			out = append(out, fmt.Sprintf("%v:%v", e["eventType"], obj(toAnySlice(e["target"])[0])["id"]))
		}
		return out
	}
	if got := targets(""); len(got) != 3 || strings.Contains(strings.Join(got, ","), old) {
		t.Errorf("default window: %v, want the 3 events of the last 7 days", got)
	}
	window := url.Values{"since": {t0.Add(-90 * time.Minute).Format(time.RFC3339)}, "until": {t0.Add(-30 * time.Minute).Format(time.RFC3339)}}
	if got := targets(window.Encode()); strings.Join(got, ",") != "user.lifecycle.create:"+middle {
		t.Errorf("since/until: %v, want only %s's creation", got, middle)
	}
	since := url.Values{"since": {t0.Add(-9 * 24 * time.Hour).Format(time.RFC3339)}}
	if got := targets(since.Encode()); len(got) != 4 {
		t.Errorf("since 9 days ago: %v, want 4 events", got)
	}
	f := url.Values{"filter": {fmt.Sprintf(`target.id eq %q and eventType sw "user.lifecycle.act"`, middle)}}
	if got := targets(f.Encode()); strings.Join(got, ",") != "user.lifecycle.activate:"+middle {
		t.Errorf("filter on target.id: %v", got)
	}
	if got := targets(url.Values{"q": {"EARLY@acme"}}.Encode()); strings.Join(got, ",") != "user.lifecycle.create:"+early {
		t.Errorf("q: %v, want %s's creation", got, early)
	}
	if got := targets(url.Values{"q": {"middle lifecycle/activate"}}.Encode()); strings.Join(got, ",") != "user.lifecycle.activate:"+middle {
		t.Errorf("q with two keywords: %v, want only the event with both", got)
	}
	for _, bad := range []struct{ q, code string }{
		{url.Values{"filter": {`published gt "2026-01-01T00:00:00.000Z"`}}.Encode(), "E0000031"},
		{url.Values{"filter": {`eventType eq`}}.Encode(), "E0000031"},
		{url.Values{"until": {"yesterday"}}.Encode(), "E0000001"},
		{url.Values{"q": {strings.Repeat("k ", 11)}}.Encode(), "E0000001"},
		{"after=garbage", "E0000001"},
	} {
		var e apiError
		resp := org.do(t, "GET", "/api/v1/logs?"+bad.q, "")
		decodeJSON(t, resp, &e)
		if resp.StatusCode != http.StatusBadRequest || e.ErrorCode != bad.code {
			t.Errorf("%s: %d %s, want 400 %s", bad.q, resp.StatusCode, e.ErrorCode, bad.code)
		}
	}
}

// The v2 SDK decodes sign-in events: outcome and reason, client IP, targets.
func TestLogsSignInEventsDecodeInSDK(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(1)}))
	c := org.client(t)
	app := createSAMLApp(t, c, "Logs SDK")
	var users []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/users", ""), &users)
	login := obj(users[0]["profile"])["login"].(string)
	org.do(t, "POST", "/api/v1/apps/"+app.Id+"/users", fmt.Sprintf(`{"id":%q,"scope":"USER"}`, users[0]["id"]))
	org.srv.mu.Lock()
	rec := org.srv.st.Apps[app.Id]
	ssoPath := "/app/" + rec.Body["name"].(string) + "/" + rec.ExternalKey + "/sso/saml"
	org.srv.mu.Unlock()
	if status, _ := signInAt(t, org, ssoPath, login, "198.51.100.9", nil); status != http.StatusOK {
		t.Fatalf("sign-in: %d", status)
	}
	events, _, err := c.LogEvent.GetLogs(context.Background(), query.NewQueryParams(query.WithFilter(
		fmt.Sprintf(`eventType eq "user.authentication.sso" and target.id eq %q`, app.Id))))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	e := events[0]
	if e.Outcome.Result != "SUCCESS" || e.Client.IpAddress != "198.51.100.9" || e.Actor.AlternateId != login || e.Published == nil {
		t.Errorf("decoded event: outcome %+v, client %+v, actor %+v", e.Outcome, e.Client, e.Actor)
	}
	_ = []*okta.LogEvent{e} // the SDK's type, not a copy of it
}

// Okta's since and after are mutually exclusive, so next links carry no since; followed as they are (without the
// first request's query resent), a bounded read of more than the default 7 days still keeps to its window in
// both orders.
func TestLogsNextLinkHasNoSince(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := logClock(org, t0.Add(-time.Hour))
	createLogUser(t, org, "early@acme.example") // before the window
	var created []string
	for i := range 7 {
		clock.Store(t0.Add(time.Duration(i) * time.Minute).UnixNano())
		created = append(created, createLogUser(t, org, fmt.Sprintf("window%d@acme.example", i)))
	}
	clock.Store(t0.Add(11 * 24 * time.Hour).UnixNano())
	for _, order := range []string{"ASCENDING", "DESCENDING"} {
		q := url.Values{"since": {t0.Format(time.RFC3339)}, "until": {t0.Add(10 * 24 * time.Hour).Format(time.RFC3339)}, "limit": {"3"},
			"filter": {`eventType eq "user.lifecycle.create"`}, "sortOrder": {order}}
		link := "/api/v1/logs?" + q.Encode()
		var ids []string
		for pages := 0; link != ""; pages++ {
			if pages > 5 {
				t.Fatalf("%s: more than 5 pages for 7 events", order)
			}
			resp := org.do(t, "GET", link, "")
			link = ""
			for _, l := range resp.Header.Values("Link") {
				if strings.HasSuffix(l, `rel="next"`) {
					u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(strings.Split(l, ";")[0], "<"), ">"))
					if err != nil {
						t.Fatal(err)
					}
					if u.Query().Has("since") || !u.Query().Has("after") {
						t.Errorf("%s: next link %s has since or no after", order, u)
					}
					link = u.RequestURI()
				}
			}
			var events []map[string]any
			decodeJSON(t, resp, &events)
			for _, e := range events {
				ids = append(ids, obj(toAnySlice(e["target"])[0])["id"].(string))
			}
		}
		if order == "DESCENDING" {
			for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
		if strings.Join(ids, ",") != strings.Join(created, ",") {
			t.Errorf("%s: %v, want the window's %v", order, ids, created)
		}
	}
}
