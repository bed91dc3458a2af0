package entitlement

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

// ModifyPlan resolves the org and checks the profile and role names against it before apply, also when they
// did not change: a role renamed or a profile deleted in Salesforce since the last apply is reported at plan.
// The name lists come with the org's facts in one Composite request, which the app's plan sends anyway.
func (r *groupMappingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	p, ok := framework.OpenPlan[groupMappingModel](ctx, r, req, resp)
	if !ok {
		return
	}
	plan := p.Plan
	if !plan.AppID.IsUnknown() && !plan.GroupID.IsUnknown() {
		plan.ID = types.StringValue(plan.AppID.ValueString() + "/" + plan.GroupID.ValueString())
	}
	if !plan.Profile.IsUnknown() {
		if _, err := findProfile(ctx, p.Org, plan.Profile.ValueString()); err != nil {
			nameDiag(&resp.Diagnostics, path.Root("profile"), "Salesforce Profile", err)
		}
	}
	if !plan.Role.IsUnknown() && !plan.Role.IsNull() {
		if _, err := findRole(ctx, p.Org, plan.Role.ValueString()); err != nil {
			nameDiag(&resp.Diagnostics, path.Root("role"), "Salesforce Role", err)
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if !plan.AppID.IsUnknown() && !framework.RawEqual(resp.Plan.Raw, req.State.Raw) {
		r.Clients().Caches.PlannedAssignments.Store(plan.AppID.ValueString(), true) // the app's users change before provisioning applies
	}
}

// nameDiag reports a name problem on the attribute, or a failed read as a plain error.
func nameDiag(diags *diag.Diagnostics, attr path.Path, what string, err error) {
	if errors.Is(err, errAmbiguous) {
		diags.AddAttributeError(attr, what+" Name Is Ambiguous", err.Error())
		return
	}
	if isNameError(err) {
		diags.AddAttributeError(attr, what+" Not Found", err.Error())
		return
	}
	diags.AddAttributeError(attr, framework.Summary("Check", what), err.Error())
}
