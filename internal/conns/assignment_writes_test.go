package conns

import "testing"

// A write may renumber the app's groups when it asks for a priority another group holds or another write
// in flight asks for, or one beyond the highest while a write appending a group is in flight; Renumbering
// stays set for the configuration's life, per app.
func TestAssignmentWrites(t *testing.T) {
	t.Parallel()
	at := func(p int) *int { return &p }
	heldBy := func(ps ...int) func(int) bool {
		return func(p int) bool {
			for _, q := range ps {
				if q == p {
					return true
				}
			}
			return false
		}
	}
	type write struct {
		priority *int
		done     bool // the write has its answer before the next begins
	}
	cases := []struct {
		name    string
		held    []int
		highest int
		writes  []write
		want    bool
	}{
		{"free priorities, concurrent", []int{0, 1}, 1, []write{{at(2), false}, {at(3), false}, {at(7), false}}, false},
		{"a held priority", []int{0, 1}, 1, []write{{at(1), true}}, true},
		{"two writes in flight ask for one priority", nil, -1, []write{{at(4), false}, {at(4), false}}, true},
		{"one priority asked for twice, one after the other", nil, -1, []write{{at(4), true}, {at(5), true}}, false},
		{"appending in flight, then beyond the highest", []int{0}, 0, []write{{nil, false}, {at(1), false}}, true},
		{"beyond the highest in flight, then appending", []int{0}, 0, []write{{at(1), false}, {nil, false}}, true},
		{"appending, and a free priority below the highest", []int{0, 2}, 2, []write{{nil, false}, {at(1), false}}, false},
		{"appending after the others answered", []int{0}, 0, []write{{at(1), true}, {nil, false}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var w AssignmentWrites
			for _, wr := range tc.writes {
				end := w.Begin("app", wr.priority, heldBy(tc.held...), tc.highest)
				if wr.done {
					end()
				}
			}
			if got := w.Renumbering("app"); got != tc.want {
				t.Errorf("Renumbering = %v, want %v", got, tc.want)
			}
			if w.Renumbering("other") {
				t.Error("another app is renumbering")
			}
		})
	}
}

// Settled: no write in flight and none that may have renumbered.
func TestAssignmentWritesSettled(t *testing.T) {
	t.Parallel()
	var w AssignmentWrites
	free := func(int) bool { return false }
	p := 3
	if !w.Settled("app") {
		t.Fatal("an app without writes is not settled")
	}
	end := w.Begin("app", &p, free, 2)
	if w.Settled("app") {
		t.Fatal("settled with a write in flight")
	}
	end()
	if !w.Settled("app") {
		t.Fatal("not settled after a write at a free priority answered")
	}
	end = w.Begin("app", nil, free, 3)
	if w.Settled("app") {
		t.Fatal("settled with an appending write in flight")
	}
	end()
	w.NoteRenumbering("app")
	if w.Settled("app") {
		t.Fatal("settled after a renumbering")
	}
}
