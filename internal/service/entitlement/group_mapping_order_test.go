package entitlement

import (
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

func TestMovedOutOfBand(t *testing.T) {
	t.Parallel()
	t0, t1 := time.Date(2026, 2, 2, 11, 20, 43, 0, time.UTC), time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	// assignments builds an app's assignments from group ID, priority and whether it was written at t1.
	type g struct {
		id       string
		priority int
		written  bool
	}
	assignments := func(gs ...g) []okta.AppGroupAssignment {
		out := make([]okta.AppGroupAssignment, len(gs))
		for i, x := range gs {
			out[i] = okta.AppGroupAssignment{GroupID: x.id, Priority: x.priority, LastUpdated: t0}
			if x.written {
				out[i].LastUpdated = t1
			}
		}
		return out
	}
	// The baseline of group B, configured at 1, with A before it and C after it.
	base := &placeBaseline{Configured: 1, Groups: placement(assignments(g{"A", 0, false}, g{"B", 1, false}, g{"C", 2, false}))}
	cases := []struct {
		name string
		base *placeBaseline
		now  []okta.AppGroupAssignment
		want bool
	}{
		{"unchanged", base, assignments(g{"A", 0, false}, g{"B", 1, false}, g{"C", 2, false}), false},
		{"group added before: renumbered", base, assignments(g{"X", 0, true}, g{"A", 1, false}, g{"B", 2, false}, g{"C", 3, false}), false},
		{"group before removed: renumbered", base, assignments(g{"B", 0, false}, g{"C", 1, false}), false},
		{"B moved before A", base, assignments(g{"B", 0, true}, g{"A", 1, false}, g{"C", 2, false}), true},
		{"B moved after C", base, assignments(g{"A", 0, false}, g{"C", 1, false}, g{"B", 2, true}), true},
		{"C moved before B: C's move", base, assignments(g{"A", 0, false}, g{"C", 1, true}, g{"B", 2, false}), false},
		{"B rewritten in place after a renumbering", base, assignments(g{"X", 0, true}, g{"A", 1, false}, g{"B", 2, true}, g{"C", 3, false}), false},
		{"B and A both written, crossed: not told apart", base, assignments(g{"B", 0, true}, g{"A", 1, true}, g{"C", 2, false}), false},
		{"B moved, but to its configured number", &placeBaseline{Configured: 0, Groups: base.Groups},
			assignments(g{"B", 0, true}, g{"A", 1, false}, g{"C", 2, false}), false},
		{"no baseline", nil, assignments(g{"B", 0, true}, g{"A", 1, false}), false},
		{"B not in the baseline", &placeBaseline{Configured: 1, Groups: placement(assignments(g{"A", 0, false}))},
			assignments(g{"B", 0, true}, g{"A", 1, false}), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b *okta.AppGroupAssignment
			for i := range tc.now {
				if tc.now[i].GroupID == "B" {
					b = &tc.now[i]
				}
			}
			if got := movedOutOfBand(tc.base, b, placement(tc.now)); got != tc.want {
				t.Errorf("movedOutOfBand = %v, want %v", got, tc.want)
			}
		})
	}
}
