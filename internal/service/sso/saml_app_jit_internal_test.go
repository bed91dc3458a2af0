package sso

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

func stringMap(m map[string]string) types.Map {
	elems := map[string]attr.Value{}
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

func expr(name, value string) okta.AttributeStatement {
	return okta.AttributeStatement{Type: "EXPRESSION", Name: name, Namespace: defaultNamespace, Values: []string{value}}
}

func TestSplitJITStatements(t *testing.T) {
	t.Parallel()
	group := okta.AttributeStatement{Type: "GROUP", Name: "User.Groups", Namespace: defaultNamespace, FilterType: "REGEX", FilterValue: ".*"}
	basic := expr("User.Title", "user.title")
	basic.Namespace = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
	two := expr("User.Department", "user.department")
	two.Values = append(two.Values, "user.division")
	stmts := []okta.AttributeStatement{expr("User.Email", "user.email"), expr("User.LastName", "user.lastName"), expr("groups", "x"),
		group, basic, two, expr("User.FirstName", "user.firstName")}
	cases := []struct {
		name     string
		prior    types.Map
		wantJIT  string // sorted k=v, or "null"
		wantRest string // sorted names
	}{
		{"no prior: everything stays a statement", types.MapNull(types.StringType), "null",
			"User.Department User.Email User.FirstName User.Groups User.LastName User.Title groups"},
		{"prior fields are taken", stringMap(map[string]string{"Email": "", "LastName": ""}), "Email=user.email LastName=user.lastName",
			"User.Department User.FirstName User.Groups User.Title groups"},
		{"statements of another shape stay, so they show as drift", stringMap(map[string]string{"Groups": "", "Title": "", "Department": ""}), "",
			"User.Department User.Email User.FirstName User.Groups User.LastName User.Title groups"},
		{"a prior field missing in Okta is absent", stringMap(map[string]string{"Email": "", "Alias": ""}), "Email=user.email",
			"User.Department User.FirstName User.Groups User.LastName User.Title groups"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jit, rest := splitJITStatements(stmts, tc.prior)
			gotJIT := "null"
			if !jit.IsNull() {
				var pairs []string
				for k, v := range jit.Elements() {
					pairs = append(pairs, k+"="+v.(types.String).ValueString())
				}
				sort.Strings(pairs)
				gotJIT = strings.Join(pairs, " ")
			}
			var names []string
			for _, s := range rest {
				names = append(names, s.Name)
			}
			sort.Strings(names)
			if gotJIT != tc.wantJIT || strings.Join(names, " ") != tc.wantRest {
				t.Errorf("jit = %q, rest = %q; want %q, %q", gotJIT, strings.Join(names, " "), tc.wantJIT, tc.wantRest)
			}
		})
	}
}

// What expandJITStatements writes, splitJITStatements reads back unchanged.
func TestJITStatementsRoundTrip(t *testing.T) {
	t.Parallel()
	in := stringMap(map[string]string{"Email": "user.email", "LocaleSidKey": `"en_US"`, "Cost_Center__c": "user.costCenter"})
	var diags diag.Diagnostics
	stmts := expandJITStatements(context.Background(), in, &diags)
	if diags.HasError() || len(stmts) != 3 || stmts[0].Name != "User.Cost_Center__c" || stmts[2].Values[0] != `"en_US"` {
		t.Fatalf("expand = %+v (%v)", stmts, diags)
	}
	out, rest := splitJITStatements(stmts, in)
	if !out.Equal(in) || len(rest) != 0 {
		t.Fatalf("round trip = %v, rest %v; want %v", out, rest, in)
	}
}

func TestValidateJITConfig(t *testing.T) {
	t.Parallel()
	statements := types.MapValueMust(framework.ObjectType[attributeStatementModel](), map[string]attr.Value{
		"User.Title": framework.ObjectNull[attributeStatementModel](), "groups": framework.ObjectNull[attributeStatementModel]()})
	cases := []struct {
		jit  map[string]string
		want string // "" for no error
	}{
		{map[string]string{"Email": "user.email", "Cost_Center__c": "user.costCenter"}, ""},
		{map[string]string{"User.Email": "user.email"}, `Invalid User Field Name: Write the User field's API name without the "User." prefix: "Email"`},
		{map[string]string{"Cost Center": "user.costCenter"}, `Invalid User Field Name: "Cost Center" is not a Salesforce field API name`},
		{map[string]string{"title": "user.title"}, `Attribute Sent Twice: jit_attributes["title"] and attribute_statements["User.Title"]`},
		{map[string]string{"Department": "x"}, `Invalid Okta Expression: jit_attributes["Department"] = x cannot be evaluated by Okta: at column 1: unknown name "x"`},
	}
	for _, tc := range cases {
		var diags diag.Diagnostics
		validateJITConfig(stringMap(tc.jit), statements, &diags)
		got := ""
		for _, d := range diags {
			got += d.Summary() + ": " + d.Detail()
		}
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("validateJITConfig(%v) = %q, want %q", tc.jit, got, tc.want)
		}
	}
}

func TestPlanNameIDTemplate(t *testing.T) {
	t.Parallel()
	obj := func(template types.String) types.Object {
		return framework.ObjectValueMust(nameIDModel{Format: types.StringValue(defaultNameIDFormat), Template: template})
	}
	cases := []struct {
		nameID types.Object
		want   string
	}{
		{framework.ObjectNull[nameIDModel](), "user.login true"},
		{framework.ObjectUnknown[nameIDModel](), " false"},
		{obj(types.StringUnknown()), " false"},
		{obj(types.StringValue("user.email")), "user.email true"},
	}
	for i, tc := range cases {
		template, known := planNameIDTemplate(samlAppModel{NameID: tc.nameID})
		if got := fmt.Sprintf("%s %v", template, known); got != tc.want {
			t.Errorf("case %d: %q, want %q", i, got, tc.want)
		}
	}
}
