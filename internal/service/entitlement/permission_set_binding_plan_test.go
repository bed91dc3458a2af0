package entitlement

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func TestDiffSets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                string
		desired, current    []string
		wantAdd, wantRemove []string
	}{
		{"equal", []string{"a", "b"}, []string{"b", "a"}, nil, nil},
		{"both empty", nil, nil, nil, nil},
		{"only adds", []string{"c", "a"}, nil, []string{"a", "c"}, nil},
		{"only removes", nil, []string{"x"}, nil, []string{"x"}},
		{"both, sorted, duplicates once", []string{"d", "a", "a"}, []string{"a", "z", "b", "z"}, []string{"d"}, []string{"b", "z"}},
		{"case matters", []string{"Alice@x"}, []string{"alice@x"}, []string{"Alice@x"}, []string{"alice@x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			add, remove := diffSets(tc.desired, tc.current)
			if !slices.Equal(add, tc.wantAdd) || !slices.Equal(remove, tc.wantRemove) {
				t.Errorf("diffSets = +%v -%v, want +%v -%v", add, remove, tc.wantAdd, tc.wantRemove)
			}
		})
	}
}

func TestMemberFederationIDs(t *testing.T) {
	t.Parallel()
	sales := []okta.GroupMember{
		{ID: "1", Login: "ann@x", Email: "ann@mail", Status: "ACTIVE", Profile: map[string]any{"employeeNumber": "E1"}},
		{ID: "2", Login: "bob@x", Email: "bob@mail", Status: "DEPROVISIONED"},
		{ID: "3", Login: "cy@x", Email: "cy@mail", Status: "PASSWORD_EXPIRED"},
	}
	support := []okta.GroupMember{
		{ID: "1", Login: "ann@x", Email: "ann@mail", Status: "ACTIVE", Profile: map[string]any{"employeeNumber": "E1"}},
		{ID: "4", Login: "dee@x", Status: "SUSPENDED"},
		{ID: "5", Login: "eve@x", Email: "eve@mail", Status: "LOCKED_OUT", Profile: map[string]any{"employeeNumber": 7}},
	}
	cases := []struct {
		attribute string
		want      []string
	}{
		{"login", []string{"ann@x", "cy@x", "eve@x"}},
		{"", []string{"ann@x", "cy@x", "eve@x"}},
		{"email", []string{"ann@mail", "cy@mail", "eve@mail"}},
		// A member without the attribute, or with a non-string value, has no Federation ID.
		{"employeeNumber", []string{"E1"}},
		{"nickName", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.attribute, func(t *testing.T) {
			t.Parallel()
			got := memberFederationIDs([][]okta.GroupMember{sales, support}, tc.attribute)
			if !slices.Equal(got, tc.want) {
				t.Errorf("memberFederationIDs(%q) = %v, want %v", tc.attribute, got, tc.want)
			}
		})
	}
}

func TestWithActiveUser(t *testing.T) {
	t.Parallel()
	users := map[string]salesforce.FederatedUser{
		"ann@x":  {ID: "005A", FederationID: "ann@x", IsActive: true},
		"old@x":  {ID: "005B", FederationID: "old@x", IsActive: false},
		"Case@x": {ID: "005C", FederationID: "case@x", IsActive: true}, // keyed wrongly: must not match
	}
	got := withActiveUser([]string{"ann@x", "old@x", "none@x", "Case@x"}, users)
	if !slices.Equal(got, []string{"ann@x"}) {
		t.Errorf("withActiveUser = %v, want only the active exact match", got)
	}
}

func TestChangeSummary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		add, remove []string
		want        string
	}{
		{"adds only", []string{"a", "b"}, nil, "qa/PS: +2 −0 assignments. Adds: a, b."},
		{"both", []string{"a"}, []string{"z"}, "qa/PS: +1 −1 assignments. Adds: a. Removes: z."},
		{"truncated", []string{"a", "b", "c", "d"}, nil, "qa/PS: +4 −0 assignments. Adds: a, b and 2 more."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := changeSummary("qa/PS", tc.add, tc.remove, 2); got != tc.want {
				t.Errorf("changeSummary = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSetStrings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		set       types.Set
		want      []string
		wantKnown bool
	}{
		{"sorted", framework.StringSet([]string{"b", "a"}), []string{"a", "b"}, true},
		{"empty", framework.StringSet(nil), nil, true},
		{"unknown", types.SetUnknown(types.StringType), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, known := setStrings(tc.set)
			if !slices.Equal(got, tc.want) || known != tc.wantKnown {
				t.Errorf("setStrings = %v, %v; want %v, %v", got, known, tc.want, tc.wantKnown)
			}
		})
	}
}

func TestFindPermissionSetErrors(t *testing.T) {
	t.Parallel()
	// A name error is an input problem; anything else is a failed read.
	nf := (&salesforce.NameNotFoundError{Kind: "permission set", Name: "X", Suggestions: []string{"Y"}})
	if !isNameError(nf) || !isNameError(errors.Join(errNotAssignable)) || isNameError(errors.New("timeout")) {
		t.Error("isNameError misclassifies")
	}
	if !strings.Contains(nf.Error(), `did you mean "Y"?`) {
		t.Errorf("error = %q", nf.Error())
	}
}

// Members without an active Salesforce user wait: they are neither assignable nor dropped from the set.
func TestAssignableSplit(t *testing.T) {
	t.Parallel()
	users := map[string]salesforce.FederatedUser{
		"a@x": {ID: "005a", FederationID: "a@x", IsActive: true},
		"b@x": {ID: "005b", FederationID: "b@x", IsActive: false},
	}
	desired := []string{"a@x", "b@x", "c@x"}
	ready := withActiveUser(desired, users)
	waiting, _ := diffSets(desired, ready)
	if strings.Join(ready, ",") != "a@x" || strings.Join(waiting, ",") != "b@x,c@x" {
		t.Fatalf("ready %v, waiting %v; want [a@x] and [b@x c@x]", ready, waiting)
	}
}
