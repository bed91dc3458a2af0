package provisioning_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// A managed user whose Federation ID an admin cleared used to make every apply fail with DUPLICATE_USERNAME
// (looked up by Federation ID, missed, created again under the same username). Being ours (in synced), it is
// found under its username and re-linked: the plan shows an update of its Federation ID, and no second user
// appears. An unfederated user under a new app user's username that is not ours is one error naming it, the
// Federation ID it should carry, and the two fixes.
func TestAccUserProvisioning_federationIDClearedOutOfBand(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	c := acctest.CreateOktaUser(t, p.oc, "c")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	var aID, blockerID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), checkUsers(func() error {
					aID = oneUser(t, p.sf, a.Login).ID
					return nil
				})),
			},
			{
				PreConfig: func() {
					res, err := p.sf.UpdateUsers(context.Background(), []map[string]any{{"Id": aID, "FederationIdentifier": nil}})
					if err == nil {
						err = res[0].Err()
					}
					if err != nil {
						t.Fatalf("clear the Federation ID of %s: %v", a.Login, err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
						expectPending{attr: "pending_update", before: []string{a.Login}, fields: []string{"FederationIdentifier"}},
						expectPending{attr: "pending_create", before: []string{}},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), checkUsers(func() error {
					if u := oneUser(t, p.sf, a.Login); u.ID != aID {
						return fmt.Errorf("the Salesforce user of %s = %+v, want %s re-linked", a.Login, u, aID)
					}
					if users := usersWhere(t, p.sf, "Username = "+salesforce.Quote(a.Login+usernameSuffix)); len(users) != 1 {
						return fmt.Errorf("users named %s: %+v, want one", a.Login+usernameSuffix, users)
					}
					return nil
				})),
			},
			{
				PreConfig: func() {
					p.add(t, c)
					blockerID = p.blockUsername(t, c)
				},
				Config: cfg,
				ExpectError: regexp.MustCompile(`(?s)Unable to Create Salesforce User.*Federation ID ` + regexp.QuoteMeta(c.Login) + `:.*` +
					`username\s+` + regexp.QuoteMeta(c.Login+usernameSuffix) + `\s+is\s+taken\s+by\s+Salesforce\s+user\s+005\w+,\s+which\s+has\s+no\s+Federation\s+ID` +
					`.*set\s+its\s+Federation\s+ID\s+to\s+"` + regexp.QuoteMeta(c.Login) + `".*change\s+.username.`),
			},
			{
				PreConfig:        func() { p.renameUser(t, blockerID, "renamed."+c.Login+usernameSuffix) },
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check:            p.checkProvisioned(t, "Sales", a, b, c),
			},
		},
	})
}
