package entitlement

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/markers"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// A binding keeps in its private state what its last read established (members, ready users, holders)
// with the change markers read before that read; the next read compares the markers of this run with them
// and re-reads only what moved. A plan of many bindings then costs a constant number of requests.

// runMarkers are the markers of this run (one read of each per run, shared by all bindings), read before
// any data they cover.
type runMarkers struct {
	org         string // Organization ID
	groups      okta.GroupMarkers
	users       salesforce.DatedMarker
	assignments salesforce.AssignmentMarkerSet
}

func readRunMarkers(ctx context.Context, c *conns.Clients, org *conns.Org) (runMarkers, error) {
	var mk runMarkers
	facts, err := org.Client.Facts(ctx) // read once per client, with the names
	if err != nil {
		return mk, err
	}
	mk.org = facts.ID
	if mk.groups, err = c.Caches.Okta.GroupMarkers.Get(ctx, "", func(ctx context.Context) (okta.GroupMarkers, error) {
		return c.Okta.ListGroupMarkers(ctx)
	}); err != nil {
		return mk, err
	}
	if mk.users, err = org.Reads.UserMarker.Get(ctx, "", org.Client.UserMarker); err != nil {
		return mk, err
	}
	mk.assignments, err = org.Reads.AssignmentMarkers.Get(ctx, "", org.Client.AssignmentMarkers)
	return mk, err
}

// syncer reads what a binding needs, from scratch or from its markers.
type syncer struct {
	c      *conns.Clients
	org    *conns.Org
	m      *bindingModel
	target salesforce.AssignmentTarget
}

// sync establishes the binding's desired, ready and waiting Federation IDs (and holders, with
// wantHolders) and returns the markers that record them. prior are the markers of the last read (nil: none).
func (s *syncer) sync(ctx context.Context, prior *bindingMarkers, wantHolders bool, diags *diag.Diagnostics) (bindingView, *bindingMarkers, bool) {
	mk, err := readRunMarkers(ctx, s.c, s.org)
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Change Markers"), fmt.Sprintf("%s: %s", bindingID(s.m), err))
		return bindingView{}, nil, false
	}
	if mk.groups.Date.IsZero() { // Okta gave no clock: read everything, and keep no markers to build on
		view, _, ok := s.full(ctx, mk, wantHolders, diags)
		return view, nil, ok
	}
	if !s.usable(prior, mk) {
		return s.full(ctx, mk, wantHolders, diags)
	}
	return s.incremental(ctx, mk, prior, wantHolders, diags)
}

// usable: the markers were made for this configuration, target and org, recently enough.
func (s *syncer) usable(prior *bindingMarkers, mk runMarkers) bool {
	if prior == nil || time.Since(prior.Taken) > markerRetention || prior.Org != mk.org || prior.Attribute != s.m.FederationIDAttribute.ValueString() ||
		prior.Target != salesforce.TargetKey(s.target) || prior.Ready == nil {
		return false
	}
	gids, _ := setStrings(s.m.GroupIDs)
	if len(gids) != len(prior.Groups) {
		return false
	}
	for _, gid := range gids {
		if prior.Groups[gid] == nil {
			return false
		}
	}
	return true
}

// newMarkers starts the record of a read made after the run's markers mk.
func (s *syncer) newMarkers(mk runMarkers) *bindingMarkers {
	assignments := mk.assignments.ByTarget[salesforce.TargetKey(s.target)]
	if mk.assignments.Partial {
		assignments = salesforce.Marker{Count: -1} // no aggregate ever counts this: the holders are listed again
	}
	return &bindingMarkers{
		Taken: time.Now().UTC(), Org: mk.org, Attribute: s.m.FederationIDAttribute.ValueString(), Target: salesforce.TargetKey(s.target),
		Groups: map[string]*groupFacts{}, OktaSince: mk.groups.Date.Add(-oktaSinceMargin),
		Users: mk.users.Marker, UsersDate: mk.users.Date, Assignments: assignments,
		Holders: map[string]string{}, Ready: map[string]string{},
	}
}

// full reads everything as a binding without markers does.
func (s *syncer) full(ctx context.Context, mk runMarkers, wantHolders bool, diags *diag.Diagnostics) (bindingView, *bindingMarkers, bool) {
	// The next search starts oktaSinceMargin before Okta's Date, as after an incremental read: a user
	// changed just before the members were read may not be in the search index yet, and search is
	// eventually consistent however the members were read.
	rec := s.newMarkers(mk)
	gids, _ := setStrings(s.m.GroupIDs)
	for _, gid := range gids {
		g, ok := s.readGroup(ctx, mk, gid, diags)
		if !ok {
			return bindingView{}, nil, false
		}
		rec.Groups[gid] = g
	}
	desired := rec.desired()
	users, ok := s.lookUp(ctx, desired, diags)
	if !ok {
		return bindingView{}, nil, false
	}
	for _, fid := range withActiveUser(desired, users) {
		rec.Ready[fid] = users[fid].ID
	}
	if wantHolders {
		if !s.listHolders(ctx, rec, diags) {
			return bindingView{}, nil, false
		}
	}
	return rec.view(wantHolders), rec, true
}

// incremental re-reads what the run's markers say moved since prior.
func (s *syncer) incremental(ctx context.Context, mk runMarkers, prior *bindingMarkers, wantHolders bool, diags *diag.Diagnostics) (bindingView, *bindingMarkers, bool) {
	rec := s.newMarkers(mk)
	// markerRetention counts from the last full read: an incremental read builds on it, so what a marker
	// missed stays missed at most that long however often plans run.
	rec.Taken = prior.Taken
	// What changed before prior.OktaSince the last read covered: the next search need not start earlier
	// (and a plan after a refresh in the same run then searches as the refresh did).
	if prior.OktaSince.After(rec.OktaSince) {
		rec.OktaSince = prior.OktaSince
	}
	before := prior.desiredSet() // the members below are updated in place
	rec.Holders, rec.HoldersKnown = prior.Holders, prior.HoldersKnown
	rec.AssignmentsDate, rec.Recent, rec.Others = prior.AssignmentsDate, prior.Recent, prior.Others
	if rec.Holders == nil {
		rec.Holders = map[string]string{}
	}
	// Okta: the groups whose membership moved are read again; the members of the others are updated
	// from the users changed since the last read.
	reread := map[string]bool{}
	for gid, g := range prior.Groups {
		// An empty marker is an unsettled group (or one without a marker): its members are read again.
		if updated, ok := mk.groups.MembershipUpdated[gid]; ok && g.MembershipUpdated != "" && updated == g.MembershipUpdated {
			rec.Groups[gid] = g
			continue
		}
		fresh, ok := s.readGroup(ctx, mk, gid, diags)
		if !ok {
			return bindingView{}, nil, false
		}
		rec.Groups[gid], reread[gid] = fresh, true
	}
	changed, err := s.c.Caches.Okta.ChangedUsers.Get(ctx, prior.OktaSince,
		func(u okta.ChangedUser, since time.Time) bool { return u.LastUpdated.After(since) }, s.c.Okta.UsersUpdatedSince)
	if err != nil {
		diags.AddAttributeError(path.Root("group_ids"), framework.Summary(framework.OpRead, "Okta Users"), fmt.Sprintf("%s: %s", bindingID(s.m), err))
		return bindingView{}, nil, false
	}
	attribute := s.m.FederationIDAttribute.ValueString()
	for _, u := range changed {
		for gid, g := range rec.Groups {
			if _, member := g.Members[u.ID]; member && !reread[gid] {
				g.Members[u.ID] = memberFacts{FederationID: federationIDOf(u.GroupMember, attribute), Entitled: entitled(u.Status)}
			}
		}
	}
	desired, wanted := rec.desired(), map[string]bool{}
	for _, fid := range desired {
		wanted[fid] = true
	}
	// Salesforce: ready users are kept for the desired Federation IDs, updated from the users modified
	// since the last read, and looked up for the Federation IDs newly desired.
	for fid, id := range prior.Ready {
		if wanted[fid] {
			rec.Ready[fid] = id
		}
	}
	var modified []salesforce.ModifiedUser
	if since, read := usersSince(prior, rec); read {
		var ok bool
		if modified, ok = s.modifiedUsers(ctx, since, diags); !ok {
			return bindingView{}, nil, false
		}
	}
	// Ready users by user ID, once: comparing each modified user with each ready one is quadratic
	// (50,000 modified users × 4,000 ready ones is seconds per binding).
	readyByID := make(map[string][]string, len(rec.Ready))
	for fid, id := range rec.Ready {
		readyByID[holderKey(id)] = append(readyByID[holderKey(id)], fid)
	}
	for _, u := range modified {
		for _, fid := range readyByID[holderKey(u.ID)] {
			if salesforce.SameID(rec.Ready[fid], u.ID) {
				delete(rec.Ready, fid)
			}
		}
		if u.IsActive && wanted[u.FederationID] {
			rec.Ready[u.FederationID] = u.ID
		}
	}
	var newly []string
	for _, fid := range desired {
		if _, ready := rec.Ready[fid]; !ready && !before[fid] {
			newly = append(newly, fid)
		}
	}
	if len(newly) > 0 {
		users, ok := s.lookUp(ctx, newly, diags)
		if !ok {
			return bindingView{}, nil, false
		}
		for _, fid := range withActiveUser(newly, users) {
			rec.Ready[fid] = users[fid].ID
		}
	}
	// Holders: listed again when the target's assignments moved; else updated from the modified users.
	if mk.assignments.Partial || rec.Assignments != prior.Assignments {
		rec.HoldersKnown = false
	} else if rec.HoldersKnown && assignmentsUnsettled(prior) {
		moved, ok := s.assignmentsMoved(ctx, prior, diags)
		if !ok {
			return bindingView{}, nil, false
		}
		if moved {
			rec.HoldersKnown = false
		} else {
			rec.AssignmentsDate = mk.assignments.Date // unchanged up to this run's marker, read before the check
		}
	}
	if rec.HoldersKnown {
		rec.updateHolders(modified)
	}
	if wantHolders && !rec.HoldersKnown && !s.listHolders(ctx, rec, diags) {
		return bindingView{}, nil, false
	}
	return rec.view(wantHolders), rec, true
}

// assignmentsUnsettled: the holders were listed (or last found unchanged) less than assignmentCommitAllowance
// after the second of the target's latest stamp (the Date header counts whole seconds), so the target may
// have changed in that second, or a transaction stamped before it may not have committed yet, without
// moving its marker.
func assignmentsUnsettled(prior *bindingMarkers) bool {
	last, err := salesforce.ParseDateTime(prior.Assignments.Max)
	if err != nil {
		return false // no assignment: any addition moves the count
	}
	return prior.AssignmentsDate.IsZero() || prior.AssignmentsDate.Sub(last.Truncate(time.Second)) < assignmentCommitAllowance+time.Second
}

// assignmentsMoved says whether an assignment of the target stamped from assignmentCommitAllowance before
// the second of its latest stamp on is not among those the last listing recorded, from one org-wide read per run (the since-cache
// answers a later second from an earlier read).
func (s *syncer) assignmentsMoved(ctx context.Context, prior *bindingMarkers, diags *diag.Diagnostics) (bool, bool) {
	last, _ := salesforce.ParseDateTime(prior.Assignments.Max) // parsed by assignmentsUnsettled
	since := last.UTC().Truncate(time.Second).Add(-assignmentCommitAllowance)
	as, err := s.org.Reads.ModifiedAssignments.Get(ctx, since,
		func(a salesforce.ModifiedAssignment, since time.Time) bool { return !a.SystemModstamp.Before(since) },
		s.org.Client.AssignmentsModifiedSince)
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Permission Set Assignments"), fmt.Sprintf("%s: %s", bindingID(s.m), err))
		return false, false
	}
	known := make(map[string]bool, len(prior.Recent))
	for _, id := range prior.Recent {
		known[holderKey(id)] = true
	}
	for _, a := range as {
		if salesforce.TargetKey(a.Target) == prior.Target && !a.SystemModstamp.Before(since) && !known[holderKey(a.ID)] {
			return true, true
		}
	}
	return false, true
}

// relistHolders lists the holders again after the binding wrote assignments, with the target's marker
// from the same query.
func (s *syncer) relistHolders(ctx context.Context, rec *bindingMarkers) {
	rec.HoldersKnown = false
	if !markers.Sleep(ctx, assignmentSettleWait) { // listed in a later second than the writes, the marker is settled
		return
	}
	snap, err := s.org.Client.FederatedAssignmentsSnapshot(ctx, s.target, assignmentCommitAllowance)
	if err != nil {
		return // the next read lists them
	}
	rec.setHolders(snap)
}

// readGroup reads a group's members (once per run for all bindings, after the run's markers).
func (s *syncer) readGroup(ctx context.Context, mk runMarkers, gid string, diags *diag.Diagnostics) (*groupFacts, bool) {
	members, err := s.c.Caches.Okta.MarkedGroupMembers.Get(ctx, gid, func(ctx context.Context) ([]okta.GroupMember, error) {
		return s.c.Okta.ListGroupMembers(ctx, gid)
	})
	if errors.Is(err, okta.ErrNotFound) {
		diags.AddAttributeError(path.Root("group_ids"), "Okta Group Not Found", fmt.Sprintf("Okta has no group with ID %q.", gid))
		return nil, false
	}
	if err != nil {
		diags.AddAttributeError(path.Root("group_ids"), framework.Summary(framework.OpRead, "Okta Group Members"), fmt.Sprintf("Group %s: %s", gid, err))
		return nil, false
	}
	// A group missing from the list read before its members has no marker: it is read again next time.
	g := &groupFacts{MembershipUpdated: markers.SettledGroupMarker(mk.groups, gid), Members: make(map[string]memberFacts, len(members))}
	attribute := s.m.FederationIDAttribute.ValueString()
	for _, u := range members {
		g.Members[u.ID] = memberFacts{FederationID: federationIDOf(u, attribute), Entitled: entitled(u.Status)}
	}
	return g, true
}

func (s *syncer) lookUp(ctx context.Context, fids []string, diags *diag.Diagnostics) (map[string]salesforce.FederatedUser, bool) {
	users, err := usersByFederationID(ctx, s.org, fids)
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Salesforce Users"), fmt.Sprintf("Looking up %d Federation IDs in org %q: %s", len(fids), s.m.SalesforceOrg.ValueString(), err))
		return nil, false
	}
	return users, true
}

// usersSince says whether the users modified since the last read must be read, and from when
// (markers.UsersSince).
func usersSince(prior, rec *bindingMarkers) (time.Time, bool) {
	return markers.UsersSince(prior.Users, prior.UsersDate, rec.Users)
}

// modifiedUsers are the org's users modified at or after since (one read per run for all bindings).
func (s *syncer) modifiedUsers(ctx context.Context, since time.Time, diags *diag.Diagnostics) ([]salesforce.ModifiedUser, bool) {
	t := since.UTC().Truncate(time.Second)
	users, err := s.org.Reads.ModifiedUsers.Get(ctx, t, func(u salesforce.ModifiedUser, since time.Time) bool { return !u.SystemModstamp.Before(since) },
		func(ctx context.Context, t time.Time) ([]salesforce.ModifiedUser, error) {
			return s.org.Client.UsersModifiedSince(ctx, t.Format(time.RFC3339))
		})
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Salesforce Users"), fmt.Sprintf("Users modified in org %q since %s: %s", s.m.SalesforceOrg.ValueString(), t.Format(time.RFC3339), err))
		return nil, false
	}
	return users, true
}

// updateHolders updates the holders from the users modified since the last read, while the target's
// assignments are as listed: a user holds the target when it is an assignee and is active with a
// Federation ID; the other assignees are kept in Others for when they become so.
func (rec *bindingMarkers) updateHolders(users []salesforce.ModifiedUser) {
	others := make(map[string]bool, len(rec.Others))
	for _, id := range rec.Others {
		others[id] = true
	}
	moved := false
	for _, u := range users {
		key := holderKey(u.ID)
		_, holds := rec.Holders[key]
		if !holds && !others[key] {
			continue
		}
		delete(rec.Holders, key)
		delete(others, key)
		if u.IsActive && u.FederationID != "" {
			rec.Holders[key] = u.FederationID
		} else {
			others[key] = true
		}
		moved = true
	}
	if moved {
		rec.Others = sortedKeys(others)
	}
}

// listHolders lists the target's assignments of active federated users, with its marker from the same
// query.
func (s *syncer) listHolders(ctx context.Context, rec *bindingMarkers, diags *diag.Diagnostics) bool {
	snap, err := s.org.Client.FederatedAssignmentsSnapshot(ctx, s.target, assignmentCommitAllowance)
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Permission Set Assignments"), fmt.Sprintf("Reading the assignments of %s: %s", bindingID(s.m), err))
		return false
	}
	rec.setHolders(snap)
	return true
}

// setHolders records the holders as, listed by the query that read the target's marker: the marker
// describes exactly that list, so the next read lists them again only when the target's assignments
// moved after it.
func (rec *bindingMarkers) setHolders(snap salesforce.AssignmentSnapshot) {
	rec.Holders = make(map[string]string, len(snap.Assignments))
	for _, a := range snap.Assignments {
		rec.Holders[holderKey(a.AssigneeID)] = a.FederationID
	}
	rec.HoldersKnown = true
	rec.Others = make([]string, 0, len(snap.Others))
	for _, id := range snap.Others {
		rec.Others = append(rec.Others, holderKey(id))
	}
	sort.Strings(rec.Others)
	rec.Assignments, rec.AssignmentsDate, rec.Recent = snap.Marker, snap.Date, snap.Recent
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// holderKey is a user's ID as a key: its first 15 characters, as the 18-character form only adds a suffix.
func holderKey(id string) string { return id[:min(len(id), 15)] }

func (rec *bindingMarkers) desiredSet() map[string]bool {
	seen := map[string]bool{}
	for _, g := range rec.Groups {
		for _, mf := range g.Members {
			if mf.FederationID != "" && mf.Entitled {
				seen[mf.FederationID] = true
			}
		}
	}
	return seen
}

func (rec *bindingMarkers) desired() []string { return keys(rec.desiredSet()) }

func (rec *bindingMarkers) view(withHolders bool) bindingView {
	v := bindingView{desired: rec.desired()}
	for _, fid := range v.desired {
		if _, ok := rec.Ready[fid]; ok {
			v.ready = append(v.ready, fid)
		}
	}
	v.waiting, _ = diffSets(v.desired, v.ready)
	if v.ready == nil {
		v.ready = []string{}
	}
	if withHolders {
		seen := map[string]bool{}
		for _, fid := range rec.Holders {
			seen[fid] = true
		}
		v.holders = keys(seen)
	}
	return v
}

// readHolders is Read's look at the target: the Federation IDs of the active federated users holding it,
// from the markers in private state where they say nothing moved. The Okta side is read too, so that the
// markers stay whole; when it fails (an Okta group deleted, Okta not configured) Read still reads
// Salesforce, as destroy needs, and leaves the markers empty: the plan reports the Okta error.
func (r *permissionSetBindingResource) readHolders(ctx context.Context, org *conns.Org, m *bindingModel, in, out privateState,
	diags *diag.Diagnostics) (held []string, gone, ok bool) {
	target, err := lookupTarget(ctx, org, m)
	if err != nil && isNameNotFound(err) {
		return nil, true, false
	}
	if err != nil {
		targetDiag(diags, m, err)
		return nil, false, false
	}
	if r.Clients().Okta != nil && !m.GroupIDs.IsUnknown() && !m.FederationIDAttribute.IsUnknown() {
		prior, d := loadMarkers(ctx, in)
		diags.Append(d...)
		var syncDiags diag.Diagnostics
		s := syncer{c: r.Clients(), org: org, m: m, target: target}
		if view, rec, ok := s.sync(ctx, prior, true, &syncDiags); ok {
			diags.Append(saveMarkers(ctx, out, rec)...)
			return view.holders, false, true
		}
		tflog.Debug(ctx, "permission set binding: reading with markers failed; reading the assignments alone", map[string]any{
			"id": bindingID(m), "error": fmt.Sprint(syncDiags.Errors())})
	}
	diags.Append(saveMarkers(ctx, out, nil)...)
	current, err := org.Client.ListFederatedAssignments(ctx, target)
	if err != nil {
		diags.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading the assignments of %s: %s", bindingID(m), err))
		return nil, false, false
	}
	return assignedIDs(current), false, true
}
