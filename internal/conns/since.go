package conns

import (
	"context"
	"sync"
	"time"
)

// SinceCache keeps the answer to "what changed since t" for the one t read so far, and answers any later
// t' ≥ t from it: the changes since t' are those of the changes since t that are not older than t'. A
// t' < t is read and replaces it. So callers that each ask from their own time cost one or two reads.
type SinceCache[T any] struct {
	mu    sync.Mutex
	read  bool
	since time.Time
	items []T
}

// Get returns the items changed since since: keep(item, since) says whether an item read for an earlier
// time is one of them; read reads them for a time.
func (c *SinceCache[T]) Get(ctx context.Context, since time.Time, keep func(item T, since time.Time) bool,
	read func(context.Context, time.Time) ([]T, error)) ([]T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.read || since.Before(c.since) {
		items, err := read(ctx, since)
		if err != nil {
			return nil, err
		}
		c.read, c.since, c.items = true, since, items
	}
	out := make([]T, 0, len(c.items))
	for _, it := range c.items {
		if keep(it, since) {
			out = append(out, it)
		}
	}
	return out, nil
}

// Forget drops what was read; it waits for a read in flight.
func (c *SinceCache[T]) Forget() {
	c.mu.Lock()
	c.read, c.items = false, nil
	c.mu.Unlock()
}
