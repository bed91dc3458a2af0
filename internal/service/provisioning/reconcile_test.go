package provisioning

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func appUser(login, status, profile string) okta.AppUserWithUser {
	au := okta.AppUserWithUser{UserStatus: status, UserProfile: map[string]any{"login": login, "email": login, "lastName": "L", "firstName": "Firstname"}}
	au.ID, au.Profile = "00u"+login, map[string]any{}
	if profile != "" {
		au.Profile["profile"] = profile
	}
	return au
}

// sfUser is a Salesforce user holding exactly what testSettings would write for login.
func sfUser(id, fid, login string, active bool) salesforce.UserRecord {
	fields := map[string]any{"LastName": "L", "Email": login, "Alias": "Firstnam", "ProfileId": "00eSALES", "UserRoleId": nil,
		"FederationIdentifier": fid, "TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8"}
	if fid == "" {
		fields["FederationIdentifier"] = nil
	}
	return salesforce.UserRecord{ID: id, Username: login + ".qa", Email: login, FederationID: fid, IsActive: active, Fields: fields}
}

func testSettings() settings {
	return settings{AppID: "0oa1", Attributes: map[string]string{"LastName": "user.lastName", "Email": "user.email", "Alias": "user.firstName"},
		UsernameSource: "login", UsernameSuffix: ".qa", FederationIDSource: "login", DefaultProfile: "Sales User",
		Create: true, Update: true, Deactivate: true, Reactivate: true}
}

var testProfiles = []salesforce.Profile{{ID: "00eSALES", Name: "Sales User"}, {ID: "00eSUP", Name: "Support User"}}

func TestReconcile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(*settings, *inputs)
		want    string // creates|updates|deactivates|reactivates as Federation IDs
		managed int
	}{
		{"new user is created", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
		}, "a@x.com|||", 0},
		{"matching user needs nothing, Federation ID compared without case", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
			u := sfUser("005A", "A@X.COM", "a@x.com", true)
			u.Fields["FederationIdentifier"] = "a@x.com"
			in.Federated = []salesforce.UserRecord{u}
		}, "|||", 1},
		{"changed email is updated", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
			u := sfUser("005A", "a@x.com", "a@x.com", true)
			u.Fields["Email"] = "old@x.com"
			in.Federated = []salesforce.UserRecord{u}
		}, "|a@x.com||", 1},
		{"profile from the app user", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "Support User")}
			in.Federated = []salesforce.UserRecord{sfUser("005A", "a@x.com", "a@x.com", true)}
		}, "|a@x.com||", 1},
		{"updates off", func(s *settings, in *inputs) {
			s.Update = false
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "Support User")}
			in.Federated = []salesforce.UserRecord{sfUser("005A", "a@x.com", "a@x.com", true)}
		}, "|||", 1},
		{"managed user who left is deactivated", func(s *settings, in *inputs) {
			in.Federated = []salesforce.UserRecord{sfUser("005A", "a@x.com", "a@x.com", true)}
			in.Managed = map[string]bool{"a@x.com": true}
		}, "||a@x.com|", 1},
		{"suspended Okta user is deactivated", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "SUSPENDED", "")}
			in.Federated = []salesforce.UserRecord{sfUser("005A", "a@x.com", "a@x.com", true)}
			in.Managed = map[string]bool{"a@x.com": true}
		}, "||a@x.com|", 1},
		{"user never managed is left alone", func(s *settings, in *inputs) {
			in.Federated = []salesforce.UserRecord{sfUser("005A", "etl@x.com", "etl@x.com", true)}
		}, "|||", 0},
		{"deactivation off", func(s *settings, in *inputs) {
			s.Deactivate = false
			in.Federated = []salesforce.UserRecord{sfUser("005A", "a@x.com", "a@x.com", true)}
			in.Managed = map[string]bool{"a@x.com": true}
		}, "|||", 1},
		{"returning user is reactivated", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
			in.Federated = []salesforce.UserRecord{sfUser("005A", "a@x.com", "a@x.com", false)}
		}, "|||a@x.com", 1},
		{"adoption by username", func(s *settings, in *inputs) {
			s.Adopt = true
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
			in.Unfederated = []salesforce.UserRecord{sfUser("005OTHER", "", "zz@x.com", true), sfUser("005A", "", "a@x.com", true)}
			in.Unfederated[0].Email = "a@x.com" // same email, but the username match wins
		}, "|a@x.com||", 1},
		{"adoption by email needs a single match", func(s *settings, in *inputs) {
			s.Adopt = true
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
			in.Unfederated = []salesforce.UserRecord{sfUser("005B", "", "b@x.com", true), sfUser("005C", "", "c@x.com", true)}
			in.Unfederated[0].Email, in.Unfederated[1].Email = "a@x.com", "a@x.com"
		}, "a@x.com|||", 0},
		{"creates off", func(s *settings, in *inputs) {
			s.Create = false
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
		}, "|||", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, in := testSettings(), inputs{Profiles: testProfiles, Managed: map[string]bool{}}
			tt.change(&s, &in)
			out := reconcile(s, in)
			c, u, d, r := out.pending()
			got := strings.Join([]string{strings.Join(c, ","), strings.Join(u, ","), strings.Join(d, ","), strings.Join(r, ",")}, "|")
			if got != tt.want || len(out.Managed) != tt.managed {
				t.Errorf("pending = %q with %d managed, want %q with %d", got, len(out.Managed), tt.want, tt.managed)
			}
		})
	}
}

func TestReconcileRecords(t *testing.T) {
	t.Parallel()
	s := testSettings()
	s.Adopt = true
	s.Attributes["Department"] = "'Sales'"
	in := inputs{Profiles: testProfiles, Roles: []salesforce.Role{{ID: "00EREP", Name: "Sales Rep"}},
		AppUsers: []okta.AppUserWithUser{appUser("new@x.com", "ACTIVE", ""), appUser("adopt@x.com", "ACTIVE", ""), appUser("back@x.com", "ACTIVE", "")}}
	in.AppUsers[0].Profile["role"] = "Sales Rep"
	in.Unfederated = []salesforce.UserRecord{sfUser("005AD", "", "adopt@x.com", true)}
	in.Federated = []salesforce.UserRecord{sfUser("005BK", "back@x.com", "back@x.com", false)}
	out := reconcile(s, in)
	if len(out.Creates) != 1 || len(out.Updates) != 1 || len(out.Reactivates) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	tests := []struct {
		name string
		rec  map[string]any
		want string
	}{
		{"create", out.Creates[0].Record, "map[Alias:Firstnam Department:Sales Email:new@x.com EmailEncodingKey:UTF-8 FederationIdentifier:new@x.com " +
			"LanguageLocaleKey:en_US LastName:L LocaleSidKey:en_US ProfileId:00eSALES TimeZoneSidKey:America/Los_Angeles UserRoleId:00EREP Username:new@x.com.qa]"},
		{"adoption sets the Federation ID and the changed fields only", out.Updates[0].Record, "map[Department:Sales FederationIdentifier:adopt@x.com Id:005AD]"},
		{"reactivation", out.Reactivates[0].Record, "map[Department:Sales Id:005BK IsActive:true]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tt.rec); got != tt.want {
			t.Errorf("%s record = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestReconcileProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*settings, *inputs)
		want   string
	}{
		{"duplicate Federation ID names both users", func(s *settings, in *inputs) {
			s.FederationIDSource = "email"
			a, b := appUser("a@x.com", "ACTIVE", ""), appUser("b@x.com", "ACTIVE", "")
			b.UserProfile["email"] = "A@X.com"
			in.AppUsers = []okta.AppUserWithUser{a, b}
		}, `conflict: Okta users a@x.com and b@x.com both map to Federation ID "A@X.com"`},
		{"unknown profile", func(s *settings, in *inputs) {
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "Nope")}
		}, `problem: Salesforce profile "Nope" does not exist in the org`},
		{"no profile at all", func(s *settings, in *inputs) {
			s.DefaultProfile = ""
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
		}, "problem: no Salesforce profile: the app user has no profile and default_profile is not set"},
		{"no Federation ID", func(s *settings, in *inputs) {
			s.FederationIDSource = "employeeNumber"
			in.AppUsers = []okta.AppUserWithUser{appUser("a@x.com", "ACTIVE", "")}
		}, `skipped: a@x.com has no "employeeNumber" attribute to take the Federation ID from`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, in := testSettings(), inputs{Profiles: testProfiles}
			tt.change(&s, &in)
			out := reconcile(s, in)
			var got []string
			for _, c := range out.Conflicts {
				got = append(got, "conflict: "+c)
			}
			for _, c := range out.Creates {
				if c.Problem != "" {
					got = append(got, "problem: "+c.Problem)
				}
			}
			for _, c := range out.Skipped {
				got = append(got, "skipped: "+c)
			}
			if strings.Join(got, "\n") != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	au := appUser("a@x.com", "ACTIVE", "Sales User")
	tests := []struct {
		expr, want string
		wantErr    bool
	}{
		{"user.email", "a@x.com", false},
		{"appuser.profile", "Sales User", false},
		{`"Sales"`, "Sales", false},
		{"'Sales'", "Sales", false},
		{"user.missing", "", false},
		{"manager.title", "", true},
		{"Sales", "", true},
	}
	for _, tt := range tests {
		got, err := evaluate(tt.expr, au)
		if (err != nil) != tt.wantErr || valueString(got) != tt.want {
			t.Errorf("evaluate(%q) = %v, %v; want %q (error %v)", tt.expr, got, err, tt.want, tt.wantErr)
		}
	}
}
