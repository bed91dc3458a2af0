package entitlement_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// An assignment that existed before the binding (adopted) survives destroy; the binding's own go.
func TestAccPermissionSetBinding_destroyKeepsAdopted(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	alice, bob := newPerson(t, oc, sf, "alice"), newPerson(t, oc, sf, "bob")
	group := acctest.CreateOktaGroup(t, oc, "bound", "alice held the set before the binding", users(alice, bob)...)
	ps, psID := acctest.CreatePermissionSet(t, sf, "bound", nil)
	acctest.AssignPermissionSet(t, sf, psID, alice.SalesforceID)
	acctest.Test(t, resource.TestCase{
		// Asked of the org: alice's assignment stays, bob's (made by the binding) is gone.
		CheckDestroy: checkHolders(t, sf, ps, false, alice.Login),
		Steps: []resource.TestStep{{
			Config:           bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group),
			Check:            checkHolders(t, sf, ps, false, fids(alice, bob)...),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
		}},
	})
}

// deactivateDuringApply is a pre-apply plan check with a side effect: it deactivates a Salesforce user after
// the plan was made and before it is applied, as oktasf_user_provisioning does in the same apply.
type deactivateDuringApply struct {
	sf     *salesforce.Client
	userID string
}

func (d deactivateDuringApply) CheckPlan(ctx context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	res, err := d.sf.UpdateCollection(ctx, "User", []map[string]any{{"Id": d.userID, "IsActive": false}})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	resp.Error = err
}

// A member deactivated in Okta, whose Salesforce user is deactivated in the same apply: the plan lists the
// removal, apply removes the assignment (Salesforce would keep it for the deactivated user), and the next
// plan is empty.
func TestAccPermissionSetBinding_memberDeactivatedSameApply(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	alice, bob := newPerson(t, oc, sf, "alice"), newPerson(t, oc, sf, "bob")
	group := acctest.CreateOktaGroup(t, oc, "bound", "bob leaves", users(alice, bob)...)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	cfg := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkHolders(t, sf, ps, false, fids(alice, bob)...), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					if _, err := oc.Raw(context.Background(), http.MethodPost, "/api/v1/users/"+bob.ID+"/lifecycle/deactivate", nil, nil); err != nil {
						t.Fatalf("deactivate bob in Okta: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectSetChange{bindingAddr, "assigned_federation_ids", fids(alice, bob), fids(alice)},
						deactivateDuringApply{sf, bob.SalesforceID},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				// holders counts inactive users' assignments too.
				Check: checkHolders(t, sf, ps, false, alice.Login),
			},
		},
	})
}

// A record Salesforce refuses during create (a Platform-license user and a permission set of the Salesforce
// license) does not taint the binding: the others are made and saved, and the next plan updates the binding
// in place with only the refused assignment.
func TestAccPermissionSetBinding_partialCreateNotTainted(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	platform := platformProfile(t, sb, sf)
	admin, other := newPerson(t, oc, sf, "admin"), newPerson(t, oc, sf, "other")
	contractor := person{OktaUser: acctest.CreateOktaUser(t, oc, "contractor")}
	contractor.SalesforceID = acctest.CreateSalesforceUser(t, sf, contractor.OktaUser, platform, nil)
	admins := acctest.CreateOktaGroup(t, oc, "admins", "bound", admin.OktaUser)
	contractors := acctest.CreateOktaGroup(t, oc, "contractors", "bound", contractor.OktaUser, other.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "full_crm", map[string]any{"LicenseId": licenseID(t, sf, "Salesforce")})
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{{
			Config:             bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), admins, contractors),
			Check:              checkHolders(t, sf, ps, false, fids(admin, other)...),
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
				expectSetChange{bindingAddr, "assigned_federation_ids", fids(admin, other), fids(admin, contractor, other)},
			}},
		}},
	})
}

// An imported binding adopts the assignments it finds: destroy leaves them and removes only those it made
// after the import.
func TestAccPermissionSetBinding_importedDestroyKeepsFound(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b"), newPerson(t, oc, sf, "c")
	group := acctest.CreateOktaGroup(t, oc, "bound", "a and b before the import, c after", users(a, b)...)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	cfg := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group)
	forget := acctest.ProviderConfig(sb) + "removed {\n  from = " + bindingAddr + "\n  lifecycle {\n    destroy = false\n  }\n}\n"
	imported := cfg + fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", bindingAddr, acctest.PrimaryOrg()+"/"+ps+"/"+group.ID)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkHolders(t, sf, ps, false, fids(a, b)...),
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkHolders(t, sf, ps, false, fids(a, b)...), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{Config: forget, Check: checkHolders(t, sf, ps, false, fids(a, b)...)},
			{Config: imported, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig:        func() { acctest.AddOktaGroupMember(t, oc, group, c.OktaUser) },
				Config:           imported,
				Check:            checkHolders(t, sf, ps, false, fids(a, b, c)...),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
		},
	})
}
