package entitlement_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// importPlansEmptySteps are the steps after the one that applied config: import addr with an import block
// (the plan must import with no change: the import step fails on any other action), then check that the
// import plan wrote nothing and that the plan after it is empty.
func importPlansEmptySteps(t *testing.T, sb *sandbox.Sandbox, config, addr string, id resource.ImportStateIdFunc) []resource.TestStep {
	return []resource.TestStep{
		{
			PreConfig:         func() { sb.Control().ResetStats() },
			Config:            config,
			ResourceName:      addr,
			ImportState:       true,
			ImportStateKind:   resource.ImportBlockWithID,
			ImportStateIdFunc: id,
		},
		{
			PreConfig: func() {
				if w := acctest.WriteRequests(sb); len(w) > 0 {
					t.Fatalf("the import plan wrote: %v", w)
				}
			},
			Config:   config,
			PlanOnly: true,
		},
	}
}

// A mapping imported into the same configuration plans nothing: the org is found from the app's audience.
func TestAccGroupMapping_importPlansEmpty(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of the import plan")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	cfg := mappingConfig(sb, acctest.RandomName("mapping"), groupMapping("test", group, fmt.Sprintf("  priority = 0\n  profile = %q\n", acctest.AdminProfile)))
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: append([]resource.TestStep{{Config: cfg, Check: acctest.CheckWritesCounted(sb), ConfigPlanChecks: acctest.EmptyPlanAfterApply()}},
			importPlansEmptySteps(t, sb, cfg, mappingAddr, func(s *terraform.State) (string, error) {
				appID, err := acctest.StateAttr(s, mappingAddr, "app_id")
				return appID + "/" + group.ID, err
			})...),
	})
}

// A binding imported with its group IDs and Federation ID attribute into the same configuration plans
// nothing.
func TestAccPermissionSetBinding_importPlansEmpty(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of the import plan")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b := newPerson(t, oc, sf, "a"), newPerson(t, oc, sf, "b")
	first, second := acctest.CreateOktaGroup(t, oc, "first", "bound", a.OktaUser), acctest.CreateOktaGroup(t, oc, "second", "bound", b.OktaUser)
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	cfg := bindingConfig(sb, fmt.Sprintf("permission_set = %q\n  federation_id_attribute = \"email\"", ps), first, second)
	id := fmt.Sprintf("%s/%s/%s,%s/email", acctest.PrimaryOrg(), ps, first.ID, second.ID)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: append([]resource.TestStep{{Config: cfg, Check: resource.ComposeTestCheckFunc(checkHolders(t, sf, ps, false, fids(a, b)...), acctest.CheckWritesCounted(sb)), ConfigPlanChecks: acctest.EmptyPlanAfterApply()}},
			importPlansEmptySteps(t, sb, cfg, bindingAddr, func(*terraform.State) (string, error) { return id, nil })...),
	})
}
