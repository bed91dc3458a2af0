package transport

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// lowRemainingFraction is the share of X-Rate-Limit-Limit below which the governor starts pacing.
const lowRemainingFraction = 0.10

// governor paces requests per Okta rate-limit bucket.
//
// Rule: while a bucket's X-Rate-Limit-Remaining is at or above 10% of its X-Rate-Limit-Limit, requests
// go out at once. Below that, the requests still allowed are spread evenly over the time left until
// X-Rate-Limit-Reset: each request reserves the next slot, spaced (reset - now) / remaining apart, so
// parallel callers queue behind each other instead of spending the last few calls in a burst and then
// all hitting 429. With nothing remaining, the next slot is the reset itself.
type governor struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	limit, remaining int
	resetAt          time.Time // local clock, skew removed using the response Date
	nextSlot         time.Time
}

func newGovernor(now func() time.Time) *governor {
	return &governor{now: now, buckets: map[string]*bucket{}}
}

// reserve returns how long a request in bucket key must wait before it is sent.
func (g *governor) reserve(key string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[key]
	if b == nil || b.limit <= 0 {
		return 0
	}
	now := g.now()
	if !now.Before(b.resetAt) {
		// The window has rolled over; the next response tells us the new numbers.
		delete(g.buckets, key)
		return 0
	}
	if float64(b.remaining) >= lowRemainingFraction*float64(b.limit) {
		b.remaining--
		return 0
	}
	var interval time.Duration
	if b.remaining > 0 {
		interval = b.resetAt.Sub(now) / time.Duration(b.remaining)
	} else {
		interval = b.resetAt.Sub(now)
	}
	slot := b.nextSlot
	if slot.Before(now) {
		slot = now
	}
	if b.remaining <= 0 {
		slot = b.resetAt
	}
	b.nextSlot = slot.Add(interval)
	b.remaining--
	return slot.Sub(now)
}

// observe records the rate-limit headers of a response in bucket key.
func (g *governor) observe(key string, limitHdr, remainingHdr, resetHdr string, serverDate time.Time) {
	limit, err1 := strconv.Atoi(strings.TrimSpace(limitHdr))
	remaining, err2 := strconv.Atoi(strings.TrimSpace(remainingHdr))
	reset, ok := parseEpoch(resetHdr)
	if err1 != nil || err2 != nil || !ok {
		return
	}
	now := g.now()
	if serverDate.IsZero() {
		serverDate = now
	}
	resetAt := now.Add(reset.Sub(serverDate))
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[key]
	if b == nil {
		b = &bucket{}
		g.buckets[key] = b
	}
	b.limit, b.remaining, b.resetAt = limit, remaining, resetAt
}

func parseEpoch(v string) (time.Time, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// idSegment matches path segments that are object ids (Okta 20-char ids, Salesforce 15/18-char ids, key ids).
var idSegment = regexp.MustCompile(`^[A-Za-z0-9_-]{15,}$`)

var hasDigit = regexp.MustCompile(`[0-9]`)

// bucketKey is the method plus the path with ids replaced, e.g. "GET /api/v1/groups/{id}".
func bucketKey(method, path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if idSegment.MatchString(p) && hasDigit.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return method + " " + strings.Join(parts, "/")
}

// sforceUsage matches the api-usage part of Sforce-Limit-Info, e.g. "api-usage=18/5000; api-bursts=1/750".
var sforceUsage = regexp.MustCompile(`(?:^|[;,\s])api-usage=(\d+)/(\d+)`)

// parseSforceLimitInfo reads Sforce-Limit-Info; ok is false when the header has no api-usage.
func parseSforceLimitInfo(v string) (used, max int, ok bool) {
	m := sforceUsage.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	used, err1 := strconv.Atoi(m[1])
	max, err2 := strconv.Atoi(m[2])
	return used, max, err1 == nil && err2 == nil
}
