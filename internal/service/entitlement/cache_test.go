package entitlement

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// waitingCtx reports, by closing waiting, the first time a caller asks for Done: memo.get does so when
// it starts waiting for a read.
type waitingCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingCtx(parent context.Context) *waitingCtx {
	return &waitingCtx{Context: parent, waiting: make(chan struct{})}
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

type memoResult struct {
	val int
	err error
}

// A caller whose context is cancelled while it waits gets its context's error; the read it started
// goes on, under a context that is not cancelled, and the other caller gets the value.
func TestMemo_firstCallerCancels(t *testing.T) {
	t.Parallel()
	var m memo[int]
	started, release := make(chan struct{}), make(chan struct{})
	var reads atomic.Int32
	var startOnce sync.Once
	read := func(ctx context.Context) (int, error) {
		reads.Add(1)
		startOnce.Do(func() { close(started) })
		select {
		case <-release:
			return 42, ctx.Err()
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	firstCtx, cancelFirst := context.WithCancel(context.Background())
	first, second := make(chan memoResult, 1), make(chan memoResult, 1)
	go func() { v, err := m.get(firstCtx, "k", read); first <- memoResult{v, err} }()
	<-started
	secondCtx := newWaitingCtx(context.Background())
	go func() { v, err := m.get(secondCtx, "k", read); second <- memoResult{v, err} }()
	<-secondCtx.waiting // the second caller waits for the first caller's read

	cancelFirst()
	select {
	case r := <-first:
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("first caller = %d, %v; want context.Canceled", r.val, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled caller is still waiting for the read")
	}
	close(release)
	if r := <-second; r.err != nil || r.val != 42 {
		t.Errorf("second caller = %d, %v; want 42 from the shared read", r.val, r.err)
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads, want 1", n)
	}
	if v, err := m.get(context.Background(), "k", read); err != nil || v != 42 {
		t.Errorf("later caller = %d, %v; want the kept value", v, err)
	}
}

// When every caller has given up, the read is cancelled and not kept: the next caller reads afresh.
func TestMemo_allCallersCancel(t *testing.T) {
	t.Parallel()
	var m memo[int]
	var reads atomic.Int32
	stopped := make(chan struct{})
	read := func(ctx context.Context) (int, error) {
		reads.Add(1)
		<-ctx.Done()
		close(stopped)
		return 0, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := m.get(ctx, "k", read); done <- err }()
	for reads.Load() == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the read goes on with no caller waiting")
	}
	if v, err := m.get(context.Background(), "k", func(context.Context) (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Errorf("next caller = %d, %v; want a read of its own", v, err)
	}
}

// Each client has caches of its own, and they go with it: nothing read for one provider configuration
// stays after its clients are gone.
func TestCachesGoWithTheirClient(t *testing.T) {
	t.Parallel()
	a, b := new(salesforce.Client), new(salesforce.Client)
	if salesforceCache(a) == salesforceCache(b) || salesforceCache(a) != salesforceCache(a) {
		t.Fatal("two clients share a cache, or one client has two")
	}
	if oktaCache(new(okta.Client)) == oktaCache(new(okta.Client)) {
		t.Fatal("two Okta clients share a cache")
	}
	sfReads, oktaReads := weakCaches(t)
	deadline := time.Now().Add(10 * time.Second)
	for sfReads.Value() != nil || oktaReads.Value() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the caches of collected clients are still held")
		}
		runtime.GC()
		runtime.Gosched()
	}
}

// weakCaches fills the caches of two clients that nothing else holds and returns weak pointers to them.
func weakCaches(t *testing.T) (weak.Pointer[salesforceReads], weak.Pointer[oktaReads]) {
	t.Helper()
	sf, oc := new(salesforce.Client), new(okta.Client)
	profiles, err := salesforceCache(sf).profiles.get(context.Background(), "", func(context.Context) ([]salesforce.Profile, error) {
		return []salesforce.Profile{{ID: "00e1", Name: "Sales User"}}, nil
	})
	if err != nil || len(profiles) != 1 {
		t.Fatalf("profiles = %v, %v", profiles, err)
	}
	if _, err := oktaCache(oc).members.get(context.Background(), "00g1", func(context.Context) ([]okta.GroupMember, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	return weak.Make(salesforceCache(sf)), weak.Make(oktaCache(oc))
}
