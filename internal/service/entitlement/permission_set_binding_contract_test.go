package entitlement_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// assignmentSnapshot is every permission set assignment of the org, as "<PermissionSetId>/<AssigneeId>".
func assignmentSnapshot(t *testing.T, sf *salesforce.Client) []string {
	t.Helper()
	var rows []struct {
		PermissionSetID string `json:"PermissionSetId"`
		AssigneeID      string `json:"AssigneeId"`
	}
	if err := sf.Query(context.Background(), "SELECT PermissionSetId, AssigneeId FROM PermissionSetAssignment", &rows); err != nil {
		t.Fatalf("snapshot the permission set assignments: %v", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.PermissionSetID + "/" + r.AssigneeID
	}
	sort.Strings(out)
	return out
}

// minus is what of a is not in b.
func minus(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// plannedAssignments captures in a PreApply plan check the binding's assigned_federation_ids as refresh found
// them and as planned, and the org's assignments then; check compares the assignments after apply with them.
type plannedAssignments struct {
	t                 *testing.T
	sf                *salesforce.Client
	psID              string
	userIDs           map[string]string // Federation ID → Salesforce user ID
	before, after     []string          // assigned_federation_ids
	assignmentsBefore []string
}

func (p *plannedAssignments) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	get := func(v any) []string {
		m, _ := v.(map[string]any)
		out := []string{}
		list, _ := m["assigned_federation_ids"].([]any)
		for _, x := range list {
			out = append(out, fmt.Sprint(x))
		}
		sort.Strings(out)
		return out
	}
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address == bindingAddr {
			p.before, p.after = get(rc.Change.Before), get(rc.Change.After)
			p.assignmentsBefore = assignmentSnapshot(p.t, p.sf)
			return
		}
	}
	resp.Error = fmt.Errorf("%s is not in the plan", bindingAddr)
}

// check: Salesforce gained exactly the assignments of the Federation IDs the plan added and lost exactly
// those it removed; want is the planned assigned_federation_ids the test expects.
func (p *plannedAssignments) check(want []string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if !slices.Equal(p.after, want) {
			return fmt.Errorf("assigned_federation_ids planned %v, want %v", p.after, want)
		}
		of := func(fids []string) []string {
			out := []string{}
			for _, f := range fids {
				id, ok := p.userIDs[f]
				if !ok {
					return []string{"unknown Federation ID " + f}
				}
				out = append(out, p.psID+"/"+id)
			}
			sort.Strings(out)
			return out
		}
		now := assignmentSnapshot(p.t, p.sf)
		added, removed := minus(now, p.assignmentsBefore), minus(p.assignmentsBefore, now)
		if w := of(minus(p.after, p.before)); !slices.Equal(added, w) {
			return fmt.Errorf("apply added the assignments %v, the plan %v", added, w)
		}
		if w := of(minus(p.before, p.after)); !slices.Equal(removed, w) {
			return fmt.Errorf("apply removed the assignments %v, the plan %v", removed, w)
		}
		return nil
	}
}

// groupMembers lists the IDs of an Okta group's members.
func groupMembers(t *testing.T, oc *okta.Client, g acctest.OktaGroup) []string {
	t.Helper()
	var members []struct {
		ID string `json:"id"`
	}
	if _, err := oc.Raw(context.Background(), http.MethodGet, "/api/v1/groups/"+g.ID+"/users?limit=200", nil, &members); err != nil {
		t.Fatalf("list the members of %s: %v", g.Name, err)
	}
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.ID
	}
	sort.Strings(out)
	return out
}

// The contract of oktasf_permission_set_binding, through terraform against a sandbox of its own: apply plans
// nothing after; Okta changes made out of band (a member added to and one removed from the bound group, a
// member deactivated, a member's Federation ID attribute changed) are planned in assigned_federation_ids and
// one apply makes exactly those assignments and removals; import plans nothing and writes nothing; destroy
// leaves the org's assignments exactly as they were before the binding (the one it adopted stays, so does the
// integration user's) and Okta's group as it was.
func TestAccPermissionSetBinding_contract(t *testing.T) {
	acctest.RequireSandbox(t, "reads the sandbox's stats and state")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c, d, e := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c"), newPerson(t, oc, sf, "d"), newPerson(t, oc, sf, "e")
	adopted := newPerson(t, oc, sf, "adopted")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound to a permission set", users(a, b, c, adopted)...)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	integrationID, integrationName := integrationUser(t, sf)
	acctest.AssignPermissionSet(t, sf, psID, adopted.SalesforceID)
	acctest.AssignPermissionSet(t, sf, psID, integrationID)
	// Federation IDs are the Okta email, which is the login until a's is changed to e's.
	cfg := bindingConfig(sb, fmt.Sprintf("permission_set = %q\n  federation_id_attribute = \"email\"", ps), group)
	userIDs := map[string]string{}
	for _, p := range []person{a, b, c, d, e, adopted} {
		userIDs[p.Login] = p.SalesforceID
	}

	before := assignmentSnapshot(t, sf)
	var membersBeforeDestroy []string
	oob := &plannedAssignments{t: t, sf: sf, psID: psID, userIDs: userIDs}
	ctx := context.Background()
	steps := []resource.TestStep{
		{
			Config: cfg,
			Check: resource.ComposeTestCheckFunc(checkHolders(t, sf, ps, false, append(fids(a, b, c, adopted), integrationName)...), func(*terraform.State) error {
				want := []string{}
				for _, p := range []person{a, b, c} {
					want = append(want, psID+"/"+p.SalesforceID)
				}
				sort.Strings(want)
				if got := minus(assignmentSnapshot(t, sf), before); !slices.Equal(got, want) || len(minus(before, assignmentSnapshot(t, sf))) > 0 {
					return fmt.Errorf("the first apply added %v (want %v) and removed %v", got, want, minus(before, assignmentSnapshot(t, sf)))
				}
				return nil
			}),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
		},
		{
			PreConfig: func() {
				acctest.AddOktaGroupMember(t, oc, group, d.OktaUser)
				acctest.RemoveOktaGroupMember(t, oc, group, c.OktaUser)
				if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/users/"+b.ID+"/lifecycle/deactivate", nil, nil); err != nil {
					t.Fatalf("deactivate %s in Okta: %v", b.Login, err)
				}
				if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/users/"+a.ID, map[string]any{"profile": map[string]any{"email": e.Login}}, nil); err != nil {
					t.Fatalf("change the email of %s in Okta: %v", a.Login, err)
				}
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
					expectSetChange{bindingAddr, "assigned_federation_ids", fids(a, b, c, adopted), fids(d, e, adopted)},
					oob,
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(oob.check(fids(d, e, adopted)), checkHolders(t, sf, ps, false, append(fids(d, e, adopted), integrationName)...)),
		},
	}
	id := fmt.Sprintf("%s/%s/%s/email", acctest.PrimaryOrg(), ps, group.ID)
	imported := importPlansEmptySteps(t, sb, cfg, bindingAddr, func(*terraform.State) (string, error) { return id, nil })
	last := &imported[len(imported)-1]
	checkImportWrites := last.PreConfig
	last.PreConfig = func() {
		checkImportWrites()
		membersBeforeDestroy = groupMembers(t, oc, group)
	}
	steps = append(steps, imported...)

	acctest.Test(t, resource.TestCase{
		// Not acctest.CheckDestroy with bindingHolds: the adopted assignment rightly stays.
		CheckDestroy: resource.ComposeTestCheckFunc(
			func(*terraform.State) error {
				if after := assignmentSnapshot(t, sf); !slices.Equal(after, before) {
					return fmt.Errorf("after destroy the org holds the assignments %v more and %v fewer than before the binding", minus(after, before), minus(before, after))
				}
				if got := groupMembers(t, oc, group); !slices.Equal(got, membersBeforeDestroy) || len(got) == 0 {
					return fmt.Errorf("destroy changed the members of %s: %v, were %v", group.Name, got, membersBeforeDestroy)
				}
				return checkHolders(t, sf, ps, false, adopted.Login, integrationName)(nil)
			},
		),
		Steps: steps,
	})
}
