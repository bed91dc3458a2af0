package okta

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
)

// emuOrg is the sandbox's Okta emulator behind httptest, with a count of requests by method and path.
type emuOrg struct {
	client *Client
	mu     sync.Mutex
	counts map[string]int
}

func (o *emuOrg) count(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[key]
}

func newEmuOrg(t *testing.T, seed oktaemu.Seed) *emuOrg {
	t.Helper()
	o, _ := newClockedEmuOrg(t, seed)
	return o
}

// emuSeed has users users, user i in group i%groups and, for even i, also in group (i+1)%groups.
func emuSeed(users, groups int) oktaemu.Seed {
	var s oktaemu.Seed
	members := make([][]string, groups)
	for i := 0; i < users; i++ {
		login := fmt.Sprintf("user%05d@bench.example", i)
		s.Users = append(s.Users, oktaemu.SeedUser{Login: login, Email: login, FirstName: "U", LastName: fmt.Sprint(i)})
		members[i%groups] = append(members[i%groups], login)
		if i%2 == 0 {
			members[(i+1)%groups] = append(members[(i+1)%groups], login)
		}
	}
	for g := range members {
		s.Groups = append(s.Groups, oktaemu.SeedGroup{Name: fmt.Sprintf("SF Group %03d", g+1), Members: members[g]})
	}
	return s
}

func TestAssignmentsAgainstEmulator(t *testing.T) {
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
	g1, g2, g3 := groups[0]["id"].(string), groups[1]["id"].(string), groups[2]["id"].(string)

	zero := 0
	if _, err := c.SetAppGroupAssignment(ctx, appID, g1, nil, map[string]any{"profile": "Sales User"}); err != nil {
		t.Fatal(err)
	}
	a2, err := c.SetAppGroupAssignment(ctx, appID, g2, &zero, map[string]any{"profile": "Support User", "role": "Agent"})
	if err != nil {
		t.Fatal(err)
	}
	if a2.Priority != 0 {
		t.Fatalf("explicit priority 0 came back as %d", a2.Priority)
	}
	got, err := c.GetAppGroupAssignment(ctx, appID, g1)
	if err != nil || got.Priority != 1 || got.Profile["profile"] != "Sales User" {
		t.Fatalf("g1 after g2 was put at 0: %+v %v", got, err)
	}
	if _, err := c.SetAppGroupAssignment(ctx, appID, g3, nil, map[string]any{"permissionSets": []any{"PS_001"}}); !errors.Is(err, ErrValidation) {
		t.Fatalf("unknown property: %v", err)
	}
	if err := c.EnsureAppUserProperties(ctx, appID, "role", "permissionSets"); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureAppUserProperties(ctx, appID, "role", "permissionSets"); err != nil {
		t.Fatal(err)
	}
	schemaPath := "/api/v1/meta/schemas/apps/" + appID + "/default"
	if gets, posts := o.count("GET "+schemaPath), o.count("POST "+schemaPath); gets != 2 || posts != 1 {
		t.Fatalf("schema calls: %d GET, %d POST; want 2 and 1", gets, posts)
	}
	if _, err := c.SetAppGroupAssignment(ctx, appID, g3, nil, map[string]any{"permissionSets": []any{"PS_001"}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListAppGroupAssignments(ctx, appID)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %+v %v", list, err)
	}

	members, err := c.ListGroupMembers(ctx, g1)
	if err != nil || len(members) != 600 || members[0].Login != "user00000@bench.example" {
		t.Fatalf("members of g1: %d %v", len(members), err)
	}
	users, err := c.ListAppUsers(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1200 || o.count("GET /api/v1/apps/"+appID+"/users") != 3 {
		t.Fatalf("%d app users in %d calls; want 1200 in 3", len(users), o.count("GET /api/v1/apps/"+appID+"/users"))
	}
	// user i is in group i%3 and, when even, (i+1)%3: user 0 is in g1 and g2 (priority 0 wins), user 2 in g3 and g1
	// (priority 1 beats 2), user 3 in g1 only, user 5 in g3 only (no profile value, its permission set).
	byName := map[string]AppUser{}
	for _, u := range users {
		byName[u.UserName] = u
	}
	for login, want := range map[string]string{"user00000@bench.example": "Support User", "user00003@bench.example": "Sales User", "user00002@bench.example": "Sales User", "user00005@bench.example": "<nil>"} {
		if got := fmt.Sprint(byName[login].Profile["profile"]); got != want || byName[login].Scope != "GROUP" {
			t.Errorf("%s: profile %s scope %s, want %s", login, got, byName[login].Scope, want)
		}
	}
	if got := fmt.Sprint(byName["user00005@bench.example"].Profile["permissionSets"]); got != "[PS_001]" {
		t.Errorf("user00005 permissionSets %s", got)
	}
	if err := c.DeleteAppGroupAssignment(ctx, appID, g3); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAppGroupAssignment(ctx, appID, g3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := c.GetAppGroupAssignment(ctx, appID, g3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
}
