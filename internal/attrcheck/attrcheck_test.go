package attrcheck

import (
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func testDescribe() *salesforce.SObjectDescribe {
	pl := func(values ...string) []salesforce.PicklistValue {
		var out []salesforce.PicklistValue
		for _, v := range values {
			out = append(out, salesforce.PicklistValue{Value: v, Active: true})
		}
		return out
	}
	return &salesforce.SObjectDescribe{Name: "User", Fields: []salesforce.FieldDescribe{
		{Name: "FirstName", Type: "string", Length: 40},
		{Name: "Cost_Center__c", Type: "string", Length: 20, Custom: true},
		{Name: "Region__c", Type: "picklist", RestrictedPicklist: true, Custom: true, PicklistValues: pl("EMEA", "AMER")},
		{Name: "Skills__c", Type: "multipicklist", RestrictedPicklist: true, Custom: true, PicklistValues: pl("Go", "SQL")},
		{Name: "Contractor__c", Type: "boolean", Custom: true},
		{Name: "Level__c", Type: "double", Precision: 3, Scale: 1, Custom: true},
		{Name: "Start__c", Type: "date", Custom: true},
		{Name: "Hired__c", Type: "datetime", Custom: true},
	}}
}

var testSchema = okta.UserSchema{
	"firstName":    {Name: "firstName", Type: "string", MaxLength: 50},
	"costCenter":   {Name: "costCenter", Type: "string"},
	"badge":        {Name: "badge", Type: "string", MaxLength: 10, Custom: true},
	"longBadge":    {Name: "longBadge", Type: "string", MaxLength: 30, Custom: true},
	"region":       {Name: "region", Type: "string", Enum: []string{"EMEA", "APAC"}, Custom: true},
	"skills":       {Name: "skills", Type: "array", ItemsType: "string", Custom: true},
	"isContractor": {Name: "isContractor", Type: "boolean", Custom: true},
	"level":        {Name: "level", Type: "integer", Custom: true},
}

func TestCheckMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		field, expr string
		want        string // "" none; "!…" an error containing …; "?…" a warning containing …
	}{
		{"FirstName", "user.firstName", ""},                  // base to standard: values are checked user by user
		{"Cost_Center__c", "String.toUpperCase(user.x)", ""}, // not a simple reference: not typed
		{"Cost_Center__c", "user.badge", ""},                 // maxLength 10 fits 20
		{"Contractor__c", "user.isContractor", ""},           // boolean → checkbox
		{"Skills__c", "user.skills", ""},                     // array → multi-select
		{"Level__c", " user.level ", ""},                     // integer → number
		{"Start__c", "user.costCenter", ""},                  // string → date
		{"Missing__c", "user.skills", ""},                    // field unknown: CheckUserMapping reports it
		{"Contractor__c", "user.skills", "!user.skills is an array of string and the Salesforce field User.Contractor__c is a checkbox"},
		{"Level__c", "user.isContractor", "!Map user.isContractor to a checkbox field"},
		{"Skills__c", "user.region", `?allows "EMEA", "APAC", which the restricted picklist User.Skills__c`}, // a string fills a multi-select
		{"Contractor__c", "user.region", "!is a string and the Salesforce field User.Contractor__c is a checkbox"},
		{"Cost_Center__c", "user.costCentre", "!Did you mean user.costCenter?"},
		{"Cost_Center__c", "user.costCenter", ""}, // no maxLength: the values are checked user by user
		{"Cost_Center__c", "user.longBadge", "?allows 30 characters and User.Cost_Center__c holds 20"},
		{"Region__c", "user.region", `?allows "APAC", which the restricted picklist User.Region__c does not have`},
	} {
		got := CheckMapping(testSchema, testDescribe(), tc.field, tc.expr)
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("%s = %s: %+v, want nothing", tc.field, tc.expr, got)
		case tc.want != "" && (len(got) != 1 || got[0].Warning != (tc.want[0] == '?') || !strings.Contains(got[0].Detail, tc.want[1:])):
			t.Errorf("%s = %s: %+v, want %s", tc.field, tc.expr, got, tc.want)
		}
	}
}

func TestFitValue(t *testing.T) {
	t.Parallel()
	d := testDescribe()
	field := func(name string) *salesforce.FieldDescribe { f, _ := d.Field(name); return f }
	for _, tc := range []struct {
		field   string
		in, out any
		problem string
	}{
		{"Cost_Center__c", "CC-1", "CC-1", ""},
		{"Cost_Center__c", strings.Repeat("é", 21), nil, "21 characters, longer than the field's length 20"},
		{"Region__c", "APAC", nil, `"APAC" is not a value of the restricted picklist`},
		{"Skills__c", []any{"SQL", "go", "SQL"}, "Go;SQL", ""},
		{"Skills__c", []any{}, nil, ""},
		{"Skills__c", []any{"Cobol"}, nil, `"Cobol" is not a value`},
		{"Contractor__c", nil, false, ""},
		{"Contractor__c", "true", true, ""},
		{"Contractor__c", "maybe", nil, "is not a checkbox value"},
		{"Level__c", 12.34, 12.3, ""},
		{"Level__c", 100.0, nil, "outside the field's range (precision 3, scale 1)"},
		{"Start__c", "2026-02-01T10:00:00Z", "2026-02-01", ""},
		{"Start__c", "tomorrow", nil, "is not a date"},
		{"Hired__c", "2026-02-01T11:00:00+01:00", "2026-02-01T10:00:00.000+0000", ""},
		{"Hired__c", "next week", nil, "is not a date-time"},
		{"Cost_Center__c", []any{"a"}, nil, "an array cannot fill"},
	} {
		got, problem := FitValue(field(tc.field), tc.in)
		if tc.problem != "" {
			if !strings.Contains(problem, tc.problem) {
				t.Errorf("%s(%v): problem %q, want %q", tc.field, tc.in, problem, tc.problem)
			}
			continue
		}
		if problem != "" || got != tc.out {
			t.Errorf("%s(%v) = %v (%q), want %v", tc.field, tc.in, got, problem, tc.out)
		}
	}
}

func TestNeedsSchema(t *testing.T) {
	t.Parallel()
	if NeedsSchema([]string{"user.login", " user.costCenter", "appuser.profile", `"x"`, "String.toUpperCase(user.skills)"}) {
		t.Error("base attributes and untyped expressions need the schema")
	}
	if !NeedsSchema([]string{"user.login", "user.salesRegion"}) {
		t.Error("a custom attribute does not need the schema")
	}
}
