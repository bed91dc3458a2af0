package entitlement

import (
	"context"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// A write's answer goes into the app's cached list: a new group is added, a rewritten one replaced, a
// deleted one taken out, all without a read; an answer at a priority the list gives another group means
// Okta renumbered the others, so the list is forgotten (the next look reads it) and the app's later
// writes take their order from a list read after them.
func TestNoteAssignment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 2, 2, 11, 20, 43, 0, time.UTC)
	c := &conns.Clients{}
	lists := 0
	list := func(context.Context) ([]okta.AppGroupAssignment, error) {
		lists++
		return []okta.AppGroupAssignment{{GroupID: "A", Priority: 0, LastUpdated: t0}, {GroupID: "B", Priority: 1, LastUpdated: t0}}, nil
	}
	cached := func() []okta.AppGroupAssignment {
		all, err := c.Caches.Okta.AppGroupAssignments.Get(ctx, "app", list)
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	order := func() string {
		s := ""
		for _, g := range placement(cached()) {
			s += g.ID
		}
		return s
	}
	cached()
	noteAssignment(c, "app", okta.AppGroupAssignment{GroupID: "C", Priority: 2, LastUpdated: t0.Add(time.Second)})
	noteAssignment(c, "app", okta.AppGroupAssignment{GroupID: "A", Priority: 3, LastUpdated: t0.Add(2 * time.Second)})
	if got := order(); got != "BCA" || lists != 1 {
		t.Fatalf("after adding C and moving A to a free priority: order %s with %d lists, want BCA with 1", got, lists)
	}
	noteUnassigned(c, "app", "B")
	if got := order(); got != "CA" || lists != 1 {
		t.Fatalf("after deleting B: order %s with %d lists, want CA with 1", got, lists)
	}
	if c.Caches.AssignmentWrites.Renumbering("app") {
		t.Fatal("renumbering without a write at a held priority")
	}
	noteAssignment(c, "app", okta.AppGroupAssignment{GroupID: "D", Priority: 2, LastUpdated: t0.Add(3 * time.Second)})
	if got := order(); got != "AB" || lists != 2 {
		t.Fatalf("after D took C's priority: order %s with %d lists, want Okta's list read again (AB, 2)", got, lists)
	}
	if !c.Caches.AssignmentWrites.Renumbering("app") {
		t.Fatal("a write at a held priority did not mark the app's order as renumbered")
	}
}
