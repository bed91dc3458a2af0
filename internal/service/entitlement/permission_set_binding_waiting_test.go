package entitlement_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

// Group members without a Salesforce user wait quietly (no perpetual diff) and are not listed as assigned;
// once their user exists, plan shows the binding changing and apply makes the assignment.
func TestAccPermissionSetBinding_membersWithoutUsers(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newOktaOnlyPerson(t, oc, "b"), newOktaOnlyPerson(t, oc, "c")
	group := acctest.CreateOktaGroup(t, oc, "bound", "only a has a Salesforce user", users(a, b, c)...)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	config := bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(fids(a)))},
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
				Check:             checkHolders(t, sf, ps, false, a.Login),
			},
			{
				PreConfig: func() { acctest.CreateSalesforceUser(t, sf, b.OktaUser, acctest.StandardProfile, nil) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// c still waits: b is assigned, and c too should its user appear during apply.
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(fids(a, b)))},
				Check:             checkHolders(t, sf, ps, false, fids(a, b)...),
			},
		},
	})
}

// assigned_federation_ids holds what Salesforce has: the active users holding the permission set. A group
// member without a Salesforce user, and one whose user is inactive, are not listed (they used to be), and
// the plan stays empty while they wait.
func TestAccPermissionSetBinding_assignedOnlyActiveUsers(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	active, noUser, inactive := newPerson(t, oc, sf, "active"), newOktaOnlyPerson(t, oc, "nouser"), newPerson(t, oc, sf, "inactive")
	res, err := sf.UpdateCollection(context.Background(), "User", []map[string]any{{"Id": inactive.SalesforceID, "IsActive": false}})
	if err == nil {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("deactivate the Salesforce user of %s: %v", inactive.Login, err)
	}
	group := acctest.CreateOktaGroup(t, oc, "bound", "one active Salesforce user of three", users(active, noUser, inactive)...)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	only := statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(active.Login)}))
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{
				Config:            bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group),
				ConfigStateChecks: []statecheck.StateCheck{only},
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
				Check:             checkHolders(t, sf, ps, false, active.Login),
			},
			{ // refresh reads the same
				Config:            bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), group),
				ConfigStateChecks: []statecheck.StateCheck{only},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
