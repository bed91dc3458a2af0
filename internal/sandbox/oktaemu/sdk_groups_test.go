package oktaemu

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func seedUsers(n int) []SeedUser {
	var out []SeedUser
	for i := range n {
		l := fmt.Sprintf("user%02d@example.com", i)
		out = append(out, SeedUser{Login: l, Email: l, FirstName: "User", LastName: fmt.Sprintf("N%02d", i)})
	}
	return out
}

func TestSDKGroupsCRUDAndMembers(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(3), Groups: []SeedGroup{{Name: "Sales", Description: "seeded", Members: []string{"user00@example.com"}}}}))
	c := org.client(t)
	ctx := context.Background()

	g, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "Engineering", Description: "builders"}})
	if err != nil {
		t.Fatal(err)
	}
	if g.Type != "OKTA_GROUP" || len(g.Id) != 20 || g.Id[:3] != "00g" || !slices.Equal(g.ObjectClass, []string{"okta:user_group"}) {
		t.Errorf("created group %+v", g)
	}
	_, _, err = c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "engineering"}})
	if e := oktaErr(t, err); e.ErrorCode != "E0000001" {
		t.Errorf("duplicate group name: %+v", e)
	}

	users, _, err := c.User.ListUsers(ctx, nil)
	if err != nil || len(users) != 3 {
		t.Fatalf("list users: %d, %v", len(users), err)
	}
	for _, u := range users[:2] {
		if _, err := c.Group.AddUserToGroup(ctx, g.Id, u.Id); err != nil {
			t.Fatal(err)
		}
	}
	members, _, err := c.Group.ListGroupUsers(ctx, g.Id, nil)
	if err != nil || len(members) != 2 || members[0].Id != users[0].Id {
		t.Fatalf("members = %d, %v", len(members), err)
	}
	resp, err := c.Group.RemoveUserFromGroup(ctx, g.Id, users[0].Id)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("remove member: %v", err)
	}
	userGroups, _, err := c.User.ListUserGroups(ctx, users[0].Id)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ug := range userGroups {
		names = append(names, ug.Profile.Name)
	}
	if !slices.Equal(names, []string{"Everyone", "Sales"}) {
		t.Errorf("groups of user00 = %v", names)
	}

	tests := []struct {
		name string
		qp   query.Params
		want []string
	}{
		{"q is startsWith on name", query.Params{Q: "eng"}, []string{"Engineering"}},
		{"filter type", query.Params{Filter: `type eq "BUILT_IN"`}, []string{"Everyone"}},
		{"filter id", query.Params{Filter: fmt.Sprintf(`id eq "%s"`, g.Id)}, []string{"Engineering"}},
		{"search name", query.Params{Search: `profile.name eq "Sales"`}, []string{"Sales"}},
		{"search type", query.Params{Search: `type eq "OKTA_GROUP"`}, []string{"Sales", "Engineering"}},
	}
	for _, tt := range tests {
		groups, _, err := c.Group.ListGroups(ctx, &tt.qp)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, gr := range groups {
			got = append(got, gr.Profile.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}

	withStats, _, err := c.Group.ListGroups(ctx, &query.Params{Expand: "stats", Filter: `type eq "BUILT_IN"`})
	if err != nil || len(withStats) != 1 {
		t.Fatalf("expand=stats: %v", err)
	}
	stats := withStats[0].Embedded.(map[string]any)["stats"].(map[string]any)
	if stats["usersCount"] != float64(3) {
		t.Errorf("Everyone usersCount = %v, want 3", stats["usersCount"])
	}

	g.Profile.Name = "Engineering Renamed"
	updated, _, err := c.Group.UpdateGroup(ctx, g.Id, *g)
	if err != nil || updated.Profile.Name != "Engineering Renamed" {
		t.Fatalf("update: %v %v", updated, err)
	}
	everyone := withStats[0]
	if _, err := c.Group.DeleteGroup(ctx, everyone.Id); oktaErr(t, err).ErrorCode != "E0000006" {
		t.Errorf("deleting Everyone must be forbidden")
	}
	if _, err := c.Group.AddUserToGroup(ctx, g.Id, "00uDoesNotExist00000"); oktaErr(t, err).ErrorCode != "E0000007" {
		t.Errorf("adding an unknown user must be 404")
	}
	if _, err := c.Group.DeleteGroup(ctx, g.Id); err != nil {
		t.Fatal(err)
	}
	_, resp, err = c.Group.GetGroup(ctx, g.Id)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorSummary != "Not found: Resource not found: "+g.Id+" (UserGroup)" {
		t.Errorf("deleted group: %d %+v", resp.StatusCode, e)
	}
}

// TestSDKPagination walks every list with resp.Next at a small limit and checks nothing is lost or repeated.
func TestSDKPagination(t *testing.T) {
	t.Parallel()
	var logins []string
	for _, u := range seedUsers(7) {
		logins = append(logins, u.Login)
	}
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(7), Groups: []SeedGroup{{Name: "All", Members: logins}}}))
	c := org.client(t)
	ctx := context.Background()

	users, resp, err := c.User.ListUsers(ctx, &query.Params{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	pages := 1
	for resp.HasNextPage() {
		var next []*okta.User
		if resp, err = resp.Next(ctx, &next); err != nil {
			t.Fatal(err)
		}
		if len(next) > 3 {
			t.Fatalf("page of %d exceeds limit 3", len(next))
		}
		users = append(users, next...)
		pages++
	}
	if pages != 3 || len(users) != 7 {
		t.Fatalf("walked %d pages, %d users; want 3 pages, 7 users", pages, len(users))
	}
	seen := map[string]bool{}
	for i, u := range users {
		if seen[u.Id] || (*u.Profile)["login"] != logins[i] {
			t.Fatalf("user %d = %v (dup %v)", i, (*u.Profile)["login"], seen[u.Id])
		}
		seen[u.Id] = true
	}

	groups, _, err := c.Group.ListGroups(ctx, &query.Params{Q: "All"})
	if err != nil || len(groups) != 1 {
		t.Fatal(err)
	}
	members, resp, err := c.Group.ListGroupUsers(ctx, groups[0].Id, &query.Params{Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	for resp.HasNextPage() {
		var next []*okta.User
		if resp, err = resp.Next(ctx, &next); err != nil {
			t.Fatal(err)
		}
		members = append(members, next...)
	}
	if len(members) != 7 {
		t.Fatalf("group members walked = %d, want 7", len(members))
	}

	raw := org.do(t, http.MethodGet, "/api/v1/users?limit=2", "")
	links := raw.Header.Values("Link")
	if len(links) != 2 || links[0] != "<"+org.http.URL+`/api/v1/users?limit=2>; rel="self"` ||
		links[1] != "<"+org.http.URL+"/api/v1/users?after="+users[1].Id+`&limit=2>; rel="next"` {
		t.Errorf("Link headers = %q", links)
	}
}
