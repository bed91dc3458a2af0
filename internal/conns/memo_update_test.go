package conns

import (
	"context"
	"errors"
	"testing"
)

// Update changes a held value without a read; it forgets a value it cannot update, a failed read and a
// read still in flight (which may not see the write); a key never read stays unread.
func TestMemoUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reads := 0
	read := func(context.Context) (int, error) { reads++; return 10 * reads, nil }
	add := func(n int) func(int) (int, bool) { return func(v int) (int, bool) { return v + n, true } }

	var m Memo[int]
	m.Update("k", add(1)) // not held: nothing to update, nothing read
	if m.Len() != 0 || reads != 0 {
		t.Fatalf("Update of a key never read: %d keys, %d reads", m.Len(), reads)
	}
	if v, _ := m.Get(ctx, "k", read); v != 10 {
		t.Fatalf("first Get = %d, want 10", v)
	}
	m.Update("k", add(1))
	m.Update("k", add(2))
	if v, _ := m.Get(ctx, "k", read); v != 13 || reads != 1 {
		t.Fatalf("Get after two updates = %d with %d reads, want 13 with 1", v, reads)
	}
	m.Update("k", func(int) (int, bool) { return 0, false })
	if v, _ := m.Get(ctx, "k", read); v != 20 || reads != 2 {
		t.Fatalf("Get after an update that could not say = %d with %d reads, want a new read (20, 2)", v, reads)
	}

	// A failed read is not held, so there is nothing to update.
	var failed Memo[int]
	_, _ = failed.Get(ctx, "k", func(context.Context) (int, error) { return 0, errors.New("down") })
	failed.Update("k", add(1))
	if failed.Len() != 0 {
		t.Fatalf("a failed read is held after Update")
	}

	// A read in flight is forgotten: its waiter gets what it read, the next caller reads again.
	var inFlight Memo[int]
	started, release := make(chan struct{}), make(chan struct{})
	got := make(chan int)
	go func() {
		v, _ := inFlight.Get(ctx, "k", func(context.Context) (int, error) { close(started); <-release; return 1, nil })
		got <- v
	}()
	<-started
	inFlight.Update("k", add(100))
	close(release)
	if v := <-got; v != 1 {
		t.Fatalf("the waiter of the read in flight got %d, want what it read (1)", v)
	}
	if v, _ := inFlight.Get(ctx, "k", func(context.Context) (int, error) { return 2, nil }); v != 2 {
		t.Fatalf("Get after an update during a read = %d, want a new read (2)", v)
	}
}
