package oktaemu

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// TestSDKChangeMarkers lists the users and groups changed since a moment through okta-sdk-golang, with the
// literals of the listUsers/listGroups examples (lastUpdated gt "…", lastMembershipUpdated gt "…"). The clock
// moves by half-seconds so that text comparison of the timestamps would give wrong answers.
func TestSDKChangeMarkers(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(3), Groups: []SeedGroup{
		{Name: "Sales", Members: []string{"user00@example.com"}}, {Name: "Support", Members: []string{"user01@example.com"}},
	}}))
	// The seed is stamped with the real clock; the test clock starts an hour later, on a whole second.
	t0 := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	at := func(d time.Duration, layout string) string { return t0.Add(d).Format(layout) }
	clock := logClock(org, t0)
	c := org.client(t)
	ctx := context.Background()

	users, _, err := c.User.ListUsers(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	byLogin := map[string]*okta.User{}
	for _, u := range users {
		byLogin[(*u.Profile)["login"].(string)] = u
	}
	groups, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithQ("S")))
	if err != nil {
		t.Fatal(err)
	}
	groupID := map[string]string{}
	for _, g := range groups {
		groupID[g.Profile.Name] = g.Id
	}

	// t0+1.5s: a profile edit moves the user's lastUpdated.
	clock.Store(t0.Add(1500 * time.Millisecond).UnixNano())
	edited := byLogin["user01@example.com"]
	if _, _, err := c.User.PartialUpdateUser(ctx, edited.Id, okta.User{Profile: &okta.UserProfile{"nickName": "Bea"}}, nil); err != nil {
		t.Fatal(err)
	}
	// t0+2.5s: a member added to Sales moves its lastMembershipUpdated, not its lastUpdated nor the user's.
	clock.Store(t0.Add(2500 * time.Millisecond).UnixNano())
	if _, err := c.Group.AddUserToGroup(ctx, groupID["Sales"], byLogin["user02@example.com"].Id); err != nil {
		t.Fatal(err)
	}
	// t0+3.5s: Support is renamed: its lastUpdated moves, its lastMembershipUpdated does not.
	clock.Store(t0.Add(3500 * time.Millisecond).UnixNano())
	if _, _, err := c.Group.UpdateGroup(ctx, groupID["Support"], okta.Group{Profile: &okta.GroupProfile{Name: "Support Tier 1"}}); err != nil {
		t.Fatal(err)
	}

	userLogins := func(search string) []string {
		t.Helper()
		us, _, err := c.User.ListUsers(ctx, query.NewQueryParams(query.WithSearch(search)))
		if err != nil {
			t.Fatalf("search %s: %v", search, err)
		}
		var out []string
		for _, u := range us {
			out = append(out, (*u.Profile)["login"].(string))
		}
		slices.Sort(out)
		return out
	}
	groupNames := func(qp *query.Params) []string {
		t.Helper()
		gs, _, err := c.Group.ListGroups(ctx, qp)
		if err != nil {
			t.Fatalf("groups %+v: %v", qp, err)
		}
		var out []string
		for _, g := range gs {
			out = append(out, g.Profile.Name)
		}
		slices.Sort(out)
		return out
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", what, got, want)
		}
	}
	check("users changed after t0+1s", userLogins(`lastUpdated gt "`+at(time.Second, time.RFC3339)+`"`), "user01@example.com")
	check("users changed after t0+1.5s", userLogins(`lastUpdated gt "`+at(1500*time.Millisecond, timeFormat)+`"`))
	check("users changed at or after t0+1.5s, offset literal", userLogins(`lastUpdated ge "`+t0.Add(1500*time.Millisecond).In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.000-07:00")+`"`), "user01@example.com")
	check("users changed before t0+1s", userLogins(`lastUpdated lt "`+at(time.Second, time.RFC3339)+`"`), "user00@example.com", "user02@example.com")

	check("membership changed after t0+2s (filter)", groupNames(query.NewQueryParams(query.WithFilter(`lastMembershipUpdated gt "`+at(2*time.Second, time.RFC3339)+`"`))), "Sales")
	check("membership changed after t0+2s (search)", groupNames(query.NewQueryParams(query.WithSearch(`lastMembershipUpdated gt "`+at(2*time.Second, timeFormat)+`"`))), "Sales")
	check("group profile changed after t0+3s", groupNames(query.NewQueryParams(query.WithFilter(`type eq "OKTA_GROUP" and lastUpdated gt "`+at(3*time.Second, time.RFC3339)+`"`))), "Support Tier 1")
	check("group changed either way after t0+2s", groupNames(query.NewQueryParams(query.WithSearch(`lastUpdated gt "`+at(2*time.Second, time.RFC3339)+`" or lastMembershipUpdated gt "`+at(2*time.Second, time.RFC3339)+`"`))), "Sales", "Support Tier 1")
}

// TestSeedCreated: a seed's created time stamps its users and groups, so that a search for changes since a
// later moment finds none of them until one changes.
func TestSeedCreated(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	org := newTestOrg(t, withSeed(Seed{Created: created, Users: seedUsers(3), Groups: []SeedGroup{{Name: "Sales", Members: []string{"user00@example.com"}}}}))
	c := org.client(t)
	ctx := context.Background()
	users, _, err := c.User.ListUsers(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if !u.LastUpdated.Equal(created) || !u.Created.Equal(created) {
			t.Errorf("%v: created %v, lastUpdated %v, want both %v", (*u.Profile)["login"], u.Created, u.LastUpdated, created)
		}
	}
	groups, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithQ("Sales")))
	if err != nil || len(groups) != 1 || !groups[0].LastMembershipUpdated.Equal(created) {
		t.Fatalf("Sales: %v, %v; want lastMembershipUpdated %v", groups, err, created)
	}
	since := query.NewQueryParams(query.WithSearch(`lastUpdated gt "` + created.Add(time.Hour).Format(time.RFC3339) + `"`))
	if changed, _, err := c.User.ListUsers(ctx, since); err != nil || len(changed) != 0 {
		t.Fatalf("users changed an hour after the seed: %d (%v), want none", len(changed), err)
	}
	if _, _, err := c.User.PartialUpdateUser(ctx, users[0].Id, okta.User{Profile: &okta.UserProfile{"nickName": "Bea"}}, nil); err != nil {
		t.Fatal(err)
	}
	changed, _, err := c.User.ListUsers(ctx, since)
	if err != nil || len(changed) != 1 || changed[0].Id != users[0].Id {
		t.Fatalf("after one edit the search finds %d users (%v), want the edited one", len(changed), err)
	}
}
