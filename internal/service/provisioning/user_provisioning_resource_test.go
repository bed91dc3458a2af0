package provisioning_test

import (
	"context"
	"fmt"
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

func test(t *testing.T, tc resource.TestCase) {
	t.Helper()
	acctest.Test(t, tc)
}

// provConfig is an app for qa, the Salesforce Sales group (alice, bob, carol) mapped to Sales User and
// Sales Rep, and user provisioning with extra settings.
func provConfig(sb *sandbox.Sandbox, label, attributes, extra string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "test" {
  salesforce_org = "qa"
  label          = %q
}
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}
resource "oktasf_group_mapping" "sales" {
  app_id         = oktasf_saml_app.test.id
  group_id       = data.oktasf_okta_group.sales.id
  salesforce_org = "qa"
  profile        = "Sales User"
  role           = "Sales Rep"
}
resource "oktasf_user_provisioning" "test" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.test.id
  username       = { suffix = ".prov.qa" }
  attributes = {
%s
  }
%s
  depends_on = [oktasf_group_mapping.sales]
}
`, label, attributes, extra)
}

// salesAttributes is the usual mapping.
const salesAttributes = `
    LastName   = "user.lastName"
    FirstName  = "user.firstName"
    Email      = "user.email"
    Alias      = "user.firstName"
    Department = "'Sales'"`

// ownSandbox gives a test a sandbox of its own: the tests change Okta users and groups.
func ownSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded users and groups")
	}
	return acctest.NewSandbox(t, sandbox.Options{})
}

// sfUser is a User row as the tests check it.
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

// createOktaUser creates an active Okta user and adds it to a group.
func createOktaUser(t *testing.T, c *okta.Client, login, email, group string) {
	t.Helper()
	body := map[string]any{"profile": map[string]any{"login": login, "email": email, "firstName": "New", "lastName": "Comer"}}
	var u struct {
		ID string `json:"id"`
	}
	if _, err := c.Raw(context.Background(), "POST", "/api/v1/users?activate=true", body, &u); err != nil {
		t.Fatalf("create Okta user %s: %v", login, err)
	}
	if _, err := c.Raw(context.Background(), "PUT", "/api/v1/groups/"+acctest.OktaGroupID(t, c, group)+"/users/"+u.ID, nil, nil); err != nil {
		t.Fatalf("add %s to %s: %v", login, group, err)
	}
}

// expectPending checks that refresh found exactly before in a pending_* set, and that the plan leaves its
// value after apply to apply (known after apply), which reads the users back.
type expectPending struct {
	attr   string
	before []string
}

func (e expectPending) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != provAddr {
			continue
		}
		m, _ := rc.Change.Before.(map[string]any)
		list, _ := m[e.attr].([]any)
		b := []string{}
		for _, x := range list {
			b = append(b, fmt.Sprint(x))
		}
		sort.Strings(b)
		if strings.Join(b, ",") != strings.Join(e.before, ",") {
			resp.Error = fmt.Errorf("%s before the plan = %v, want %v", e.attr, b, e.before)
			return
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
	for _, attr := range []string{"pending_create", "pending_update", "pending_deactivate", "pending_reactivate"} {
		checks = append(checks, statecheck.ExpectKnownValue(provAddr, tfjsonpath.New(attr), emptySet))
	}
	return checks
}

func emptyPlan() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// checkUsers is a TestCheckFunc that runs f.
func checkUsers(f func() error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f() }
}

var emptySet = knownvalue.SetExact([]knownvalue.Check{})
