package entitlement

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

// ModifyPlan checks the names and plans assigned_federation_ids: the members of the groups with an active
// Salesforce user, what apply leaves assigned.
func (r *permissionSetBindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	p, ok := framework.OpenPlan[bindingModel](ctx, r, req, resp)
	if !ok {
		return
	}
	plan := p.Plan
	if plan.PermissionSet.IsUnknown() || plan.PermissionSetGroup.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	target, err := lookupTarget(ctx, p.Org, &plan)
	if err != nil {
		targetDiag(&resp.Diagnostics, &plan, err)
		return
	}
	plan.ID = types.StringValue(bindingID(&plan))
	if r.Okta(&resp.Diagnostics) == nil {
		return
	}
	if plan.GroupIDs.IsUnknown() || plan.FederationIDAttribute.IsUnknown() {
		plan.AssignedFederationIDs = types.ListUnknown(types.StringType)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	var prior *bindingMarkers // what the last read established: the plan re-reads only what moved since
	if p.State != nil && req.Private != nil {
		var d diag.Diagnostics
		prior, d = loadMarkers(ctx, req.Private)
		resp.Diagnostics.Append(d...)
	}
	s := syncer{c: r.Clients(), org: p.Org, m: &plan, target: target}
	view, _, ok := s.sync(ctx, prior, false, &resp.Diagnostics)
	if !ok {
		return
	}
	ready, waiting := view.ready, view.waiting
	plan.AssignedFederationIDs = framework.SortedStrings(ready)
	if p.State != nil {
		if current, known := setStrings(p.State.AssignedFederationIDs); known {
			if add, remove := diffSets(ready, current); len(add)+len(remove) > 0 {
				resp.Diagnostics.AddWarning("Permission Set Assignments Will Change", changeSummary(plan.ID.ValueString(), add, remove, 5))
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	// A member without an active user may get one in this apply and is then assigned: whenever the binding
	// applies, what it will hold is known only after apply. A binding with nothing else to do applies when user
	// provisioning (planned before it) plans to create or reactivate one of its waiting members; otherwise its
	// members wait without a diff.
	if len(waiting) > 0 && (!framework.RawEqual(resp.Plan.Raw, req.State.Raw) || provisioningPlans(r.Clients(), p.Org.Alias, waiting)) {
		plan.AssignedFederationIDs = types.ListUnknown(types.StringType)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

// targetDiag reports a lookupTarget error on the attribute that names the target.
func targetDiag(diags *diag.Diagnostics, m *bindingModel, err error) {
	attr := path.Root("permission_set")
	if !m.PermissionSetGroup.IsNull() {
		attr = path.Root("permission_set_group")
	}
	switch {
	case errors.Is(err, errNotAssignable):
		diags.AddAttributeError(attr, "Permission Set Cannot Be Bound", err.Error())
	case isNameError(err):
		diags.AddAttributeError(attr, "Salesforce Permission Set Not Found", err.Error())
	default:
		diags.AddAttributeError(attr, framework.Summary(framework.OpRead, "Salesforce Permission Sets"), err.Error())
	}
}

// changeSummary is the plan warning: counts, then the first few Federation IDs of each side.
func changeSummary(id string, add, remove []string, few int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: +%d −%d assignments.", id, len(add), len(remove))
	list := func(label string, ids []string) {
		if len(ids) == 0 {
			return
		}
		shown := ids[:min(len(ids), few)]
		fmt.Fprintf(&b, " %s: %s", label, strings.Join(shown, ", "))
		if len(ids) > few {
			fmt.Fprintf(&b, " and %d more", len(ids)-few)
		}
		b.WriteString(".")
	}
	list("Adds", add)
	list("Removes", remove)
	return b.String()
}

// provisioningPlans reports whether user provisioning planned, in this configuration, to create or reactivate
// the Salesforce user of one of these Federation IDs (or users it could not name) in the org.
func provisioningPlans(c *conns.Clients, alias string, federationIDs []string) bool {
	if _, any := c.Caches.PlannedUsers.Load(conns.PlannedUserKey(alias, "*")); any {
		return true
	}
	for _, id := range federationIDs {
		if _, ok := c.Caches.PlannedUsers.Load(conns.PlannedUserKey(alias, id)); ok {
			return true
		}
	}
	return false
}
