package provisioning_test

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
)

const (
	alice = "alice.anders@acme.example"
	bob   = "bob.baker@acme.example"
	carol = "carol.chen@acme.example"
)

// Assigning a group provisions its users; an email change in Okta updates, leaving the group deactivates and
// returning reactivates the same Salesforce user.
func TestAccUserProvisioning_lifecycle(t *testing.T) {
	sb := ownSandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, "qa")
	cfg := provConfig(sb, acctest.RandomName("prov"), salesAttributes, "")
	var carolID string
	ctx := context.Background()
	salesGroup := func() string { return acctest.OktaGroupID(t, oc, "Salesforce Sales") }
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: checkUsers(func() error {
					for _, fid := range []string{bob, carol} {
						u := oneUser(t, sf, fid)
						if u.Username != fid+".prov.qa" || u.Department != "Sales" || u.Profile != "Sales User" || !u.Active {
							return fmt.Errorf("created user %s = %+v", fid, u)
						}
					}
					// alice had a user with her Federation ID already: matched and updated, not duplicated.
					if u := oneUser(t, sf, alice); u.Username != "alice.anders@acme.example.qa" || u.Department != "Sales" {
						return fmt.Errorf("alice = %+v, want her existing user with the mapped department", u)
					}
					carolID = oneUser(t, sf, carol).ID
					return nil
				}),
				// What apply read back: all three users in Salesforce, nothing left to do.
				ConfigStateChecks: append(nothingPending(),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced"), knownvalue.MapSizeExact(3)),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced").AtMapKey(carol), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{12}$`))),
				),
				ConfigPlanChecks: emptyPlan(),
			},
			{
				PreConfig: func() {
					body := map[string]any{"profile": map[string]any{"email": "bob.new@acme.example"}}
					if _, err := oc.Raw(ctx, "POST", "/api/v1/users/"+acctest.OktaUserID(t, oc, bob), body, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
						expectPending{attr: "pending_update", before: []string{bob}},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: checkUsers(func() error {
					if u := oneUser(t, sf, bob); u.Email != "bob.new@acme.example" {
						return fmt.Errorf("bob's email = %q, want the one set in Okta", u.Email)
					}
					return nil
				}),
			},
			{
				PreConfig: func() {
					if _, err := oc.Raw(ctx, "DELETE", "/api/v1/groups/"+salesGroup()+"/users/"+acctest.OktaUserID(t, oc, carol), nil, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectPending{attr: "pending_deactivate", before: []string{carol}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: checkUsers(func() error {
					if u := oneUser(t, sf, carol); u.Active || u.ID != carolID {
						return fmt.Errorf("carol = %+v, want her user %s deactivated", u, carolID)
					}
					if u := oneUser(t, sf, bob); !u.Active {
						return fmt.Errorf("bob was deactivated too")
					}
					return nil
				}),
			},
			{
				PreConfig: func() {
					if _, err := oc.Raw(ctx, "PUT", "/api/v1/groups/"+salesGroup()+"/users/"+acctest.OktaUserID(t, oc, carol), nil, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectPending{attr: "pending_reactivate", before: []string{carol}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check: checkUsers(func() error {
					if u := oneUser(t, sf, carol); !u.Active || u.ID != carolID {
						return fmt.Errorf("carol = %+v, want her user %s active again", u, carolID)
					}
					return nil
				}),
			},
			{
				ResourceName:      provAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return "qa/" + s.RootModule().Resources[provAddr].Primary.Attributes["app_id"], nil
				},
				// The mapping lives only in configuration, and what is pending depends on it.
				ImportStateVerifyIgnore: []string{"attributes", "username", "synced", "pending_"},
			},
		},
	})
}

// adopt_existing matches a user without a Federation ID by email and sets its Federation ID instead of
// creating a second user; two Okta users with one Federation ID stop the plan.
func TestAccUserProvisioning_adoptAndDuplicates(t *testing.T) {
	sb := ownSandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, "qa")
	label := acctest.RandomName("prov")
	cfg := provConfig(sb, label, salesAttributes, "  adopt_existing = true\n")
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { createOktaUser(t, oc, "lee.gacy@acme.example", "legacy.user@acme.example", "Salesforce Sales") },
				Config:    cfg,
				Check: checkUsers(func() error {
					users := usersWhere(t, sf, "Email = 'legacy.user@acme.example'")
					if len(users) != 1 {
						return fmt.Errorf("%d users with the legacy email, want the one adopted", len(users))
					}
					if u := users[0]; u.Username != "legacy.user@acme.example.qa" || u.FederationID != "lee.gacy@acme.example" || !u.Active || u.Profile != "Sales User" {
						return fmt.Errorf("legacy user = %+v, want it adopted with the Federation ID and mapped profile", u)
					}
					return nil
				}),
				ConfigPlanChecks: emptyPlan(),
			},
			{
				PreConfig:   func() { createOktaUser(t, oc, "bob.two@acme.example", "BOB.BAKER@acme.example", "Salesforce Sales") },
				Config:      provConfig(sb, label, salesAttributes, "  adopt_existing = true\n  federation_id_source = \"email\"\n"),
				ExpectError: regexp.MustCompile(`(?s)Duplicate Federation ID.*(bob\.baker@acme\.example.*bob\.two@acme\.example|bob\.two@acme\.example.*bob\.baker@acme\.example)`),
			},
		},
	})
}

// Mapping problems are plan errors on the attribute path, before anything is written.
func TestAccUserProvisioning_badMapping(t *testing.T) {
	if acctest.Live() {
		t.Skip("uses the sandbox's org")
	}
	sb := acctest.SharedSandbox(t)
	label := acctest.RandomName("prov")
	tests := []struct {
		name, attributes, want string
	}{
		{"unknown field", salesAttributes + "\n    Departmnt = \"'x'\"", `(?s)attributes\["Departmnt"\].*no field "Departmnt".*Did you mean\s+"Department"`},
		{"bad picklist literal", salesAttributes + "\n    TimeZoneSidKey = \"'Mars/Base'\"", `(?s)attributes\["TimeZoneSidKey"\].*"Mars/Base".*Allowed values:.*America/Los_Angeles`},
		{"missing required field", `
    LastName = "user.lastName"
    Email    = "user.email"`, `(?s)attributes\["Alias"\].*required`},
		{"bad expression", salesAttributes + "\n    Title = \"manager.title\"", `(?s)attributes\["Title"\].*not user.<attribute>`},
		{"reserved field", salesAttributes + "\n    ProfileId = \"appuser.profile\"", `(?s)attributes\["ProfileId"\].*default_profile`},
	}
	steps := make([]resource.TestStep, len(tests))
	for i, tt := range tests {
		steps[i] = resource.TestStep{Config: provConfig(sb, label, tt.attributes, ""), PlanOnly: true, ExpectError: regexp.MustCompile(tt.want)}
	}
	test(t, resource.TestCase{Steps: steps})
}

// The SCIM transport provisions, updates and deactivates through /services/scim/v2/Users and nothing else.
func TestAccUserProvisioning_scim(t *testing.T) {
	sb := ownSandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, "qa")
	cfg := provConfig(sb, acctest.RandomName("prov"), salesAttributes, "  transport = \"scim\"\n")
	ctx := context.Background()
	collections := func() int {
		return sb.Control().Stats().Routes["salesforce:qa POST /services/data/{version}/composite/sobjects"] +
			sb.Control().Stats().Routes["salesforce:qa PATCH /services/data/{version}/composite/sobjects"]
	}
	scimCalls := func() int {
		n := 0
		for route, c := range sb.Control().Stats().Routes {
			if strings.Contains(route, "/services/scim/v2/Users") {
				n += c
			}
		}
		return n
	}
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: checkUsers(func() error {
					for _, fid := range []string{bob, carol} {
						u := oneUser(t, sf, fid)
						if u.Username != fid+".prov.qa" || u.Department != "Sales" || u.Profile != "Sales User" || !u.Active {
							return fmt.Errorf("user %s created over SCIM = %+v", fid, u)
						}
					}
					if c, s := collections(), scimCalls(); c != 0 || s < 3 {
						return fmt.Errorf("%d Collections and %d SCIM calls; want none and at least 3", c, s)
					}
					return nil
				}),
				ConfigPlanChecks: emptyPlan(),
			},
			{
				PreConfig: func() {
					if _, err := oc.Raw(ctx, "DELETE", "/api/v1/groups/"+acctest.OktaGroupID(t, oc, "Salesforce Sales")+"/users/"+acctest.OktaUserID(t, oc, carol), nil, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectPending{attr: "pending_deactivate", before: []string{carol}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkUsers(func() error {
					if u := oneUser(t, sf, carol); u.Active {
						return fmt.Errorf("carol is still active")
					}
					if c := collections(); c != 0 {
						return fmt.Errorf("%d Collections calls with transport scim", c)
					}
					return nil
				}),
			},
		},
	})
}

// A user Salesforce refuses (here a username taken in another org) is reported with its Federation ID and
// Salesforce's message; the others are provisioned, and the next plan shows only the refused user.
func TestAccUserProvisioning_perUserFailure(t *testing.T) {
	sb := ownSandbox(t)
	sf, uat := acctest.SalesforceClient(t, sb, "qa"), acctest.SalesforceClient(t, sb, "uat")
	cfg := provConfig(sb, acctest.RandomName("prov"), salesAttributes, "")
	ctx := context.Background()
	var blockerID string
	test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					// Usernames are unique across orgs: a uat user holds the name carol would get in qa.
					profiles, err := uat.ListProfiles(ctx)
					if err != nil {
						t.Fatal(err)
					}
					res, err := uat.CreateUsers(ctx, []map[string]any{{"Username": carol + ".prov.qa", "Email": "x@acme.example", "LastName": "Blocker",
						"Alias": "block", "ProfileId": profiles[0].ID, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
						"LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8"}})
					if err != nil || res[0].Err() != nil {
						t.Fatalf("create the blocking uat user: %v %v", err, res)
					}
					blockerID = res[0].ID
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Unable to Create Salesforce User.*Federation ID carol\.chen@acme\.example:.*DUPLICATE_USERNAME`),
			},
			{
				PreConfig: func() {
					if u := oneUser(t, sf, bob); !u.Active || u.Department != "Sales" {
						t.Errorf("bob = %+v, want him provisioned despite carol's failure", u)
					}
					if users := usersWhere(t, sf, "FederationIdentifier = "+salesforce.Quote(carol)); len(users) != 0 {
						t.Errorf("carol has a qa user: %+v", users)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					expectPending{attr: "pending_create", before: []string{carol}},
				}},
			},
			{
				PreConfig: func() {
					res, err := uat.UpdateUsers(ctx, []map[string]any{{"Id": blockerID, "Username": "renamed.blocker@acme.example.uat"}})
					if err != nil || res[0].Err() != nil {
						t.Fatalf("rename the blocking user: %v %v", err, res)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: emptyPlan(),
				Check: checkUsers(func() error {
					if u := oneUser(t, sf, carol); !u.Active || u.Username != carol+".prov.qa" {
						return fmt.Errorf("carol = %+v", u)
					}
					return nil
				}),
			},
		},
	})
}
