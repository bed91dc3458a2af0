package conns

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func twoOrgs() *Clients {
	return &Clients{Salesforce: map[string]*salesforce.Client{"qa": new(salesforce.Client), "uat": new(salesforce.Client)}}
}

func resolve(t *testing.T, c *Clients, alias string) *Org {
	t.Helper()
	var diags diag.Diagnostics
	org := c.ResolveOrg(alias, path.Root("salesforce_org"), &diags)
	if org == nil {
		t.Fatalf("ResolveOrg(%q): %v", alias, diags)
	}
	return org
}

// Every provider configuration builds a Clients; its caches start empty and are its own, one set per org.
func TestNewClientsHaveEmptyCaches(t *testing.T) {
	t.Parallel()
	a, b := twoOrgs(), twoOrgs()
	qa := resolve(t, a, "qa")
	if n := qa.Reads.Profiles.Len() + qa.Reads.UsersByFederationID.Len() + a.Caches.Okta.AppGroupAssignments.Len(); n != 0 {
		t.Fatalf("a new Clients holds %d cached reads", n)
	}
	fill(t, qa, a)
	if resolve(t, a, "qa").Reads != qa.Reads {
		t.Error("one configuration has two caches for one org")
	}
	if resolve(t, a, "uat").Reads == qa.Reads {
		t.Error("two orgs share a cache")
	}
	if other := resolve(t, b, "qa"); other.Reads == qa.Reads || other.Reads.Profiles.Len() != 0 || b.Caches.Okta.AppGroupAssignments.Len() != 0 {
		t.Error("a new configuration sees the reads of another")
	}
}

// fill caches one read of each kind for org and the Okta org of c.
func fill(t *testing.T, org *Org, c *Clients) {
	t.Helper()
	ctx := context.Background()
	if _, err := org.Reads.Profiles.Get(ctx, "", func(context.Context) ([]salesforce.Profile, error) {
		return []salesforce.Profile{{Name: "Sales User"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Reads.FederatedUsers.Get(ctx, "Email", func(context.Context) ([]salesforce.UserRecord, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Reads.UsersByFederationID.Lookup(ctx, []string{"a@x"}, UserQueries{ByFederationID: func(context.Context, []string) (map[string]salesforce.FederatedUser, error) {
		return map[string]salesforce.FederatedUser{"a@x": {ID: "005a", FederationID: "a@x", IsActive: true}}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"0oa1", "0oa2"} {
		if _, err := c.Caches.Okta.AppGroupAssignments.Get(ctx, app, func(context.Context) ([]okta.AppGroupAssignment, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Caches.Snapshots.Get(ctx, app, func(context.Context) (any, error) { return app, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Caches.Okta.GroupMembers.Get(ctx, "00g1", func(context.Context) ([]okta.GroupMember, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
}

// The invalidation rule: a write forgets what it changes — an app's assignments and the snapshots of app
// users, or an org's users and the snapshots of app users matched with them — and nothing else.
func TestWritesForgetWhatTheyChange(t *testing.T) {
	t.Parallel()
	c := twoOrgs()
	qa, uat := resolve(t, c, "qa"), resolve(t, c, "uat")
	fill(t, qa, c)
	fill(t, uat, c)

	c.Caches.ForgetAppAssignments("0oa1")
	if got := c.Caches.Okta.AppGroupAssignments.Len(); got != 1 {
		t.Errorf("after writing the assignments of one of two apps, %d apps' assignments are kept, want 1", got)
	}
	if got := c.Caches.Snapshots.Len(); got != 0 {
		t.Errorf("after writing an app's assignments, %d snapshots of app users are kept, want 0", got)
	}
	fill(t, qa, c)

	c.Caches.ForgetUsers(qa)
	kept := []int{qa.Reads.Profiles.Len(), uat.Reads.FederatedUsers.Len(), uat.Reads.UsersByFederationID.Len(),
		c.Caches.Okta.GroupMembers.Len(), c.Caches.Okta.AppGroupAssignments.Len()}
	if slices.Contains(kept, 0) {
		t.Errorf("a write of qa's users forgot names, another org's users or assignments: %v", kept)
	}
	if n := qa.Reads.FederatedUsers.Len() + qa.Reads.UsersByFederationID.Len() + c.Caches.Snapshots.Len(); n != 0 {
		t.Errorf("after a write of qa's users, %d user reads are kept", n)
	}
}

// Lookups by Federation ID query only the IDs not looked up before, until forgotten.
func TestUserLookups(t *testing.T) {
	t.Parallel()
	var l UserLookups
	var queried [][]string
	query := UserQueries{ByFederationID: func(_ context.Context, fids []string) (map[string]salesforce.FederatedUser, error) {
		queried = append(queried, fids)
		out := map[string]salesforce.FederatedUser{}
		for _, fid := range fids {
			if fid != "gone@x" {
				out[fid] = salesforce.FederatedUser{FederationID: fid, IsActive: true}
			}
		}
		return out, nil
	}}
	ctx := context.Background()
	if got, _ := l.Lookup(ctx, []string{"a@x", "gone@x"}, query); len(got) != 1 {
		t.Errorf("first lookup = %v, want a@x only", got)
	}
	if got, _ := l.Lookup(ctx, []string{"a@x", "b@x", "gone@x"}, query); len(got) != 2 {
		t.Errorf("second lookup = %v, want a@x and b@x", got)
	}
	if len(queried) != 2 || !slices.Equal(queried[1], []string{"b@x"}) {
		t.Errorf("queries = %v, want the second to ask for b@x only", queried)
	}
	if _, err := l.Lookup(ctx, []string{"c@x"}, UserQueries{ByFederationID: func(context.Context, []string) (map[string]salesforce.FederatedUser, error) {
		return nil, errors.New("timeout")
	}}); err == nil || l.Len() != 3 {
		t.Errorf("a failed query: err %v, %d kept; want the error and the 3 earlier IDs", err, l.Len())
	}
	l.forget()
	_, _ = l.Lookup(ctx, []string{"a@x"}, query)
	if len(queried) != 3 {
		t.Error("after forget, a@x was not queried again")
	}
}
