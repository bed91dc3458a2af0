package provisioning

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/markers"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// User provisioning keeps in its private state what its last read found (the app's users, the federated
// Salesforce users) with the change markers read before that read; the next read compares this run's markers
// with them and re-reads only what moved, so that a plan that nothing changed costs the same few requests at
// any number of users. Apply builds on the read of its own run, and records what it leaves.

// snapshotKey is the private state key of the last read (snapshot, packed).
const snapshotKey = "snapshot"

// snapshotRetention bounds the age of the full read an incremental one builds on: what a marker missed
// stays missed at most this long. A variable for the tests.
var snapshotRetention = 7 * 24 * time.Hour

// maxReread is how many Okta users are read one by one before the app's users are listed again instead (a
// page is 500 users); maxRefetch the same for Salesforce users (a query page is 2,000 rows).
const (
	maxReread  = 50
	maxRefetch = 2000
)

// appMembershipEvents select the System Log events that change the app's users without moving a group or
// user marker: a direct assignment made, removed or edited (events of the app), and a user deleted (who
// leaves every search).
const appMembershipEvents = `(eventType sw "application.user_membership" and target.id eq %q) or eventType sw "user.lifecycle.delete"`

// maxMembershipEvents is how many of those events are read; at this many the app's users are listed again.
const maxMembershipEvents = 1000

// snapshot is what a read found and the markers read before it.
type snapshot struct {
	Taken  time.Time `json:"taken"` // the provider's clock at the last full read, for snapshotRetention
	Org    string    `json:"org"`   // the Salesforce Organization ID: a refreshed sandbox keeps record IDs
	AppID  string    `json:"app_id"`
	Fields string    `json:"fields"` // the User fields read, comma-joined
	// Keys are the Okta profile attributes kept (user and app user, as profileKeys has them): what the
	// reconciliation reads of a user, so that the state holds no more of the profiles than that.
	Keys string `json:"keys"`

	// Assignments digests the app's group assignments, read before its users: another set of groups, or
	// other profiles or priorities, and the users are listed again.
	Assignments string                `json:"assignments"`
	Groups      map[string]groupState `json:"groups"` // the app's assigned groups
	// OktaSince is on Okta's clock: users updated, and assignments logged, after it may have changed since
	// the app's users were read.
	OktaSince time.Time              `json:"okta_since"`
	AppUsers  []okta.AppUserWithUser `json:"app_users"`

	Users     salesforce.Marker       `json:"users"`      // the org's user marker
	UsersDate time.Time               `json:"users_date"` // Salesforce's clock when Users was read
	Federated []salesforce.UserRecord `json:"federated"`  // with SystemModstamp among their Fields
}

// groupState is an assigned group's settled lastMembershipUpdated ("" reads its members again) and members.
type groupState struct {
	Updated string   `json:"updated"`
	Members []string `json:"members"` // Okta user IDs, sorted
}

// runMarkers are this run's markers, read before the data they cover (once per run for every resource).
type runMarkers struct {
	org    string
	groups okta.GroupMarkers
	users  salesforce.DatedMarker
}

func loadSnapshot(ctx context.Context, p privateState) (*snapshot, diag.Diagnostics) {
	if p == nil {
		return nil, nil
	}
	raw, diags := p.GetKey(ctx, snapshotKey)
	var s snapshot
	if diags.HasError() || !markers.Unpack(raw, &s) || s.Groups == nil {
		return nil, diags // none or unreadable: the next read is a full one
	}
	return &s, diags
}

// saveSnapshot stores s; nil clears it, so that the next read is a full one.
func saveSnapshot(ctx context.Context, p privateState, s *snapshot) diag.Diagnostics {
	if s == nil {
		return p.SetKey(ctx, snapshotKey, markers.Pack(nil))
	}
	return p.SetKey(ctx, snapshotKey, markers.Pack(s))
}

// privateState is what Read, Create and Update get their private state through.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// readFields are the User fields read: the mapped ones, and SystemModstamp, by which a user modified since
// is known to be as read already.
func readFields(s settings) []string {
	return append(s.fields(), "SystemModstamp")
}

func (e *engine) runMarkers(ctx context.Context) (runMarkers, error) {
	var mk runMarkers
	facts, err := e.org.Client.Facts(ctx) // read once per client, with the names
	if err != nil {
		return mk, err
	}
	mk.org = facts.ID
	c := e.clients
	if mk.groups, err = c.Caches.Okta.GroupMarkers.Get(ctx, "", func(ctx context.Context) (okta.GroupMarkers, error) {
		return c.Okta.ListGroupMarkers(ctx)
	}); err != nil {
		return mk, err
	}
	mk.users, err = e.org.Reads.UserMarker.Get(ctx, "", e.org.Client.UserMarker)
	return mk, err
}

// snapshotOf reads the app's users and the federated users, from prior (the last read's snapshot, nil for
// none) where the markers say nothing moved, and returns what it found. Once per run for the app, org and
// fields: Read, ModifyPlan and apply of one command share it; any write of users or assignments forgets it.
func (e *engine) snapshotOf(ctx context.Context, s settings, prior *snapshot) (*snapshot, error) {
	fields := readFields(s)
	key := strings.Join([]string{e.org.Alias, s.AppID, strings.Join(fields, ","), profileKeys(s).String()}, "\x00")
	v, err := e.clients.Caches.Snapshots.Get(ctx, key, func(ctx context.Context) (any, error) {
		return e.readSnapshot(ctx, s, fields, prior)
	})
	if err != nil {
		return nil, err
	}
	return v.(*snapshot), nil
}

func (e *engine) readSnapshot(ctx context.Context, s settings, fields []string, prior *snapshot) (*snapshot, error) {
	mk, err := e.runMarkers(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the change markers: %w", err)
	}
	appID, keys := s.AppID, profileKeys(s)
	snap := &snapshot{Taken: time.Now().UTC(), Org: mk.org, AppID: appID, Fields: strings.Join(fields, ","), Keys: keys.String(), Groups: map[string]groupState{},
		OktaSince: mk.groups.Date.Add(-markers.OktaSinceMargin), Users: mk.users.Marker, UsersDate: mk.users.Date}
	if mk.groups.Date.IsZero() { // Okta gave no clock: nothing to build on next time
		prior, snap.OktaSince = nil, time.Time{}
	}
	if prior != nil && (time.Since(prior.Taken) > snapshotRetention || prior.Org != snap.Org || prior.AppID != appID || prior.Fields != snap.Fields ||
		prior.Keys != snap.Keys) {
		prior = nil
	}
	if prior != nil {
		snap.Taken = prior.Taken // retention counts from the last full read
		if prior.OktaSince.After(snap.OktaSince) {
			snap.OktaSince = prior.OktaSince
		}
	}
	if err := e.readOkta(ctx, mk, keys, prior, snap); err != nil {
		return nil, err
	}
	if err := e.readSalesforce(ctx, fields, prior, snap); err != nil {
		return nil, fmt.Errorf("listing the federated Salesforce users: %w", err)
	}
	if mk.groups.Date.IsZero() {
		snap.Groups = nil // not saved: the next read is a full one
	}
	return snap, nil
}

// readOkta reads the app's group assignments, then its users: those that moved since prior, or all of them.
func (e *engine) readOkta(ctx context.Context, mk runMarkers, keys profileKeySet, prior, snap *snapshot) error {
	appID := snap.AppID
	assigned, err := e.assignments(ctx, appID)
	if err != nil {
		return fmt.Errorf("listing the users of Okta app %s: %w", appID, err)
	}
	snap.Assignments = assignmentsDigest(assigned)
	for _, a := range assigned {
		// Okta brings an assignment's users and profiles to the app's users in the background: until some time
		// after its last change, what the users show may not be all of it, and no marker would move when it is.
		if !a.LastUpdated.Before(mk.groups.Date.Add(-markers.OktaSinceMargin)) {
			snap.Assignments = "" // unsettled: the next read lists the app's users again
		}
	}
	// The app's users are listed again when its assignments changed or were unsettled; the members of its
	// groups are facts of the groups, kept while their markers stay.
	listAll := prior == nil || prior.Assignments == "" || prior.Assignments != snap.Assignments
	var priorGroups map[string]groupState
	if prior != nil {
		priorGroups = prior.Groups
	}
	reread := map[string]bool{} // Okta user IDs whose app user may have changed
	for _, a := range assigned {
		before, known := priorGroups[a.GroupID]
		if known && before.Updated != "" && mk.groups.MembershipUpdated[a.GroupID] == before.Updated {
			snap.Groups[a.GroupID] = before
			continue
		}
		members, err := e.markedMembers(ctx, a.GroupID)
		if errors.Is(err, okta.ErrNotFound) {
			// Deleted since the app's assignments were read: its assignment goes with it. The users are listed,
			// and the next read, which no longer finds the assignment, lists them again.
			listAll, snap.Assignments = true, ""
			continue
		}
		if err != nil {
			return fmt.Errorf("%v", err) // not the app's 404, which Read takes for the app gone
		}
		g := groupState{Updated: markers.SettledGroupMarker(mk.groups, a.GroupID), Members: make([]string, 0, len(members))}
		for _, m := range members {
			g.Members = append(g.Members, m.ID)
		}
		sort.Strings(g.Members)
		snap.Groups[a.GroupID] = g
		if !known {
			listAll = true // a group without members read before: the users are listed again
			continue
		}
		for _, id := range symmetricDifference(before.Members, g.Members) {
			reread[id] = true
		}
	}
	if !listAll {
		ok, err := e.movedOktaUsers(ctx, mk, prior, snap, reread)
		if err != nil {
			return err
		}
		if ok && len(reread) <= maxReread {
			return e.rereadAppUsers(ctx, keys, prior, snap, reread)
		}
	}
	users, err := e.clients.Okta.ListAppUsersExpanded(ctx, appID) // after this run's markers, once per run (the snapshot's memo)
	if err != nil {
		return fmt.Errorf("listing the users of Okta app %s: %w", appID, err)
	}
	snap.AppUsers = make([]okta.AppUserWithUser, len(users))
	for i, u := range users {
		snap.AppUsers[i] = keys.trim(u)
	}
	sortAppUsers(snap.AppUsers) // in the order an incremental read keeps them, which reconcile's tie-breaks follow
	return nil
}

func sortAppUsers(users []okta.AppUserWithUser) {
	sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
}

// movedOktaUsers adds to reread the users updated since prior (profile or status) and the users deleted since
// that are or may be app users, and the users whose direct assignment the System Log shows changed; false
// when the search or the System Log cannot say (more events than are read, credentials without the scope, a
// refusal): the users are then listed again.
func (e *engine) movedOktaUsers(ctx context.Context, mk runMarkers, prior, snap *snapshot, reread map[string]bool) (bool, error) {
	c := e.clients
	changed, err := c.Caches.Okta.ChangedUsers.Get(ctx, prior.OktaSince,
		func(u okta.ChangedUser, since time.Time) bool { return u.LastUpdated.After(since) }, c.Okta.UsersUpdatedSince)
	// A token without okta.users.read, or a search Okta refuses: listing the users is exact without it.
	if unread(ctx, err, "no search of the Okta users changed since the last read; listing the app's users") {
		return false, nil
	}
	// The users that are or may be app users: those read, and the members of the app's groups.
	candidates := make(map[string]bool, len(prior.AppUsers))
	for _, u := range prior.AppUsers {
		candidates[u.ID] = true
	}
	for _, g := range snap.Groups {
		for _, id := range g.Members {
			candidates[id] = true
		}
	}
	for _, u := range changed {
		if candidates[u.ID] {
			reread[u.ID] = true
		}
	}
	until := mk.groups.Date.Add(time.Second) // this run's Okta clock, whole seconds up; later events the next run reads
	if !prior.OktaSince.Before(until) {
		return true, nil
	}
	events, err := c.Okta.ListLogEvents(ctx, okta.LogQuery{Since: prior.OktaSince, Until: until,
		Filter: fmt.Sprintf(appMembershipEvents, snap.AppID), Limit: maxMembershipEvents})
	// A token without okta.logs.read, or a read Okta refuses: listing the users is exact without it.
	if unread(ctx, err, "no System Log read of the app's assignments; listing the app's users") {
		return false, nil
	}
	if len(events) >= maxMembershipEvents {
		return false, nil
	}
	for _, ev := range events {
		ofApp := strings.HasPrefix(ev.EventType, "application.user_membership")
		for _, t := range ev.Targets {
			if t.Type == "User" && t.ID != "" && (ofApp || candidates[t.ID]) {
				reread[t.ID] = true
			}
		}
	}
	return true, nil
}

// unread reports whether a marker's read failed (err), saying so at debug level: the caller reads everything.
func unread(ctx context.Context, err error, what string) bool {
	if err != nil {
		tflog.Debug(ctx, what, map[string]any{"error": err.Error()})
	}
	return err != nil
}

// rereadAppUsers takes prior's app users, with those in reread read again one by one.
func (e *engine) rereadAppUsers(ctx context.Context, keys profileKeySet, prior, snap *snapshot, reread map[string]bool) error {
	byID := make(map[string]okta.AppUserWithUser, len(prior.AppUsers))
	for _, u := range prior.AppUsers {
		byID[u.ID] = u
	}
	ids := make([]string, 0, len(reread))
	for id := range reread {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		u, found, err := e.clients.Okta.GetAppUserExpanded(ctx, snap.AppID, id)
		if err != nil {
			return fmt.Errorf("reading user %s of Okta app %s: %w", id, snap.AppID, err)
		}
		if found {
			byID[id] = keys.trim(u)
		} else {
			delete(byID, id)
		}
	}
	snap.AppUsers = make([]okta.AppUserWithUser, 0, len(byID))
	for _, u := range byID {
		snap.AppUsers = append(snap.AppUsers, u)
	}
	sortAppUsers(snap.AppUsers)
	return nil
}

// readSalesforce reads the federated users: prior's, with those modified since read again, or all of them.
func (e *engine) readSalesforce(ctx context.Context, fields []string, prior, snap *snapshot) error {
	if prior != nil {
		done, err := e.refetchModified(ctx, fields, prior, snap)
		if err != nil || done {
			return err
		}
	}
	var err error
	snap.Federated, err = e.federatedUsers(ctx, fields, false)
	return err
}

// refetchModified builds snap's federated users from prior's and the users modified since; false when
// too many moved (the caller lists them all).
func (e *engine) refetchModified(ctx context.Context, fields []string, prior, snap *snapshot) (bool, error) {
	since, read := markers.UsersSince(prior.Users, prior.UsersDate, snap.Users)
	if !read {
		snap.Federated = prior.Federated
		return true, nil
	}
	t := since.UTC().Truncate(time.Second)
	modified, err := e.org.Reads.ModifiedUsers.Get(ctx, t, func(u salesforce.ModifiedUser, since time.Time) bool { return !u.SystemModstamp.Before(since) },
		func(ctx context.Context, t time.Time) ([]salesforce.ModifiedUser, error) {
			return e.org.Client.UsersModifiedSince(ctx, t.Format(time.RFC3339))
		})
	if err != nil {
		return false, err
	}
	byID := make(map[string]salesforce.UserRecord, len(prior.Federated))
	for _, u := range prior.Federated {
		byID[idKey(u.ID)] = u
	}
	// A row read with a stamp this close to the clock of the marker read before it may have changed again
	// within the same stamp (Salesforce stamps to the second, before its transaction commits): it is read again.
	var refetch []string
	for _, u := range modified {
		old, had := byID[idKey(u.ID)]
		switch {
		case u.FederationID == "":
			delete(byID, idKey(u.ID))
		case had && sameStamp(old, u.SystemModstamp) && markers.SettledRow(u.SystemModstamp, prior.UsersDate):
			// as read already
		default:
			refetch = append(refetch, u.ID)
		}
	}
	if len(refetch) > maxRefetch {
		return false, nil
	}
	if len(refetch) > 0 {
		sort.Strings(refetch)
		rows, err := e.org.Client.UsersByID(ctx, refetch, fields)
		if err != nil {
			return false, err
		}
		for _, u := range rows {
			if u.FederationID == "" {
				delete(byID, idKey(u.ID))
			} else {
				byID[idKey(u.ID)] = u
			}
		}
	}
	snap.Federated = make([]salesforce.UserRecord, 0, len(byID))
	for _, u := range byID {
		snap.Federated = append(snap.Federated, u)
	}
	sort.Slice(snap.Federated, func(i, j int) bool { return snap.Federated[i].ID < snap.Federated[j].ID })
	return true, nil
}

// idKey is a Salesforce ID's 15 case-sensitive characters.
func idKey(id string) string { return id[:min(len(id), 15)] }

// sameStamp: u was read with this SystemModstamp.
func sameStamp(u salesforce.UserRecord, stamp time.Time) bool {
	s, _ := u.Fields["SystemModstamp"].(string)
	t, err := salesforce.ParseDateTime(s)
	return err == nil && t.Equal(stamp)
}

// assignmentsDigest digests the app's group assignments: groups, priorities and profiles.
func assignmentsDigest(as []okta.AppGroupAssignment) string {
	sorted := slices.Clone(as)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].GroupID < sorted[j].GroupID })
	b, _ := json.Marshal(sorted) // IDs, numbers and a JSON profile: always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// symmetricDifference lists what is in one of the sorted lists a and b but not both.
func symmetricDifference(a, b []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return out
}

// markedMembers are a group's members, read after this run's markers (once per run for every resource;
// the provider writes no group membership, so a list read earlier in the run is current for an apply too).
func (e *engine) markedMembers(ctx context.Context, groupID string) ([]okta.GroupMember, error) {
	members, err := e.clients.Caches.Okta.MarkedGroupMembers.Get(ctx, groupID, func(ctx context.Context) ([]okta.GroupMember, error) {
		return e.clients.Okta.ListGroupMembers(ctx, groupID)
	})
	if err != nil {
		return nil, fmt.Errorf("listing the members of Okta group %s: %w", groupID, err)
	}
	return members, nil
}

// profileKeySet are the Okta profile attributes a reconciliation reads: of the user, the login, the
// Federation ID and username sources and the user.* attributes mapped; of the app user, the profile and role
// and the appuser.* attributes mapped.
type profileKeySet struct{ user, appUser []string }

func profileKeys(s settings) profileKeySet {
	user := map[string]bool{"login": true, s.FederationIDSource: true, s.UsernameSource: true}
	appUser := map[string]bool{appUserProfileKey: true, appUserRoleKey: true}
	for _, expr := range s.Attributes {
		switch src, attr, ok := strings.Cut(strings.TrimSpace(expr), "."); {
		case ok && src == "user":
			user[attr] = true
		case ok && src == "appuser":
			appUser[attr] = true
		}
	}
	sorted := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			if k != "" {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return out
	}
	return profileKeySet{user: sorted(user), appUser: sorted(appUser)}
}

func (k profileKeySet) String() string {
	return strings.Join(k.user, ",") + ";" + strings.Join(k.appUser, ",")
}

// trim is u with only the kept attributes (in maps of its own: u's may be shared with a cached read).
func (k profileKeySet) trim(u okta.AppUserWithUser) okta.AppUserWithUser {
	pick := func(from map[string]any, keys []string) map[string]any {
		out := make(map[string]any, len(keys))
		for _, key := range keys {
			if v, ok := from[key]; ok {
				out[key] = v
			}
		}
		return out
	}
	u.UserProfile, u.Profile = pick(u.UserProfile, k.user), pick(u.Profile, k.appUser)
	return u
}
