package entitlement_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

// Group members without a Salesforce user wait quietly (no perpetual diff); once their user exists, plan
// shows the assignment to make and apply makes it.
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
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), setOf(fids(a, b, c)))},
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
				Check:             checkHolders(t, sf, ps, false, a.Login),
			},
			{
				PreConfig: func() { acctest.CreateSalesforceUser(t, sf, b.OktaUser, acctest.StandardProfile, nil) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectSetChange{bindingAddr, "assigned_federation_ids", fids(a, c), fids(a, b, c)}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkHolders(t, sf, ps, false, fids(a, b)...),
			},
		},
	})
}
