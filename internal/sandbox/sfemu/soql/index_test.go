package soql

import (
	"encoding/json"
	"strings"
	"testing"
)

// indexedFake is fakeSource with an index on User.Username, User.FederationIdentifier and User.Id,
// built by IndexKey; it records which fields the executor asked it for.
type indexedFake struct {
	fakeSource
	asked *[]string
}

func (s indexedFake) Indexed(object, field string, keys []string) ([]Record, bool) {
	if object != "User" || (field != "Username" && field != "FederationIdentifier" && field != "Id") {
		return nil, false
	}
	*s.asked = append(*s.asked, field)
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	var rows []Record
	for _, r := range fakeRows[object] {
		if k, ok := IndexKey(fakeFields[object][field], r[field]); ok && want[k] {
			rows = append(rows, r)
		}
	}
	return rows, true
}

func TestIndexedCandidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, where string
		asked       string // the fields whose index was read, in order
		want        string // the usernames returned
	}{
		{"equality", "Username = 'ADA@x.io'", "Username", "ada@x.io"},
		{"in", "FederationIdentifier IN ('100%', 'ada@X.IO', 'nobody')", "FederationIdentifier", "ada@x.io,o'hara_1@x.io"},
		{"and with other terms", "IsActive = true AND Username IN ('ada@x.io', 'bob@x.io') AND Score > 5", "Username", "ada@x.io"},
		{"two indexed terms", "Username IN ('ada@x.io', 'bob@x.io') AND FederationIdentifier = 'ada@x.io'", "Username,FederationIdentifier", "ada@x.io"},
		{"id 18 and 15", "Id IN ('005000000000003AAA', '005000000000001')", "Id", "ada@x.io,o'hara_1@x.io"},
		{"no match stops early", "Username = 'ghost@x.io' AND FederationIdentifier = 'ada@x.io'", "Username", ""},
		{"or scans", "Username = 'ada@x.io' OR Username = 'bob@x.io'", "", "ada@x.io,bob@x.io"},
		{"not scans", "NOT Username = 'ada@x.io'", "", "bob@x.io,o'hara_1@x.io"},
		{"not in scans", "Username NOT IN ('ada@x.io')", "", "bob@x.io,o'hara_1@x.io"},
		{"null scans", "FederationIdentifier = null", "", "bob@x.io"},
		{"like scans", "Username LIKE 'ada%'", "", "ada@x.io"},
		{"relationship path scans", "Profile.Name = 'Standard User'", "", "bob@x.io"},
		{"unindexed field scans", "IsActive = false", "", "bob@x.io"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := "SELECT Username FROM User WHERE " + tc.where
			var asked []string
			indexed := run(t, q, indexedFake{asked: &asked})
			if scanned := run(t, q, fakeSource{}); indexed != scanned {
				t.Fatalf("indexed %s, scanned %s", indexed, scanned)
			}
			if got := strings.Join(asked, ","); got != tc.asked {
				t.Errorf("asked the index for %q, want %q", got, tc.asked)
			}
			if got := usernames(t, q); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func run(t *testing.T, q string, src Source) string {
	t.Helper()
	p, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Execute(p, src)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	return string(b)
}

// TestIndexKeyAgreesWithEquality: two values share a key exactly when the WHERE clause finds them equal.
func TestIndexKeyAgreesWithEquality(t *testing.T) {
	t.Parallel()
	strs := []string{"ada@x.io", "ADA@X.IO", "Ada@x.io ", "", "STRASSE", "straße", "\u212Aelvin", "kelvin", "ǅ", "ǆ", "İ", "i"}
	ids := []string{"005000000000001AAA", "005000000000001", "005000000000001aaa", "005000000000002AAA", "005000000000001XYZ"}
	for _, c := range []struct {
		kind   FieldKind
		values []string
	}{{FieldString, strs}, {FieldID, ids}} {
		for _, a := range c.values {
			for _, b := range c.values {
				lit := Value{Kind: KindString, Str: b}
				ka, _ := IndexKey(c.kind, a)
				kb, _ := IndexKey(c.kind, literalValue(lit, c.kind))
				if eq := equal(a, lit, c.kind); eq != (ka == kb) {
					t.Errorf("kind %v: %q = %q is %v, keys %q and %q", c.kind, a, b, eq, ka, kb)
				}
			}
		}
	}
	if _, ok := IndexKey(FieldString, nil); ok {
		t.Error("nil has a key; null never equals a quoted literal")
	}
	if _, ok := IndexKey(FieldBool, true); ok {
		t.Error("booleans are not indexed")
	}
}
