package entitlement

import (
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// bindingModel is the data of oktasf_permission_set_binding.
type bindingModel struct {
	ID                    types.String `tfsdk:"id"`
	SalesforceOrg         types.String `tfsdk:"salesforce_org"`
	PermissionSet         types.String `tfsdk:"permission_set"`
	PermissionSetGroup    types.String `tfsdk:"permission_set_group"`
	GroupIDs              types.Set    `tfsdk:"group_ids"`
	FederationIDAttribute types.String `tfsdk:"federation_id_attribute"`
	AssignedFederationIDs types.List   `tfsdk:"assigned_federation_ids"`
}

// bindingID is the binding's ID: the org and the permission set, or psg: and the group.
func bindingID(m *bindingModel) string {
	if !m.PermissionSetGroup.IsNull() {
		return m.SalesforceOrg.ValueString() + "/" + psgPrefix + m.PermissionSetGroup.ValueString()
	}
	return m.SalesforceOrg.ValueString() + "/" + m.PermissionSet.ValueString()
}

// entitledStatuses are the Okta user statuses that keep Salesforce permissions; deactivated and
// suspended users lose them.
func entitled(status string) bool {
	return status != "DEPROVISIONED" && status != "SUSPENDED"
}

// federationIDOf is the value of the user's attribute that Salesforce holds as Federation ID.
func federationIDOf(m okta.GroupMember, attribute string) string {
	switch attribute {
	case "", "login":
		return m.Login
	case "email":
		if m.Email != "" {
			return m.Email
		}
	}
	if s, ok := m.Profile[attribute].(string); ok {
		return s
	}
	return ""
}

// memberFederationIDs returns the Federation IDs of the entitled members of all groups, each once, sorted.
func memberFederationIDs(groups [][]okta.GroupMember, attribute string) []string {
	seen := map[string]bool{}
	for _, members := range groups {
		for _, m := range members {
			if fid := federationIDOf(m, attribute); fid != "" && entitled(m.Status) {
				seen[fid] = true
			}
		}
	}
	return keys(seen)
}

// withActiveUser keeps the Federation IDs that an active Salesforce user holds exactly.
func withActiveUser(fids []string, users map[string]salesforce.FederatedUser) []string {
	out := []string{}
	for _, fid := range fids {
		if u, ok := users[fid]; ok && u.IsActive && u.FederationID == fid {
			out = append(out, fid)
		}
	}
	return out
}

// diffSets returns what desired has that current lacks, and the reverse, both sorted.
func diffSets(desired, current []string) (add, remove []string) {
	want, have := map[string]bool{}, map[string]bool{}
	for _, v := range desired {
		want[v] = true
	}
	for _, v := range current {
		have[v] = true
	}
	for v := range want {
		if !have[v] {
			add = append(add, v)
		}
	}
	for v := range have {
		if !want[v] {
			remove = append(remove, v)
		}
	}
	sort.Strings(add)
	sort.Strings(remove)
	return add, remove
}

// assignmentsOf keeps the assignments of the given Federation IDs.
func assignmentsOf(as []salesforce.Assignment, fids []string) []salesforce.Assignment {
	of := map[string]bool{}
	for _, fid := range fids {
		of[fid] = true
	}
	var out []salesforce.Assignment
	for _, a := range as {
		if of[a.FederationID] {
			out = append(out, a)
		}
	}
	return out
}

func assignedIDs(as []salesforce.Assignment) []string {
	seen := map[string]bool{}
	for _, a := range as {
		seen[a.FederationID] = true
	}
	return keys(seen)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// setStrings returns a set's or list's strings sorted; known is false for an unknown value or element.
func setStrings(s interface {
	IsUnknown() bool
	Elements() []attr.Value
}) (values []string, known bool) {
	if s.IsUnknown() {
		return nil, false
	}
	for _, e := range s.Elements() {
		str, ok := e.(types.String)
		if !ok || str.IsUnknown() {
			return nil, false
		}
		values = append(values, str.ValueString())
	}
	sort.Strings(values)
	return values, true
}
