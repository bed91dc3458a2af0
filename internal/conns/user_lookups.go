package conns

import (
	"context"
	"sync"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// UserLookups are users looked up by Federation ID, each ID queried once until forgotten. A lookup that
// would take several IN queries lists every federated user instead when that costs about as much (see
// listAll); every later lookup is then answered from that list, until forgotten.
type UserLookups struct {
	mu    sync.Mutex
	users map[string]*salesforce.FederatedUser // nil value: no such user
	// complete: users holds every federated user of the org, so a Federation ID not in it has none.
	complete bool
}

// UserQueries are how UserLookups reads an org's users.
type UserQueries struct {
	// ByFederationID finds the users of some Federation IDs (salesforce.Client.UsersByFederationID).
	ByFederationID func(context.Context, []string) (map[string]salesforce.FederatedUser, error)
	// All lists every user with a Federation ID, keyed as ByFederationID keys its answer
	// (salesforce.Client.AllUsersByFederationID); nil: never list them all.
	All func(context.Context) (map[string]salesforce.FederatedUser, error)
	// UserCount is the org's user count when this run has read it already (the user marker): what All reads
	// is at most that many rows.
	UserCount func() (int, bool)
}

// listAll says whether q lists every federated user rather than query the missing IDs: when the list,
// bounded by the org's user count, is one page (as cheap as one IN query), or when the IN query needs
// several batches and the list takes at most twice as many pages. One list then answers the lookups of
// every binding in the run.
func (q UserQueries) listAll(missing []string) bool {
	if q.All == nil || q.UserCount == nil {
		return false
	}
	users, known := q.UserCount()
	if !known {
		return false
	}
	pages, batches := salesforce.QueryPages(users), salesforce.FederationIDQueries(missing)
	return pages == 1 || batches >= 2 && pages <= 2*batches
}

// Lookup returns the users of the given Federation IDs (matched exactly, as the callers key them), reading
// with q only the IDs no earlier call has looked up. One lookup runs at a time, so that two callers never
// query the same IDs, nor list the users twice.
func (l *UserLookups) Lookup(ctx context.Context, fids []string, q UserQueries) (map[string]salesforce.FederatedUser, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.users == nil {
		l.users = map[string]*salesforce.FederatedUser{}
	}
	var missing []string
	if !l.complete {
		for _, fid := range fids {
			if _, known := l.users[fid]; !known {
				missing = append(missing, fid)
			}
		}
	}
	switch {
	case len(missing) == 0:
	case q.listAll(missing):
		all, err := q.All(ctx)
		if err != nil {
			return nil, err
		}
		l.users = make(map[string]*salesforce.FederatedUser, len(all))
		for fid, u := range all {
			l.users[fid] = &u
		}
		l.complete = true
	default:
		found, err := q.ByFederationID(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, fid := range missing {
			l.users[fid] = nil
		}
		// Keyed by the Federation ID Salesforce holds, which may differ in case from the one asked for
		// (SOQL compares case-insensitively): kept under it, found only by a caller asking for it.
		for fid, u := range found {
			l.users[fid] = &u
		}
	}
	out := make(map[string]salesforce.FederatedUser, len(fids))
	for _, fid := range fids {
		if u := l.users[fid]; u != nil {
			out[fid] = *u
		}
	}
	return out, nil
}

// Len is the number of Federation IDs looked up and kept.
func (l *UserLookups) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
}

// forget drops every lookup and the list; it waits for one in flight, so that its results are dropped too.
func (l *UserLookups) forget() {
	l.mu.Lock()
	l.users, l.complete = nil, false
	l.mu.Unlock()
}
