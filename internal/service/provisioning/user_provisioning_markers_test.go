package provisioning_test

// Out-of-band changes, one kind per step, each seen by the next plan exactly (the users and fields in
// pending_*, nothing else) and put right by its apply. Steps chain on one resource so that every plan follows
// an apply and a refresh: the state a read of only what moved since then would start from.

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// pendingAttrs are the attributes in which refresh lists what apply will write.
var pendingAttrs = []string{"pending_create", "pending_update", "pending_deactivate", "pending_reactivate"}

// exactlyPending checks that refresh found users in attr (with fields, for pending_update) and nobody in the
// other pending_* attributes, and that the resource updates in place.
func exactlyPending(attr string, fields []string, users ...acctest.OktaUser) []plancheck.PlanCheck {
	return pendingExactly(map[string][]acctest.OktaUser{attr: users}, fields)
}

// pendingExactly is exactlyPending for changes of several kinds at once: want maps pending_* attributes to
// their users (the others are empty); updateFields are the fields of each user in pending_update.
func pendingExactly(want map[string][]acctest.OktaUser, updateFields []string) []plancheck.PlanCheck {
	checks := []plancheck.PlanCheck{plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate)}
	for _, a := range pendingAttrs {
		e := expectPending{attr: a, before: sortedLogins(want[a]...)}
		if a == "pending_update" {
			e.fields = updateFields
		}
		checks = append(checks, e)
	}
	return checks
}

// markerStep makes one out-of-band change, plans with the same configuration, expects the plan's checks,
// applies, and expects an empty plan, nothing pending and Salesforce as check reads it.
func markerStep(cfg string, change func(), check resource.TestCheckFunc, expect ...plancheck.PlanCheck) resource.TestStep {
	return resource.TestStep{
		PreConfig: change,
		Config:    cfg,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply:             expect,
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		ConfigStateChecks: nothingPending(),
		Check:             check,
	}
}

// captureAppID records the Okta app's ID from state, for the out-of-band changes of later steps.
func captureAppID(into *string) resource.TestCheckFunc {
	return func(s *terraform.State) (err error) {
		*into, err = acctest.StateAttr(s, "oktasf_saml_app.test", "id")
		return err
	}
}

// oktaCall makes one Okta API call as an admin would; what says what it does, for the failure.
func (p provTest) oktaCall(t *testing.T, what, method, path string, body any) {
	t.Helper()
	if _, err := p.oc.Raw(context.Background(), method, path, body, nil); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// lifecycle runs an Okta lifecycle operation (suspend, unsuspend, deactivate) on u.
func (p provTest) lifecycle(t *testing.T, u acctest.OktaUser, op string) func() {
	return func() {
		p.oktaCall(t, op+" "+u.Login, http.MethodPost, "/api/v1/users/"+u.ID+"/lifecycle/"+op, nil)
	}
}

// editSalesforce changes fields of the Salesforce users of users in one call, as an admin's mass edit would.
func (p provTest) editSalesforce(t *testing.T, fields map[string]any, users ...acctest.OktaUser) func() {
	return func() {
		records := make([]map[string]any, len(users))
		for i, u := range users {
			rec := map[string]any{"Id": oneUser(t, p.sf, u.Login).ID}
			for k, v := range fields {
				rec[k] = v
			}
			records[i] = rec
		}
		res, err := p.sf.UpdateUsers(context.Background(), records)
		for _, r := range res {
			if err == nil {
				err = r.Err()
			}
		}
		if err != nil {
			t.Fatalf("edit the Salesforce users of %v out of band: %v", sortedLogins(users...), err)
		}
	}
}

// checkLastName checks, in Salesforce, the LastName of each user's Salesforce user.
func (p provTest) checkLastName(want string, users ...acctest.OktaUser) resource.TestCheckFunc {
	return checkUsers(func() error {
		for _, u := range users {
			var rows []struct {
				LastName string `json:"LastName"`
			}
			if err := p.sf.Query(context.Background(), "SELECT LastName FROM User WHERE FederationIdentifier = "+salesforce.Quote(u.Login), &rows); err != nil {
				return err
			}
			if len(rows) != 1 || rows[0].LastName != want {
				return fmt.Errorf("the Salesforce users of %s have last names %+v, want one %q", u.Login, rows, want)
			}
		}
		return nil
	})
}

// checkRole checks, in Salesforce, the role (by name, "" for none) of each user's Salesforce user.
func (p provTest) checkRole(want string, users ...acctest.OktaUser) resource.TestCheckFunc {
	return checkUsers(func() error {
		for _, u := range users {
			var rows []struct {
				UserRole *struct {
					Name string `json:"Name"`
				} `json:"UserRole"`
			}
			if err := p.sf.Query(context.Background(), "SELECT UserRole.Name FROM User WHERE FederationIdentifier = "+salesforce.Quote(u.Login), &rows); err != nil {
				return err
			}
			got := ""
			if len(rows) == 1 && rows[0].UserRole != nil {
				got = rows[0].UserRole.Name
			}
			if len(rows) != 1 || got != want {
				return fmt.Errorf("the Salesforce users of %s have roles %+v, want one with role %q", u.Login, rows, want)
			}
		}
		return nil
	})
}

// A user added to the mapped group is created; removed from it, deactivated. Added again, reactivated.
func TestAccUserProvisioning_markersGroupMembership(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a := p.member(t, "a")
	c := acctest.CreateOktaUser(t, p.oc, "c")
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, c.Login)
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a)},
			markerStep(cfg, func() { acctest.AddOktaGroupMember(t, p.oc, p.group, c) },
				p.checkProvisioned(t, "Sales", a, c), exactlyPending("pending_create", nil, c)...),
			markerStep(cfg, func() { acctest.RemoveOktaGroupMember(t, p.oc, p.group, c) },
				resource.ComposeTestCheckFunc(p.checkActive(t, false, c), p.checkProvisioned(t, "Sales", a)),
				exactlyPending("pending_deactivate", nil, c)...),
			markerStep(cfg, func() { acctest.AddOktaGroupMember(t, p.oc, p.group, c) },
				p.checkProvisioned(t, "Sales", a, c), exactlyPending("pending_reactivate", nil, c)...),
		},
	})
}

// A user assigned to the app directly (not through a group, so with default_profile) is created; the direct
// assignment removed, deactivated.
func TestAccUserProvisioning_markersDirectAssignment(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a := p.member(t, "a")
	d := acctest.CreateOktaUser(t, p.oc, "direct")
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, d.Login)
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, fmt.Sprintf("  default_profile = %q", acctest.StandardProfile))
	var appID string
	assign := func() {
		p.oktaCall(t, "assign "+d.Login+" to the app directly", http.MethodPost, "/api/v1/apps/"+appID+"/users", map[string]any{"id": d.ID, "scope": "USER"})
	}
	unassign := func() {
		p.oktaCall(t, "remove the direct assignment of "+d.Login, http.MethodDelete, "/api/v1/apps/"+appID+"/users/"+d.ID, nil)
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(),
				Check: resource.ComposeTestCheckFunc(captureAppID(&appID), p.checkProvisioned(t, "Sales", a)),
			},
			markerStep(cfg, assign, p.checkProvisioned(t, "Sales", a, d), exactlyPending("pending_create", nil, d)...),
			markerStep(cfg, unassign, resource.ComposeTestCheckFunc(p.checkActive(t, false, d), p.checkProvisioned(t, "Sales", a)),
				exactlyPending("pending_deactivate", nil, d)...),
		},
	})
}

// An Okta profile edited twice in a row updates the mapped field each time, and only for that user.
func TestAccUserProvisioning_markersOktaProfileEdited(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	rename := func(last string) func() {
		return func() {
			p.oktaCall(t, "edit the last name of "+b.Login, http.MethodPost, "/api/v1/users/"+b.ID, map[string]any{"profile": map[string]any{"lastName": last}})
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b)},
			markerStep(cfg, rename("Renamed"), resource.ComposeTestCheckFunc(p.checkLastName("Renamed", b), p.checkLastName(a.LastName, a)),
				exactlyPending("pending_update", []string{"LastName"}, b)...),
			markerStep(cfg, rename("Renamed Again"), resource.ComposeTestCheckFunc(p.checkLastName("Renamed Again", b), p.checkLastName(a.LastName, a)),
				exactlyPending("pending_update", []string{"LastName"}, b)...),
		},
	})
}

// Okta users suspended or deactivated lose their Salesforce user; one reactivated in Salesforce meanwhile is
// deactivated again; unsuspended, they have it back.
func TestAccUserProvisioning_markersOktaStatus(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b, c := p.member(t, "a"), p.member(t, "b"), p.member(t, "c")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b, c)},
			markerStep(cfg, p.lifecycle(t, b, "suspend"), resource.ComposeTestCheckFunc(p.checkActive(t, false, b), p.checkProvisioned(t, "Sales", a, c)),
				exactlyPending("pending_deactivate", nil, b)...),
			markerStep(cfg, p.lifecycle(t, c, "deactivate"), resource.ComposeTestCheckFunc(p.checkActive(t, false, b, c), p.checkProvisioned(t, "Sales", a)),
				exactlyPending("pending_deactivate", nil, c)...),
			// An admin reactivates in Salesforce the user of c, still deactivated in Okta.
			markerStep(cfg, p.editSalesforce(t, map[string]any{"IsActive": true}, c), resource.ComposeTestCheckFunc(p.checkActive(t, false, b, c), p.checkProvisioned(t, "Sales", a)),
				exactlyPending("pending_deactivate", nil, c)...),
			markerStep(cfg, p.lifecycle(t, b, "unsuspend"), resource.ComposeTestCheckFunc(p.checkActive(t, false, c), p.checkProvisioned(t, "Sales", a, b)),
				exactlyPending("pending_reactivate", nil, b)...),
		},
	})
}

// Salesforce users edited out of band, one, then two in the same call (so in the same second), are updated
// back; one deactivated out of band after those applies is reactivated.
func TestAccUserProvisioning_markersSalesforceChanges(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b, c := p.member(t, "a"), p.member(t, "b"), p.member(t, "c")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	restored := resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b, c), p.checkLastName("Acc", a, b, c))
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b, c),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: restored},
			markerStep(cfg, p.editSalesforce(t, map[string]any{"LastName": "Edited"}, a), restored,
				exactlyPending("pending_update", []string{"LastName"}, a)...),
			markerStep(cfg, p.editSalesforce(t, map[string]any{"LastName": "Both"}, b, c), restored,
				exactlyPending("pending_update", []string{"LastName"}, b, c)...),
			markerStep(cfg, p.editSalesforce(t, map[string]any{"IsActive": false}, b), restored,
				exactlyPending("pending_reactivate", nil, b)...),
		},
	})
}

// groupAssignmentProfile gives the test group's assignment to the app another Salesforce profile in Okta, as
// an admin would, keeping its role and priority.
func (p provTest) groupAssignmentProfile(t *testing.T, appID *string, profile string) func() {
	return func() {
		ctx := context.Background()
		a, err := p.oc.GetAppGroupAssignment(ctx, *appID, p.group.ID)
		if err != nil {
			t.Fatalf("read the assignment of %s: %v", p.group.Name, err)
		}
		changed := map[string]any{}
		for k, v := range a.Profile {
			changed[k] = v
		}
		changed["profile"] = profile
		if _, err := p.oc.SetAppGroupAssignment(ctx, *appID, p.group.ID, &a.Priority, changed); err != nil {
			t.Fatalf("change the profile of the assignment of %s: %v", p.group.Name, err)
		}
	}
}

// checkAssignmentProfile checks, in Okta, the profile the test group's assignment gives.
func (p provTest) checkAssignmentProfile(appID *string, want string) resource.TestCheckFunc {
	return checkUsers(func() error {
		a, err := p.oc.GetAppGroupAssignment(context.Background(), *appID, p.group.ID)
		if err != nil {
			return err
		}
		if got := fmt.Sprint(a.Profile["profile"]); got != want {
			return fmt.Errorf("the assignment of %s gives profile %q, want %q", p.group.Name, got, want)
		}
		return nil
	})
}

// pendingNotKnown checks that refresh left every pending_* null (it cannot know what is pending while the
// mappings are to put Okta back) and that the plan leaves them to apply.
func pendingNotKnown() plancheck.PlanCheck {
	return acctest.PlanCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		for _, rc := range req.Plan.ResourceChanges {
			if rc.Address != provAddr {
				continue
			}
			before, _ := rc.Change.Before.(map[string]any)
			unknown, _ := rc.Change.AfterUnknown.(map[string]any)
			for _, attr := range pendingAttrs {
				if v, ok := before[attr]; !ok || v != nil {
					resp.Error = fmt.Errorf("%s before the plan = %v, want null", attr, v)
					return
				}
				if unknown[attr] != true {
					resp.Error = fmt.Errorf("%s is planned known, want known after apply", attr)
					return
				}
			}
			return
		}
		resp.Error = fmt.Errorf("%s is not in the plan", provAddr)
	})
}

// The group assignment's profile changed in Okta, with the mapping listed in group_mappings: the mapping
// updates to put it back, provisioning leaves pending_* to apply (null at refresh, unknown in the plan), and
// after apply Salesforce still holds the mapped profile; the next out-of-band change is seen exactly again.
func TestAccUserProvisioning_markersGroupAssignmentProfile(t *testing.T) {
	groupAssignmentProfileTest(t, "  group_mappings = [oktasf_group_mapping.test]", func(_, _ acctest.OktaUser) []plancheck.PlanCheck {
		return []plancheck.PlanCheck{pendingNotKnown()}
	}, true)
}

// The same change without group_mappings: provisioning cannot order its plan after the mapping's, so it plans
// from Okta's assignments as they are (the members' profile changed: a warning says the mappings change them);
// the apply, ordered after the mapping's, finds nothing to write, and Salesforce keeps the mapped profile.
func TestAccUserProvisioning_markersGroupAssignmentProfileUnlisted(t *testing.T) {
	groupAssignmentProfileTest(t, "", func(a, b acctest.OktaUser) []plancheck.PlanCheck {
		return exactlyPending("pending_update", []string{"ProfileId"}, a, b)
	}, false)
}

// groupAssignmentProfileTest changes the profile of the mapped group's assignment in Okta out of band: the
// mapping updates, provisioning updates with expect's checks, and after apply Okta and Salesforce hold the
// mapped profile; then, with thenEdit, a Salesforce edit is seen exactly.
func groupAssignmentProfileTest(t *testing.T, extra string, expect func(a, b acctest.OktaUser) []plancheck.PlanCheck, thenEdit bool) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, extra)
	var appID string
	converged := resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), p.checkAssignmentProfile(&appID, acctest.StandardProfile))
	steps := []resource.TestStep{
		{
			Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(),
			Check: resource.ComposeTestCheckFunc(captureAppID(&appID), converged),
		},
		markerStep(cfg, p.groupAssignmentProfile(t, &appID, acctest.AdminProfile), converged,
			append([]plancheck.PlanCheck{
				plancheck.ExpectResourceAction("oktasf_group_mapping.test", plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
			}, expect(a, b)...)...),
	}
	if thenEdit {
		steps = append(steps, markerStep(cfg, p.editSalesforce(t, map[string]any{"LastName": "Edited"}, a), converged,
			exactlyPending("pending_update", []string{"LastName"}, a)...))
	}
	acctest.Test(t, resource.TestCase{CheckDestroy: p.checkUsersLeftActive(t, a, b), Steps: steps})
}

// An Okta user deleted (deactivated, then deleted, between two plans) is no longer found at all: its
// Salesforce user is deactivated.
func TestAccUserProvisioning_markersOktaUserDeleted(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	deleteB := func() {
		for range 2 { // the first DELETE deactivates, the second deletes
			p.oktaCall(t, "delete "+b.Login, http.MethodDelete, "/api/v1/users/"+b.ID, nil)
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b)},
			markerStep(cfg, deleteB, resource.ComposeTestCheckFunc(p.checkActive(t, false, b), p.checkProvisioned(t, "Sales", a)),
				exactlyPending("pending_deactivate", nil, b)...),
		},
	})
}

// An Okta login (the Federation ID) changed: the user of the old one is deactivated and one for the new one
// created, in one plan.
func TestAccUserProvisioning_markersOktaLoginChanged(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	moved := b
	moved.Login, moved.Email = "moved."+b.Login, "moved."+b.Email
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, moved.Login)
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	relogin := func() {
		p.oktaCall(t, "change the login of "+b.Login, http.MethodPost, "/api/v1/users/"+b.ID,
			map[string]any{"profile": map[string]any{"login": moved.Login, "email": moved.Email}})
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, moved),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b)},
			markerStep(cfg, relogin, resource.ComposeTestCheckFunc(p.checkActive(t, false, b), p.checkProvisioned(t, "Sales", a, moved)),
				pendingExactly(map[string][]acctest.OktaUser{"pending_create": {moved}, "pending_deactivate": {b}}, nil)...),
		},
	})
}

// Changes from every source in one step (an Okta profile edit, a member added, an Okta user suspended, a
// Salesforce user edited and another deactivated) are all seen by the one plan that follows.
func TestAccUserProvisioning_markersManyAtOnce(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b, c, d := p.member(t, "a"), p.member(t, "b"), p.member(t, "c"), p.member(t, "d")
	e := acctest.CreateOktaUser(t, p.oc, "e")
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, e.Login)
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	everything := func() {
		p.oktaCall(t, "edit the last name of "+a.Login, http.MethodPost, "/api/v1/users/"+a.ID, map[string]any{"profile": map[string]any{"lastName": "Edited"}})
		p.editSalesforce(t, map[string]any{"LastName": "Edited"}, b)()
		p.editSalesforce(t, map[string]any{"IsActive": false}, c)()
		p.lifecycle(t, d, "suspend")()
		acctest.AddOktaGroupMember(t, p.oc, p.group, e)
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b, c, e),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b, c, d)},
			markerStep(cfg, everything,
				resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b, c, e), p.checkActive(t, false, d),
					p.checkLastName("Edited", a), p.checkLastName("Acc", b, c, e)),
				pendingExactly(map[string][]acctest.OktaUser{
					"pending_update": {a, b}, "pending_create": {e}, "pending_deactivate": {d}, "pending_reactivate": {c},
				}, []string{"LastName"})...),
		},
	})
}

// Changes that touch nothing provisioning writes leave the plan empty: an unmapped Salesforce field edited,
// an Okta user outside the app edited, an unmapped Okta attribute edited, a member added and removed again,
// a member of both mapped groups removed from one. A real change after them all is still seen.
func TestAccUserProvisioning_markersNothingToDo(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	outsider := acctest.CreateOktaUser(t, p.oc, "outsider")
	second := acctest.CreateOktaGroup(t, p.oc, "second", "a second group mapped to the app", b)
	// The second group gives the same profile and role as the first: which of the two wins for b (the
	// priority, in the order Terraform happens to create the mappings) makes no difference.
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "  group_mappings = [oktasf_group_mapping.test, oktasf_group_mapping.second]") + fmt.Sprintf(`
resource "oktasf_group_mapping" "second" {
  app_id         = oktasf_saml_app.test.id
  group_id       = %[1]q
  salesforce_org = %[2]q
  profile        = %[3]q
  role           = %[4]q
}
`, second.ID, acctest.PrimaryOrg(), acctest.StandardProfile, p.role)
	editOkta := func(u acctest.OktaUser, profile map[string]any) func() {
		return func() {
			p.oktaCall(t, "edit "+u.Login, http.MethodPost, "/api/v1/users/"+u.ID, map[string]any{"profile": profile})
		}
	}
	nothing := func(change func()) resource.TestStep {
		return resource.TestStep{PreConfig: change, Config: cfg, PlanOnly: true}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b)},
			nothing(p.editSalesforce(t, map[string]any{"Title": "Unmapped"}, a)),
			nothing(editOkta(outsider, map[string]any{"lastName": "Outside"})),
			nothing(editOkta(a, map[string]any{"title": "Unmapped"})),
			nothing(func() {
				acctest.AddOktaGroupMember(t, p.oc, p.group, outsider)
				acctest.RemoveOktaGroupMember(t, p.oc, p.group, outsider)
			}),
			// b stays an app user through the second group, with the same profile and role.
			nothing(func() { acctest.RemoveOktaGroupMember(t, p.oc, p.group, b) }),
			// The markers the empty plans left still find a real change, of b through the second group.
			markerStep(cfg, editOkta(b, map[string]any{"lastName": "Edited"}),
				resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), p.checkLastName("Edited", b), p.checkRole(p.role, a, b)),
				exactlyPending("pending_update", []string{"LastName"}, b)...),
		},
	})
}

// markerClockTest runs the Okta profile edit, group, Salesforce and status changes on a sandbox of the test's
// own whose Okta and Salesforce clocks are oktaNow and salesforceNow.
func markerClockTest(t *testing.T, oktaNow, salesforceNow func() time.Time) {
	sb := acctest.NewSandbox(t, sandbox.Options{})
	sb.Okta().SetClock(oktaNow)
	sb.Org(acctest.PrimaryOrg()).SetClock(salesforceNow)
	p := newProvTest(t, sb)
	a, b := p.member(t, "a"), p.member(t, "b")
	c := acctest.CreateOktaUser(t, p.oc, "c")
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, c.Login)
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), ConfigStateChecks: nothingPending(), Check: p.checkProvisioned(t, "Sales", a, b)},
			markerStep(cfg, func() {
				p.oktaCall(t, "edit the last name of "+a.Login, http.MethodPost, "/api/v1/users/"+a.ID, map[string]any{"profile": map[string]any{"lastName": "Edited"}})
			}, p.checkLastName("Edited", a), exactlyPending("pending_update", []string{"LastName"}, a)...),
			markerStep(cfg, func() { acctest.AddOktaGroupMember(t, p.oc, p.group, c) },
				p.checkProvisioned(t, "Sales", a, b, c), exactlyPending("pending_create", nil, c)...),
			markerStep(cfg, p.editSalesforce(t, map[string]any{"LastName": "Edited"}, b),
				p.checkLastName("Acc", b), exactlyPending("pending_update", []string{"LastName"}, b)...),
			markerStep(cfg, p.editSalesforce(t, map[string]any{"IsActive": false}, b),
				p.checkProvisioned(t, "Sales", a, b, c), exactlyPending("pending_reactivate", nil, b)...),
			markerStep(cfg, p.lifecycle(t, c, "suspend"),
				resource.ComposeTestCheckFunc(p.checkActive(t, false, c), p.checkProvisioned(t, "Sales", a, b)),
				exactlyPending("pending_deactivate", nil, c)...),
		},
	})
}

// Both clocks stopped: every change is stamped in the very second (and millisecond) of the markers the last
// apply and refresh saved, so a marker compared with "greater than" alone would miss all of them.
func TestAccUserProvisioning_markersFrozenClock(t *testing.T) {
	acctest.RequireSandbox(t, "stops the Okta and Salesforce emulators' clocks")
	frozen := time.Now().UTC().Truncate(time.Second)
	markerClockTest(t, func() time.Time { return frozen }, func() time.Time { return frozen })
}

// Okta's clock ten minutes ahead of the machine's, and then behind it: the markers of Okta changes must come
// from Okta's own clock, neither the provider's nor Salesforce's.
func TestAccUserProvisioning_markersClockSkew(t *testing.T) {
	acctest.RequireSandbox(t, "sets the Okta emulator's clock")
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			markerClockTest(t, func() time.Time { return time.Now().Add(skew) }, time.Now)
		})
	}
}

// Salesforce's clock set ten minutes back after the org was seeded: the seeded users' SystemModstamp stays
// ahead of every later write, so the latest stamp of the org no longer moves with the changes. (Salesforce's
// clock cannot be set ahead of the machine's instead: the org then refuses the provider's JWT as expired.)
func TestAccUserProvisioning_markersSalesforceClockBack(t *testing.T) {
	acctest.RequireSandbox(t, "sets the Salesforce emulator's clock")
	markerClockTest(t, time.Now, func() time.Time { return time.Now().Add(-10 * time.Minute) })
}

// The changes of the clock tests on clocks that agree: what the skewed and stopped clocks alone break.
func TestAccUserProvisioning_markersMachineClock(t *testing.T) {
	acctest.RequireSandbox(t, "the control of the clock tests, on a sandbox of its own as they are")
	markerClockTest(t, time.Now, time.Now)
}
