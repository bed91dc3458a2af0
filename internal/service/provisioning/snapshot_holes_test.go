package provisioning

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/markers"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

// summary lists an outcome's changes by kind, sorted: equal for equal plans.
func summary(o outcome) string {
	var parts []string
	for name, cs := range map[string][]change{"create": o.Creates, "update": o.Updates, "deactivate": o.Deactivates, "reactivate": o.Reactivates} {
		f := fids(cs)
		sort.Strings(f)
		parts = append(parts, name+"="+strings.Join(f, ","))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// A directly assigned user deleted out of band (deactivated, then deleted) between two runs, long after its
// assignment: no group marker moves and the user search no longer finds the user; the System Log's deletion
// event does, and the plan on the snapshot is the full read's.
func TestSnapshot_deletedDirectUser(t *testing.T) {
	if testing.Short() {
		t.Skip("against the sandbox")
	}
	sb := benchSandbox(t, 40, 3)
	var offset atomic.Int64
	sb.Okta().SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	oc, sf := clients(t, sb)
	ctx := context.Background()
	appID := appWithGroups(t, oc, seedgen.GroupName(1))
	g, err := oc.FindGroupByName(ctx, seedgen.GroupName(1))
	if err != nil {
		t.Fatal(err)
	}
	members, err := oc.ListGroupMembers(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, m := range members {
		in[m.ID] = true
	}
	var all []map[string]any
	if _, err := oc.Raw(ctx, http.MethodGet, "/api/v1/users?limit=200", nil, &all); err != nil {
		t.Fatal(err)
	}
	var uid, login string
	for _, u := range all {
		id, _ := u["id"].(string)
		if !in[id] && u["status"] == "ACTIVE" {
			uid = id
			login, _ = u["profile"].(map[string]any)["login"].(string)
			break
		}
	}
	if uid == "" {
		t.Fatal("no user outside the group")
	}
	if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/apps/"+appID+"/users", map[string]any{"id": uid, "scope": "USER",
		"profile": map[string]any{"profile": "Sales User"}}, nil); err != nil {
		t.Fatal(err)
	}
	s := benchSettings(appID)
	offset.Store(int64(10 * time.Minute)) // the apply is ten minutes after the assignment
	after, snap, failures, err := newTestEngine(oc, sf).apply(ctx, s, nil, nil)
	if err != nil || len(failures) > 0 || snap == nil {
		t.Fatalf("apply: %v %d %v", err, len(failures), snap != nil)
	}
	r := appliedApp{sb: sb, s: s, managed: keySet(after.Managed)}
	if !r.managed[strings.ToLower(login)] {
		t.Fatalf("%s not managed after apply", login)
	}
	offset.Store(int64(20 * time.Minute)) // and the next run ten minutes after the apply
	for i := 0; i < 2; i++ {              // deactivate, then delete
		if _, err := oc.Raw(ctx, http.MethodDelete, "/api/v1/users/"+uid, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	full, _ := r.plan(t, nil)
	incr, _ := r.plan(t, snap)
	if len(full.Deactivates) != 1 {
		t.Errorf("a full read after deleting %s plans %s, want its user deactivated", login, summary(full))
	}
	if summary(full) != summary(incr) {
		t.Errorf("after deleting directly assigned %s:\n full read plans  %s\n snapshot plans   %s", login, summary(full), summary(incr))
	}
}

// The snapshot keeps of the Okta profiles only what the reconciliation reads: the state grows by little more
// than a hundred bytes per user.
func TestSnapshot_size(t *testing.T) {
	if testing.Short() {
		t.Skip("against the sandbox")
	}
	sb := benchSandbox(t, 2000, 3)
	oc, sf := clients(t, sb)
	appID := appWithGroups(t, oc, seedgen.GroupName(1), seedgen.GroupName(2), seedgen.GroupName(3))
	s := benchSettings(appID)
	s.Attributes = map[string]string{"LastName": "user.lastName", "Email": "user.email", "Alias": "user.lastName"}
	_, snap, _, err := newTestEngine(oc, sf).apply(context.Background(), s, nil, nil)
	if err != nil || snap == nil {
		t.Fatal(err)
	}
	for _, u := range snap.AppUsers {
		if _, kept := u.UserProfile["firstName"]; kept || u.UserProfile["lastName"] == nil {
			t.Fatalf("app user %s keeps %v of its Okta profile, want login, email and lastName", u.ID, u.UserProfile)
		}
	}
	packed := markers.Pack(snap)
	if perUser := len(packed) / len(snap.AppUsers); perUser > 150 {
		t.Errorf("the snapshot of %d users packs to %d bytes, %d per user; want at most 150", len(snap.AppUsers), len(packed), perUser)
	}
}

// An assigned group deleted between the run's (cached) read of the app's assignments and the read of its
// members: the plan lists the app's users (it does not fail with the Not Found that Read takes for the app
// gone) and plans what a full read plans.
func TestSnapshot_deletedGroupIsNotTheAppGone(t *testing.T) {
	if testing.Short() {
		t.Skip("against the sandbox")
	}
	app := applyApp(t, 40, 3, 2, nil)
	sb, s, appID, snap := app.sb, app.s, app.s.AppID, app.snap
	oc, _ := clients(t, sb)
	ctx := context.Background()
	oc2, sf2 := clients(t, sb)
	e := newTestEngine(oc2, sf2)
	if _, err := e.assignments(ctx, appID); err != nil { // e.g. a group mapping's Read earlier in the run
		t.Fatal(err)
	}
	g, err := oc.FindGroupByName(ctx, seedgen.GroupName(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oc.Raw(ctx, http.MethodDelete, "/api/v1/groups/"+g.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	incr, _, err := e.plan(ctx, s, app.managed, snap)
	if errors.Is(err, okta.ErrNotFound) {
		t.Fatalf("a deleted group makes the plan fail with ErrNotFound (Read removes the resource): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	full, _ := app.plan(t, nil)
	if summary(full) != summary(incr) || len(full.Deactivates) == 0 {
		t.Errorf("after deleting an assigned group:\n full read plans  %s\n snapshot plans   %s", summary(full), summary(incr))
	}
}
