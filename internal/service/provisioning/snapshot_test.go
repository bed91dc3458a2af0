package provisioning

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

func TestSymmetricDifference(t *testing.T) {
	for _, c := range []struct{ a, b, want []string }{
		{nil, nil, nil},
		{[]string{"a", "b"}, []string{"a", "b"}, nil},
		{[]string{"a", "c"}, []string{"b", "c", "d"}, []string{"a", "b", "d"}},
		{[]string{"a"}, nil, []string{"a"}},
	} {
		if got := symmetricDifference(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("symmetricDifference(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// routes counts the requests of the sandbox's routes that contain part, since the last reset.
func routes(sb *sandbox.Sandbox, route string) int {
	return sb.Control().Stats().Routes[route]
}

const (
	appUsersList = "okta GET /api/v1/apps/{appId}/users"
	appUserRead  = "okta GET /api/v1/apps/{appId}/users/{userId}"
	groupMembers = "okta GET /api/v1/groups/{groupId}/users"
)

// appliedApp is an app whose groups hold seedgen's users, provisioned by one apply of benchSettings.
type appliedApp struct {
	sb      *sandbox.Sandbox
	s       settings
	groups  []string // the assigned groups' names
	managed map[string]bool
	snap    *snapshot // what the apply saved
}

// applyApp starts a sandbox of users in groups groups, assigns the first assigned of them to a new app, runs
// before (nil for none) and applies.
func applyApp(t *testing.T, users, groups, assigned int, before func(*sandbox.Sandbox)) appliedApp {
	t.Helper()
	a := appliedApp{sb: benchSandbox(t, users, groups)}
	oc, sf := clients(t, a.sb)
	for i := range assigned {
		a.groups = append(a.groups, seedgen.GroupName(i+1))
	}
	a.s = benchSettings(appWithGroups(t, oc, a.groups...))
	if before != nil {
		before(a.sb)
	}
	after, snap, failures, err := newTestEngine(oc, sf).apply(context.Background(), a.s, nil, nil)
	if err != nil || len(failures) > 0 || snap == nil {
		t.Fatalf("apply: %v, %d failures, snapshot %v", err, len(failures), snap != nil)
	}
	a.managed, a.snap = keySet(after.Managed), snap
	return a
}

// plan plans in a new run (nothing cached) on prior, with the sandbox's request counts reset before it.
func (a appliedApp) plan(t *testing.T, prior *snapshot) (outcome, *snapshot) {
	t.Helper()
	oc, sf := clients(t, a.sb)
	a.sb.Control().ResetStats()
	out, next, err := newTestEngine(oc, sf).plan(context.Background(), a.s, a.managed, prior)
	if err != nil {
		t.Fatal(err)
	}
	return out, next
}

// A plan built on the last apply's snapshot re-reads only what its markers say moved: nothing when nothing
// did; one group's members and one app user when a member left; everything when the snapshot is older than
// snapshotRetention.
func TestSnapshot_readsOnlyWhatMoved(t *testing.T) {
	if testing.Short() {
		t.Skip("against the sandbox")
	}
	// Okta brings new assignments to the app's users in the background: the reads below are some minutes
	// later, when the assignments are settled.
	app := applyApp(t, 300, 3, 3, func(sb *sandbox.Sandbox) {
		sb.Okta().SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	})
	sb, groups, managed, snap := app.sb, app.groups, app.managed, app.snap
	oc, _ := clients(t, sb)
	ctx := context.Background()
	plan := func(prior *snapshot) (outcome, *snapshot) { t.Helper(); return app.plan(t, prior) }

	out, next := plan(snap)
	if !out.empty() || len(out.Managed) != len(managed) {
		t.Errorf("no-change plan: pending %d/%d/%d/%d, %d managed; want none pending and %d managed", len(out.Creates), len(out.Updates),
			len(out.Deactivates), len(out.Reactivates), len(out.Managed), len(managed))
	}
	if n := routes(sb, appUsersList); n != 0 {
		t.Errorf("a no-change plan on a snapshot listed the app's users (%d requests): %s", n, describeRoutes(sb))
	}

	// One member leaves a group: the plan reads that group and that user, and deactivates the user.
	g, err := oc.FindGroupByName(ctx, groups[0])
	if err != nil {
		t.Fatal(err)
	}
	members, err := oc.ListGroupMembers(ctx, g.ID)
	if err != nil || len(members) == 0 {
		t.Fatalf("members of %s: %v (%d)", groups[0], err, len(members))
	}
	leaver, moved := members[0], 0 // out of every group of the app (seedgen puts some users in two)
	for _, name := range groups {
		g, err := oc.FindGroupByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oc.Raw(ctx, http.MethodDelete, "/api/v1/groups/"+g.ID+"/users/"+leaver.ID, nil, nil); err == nil {
			moved++
		}
	}
	time.Sleep(1100 * time.Millisecond) // past the second of the change, so that the group's marker settles
	out, _ = plan(next)
	if len(out.Deactivates) != 1 || !strings.EqualFold(out.Deactivates[0].FederationID, leaver.Login) {
		t.Errorf("after %s left %s the plan deactivates %v, want that user alone", leaver.Login, groups[0], fids(out.Deactivates))
	}
	if list, one, grp := routes(sb, appUsersList), routes(sb, appUserRead), routes(sb, groupMembers); list != 0 || one != 1 || grp != moved {
		t.Errorf("after one member left %d groups: %d app user lists, %d app user reads, %d group member lists; want 0, 1, %d: %s", moved, list, one, grp, moved, describeRoutes(sb))
	}

	// Past the retention, the plan reads everything again (and still finds the leaver).
	old := snapshotRetention
	snapshotRetention = 0
	t.Cleanup(func() { snapshotRetention = old })
	out, _ = plan(next)
	if n := routes(sb, appUsersList); n == 0 {
		t.Errorf("a plan on a snapshot older than the retention did not list the app's users: %s", describeRoutes(sb))
	}
	if len(out.Deactivates) != 1 {
		t.Errorf("a full read deactivates %v, want %s alone", fids(out.Deactivates), leaver.Login)
	}
}

func fids(cs []change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.FederationID
	}
	return out
}

// Okta brings a new or changed group assignment to the app's users in the background: a read within
// markers.OktaSinceMargin of an assignment's change is unsettled, and the next read lists the app's users
// again (the members of its unchanged groups are kept); once a read finds every assignment settled, the next
// builds on it.
func TestSnapshot_recentAssignmentsUnsettled(t *testing.T) {
	if testing.Short() {
		t.Skip("against the sandbox")
	}
	app := applyApp(t, 100, 2, 2, nil)
	plan := func(prior *snapshot) (*snapshot, int) {
		t.Helper()
		_, next := app.plan(t, prior)
		return next, routes(app.sb, appUsersList)
	}
	snap := app.snap
	if _, lists := plan(snap); lists == 0 {
		t.Errorf("a plan right after the app's groups were assigned built on the snapshot instead of listing the app's users")
	}
	if n := routes(app.sb, groupMembers); n != 0 {
		t.Errorf("a plan on an unsettled snapshot listed the members of %d unchanged groups, want none (they are kept): %s", n, describeRoutes(app.sb))
	}
	app.sb.Okta().SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	settled, lists := plan(snap)
	if lists == 0 {
		t.Errorf("a plan on a snapshot made while the assignments were unsettled did not list the app's users")
	}
	if _, lists := plan(settled); lists != 0 {
		t.Errorf("a plan on a settled snapshot listed the app's users (%d requests): %s", lists, describeRoutes(app.sb))
	}
}
