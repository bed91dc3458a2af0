package salesforce

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func userDescribe(t *testing.T) *SObjectDescribe {
	t.Helper()
	b, err := os.ReadFile("testdata/describe_user.json")
	if err != nil {
		t.Fatal(err)
	}
	var d SObjectDescribe
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

var (
	jitRequired   = []string{"Username", "Email", "LastName", "ProfileId"}
	jitInsertOnly = []string{"FederationIdentifier", "Username"}
)

// validMapping maps every required field; cases add or remove entries.
func validMapping(extra map[string]string, drop ...string) map[string]string {
	m := map[string]string{"Username": "user.login", "Email": "user.email", "LastName": "user.lastName", "ProfileId": "appuser.profile"}
	for _, d := range drop {
		delete(m, d)
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestCheckUserMapping(t *testing.T) {
	t.Parallel()
	d := userDescribe(t)
	type want struct{ field, message string } // message is a regexp
	cases := []struct {
		name       string
		mapping    map[string]string
		insertOnly []string
		want       []want
	}{
		{name: "valid", mapping: validMapping(map[string]string{
			"FirstName": "user.firstName", "FederationIdentifier": "user.login", "Alias": `String.substringBefore(user.email, "@")`,
			"LocaleSidKey": `"en_US"`, "LanguageLocaleKey": "'de'", "TimeZoneSidKey": `"Europe/Paris"`, "EmailEncodingKey": `"UTF-8"`,
			"Cost_Center__c": "user.costCenter", "Region__c": `"EMEA;APAC"`, "IsActive": "true"})},
		{name: "field names ignore case", mapping: map[string]string{"username": "user.login", "EMAIL": "user.email", "lastname": "user.lastName", "profileID": "x"}},
		{name: "expression that is not a literal is not checked", mapping: validMapping(map[string]string{"LocaleSidKey": `user.locale`, "TimeZoneSidKey": `"Europe/" + "Paris"`})},
		{name: "unknown field with suggestion", mapping: validMapping(map[string]string{"Emial": "user.email"}),
			want: []want{{"Emial", `^User has no field "Emial"\. Did you mean "Email"`}}},
		{name: "unknown custom field", mapping: validMapping(map[string]string{"Badge_Number__c": "user.employeeNumber"}),
			want: []want{{"Badge_Number__c", `^User has no field "Badge_Number__c"\. .*custom fields end in __c`}}},
		{name: "User. prefix", mapping: validMapping(map[string]string{"User.Title": "user.title"}),
			want: []want{{"User.Title", `without the "User\." prefix, for example "Title"`}}},
		{name: "not createable", mapping: validMapping(map[string]string{"LastLoginDate": "user.lastLogin", "Name": "user.displayName"}),
			want: []want{{"LastLoginDate", `^User\.LastLoginDate \(Last Login\) is not createable.*Remove "LastLoginDate"`},
				{"Name", `^User\.Name \(Full Name\) is not createable`}}},
		{name: "not updateable and not insert-only", mapping: validMapping(nil), insertOnly: []string{},
			want: nil}, // every required field of the fixture is updateable
		{name: "bad picklist literal lists the allowed values", mapping: validMapping(map[string]string{"LocaleSidKey": `"en_XX"`}),
			want: []want{{"LocaleSidKey", `^"en_XX" is not an active value of the picklist User\.LocaleSidKey \(Locale\)\. Allowed values: en_US, en_GB, de_DE, fr_FR, ja_JP\.$`}}},
		{name: "inactive picklist value", mapping: validMapping(map[string]string{"LocaleSidKey": `"en_ZZ"`}),
			want: []want{{"LocaleSidKey", `"en_ZZ" is not an active value.*Allowed values: en_US, en_GB, de_DE, fr_FR, ja_JP\.$`}}},
		{name: "picklist literal in the wrong case", mapping: validMapping(map[string]string{"EmailEncodingKey": `'utf-8'`}),
			want: []want{{"EmailEncodingKey", `did you mean "UTF-8"\? Allowed values: UTF-8, ISO-8859-1, Shift_JIS\.`}}},
		{name: "multipicklist literal", mapping: validMapping(map[string]string{"Region__c": `"EMEA;LATAM"`}),
			want: []want{{"Region__c", `^"LATAM" is not an active value of the picklist User\.Region__c`}}},
		{name: "literal too long", mapping: validMapping(map[string]string{"Alias": `"abcdefghi"`}),
			want: []want{{"Alias", `^"abcdefghi" is 9 characters long; User\.Alias \(Alias\) holds at most 8`}}},
		{name: "missing required fields", mapping: validMapping(map[string]string{"FirstName": "user.firstName"}, "Email", "ProfileId"),
			want: []want{{"Email", `^User\.Email is required to create a user and is not mapped\. Add it, for example Email = "user\.email"\.$`},
				{"ProfileId", `^User\.ProfileId is required.*ProfileId = "appuser\.profile"`}}},
		{name: "nothing mapped", mapping: map[string]string{},
			want: []want{{"Email", "required"}, {"LastName", "required"}, {"ProfileId", "required"}, {"Username", "required"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			insertOnly := jitInsertOnly
			if tc.insertOnly != nil {
				insertOnly = tc.insertOnly
			}
			got := CheckUserMapping(d, tc.mapping, jitRequired, insertOnly)
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if got[i].Field != w.field || !regexp.MustCompile(w.message).MatchString(got[i].Message) {
					t.Errorf("problem %d = %+v, want field %q and message matching %q", i, got[i], w.field, w.message)
				}
			}
		})
	}
}

// A field that cannot be updated is a problem unless the caller says it is only set on insert.
func TestCheckUserMappingInsertOnly(t *testing.T) {
	t.Parallel()
	d := &SObjectDescribe{Name: "User", Fields: []FieldDescribe{
		{Name: "Username", Label: "Username", Type: "string", Createable: true, Updateable: true, Length: 80},
		{Name: "FederationIdentifier", Label: "SAML Federation ID", Type: "string", Createable: true, Length: 512},
	}}
	mapping := map[string]string{"Username": "user.login", "FederationIdentifier": "user.login"}
	got := CheckUserMapping(d, mapping, nil, nil)
	if len(got) != 1 || got[0].Field != "FederationIdentifier" || !strings.Contains(got[0].Message, "not updateable") {
		t.Fatalf("without insertOnly: %v, want FederationIdentifier not updateable", got)
	}
	if got := CheckUserMapping(d, mapping, nil, []string{"federationidentifier"}); len(got) != 0 {
		t.Fatalf("with insertOnly: %v, want none", got)
	}
}

// The allowed values stop at 20 with an ellipsis, so a time zone list does not flood the plan output.
func TestCheckUserMappingLongPicklist(t *testing.T) {
	t.Parallel()
	f := FieldDescribe{Name: "TimeZoneSidKey", Label: "Time Zone", Type: "picklist", Createable: true, Updateable: true}
	for i := range 25 {
		f.PicklistValues = append(f.PicklistValues, PicklistValue{Value: fmt.Sprintf("Zone/%02d", i), Active: true})
	}
	got := CheckUserMapping(&SObjectDescribe{Name: "User", Fields: []FieldDescribe{f}}, map[string]string{"TimeZoneSidKey": `"Mars/Olympus"`}, nil, nil)
	if len(got) != 1 {
		t.Fatalf("problems = %v, want 1", got)
	}
	if !strings.HasSuffix(got[0].Message, "Zone/18, Zone/19, ….") || strings.Contains(got[0].Message, "Zone/20") {
		t.Fatalf("message = %q, want the first 20 values and …", got[0].Message)
	}
}

func TestStringLiteral(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"en_US"`, "en_US", true},
		{` 'de' `, "de", true},
		{`""`, "", true},
		{`"a" + "b"`, "", false},
		{`user.locale`, "", false},
		{`"`, "", false},
		{`"en_US'`, "", false},
	}
	for _, tc := range cases {
		if got, ok := stringLiteral(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("stringLiteral(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
