package salesforce_test

import (
	"context"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// The markers move when what they cover changes, and the user delta returns the users changed since.
func TestMarkersAgainstSandbox(t *testing.T) {
	t.Parallel()
	_, c := startOrg(t, entitlementSeed(3))
	ctx := context.Background()
	sets, err := c.ListPermissionSets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.ListPermissionSetGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ps salesforce.AssignmentTarget
	for _, s := range sets {
		if s.Name == "Report_Builder" {
			ps.PermissionSetID = s.ID
		}
	}
	psg := salesforce.AssignmentTarget{PermissionSetGroupID: groups[0].ID}
	users, err := c.UsersByFederationID(ctx, []string{"u0000@acme.com", "u0001@acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	u0, u1 := users["u0000@acme.com"].ID, users["u0001@acme.com"].ID

	before, err := c.AssignmentMarkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	userMarker, err := c.UserMarker(ctx)
	if err != nil || userMarker.Count < 5 || userMarker.Max == "" {
		t.Fatalf("user marker = %+v, %v", userMarker, err)
	}
	if res, err := c.AddAssignments(ctx, ps, []string{u0, u1}); err != nil || res[0].Err() != nil || res[1].Err() != nil {
		t.Fatalf("assign: %v %v", err, res)
	}
	if res, err := c.AddAssignments(ctx, psg, []string{u0}); err != nil || res[0].Err() != nil {
		t.Fatalf("assign the group: %v %v", err, res)
	}
	after, err := c.AssignmentMarkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, was := after.ByTarget[salesforce.TargetKey(ps)], before.ByTarget[salesforce.TargetKey(ps)]; got.Count != was.Count+2 || got.Max == "" {
		t.Errorf("permission set marker %+v after two assignments, was %+v", got, was)
	}
	if got := after.ByTarget[salesforce.TargetKey(psg)]; got.Count != 1 {
		t.Errorf("permission set group marker %+v after one assignment, want count 1", got)
	}
	for _, target := range []salesforce.AssignmentTarget{ps, psg} {
		if _, one, err := c.FederatedAssignmentsAndMarker(ctx, target); err != nil || one != after.ByTarget[salesforce.TargetKey(target)] {
			t.Errorf("marker of %s from its rows = %+v, %v; the aggregate of all has %+v", target, one, err, after.ByTarget[salesforce.TargetKey(target)])
		}
	}

	// A deactivated user is in the delta since the marker, with its new state; the others are not.
	if _, err := c.UpdateCollection(ctx, "User", []map[string]any{{"Id": u1, "IsActive": false}}); err != nil {
		t.Fatal(err)
	}
	moved, err := c.UserMarker(ctx)
	if err != nil || moved.Marker == userMarker.Marker {
		t.Fatalf("user marker did not move after a deactivation: %+v, %v", moved, err)
	}
	changed, err := c.UsersModifiedSince(ctx, userMarker.Max)
	if err != nil {
		t.Fatal(err)
	}
	var saw bool
	for _, u := range changed {
		if salesforce.SameID(u.ID, u1) {
			saw = !u.IsActive && u.FederationID == "u0001@acme.com"
		}
		if stamp, _ := salesforce.ParseDateTime(userMarker.Max); u.SystemModstamp.Before(stamp.Truncate(time.Second)) {
			t.Errorf("user %s modified at %s is before %s", u.ID, u.SystemModstamp, userMarker.Max)
		}
	}
	if !saw {
		t.Errorf("users modified since %s = %+v: the deactivated user is missing or not inactive", userMarker.Max, changed)
	}
	as, err := c.AssignmentsOfUsers(ctx, []string{u0})
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, a := range as {
		held[salesforce.TargetKey(a.Target)] = true
	}
	// (a user also holds its profile's permission set)
	if !held[salesforce.TargetKey(ps)] || !held[salesforce.TargetKey(psg)] {
		t.Errorf("assignments of u0 = %+v, want the permission set and the group among them", as)
	}
}

// The assignment markers leave out the permission sets profiles own (one per profile, never bound), and
// both marker reads carry Salesforce's clock when it answered, not the caller's.
func TestMarkersProfileSetsAndDate(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, entitlementSeed(3))
	ctx := context.Background()
	var owned []struct {
		ID string `json:"Id"`
	}
	if err := c.Query(ctx, "SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true", &owned); err != nil || len(owned) == 0 {
		t.Fatalf("profile-owned permission sets = %v, %v; want some", owned, err)
	}
	clock := time.Now().UTC().Add(90 * time.Second).Truncate(time.Second) // set after sign-in, which it would expire
	sb.Org("qa").SetClock(func() time.Time { return clock })
	markers, err := c.AssignmentMarkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range owned {
		if m, ok := markers.ByTarget[salesforce.TargetKey(salesforce.AssignmentTarget{PermissionSetID: ps.ID})]; ok {
			t.Errorf("profile-owned permission set %s has a marker %+v", ps.ID, m)
		}
	}
	if markers.Partial || !markers.Date.Equal(clock) {
		t.Errorf("assignment markers partial %v at %s, want whole at %s", markers.Partial, markers.Date, clock)
	}
	users, err := c.UserMarker(ctx)
	if err != nil || !users.Date.Equal(clock) {
		t.Errorf("user marker %+v, %v: want it dated %s", users, err, clock)
	}
}
