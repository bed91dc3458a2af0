package okta

import (
	"context"
	"testing"
)

// App users come with their Okta user profiles, 500 per call: 1,200 users in 3 calls, none per user.
func TestListAppUsersExpanded(t *testing.T) {
	t.Parallel()
	o := newEmuOrg(t, emuSeed(1200, 3))
	c, ctx := o.client, context.Background()
	var app map[string]any
	if _, err := c.Raw(ctx, "POST", "/api/v1/apps", map[string]any{"name": "salesforce", "label": "Salesforce", "signOnMode": "SAML_2_0",
		"settings": map[string]any{"app": map[string]any{"instanceType": "PRODUCTION"}}}, &app); err != nil {
		t.Fatal(err)
	}
	appID := app["id"].(string)
	var groups []map[string]any
	if _, err := c.Raw(ctx, "GET", "/api/v1/groups?q=SF", nil, &groups); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureAppUserProperties(ctx, appID, "profile"); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if _, err := c.SetAppGroupAssignment(ctx, appID, g["id"].(string), nil, map[string]any{"profile": "Sales User"}); err != nil {
			t.Fatal(err)
		}
	}
	users, err := c.ListAppUsersExpanded(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	if calls := o.count("GET /api/v1/apps/" + appID + "/users"); len(users) != 1200 || calls != 3 {
		t.Fatalf("%d app users in %d calls; want 1200 in 3", len(users), calls)
	}
	tests := []struct {
		login, lastName string
	}{
		{"user00000@bench.example", "0"},
		{"user01199@bench.example", "1199"},
	}
	byLogin := map[string]AppUserWithUser{}
	for _, u := range users {
		login, _ := u.UserProfile["login"].(string)
		byLogin[login] = u
	}
	for _, tt := range tests {
		u, ok := byLogin[tt.login]
		if !ok {
			t.Errorf("%s is missing", tt.login)
			continue
		}
		if u.UserStatus != "ACTIVE" || u.UserProfile["lastName"] != tt.lastName || u.Profile["profile"] != "Sales User" || u.UserName != tt.login {
			t.Errorf("%s = status %q, user profile %v, app profile %v, userName %q", tt.login, u.UserStatus, u.UserProfile, u.Profile, u.UserName)
		}
	}
	if n := o.count("GET /api/v1/users/" + users[0].ID); n != 0 {
		t.Errorf("%d per-user reads, want none", n)
	}
}
