package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// collectionsRoute is the sandbox route of Salesforce's sObject Collections create.
const collectionsRoute = "POST /services/data/{version}/composite/sobjects"

// provisionAndBindConfig provisions a group's members and binds a permission set to the group after
// provisioning, in one configuration. With earlier set, a second binding (same group) is ordered before
// provisioning, so that it looks the members up while some have no Salesforce user yet.
func provisionAndBindConfig(sb *sandbox.Sandbox, label string, group acctest.OktaGroup, ps, earlier string) string {
	org := acctest.PrimaryOrg()
	provisioningDependsOn := "[oktasf_group_mapping.test]"
	extra := ""
	if earlier != "" {
		provisioningDependsOn = "[oktasf_group_mapping.test, oktasf_permission_set_binding.earlier]"
		extra = fmt.Sprintf(`
resource "oktasf_permission_set_binding" "earlier" {
  salesforce_org = %q
  permission_set = %q
  group_ids      = [%q]
}
`, org, earlier, group.ID)
	}
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "test" {
  salesforce_org = %[1]q
  label          = %[2]q
}
resource "oktasf_group_mapping" "test" {
  app_id         = oktasf_saml_app.test.id
  group_id       = %[3]q
  salesforce_org = %[1]q
  profile        = %[4]q
}
resource "oktasf_user_provisioning" "test" {
  salesforce_org = %[1]q
  app_id         = oktasf_saml_app.test.id
  username       = { suffix = ".bind" }
  attributes = {
    LastName = "user.lastName"
    Email    = "user.email"
    Alias    = "user.firstName"
  }
  depends_on = %[5]s
}
resource "oktasf_permission_set_binding" "test" {
  salesforce_org = %[1]q
  permission_set = %[6]q
  group_ids      = [%[3]q]
  depends_on     = [oktasf_user_provisioning.test]
}
%[7]s`, org, label, group.ID, acctest.StandardProfile, provisioningDependsOn, ps, extra)
}

// A binding ordered after provisioning assigns the users provisioning creates in the same apply, even when
// another binding looked the same members up (and found no user) earlier in that apply.
func TestAccPermissionSetBinding_provisionedInSameApply(t *testing.T) {
	for _, tc := range []struct {
		name    string
		earlier bool
	}{
		{"alone", false},
		{"after another lookup", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := acctest.Sandbox(t)
			oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
			// a has a Salesforce user; provisioning creates b's and c's.
			a, b, c := newPerson(t, oc, sf, "a"), newOktaOnlyPerson(t, oc, "b"), newOktaOnlyPerson(t, oc, "c")
			acctest.DeactivateProvisionedUsersAtCleanup(t, sf, b.Login, c.Login)
			group := acctest.CreateOktaGroup(t, oc, "provisioned", "provisioned and bound", users(a, b, c)...)
			ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
			earlier := ""
			if tc.earlier {
				earlier, _ = acctest.CreatePermissionSet(t, sf, "earlier", nil)
			}
			all := fids(a, b, c)
			cfg := provisionAndBindConfig(sb, acctest.RandomName("bind"), group, ps, earlier)
			first := resource.TestStep{
				Config:            cfg,
				Check:             checkHolders(t, sf, ps, false, all...),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(all))},
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			}
			steps := []resource.TestStep{first}
			if tc.earlier {
				// The binding ordered before provisioning found b and c without a user: it waits for them, and
				// the next plan assigns them (by design). The binding after provisioning has nothing left to do.
				first.ExpectNonEmptyPlan = true
				first.ConfigPlanChecks = resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("oktasf_permission_set_binding.earlier", plancheck.ResourceActionUpdate),
				}}
				steps = []resource.TestStep{first, {
					Config:           cfg,
					Check:            resource.ComposeTestCheckFunc(checkHolders(t, sf, ps, false, all...), checkHolders(t, sf, earlier, false, all...)),
					ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				}}
			}
			acctest.Test(t, resource.TestCase{
				CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
				Steps:        steps,
			})
		})
	}
}

// The case the convergence suite found (issue 10): the binding is in state, members joined its group, and the
// apply that was to create their Salesforce users failed (Collections answered 503 until the retries ran out), so
// provisioning lists them as pending and the binding never ran. The next clean apply creates the users and must
// assign them in the same apply: the binding plans an update because provisioning plans those creates, and the
// plan after it is empty.
func TestAccPermissionSetBinding_pendingCreatesAfterFailedApply(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	a, b, c := newPerson(t, oc, sf, "a"), newOktaOnlyPerson(t, oc, "b"), newOktaOnlyPerson(t, oc, "c")
	acctest.DeactivateProvisionedUsersAtCleanup(t, sf, b.Login, c.Login)
	group := acctest.CreateOktaGroup(t, oc, "pending", "members whose creates failed", users(a)...)
	ps, _ := acctest.CreatePermissionSet(t, sf, "pending", nil)
	cfg := provisionAndBindConfig(sb, acctest.RandomName("pending"), group, ps, "")
	org := "salesforce:" + acctest.PrimaryOrg()
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_permission_set_binding", bindingHolds(t, sf)),
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				Check:            checkHolders(t, sf, ps, false, a.Login),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				// b and c join; every Collections create fails, so the apply stops at provisioning.
				PreConfig: func() {
					acctest.AddOktaGroupMember(t, oc, group, b.OktaUser)
					acctest.AddOktaGroupMember(t, oc, group, c.OktaUser)
					sb.Control().AddFault(emu.Fault{Service: org, Route: collectionsRoute, Kind: emu.FaultServerError})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Salesforce Users?.*` + regexp.QuoteMeta(b.Login)),
				Check:       checkHolders(t, sf, ps, false, a.Login),
			},
			{
				PreConfig: func() {
					sb.Control().ClearFaults()
					if n := salesforceUsersNamed(t, sf, b.Login, c.Login); n != 0 {
						t.Fatalf("the failed apply created %d of the pending users", n)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("oktasf_user_provisioning.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(bindingAddr, plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check:             checkHolders(t, sf, ps, false, fids(a, b, c)...),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(bindingAddr, tfjsonpath.New("assigned_federation_ids"), idsOf(fids(a, b, c)))},
			},
		},
	})
}

// salesforceUsersNamed counts the Salesforce users whose Federation ID is one of ids.
func salesforceUsersNamed(t *testing.T, sf *salesforce.Client, ids ...string) int {
	t.Helper()
	found, err := sf.UsersByFederationID(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return len(found)
}
