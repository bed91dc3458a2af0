package soql

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeSource is a two-type schema: User → Profile.
type fakeSource struct{}

var (
	fakeFields = map[string]map[string]FieldKind{
		"User":    {"Id": FieldID, "Username": FieldString, "IsActive": FieldBool, "ProfileId": FieldID, "CreatedDate": FieldDateTime, "Birthday": FieldDate, "Score": FieldDouble, "FederationIdentifier": FieldString},
		"Profile": {"Id": FieldID, "Name": FieldString},
	}
	fakeRows = map[string][]Record{
		"Profile": {
			{"Id": "00e000000000001AAA", "Name": "System Administrator"},
			{"Id": "00e000000000002AAA", "Name": "Standard User"},
		},
		"User": {
			{"Id": "005000000000001AAA", "Username": "ada@x.io", "IsActive": true, "ProfileId": "00e000000000001AAA", "CreatedDate": "2024-01-01T10:00:00.000+0000", "Birthday": "1815-12-10", "Score": 9.5, "FederationIdentifier": "Ada@X.io"},
			{"Id": "005000000000002AAA", "Username": "bob@x.io", "IsActive": false, "ProfileId": "00e000000000002AAA", "CreatedDate": "2024-06-01T10:00:00.000+0000", "Birthday": nil, "Score": 3.0, "FederationIdentifier": nil},
			{"Id": "005000000000003AAA", "Username": "o'hara_1@x.io", "IsActive": true, "ProfileId": nil, "CreatedDate": "2025-01-01T00:00:00.000+0000", "Birthday": "1990-01-01", "Score": 7.0, "FederationIdentifier": "100%"},
		},
	}
)

func (fakeSource) Object(name string) (string, bool) {
	for k := range fakeFields {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

func (fakeSource) Field(object, name string) (string, FieldKind, bool) {
	for k, v := range fakeFields[object] {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", 0, false
}

func (fakeSource) Relationship(object, name string) (string, string, string, bool) {
	if object == "User" && strings.EqualFold(name, "Profile") {
		return "Profile", "ProfileId", "Profile", true
	}
	return "", "", "", false
}

func (fakeSource) Rows(object string) []Record { return fakeRows[object] }

func (fakeSource) Lookup(object, id string) Record {
	for _, r := range fakeRows[object] {
		if r["Id"].(string)[:15] == id[:15] {
			return r
		}
	}
	return nil
}

func (fakeSource) URL(object, id string) string {
	return "/services/data/v63.0/sobjects/" + object + "/" + id
}

func usernames(t *testing.T, q string) string {
	t.Helper()
	parsed, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	res, err := Execute(parsed, fakeSource{})
	if err != nil {
		t.Fatalf("Execute(%q): %v", q, err)
	}
	names := []string{}
	for _, r := range res.Records {
		v, _ := r.Get("Username")
		names = append(names, v.(string))
	}
	return strings.Join(names, ",")
}

func TestExecuteFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, where, want string
	}{
		{"string equality is case-insensitive", "Username = 'ADA@X.IO'", "ada@x.io"},
		{"not equal includes nulls", "FederationIdentifier != 'ada@x.io'", "bob@x.io,o'hara_1@x.io"},
		{"null", "FederationIdentifier = null", "bob@x.io"},
		{"not null", "FederationIdentifier != NULL", "ada@x.io,o'hara_1@x.io"},
		{"boolean", "IsActive = false", "bob@x.io"},
		{"in", "Username IN ('bob@x.io', 'ADA@x.io')", "ada@x.io,bob@x.io"},
		{"not in", "Username NOT IN ('bob@x.io')", "ada@x.io,o'hara_1@x.io"},
		{"like prefix", "Username LIKE 'A%'", "ada@x.io"},
		{"like underscore", "Username LIKE '_ob@x.io'", "bob@x.io"},
		{"like escaped wildcard", "FederationIdentifier LIKE '100\\%'", "o'hara_1@x.io"},
		{"escaped quote", "Username = 'o\\'hara_1@x.io'", "o'hara_1@x.io"},
		{"and or parentheses", "(IsActive = true AND Score > 8) OR Username = 'bob@x.io'", "ada@x.io,bob@x.io"},
		{"not", "NOT (IsActive = true)", "bob@x.io"},
		{"number compare", "Score <= 7", "bob@x.io,o'hara_1@x.io"},
		{"datetime literal", "CreatedDate >= 2024-06-01T10:00:00Z", "bob@x.io,o'hara_1@x.io"},
		{"datetime with offset", "CreatedDate < 2024-06-01T12:00:00+01:00", "ada@x.io,bob@x.io"},
		{"date literal", "Birthday < 1900-01-01", "ada@x.io"},
		{"relative date literal", "CreatedDate < LAST_N_DAYS:30", "ada@x.io,bob@x.io,o'hara_1@x.io"},
		{"relative date literal excludes older", "CreatedDate = LAST_N_DAYS:30", ""},
		{"relationship field", "Profile.Name = 'standard user'", "bob@x.io"},
		{"15-char id", "Id = '005000000000002'", "bob@x.io"},
		{"18-char id other case checksum", "ProfileId IN ('00e000000000001aaa')", "ada@x.io"},
		{"semi-join", "ProfileId IN (SELECT Id FROM Profile WHERE Name LIKE 'standard%')", "bob@x.io"},
		{"anti-join", "ProfileId NOT IN (SELECT Id FROM Profile WHERE Name = 'Standard User') AND ProfileId != null", "ada@x.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := usernames(t, "SELECT Username FROM User WHERE "+tt.where); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExecuteOrderLimitOffset(t *testing.T) {
	t.Parallel()
	tests := []struct{ q, want string }{
		{"SELECT Username FROM User ORDER BY Username DESC", "o'hara_1@x.io,bob@x.io,ada@x.io"},
		{"SELECT Username FROM User ORDER BY FederationIdentifier", "bob@x.io,o'hara_1@x.io,ada@x.io"},
		{"SELECT Username FROM User ORDER BY FederationIdentifier ASC NULLS LAST", "o'hara_1@x.io,ada@x.io,bob@x.io"},
		{"SELECT Username FROM User ORDER BY FederationIdentifier DESC", "ada@x.io,o'hara_1@x.io,bob@x.io"},
		{"SELECT Username FROM User ORDER BY FederationIdentifier DESC NULLS FIRST", "bob@x.io,ada@x.io,o'hara_1@x.io"},
		{"SELECT Username FROM User ORDER BY Profile.Name, Username LIMIT 2", "o'hara_1@x.io,bob@x.io"},
		{"select username from user order by Score limit 1 offset 1", "o'hara_1@x.io"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			if got := usernames(t, tt.q); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProjectionAndCount(t *testing.T) {
	t.Parallel()
	q, _ := Parse("SELECT Id, Profile.Name, Profile.Id FROM User WHERE Username IN ('ada@x.io','o\\'hara_1@x.io') ORDER BY Username")
	res, err := Execute(q, fakeSource{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Records)
	want := `[{"attributes":{"type":"User","url":"/services/data/v63.0/sobjects/User/005000000000001AAA"},"Id":"005000000000001AAA","Profile":{"attributes":{"type":"Profile","url":"/services/data/v63.0/sobjects/Profile/00e000000000001AAA"},"Name":"System Administrator","Id":"00e000000000001AAA"}},` +
		`{"attributes":{"type":"User","url":"/services/data/v63.0/sobjects/User/005000000000003AAA"},"Id":"005000000000003AAA","Profile":null}]`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	q, _ = Parse("SELECT COUNT() FROM User WHERE IsActive = true")
	res, _ = Execute(q, fakeSource{})
	if res.TotalSize != 2 || len(res.Records) != 0 {
		t.Fatalf("count = %d records %d", res.TotalSize, len(res.Records))
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q, code, message string
	}{
		{"SELECT Idx FROM User", "INVALID_FIELD", "\nSELECT Idx FROM User\n       ^\nERROR at Row:1:Column:8\nNo such column 'Idx' on entity 'User'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."},
		{"SELECT Id FROM Account", "INVALID_TYPE", "\nSELECT Id FROM Account\n               ^\nERROR at Row:1:Column:16\nsObject type 'Account' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."},
		{"SELECT Id FROM User WHERE", "MALFORMED_QUERY", "\nSELECT Id FROM User WHERE\n                         ^\nERROR at Row:1:Column:26\nunexpected token: '<EOF>'"},
		{"SELECT Id FROM User WHERE IsActive = true AND Score > 1 OR Id = null", "MALFORMED_QUERY", "unexpected token: 'OR'"},
		{"SELECT Id FROM User WHERE Role.Name = 'x'", "INVALID_FIELD", "Didn't understand relationship 'Role' in field path."},
		{"SELECT Id FROM User WHERE IsActive = 'true'", "INVALID_FIELD", "value of filter criterion for field 'IsActive' must be of type boolean and should not be enclosed in quotes"},
		{"SELECT Id FROM User WHERE Username = 5", "INVALID_FIELD", "value of filter criterion for field 'Username' must be of type string and should be enclosed in quotes"},
		{"SELECT Id FROM User WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"},
		{"SELECT Id FROM User WHERE Username = 'a\\q'", "MALFORMED_QUERY", "Illegal character sequence '\\q' in string literal."},
		{"SELECT Id, id FROM User", "MALFORMED_QUERY", "duplicate field selected: id"},
		{"SELECT Id FROM User LIMIT -1", "MALFORMED_QUERY", "unexpected token"},
		{"SELECT Id\nFROM User\nWHERE Nope = 1", "INVALID_FIELD", "\nWHERE Nope = 1\n      ^\nERROR at Row:3:Column:7\nNo such column 'Nope'"},
		{"UPDATE User SET x = 1", "MALFORMED_QUERY", "unexpected token: 'UPDATE'"},
		{"SELECT Id FROM User WHERE Username IN (SELECT Id FROM Profile)", "INVALID_FIELD", "Semi join sub-selects are only allowed on Id or reference fields"},
		{"SELECT Id FROM User WHERE Id IN (SELECT Name FROM Profile)", "INVALID_FIELD", "must be an Id or reference field"},
		{"SELECT Id FROM User WHERE Id IN (SELECT Id FROM Profile WHERE Id IN (SELECT Id FROM Profile))", "MALFORMED_QUERY", "Nesting of semi join sub-selects is not supported"},
		{"SELECT Id FROM User WHERE Id IN (SELECT Id FROM Nope)", "INVALID_TYPE", "sObject type 'Nope' is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			q, err := Parse(tt.q)
			if err == nil {
				_, err = Execute(q, fakeSource{})
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if qe.Code != tt.code || !strings.Contains(qe.Message, tt.message) {
				t.Fatalf("got %s %q\nwant %s containing %q", qe.Code, qe.Message, tt.code, tt.message)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT Id FROM User",
		"SELECT Id, Profile.Name FROM User WHERE (IsActive = true AND Username LIKE 'a\\%%') OR Id IN ('005000000000001') ORDER BY Username DESC NULLS LAST LIMIT 5 OFFSET 2",
		"SELECT COUNT() FROM User WHERE CreatedDate > 2024-01-01T00:00:00Z AND Birthday = 2020-02-02",
		"SELECT Id FROM User WHERE NOT Username != 'x\\'y'",
		"select id from user where score >= -1.5",
		"SELECT Id FROM User WHERE ProfileId IN (SELECT Id FROM Profile WHERE Name = 'x')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) returned %T, want *Error", s, err)
			}
			return
		}
		_, _ = Execute(q, fakeSource{})
	})
}

func TestCanonicalID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"001A0000006Vm9r", "001A0000006Vm9r", true},
		{"001A0000006Vm9rIAC", "001A0000006Vm9r", true},
		{"001a0000006vm9riac", "001A0000006Vm9r", true},
		{"001A0000006VM9RIAC", "001A0000006Vm9r", true},
		{"005000000000001AAA", "005000000000001", true},
		{"005000000000001BAA", "", false}, // checksum marks a digit as uppercase
		{"001A0000006Vm9", "", false},
		{"001A0000006Vm9r!", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := CanonicalID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("CanonicalID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDateRange(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		lit        string
		start, end time.Time
		ok         bool
	}{
		{"TODAY", day(10), day(11), true},
		{"YESTERDAY", day(9), day(10), true},
		{"TOMORROW", day(11), day(12), true},
		{"LAST_N_DAYS:2", day(8), day(11), true},
		{"NEXT_N_DAYS:1", day(10), day(12), true},
		{"LAST_N_DAYS:x", time.Time{}, time.Time{}, false},
		{"LAST_WEEKEND", time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		start, end, ok := dateRange(tt.lit, at)
		if ok != tt.ok || !start.Equal(tt.start) || !end.Equal(tt.end) {
			t.Errorf("dateRange(%s) = %v %v %v, want %v %v %v", tt.lit, start, end, ok, tt.start, tt.end, tt.ok)
		}
	}
}
