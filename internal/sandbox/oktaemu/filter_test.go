package oktaemu

import (
	"encoding/json"
	"testing"
)

func TestParseFilterMatches(t *testing.T) {
	t.Parallel()
	user := map[string]any{
		"id": "00u00000001abcdef1d7", "status": "ACTIVE", "lastUpdated": "2026-05-15T17:35:39.000Z",
		"profile": map[string]any{"login": "Ada@Example.com", "department": "R&D", "age": json.Number("36"), "manager": nil, "vip": true},
	}
	tests := []struct {
		expr string
		want bool
	}{
		{`status eq "ACTIVE"`, true},
		{`status EQ "active"`, true},
		{`status ne "ACTIVE"`, false},
		{`profile.login eq "ada@example.com"`, true},
		{`profile.login sw "ada@"`, true},
		{`profile.login ew ".com"`, true},
		{`profile.login co "example"`, true},
		{`profile.login co "nope"`, false},
		{`profile.department eq "R&D" and status eq "ACTIVE"`, true},
		{`profile.department eq "Sales" or status eq "ACTIVE"`, true},
		{`profile.department eq "Sales" or status eq "STAGED"`, false},
		{`(status eq "STAGED" or status eq "ACTIVE") and profile.vip eq true`, true},
		{`not (status eq "ACTIVE")`, false},
		{`lastUpdated gt "2026-01-01T00:00:00.000Z"`, true},
		{`lastUpdated lt "2026-01-01T00:00:00.000Z"`, false},
		{`profile.age ge 36`, true},
		{`profile.age gt 36`, false},
		{`profile.manager eq null`, true},
		{`profile.manager pr`, false},
		{`profile.department pr`, true},
		{`profile.missing eq "x"`, false},
		{`profile.missing ne "x"`, true},
		{`id eq "00u00000001abcdef1d7"`, true},
		{`profile.login eq "say \"hi\""`, false},
		{`status+eq+"ACTIVE"`, true},
	}
	for _, tt := range tests {
		e, err := parseFilter(tt.expr)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", tt.expr, err)
			continue
		}
		if got := e.match(user); got != tt.want {
			t.Errorf("%q matched %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestParseFilterRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		``, `status`, `status eq`, `status eq ACTIVE`, `status xx "A"`, `(status eq "A"`, `status eq "A")`,
		`status eq "A" and`, `status eq "unterminated`, `profile.age sw 3`, `status eq "A" "B"`, `@`,
	} {
		if _, err := parseFilter(in); err == nil {
			t.Errorf("parseFilter(%q) accepted malformed input", in)
		}
	}
}

func TestParseFilterDepthLimit(t *testing.T) {
	t.Parallel()
	deep := ""
	for range 200 {
		deep += "("
	}
	deep += `status eq "A"`
	for range 200 {
		deep += ")"
	}
	if _, err := parseFilter(deep); err == nil {
		t.Error("200 levels of nesting must be refused")
	}
}

func FuzzFilterParse(f *testing.F) {
	for _, seed := range []string{
		`status eq "ACTIVE"`, `profile.login eq "a@b.c" and (type eq "OKTA_GROUP" or id eq "00g1")`,
		`not (x pr)`, `lastUpdated gt "2026-01-01T00:00:00.000Z"`, `a eq 1.5e`, `"\`, `((((`, `x eq -`,
	} {
		f.Add(seed)
	}
	obj := map[string]any{"status": "ACTIVE", "profile": map[string]any{"login": "a@b.c", "n": 3.0}, "id": "00g1"}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := parseFilter(in)
		if err != nil {
			return
		}
		e.match(obj)
		e.match(map[string]any{})
	})
}
