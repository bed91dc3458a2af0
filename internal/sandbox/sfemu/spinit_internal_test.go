package sfemu

import (
	"slices"
	"testing"
	"time"
)

// Outstanding AuthnRequests are per configuration, answered once and forgotten after authnRequestLifetime.
func TestIssuedRequests(t *testing.T) {
	t.Parallel()
	const cfgA, cfgB = "0LE000000000001AAA", "0LE000000000002AAA"
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := &issuedRequests{m: map[string]issuedRequest{}}
	r.add("id-a1", issuedRequest{configID: cfgA, acs: "https://acme.my.salesforce.com?so=00D000000000001"}, t0)
	r.add("id-a2", issuedRequest{configID: cfgA}, t0.Add(5*time.Minute))
	r.add("id-b1", issuedRequest{configID: cfgB}, t0)

	if got := r.pending(cfgA[:15], t0.Add(time.Minute)); !slices.Equal(sorted(got), []string{"id-a1", "id-a2"}) {
		t.Errorf("pending for A (by its 15-character id) = %v", got)
	}
	if got := r.pending(cfgB, t0.Add(time.Minute)); !slices.Equal(got, []string{"id-b1"}) {
		t.Errorf("pending for B = %v", got)
	}
	req, ok := r.consume("id-a1", t0.Add(2*time.Minute))
	if !ok || req.acs != "https://acme.my.salesforce.com?so=00D000000000001" {
		t.Errorf("consume id-a1 = %+v, %v", req, ok)
	}
	if _, ok := r.consume("id-a1", t0.Add(2*time.Minute)); ok {
		t.Error("id-a1 was consumed twice")
	}
	// id-b1 expires at t0+10m, id-a2 at t0+15m.
	later := t0.Add(authnRequestLifetime + time.Second)
	if got := r.pending(cfgB, later); len(got) != 0 {
		t.Errorf("an expired request is still pending: %v", got)
	}
	if _, ok := r.consume("id-a2", later); !ok {
		t.Error("id-a2 expired early")
	}
	if _, ok := r.consume("id-unknown", t0); ok {
		t.Error("a request never sent was consumed")
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
