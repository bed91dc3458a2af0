package provisioning_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

// bystander is a federated Salesforce user of an Okta user outside the app: provisioning never manages it.
func (p provTest) bystander(t *testing.T) acctest.OktaUser {
	t.Helper()
	u := acctest.CreateOktaUser(t, p.oc, "bystander")
	acctest.CreateSalesforceUser(t, p.sf, u, acctest.StandardProfile, nil)
	return u
}

// checkActive checks, in Salesforce, that each user's one Salesforce user still has its Federation ID and is
// active (or not).
func (p provTest) checkActive(t *testing.T, active bool, users ...acctest.OktaUser) resource.TestCheckFunc {
	return checkUsers(func() error {
		for _, u := range users {
			if got := oneUser(t, p.sf, u.Login); got.Active != active || !strings.EqualFold(got.FederationID, u.Login) {
				return fmt.Errorf("the Salesforce user of %s = %+v, want active = %t with its Federation ID", u.Login, got, active)
			}
		}
		return nil
	})
}

// By default (on_destroy = "keep") destroy leaves every Salesforce user as it is.
func TestAccUserProvisioning_destroyKeep(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b, other := p.member(t, "a"), p.member(t, "b"), p.bystander(t)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(p.checkUsersLeftActive(t, a, b), p.checkActive(t, true, other)),
		Steps: []resource.TestStep{{
			Config:            p.config(acctest.RandomName("prov"), salesAttributes, ""),
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("on_destroy"), knownvalue.StringExact("keep"))},
			ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			Check:             resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), p.checkActive(t, true, other)),
		}},
	})
}

// on_destroy = "deactivate" deactivates, on destroy, every user the resource manages (keeping its Federation
// ID), and no other user: not a federated user of somebody outside the app.
func TestAccUserProvisioning_destroyDeactivate(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b, other := p.member(t, "a"), p.member(t, "b"), p.bystander(t)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(p.checkActive(t, false, a, b), p.checkActive(t, true, other)),
		Steps: []resource.TestStep{{
			Config:            p.config(acctest.RandomName("prov"), salesAttributes, `  on_destroy = "deactivate"`),
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("on_destroy"), knownvalue.StringExact("deactivate"))},
			ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			Check:             resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), p.checkActive(t, true, other)),
		}},
	})
}

// A user Salesforce refuses on create (here for a username another user holds) does not taint the resource:
// the users that were created are saved in synced, the refused one is in pending_create, and the next plan
// updates in place (not replaces) with only that user to create.
func TestAccUserProvisioning_partialCreateNotTainted(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	b, c := p.member(t, "b"), p.member(t, "c")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	var blockerID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, b, c),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { blockerID = p.blockUsername(t, c) },
				Config:    cfg,
				// c is still to create: the next plan is not empty.
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_create"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(c.Login)})),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced"), knownvalue.MapSizeExact(1)),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced").AtMapKey(b.Login), knownvalue.NotNull()),
				},
				Check: p.checkProvisioned(t, "Sales", b),
			},
			{
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
					expectPending{attr: "pending_create", before: []string{c.Login}},
				}},
			},
			{
				PreConfig:        func() { p.renameUser(t, blockerID, "renamed."+c.Login+usernameSuffix) },
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				ConfigStateChecks: append(nothingPending(),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced"), knownvalue.MapSizeExact(2))),
				Check: p.checkProvisioned(t, "Sales", b, c),
			},
		},
	})
}

// blockUsername creates an unfederated Salesforce user holding the username u would be provisioned with.
func (p provTest) blockUsername(t *testing.T, u acctest.OktaUser) string {
	t.Helper()
	blocker := acctest.OktaUser{Login: acctest.RandomName("blocker") + "@example.com", FirstName: "Blo", LastName: "Cker"}
	blocker.Email = blocker.Login
	return acctest.CreateSalesforceUser(t, p.sf, blocker, acctest.StandardProfile,
		map[string]any{"Username": u.Login + usernameSuffix, "FederationIdentifier": nil})
}

func (p provTest) renameUser(t *testing.T, id, username string) {
	t.Helper()
	res, err := p.sf.UpdateUsers(context.Background(), []map[string]any{{"Id": id, "Username": username}})
	if err != nil || res[0].Err() != nil {
		t.Fatalf("rename the Salesforce user %s: %v %v", id, err, res)
	}
}

// twoGroupConfig is provConfig with a second group mapped (or not when mapped is false), both mappings
// given to provisioning as group_mappings.
func twoGroupConfig(p provTest, label string, second acctest.OktaGroup, mapped bool) string {
	if !mapped {
		return p.config(label, salesAttributes, "  group_mappings = [oktasf_group_mapping.test]")
	}
	return p.config(label, salesAttributes, "  group_mappings = [oktasf_group_mapping.test, oktasf_group_mapping.second]") + fmt.Sprintf(`
resource "oktasf_group_mapping" "second" {
  app_id         = oktasf_saml_app.test.id
  group_id       = %[1]q
  salesforce_org = %[2]q
  profile        = %[3]q
}
`, second.ID, acctest.PrimaryOrg(), acctest.StandardProfile)
}

// captureBefore records the Federation IDs refresh found in a pending_* set, as the plan shows them.
func captureBefore(attr string, into *[]string) plancheck.PlanCheck {
	return acctest.PlanCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		for _, rc := range req.Plan.ResourceChanges {
			if rc.Address != provAddr {
				continue
			}
			*into = []string{}
			m, _ := rc.Change.Before.(map[string]any)
			list, _ := m[attr].([]any)
			for _, x := range list {
				*into = append(*into, strings.ToLower(fmt.Sprint(x)))
			}
			sort.Strings(*into)
			return
		}
		resp.Error = fmt.Errorf("%s is not in the plan", provAddr)
	})
}

// Unassigning a group deactivates exactly the users the plan said it would, in one apply, and the next plan
// is empty. Out of band (an admin removes the group from the app while its oktasf_group_mapping stays): the
// mapping assigns it again before provisioning applies, so the plan must not promise to deactivate its
// members. Through configuration (the mapping is removed): its members are deactivated in that same apply.
func TestAccUserProvisioning_unassignPredictedEqualsApplied(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a := p.member(t, "a")
	second := acctest.CreateOktaGroup(t, p.oc, "second", "a second group mapped to the app")
	dave, erin := acctest.CreateOktaUser(t, p.oc, "dave"), acctest.CreateOktaUser(t, p.oc, "erin")
	for _, u := range []acctest.OktaUser{dave, erin} {
		acctest.AddOktaGroupMember(t, p.oc, second, u)
		acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, u.Login)
	}
	acctest.AddOktaGroupMember(t, p.oc, second, a) // a stays through the first group
	label := acctest.RandomName("prov")
	// deactivated lists, in Salesforce, which of the users are inactive.
	deactivated := func() []string {
		out := []string{}
		for _, u := range []acctest.OktaUser{a, dave, erin} {
			if !oneUser(t, p.sf, u.Login).Active {
				out = append(out, strings.ToLower(u.Login))
			}
		}
		sort.Strings(out)
		return out
	}
	expectDeactivated := func(want *[]string) resource.TestCheckFunc {
		return checkUsers(func() error {
			if got := deactivated(); strings.Join(got, ",") != strings.Join(*want, ",") {
				return fmt.Errorf("the plan said apply deactivates %v; the users it deactivated are %v", *want, got)
			}
			return nil
		})
	}
	var predicted []string
	removedMembers := []string{strings.ToLower(dave.Login), strings.ToLower(erin.Login)}
	sort.Strings(removedMembers)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{
				Config:           twoGroupConfig(p, label, second, true),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check:            p.checkActive(t, true, a, dave, erin),
			},
			{
				PreConfig: func() {
					if err := p.oc.DeleteAppGroupAssignment(context.Background(), appIDOf(t, p, label), second.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: twoGroupConfig(p, label, second, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{captureBefore("pending_deactivate", &predicted)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(expectDeactivated(&predicted), p.checkActive(t, true, a, dave, erin)),
			},
			{
				Config: twoGroupConfig(p, label, second, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check:             resource.ComposeTestCheckFunc(expectDeactivated(&removedMembers), p.checkActive(t, true, a)),
			},
		},
	})
}

// appIDOf finds the ID of the test's app by its label.
func appIDOf(t *testing.T, p provTest, label string) string {
	t.Helper()
	var apps []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	}
	if _, err := p.oc.Raw(context.Background(), "GET", "/api/v1/apps?q="+label, nil, &apps); err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if a.Label == label {
			return a.ID
		}
	}
	t.Fatalf("no Okta app %s", label)
	return ""
}

// A new profile on an oktasf_group_mapping reaches the group's Salesforce users in the same apply when the
// mapping is in group_mappings: the plan leaves pending_* to apply, which runs after the mapping.
func TestAccUserProvisioning_mappingProfileOneApply(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	label := acctest.RandomName("prov")
	cfg := p.config(label, salesAttributes, "  group_mappings = [oktasf_group_mapping.test]")
	admin := strings.Replace(cfg, fmt.Sprintf("profile        = %q", acctest.StandardProfile), fmt.Sprintf("profile        = %q", acctest.AdminProfile), 1)
	profileIs := func(name string) resource.TestCheckFunc {
		return checkUsers(func() error {
			for _, u := range []acctest.OktaUser{a, b} {
				if got := oneUser(t, p.sf, u.Login); got.Profile != name || !got.Active {
					return fmt.Errorf("the Salesforce user of %s = %+v, want profile %s", u.Login, got, name)
				}
			}
			return nil
		})
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: profileIs(acctest.StandardProfile)},
			{
				Config: admin,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(provAddr, tfjsonpath.New("pending_update")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check:             profileIs(acctest.AdminProfile),
			},
		},
	})
}

// A plan that updates one user names the fields it writes in pending_update, and plans synced user by user:
// the other users' entries stay known (no churn), only the written user's hash is left to apply.
func TestAccUserProvisioning_plannedValues(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	var aHash string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: func(s *terraform.State) (err error) {
					aHash, err = acctest.StateAttr(s, provAddr, "synced."+a.Login)
					return err
				},
			},
			{
				PreConfig: func() {
					rec := map[string]any{"Id": oneUser(t, p.sf, b.Login).ID, "Department": "Marketing", "ProfileId": acctest.ProfileID(t, p.sf, acctest.AdminProfile)}
					if res, err := p.sf.UpdateUsers(context.Background(), []map[string]any{rec}); err != nil || res[0].Err() != nil {
						t.Fatalf("edit the Salesforce user of %s out of band: %v %v", b.Login, err, res)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
						expectPending{attr: "pending_update", before: []string{b.Login}, fields: []string{"Department", "ProfileId"}},
						acctest.PlanCheckFunc(func(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
							plancheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced").AtMapKey(a.Login), knownvalue.StringExact(aHash)).CheckPlan(ctx, req, resp)
						}),
						plancheck.ExpectUnknownValue(provAddr, tfjsonpath.New("synced").AtMapKey(b.Login)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(nothingPending(), statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced"), knownvalue.MapSizeExact(2))),
				Check:             p.checkProvisioned(t, "Sales", a, b),
			},
		},
	})
}
