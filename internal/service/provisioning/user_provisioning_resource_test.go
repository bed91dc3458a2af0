package provisioning_test

import (
	"context"
	"fmt"
	"regexp"
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
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

const provAddr = "oktasf_user_provisioning.test"

// provConfig is an app for the primary org, group mapped to acctest.StandardProfile and role, and user
// provisioning with attributes and extra settings.
func provConfig(sb *sandbox.Sandbox, label string, group acctest.OktaGroup, role, attributes, extra string) string {
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
  role           = %[5]q
}
resource "oktasf_user_provisioning" "test" {
  salesforce_org = %[1]q
  app_id         = oktasf_saml_app.test.id
  username       = { suffix = %[6]q }
  attributes = {
%[7]s
  }
%[8]s
  depends_on = [oktasf_group_mapping.test]
}
`, acctest.PrimaryOrg(), label, group.ID, acctest.StandardProfile, role, usernameSuffix, attributes, extra)
}

// usernameSuffix makes a provisioned user's username: its Okta login and the suffix.
const usernameSuffix = ".prov"

// salesAttributes is the usual mapping.
const salesAttributes = `
    LastName   = "user.lastName"
    FirstName  = "user.firstName"
    Email      = "user.email"
    Alias      = "user.firstName"
    Department = "'Sales'"`

// provTest is what a provisioning test works with: the clients, a group mapped to the app, and a role.
type provTest struct {
	sb    *sandbox.Sandbox
	oc    *okta.Client
	sf    *salesforce.Client
	group acctest.OktaGroup
	role  string
}

// newProvTest creates the group and the role of a test on sb (nil live).
func newProvTest(t *testing.T, sb *sandbox.Sandbox) provTest {
	t.Helper()
	p := provTest{sb: sb, oc: acctest.OktaClient(t, sb), sf: acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())}
	p.role, _ = acctest.CreateRole(t, p.sf, "rep", "")
	p.group = acctest.CreateOktaGroup(t, p.oc, "provisioned", "provisioned to Salesforce")
	return p
}

// member creates an Okta user in the test's group; the Salesforce user provisioning makes for it is
// deactivated when the test ends.
func (p provTest) member(t *testing.T, what string) acctest.OktaUser {
	t.Helper()
	u := acctest.CreateOktaUser(t, p.oc, what)
	p.add(t, u)
	return u
}

// add adds an Okta user to the test's group, as an admin would.
func (p provTest) add(t *testing.T, u acctest.OktaUser) {
	t.Helper()
	acctest.AddOktaGroupMember(t, p.oc, p.group, u)
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, u.Login)
}

func (p provTest) config(label, attributes, extra string) string {
	return provConfig(p.sb, label, p.group, p.role, attributes, extra)
}

// checkProvisioned checks, in Salesforce, that each user has one active user made from the mapping.
func (p provTest) checkProvisioned(t *testing.T, department string, users ...acctest.OktaUser) resource.TestCheckFunc {
	return checkUsers(func() error {
		for _, u := range users {
			got := oneUser(t, p.sf, u.Login)
			if got.Username != u.Login+usernameSuffix || got.Department != department || got.Profile != acctest.StandardProfile || !got.Active {
				return fmt.Errorf("the Salesforce user of %s = %+v, want %s, department %q, profile %s, active",
					u.Login, got, u.Login+usernameSuffix, department, acctest.StandardProfile)
			}
		}
		return nil
	})
}

// appOf finds the Okta app user provisioning works for: the resource is gone when its app is.
func appOf(c *okta.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		_, err := c.GetSAMLApp(ctx, is.Attributes["app_id"])
		return err
	}
}

// checkUsersLeftActive is the CheckDestroy of provisioning: the app is gone, and destroy deactivated nobody.
func (p provTest) checkUsersLeftActive(t *testing.T, users ...acctest.OktaUser) resource.TestCheckFunc {
	return resource.ComposeTestCheckFunc(
		acctest.CheckDestroy("oktasf_user_provisioning", appOf(p.oc)),
		checkUsers(func() error {
			for _, u := range users {
				if got := oneUser(t, p.sf, u.Login); !got.Active {
					return fmt.Errorf("destroy deactivated the Salesforce user of %s", u.Login)
				}
			}
			return nil
		}),
	)
}

// importID is the import ID of the provisioning in the state: <salesforce_org>/<app_id>.
func importID(s *terraform.State) (string, error) {
	appID, err := acctest.StateAttr(s, provAddr, "app_id")
	return acctest.PrimaryOrg() + "/" + appID, err
}

type sfUser struct {
	ID, Username, Email, Department, Profile string
	FederationID                             string
	Active                                   bool
}

// usersWhere reads the qa users matching a SOQL condition.
func usersWhere(t *testing.T, sf *salesforce.Client, where string) []sfUser {
	t.Helper()
	var rows []struct {
		ID                   string  `json:"Id"`
		Username             string  `json:"Username"`
		Email                string  `json:"Email"`
		Department           *string `json:"Department"`
		FederationIdentifier *string `json:"FederationIdentifier"`
		IsActive             bool    `json:"IsActive"`
		Profile              struct {
			Name string `json:"Name"`
		} `json:"Profile"`
	}
	if err := sf.Query(context.Background(), "SELECT Id, Username, Email, Department, FederationIdentifier, IsActive, Profile.Name FROM User WHERE "+where, &rows); err != nil {
		t.Fatal(err)
	}
	out := make([]sfUser, len(rows))
	for i, r := range rows {
		out[i] = sfUser{ID: r.ID, Username: r.Username, Email: r.Email, Profile: r.Profile.Name, Active: r.IsActive}
		if r.Department != nil {
			out[i].Department = *r.Department
		}
		if r.FederationIdentifier != nil {
			out[i].FederationID = *r.FederationIdentifier
		}
	}
	return out
}

func oneUser(t *testing.T, sf *salesforce.Client, fid string) sfUser {
	t.Helper()
	users := usersWhere(t, sf, "FederationIdentifier = "+salesforce.Quote(fid))
	if len(users) != 1 {
		t.Fatalf("%d Salesforce users with Federation ID %s, want 1", len(users), fid)
	}
	return users[0]
}

// expectPending checks that refresh found exactly before in a pending_* set, and that the plan leaves its
// value after apply to apply (known after apply), which reads the users back.
type expectPending struct {
	attr   string
	before []string
	fields []string // pending_update only: the fields of each user in before
}

func (e expectPending) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != provAddr {
			continue
		}
		m, _ := rc.Change.Before.(map[string]any)
		b := []string{}
		switch v := m[e.attr].(type) {
		case []any:
			for _, x := range v {
				b = append(b, fmt.Sprint(x))
			}
		case map[string]any: // pending_update: Federation ID → fields
			for k := range v {
				b = append(b, k)
			}
		}
		sort.Strings(b)
		if strings.Join(b, ",") != strings.Join(e.before, ",") {
			resp.Error = fmt.Errorf("%s before the plan = %v, want %v", e.attr, b, e.before)
			return
		}
		if e.fields != nil {
			byUser, ok := m[e.attr].(map[string]any)
			if !ok {
				resp.Error = fmt.Errorf("%s before the plan = %v, want a map of Federation ID to fields", e.attr, m[e.attr])
				return
			}
			for _, u := range e.before {
				fields, _ := byUser[u].([]any)
				got := []string{}
				for _, f := range fields {
					got = append(got, fmt.Sprint(f))
				}
				sort.Strings(got)
				if strings.Join(got, ",") != strings.Join(e.fields, ",") {
					resp.Error = fmt.Errorf("%s[%q] before the plan = %v, want %v", e.attr, u, got, e.fields)
					return
				}
			}
		}
		if unknown, _ := rc.Change.AfterUnknown.(map[string]any); unknown[e.attr] != true {
			after, _ := rc.Change.After.(map[string]any)
			resp.Error = fmt.Errorf("%s planned = %v, want it known after apply", e.attr, after[e.attr])
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", provAddr)
}

// nothingPending checks, in state after apply, the pending_* sets apply read back: all empty.
func nothingPending() []statecheck.StateCheck {
	var checks []statecheck.StateCheck
	for _, attr := range []string{"pending_create", "pending_deactivate", "pending_reactivate"} {
		checks = append(checks, statecheck.ExpectKnownValue(provAddr, tfjsonpath.New(attr), emptySet))
	}
	return append(checks, statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_update"), emptyMap))
}

// checkUsers is a TestCheckFunc that runs f.
func checkUsers(f func() error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f() }
}

var (
	emptySet = knownvalue.SetExact([]knownvalue.Check{})
	emptyMap = knownvalue.MapExact(map[string]knownvalue.Check{})
)

// Assigning a group through the app provisions its members; import reads the resource back by
// <salesforce_org>/<app_id>, and destroy leaves the Salesforce users as they are.
func TestAccUserProvisioning_basic(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{
				Config: p.config(acctest.RandomName("prov"), salesAttributes, ""),
				ConfigStateChecks: append(nothingPending(),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile("^"+regexp.QuoteMeta(acctest.PrimaryOrg())+`/0oa`))),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced"), knownvalue.MapSizeExact(2)),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced").AtMapKey(a.Login), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{12}$`))),
				),
				Check:            resource.ComposeTestCheckFunc(acctest.CheckExists(provAddr, appOf(p.oc)), p.checkProvisioned(t, "Sales", a, b)),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				ResourceName:      provAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: importID,
				// The mapping lives only in configuration, and what is pending depends on it.
				ImportStateVerifyIgnore: []string{"attributes", "username", "synced", "pending_"},
			},
		},
	})
}

// A changed mapping updates every provisioned user in place.
func TestAccUserProvisioning_update(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	label := acctest.RandomName("prov")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{
				Config:            p.config(label, salesAttributes, ""),
				ConfigStateChecks: nothingPending(),
				Check:             p.checkProvisioned(t, "Sales", a, b),
				ConfigPlanChecks:  acctest.EmptyPlanAfterApply(),
			},
			{
				Config: p.config(label, strings.Replace(salesAttributes, "'Sales'", "'Field Sales'", 1), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(provAddr, tfjsonpath.New("attributes").AtMapKey("Department"), knownvalue.StringExact("'Field Sales'")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: nothingPending(),
				Check:             p.checkProvisioned(t, "Field Sales", a, b),
			},
		},
	})
}

// A mapped field edited in Salesforce and a user deactivated there show in the plan as pending changes, and
// apply puts Salesforce back in line.
func TestAccUserProvisioning_drift(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	edit := func(u acctest.OktaUser, fields map[string]any) func() {
		return func() {
			fields["Id"] = oneUser(t, p.sf, u.Login).ID
			if res, err := p.sf.UpdateUsers(context.Background(), []map[string]any{fields}); err != nil || res[0].Err() != nil {
				t.Fatalf("edit the Salesforce user of %s out of band: %v %v", u.Login, err, res)
			}
		}
	}
	driftStep := func(preConfig func(), pending expectPending) resource.TestStep {
		return resource.TestStep{
			PreConfig: preConfig,
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(provAddr, plancheck.ResourceActionUpdate), pending},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: nothingPending(),
			Check:             p.checkProvisioned(t, "Sales", a, b),
		}
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a, b),
		Steps: []resource.TestStep{
			{Config: cfg, Check: p.checkProvisioned(t, "Sales", a, b), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			driftStep(edit(b, map[string]any{"Department": "Marketing", "ProfileId": acctest.ProfileID(t, p.sf, acctest.AdminProfile)}),
				expectPending{attr: "pending_update", before: []string{b.Login}, fields: []string{"Department", "ProfileId"}}),
			driftStep(edit(a, map[string]any{"IsActive": false}), expectPending{attr: "pending_reactivate", before: []string{a.Login}}),
		},
	})
}

// An app deleted in Okta takes user provisioning with it: the plan creates both again, and apply does.
func TestAccUserProvisioning_disappears(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a := p.member(t, "a")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, "")
	deleteApp := func(ctx context.Context, is *terraform.InstanceState) error {
		return p.oc.DeleteApp(ctx, is.Attributes["app_id"])
	}
	steps := acctest.DisappearsSteps(t, cfg, provAddr, deleteApp, appOf(p.oc))
	for i := range steps { // the users are matched again, not duplicated
		steps[i].Check = resource.ComposeTestCheckFunc(steps[i].Check, p.checkProvisioned(t, "Sales", a))
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps:        steps,
	})
}

// Provisioning is imported as <salesforce_org>/<app_id>; a malformed ID and an app Okta does not know are refused.
func TestAccUserProvisioning_import(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	a := p.member(t, "a")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{Config: p.config(acctest.RandomName("prov"), salesAttributes, ""), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				ResourceName:            provAddr,
				ImportState:             true,
				ImportStateIdFunc:       importID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"attributes", "username", "synced", "pending_"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["salesforce_org"] != acctest.PrimaryOrg() {
						return fmt.Errorf("imported %v", states)
					}
					return nil
				},
			},
			{
				ResourceName:  provAddr,
				ImportState:   true,
				ImportStateId: "0oaNoOrgGiven",
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*<salesforce_org>/<app_id>`),
			},
			{
				ResourceName:  provAddr,
				ImportState:   true,
				ImportStateId: acctest.PrimaryOrg() + "/0oaNoSuchApp000000001",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

// Mapping problems are plan errors on the attribute path, before anything is written.
func TestAccUserProvisioning_badMapping(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
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
		steps[i] = resource.TestStep{Config: p.config(label, tt.attributes, ""), PlanOnly: true, ExpectError: regexp.MustCompile(tt.want)}
	}
	acctest.Test(t, resource.TestCase{Steps: steps})
}
