package provisioning

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

// Sizes of the scale tests. The request budgets are the README's figures (readmeFigure): the engine's
// calls are part of the terraform runs `make bench` counts there, which also plan, describe User and sign
// in once per provider start, so the README's whole-run count bounds them and its writes equal them.
const (
	scaleUsers         = 5000 // the README's provisioning.users
	faultConvergeLimit = 12   // applies the fault test allows before it calls the run stuck
	faultUsers         = 1000
)

// benchSandbox starts a sandbox seeded by seedgen with users Okta users in groups groups and no Salesforce users.
func benchSandbox(t *testing.T, users, groups int) *sandbox.Sandbox {
	t.Helper()
	raw, err := seedgen.Generate(seedgen.Options{Users: users, Groups: groups, Orgs: []string{"qa"}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := sandbox.ParseSeed(raw)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// Provisioning 5,000 users costs no more Salesforce requests than the README's apply that provisions them,
// with exactly its writes (Collections of 200), and a plan that finds nothing to do no more requests than
// the README's no-change plan (list and query calls, never one per user).
func TestEngine_scale(t *testing.T) {
	if testing.Short() || os.Getenv("TF_ACC_LIVE") == "1" {
		t.Skip("scale test against the sandbox")
	}
	if n := readmeFigure(t, "provisioning.users"); n != scaleUsers {
		t.Fatalf("the README's provisioning figures are for %d users, this test provisions %d", n, scaleUsers)
	}
	provisionSFBudget := readmeFigure(t, "provisioning.apply.salesforce_requests")
	noChangeReadBudget := readmeFigure(t, "provisioning.plan.requests")
	sb := benchSandbox(t, scaleUsers, 10)
	oc, sf := clients(t, sb)
	groups := make([]string, 10)
	for i := range groups {
		groups[i] = seedgen.GroupName(i + 1)
	}
	appID := appWithGroups(t, oc, groups...)
	s := benchSettings(appID)
	ctx := context.Background()

	sb.Control().ResetStats()
	after, snap, failures, err := newTestEngine(oc, sf).apply(ctx, s, nil, nil)
	if err != nil || len(failures) > 0 {
		t.Fatalf("apply: %v, %d failures (first: %+v)", err, len(failures), first(failures))
	}
	sfRequests, _ := salesforceCount(sb)
	if sfRequests > provisionSFBudget {
		t.Errorf("provisioning %d users cost %d Salesforce requests, want at most the README's %d: %s", scaleUsers, sfRequests, provisionSFBudget, describeRoutes(sb))
	}
	t.Logf("provisioning %d users: %d Salesforce requests", scaleUsers, sfRequests)
	if len(after.Managed) != scaleUsers || !after.empty() {
		t.Errorf("after apply: %d managed users, pending %d/%d/%d/%d; want %d and nothing pending", len(after.Managed),
			len(after.Creates), len(after.Updates), len(after.Deactivates), len(after.Reactivates), scaleUsers)
	}
	if got := len(usersByFID(t, sf)); got != scaleUsers {
		t.Errorf("Salesforce has %d federated users, want %d", got, scaleUsers)
	}

	// The plan as the README's bench measures it: minutes later, when Okta has brought the app's new group
	// assignments to its users, on the snapshot of a refresh made then.
	sb.Okta().SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	oc2, sf2 := clients(t, sb) // a new terraform run: nothing cached but what was saved
	if _, snap, err = newTestEngine(oc2, sf2).plan(ctx, s, keySet(after.Managed), snap); err != nil {
		t.Fatal(err)
	}
	oc2, sf2 = clients(t, sb)
	sb.Control().ResetStats()
	out, _, err := newTestEngine(oc2, sf2).plan(ctx, s, keySet(after.Managed), snap)
	if err != nil {
		t.Fatal(err)
	}
	if !out.empty() {
		t.Errorf("a second plan still has changes: %d/%d/%d/%d", len(out.Creates), len(out.Updates), len(out.Deactivates), len(out.Reactivates))
	}
	_, total := salesforceCount(sb)
	t.Logf("no-change plan: %d requests: %s", total, describeRoutes(sb))
	if total > noChangeReadBudget {
		t.Errorf("a no-change plan over %d users cost %d requests, want at most the README's %d: %s", scaleUsers, total, noChangeReadBudget, describeRoutes(sb))
	}
}

// With 10% of requests to both APIs failing (5xx and connection resets), repeated applies converge: every
// app user has exactly one active Salesforce user, and the users of an unassigned group are all inactive.
func TestEngine_faultsConverge(t *testing.T) {
	if testing.Short() || os.Getenv("TF_ACC_LIVE") == "1" {
		t.Skip("fault test against the sandbox")
	}
	sb := benchSandbox(t, faultUsers, 3)
	oc, sf := clients(t, sb)
	appID := appWithGroups(t, oc, seedgen.GroupName(1), seedgen.GroupName(2), seedgen.GroupName(3))
	s := benchSettings(appID)
	ctx := context.Background()
	converge := func(phase string, managed map[string]bool) map[string]bool {
		t.Helper()
		// Each kind of fault on each API for certain (so the phase provably meets them: the first request to
		// each API gets a 5xx, its retry a reset connection), then 10% of all requests at random.
		certain := []emu.Fault{
			{Service: "okta", Kind: emu.FaultServerError, Count: 1},
			{Service: "okta", Kind: emu.FaultConnReset, Count: 1},
			{Service: "salesforce", Kind: emu.FaultServerError, Count: 1},
			{Service: "salesforce", Kind: emu.FaultConnReset, Count: 1},
		}
		for _, f := range certain {
			sb.Control().AddFault(f)
		}
		sb.Control().AddFault(emu.Fault{Kind: emu.FaultServerError, Rate: 0.1})
		sb.Control().AddFault(emu.Fault{Kind: emu.FaultConnReset, Rate: 0.1})
		for i := 0; i < faultConvergeLimit; i++ {
			oc, sf := clients(t, sb)
			after, _, failures, err := newTestEngine(oc, sf).apply(ctx, s, managed, nil)
			if after.Managed != nil {
				for k := range after.Managed {
					managed[k] = true
				}
			}
			if err == nil && len(failures) == 0 && after.empty() {
				// Convergence proves nothing unless the faults really hit this phase's requests.
				faults := sb.Control().Faults()
				for _, f := range faults[:len(certain)] {
					if f.Injected != f.Count {
						t.Fatalf("%s: the %s fault on %s was injected %d times, want %d: convergence under faults is unproven",
							phase, f.Kind, f.Service, f.Injected, f.Count)
					}
				}
				t.Logf("%s: converged after %d applies, %d requests: %s", phase, i+1, sb.Control().Stats().Total, describeFaults(faults))
				sb.Control().ClearFaults()
				return managed
			}
		}
		sb.Control().ClearFaults()
		t.Fatalf("%s: no convergence after %d applies", phase, faultConvergeLimit)
		return nil
	}
	managed := converge("provision", map[string]bool{})

	// Unassign one group; its members who are in no other assigned group must end up inactive.
	g, err := oc.FindGroupByName(ctx, seedgen.GroupName(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.DeleteAppGroupAssignment(ctx, appID, g.ID); err != nil {
		t.Fatal(err)
	}
	managed = converge("deactivate", managed)
	checkActive(t, oc, sf, appID)

	// Assign it again: its members come back as the same, reactivated users.
	before := usersByFID(t, sf)
	p := 2
	if _, err := oc.SetAppGroupAssignment(ctx, appID, g.ID, &p, map[string]any{"profile": "Sales User"}); err != nil {
		t.Fatal(err)
	}
	converge("reactivate", managed)
	checkActive(t, oc, sf, appID)
	for fid, users := range usersByFID(t, sf) {
		if was := before[fid]; len(was) != 1 || was[0].ID != users[0].ID {
			t.Errorf("user %s: Salesforce ID changed from %v to %s", fid, was, users[0].ID)
		}
	}
}

// checkActive fails unless every app user has exactly one active Salesforce user and every other federated
// user is inactive.
func checkActive(t *testing.T, oc *okta.Client, sf *salesforce.Client, appID string) {
	t.Helper()
	ctx := context.Background()

	appUsers, err := oc.ListAppUsersExpanded(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, au := range appUsers {
		want[strings.ToLower(au.UserProfile["login"].(string))] = true
	}
	if len(want) == 0 {
		t.Fatal("the app has no users")
	}
	for fid, users := range usersByFID(t, sf) {
		if len(users) != 1 {
			t.Errorf("Federation ID %s has %d Salesforce users, want 1", fid, len(users))
		}
		if users[0].IsActive != want[fid] {
			t.Errorf("user %s: active = %v, want %v", fid, users[0].IsActive, want[fid])
		}
		delete(want, fid)
	}
	for fid := range want {
		t.Errorf("app user %s has no Salesforce user", fid)
	}
}

func keySet(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func first(fs []userFailure) userFailure {
	if len(fs) == 0 {
		return userFailure{}
	}
	return fs[0]
}

func describeFaults(faults []emu.Fault) string {
	var parts []string
	for _, f := range faults {
		parts = append(parts, fmt.Sprintf("%s injected %d times", f.Kind, f.Injected))
	}
	return strings.Join(parts, ", ")
}
