package sfemu

import (
	"encoding/json"
	"net/url"
	"testing"
)

type columnsAnswer struct {
	ColumnMetadata []columnAnswer `json:"columnMetadata"`
	EntityName     string         `json:"entityName"`
	GroupBy        *bool          `json:"groupBy"`
	IDSelected     *bool          `json:"idSelected"`
	KeyPrefix      string         `json:"keyPrefix"`
	Records        []any          `json:"records"`
}

type columnAnswer struct {
	Aggregate      bool           `json:"aggregate"`
	ApexType       *string        `json:"apexType"`
	BooleanType    bool           `json:"booleanType"`
	ColumnName     string         `json:"columnName"`
	Custom         bool           `json:"custom"`
	DisplayName    string         `json:"displayName"`
	ForeignKeyName *string        `json:"foreignKeyName"`
	Insertable     bool           `json:"insertable"`
	JoinColumns    []columnAnswer `json:"joinColumns"`
	NumberType     bool           `json:"numberType"`
	TextType       bool           `json:"textType"`
	Updatable      bool           `json:"updatable"`
}

func queryColumns(t *testing.T, to *testOrg, path, q string) (columnsAnswer, map[string]any) {
	t.Helper()
	status, _, body := to.do(t, "GET", path+"?columns=true&q="+url.QueryEscape(q), "")
	if status != 200 {
		t.Fatalf("%s %q: %d %s", path, q, status, body)
	}
	var out columnsAnswer
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(body), &raw)
	return out, raw
}

// TestQueryColumnsMetadata: with columns=true a query answers its columns (as the Developer Console's query editor
// asks for them), not its records; without it, records as before.
func TestQueryColumnsMetadata(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "cols", testSeed(), nil, nil, 0)
	const q = "SELECT Id, Username, IsActive, CreatedDate, Profile.Name, Profile.Id FROM User WHERE IsActive = true"
	got, raw := queryColumns(t, to, "/services/data/v63.0/query", q)
	if _, has := raw["records"]; has {
		t.Fatalf("columns=true answered records: %v", raw)
	}
	for _, k := range []string{"columnMetadata", "entityName", "groupBy", "idSelected", "keyPrefix"} {
		if _, has := raw[k]; !has {
			t.Errorf("answer lacks %s: %v", k, raw)
		}
	}
	if got.EntityName != "User" || got.KeyPrefix != "005" || got.IDSelected == nil || !*got.IDSelected || got.GroupBy == nil || *got.GroupBy {
		t.Errorf("entity %q keyPrefix %q idSelected %v groupBy %v", got.EntityName, got.KeyPrefix, got.IDSelected, got.GroupBy)
	}
	if len(got.ColumnMetadata) != 5 {
		t.Fatalf("%d columns, want 5 (Profile.Name and Profile.Id share one): %+v", len(got.ColumnMetadata), got.ColumnMetadata)
	}
	want := []struct {
		name, apex       string
		text, num, boolT bool
		insert, update   bool
	}{
		{"Id", "Id", false, false, false, false, false},
		{"Username", "String", true, false, false, true, true},
		{"IsActive", "Boolean", false, false, true, true, true},
		{"CreatedDate", "Datetime", false, false, false, false, false},
	}
	for i, w := range want {
		c := got.ColumnMetadata[i]
		if c.ColumnName != w.name || c.DisplayName != w.name || c.ApexType == nil || *c.ApexType != w.apex || c.TextType != w.text ||
			c.NumberType != w.num || c.BooleanType != w.boolT || c.Insertable != w.insert || c.Updatable != w.update ||
			c.Aggregate || c.Custom || c.ForeignKeyName != nil || c.JoinColumns == nil || len(c.JoinColumns) != 0 {
			t.Errorf("column %d: %+v, want %+v", i, c, w)
		}
	}
	rel := got.ColumnMetadata[4]
	if rel.ColumnName != "Profile" || rel.ApexType != nil || len(rel.JoinColumns) != 2 {
		t.Fatalf("relationship column: %+v", rel)
	}
	if j := rel.JoinColumns[0]; j.ColumnName != "Name" || j.DisplayName != "Profile.Name" || j.ApexType == nil || *j.ApexType != "String" || !j.TextType {
		t.Errorf("Profile.Name join column: %+v", j)
	}
	if j := rel.JoinColumns[1]; j.ColumnName != "Id" || j.DisplayName != "Profile.Id" || *j.ApexType != "Id" {
		t.Errorf("Profile.Id join column: %+v", j)
	}

	// No Id selected; the query is validated as usual.
	got, _ = queryColumns(t, to, "/services/data/v63.0/query", "SELECT Name FROM Profile")
	if *got.IDSelected || got.EntityName != "Profile" || got.KeyPrefix != "00e" || len(got.ColumnMetadata) != 1 {
		t.Errorf("Profile columns: %+v", got)
	}
	status, _, body := to.do(t, "GET", "/services/data/v63.0/query?columns=true&q="+url.QueryEscape("SELECT Nope FROM User"), "")
	if code, _ := errorCode(t, body); status != 400 || code != "INVALID_FIELD" {
		t.Errorf("columns of a bad query: %d %s", status, body)
	}

	// Without columns=true the same query answers records.
	if recs := to.query(t, q)["records"].([]any); len(recs) == 0 {
		t.Errorf("records query answered no records")
	}
}

// TestQueryColumnsTooling: the tooling query answers columns the same way.
func TestQueryColumnsTooling(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "colstool", testSeed(), nil, nil, 0)
	got, raw := queryColumns(t, to, "/services/data/v63.0/tooling/query", "SELECT Id, Name FROM PermissionSet")
	if _, has := raw["records"]; has || got.EntityName != "PermissionSet" || got.KeyPrefix != "0PS" || len(got.ColumnMetadata) != 2 ||
		got.ColumnMetadata[1].ColumnName != "Name" || *got.ColumnMetadata[1].ApexType != "String" {
		t.Errorf("tooling columns: %v", raw)
	}
}
