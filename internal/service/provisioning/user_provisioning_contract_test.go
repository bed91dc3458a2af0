package provisioning_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// contractFields are the User fields a contract snapshot holds: what provisioning may write.
var contractFields = []string{"Username", "FederationIdentifier", "IsActive", "ProfileId", "UserRoleId", "Email", "LastName", "FirstName",
	"Department", "Alias"}

// sfSnapshot is every Salesforce user of the org: ID → field → value.
type sfSnapshot map[string]map[string]string

func snapshotUsers(t *testing.T, sf *salesforce.Client) sfSnapshot {
	t.Helper()
	var rows []map[string]any
	if err := sf.Query(context.Background(), "SELECT Id, "+strings.Join(contractFields, ", ")+" FROM User", &rows); err != nil {
		t.Fatalf("snapshot the Salesforce users: %v", err)
	}
	out := sfSnapshot{}
	for _, r := range rows {
		u := map[string]string{}
		for _, f := range contractFields {
			if v, ok := r[f]; ok && v != nil {
				u[f] = fmt.Sprint(v)
			}
		}
		out[fmt.Sprint(r["Id"])] = u
	}
	return out
}

// byFederationID finds the user of a Federation ID (case-insensitively).
func (s sfSnapshot) byFederationID(fid string) (string, map[string]string) {
	for id, u := range s {
		if fid != "" && strings.EqualFold(u["FederationIdentifier"], fid) {
			return id, u
		}
	}
	return "", nil
}

// userDiff is what changed between two snapshots, in the terms of pending_*: lower-cased Federation IDs.
type userDiff struct {
	create, deactivate, reactivate []string
	update                         map[string][]string // Federation ID → changed fields other than IsActive
	other                          []string            // changes pending_* cannot account for
}

func diffUsers(before, after sfSnapshot) userDiff {
	d := userDiff{update: map[string][]string{}}
	for id, a := range after {
		fid := strings.ToLower(a["FederationIdentifier"])
		b, ok := before[id]
		if !ok {
			if fid == "" || a["IsActive"] != "true" {
				d.other = append(d.other, fmt.Sprintf("user %s created: %v", id, a))
			}
			d.create = append(d.create, fid)
			continue
		}
		var fields []string
		for _, f := range contractFields {
			if a[f] == b[f] {
				continue
			}
			switch {
			case f == "IsActive" && a[f] == "false":
				d.deactivate = append(d.deactivate, fid)
			case f == "IsActive":
				d.reactivate = append(d.reactivate, fid)
			default:
				fields = append(fields, f)
			}
		}
		if len(fields) > 0 {
			d.update[fid] = fields
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			d.other = append(d.other, "user "+id+" gone")
		}
	}
	for _, s := range [][]string{d.create, d.deactivate, d.reactivate, d.other} {
		sort.Strings(s)
	}
	return d
}

// plannedUsers captures in a PreApply plan check what refresh found pending (the plan's before values:
// the plan leaves them to apply), and a snapshot of the users then; check compares them with the users
// after apply.
type plannedUsers struct {
	t       *testing.T
	sf      *salesforce.Client
	pending map[string]any
	before  sfSnapshot
}

func (p *plannedUsers) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address == provAddr {
			p.pending, _ = rc.Change.Before.(map[string]any)
			p.before = snapshotUsers(p.t, p.sf)
			return
		}
	}
	resp.Error = fmt.Errorf("%s is not in the plan", provAddr)
}

func lowerSorted(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = append(out, strings.ToLower(fmt.Sprint(x)))
		}
	case map[string]any:
		for k := range v {
			out = append(out, strings.ToLower(k))
		}
	}
	sort.Strings(out)
	return out
}

// check compares the users after apply with the plan: exactly the users in pending_create were created,
// pending_deactivate deactivated, pending_reactivate reactivated, and pending_update's users had exactly its
// fields changed (FederationIdentifier aside, which only adoption writes); nobody else changed.
func (p *plannedUsers) check(want func(userDiff) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if p.before == nil {
			return fmt.Errorf("no plan was captured")
		}
		d := diffUsers(p.before, snapshotUsers(p.t, p.sf))
		if len(d.other) > 0 {
			return fmt.Errorf("changes no plan showed: %v", d.other)
		}
		for attr, got := range map[string][]string{"pending_create": d.create, "pending_deactivate": d.deactivate, "pending_reactivate": d.reactivate} {
			if w := lowerSorted(p.pending[attr]); strings.Join(w, ",") != strings.Join(got, ",") {
				return fmt.Errorf("%s planned %v, Salesforce shows %v", attr, w, got)
			}
		}
		planned, _ := p.pending["pending_update"].(map[string]any)
		if w, got := lowerSorted(planned), lowerSorted(toAny(d.update)); strings.Join(w, ",") != strings.Join(got, ",") {
			return fmt.Errorf("pending_update planned %v, Salesforce shows updates of %v", w, got)
		}
		for fid, fields := range planned {
			w := lowerSorted(fields)
			got := lowerSorted(toAnySlice(d.update[strings.ToLower(fid)]))
			if strings.Join(w, ",") != strings.Join(got, ",") {
				return fmt.Errorf("pending_update[%s] planned %v, Salesforce changed %v", fid, w, got)
			}
		}
		return want(d)
	}
}

func toAny(m map[string][]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// oktaApps lists the IDs of the Okta apps.
func oktaApps(t *testing.T, oc *okta.Client) []string {
	t.Helper()
	var apps []struct {
		ID string `json:"id"`
	}
	if _, err := oc.Raw(context.Background(), http.MethodGet, "/api/v1/apps?limit=200", nil, &apps); err != nil {
		t.Fatalf("list the Okta apps: %v", err)
	}
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.ID
	}
	sort.Strings(out)
	return out
}

// The contract of oktasf_user_provisioning, through terraform against a sandbox of its own: apply plans
// nothing after; Okta changes made out of band (a member added to and one removed from the mapped group, a
// user deactivated, a user's attribute changed) are planned in pending_* and one apply makes Salesforce
// exactly that; a mapping's new profile reaches the users through group_mappings in one apply; import plans
// nothing and writes nothing; destroy leaves Salesforce as it was, but for on_destroy = "deactivate", which
// deactivates exactly the users the resource manages. A Salesforce user the resource does not manage is
// never touched, and Okta holds the apps it held before.
func TestAccUserProvisioning_contract(t *testing.T) {
	for _, onDestroy := range []string{"keep", "deactivate"} {
		t.Run(onDestroy, func(t *testing.T) { testUserProvisioningContract(t, onDestroy) })
	}
}

func testUserProvisioningContract(t *testing.T, onDestroy string) {
	acctest.RequireSandbox(t, "reads the sandbox's stats and state")
	p := newProvTest(t, acctest.NewSandbox(t, sandbox.Options{}))
	a, b, c := p.member(t, "a"), p.member(t, "b"), p.member(t, "c")
	d := acctest.CreateOktaUser(t, p.oc, "d")
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, d.Login)
	// A federated Salesforce user of someone outside the app: never the resource's.
	bystander := acctest.CreateOktaUser(t, p.oc, "bystander")
	bystanderID := acctest.CreateSalesforceUser(t, p.sf, bystander, acctest.StandardProfile, nil)
	extra := fmt.Sprintf("  on_destroy     = %q\n  group_mappings = [oktasf_group_mapping.test]", onDestroy)
	label := acctest.RandomName("prov")
	cfg := p.config(label, salesAttributes, extra)
	admin := strings.Replace(cfg, fmt.Sprintf("profile        = %q", acctest.StandardProfile), fmt.Sprintf("profile        = %q", acctest.AdminProfile), 1)
	if admin == cfg {
		t.Fatal("the configuration names no mapping profile to change")
	}

	before, apps := snapshotUsers(t, p.sf), oktaApps(t, p.oc)
	var lastApplied sfSnapshot
	var synced []string
	remember := func(s *terraform.State) error {
		lastApplied = snapshotUsers(t, p.sf)
		rs := s.RootModule().Resources[provAddr]
		if rs == nil || rs.Primary == nil {
			return fmt.Errorf("%s is not in the state", provAddr)
		}
		synced = synced[:0]
		for k := range rs.Primary.Attributes {
			if key, ok := strings.CutPrefix(k, "synced."); ok && key != "%" {
				synced = append(synced, strings.ToLower(key))
			}
		}
		sort.Strings(synced)
		return nil
	}
	oob := &plannedUsers{t: t, sf: p.sf}
	renamedLast := "Renamed"
	ctx := context.Background()
	standardID, adminID := acctest.ProfileID(t, p.sf, acctest.StandardProfile), acctest.ProfileID(t, p.sf, acctest.AdminProfile)
	rowOf := func(s sfSnapshot, u acctest.OktaUser) map[string]string {
		_, row := s.byFederationID(u.Login)
		return row
	}

	steps := []resource.TestStep{
		{
			Config: cfg,
			Check: resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b, c), checkUsers(func() error {
				d := diffUsers(before, snapshotUsers(t, p.sf))
				if w := lowerSorted([]any{a.Login, b.Login, c.Login}); strings.Join(d.create, ",") != strings.Join(w, ",") || len(d.update)+len(d.deactivate)+len(d.reactivate)+len(d.other) > 0 {
					return fmt.Errorf("the first apply made %+v, want exactly the users of %v created", d, w)
				}
				return nil
			})),
			ConfigStateChecks: nothingPending(),
			ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
		},
		{
			PreConfig: func() {
				acctest.AddOktaGroupMember(t, p.oc, p.group, d)
				acctest.RemoveOktaGroupMember(t, p.oc, p.group, c)
				if _, err := p.oc.Raw(ctx, http.MethodPost, "/api/v1/users/"+b.ID+"/lifecycle/deactivate", nil, nil); err != nil {
					t.Fatalf("deactivate %s in Okta: %v", b.Login, err)
				}
				if _, err := p.oc.Raw(ctx, http.MethodPost, "/api/v1/users/"+a.ID, map[string]any{"profile": map[string]any{"lastName": renamedLast}}, nil); err != nil {
					t.Fatalf("rename %s in Okta: %v", a.Login, err)
				}
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
					expectPending{attr: "pending_create", before: []string{d.Login}},
					expectPending{attr: "pending_deactivate", before: sortedLogins(b, c)},
					expectPending{attr: "pending_update", before: []string{a.Login}, fields: []string{"LastName"}},
					oob,
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: nothingPending(),
			Check: oob.check(func(diff userDiff) error {
				if u := oneUser(t, p.sf, a.Login); !u.Active {
					return fmt.Errorf("%s was deactivated", a.Login)
				}
				if got := rowOf(snapshotUsers(t, p.sf), a)["LastName"]; got != renamedLast {
					return fmt.Errorf("the LastName of %s in Salesforce = %q, want %q", a.Login, got, renamedLast)
				}
				return nil
			}),
		},
		{
			// The mapping's new profile: the plan cannot know the users' outcome before the mapping applies.
			Config: admin,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: nothingPending(),
			Check: checkUsers(func() error {
				now := snapshotUsers(t, p.sf)
				for _, u := range []acctest.OktaUser{a, d} {
					if row := rowOf(now, u); row["ProfileId"] != adminID || row["IsActive"] != "true" {
						return fmt.Errorf("the Salesforce user of %s = %v, want active with %s", u.Login, row, acctest.AdminProfile)
					}
				}
				for _, u := range []acctest.OktaUser{b, c} { // leavers keep what they had
					if row := rowOf(now, u); row["ProfileId"] != standardID || row["IsActive"] != "false" {
						return fmt.Errorf("the Salesforce user of %s = %v, want inactive with %s", u.Login, row, acctest.StandardProfile)
					}
				}
				return nil
			}),
		},
	}
	settings := salesSettings()
	settings.Set("on_destroy", onDestroy)
	settings.Set("group_mappings", p.group.ID)
	reimport := reimportSteps(p.sb, admin, "test", checkUsers(func() error { return nil }), func(appID string) string { return provImportID(appID, settings) })
	last := &reimport[len(reimport)-1]
	last.Check = resource.ComposeTestCheckFunc(last.Check, remember)
	steps = append(steps, reimport...)

	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(
			acctest.CheckDestroy("oktasf_user_provisioning", appOf(p.oc)),
			checkUsers(func() error {
				if got := oktaApps(t, p.oc); strings.Join(got, ",") != strings.Join(apps, ",") {
					return fmt.Errorf("Okta apps after destroy %v, before %v", got, apps)
				}
				// Import finds the users the app assigns; the leavers deactivated before it (b, c) are no longer
				// known to be the resource's, and being inactive they need nothing of on_destroy.
				if w := lowerSorted([]any{a.Login, d.Login}); strings.Join(synced, ",") != strings.Join(w, ",") {
					return fmt.Errorf("synced before destroy %v, want %v", synced, w)
				}
				after := snapshotUsers(t, p.sf)
				if fmt.Sprint(after[bystanderID]) != fmt.Sprint(before[bystanderID]) {
					return fmt.Errorf("the user the resource does not manage changed: %v, was %v", after[bystanderID], before[bystanderID])
				}
				diff := diffUsers(lastApplied, after)
				var want []string
				if onDestroy == "deactivate" { // the managed users still active: a and d
					want = lowerSorted([]any{a.Login, d.Login})
				}
				if len(diff.create)+len(diff.update)+len(diff.reactivate)+len(diff.other) > 0 || strings.Join(diff.deactivate, ",") != strings.Join(want, ",") {
					return fmt.Errorf("destroy with on_destroy = %q changed Salesforce by %+v, want exactly %v deactivated", onDestroy, diff, want)
				}
				return nil
			}),
		),
		Steps: steps,
	})
}

func sortedLogins(users ...acctest.OktaUser) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Login
	}
	sort.Strings(out)
	return out
}
