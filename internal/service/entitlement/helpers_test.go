package entitlement_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// test runs an acceptance test.
func test(t *testing.T, tc resource.TestCase) {
	t.Helper()
	acctest.Test(t, tc)
}

// entitlementSandbox is a sandbox of its own with one org, qa, whose users match the default Okta users
// by Federation ID: bob and dave hold Sales_Cloud_User by hand, the integration user etl.bot holds it
// without a Federation ID, and grace has a Platform license that Full_CRM does not allow.
func entitlementSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	if acctest.Live() {
		t.Skip("needs the sandbox's seeded users")
	}
	seed, err := sandbox.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	qa := seed.Salesforce["qa"]
	qa.Profiles = append(qa.Profiles, sfemu.ProfileSeed{Name: "Platform User", UserLicense: "Salesforce Platform"})
	qa.PermissionSets = append(qa.PermissionSets, sfemu.PermissionSetSeed{Name: "Full_CRM", Label: "Full CRM", License: "Salesforce"})
	var users []sfemu.UserSeed
	for _, u := range qa.Users {
		if u.Username == "etl.bot@acme.example.qa" {
			u.PermissionSets = append(u.PermissionSets, "Sales_Cloud_User")
		}
		users = append(users, u)
	}
	for _, name := range []string{"bob.baker", "carol.chen", "dave.diaz", "erin.evans", "frank.fischer", "grace.green", "heidi.hall"} {
		first, last, _ := strings.Cut(name, ".")
		u := sfemu.UserSeed{Username: name + "@acme.example.qa", Email: name + "@acme.example", FirstName: first, LastName: last,
			Alias: first, FederationID: name + "@acme.example", Profile: "Sales User"}
		switch first {
		case "bob", "dave":
			u.PermissionSets = []string{"Sales_Cloud_User"}
		case "grace":
			u.Profile = "Platform User"
		}
		users = append(users, u)
	}
	qa.Users = users
	seed.Salesforce = map[string]sfemu.OrgSeed{"qa": qa}
	return acctest.NewSandbox(t, sandbox.Options{Seed: &seed})
}

// holders lists the Federation IDs (or, without one, usernames) of the users holding a permission set.
func holders(t *testing.T, sf *salesforce.Client, permissionSet string) []string {
	t.Helper()
	var rows []struct {
		Assignee struct {
			Username             string  `json:"Username"`
			FederationIdentifier *string `json:"FederationIdentifier"`
		} `json:"Assignee"`
	}
	if err := sf.Query(context.Background(), "SELECT Assignee.Username, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE PermissionSet.Name = "+
		salesforce.Quote(permissionSet), &rows); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.Assignee.FederationIdentifier != nil && *r.Assignee.FederationIdentifier != "" {
			out = append(out, *r.Assignee.FederationIdentifier)
		} else {
			out = append(out, r.Assignee.Username)
		}
	}
	sort.Strings(out)
	return out
}

// expectSetChange checks that the plan changes a set attribute of addr from exactly before to exactly after.
type expectSetChange struct {
	addr, attr    string
	before, after []string
}

func (e expectSetChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.addr {
			continue
		}
		get := func(v any) []string {
			m, _ := v.(map[string]any)
			list, _ := m[e.attr].([]any)
			out := []string{}
			for _, x := range list {
				out = append(out, fmt.Sprint(x))
			}
			sort.Strings(out)
			return out
		}
		if b := get(rc.Change.Before); strings.Join(b, ",") != strings.Join(e.before, ",") {
			resp.Error = fmt.Errorf("%s.%s before = %v, want %v", e.addr, e.attr, b, e.before)
			return
		}
		if a := get(rc.Change.After); strings.Join(a, ",") != strings.Join(e.after, ",") {
			resp.Error = fmt.Errorf("%s.%s planned = %v, want %v", e.addr, e.attr, a, e.after)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", e.addr)
}

func salesforceUserID(t *testing.T, sf *salesforce.Client, fid string) string {
	t.Helper()
	users, err := sf.UsersByFederationID(context.Background(), []string{fid})
	if err != nil || users[fid].ID == "" {
		t.Fatalf("find the Salesforce user of %s: %v", fid, err)
	}
	return users[fid].ID
}

func permissionSetTarget(t *testing.T, sf *salesforce.Client, name string) salesforce.AssignmentTarget {
	t.Helper()
	sets, err := sf.ListPermissionSets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		if s.Name == name {
			return salesforce.AssignmentTarget{PermissionSetID: s.ID}
		}
	}
	t.Fatalf("no permission set %s", name)
	return salesforce.AssignmentTarget{}
}
