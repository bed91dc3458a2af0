package conns

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent readers of one key share one read; a failed read is retried by the next caller; forget
// makes the next caller read again.
func TestMemo(t *testing.T) {
	t.Parallel()
	var m Memo[int]
	var reads atomic.Int32
	release := make(chan struct{})
	read := func(context.Context) (int, error) {
		<-release
		return int(reads.Add(1)), nil
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = m.Get(ctx, "k", read)
		}()
	}
	close(release)
	wg.Wait()
	if reads.Load() != 1 {
		t.Errorf("%d reads for 8 concurrent callers, want 1", reads.Load())
	}
	for _, r := range results {
		if r != 1 {
			t.Errorf("a caller got %d, want the shared value 1", r)
		}
	}
	boom := errors.New("boom")
	if _, err := m.Get(ctx, "bad", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if v, err := m.Get(ctx, "bad", func(context.Context) (int, error) { return 5, nil }); err != nil || v != 5 {
		t.Errorf("a failed read was kept: %v, %v", v, err)
	}
	m.Forget("k")
	if v, _ := m.Get(ctx, "k", read); v != 2 {
		t.Errorf("after forget got %d, want a new read (2)", v)
	}
}

// waitingCtx reports, by closing waiting, the first time a caller asks for Done: Memo.Get does so when
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
	var m Memo[int]
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
	go func() { v, err := m.Get(firstCtx, "k", read); first <- memoResult{v, err} }()
	<-started
	secondCtx := newWaitingCtx(context.Background())
	go func() { v, err := m.Get(secondCtx, "k", read); second <- memoResult{v, err} }()
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
	if v, err := m.Get(context.Background(), "k", read); err != nil || v != 42 {
		t.Errorf("later caller = %d, %v; want the kept value", v, err)
	}
}

// When every caller has given up, the read is cancelled and not kept: the next caller reads afresh.
func TestMemo_allCallersCancel(t *testing.T) {
	t.Parallel()
	var m Memo[int]
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
	go func() { _, err := m.Get(ctx, "k", read); done <- err }()
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
	if v, err := m.Get(context.Background(), "k", func(context.Context) (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Errorf("next caller = %d, %v; want a read of its own", v, err)
	}
}
