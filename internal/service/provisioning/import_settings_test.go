package provisioning

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The settings of an import ID: each key lands where the schema has it, and a wrong key or value is refused.
func TestParseImportSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, q, wantErr string
		check            func(importSettings) bool
	}{
		{"attributes and username", "attributes.Alias=user.firstName&attributes.TimeZoneSidKey=%27Europe%2FBerlin%27&username.suffix=.qa", "",
			func(s importSettings) bool {
				return s.attributes["Alias"] == "user.firstName" && s.attributes["TimeZoneSidKey"] == "'Europe/Berlin'" &&
					s.username.Source.ValueString() == "login" && s.username.Suffix.ValueString() == ".qa" && s.groups == nil
			}},
		{"flags and strings", "create_users=false&adopt_existing=true&default_profile=Read+Only&transport=scim&on_destroy=deactivate", "",
			func(s importSettings) bool {
				return s.values["create_users"] == false && s.values["adopt_existing"] == true && s.values["default_profile"] == "Read Only" &&
					s.values["transport"] == "scim" && s.values["on_destroy"] == "deactivate"
			}},
		{"group IDs", "group_mappings=00g1,00g2", "", func(s importSettings) bool { return strings.Join(s.groups, ",") == "00g1,00g2" }},
		{"every group", "group_mappings=*", "", func(s importSettings) bool { return strings.Join(s.groups, ",") == "*" }},
		{"unknown key", "ondestroy=keep", `name "ondestroy"`, nil},
		{"bad bool", "update_users=maybe", `update_users="maybe", not true or false`, nil},
		{"bad transport", "transport=soap", `transport="soap", not one of rest, scim`, nil},
		{"twice", "on_destroy=keep&on_destroy=deactivate", `give on_destroy 2 times`, nil},
		{"no groups", "group_mappings=,", `not group IDs`, nil},
		{"star and IDs", "group_mappings=*,00g1", `not group IDs`, nil},
		{"bad escape", "attributes.X=%zz", `not a URL query string`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseImportSettings(tt.q)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseImportSettings(%q) error = %v, want %q", tt.q, err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("parseImportSettings(%q) = %+v, %v", tt.q, got, err)
			}
		})
	}
}

// The import ID the documentation shows is one ImportState takes.
func TestParseImportSettings_documentedExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../examples/resources/oktasf_user_provisioning/import.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`terraform import \S+ '([^/]+)/([^/]+)/([^']+)'`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("import.sh shows no import ID with settings")
	}
	s, err := parseImportSettings(m[3])
	if err != nil || len(s.attributes) != 7 || s.attributes["TimeZoneSidKey"] != "'Europe/Berlin'" || strings.Join(s.groups, ",") != "*" {
		t.Fatalf("the documented settings give %+v, %v", s, err)
	}
}
