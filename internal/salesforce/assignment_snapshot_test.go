package salesforce_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// One query gives what ListFederatedAssignments lists and the marker AssignmentMarkers has for the target:
// over a permission set held by an integration user and an inactive user, one nobody holds, and a group
// (whose rows name its aggregate permission set), with the latest SystemModstamp written before the last row.
func TestFederatedAssignmentsAndMarker(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, entitlementSeed(4))
	var offset atomic.Int64 // the org's clock, moved between writes
	base := time.Now()
	sb.Org("qa").SetClock(func() time.Time { return base.Add(time.Duration(offset.Load())) })
	ctx := context.Background()
	sets, err := c.ListPermissionSets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.ListPermissionSetGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]salesforce.AssignmentTarget{"group": {PermissionSetGroupID: groups[0].ID}}
	for _, s := range sets {
		switch s.Name {
		case "Sales_Cloud_User", "Full_CRM": // the integration user holds Sales_Cloud_User; nobody Full_CRM
			targets[s.Name] = salesforce.AssignmentTarget{PermissionSetID: s.ID}
		}
	}
	users, err := c.UsersByFederationID(ctx, []string{"u0000@acme.com", "u0001@acme.com", "u0002@acme.com", "u0003@acme.com"})
	if err != nil || len(users) != 4 {
		t.Fatalf("users = %v, %v", users, err)
	}
	id := func(i int) string { return users[fmt.Sprintf("u%04d@acme.com", i)].ID }
	offset.Store(int64(time.Hour)) // the latest stamp of the set is this write's, not the last row's
	if res, err := c.AddAssignments(ctx, targets["Sales_Cloud_User"], []string{id(0), id(1)}); err != nil || res[0].Err() != nil || res[1].Err() != nil {
		t.Fatalf("assign: %v %v", err, res)
	}
	offset.Store(int64(time.Minute))
	if res, err := c.AddAssignments(ctx, targets["Sales_Cloud_User"], []string{id(2)}); err != nil || res[0].Err() != nil {
		t.Fatalf("assign: %v %v", err, res)
	}
	if res, err := c.AddAssignments(ctx, targets["group"], []string{id(0), id(3)}); err != nil || res[0].Err() != nil || res[1].Err() != nil {
		t.Fatalf("assign the group: %v %v", err, res)
	}
	offset.Store(int64(2 * time.Minute))
	if _, err := c.UpdateCollection(ctx, "User", []map[string]any{{"Id": id(1), "IsActive": false}}); err != nil {
		t.Fatal(err)
	}

	markers, err := c.AssignmentMarkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Sales_Cloud_User": "u0000@acme.com,u0002@acme.com", "Full_CRM": "", "group": "u0000@acme.com,u0003@acme.com"}
	for name, target := range targets {
		listed, err := c.ListFederatedAssignments(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		sb.Control().ResetStats()
		got, marker, err := c.FederatedAssignmentsAndMarker(ctx, target)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := countRoutes(sb, "/query"); n != 1 {
			t.Errorf("%s: %d query requests, want 1", name, n)
		}
		if aggregate := markers.ByTarget[salesforce.TargetKey(target)]; marker != aggregate {
			t.Errorf("%s: marker from the rows %+v, the aggregate has %+v", name, marker, aggregate)
		}
		if fidsOf(got) != want[name] || assignmentKeys(got) != assignmentKeys(listed) {
			t.Errorf("%s: assignments %s (%s), ListFederatedAssignments %s; want %s", name, fidsOf(got), assignmentKeys(got), assignmentKeys(listed), want[name])
		}
	}
	// The integration user's and the inactive user's assignments are counted, not listed.
	if m := markers.ByTarget[salesforce.TargetKey(targets["Sales_Cloud_User"])]; m.Count != 4 || !strings.HasPrefix(m.Max, base.Add(time.Hour).UTC().Format("2006-01-02T15:04:05")) {
		t.Errorf("Sales_Cloud_User marker %+v, want 4 assignments, the latest at %s", m, base.Add(time.Hour).UTC())
	}
}

// Listing every federated user finds what the IN queries find, keyed alike (the exact Federation ID held,
// whatever case it was asked in), in the pages QueryPages counts.
func TestAllUsersByFederationID(t *testing.T) {
	t.Parallel()
	seed := entitlementSeed(2100)
	seed.Users[2].FederationID = "Mixed.Case@ACME.com" // u0000
	sb, c := startOrg(t, seed)
	ctx := context.Background()
	sb.Control().ResetStats()
	all, err := c.AllUsersByFederationID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, want := countRoutes(sb, "/query"), salesforce.QueryPages(len(all)); n != want || want != 2 {
		t.Errorf("%d query requests for %d users, QueryPages says %d (want 2)", n, len(all), want)
	}
	if len(all) != 2101 || all["platform@acme.com"].ID == "" || all["Mixed.Case@ACME.com"].ID == "" {
		t.Fatalf("listed %d federated users (want 2,100 and the platform user, keyed as held)", len(all))
	}
	asked := []string{"mixed.case@acme.com", "PLATFORM@acme.com", "nobody@acme.com"}
	for i := 1; i < 2100; i += 7 {
		asked = append(asked, fmt.Sprintf("u%04d@acme.com", i))
	}
	found, err := c.UsersByFederationID(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(asked)-1 {
		t.Errorf("the IN queries found %d of %d", len(found), len(asked))
	}
	for fid, u := range found {
		if all[fid] != u {
			t.Errorf("IN query: %q → %+v; the list has %+v", fid, u, all[fid])
		}
	}
	if n := salesforce.FederationIDQueries(asked); n != 2 {
		t.Errorf("FederationIDQueries(%d ids) = %d, want 2", len(asked), n)
	}
	if _, ok := found["Mixed.Case@ACME.com"]; !ok || found["mixed.case@acme.com"].ID != "" || found["platform@acme.com"].ID == "" {
		t.Errorf("the IN queries keyed their answer %v, want by the Federation IDs held", slices.Sorted(maps.Keys(found))[:2])
	}
}

func assignmentKeys(as []salesforce.Assignment) string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID+"/"+a.AssigneeID+"/"+a.FederationID)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
