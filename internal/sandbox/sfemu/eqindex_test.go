package sfemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// indexedAndScanned runs q with the store's indexes and by a full scan, fails the test when the two
// answers differ in any byte, and returns the records.
func indexedAndScanned(t *testing.T, o *Org, q string) []map[string]any {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	run := func(src soql.Source) string {
		p, err := soql.Parse(q)
		if err != nil {
			t.Fatalf("parse %q: %v", q, err)
		}
		res, err := soql.Execute(p, src)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	indexed := run(querySource{o: o, version: "v63.0"})
	scanned := run(scanOnly{querySource{o: o, version: "v63.0"}})
	if indexed != scanned {
		t.Fatalf("%q: indexed answer differs from the scan\nindexed: %s\nscanned: %s", q, indexed, scanned)
	}
	var res struct{ Records []map[string]any }
	if err := json.Unmarshal([]byte(indexed), &res); err != nil {
		t.Fatal(err)
	}
	return res.Records
}

// assertIndexCurrent compares the maintained indexes with ones built afresh from the tables: same
// buckets, each in table order.
func assertIndexCurrent(t *testing.T, o *Org) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for typ := range eqIndexedFields {
		kept := o.data.eq[typ]
		if kept == nil {
			continue
		}
		delete(o.data.eq, typ)
		fresh := o.eqIndexFor(typ)
		o.data.eq[typ] = kept
		for name, f := range fresh.fields {
			k := kept.fields[name]
			if len(k.buckets) != len(f.buckets) {
				t.Fatalf("%s.%s: %d index keys kept, %d in the table", typ, name, len(k.buckets), len(f.buckets))
			}
			for v, rows := range f.buckets {
				if !slices.Equal(k.buckets[v], rows) {
					t.Fatalf("%s.%s = %q: index holds %v, table order is %v", typ, name, v, k.buckets[v], rows)
				}
			}
		}
	}
}

func usernames(records []map[string]any) []string {
	var out []string
	for _, r := range records {
		out = append(out, fmt.Sprint(r["Username"]))
	}
	return out
}

func TestEqualityIndexAgreesWithScan(t *testing.T) {
	t.Parallel()
	seed := testSeed()
	seed.Users = append(seed.Users,
		UserSeed{Username: "dee@acme.qa", LastName: "Dee", FederationID: "Dee@Acme.com", PermissionSets: []string{"Sales_Cloud"}},
		UserSeed{Username: "eve@acme.qa", LastName: "Eve", FederationID: "eve@ACME.com", PermissionSets: []string{"Reports_Viewer", "Sales_Cloud"}},
	)
	to := startOrg(t, "eqidx", seed, nil, nil, 0)
	o := to.Org
	o.mu.Lock()
	ada := str(o.findRow("User", "Username", "ada@acme.qa"), "Id")
	bob := str(o.findRow("User", "Username", "bob@acme.qa"), "Id")
	salesCloud := str(o.findRow("PermissionSet", "Name", "Sales_Cloud"), "Id")
	salesRep := str(o.findRow("Profile", "Name", "Sales Rep"), "Id")
	o.mu.Unlock()

	const sel = "SELECT Id, Username, FederationIdentifier, IsActive FROM User WHERE "
	queries := map[string]string{
		"eq":             sel + "FederationIdentifier = 'ada@acme.com'",
		"eq case":        sel + "FederationIdentifier = 'ADA@Acme.COM'",
		"in":             sel + "FederationIdentifier IN ('dee@acme.com', 'EVE@acme.com', 'bob@acme.com', 'nobody@acme.com', 'Bob@Acme.com')",
		"in and":         sel + "FederationIdentifier IN ('dee@acme.com', 'eve@acme.com', 'ada@acme.com') AND IsActive = true AND Username != 'EVE@acme.qa'",
		"in order":       sel + "Username IN ('EVE@acme.qa', 'ada@acme.qa', 'dee@acme.qa') ORDER BY Username DESC LIMIT 2 OFFSET 1",
		"or":             sel + "FederationIdentifier = 'ada@acme.com' OR Username = 'bob@acme.qa'",
		"not":            sel + "NOT FederationIdentifier = 'ada@acme.com'",
		"null":           sel + "FederationIdentifier = null",
		"no match":       sel + "Username = 'ghost@acme.qa'",
		"id 18":          sel + "Id = '" + ada + "'",
		"id 15 in":       sel + "Id IN ('" + ada[:15] + "', '" + bob + "')",
		"id lowercase":   sel + "Id = '" + strings.ToLower(ada[:15]) + "'",
		"semi join":      sel + "Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId = '" + salesCloud + "')",
		"psa":            "SELECT Id, AssigneeId, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE PermissionSetId = '" + salesCloud + "' AND Assignee.FederationIdentifier != null",
		"psa assignee":   "SELECT Id, PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId IN ('" + ada + "', '" + bob[:15] + "') AND PermissionSet.IsOwnedByProfile = false",
		"psa two fields": "SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = '" + salesCloud + "' AND AssigneeId = '" + ada + "'",
	}
	counts := func() map[string]int {
		out := map[string]int{}
		for name, q := range queries {
			out[name] = len(indexedAndScanned(t, o, q))
		}
		assertIndexCurrent(t, o)
		return out
	}
	want := func(step string, got map[string]int, expect map[string]int) {
		t.Helper()
		for name, n := range expect {
			if got[name] != n {
				t.Errorf("%s: %s returned %d rows, want %d", step, name, got[name], n)
			}
		}
	}

	got := counts()
	o.mu.Lock()
	built := o.data.eq["User"] != nil && o.data.eq["PermissionSetAssignment"] != nil
	o.mu.Unlock()
	if !built {
		t.Fatal("the queries did not build the User and PermissionSetAssignment indexes")
	}
	want("seeded", got, map[string]int{
		"eq": 1, "eq case": 1, "in": 3, "in and": 2, "in order": 2, "or": 2, "no match": 0, "id 18": 1, "id 15 in": 2,
		"id lowercase": 0, "semi join": 3, "psa": 3, "psa two fields": 1, "null": 2, // admin and cy have no federation id
	})
	if got := usernames(indexedAndScanned(t, o, queries["in order"])); !slices.Equal(got, []string{"dee@acme.qa", "ada@acme.qa"}) {
		t.Errorf("in order: got %v", got)
	}

	// An update moving an indexed value: the old value finds nothing, the new one the row.
	if status, _, body := to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/"+ada, `{"FederationIdentifier":"Countess@acme.com","Username":"ada.l@acme.qa"}`); status != 204 {
		t.Fatalf("update: %d %s", status, body)
	}
	queries["moved"] = sel + "FederationIdentifier = 'countess@ACME.com' AND Username = 'ADA.L@acme.qa'"
	want("after update", counts(), map[string]int{"eq": 0, "eq case": 0, "in and": 1, "in order": 1, "moved": 1, "id 18": 1})

	// A profile change moves the user's profile-owned assignment to the new profile's permission set in place.
	if status, _, body := to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/"+bob, `{"ProfileId":"`+salesRep+`"}`); status != 204 {
		t.Fatalf("profile change: %d %s", status, body)
	}
	counts()
	o.mu.Lock()
	profileSet := str(o.findRow("PermissionSet", "ProfileId", salesRep), "Id")
	moved := 0
	for _, a := range o.rowsWith("PermissionSetAssignment", "AssigneeId", bob) {
		if sameID(str(a, "PermissionSetId"), profileSet) {
			moved++
		}
	}
	o.mu.Unlock()
	if moved != 1 {
		t.Errorf("after the profile change bob holds the new profile's permission set %d times, want once", moved)
	}

	// Deleting an assignment and inserting a user.
	o.mu.Lock()
	var adaSales string
	o.each("PermissionSetAssignment", func(a soql.Record) bool {
		if sameID(str(a, "AssigneeId"), ada) && sameID(str(a, "PermissionSetId"), salesCloud) {
			adaSales = str(a, "Id")
		}
		return adaSales == ""
	})
	o.mu.Unlock()
	if status, _, body := to.do(t, "DELETE", "/services/data/v63.0/sobjects/PermissionSetAssignment/"+adaSales, ""); status != 204 {
		t.Fatalf("delete: %d %s", status, body)
	}
	if status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", `{"Username":"fay@acme.qa","LastName":"Fay","Email":"fay@acme.qa","Alias":"fay","FederationIdentifier":"ADA@acme.com","ProfileId":"`+salesRep+`","TimeZoneSidKey":"America/Los_Angeles","LocaleSidKey":"en_US","LanguageLocaleKey":"en_US","EmailEncodingKey":"UTF-8"}`); status != 201 {
		t.Fatalf("insert: %d %s", status, body)
	}
	want("after delete and insert", counts(), map[string]int{"psa two fields": 0, "psa": 2, "semi join": 2, "eq": 1, "eq case": 1})

	// Restoring saved state and resetting to the seed swap the store; answers follow the restored rows.
	state, err := to.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if err := to.LoadState(state); err != nil {
		t.Fatal(err)
	}
	want("after LoadState", counts(), map[string]int{"psa two fields": 0, "eq": 1, "moved": 1})
	if err := to.Reset(); err != nil {
		t.Fatal(err)
	}
	want("after Reset", counts(), map[string]int{"eq": 1, "moved": 0, "psa two fields": 1, "in": 3})
}

// TestEqualityIndexFollowsRollback: a failed all-or-none collection swaps the store back, and the
// answers follow the restored rows.
func TestEqualityIndexFollowsRollback(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "eqrb", testSeed(), nil, nil, 0)
	o := to.Org
	o.mu.Lock()
	ada := str(o.findRow("User", "Username", "ada@acme.qa"), "Id")
	bob := str(o.findRow("User", "Username", "bob@acme.qa"), "Id")
	o.mu.Unlock()
	q := "SELECT Id FROM User WHERE FederationIdentifier IN ('zed@acme.com', 'ada@acme.com')"
	if n := len(indexedAndScanned(t, o, q)); n != 1 {
		t.Fatalf("before: %d rows, want 1", n)
	}
	batch := `{"allOrNone":true,"records":[` +
		`{"attributes":{"type":"User"},"id":"` + ada + `","FederationIdentifier":"zed@acme.com"},` +
		`{"attributes":{"type":"User"},"id":"` + bob + `","Email":"not-an-email"}]}`
	status, _, body := to.do(t, "PATCH", "/services/data/v63.0/composite/sobjects", batch)
	if status != 200 || !strings.Contains(body, "ALL_OR_NONE_OPERATION_ROLLED_BACK") {
		t.Fatalf("collection: %d %s", status, body)
	}
	rows := indexedAndScanned(t, o, q)
	if len(rows) != 1 || !sameID(fmt.Sprint(rows[0]["Id"]), ada) {
		t.Fatalf("after rollback: %v, want only %s", rows, ada)
	}
	assertIndexCurrent(t, o)
}
