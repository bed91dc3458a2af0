package conns

import (
	"context"
	"sync"
)

// Memo holds values read once per key and shared by every caller: concurrent callers of a key that is
// being read wait for that read instead of issuing their own. Failed reads are not kept. The zero Memo is
// empty and ready to use.
type Memo[V any] struct {
	mu      sync.Mutex
	entries map[string]*memoEntry[V]
}

type memoEntry[V any] struct {
	done    chan struct{} // closed when val and err are set
	val     V
	err     error
	waiters int                // callers waiting on done; when the last one gives up, the read is cancelled
	cancel  context.CancelFunc // cancels the read
}

// Get returns key's value, reading it with read if no earlier or concurrent caller has. The read runs on its
// own, under the first caller's context values but not its cancellation: a caller whose context ends stops
// waiting and gets its context's error without failing the others, and the read is cancelled only once no
// caller waits for it.
func (m *Memo[V]) Get(ctx context.Context, key string, read func(context.Context) (V, error)) (V, error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*memoEntry[V]{}
	}
	e, ok := m.entries[key]
	if !ok {
		readCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		e = &memoEntry[V]{done: make(chan struct{}), cancel: cancel}
		m.entries[key] = e
		go m.run(readCtx, key, e, read)
	}
	e.waiters++
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		m.leave(key, e)
		var zero V
		return zero, ctx.Err()
	}
}

// run reads key's value for e and publishes it to e's waiters.
func (m *Memo[V]) run(ctx context.Context, key string, e *memoEntry[V], read func(context.Context) (V, error)) {
	val, err := read(ctx)
	m.mu.Lock()
	e.val, e.err = val, err
	if err != nil && m.entries[key] == e {
		delete(m.entries, key)
	}
	close(e.done)
	m.mu.Unlock()
	e.cancel()
}

// leave records that a waiter gave up; the last one to leave a read still in flight cancels it and drops it,
// so that the next caller starts a read of its own.
func (m *Memo[V]) leave(key string, e *memoEntry[V]) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.waiters--
	select {
	case <-e.done:
		return
	default:
	}
	if e.waiters == 0 {
		if m.entries[key] == e {
			delete(m.entries, key)
		}
		e.cancel()
	}
}

// Forget drops key so that the next Get reads it again.
func (m *Memo[V]) Forget(key string) {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
}

// ForgetAll drops every key.
func (m *Memo[V]) ForgetAll() {
	m.mu.Lock()
	clear(m.entries)
	m.mu.Unlock()
}

// Len is the number of keys held or being read.
func (m *Memo[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
