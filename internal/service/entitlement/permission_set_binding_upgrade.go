package entitlement

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

var _ resource.ResourceWithUpgradeState = (*permissionSetBindingResource)(nil)

// bindingModelV0 is the state of schema version 0, where assigned_federation_ids was a set.
type bindingModelV0 struct {
	ID                    types.String `tfsdk:"id"`
	SalesforceOrg         types.String `tfsdk:"salesforce_org"`
	PermissionSet         types.String `tfsdk:"permission_set"`
	PermissionSetGroup    types.String `tfsdk:"permission_set_group"`
	GroupIDs              types.Set    `tfsdk:"group_ids"`
	FederationIDAttribute types.String `tfsdk:"federation_id_attribute"`
	AssignedFederationIDs types.Set    `tfsdk:"assigned_federation_ids"`
}

// UpgradeState turns version 0's set of assigned Federation IDs into the sorted list of version 1; nothing
// else changed, and the private state (the created assignments, the change markers) stays as it is.
func (r *permissionSetBindingResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0 := bindingSchema()
	v0.Version = 0
	attrs := make(map[string]schema.Attribute, len(v0.Attributes))
	for k, a := range v0.Attributes {
		attrs[k] = a
	}
	attrs["assigned_federation_ids"] = schema.SetAttribute{Computed: true, ElementType: types.StringType}
	v0.Attributes = attrs
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &v0, StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var old bindingModelV0
			resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
			if resp.Diagnostics.HasError() {
				return
			}
			m := bindingModel{ID: old.ID, SalesforceOrg: old.SalesforceOrg, PermissionSet: old.PermissionSet, PermissionSetGroup: old.PermissionSetGroup,
				GroupIDs: old.GroupIDs, FederationIDAttribute: old.FederationIDAttribute, AssignedFederationIDs: types.ListNull(types.StringType)}
			switch held, known := setStrings(old.AssignedFederationIDs); {
			case old.AssignedFederationIDs.IsNull():
			case !known:
				m.AssignedFederationIDs = types.ListUnknown(types.StringType)
			default:
				m.AssignedFederationIDs = framework.SortedStrings(held)
			}
			resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		}},
	}
}
