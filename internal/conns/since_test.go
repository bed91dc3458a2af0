package conns

import (
	"context"
	"testing"
	"time"
)

// Callers asking from later times are answered from the first read; an earlier time reads again.
func TestSinceCache(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	stamps := []time.Time{base.Add(time.Minute), base.Add(2 * time.Minute), base.Add(3 * time.Minute)}
	var reads []time.Time
	read := func(_ context.Context, since time.Time) ([]time.Time, error) {
		reads = append(reads, since)
		var out []time.Time
		for _, s := range stamps {
			if s.After(since) {
				out = append(out, s)
			}
		}
		return out, nil
	}
	after := func(s, since time.Time) bool { return s.After(since) }
	var c SinceCache[time.Time]
	tests := []struct {
		since     time.Time
		wantItems int
		wantReads int
	}{
		{base.Add(90 * time.Second), 2, 1},  // first read
		{base.Add(150 * time.Second), 1, 1}, // later: filtered from the first
		{base.Add(90 * time.Second), 2, 1},  // the same time again
		{base, 3, 2},                        // earlier: read again
		{base.Add(2 * time.Minute), 1, 2},   // filtered from the second read
	}
	for i, tt := range tests {
		got, err := c.Get(context.Background(), tt.since, after, read)
		if err != nil || len(got) != tt.wantItems || len(reads) != tt.wantReads {
			t.Errorf("call %d (since %s): %d items and %d reads (%v), want %d and %d", i, tt.since, len(got), len(reads), err, tt.wantItems, tt.wantReads)
		}
	}
	c.Forget()
	if _, err := c.Get(context.Background(), base.Add(time.Hour), after, read); err != nil || len(reads) != 3 {
		t.Errorf("after Forget: %d reads, want 3", len(reads))
	}
}
