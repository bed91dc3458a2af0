package chaos

import (
	"encoding/json"
	"strings"
	"testing"
)

// snapshotJSON builds a snapshot of one Okta org and the Salesforce org qa from the emulators' JSON shapes.
func snapshotJSON(t *testing.T, okta, qa string) *Snapshot {
	t.Helper()
	s := &Snapshot{Orgs: map[string]orgState{}}
	if err := json.Unmarshal([]byte(okta), &s.Okta); err != nil {
		t.Fatal(err)
	}
	var o orgState
	if err := json.Unmarshal([]byte(qa), &o); err != nil {
		t.Fatal(err)
	}
	s.Orgs["qa"] = o
	return s
}

const (
	checkOktaBase = `{
  "users": {"u1": {"status": "ACTIVE", "profile": {"login": "ann@x.example"}},
            "u2": {"status": "ACTIVE", "profile": {"login": "ben@x.example"}},
            "u3": {"status": "DEPROVISIONED", "profile": {"login": "cat@x.example"}}},
  "groups": {"g1": {"profile": {"name": "Sales"}, "members": {"u1": true, "u2": true, "u3": true}},
             "g2": {"profile": {"name": "Admins"}, "members": {"u2": true}}},
  "apps": {}}`
	checkOktaApplied = `{
  "users": {"u1": {"status": "ACTIVE", "profile": {"login": "ann@x.example"}},
            "u2": {"status": "ACTIVE", "profile": {"login": "ben@x.example"}},
            "u3": {"status": "DEPROVISIONED", "profile": {"login": "cat@x.example"}}},
  "groups": {"g1": {"profile": {"name": "Sales"}, "members": {"u1": true, "u2": true, "u3": true}},
             "g2": {"profile": {"name": "Admins"}, "members": {"u2": true}}},
  "apps": {"a1": {"body": {"label": "SF"}}%s},
  "appGroups": {"a1": {"g2": {"priority": 0, "profile": {"profile": "Admin"}},
                       "g1": {"priority": 1, "profile": {"profile": "Sales User", "role": "Rep"}}}}}`
	checkQABase = `{"data": {"tables": {
  "Profile": {"rows": {"p1": {"Id": "P1", "Name": "Admin"}, "p2": {"Id": "P2", "Name": "Sales User"}}},
  "UserRole": {"rows": {"r1": {"Id": "R1", "Name": "Rep"}}},
  "PermissionSet": {"rows": {"ps": {"Id": "PS", "Name": "Sales_Cloud_User"}}},
  "User": {"rows": {"i": {"Id": "I", "Username": "integration@x.example"}}}}}}`
	checkQAApplied = `{"data": {"tables": {
  "Profile": {"rows": {"p1": {"Id": "P1", "Name": "Admin"}, "p2": {"Id": "P2", "Name": "Sales User"}}},
  "UserRole": {"rows": {"r1": {"Id": "R1", "Name": "Rep"}}},
  "PermissionSet": {"rows": {"ps": {"Id": "PS", "Name": "Sales_Cloud_User"}}},
  "SamlSsoConfig": {"rows": {"s1": {"Id": "S1", "DeveloperName": "Okta", "Issuer": "http://www.okta.com/exk1"}}},
  "User": {"rows": {"i": {"Id": "I", "Username": "integration@x.example"},
    "ua": {"Id": "UA", "Username": "ann@x.example.qa", "FederationIdentifier": "ann@x.example", "IsActive": true, "ProfileId": "P2", "UserRoleId": "R1"},
    "ub": {"Id": "UB", "Username": "ben@x.example.qa", "FederationIdentifier": "Ben@x.example", "IsActive": true, "ProfileId": "P1"}%s}},
  "PermissionSetAssignment": {"rows": {"x1": {"AssigneeId": "UA", "PermissionSetId": "PS"},
                                       "x2": {"AssigneeId": "UB", "PermissionSetId": "PS"}%s}}}}}`
)

var checkWant = Expectation{
	Apps:         []WantApp{{Org: "qa", Label: "SF"}},
	SSO:          []WantSSO{{Org: "qa", DeveloperName: "Okta"}},
	Mappings:     []WantMappings{{AppLabel: "SF", Groups: []WantMapping{{Group: "Admins", Profile: "Admin"}, {Group: "Sales", Profile: "Sales User", Role: "Rep"}}}},
	Provisioning: []WantProvisioning{{Org: "qa", AppLabel: "SF", UsernameSuffix: ".qa"}},
	Bindings:     []WantBinding{{Org: "qa", PermissionSet: "Sales_Cloud_User", Groups: []string{"Sales"}}},
}

var checkTF = []TFResource{{Type: "oktasf_saml_app", Attributes: map[string]any{"id": "a1", "label": "SF", "entity_id": "http://www.okta.com/exk1"}}}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		extraApp, extraUser, extraAssignment string
		tf                                   []TFResource
		want                                 []string // substrings of the failures, in order; none for a clean sandbox
	}{
		"converged": {tf: checkTF},
		"duplicate app": {
			extraApp: `, "a2": {"body": {"label": "SF", "status": "INACTIVE"}}`, tf: checkTF,
			want: []string{`okta: 2 apps labelled "SF" (duplicates): a1, a2`},
		},
		"orphan app": {
			extraApp: `, "a9": {"body": {"label": "Other"}}`, tf: checkTF,
			want: []string{`okta: orphan app a9 labelled "Other"`},
		},
		"state holds another app": {
			tf:   []TFResource{{Type: "oktasf_saml_app", Attributes: map[string]any{"id": "a0", "label": "SF", "entity_id": "http://www.okta.com/exk1"}}},
			want: []string{`the app labelled "SF" in Terraform's state (a0) is not in Okta`},
		},
		"duplicate and orphan users": {
			extraUser: `, "uc": {"Id": "UC", "FederationIdentifier": "ANN@x.example", "IsActive": true, "ProfileId": "P2"},
			            "ud": {"Id": "UD", "FederationIdentifier": "zed@x.example", "IsActive": true, "ProfileId": "P2"}`,
			tf:   checkTF,
			want: []string{"orphan users with a Federation ID no app user has: zed@x.example", "2 users with Federation ID ann@x.example (duplicates)"},
		},
		"duplicate assignment": {
			extraAssignment: `, "x3": {"AssigneeId": "UA", "PermissionSetId": "PS"}`, tf: checkTF,
			want: []string{"1 users hold Sales_Cloud_User more than once (duplicates): ann@x.example"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := snapshotJSON(t, checkOktaBase, checkQABase)
			now := snapshotJSON(t, strings.Replace(checkOktaApplied, "%s", tc.extraApp, 1),
				strings.Replace(strings.Replace(checkQAApplied, "%s", tc.extraUser, 1), "%s", tc.extraAssignment, 1))
			got := Check(checkWant, base, now, tc.tf)
			if len(got) != len(tc.want) {
				t.Fatalf("Check found %d differences, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("difference %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestCheckMissing(t *testing.T) {
	t.Parallel()
	base := snapshotJSON(t, checkOktaBase, checkQABase)
	// Nothing was applied: every expected object is reported missing.
	got := strings.Join(Check(checkWant, base, base, nil), "\n")
	for _, w := range []string{`okta: no app labelled "SF"`, `terraform state: no oktasf_saml_app labelled "SF"`, "0 SAML SSO settings named Okta, want 1"} {
		if !strings.Contains(got, w) {
			t.Errorf("Check on an empty sandbox does not report %q; it reports:\n%s", w, got)
		}
	}
}

func TestFirstErrorLines(t *testing.T) {
	t.Parallel()
	out := `oktasf_saml_app.salesforce["qa"]: Creating...
╷
│ Error: Unable to Create SAML App
│ 
│   with oktasf_saml_app.salesforce["qa"],
│   on main.tf line 45, in resource "oktasf_saml_app" "salesforce":
│   45: resource "oktasf_saml_app" "salesforce" {
│ 
│ Creating "Salesforce (Acme QA)": 503 Service Unavailable
│ second line
│ third line
╵
╷
│ Error: Unable to Read Salesforce Users
│ 
│ Looking up 3 Federation IDs: reset
╵
`
	got := firstErrorLines(out, 2)
	want := []string{
		`Unable to Create SAML App [oktasf_saml_app.salesforce["qa"]]: Creating "Salesforce (Acme QA)": 503 Service Unavailable second line`,
		"Unable to Read Salesforce Users: Looking up 3 Federation IDs: reset",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("firstErrorLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := firstErrorLines("Applying...\nsignal: killed\n", 2); len(got) != 1 || got[0] != "signal: killed" {
		t.Errorf("firstErrorLines of output without errors = %q, want its last line", got)
	}
}

func TestPlanChanges(t *testing.T) {
	t.Parallel()
	out := `  # oktasf_saml_app.salesforce["qa"] will be created
  + resource "oktasf_saml_app" "salesforce" {
  # oktasf_user_provisioning.qa will be updated in-place
  # oktasf_salesforce_sso.okta["uat"] must be replaced
Plan: 2 to add, 1 to change, 1 to destroy.`
	got := planChanges(out)
	want := []string{`oktasf_saml_app.salesforce["qa"] will be created`, "oktasf_user_provisioning.qa will be updated in-place",
		`oktasf_salesforce_sso.okta["uat"] must be replaced`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("planChanges = %q, want %q", got, want)
	}
}
