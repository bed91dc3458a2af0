package provisioning

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// Plan names, per field, the users whose values Salesforce would refuse; apply writes the others only.
func TestReconcile_refusedValuesAreReportedPerField(t *testing.T) {
	t.Parallel()
	s := testSettings()
	s.Attributes["Cost_Center__c"] = "user.costCenter"
	s.Attributes["Skills__c"] = "user.skills"
	s.Attributes["Contractor__c"] = "user.isContractor"
	pl := func(values ...string) []salesforce.PicklistValue {
		var out []salesforce.PicklistValue
		for _, v := range values {
			out = append(out, salesforce.PicklistValue{Value: v, Active: true})
		}
		return out
	}
	in := inputs{Profiles: testProfiles, Describe: &salesforce.SObjectDescribe{Name: "User", Fields: []salesforce.FieldDescribe{
		{Name: "Cost_Center__c", Type: "string", Length: 20, Custom: true},
		{Name: "Skills__c", Type: "multipicklist", RestrictedPicklist: true, PicklistValues: pl("Forecasting", "CPQ")},
		{Name: "Contractor__c", Type: "boolean"},
	}}}
	ok, long, bad := appUser("ok@x.com", "ACTIVE", ""), appUser("long@x.com", "ACTIVE", ""), appUser("bad@x.com", "ACTIVE", "")
	ok.UserProfile["costCenter"], ok.UserProfile["skills"] = "CC-1", []any{"CPQ", "Forecasting"}
	long.UserProfile["costCenter"] = strings.Repeat("x", 25)
	bad.UserProfile["skills"] = []any{"Cobol"}
	in.AppUsers = []okta.AppUserWithUser{ok, long, bad}

	out := reconcile(s, in)
	byFID := map[string]change{}
	for _, c := range out.Creates {
		byFID[c.FederationID] = c
	}
	if c := byFID["ok@x.com"]; c.Problem != "" || c.Record["Skills__c"] != "Forecasting;CPQ" || c.Record["Contractor__c"] != false {
		t.Errorf("ok@x.com = %+v, want no problem, Skills__c in picklist order and Contractor__c false", c)
	}
	if c := byFID["long@x.com"]; !strings.Contains(c.FieldProblems["Cost_Center__c"], "25 characters, longer than the field's length 20") {
		t.Errorf("long@x.com problems = %v", c.FieldProblems)
	}
	if c := byFID["bad@x.com"]; !strings.Contains(c.FieldProblems["Skills__c"], `"Cobol" is not a value of the restricted picklist`) {
		t.Errorf("bad@x.com problems = %v", c.FieldProblems)
	}

	var diags diag.Diagnostics
	warnRefusedValues("qa", out, &diags)
	if len(diags) != 2 || diags.HasError() {
		t.Fatalf("diagnostics = %v, want two warnings", diags)
	}
	if d := diags[0].Detail(); !strings.Contains(d, `attributes["Cost_Center__c"]: 1 user(s) would fail in Salesforce org "qa" (first: long@x.com;`) {
		t.Errorf("Cost_Center__c warning = %s", d)
	}
	if d := diags[1].Detail(); !strings.Contains(d, `attributes["Skills__c"]: 1 user(s)`) || !strings.Contains(d, "bad@x.com") {
		t.Errorf("Skills__c warning = %s", d)
	}
	// Apply reports the refused users and does not send them.
	e := &engine{writer: nil}
	var sent int
	failures := e.write(t.Context(), "create", out.Creates, func(_ context.Context, recs []map[string]any) ([]salesforce.RecordResult, error) {
		sent += len(recs)
		res := make([]salesforce.RecordResult, len(recs))
		for i := range res {
			res[i].Success = true
		}
		return res, nil
	})
	if sent != 1 || len(failures) != 2 {
		t.Errorf("apply sent %d records and reported %d failures, want 1 and 2", sent, len(failures))
	}
}
