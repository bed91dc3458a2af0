package conns

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// fakeUserOrg answers UserQueries as Salesforce would for its users: the IN query matches Federation IDs
// case-insensitively and keys its answer by the ID held; the list holds every federated user.
type fakeUserOrg struct {
	users        map[string]salesforce.FederatedUser // by the Federation ID held
	count        int                                 // the org's user count; 0: the run has not read it
	inQueries    atomic.Int32
	lists        atomic.Int32
	failLists    atomic.Bool
	listStarted  chan struct{} // when set, each list signals it started and waits for release
	releaseLists chan struct{}
}

func newFakeUserOrg(n, count int) *fakeUserOrg {
	f := &fakeUserOrg{users: map[string]salesforce.FederatedUser{}, count: count}
	for i := range n {
		fid := fmt.Sprintf("u%04d@x", i)
		if i == 7 {
			fid = "Mixed.Case@X"
		}
		f.users[fid] = salesforce.FederatedUser{ID: fmt.Sprintf("005%012d", i), FederationID: fid, IsActive: i%5 != 0}
	}
	return f
}

func (f *fakeUserOrg) queries() UserQueries {
	return UserQueries{
		ByFederationID: func(_ context.Context, fids []string) (map[string]salesforce.FederatedUser, error) {
			f.inQueries.Add(int32(salesforce.FederationIDQueries(fids)))
			out := map[string]salesforce.FederatedUser{}
			for _, fid := range fids {
				for held, u := range f.users {
					if strings.EqualFold(held, fid) {
						out[held] = u
					}
				}
			}
			return out, nil
		},
		All: func(context.Context) (map[string]salesforce.FederatedUser, error) {
			f.lists.Add(1)
			if f.listStarted != nil {
				f.listStarted <- struct{}{}
				<-f.releaseLists
			}
			if f.failLists.Load() {
				return nil, errors.New("timeout")
			}
			return maps.Clone(f.users), nil
		},
		UserCount: func() (int, bool) { return f.count, f.count > 0 },
	}
}

// fids are n Federation IDs of the fake org from first, with a case variant and an unknown one.
func fids(first, n int) []string {
	out := []string{"mixed.case@x", "Mixed.Case@X", "nobody@x"}
	for i := first; i < first+n; i++ {
		out = append(out, fmt.Sprintf("u%04d@x", i))
	}
	return out
}

// A lookup lists every federated user when the org's user count says the list is one page (as cheap as one
// IN query), or the lookup needs several IN batches and the list costs at most twice as many pages; every
// later lookup is then answered from the list, with the same users the IN queries find. Otherwise the IN
// queries run.
func TestUserLookupsListAll(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		count          int // the org's users (0: not read this run)
		asked          int // Federation IDs of the first lookup
		lists, queries int32
	}{
		{name: "two batches, three pages", count: 5000, asked: 400, lists: 1},
		{name: "two batches, four pages", count: 8000, asked: 400, lists: 1},
		{name: "two batches, five pages", count: 8001, asked: 400, queries: 2 + 1},
		{name: "one batch, one page", count: 100, asked: 200, lists: 1},
		{name: "one batch, two pages", count: 2001, asked: 200, queries: 1 + 1},
		{name: "user count not read", asked: 400, queries: 2 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeUserOrg(1000, tc.count)
			var l UserLookups
			ctx := context.Background()
			first, err := l.Lookup(ctx, fids(0, tc.asked), f.queries())
			if err != nil {
				t.Fatal(err)
			}
			later, err := l.Lookup(ctx, fids(tc.asked-10, 50), f.queries()) // 40 IDs not asked before
			if err != nil {
				t.Fatal(err)
			}
			if f.lists.Load() != tc.lists || f.inQueries.Load() != tc.queries {
				t.Errorf("%d lists and %d IN queries, want %d and %d", f.lists.Load(), f.inQueries.Load(), tc.lists, tc.queries)
			}
			// What the IN queries alone find, for the same IDs.
			reference := newFakeUserOrg(1000, 0)
			var byIN UserLookups
			for i, got := range []map[string]salesforce.FederatedUser{first, later} {
				asked := [][]string{fids(0, tc.asked), fids(tc.asked-10, 50)}[i]
				want, _ := byIN.Lookup(ctx, asked, reference.queries())
				if !maps.Equal(got, want) {
					t.Errorf("lookup %d: %d users, the IN queries find %d", i+1, len(got), len(want))
				}
				if _, ok := got["mixed.case@x"]; ok || got["Mixed.Case@X"].ID == "" || got["nobody@x"].ID != "" {
					t.Errorf("lookup %d: matched %v, want the exact Federation ID only", i+1, got["mixed.case@x"])
				}
			}
		})
	}
}

// A write of users forgets the list: the next lookup reads the users again. A failed list keeps nothing.
func TestUserLookupsListForgotten(t *testing.T) {
	t.Parallel()
	f := newFakeUserOrg(1000, 5000)
	var l UserLookups
	ctx := context.Background()
	f.failLists.Store(true)
	if _, err := l.Lookup(ctx, fids(0, 400), f.queries()); err == nil || l.Len() != 0 || l.complete {
		t.Fatalf("a failed list: err %v, %d kept", err, l.Len())
	}
	f.failLists.Store(false)
	if _, err := l.Lookup(ctx, fids(0, 400), f.queries()); err != nil || !l.complete {
		t.Fatalf("lookup: %v, complete %v", err, l.complete)
	}
	l.forget()
	f.users["new@x"] = salesforce.FederatedUser{ID: "005new", FederationID: "new@x", IsActive: true}
	got, err := l.Lookup(ctx, []string{"new@x"}, f.queries()) // one batch: queried by IN
	if err != nil || got["new@x"].ID != "005new" || f.lists.Load() != 2 || f.inQueries.Load() != 1 {
		t.Errorf("after forget: %v, %v; %d lists, %d IN queries; want the new user by one IN query", got, err, f.lists.Load(), f.inQueries.Load())
	}
	if _, err := l.Lookup(ctx, fids(0, 400), f.queries()); err != nil || f.lists.Load() != 3 {
		t.Errorf("after forget, a large lookup listed %d times in all, want 3", f.lists.Load())
	}
}

// Concurrent large lookups share one list: the others wait for it.
func TestUserLookupsOneListAtATime(t *testing.T) {
	t.Parallel()
	f := newFakeUserOrg(1000, 5000)
	f.listStarted, f.releaseLists = make(chan struct{}, 8), make(chan struct{}) // a second list would not block
	var l UserLookups
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]map[string]salesforce.FederatedUser, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = l.Lookup(ctx, fids(i*50, 400), f.queries())
		}()
	}
	<-f.listStarted
	close(f.releaseLists)
	wg.Wait()
	if f.lists.Load() != 1 || f.inQueries.Load() != 0 {
		t.Errorf("%d lists and %d IN queries for 8 concurrent lookups, want one list", f.lists.Load(), f.inQueries.Load())
	}
	reference := newFakeUserOrg(1000, 0)
	for i, got := range results {
		var byIN UserLookups
		if want, _ := byIN.Lookup(ctx, fids(i*50, 400), reference.queries()); len(got) == 0 || !maps.Equal(got, want) {
			t.Errorf("lookup %d found %d users, the IN queries %d", i, len(got), len(want))
		}
	}
}

// Peek answers a completed read only.
func TestMemoPeek(t *testing.T) {
	t.Parallel()
	var m Memo[int]
	if _, ok := m.Peek("k"); ok {
		t.Error("peek of a key never read")
	}
	_, _ = m.Get(context.Background(), "bad", func(context.Context) (int, error) { return 0, errors.New("boom") })
	if _, ok := m.Peek("bad"); ok {
		t.Error("peek of a failed read")
	}
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_, _ = m.Get(context.Background(), "k", func(context.Context) (int, error) { close(started); <-release; return 7, nil })
	}()
	<-started
	if _, ok := m.Peek("k"); ok {
		t.Error("peek answered a read in flight")
	}
	close(release)
	<-done
	if v, ok := m.Peek("k"); !ok || v != 7 {
		t.Errorf("peek = %d, %v; want 7", v, ok)
	}
}
