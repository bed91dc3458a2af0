package provisioning_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// A user who already has a Salesforce user with its Federation ID is matched, not duplicated; an email change
// in Okta updates, leaving the group deactivates and returning reactivates the same Salesforce user.
func TestAccUserProvisioning_lifecycle(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b, c := p.member(t, "a"), p.member(t, "b"), p.member(t, "c")
	existing := acctest.CreateSalesforceUser(t, p.sf, a, acctest.StandardProfile, nil)
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	newEmail := "new." + b.Email
	var cID string
	ctx := context.Background()
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", b, c), checkUsers(func() error {
					if u := oneUser(t, p.sf, a.Login); u.ID != existing || u.Department != "Sales" {
						return fmt.Errorf("the Salesforce user of %s = %+v, want the existing %s with the mapped department", a.Login, u, existing)
					}
					cID = oneUser(t, p.sf, c.Login).ID
					return nil
				})),
				ConfigStateChecks: nothingPending(),
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig: func() {
					body := map[string]any{"profile": map[string]any{"email": newEmail}}
					if _, err := p.oc.Raw(ctx, "POST", "/api/v1/users/"+b.ID, body, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
						expectPending{attr: "pending_update", before: []string{b.Login}},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: checkUsers(func() error {
					if u := oneUser(t, p.sf, b.Login); u.Email != newEmail {
						return fmt.Errorf("the email of %s in Salesforce = %q, want %q, set in Okta", b.Login, u.Email, newEmail)
					}
					return nil
				}),
			},
			{
				PreConfig: func() { acctest.RemoveOktaGroupMember(t, p.oc, p.group, c) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectPending{attr: "pending_deactivate", before: []string{c.Login}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: checkUsers(func() error {
					if u := oneUser(t, p.sf, c.Login); u.Active || u.ID != cID {
						return fmt.Errorf("the Salesforce user of %s = %+v, want %s deactivated", c.Login, u, cID)
					}
					if u := oneUser(t, p.sf, b.Login); !u.Active {
						return fmt.Errorf("%s was deactivated too", b.Login)
					}
					return nil
				}),
			},
			{
				PreConfig: func() { acctest.AddOktaGroupMember(t, p.oc, p.group, c) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectPending{attr: "pending_reactivate", before: []string{c.Login}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: checkUsers(func() error {
					if u := oneUser(t, p.sf, c.Login); !u.Active || u.ID != cID {
						return fmt.Errorf("the Salesforce user of %s = %+v, want %s active again", c.Login, u, cID)
					}
					return nil
				}),
			},
		},
	})
}

// adopt_existing matches a user without a Federation ID by email and sets its Federation ID instead of
// creating a second user; two Okta users with one Federation ID stop the plan.
func TestAccUserProvisioning_adoptAndDuplicates(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	b := p.member(t, "b")
	// A Salesforce user made by hand before federation: no Federation ID, the email its Okta user will have.
	legacyEmail := acctest.RandomName("legacy") + "@example.com"
	legacyID := acctest.CreateSalesforceUser(t, p.sf, acctest.OktaUser{Login: legacyEmail, Email: legacyEmail, FirstName: "Lee", LastName: "Gacy"},
		acctest.StandardProfile, map[string]any{"FederationIdentifier": nil})
	label := acctest.RandomName("prov")
	var adopted acctest.OktaUser
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, b),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					adopted = acctest.CreateOktaUserWithProfile(t, p.oc, map[string]any{"login": acctest.RandomName("adopted") + "@example.com",
						"email": legacyEmail, "firstName": "Lee", "lastName": "Gacy"})
					p.add(t, adopted)
				},
				Config: p.config(label, salesAttributes, "  adopt_existing = true\n"),
				Check: checkUsers(func() error {
					users := usersWhere(t, p.sf, "Email = "+salesforce.Quote(legacyEmail))
					if len(users) != 1 {
						return fmt.Errorf("%d users with the legacy email, want the one adopted", len(users))
					}
					if u := users[0]; u.ID != legacyID || u.FederationID != adopted.Login || !u.Active || u.Profile != acctest.StandardProfile {
						return fmt.Errorf("legacy user = %+v, want %s adopted with Federation ID %s and the mapped profile", u, legacyID, adopted.Login)
					}
					return nil
				}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				// Another Okta user whose email is b's login, in other case: with Federation IDs from emails, both
				// map to one Federation ID.
				PreConfig: func() {
					twin := acctest.CreateOktaUserWithProfile(t, p.oc, map[string]any{"login": acctest.RandomName("twin") + "@example.com",
						"email": strings.ToUpper(b.Login), "firstName": "Twin", "lastName": "Acc"})
					p.add(t, twin)
				},
				Config:      p.config(label, salesAttributes, "  adopt_existing = true\n  federation_id_source = \"email\"\n"),
				ExpectError: regexp.MustCompile(`(?s)Duplicate Federation ID.*` + regexp.QuoteMeta(b.Login) + `.*tf-acc-twin-`),
			},
		},
	})
}

// The SCIM transport provisions, updates and deactivates through /services/scim/v2/Users; where the sandbox
// counts requests, no sObject Collections call is made.
func TestAccUserProvisioning_scim(t *testing.T) {
	sb := acctest.Sandbox(t)
	p := newProvTest(t, sb)
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "  transport = \"scim\"\n")
	// counts sums, per kind, the requests to the primary org since the last call (the shared sandbox counts
	// everybody's).
	var collections, scim int
	counts := func() (newCollections, newSCIM int) {
		c, s := 0, 0
		for route, n := range sb.Control().Stats().Routes {
			switch {
			case !strings.HasPrefix(route, "salesforce:"+acctest.PrimaryOrg()+" "):
			case strings.Contains(route, "/composite/sobjects"):
				c += n
			case strings.Contains(route, "/services/scim/v2/Users"):
				s += n
			}
		}
		newCollections, newSCIM, collections, scim = c-collections, s-scim, c, s
		return newCollections, newSCIM
	}
	checkTransport := func(minSCIM int) resource.TestCheckFunc {
		return checkUsers(func() error {
			if sb == nil {
				return nil // a live org counts nothing for us
			}
			if c, s := counts(); c != 0 || s < minSCIM {
				return fmt.Errorf("%d Collections and %d SCIM calls; want none and at least %d", c, s, minSCIM)
			}
			return nil
		})
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if sb != nil {
						counts()
					}
				},
				Config:           cfg,
				Check:            resource.ComposeTestCheckFunc(p.checkProvisioned(t, "Sales", a, b), checkTransport(2)), // a create each
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig: func() { acctest.RemoveOktaGroupMember(t, p.oc, p.group, b) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectPending{attr: "pending_deactivate", before: []string{b.Login}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(checkTransport(1), checkUsers(func() error {
					if u := oneUser(t, p.sf, b.Login); u.Active {
						return fmt.Errorf("%s is still active", b.Login)
					}
					return nil
				})),
			},
		},
	})
}

// A user Salesforce refuses on update (here a new app user whose username another user holds) is reported with
// its Federation ID and Salesforce's message; the others are provisioned, and the next plan shows only the
// refused user. (On create such a failure is a warning: see partialCreateNotTainted.)
func TestAccUserProvisioning_perUserFailure(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	b := p.member(t, "b")
	c := acctest.CreateOktaUser(t, p.oc, "c")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	var blockerID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, b, c),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: p.checkProvisioned(t, "Sales", b)},
			{
				PreConfig: func() {
					p.add(t, c)
					blockerID = p.blockUsername(t, c)
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Unable to Create Salesforce User.*Federation ID ` + regexp.QuoteMeta(c.Login) + `:.*DUPLICATE_USERNAME`),
			},
			{
				PreConfig: func() {
					if u := oneUser(t, p.sf, b.Login); !u.Active || u.Department != "Sales" {
						t.Errorf("the Salesforce user of %s = %+v, want it provisioned despite %s's failure", b.Login, u, c.Login)
					}
					if users := usersWhere(t, p.sf, "FederationIdentifier = "+salesforce.Quote(c.Login)); len(users) != 0 {
						t.Errorf("%s has a Salesforce user: %+v", c.Login, users)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					expectPending{attr: "pending_create", before: []string{c.Login}},
				}},
			},
			{
				PreConfig:        func() { p.renameUser(t, blockerID, "renamed."+c.Login+usernameSuffix) },
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check:            p.checkProvisioned(t, "Sales", b, c),
			},
		},
	})
}
