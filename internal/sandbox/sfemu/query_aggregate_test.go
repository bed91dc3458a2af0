package sfemu

import (
	"net/url"
	"strings"
	"testing"
)

// TestAggregateQueryThroughGoSalesforce reads AggregateResult rows into structs with go-salesforce and checks
// them against counts taken from the plain rows.
func TestAggregateQueryThroughGoSalesforce(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "agg", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)

	var plain []struct {
		PermissionSetID string `json:"PermissionSetId"`
		SystemModstamp  string `json:"SystemModstamp"`
	}
	if err := sf.Query("SELECT PermissionSetId, SystemModstamp FROM PermissionSetAssignment", &plain); err != nil {
		t.Fatalf("plain query: %v", err)
	}
	wantCount := map[string]int{}
	wantMax := map[string]string{}
	for _, r := range plain {
		wantCount[r.PermissionSetID]++
		if r.SystemModstamp > wantMax[r.PermissionSetID] {
			wantMax[r.PermissionSetID] = r.SystemModstamp
		}
	}
	if len(wantCount) < 2 {
		t.Fatalf("the seed should assign at least two permission sets, got %v", wantCount)
	}

	var groups []struct {
		PermissionSetID string `json:"PermissionSetId"`
		N               int    `json:"n"`
		Latest          string `json:"latest"`
	}
	if err := sf.Query("SELECT PermissionSetId, COUNT(Id) n, MAX(SystemModstamp) latest FROM PermissionSetAssignment GROUP BY PermissionSetId", &groups); err != nil {
		t.Fatalf("aggregate query: %v", err)
	}
	if len(groups) != len(wantCount) {
		t.Fatalf("got %d groups, want %d: %+v", len(groups), len(wantCount), groups)
	}
	for _, g := range groups {
		if g.N != wantCount[g.PermissionSetID] || g.Latest != wantMax[g.PermissionSetID] {
			t.Errorf("group %s: got n=%d latest=%q, want n=%d latest=%q", g.PermissionSetID, g.N, g.Latest, wantCount[g.PermissionSetID], wantMax[g.PermissionSetID])
		}
	}

	// A relationship field groups by the parent's value and comes back under its own field name; the
	// unaliased aggregate is expr0.
	var byProfile []struct {
		Name  string `json:"Name"`
		Expr0 int    `json:"expr0"`
	}
	if err := sf.Query("SELECT Profile.Name, COUNT(Id) FROM User WHERE IsActive = true GROUP BY Profile.Name HAVING COUNT(Id) >= 1 ORDER BY COUNT(Id) DESC, Profile.Name", &byProfile); err != nil {
		t.Fatalf("group by Profile.Name: %v", err)
	}
	var users []struct {
		Profile struct{ Name string } `json:"Profile"`
	}
	if err := sf.Query("SELECT Profile.Name FROM User WHERE IsActive = true", &users); err != nil {
		t.Fatal(err)
	}
	perProfile := map[string]int{}
	for _, u := range users {
		perProfile[u.Profile.Name]++
	}
	total := 0
	for i, g := range byProfile {
		if g.Expr0 != perProfile[g.Name] {
			t.Errorf("profile %q: got %d, want %d", g.Name, g.Expr0, perProfile[g.Name])
		}
		if i > 0 && byProfile[i-1].Expr0 < g.Expr0 {
			t.Errorf("not ordered by COUNT(Id) DESC: %+v", byProfile)
		}
		total += g.Expr0
	}
	if len(byProfile) != len(perProfile) || total != len(users) {
		t.Fatalf("got %+v, want the counts of %v", byProfile, perProfile)
	}
}

// TestAggregateQueryWire checks the raw answers: AggregateResult rows, COUNT() with no records, LIMIT on groups,
// and the error for a field that is neither grouped nor aggregated.
func TestAggregateQueryWire(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "aggwire", testSeed(), nil, nil, 0)

	status, _, body := to.do(t, "GET", "/services/data/v63.0/query?q="+url.QueryEscape("SELECT IsActive, COUNT(Id) n FROM User GROUP BY IsActive ORDER BY IsActive LIMIT 1"), "")
	if want := `{"totalSize":1,"done":true,"records":[{"attributes":{"type":"AggregateResult"},"IsActive":false,"n":1}]}`; status != 200 || strings.TrimSpace(body) != want {
		t.Fatalf("got %d %s\nwant %s", status, body, want)
	}

	out := to.query(t, "SELECT COUNT() FROM User WHERE IsActive = true")
	if recs := out["records"].([]any); len(recs) != 0 {
		t.Fatalf("COUNT() returned records: %v", recs)
	}
	var active int
	for _, u := range to.query(t, "SELECT Id FROM User WHERE IsActive = true")["records"].([]any) {
		_ = u
		active++
	}
	if out["totalSize"] != float64(active) || active == 0 {
		t.Fatalf("COUNT() totalSize %v, want %d", out["totalSize"], active)
	}

	status, _, body = to.do(t, "GET", "/services/data/v63.0/query?q="+url.QueryEscape("SELECT Username, COUNT(Id) FROM User"), "")
	if status != 400 {
		t.Fatalf("status %d: %s", status, body)
	}
	if code, _ := errorCode(t, body); code != "MALFORMED_QUERY" || !strings.Contains(body, "Field must be grouped or aggregated: Username") {
		t.Fatalf("error: %s", body)
	}
}
