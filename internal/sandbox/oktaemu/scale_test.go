package oktaemu

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// scaleSeed has users users in groups groups, user i in groups i%groups and, for every third user, (i+7)%groups.
func scaleSeed(users, groups int) Seed {
	var s Seed
	members := make([][]string, groups)
	for i := 0; i < users; i++ {
		login := fmt.Sprintf("user%05d@bench.example", i)
		s.Users = append(s.Users, SeedUser{Login: login, Email: login, FirstName: "U", LastName: fmt.Sprint(i)})
		members[i%groups] = append(members[i%groups], login)
		if i%3 == 0 {
			members[(i+7)%groups] = append(members[(i+7)%groups], login)
		}
	}
	for g := 0; g < groups; g++ {
		s.Groups = append(s.Groups, SeedGroup{Name: fmt.Sprintf("SF Group %03d", g+1), Members: members[g]})
	}
	return s
}

// scaleOrg is an unvalidated org (validating 5,000-user pages against the spec would dominate) with every
// group assigned to one custom SAML app.
func scaleOrg(t testing.TB, users, groups int) (*okta.Client, string, []string) {
	var h http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	srv, err := New(Config{BaseURL: hs.URL}, scaleSeed(users, groups))
	if err != nil {
		t.Fatal(err)
	}
	h = srv.Handler()
	_, c, err := okta.NewClient(context.Background(), okta.WithOrgUrl(hs.URL), okta.WithToken(srv.Credentials().APIToken),
		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, _, err := c.Application.CreateApplication(ctx, newSAMLApp("Scale"), nil)
	if err != nil {
		t.Fatal(err)
	}
	appID := app.(*okta.SamlApplication).Id
	list, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithQ("SF Group")))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range list {
		ids = append(ids, g.Id)
		if _, _, err := c.Application.CreateApplicationGroupAssignment(ctx, appID, g.Id, okta.ApplicationGroupAssignment{}); err != nil {
			t.Fatal(err)
		}
	}
	return c, appID, ids
}

func TestAppUsersAtScale(t *testing.T) {
	t.Parallel()
	c, app, groups := scaleOrg(t, 5000, 60)
	ctx := context.Background()
	seen := map[string]bool{}
	list, resp, err := c.Application.ListApplicationUsers(ctx, app, query.NewQueryParams(query.WithLimit(500)))
	pages := 1
	for {
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range list {
			if seen[u.Id] {
				t.Fatalf("app user %s listed twice", u.Id)
			}
			seen[u.Id] = true
		}
		if !resp.HasNextPage() {
			break
		}
		list = nil
		resp, err = resp.Next(ctx, &list)
		pages++
	}
	if len(seen) != 5000 || pages != 10 {
		t.Fatalf("%d app users in %d pages, want 5000 in 10", len(seen), pages)
	}
	members, _, err := c.Group.ListGroupUsers(ctx, groups[0], query.NewQueryParams(query.WithLimit(1000)))
	if err != nil {
		t.Fatal(err)
	}
	if want := len(scaleSeed(5000, 60).Groups[0].Members); len(members) != want {
		t.Fatalf("group 001 lists %d members, the seed has %d", len(members), want)
	}
}

// BenchmarkAppUsersPage measures one 500-user page of app users deep in a 5,000-user, 60-group org.
func BenchmarkAppUsersPage(b *testing.B) {
	c, app, _ := scaleOrg(b, 5000, 60)
	ctx := context.Background()
	_, resp, err := c.Application.ListApplicationUsers(ctx, app, query.NewQueryParams(query.WithLimit(500)))
	if err != nil {
		b.Fatal(err)
	}
	var next []*okta.AppUser
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := resp.Next(ctx, &next); err != nil {
			b.Fatal(err)
		}
	}
}
