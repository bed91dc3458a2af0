package soql

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func aggregateJSON(t *testing.T, q string) (string, int) {
	t.Helper()
	parsed, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	res, err := Execute(parsed, fakeSource{})
	if err != nil {
		t.Fatalf("Execute(%q): %v", q, err)
	}
	b, err := json.Marshal(res.Records)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), res.TotalSize
}

func TestExecuteAggregates(t *testing.T) {
	t.Parallel()
	const attrs = `"attributes":{"type":"AggregateResult"}`
	tests := []struct {
		name, q, want string
		total         int
	}{
		{"count field, unaliased is expr0", "SELECT COUNT(Id) FROM User", `[{` + attrs + `,"expr0":3}]`, 1},
		{"count skips nulls", "SELECT COUNT(FederationIdentifier) c FROM User", `[{` + attrs + `,"c":2}]`, 1},
		{"count over no rows is one row of 0", "SELECT COUNT(Id) n, MAX(Score) m FROM User WHERE Username = 'nobody'", `[{` + attrs + `,"n":0,"m":null}]`, 1},
		{"exprN counts unaliased aggregates only", "SELECT MAX(Score), MIN(Score) lo, SUM(Score), AVG(Score) FROM User",
			`[{` + attrs + `,"expr0":9.5,"lo":3,"expr1":19.5,"expr2":6.5}]`, 1},
		{"count distinct", "SELECT COUNT_DISTINCT(IsActive) FROM User", `[{` + attrs + `,"expr0":2}]`, 1},
		{"group by", "SELECT IsActive, COUNT(Id) n FROM User GROUP BY IsActive ORDER BY IsActive",
			`[{` + attrs + `,"IsActive":false,"n":1},{` + attrs + `,"IsActive":true,"n":2}]`, 2},
		{"group by relationship field is named by its field", "SELECT Profile.Name, COUNT(Id) FROM User GROUP BY Profile.Name ORDER BY Profile.Name NULLS LAST",
			`[{` + attrs + `,"Name":"Standard User","expr0":1},{` + attrs + `,"Name":"System Administrator","expr0":1},{` + attrs + `,"Name":null,"expr0":1}]`, 3},
		{"having on an aggregate", "SELECT IsActive, COUNT(Id) n FROM User GROUP BY IsActive HAVING COUNT(Id) > 1",
			`[{` + attrs + `,"IsActive":true,"n":2}]`, 1},
		{"having on a grouped field", "SELECT IsActive FROM User GROUP BY IsActive HAVING IsActive = false",
			`[{` + attrs + `,"IsActive":false}]`, 1},
		{"order by aggregate desc with limit", "SELECT IsActive, MAX(Score) top FROM User GROUP BY IsActive ORDER BY MAX(Score) DESC LIMIT 1",
			`[{` + attrs + `,"IsActive":true,"top":9.5}]`, 1},
		{"offset on groups", "SELECT IsActive FROM User GROUP BY IsActive ORDER BY IsActive OFFSET 1",
			`[{` + attrs + `,"IsActive":true}]`, 1},
		{"max datetime", "SELECT MAX(CreatedDate) latest FROM User WHERE IsActive = true",
			`[{` + attrs + `,"latest":"2025-01-01T00:00:00.000+0000"}]`, 1},
		{"group by two fields", "SELECT IsActive, Profile.Name, COUNT(Id) FROM User WHERE ProfileId != null GROUP BY IsActive, Profile.Name ORDER BY Profile.Name",
			`[{` + attrs + `,"IsActive":false,"Name":"Standard User","expr0":1},{` + attrs + `,"IsActive":true,"Name":"System Administrator","expr0":1}]`, 2},
		{"count() with group by answers the groups", "SELECT COUNT() FROM User GROUP BY IsActive", `[]`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, total := aggregateJSON(t, tt.q)
			if got == "null" {
				got = "[]"
			}
			if got != tt.want || total != tt.total {
				t.Fatalf("%s\n got %s (totalSize %d)\nwant %s (totalSize %d)", tt.q, got, total, tt.want, tt.total)
			}
		})
	}
}

func TestExecuteAggregateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, q, code, msg string
	}{
		{"field neither grouped nor aggregated", "SELECT Username, COUNT(Id) FROM User", "MALFORMED_QUERY", "Field must be grouped or aggregated: Username"},
		{"field not in group by", "SELECT Username, COUNT(Id) FROM User GROUP BY IsActive", "MALFORMED_QUERY", "Field must be grouped or aggregated: Username"},
		{"order by a field not grouped", "SELECT IsActive FROM User GROUP BY IsActive ORDER BY Username", "MALFORMED_QUERY", "Field must be grouped or aggregated: Username"},
		{"having on a field not grouped", "SELECT IsActive FROM User GROUP BY IsActive HAVING Username = 'x'", "MALFORMED_QUERY", "Field must be grouped or aggregated: Username"},
		{"sum of text", "SELECT SUM(Username) FROM User", "INVALID_FIELD", "field Username does not support aggregate operator SUM"},
		{"having literal of the wrong type", "SELECT IsActive FROM User GROUP BY IsActive HAVING COUNT(Id) > 'a'", "INVALID_FIELD", "must be of type integer"},
		{"alias without aggregate", "SELECT Username u FROM User", "MALFORMED_QUERY", "Only aggregate expressions use field aliasing"},
		{"aggregate in where", "SELECT Id FROM User WHERE COUNT(Id) > 1", "MALFORMED_QUERY", "unexpected token"},
		{"duplicate alias", "SELECT COUNT(Id) n, MAX(Score) n FROM User", "MALFORMED_QUERY", "duplicate alias: n"},
		{"unknown field in aggregate", "SELECT MAX(Nope) FROM User", "INVALID_FIELD", "No such column 'Nope'"},
		{"aggregate semi-join", "SELECT Id FROM User WHERE ProfileId IN (SELECT MAX(Id) FROM Profile)", "MALFORMED_QUERY", "exactly one Id or reference field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			parsed, err := Parse(tt.q)
			if err == nil {
				_, err = Execute(parsed, fakeSource{})
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("%s: got %v, want a %s error", tt.q, err, tt.code)
			}
			if qe.Code != tt.code || !strings.Contains(qe.Message, tt.msg) {
				t.Fatalf("%s: got %s: %s, want %s containing %q", tt.q, qe.Code, qe.Message, tt.code, tt.msg)
			}
		})
	}
}
