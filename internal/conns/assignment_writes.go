package conns

import "sync"

// AssignmentWrites tracks, per app, the priorities this configuration's group assignment writes ask Okta
// for, so that a write can tell whether Okta may have renumbered the app's groups behind the back of the
// cached list (which Okta does when a write takes a priority another group holds, and only then). The
// zero AssignmentWrites is ready to use.
type AssignmentWrites struct {
	mu   sync.Mutex
	apps map[string]*appWrites
}

type appWrites struct {
	explicit    map[int]int // priority asked for → writes in flight
	appended    int         // writes in flight that let Okta append the group (the next free priority)
	renumbering bool        // a write may have renumbered the app's groups
}

// Begin records a write of app's group assignment that asks for priority (nil: Okta appends a new group,
// or keeps an existing one's). held reports whether another group holds a priority as far as the caller
// knows, and highest is the highest priority any group holds (-1 for none). The write may renumber the
// app's groups when its priority is held, asked for by another write in flight, or beyond highest while
// an appending write is in flight (or the other way round); Renumbering then says so for the rest of the
// configuration's life. Call the returned end when the write has its answer.
func (w *AssignmentWrites) Begin(appID string, priority *int, held func(int) bool, highest int) (end func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.apps == nil {
		w.apps = map[string]*appWrites{}
	}
	a := w.apps[appID]
	if a == nil {
		a = &appWrites{explicit: map[int]int{}}
		w.apps[appID] = a
	}
	if priority == nil {
		for p, n := range a.explicit {
			a.renumbering = a.renumbering || (n > 0 && p > highest)
		}
		a.appended++
		return func() { w.mu.Lock(); a.appended--; w.mu.Unlock() }
	}
	p := *priority
	a.renumbering = a.renumbering || held(p) || a.explicit[p] > 0 || (a.appended > 0 && p > highest)
	a.explicit[p]++
	return func() { w.mu.Lock(); a.explicit[p]--; w.mu.Unlock() }
}

// NoteRenumbering records that Okta may have renumbered app's groups (a write's answer showed a priority
// the cached list gave another group).
func (w *AssignmentWrites) NoteRenumbering(appID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.apps == nil {
		w.apps = map[string]*appWrites{}
	}
	if a := w.apps[appID]; a != nil {
		a.renumbering = true
		return
	}
	w.apps[appID] = &appWrites{explicit: map[int]int{}, renumbering: true}
}

// Renumbering reports whether a write of app's group assignments in this configuration may have made Okta
// renumber the app's groups.
func (w *AssignmentWrites) Renumbering(appID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	a := w.apps[appID]
	return a != nil && a.renumbering
}

// Settled reports whether no write of app's group assignments is in flight and none may have renumbered
// the app's groups: the numbers of the cached list are then Okta's.
func (w *AssignmentWrites) Settled(appID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	a := w.apps[appID]
	if a == nil {
		return true
	}
	if a.renumbering || a.appended > 0 {
		return false
	}
	for _, n := range a.explicit {
		if n > 0 {
			return false
		}
	}
	return true
}
