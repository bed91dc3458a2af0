package entitlement_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/entitlement"
)

// A binding re-reads only what its change markers say moved since its last read. Each test below applies,
// changes one thing out of band, and checks that the next plan shows exactly that change (the plan before
// it read from the markers), that apply converges and that Salesforce holds what it should.

// driftCase is one out-of-band change: the plan after it changes assigned_federation_ids from before to
// after, and after apply Salesforce holds held (assignments of inactive users included).
type driftCase struct {
	change        func()
	before, after []string
	unknown       bool // after is known only after apply: a member waits for its user while the binding changes
	held          []string
}

// driftSteps are the steps of a test that applies config and then makes each change in turn.
func driftSteps(t *testing.T, sf *salesforce.Client, config, ps string, initial []string, cases ...driftCase) []resource.TestStep {
	steps := []resource.TestStep{{Config: config, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: checkHolders(t, sf, ps, false, initial...)}}
	for _, c := range cases {
		checks := []plancheck.PlanCheck{expectSetChange{addr: bindingAddr, attr: "assigned_federation_ids", before: c.before, after: c.after}}
		if c.unknown {
			checks = append(checks, plancheck.ExpectUnknownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids")))
		}
		if slices.Equal(c.before, c.after) {
			checks = append(checks, plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionNoop))
		}
		steps = append(steps, resource.TestStep{
			PreConfig: c.change,
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             checks,
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: checkHolders(t, sf, ps, false, c.held...),
		})
	}
	return steps
}

func sorted(values ...string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return out
}

func oktaLifecycle(t *testing.T, oc *okta.Client, u person, op string) {
	t.Helper()
	if _, err := oc.Raw(context.Background(), http.MethodPost, "/api/v1/users/"+u.ID+"/lifecycle/"+op, nil, nil); err != nil {
		t.Fatalf("%s %s: %v", op, u.Login, err)
	}
}

func updateSalesforceUser(t *testing.T, sf *salesforce.Client, id string, fields map[string]any) {
	t.Helper()
	rec := map[string]any{"Id": id}
	for k, v := range fields {
		rec[k] = v
	}
	res, err := sf.UpdateCollection(context.Background(), "User", []map[string]any{rec})
	if err == nil {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("update Salesforce user %s: %v", id, err)
	}
}

func TestAccPermissionSetBinding_markersMemberAddedAndRemoved(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "one member, then two, then one", a.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a),
			driftCase{change: func() { acctest.AddOktaGroupMember(t, oc, group, b.OktaUser) }, before: fids(a), after: fids(a, b), held: fids(a, b)},
			driftCase{change: func() { acctest.RemoveOktaGroupMember(t, oc, group, a.OktaUser) }, before: fids(a, b), after: fids(b), held: fids(b)},
		),
	})
}

// The Federation ID attribute (email) of a member changes in Okta: its old Federation ID is removed, and the
// new one, which no Salesforce user holds, waits (so the planned value is unknown, as for any binding that
// changes while a member waits).
func TestAccPermissionSetBinding_markersProfileEdited(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound by email", a.OktaUser, b.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	editEmail := func() {
		body := map[string]any{"profile": map[string]any{"email": "moved." + a.Email}}
		if _, err := oc.Raw(context.Background(), http.MethodPost, "/api/v1/users/"+a.ID, body, nil); err != nil {
			t.Fatalf("edit the email of %s: %v", a.Login, err)
		}
	}
	config := bindingConfig(sb, fmt.Sprintf("permission_set = %q\n  federation_id_attribute = \"email\"", ps), group)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, config, ps, fids(a, b),
			driftCase{change: editEmail, before: fids(a, b), after: nil, unknown: true, held: fids(b)}),
	})
}

// Okta users suspended, then deactivated, lose the permission set; a deactivated user's suspended
// neighbour comes back when unsuspended.
func TestAccPermissionSetBinding_markersOktaStatus(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c")
	group := acctest.CreateOktaGroup(t, oc, "bound", "statuses", a.OktaUser, b.OktaUser, c.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a, b, c),
			driftCase{change: func() { oktaLifecycle(t, oc, b, "suspend") }, before: fids(a, b, c), after: fids(a, c), held: fids(a, c)},
			driftCase{change: func() { oktaLifecycle(t, oc, c, "deactivate") }, before: fids(a, c), after: fids(a), held: fids(a)},
			driftCase{change: func() { oktaLifecycle(t, oc, b, "unsuspend") }, before: fids(a), after: fids(a, b), held: fids(a, b)},
		),
	})
}

// Salesforce changes out of band: an assignment removed comes back; a user deactivated leaves
// assigned_federation_ids (its assignment stays) and returns when reactivated; a user whose Federation ID
// changes holds the set under a Federation ID no member has, which is removed (and the member waits).
func TestAccPermissionSetBinding_markersSalesforceChanges(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "salesforce changes", a.OktaUser, b.OktaUser)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	removeB := func() { removeAssignment(t, sf, psID, b) }
	moved := "moved." + b.Login
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a, b),
			driftCase{change: removeB, before: fids(a), after: fids(a, b), held: fids(a, b)},
			driftCase{change: func() { updateSalesforceUser(t, sf, b.SalesforceID, map[string]any{"IsActive": false}) }, before: fids(a), after: fids(a), held: fids(a, b)},
			driftCase{change: func() { updateSalesforceUser(t, sf, b.SalesforceID, map[string]any{"IsActive": true}) }, before: fids(a, b), after: fids(a, b), held: fids(a, b)},
			driftCase{change: func() { updateSalesforceUser(t, sf, b.SalesforceID, map[string]any{"FederationIdentifier": moved}) },
				before: sorted(a.Login, moved), after: nil, unknown: true, held: fids(a)},
		),
	})
}

// Okta's clock ten minutes behind Salesforce's (and the machine's): the changes Okta stamps on its own clock
// are still found, as the users search starts from Okta's Date header, not from the provider's clock.
func TestAccPermissionSetBinding_markersClockSkew(t *testing.T) {
	acctest.RequireSandbox(t, "sets the Okta emulator's clock")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	sb.Okta().SetClock(func() time.Time { return time.Now().Add(-10 * time.Minute) })
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "skewed", a.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a),
			driftCase{change: func() { acctest.AddOktaGroupMember(t, oc, group, b.OktaUser) }, before: fids(a), after: fids(a, b), held: fids(a, b)},
			driftCase{change: func() { oktaLifecycle(t, oc, a, "suspend") }, before: fids(a, b), after: fids(b), held: fids(b)},
		),
	})
}

// settleOktaWrites sets the Okta emulator's clock a minute back until the returned function is called:
// what is written meanwhile (groups, members) is settled for a read right after, as in an estate, so that
// the bindings' first reads do not read the groups again only because their markers were read in the
// second of the last membership change (settledMarker).
func settleOktaWrites(sb *sandbox.Sandbox) (done func()) {
	var back atomic.Bool
	back.Store(true)
	sb.Okta().SetClock(func() time.Time {
		if back.Load() {
			return time.Now().Add(-time.Minute)
		}
		return time.Now()
	})
	return func() { back.Store(false) }
}

// memberListReads counts the requests for group members since the stats were reset.
func memberListReads(sb *sandbox.Sandbox) int {
	return sb.Control().Stats().Routes["okta GET /api/v1/groups/{groupId}/users"]
}

// Markers older than the retention limit are not built on: the plan reads every group again.
func TestAccPermissionSetBinding_markersRetention(t *testing.T) {
	sb, sf, ps, first, second, a, b := twoGroupsFixture(t)
	config := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), first, second)
	var restore func()
	t.Cleanup(func() {
		if restore != nil {
			restore()
		}
	})
	reads := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := memberListReads(sb); got != want {
				return fmt.Errorf("the plans read group members %d times, want %d", got, want)
			}
			return nil
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{Config: config, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: checkHolders(t, sf, ps, false, fids(a, b)...)},
			{PreConfig: func() { sb.Control().ResetStats() }, Config: config, PlanOnly: true},
			{PreConfig: func() {
				// Within the limit: the two plans of the step above (without and with refresh) read no group.
				if err := reads(0)(nil); err != nil {
					t.Fatal(err)
				}
				restore = entitlement.SetMarkerRetention(0)
				sb.Control().ResetStats()
			}, Config: config, PlanOnly: true},
			{PreConfig: func() {
				// Past it: each plan reads both groups (the refresh reads them, and the plan builds on what it read).
				if err := reads(2 * 2)(nil); err != nil {
					t.Fatal(err)
				}
				restore()
				restore = nil
			}, Config: config, PlanOnly: true},
		},
	})
}

// countingConfig binds n permission sets (from sets[first]), binding i to groups i and i+1 (of len(groups),
// cyclically), as resources <prefix><i>.
func countingConfig(sb *sandbox.Sandbox, prefix string, sets []string, first int, groups []acctest.OktaGroup, n int) string {
	var b strings.Builder
	b.WriteString(acctest.ProviderConfig(sb))
	for i := range n {
		fmt.Fprintf(&b, `
resource "oktasf_permission_set_binding" "%s%d" {
  salesforce_org = %q
  permission_set = %q
  group_ids      = [%q, %q]
}
`, prefix, i, acctest.PrimaryOrg(), sets[first+i], groups[i%len(groups)].ID, groups[(i+1)%len(groups)].ID)
	}
	return b.String()
}

// A no-change plan costs the same number of requests for 2 bindings as for 6 and reads no group; a plan
// after one membership change reads that group only (once per plan) and costs at most 5 requests more.
func TestAccPermissionSetBinding_markersRequestCounts(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of a plan")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	settled := settleOktaWrites(sb)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	var groups []acctest.OktaGroup
	for i := range 6 {
		p, q := newPerson(t, oc, sf, fmt.Sprint("g", i, "a")), newPerson(t, oc, sf, fmt.Sprint("g", i, "b"))
		groups = append(groups, acctest.CreateOktaGroup(t, oc, fmt.Sprint("g", i), "counted", p.OktaUser, q.OktaUser))
	}
	sets := make([]string, 8) // six for the six bindings, two for the two (destroyed while the six are created)
	for i := range sets {
		sets[i], _ = acctest.CreatePermissionSet(t, sf, fmt.Sprint("counted", i), nil)
	}
	newcomer := newPerson(t, oc, sf, "newcomer")
	settled()
	// The six are created in one apply, as an estate is, so that they hold the markers of one run; so are the two.
	two, six := countingConfig(sb, "a", sets, 6, groups, 2), countingConfig(sb, "b", sets, 0, groups, 6)
	var withTwo, withSix int
	plans := 2 // a PlanOnly step plans without refresh, then with it
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: two, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{PreConfig: func() { sb.Control().ResetStats() }, Config: two, PlanOnly: true},
			{PreConfig: func() { withTwo = sb.Control().Stats().Total }, Config: six, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{PreConfig: func() { sb.Control().ResetStats() }, Config: six, PlanOnly: true},
			{
				PreConfig: func() {
					stats := sb.Control().Stats()
					withSix = stats.Total
					if withSix != withTwo || memberListReads(sb) != 0 {
						t.Fatalf("no-change plans: %d requests for 2 bindings, %d for 6, %d member lists (want equal counts and none): %v",
							withTwo, withSix, memberListReads(sb), stats.Routes)
					}
					acctest.AddOktaGroupMember(t, oc, groups[0], newcomer.OktaUser)
					sb.Control().ResetStats()
				},
				Config:             six,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				// The plan without refresh (-refresh=false) builds on the markers in state and finds the change too;
				// so does the plan with refresh.
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("oktasf_permission_set_binding.b0", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("oktasf_permission_set_binding.b5", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("oktasf_permission_set_binding.b1", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("oktasf_permission_set_binding.b0", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("oktasf_permission_set_binding.b5", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("oktasf_permission_set_binding.b1", plancheck.ResourceActionNoop),
					},
				},
			},
			{
				PreConfig: func() {
					stats := sb.Control().Stats()
					if memberListReads(sb) != plans || stats.Total > withSix+5*plans {
						t.Fatalf("plans after one membership change: %d member lists (want %d: the changed group, once per plan), %d requests "+
							"(want at most %d): %v", memberListReads(sb), plans, stats.Total, withSix+5*plans, stats.Routes)
					}
				},
				Config:           six,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: func(s *terraform.State) error {
					return checkHolders(t, sf, sets[0], false, groupFIDs(t, oc, groups[0], groups[1])...)(s)
				},
			},
		},
	})
}

// groupFIDs are the logins of the groups' members.
func groupFIDs(t *testing.T, oc *okta.Client, groups ...acctest.OktaGroup) []string {
	seen := map[string]bool{}
	for _, g := range groups {
		members, err := oc.ListGroupMembers(context.Background(), g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			seen[m.Login] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Okta stamps to the second: with its clock stopped on one second, a member added after the binding's read
// leaves the group's lastMembershipUpdated (and the user's lastUpdated) as they were. The group was read
// within the second of the markers, so its marker is unsettled and the next plan reads its members again.
func TestAccPermissionSetBinding_markersSameSecondMembership(t *testing.T) {
	acctest.RequireSandbox(t, "stops the Okta emulator's clock")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	stopped := time.Now().UTC().Truncate(time.Second)
	sb.Okta().SetClock(func() time.Time { return stopped })
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c")
	group := acctest.CreateOktaGroup(t, oc, "bound", "one second", a.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a),
			driftCase{change: func() { acctest.AddOktaGroupMember(t, oc, group, b.OktaUser) }, before: fids(a), after: fids(a, b), held: fids(a, b)},
			driftCase{change: func() {
				acctest.AddOktaGroupMember(t, oc, group, c.OktaUser)
				acctest.RemoveOktaGroupMember(t, oc, group, a.OktaUser)
			}, before: fids(a, b), after: fids(b, c), held: fids(b, c)},
		),
	})
}

// Okta's user search is eventually consistent: a change stamped before the binding's full read may reach
// the search index only after it. The emulator's search has no lag, so the test stamps a change made after
// the read 30 seconds back (as a write that became searchable late): the next plan's search still finds it.
func TestAccPermissionSetBinding_markersLateSearchAfterFullRead(t *testing.T) {
	acctest.RequireSandbox(t, "sets the Okta emulator's clock")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	var back atomic.Int64 // seconds the Okta clock is set back
	sb.Okta().SetClock(func() time.Time { return time.Now().Add(-time.Duration(back.Load()) * time.Second) })
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	back.Store(60) // the group settled long before the binding reads it, so that its members are not read again
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "late search", a.OktaUser, b.OktaUser)
	back.Store(0)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	suspendLate := func() {
		back.Store(30)
		defer back.Store(0)
		oktaLifecycle(t, oc, b, "suspend")
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a, b),
			driftCase{change: suspendLate, before: fids(a, b), after: fids(a), held: fids(a)}),
	})
}

// Salesforce stamps to the second: with its clock stopped on one second, a user changed after the binding's
// read keeps the users' count, latest stamp and count at it. The marker was read within the margin of its
// latest stamp, so the next plan reads the users modified since that stamp less the margin and sees it.
func TestAccPermissionSetBinding_markersSameSecondSalesforceUser(t *testing.T) {
	acctest.RequireSandbox(t, "stops the Salesforce emulator's clock")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	stopped := time.Now().UTC().Truncate(time.Second)
	sb.Org(acctest.PrimaryOrg()).SetClock(func() time.Time { return stopped })
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "one second", a.OktaUser, b.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a, b),
			driftCase{change: func() { updateSalesforceUser(t, sf, b.SalesforceID, map[string]any{"IsActive": false}) }, before: fids(a), after: fids(a), held: fids(a, b)},
			driftCase{change: func() { updateSalesforceUser(t, sf, b.SalesforceID, map[string]any{"IsActive": true}) }, before: fids(a, b), after: fids(a, b), held: fids(a, b)},
		),
	})
}

// With Salesforce's clock stopped on one second, one assignment of the set removed and another added after
// the binding's read keep the set's count and latest stamp. The holders were listed within the margin of
// that stamp, so the next plan reads the assignments stamped since and finds one it did not list. (The users
// are created a few minutes earlier, so that they are settled and the users' delta does not find it.)
func TestAccPermissionSetBinding_markersSameSecondAssignments(t *testing.T) {
	acctest.RequireSandbox(t, "stops the Salesforce emulator's clock")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	var stopped atomic.Int64 // Unix seconds; 0: three minutes back, running
	sb.Org(acctest.PrimaryOrg()).SetClock(func() time.Time {
		if s := stopped.Load(); s != 0 {
			return time.Unix(s, 0).UTC()
		}
		return time.Now().Add(-3 * time.Minute)
	})
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c")
	group := acctest.CreateOktaGroup(t, oc, "bound", "one second", a.OktaUser, b.OktaUser)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	stopped.Store(time.Now().Unix())
	swap := func() {
		removeAssignment(t, sf, psID, b)
		res, err := sf.AddAssignments(context.Background(), salesforce.AssignmentTarget{PermissionSetID: psID}, []string{c.SalesforceID})
		if err == nil {
			err = res[0].Err()
		}
		if err != nil {
			t.Fatalf("assign %s: %v", c.Login, err)
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: driftSteps(t, sf, bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ps, fids(a, b),
			driftCase{change: swap, before: fids(a, c), after: fids(a, b), held: fids(a, b)}),
	})
}

// removeAssignment deletes p's assignment of the permission set psID in Salesforce, as an admin would.
func removeAssignment(t *testing.T, sf *salesforce.Client, psID string, p person) {
	t.Helper()
	var rows []struct {
		ID string `json:"Id"`
	}
	soql := "SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = " + salesforce.Quote(psID) + " AND AssigneeId = " + salesforce.Quote(p.SalesforceID)
	if err := sf.Query(context.Background(), soql, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("find the assignment of %s: %v %v", p.Login, rows, err)
	}
	if _, err := sf.DeleteCollection(context.Background(), "PermissionSetAssignment", []string{rows[0].ID}); err != nil {
		t.Fatal(err)
	}
}

// The retention limit counts from the last full read, not the last read: an apply that refreshes the binding
// incrementally (another resource changed) does not restart it, so whatever a marker missed is read again
// once the full read is older than the limit, however often plans and applies run.
func TestAccPermissionSetBinding_markersRetentionFromFullRead(t *testing.T) {
	sb, sf, ps, first, second, _, _ := twoGroupsFixture(t)
	other, _ := acctest.CreatePermissionSet(t, sf, "other", nil)
	config := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), first)
	withOther := config + fmt.Sprintf(`
resource "oktasf_permission_set_binding" "other" {
  salesforce_org = %q
  permission_set = %q
  group_ids      = [%q]
}
`, acctest.PrimaryOrg(), other, second.ID)
	const limit = 10 * time.Second
	restore := entitlement.SetMarkerRetention(limit)
	t.Cleanup(restore)
	var fullRead time.Time
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{PreConfig: func() { fullRead = time.Now() }, Config: config, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			// Four seconds later another binding is added: the first one's refresh is incremental and saved.
			{PreConfig: func() { time.Sleep(time.Until(fullRead.Add(4 * time.Second))) }, Config: withOther, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					// Past the limit counted from the full read, within it counted from the incremental one.
					time.Sleep(time.Until(fullRead.Add(limit + time.Second)))
					sb.Control().ResetStats()
				},
				Config: withOther, PlanOnly: true,
			},
			{
				PreConfig: func() { // a plan-only step runs no Check: the reads of the plans above are checked here
					if memberListReads(sb) == 0 {
						t.Fatal("the plans past the limit read no group: the first binding's markers outlived their full read")
					}
				},
				Config: withOther, PlanOnly: true,
			},
		},
	})
}

// twoGroupsFixture is a sandbox with people a and b, each in a group of their own created a minute back on
// Okta's clock (settled: no plan reads them again for being new), and a permission set to bind.
func twoGroupsFixture(t *testing.T) (sb *sandbox.Sandbox, sf *salesforce.Client, ps string, first, second acctest.OktaGroup, a, b person) {
	t.Helper()
	acctest.RequireSandbox(t, "counts the requests of a plan")
	sb = acctest.NewSandbox(t, sandbox.Options{})
	settled := settleOktaWrites(sb)
	oc := acctest.OktaClient(t, sb)
	sf = acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b = newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	first, second = acctest.CreateOktaGroup(t, oc, "first", "bound", a.OktaUser), acctest.CreateOktaGroup(t, oc, "second", "bound", b.OktaUser)
	settled()
	ps, _ = acctest.CreatePermissionSet(t, sf, "bound", nil)
	return sb, sf, ps, first, second, a, b
}
