package entitlement_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// person is an Okta user a test created and, unless made without one, the active Salesforce user with its
// login as Federation ID.
type person struct {
	acctest.OktaUser
	SalesforceID string
}

// newPerson creates an Okta user and its Salesforce user (profile acctest.StandardProfile).
func newPerson(t *testing.T, oc *okta.Client, sf *salesforce.Client, what string) person {
	t.Helper()
	p := person{OktaUser: acctest.CreateOktaUser(t, oc, what)}
	p.SalesforceID = acctest.CreateSalesforceUser(t, sf, p.OktaUser, acctest.StandardProfile, nil)
	return p
}

// newOktaOnlyPerson creates an Okta user without a Salesforce user.
func newOktaOnlyPerson(t *testing.T, oc *okta.Client, what string) person {
	t.Helper()
	return person{OktaUser: acctest.CreateOktaUser(t, oc, what)}
}

// fids are the sorted Federation IDs (Okta logins) of people.
func fids(people ...person) []string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = p.Login
	}
	slices.Sort(out)
	return out
}

func users(people ...person) []acctest.OktaUser {
	out := make([]acctest.OktaUser, len(people))
	for i, p := range people {
		out[i] = p.OktaUser
	}
	return out
}

// idsOf checks assigned_federation_ids: the values, sorted.
func idsOf(values []string) knownvalue.Check {
	sorted := slices.Sorted(slices.Values(values))
	checks := make([]knownvalue.Check, len(sorted))
	for i, v := range sorted {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.ListExact(checks)
}

// holders lists the Federation IDs (or, without one, usernames) of the users holding a permission set (by
// API name) or, with group set, a permission set group.
func holders(t *testing.T, sf *salesforce.Client, name string, group bool) []string {
	t.Helper()
	var rows []struct {
		Assignee struct {
			Username             string  `json:"Username"`
			FederationIdentifier *string `json:"FederationIdentifier"`
		} `json:"Assignee"`
	}
	where := "PermissionSet.Name = " + salesforce.Quote(name)
	if group {
		where = "PermissionSetGroup.DeveloperName = " + salesforce.Quote(name)
	}
	if err := sf.Query(context.Background(), "SELECT Assignee.Username, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE "+where, &rows); err != nil {
		t.Fatal(err)
	}
	out := []string{}
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

// checkHolders checks in Salesforce who holds a permission set (or group).
func checkHolders(t *testing.T, sf *salesforce.Client, name string, group bool, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		sort.Strings(want)
		if got := holders(t, sf, name, group); !slices.Equal(got, want) {
			return fmt.Errorf("%s is held in Salesforce by %v, want %v", name, got, want)
		}
		return nil
	}
}

// integrationUser is the API user the tests run as: a holder without a Federation ID, which no binding may
// touch. It returns the user's ID and username.
func integrationUser(t *testing.T, sf *salesforce.Client) (id, username string) {
	t.Helper()
	_, id, err := sf.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Username             string  `json:"Username"`
		FederationIdentifier *string `json:"FederationIdentifier"`
	}
	if err := sf.Query(context.Background(), "SELECT Username, FederationIdentifier FROM User WHERE Id = "+salesforce.Quote(id), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("read the API user %s: %v", id, err)
	}
	if f := rows[0].FederationIdentifier; f != nil && *f != "" {
		t.Fatalf("the API user %s has Federation ID %s: the tests need it without one", rows[0].Username, *f)
	}
	return id, rows[0].Username
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

// typo is name with one character changed in its middle: the closest name to it is name.
func typo(name string) string {
	i := len(name) / 2
	r := byte('x')
	if name[i] == 'x' {
		r = 'y'
	}
	return name[:i] + string(r) + name[i+1:]
}

// checkRemote is a TestCheckFunc that asks the real clients, not the state.
func checkRemote(f func(ctx context.Context) error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f(context.Background()) }
}
