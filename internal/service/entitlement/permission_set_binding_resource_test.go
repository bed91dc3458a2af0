package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

const bindingAddr = "oktasf_permission_set_binding.test"

// bindingConfig binds target (permission_set = … or permission_set_group = …, and any other attributes) in
// the primary org to the groups given.
func bindingConfig(sb *sandbox.Sandbox, target string, groups ...acctest.OktaGroup) string {
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = fmt.Sprintf("%q", g.ID)
	}
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_permission_set_binding" "test" {
  salesforce_org = %q
  %s
  group_ids      = [%s]
}
`, acctest.PrimaryOrg(), target, strings.Join(ids, ", "))
}

// bindingHolds finds what a binding holds in Salesforce: NotFound when none of the Federation IDs in its
// assigned_federation_ids holds its permission set (or group) any more.
func bindingHolds(t *testing.T, sf *salesforce.Client) acctest.Finder {
	return func(_ context.Context, is *terraform.InstanceState) error {
		name, group := is.Attributes["permission_set"], false
		if psg := is.Attributes["permission_set_group"]; psg != "" {
			name, group = psg, true
		}
		held := map[string]bool{}
		for _, fid := range holders(t, sf, name, group) {
			held[strings.ToLower(fid)] = true
		}
		var still []string
		for k, fid := range is.Attributes {
			if strings.HasPrefix(k, "assigned_federation_ids.") && k != "assigned_federation_ids.#" && held[strings.ToLower(fid)] {
				still = append(still, fid)
			}
		}
		if len(still) == 0 {
			return fmt.Errorf("no assignment of %s for the binding's users: %w", name, salesforce.ErrNotFound)
		}
		return fmt.Errorf("%s is still assigned to %v", name, still)
	}
}

// The binding converges a permission set on a group's members: it removes an assignment made by hand to a
// federated user outside the group, never touches the integration user's, and destroy removes only its own.
func TestAccPermissionSetBinding_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c, outsider := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c"), newPerson(t, oc, sf, "outsider")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound to a permission set", users(a, b, c)...)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	integrationID, integrationName := integrationUser(t, sf)
	acctest.AssignPermissionSet(t, sf, psID, outsider.SalesforceID)
	acctest.AssignPermissionSet(t, sf, psID, integrationID)
	members := fids(a, b, c)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(
			acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
			checkHolders(t, sf, ps, false, integrationName), // assignments the binding never managed stay
		),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if err := checkHolders(t, sf, ps, false, outsider.Login, integrationName)(nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(members))},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("id"), knownvalue.StringExact(acctest.PrimaryOrg()+"/"+ps)),
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("federation_id_attribute"), knownvalue.StringExact("login")),
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(members)),
				},
				Check: checkHolders(t, sf, ps, false, append(members, integrationName)...),
			},
			{
				ResourceName:            bindingAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"group_ids"},
			},
		},
	})
}

// Groups added to and removed from group_ids change the assignments in place.
func TestAccPermissionSetBinding_update(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c")
	first, second := acctest.CreateOktaGroup(t, oc, "first", "bound", users(a, b)...), acctest.CreateOktaGroup(t, oc, "second", "bound", c.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	target := fmt.Sprintf("permission_set = %q", ps)
	step := func(want []string, groups ...acctest.OktaGroup) resource.TestStep {
		return resource.TestStep{
			Config:            bindingConfig(sb, target, groups...),
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(want))},
			Check:             checkHolders(t, sf, ps, false, want...),
			ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
		}
	}
	added, removed := step(fids(a, b, c), first, second), step(fids(c), second)
	added.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate)}
	removed.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
		expectSetChange{bindingAddr, "assigned_federation_ids", fids(a, b, c), fids(c)},
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps:        []resource.TestStep{step(fids(a, b), first), added, removed},
	})
}

// Members added to and removed from the group in Okta, an assignment added by hand in Salesforce and one
// removed there all show in the plan, and apply brings Salesforce back in line.
func TestAccPermissionSetBinding_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c, e, f := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c"), newPerson(t, oc, sf, "e"), newPerson(t, oc, sf, "f")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound to a permission set", users(a, b, c)...)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	cfg := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group)
	driftStep := func(preConfig func(), before, after []string) resource.TestStep {
		return resource.TestStep{
			PreConfig: preConfig,
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
					expectSetChange{bindingAddr, "assigned_federation_ids", before, after},
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: checkHolders(t, sf, ps, false, after...),
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkHolders(t, sf, ps, false, fids(a, b, c)...), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			driftStep(func() {
				acctest.RemoveOktaGroupMember(t, oc, group, b.OktaUser)
				acctest.AddOktaGroupMember(t, oc, group, e.OktaUser)
			}, fids(a, b, c), fids(a, c, e)),
			driftStep(func() { acctest.AssignPermissionSet(t, sf, psID, f.SalesforceID) }, fids(a, c, e, f), fids(a, c, e)),
			driftStep(func() {
				var rows []struct {
					ID string `json:"Id"`
				}
				if err := sf.Query(context.Background(), "SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = "+salesforce.Quote(psID)+
					" AND AssigneeId = "+salesforce.Quote(a.SalesforceID), &rows); err != nil || len(rows) != 1 {
					t.Fatalf("find a's assignment: %v (%d rows)", err, len(rows))
				}
				if res, err := sf.RemoveAssignments(context.Background(), []string{rows[0].ID}); err != nil || res[0].Err() != nil {
					t.Fatalf("remove a's assignment by hand: %v %v", err, res)
				}
			}, fids(c, e), fids(a, c, e)),
		},
	})
}

// A binding owns no Salesforce object of its own, only assignments: it disappears with its permission set.
// A set deleted in Salesforce fails the plan with the set named (refresh drops the binding, and the set cannot
// be bound); once the set is deployed again, the plan shows every member's assignment to make, and apply
// makes them.
func TestAccPermissionSetBinding_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound to a permission set", users(a, b)...)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	cfg := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkHolders(t, sf, ps, false, fids(a, b)...), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					ctx := context.Background()
					current, err := sf.ListFederatedAssignments(ctx, salesforce.AssignmentTarget{PermissionSetID: psID})
					if err != nil {
						t.Fatal(err)
					}
					ids := make([]string, len(current))
					for i, asg := range current {
						ids[i] = asg.ID
					}
					if _, err := sf.RemoveAssignments(ctx, ids); err != nil {
						t.Fatal(err)
					}
					if res, err := sf.DeleteCollection(ctx, "PermissionSet", []string{psID}); err != nil || res[0].Err() != nil {
						t.Fatalf("delete the permission set out of band: %v %v", err, res)
					}
				},
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Salesforce Permission Set Not Found.*no permission set named "` + regexp.QuoteMeta(ps) + `"`),
			},
			{
				PreConfig: func() { acctest.CreatePermissionSet(t, sf, "", map[string]any{"Name": ps}) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
						expectSetChange{bindingAddr, "assigned_federation_ids", []string{}, fids(a, b)},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkHolders(t, sf, ps, false, fids(a, b)...),
			},
		},
	})
}

// A binding is imported as <salesforce_org>/<permission set>; a malformed ID and a set Salesforce does not
// have are refused.
func TestAccPermissionSetBinding_import(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a := newPerson(t, oc, sf, "a")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound to a permission set", a.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{Config: bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				ResourceName:      bindingAddr,
				ImportState:       true,
				ImportStateId:     acctest.PrimaryOrg() + "/" + ps,
				ImportStateVerify: true,
				// group_ids live only in the configuration.
				ImportStateVerifyIgnore: []string{"group_ids"},
			},
			{
				// With the group IDs in the ID, group_ids are imported too.
				ResourceName:      bindingAddr,
				ImportState:       true,
				ImportStateId:     acctest.PrimaryOrg() + "/" + ps + "/" + group.ID,
				ImportStateVerify: true,
			},
			{
				ResourceName:  bindingAddr,
				ImportState:   true,
				ImportStateId: acctest.PrimaryOrg() + "/psg:",
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*<salesforce_org>/<permission set>`),
			},
			{
				ResourceName:  bindingAddr,
				ImportState:   true,
				ImportStateId: acctest.PrimaryOrg() + "/" + ps + "/../apps",
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*<group ID>`),
			},
			{
				ResourceName:  bindingAddr,
				ImportState:   true,
				ImportStateId: acctest.PrimaryOrg() + "/" + ps + "_missing",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

// A permission set group binds like a set; the Federation ID can come from the e-mail attribute.
func TestAccPermissionSetBinding_group(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	// Users whose email differs from their login, with the email as Federation ID.
	byEmail := func(what string) person {
		login := acctest.RandomName(what) + "@example.com"
		u := acctest.CreateOktaUserWithProfile(t, oc, map[string]any{"login": login, "email": "mail." + login, "firstName": "Tf" + what, "lastName": "Acc"})
		id := acctest.CreateSalesforceUser(t, sf, u, acctest.StandardProfile, map[string]any{"FederationIdentifier": u.Email})
		return person{OktaUser: u, SalesforceID: id}
	}
	d, e, f := byEmail("d"), byEmail("e"), byEmail("f")
	support, admins := acctest.CreateOktaGroup(t, oc, "support", "bound", d.OktaUser, e.OktaUser), acctest.CreateOktaGroup(t, oc, "admins", "bound", f.OktaUser)
	_, ps1 := acctest.CreatePermissionSet(t, sf, "part", nil)
	_, ps2 := acctest.CreatePermissionSet(t, sf, "part", nil)
	psg, _ := acctest.CreatePermissionSetGroup(t, sf, "bundle", ps1, ps2)
	emails := []string{d.Email, e.Email, f.Email}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{
				Config: bindingConfig(sb, fmt.Sprintf("permission_set_group = %q\n  federation_id_attribute = \"email\"", psg), support, admins),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("id"), knownvalue.StringExact(acctest.PrimaryOrg()+"/psg:"+psg)),
					statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(emails)),
				},
				Check:            checkHolders(t, sf, psg, true, emails...),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:            bindingAddr,
				ImportState:             true,
				ImportStateId:           acctest.PrimaryOrg() + "/psg:" + psg,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"group_ids", "federation_id_attribute"},
			},
		},
	})
}

// platformProfile is a profile on the Salesforce Platform license, whose users a permission set requiring
// the Salesforce license refuses. Most orgs have one ("Standard Platform User"); the sandbox's REST API,
// unlike Salesforce's, can create one.
func platformProfile(t *testing.T, sb *sandbox.Sandbox, sf *salesforce.Client) string {
	t.Helper()
	ctx := context.Background()
	var profiles []struct{ Name string }
	if err := sf.Query(ctx, "SELECT Name FROM Profile WHERE UserLicense.Name = 'Salesforce Platform' ORDER BY Name LIMIT 1", &profiles); err != nil {
		t.Fatal(err)
	}
	switch {
	case len(profiles) == 1:
		return profiles[0].Name
	case sb == nil:
		t.Skip("the org has no profile on the Salesforce Platform license, which this test needs for a user a permission set's license refuses")
	}
	name := acctest.RandomName("platform")
	res, err := sf.InsertCollection(ctx, "Profile", []map[string]any{{"Name": name, "UserLicenseId": licenseID(t, sf, "Salesforce Platform")}})
	if err != nil || res[0].Err() != nil {
		t.Fatalf("create a Platform profile in the sandbox: %v %v", err, res)
	}
	return name
}

func licenseID(t *testing.T, sf *salesforce.Client, name string) string {
	t.Helper()
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(context.Background(), "SELECT Id FROM UserLicense WHERE Name = "+salesforce.Quote(name), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("find the %s license: %v (%d rows)", name, err, len(rows))
	}
	return rows[0].ID
}

// A Platform-license user cannot take a permission set of the Salesforce license: that record fails with
// its Federation ID named while the others succeed and are saved, and the next plan adds only that user.
func TestAccPermissionSetBinding_partialFailure(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	platform := platformProfile(t, sb, sf)
	admin, other := newPerson(t, oc, sf, "admin"), newPerson(t, oc, sf, "other")
	contractor := person{OktaUser: acctest.CreateOktaUser(t, oc, "contractor")}
	contractor.SalesforceID = acctest.CreateSalesforceUser(t, sf, contractor.OktaUser, platform, nil)
	admins := acctest.CreateOktaGroup(t, oc, "admins", "bound", admin.OktaUser)
	contractors := acctest.CreateOktaGroup(t, oc, "contractors", "bound", contractor.OktaUser, other.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "full_crm", map[string]any{"LicenseId": licenseID(t, sf, "Salesforce")})
	target := fmt.Sprintf("permission_set = %q", ps)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{Config: bindingConfig(sb, target, admins), Check: checkHolders(t, sf, ps, false, admin.Login), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				Config:      bindingConfig(sb, target, admins, contractors),
				ExpectError: regexp.MustCompile(`(?s)Federation\s+ID\s+"` + regexp.QuoteMeta(contractor.Login) + `".*FIELD_INTEGRITY_EXCEPTION`),
			},
			{
				PreConfig: func() {
					if err := checkHolders(t, sf, ps, false, fids(admin, other)...)(nil); err != nil {
						t.Fatalf("after the partial failure: %v", err)
					}
				},
				Config:             bindingConfig(sb, target, admins, contractors),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					expectSetChange{bindingAddr, "assigned_federation_ids", fids(admin, other), fids(admin, contractor, other)},
				}},
			},
		},
	})
}

func TestAccPermissionSetBinding_badNames(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound")
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	psg, _ := acctest.CreatePermissionSetGroup(t, sf, "bundle", psID)
	var owned, aggregate []struct{ Name string }
	ctx := context.Background()
	if err := sf.Query(ctx, "SELECT Name FROM PermissionSet WHERE IsOwnedByProfile = true LIMIT 1", &owned); err != nil || len(owned) != 1 {
		t.Fatalf("find a profile's permission set: %v", err)
	}
	if err := sf.Query(ctx, "SELECT Name FROM PermissionSet WHERE PermissionSetGroupId != null LIMIT 1", &aggregate); err != nil || len(aggregate) != 1 {
		t.Fatalf("find a group's aggregate permission set: %v", err)
	}
	cases := []struct{ name, target, want string }{
		{"typo", fmt.Sprintf("permission_set = %q", typo(ps)), fmt.Sprintf(`(?s)Salesforce Permission Set Not Found.*no permission set named %q; did you mean %q`, typo(ps), ps)},
		{"group typo", fmt.Sprintf("permission_set_group = %q", typo(psg)), fmt.Sprintf(`(?s)no permission set group named %q; did you mean %q`, typo(psg), psg)},
		{"profile owned", fmt.Sprintf("permission_set = %q", owned[0].Name), `(?s)Permission Set Cannot Be Bound.*owned by a profile`},
		{"aggregate", fmt.Sprintf("permission_set = %q", aggregate[0].Name), `(?s)Permission Set Cannot Be Bound.*bind the group with permission_set_group`},
		{"both", fmt.Sprintf("permission_set = %q\n  permission_set_group = %q", ps, psg), `(?s)Invalid Attribute Combination`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      bindingConfig(sb, tc.target, group),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}
