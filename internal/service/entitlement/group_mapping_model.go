package entitlement

import (
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// groupMappingModel is the data of oktasf_group_mapping.
type groupMappingModel struct {
	ID                types.String `tfsdk:"id"`
	AppID             types.String `tfsdk:"app_id"`
	GroupID           types.String `tfsdk:"group_id"`
	Priority          types.Int64  `tfsdk:"priority"`
	Profile           types.String `tfsdk:"profile"`
	Role              types.String `tfsdk:"role"`
	SalesforceOrg     types.String `tfsdk:"salesforce_org"`
	EffectivePriority types.Int64  `tfsdk:"effective_priority"`
}

// The app-user profile keys a group assignment carries: the Salesforce profile and role names.
const (
	keyProfile = "profile"
	keyRole    = "role"
)

// expandProfile is the app-user profile the assignment carries: current (what Okta holds, nil for a new
// assignment) with the profile and role of m merged in, so values an admin set besides them survive.
func expandProfile(m *groupMappingModel, current map[string]any) map[string]any {
	profile := make(map[string]any, len(current)+2)
	for k, v := range current {
		profile[k] = v
	}
	profile[keyProfile] = m.Profile.ValueString()
	profile[keyRole] = nil
	if !m.Role.IsNull() {
		profile[keyRole] = m.Role.ValueString()
	}
	return profile
}

// flattenAssignment sets what Okta holds: profile and role show drift made out of band, the priority
// number only in effective_priority.
func flattenAssignment(a *okta.AppGroupAssignment, m *groupMappingModel) {
	m.EffectivePriority = types.Int64Value(int64(a.Priority))
	m.Profile = stringOrNull(a.Profile[keyProfile])
	m.Role = stringOrNull(a.Profile[keyRole])
}

func stringOrNull(v any) types.String {
	if s, ok := v.(string); ok && s != "" {
		return types.StringValue(s)
	}
	return types.StringNull()
}
