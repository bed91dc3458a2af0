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
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
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
	if _, err := lookupTarget(ctx, p.Org, &plan); err != nil {
		targetDiag(&resp.Diagnostics, &plan, err)
		return
	}
	plan.ID = types.StringValue(bindingID(&plan))
	if r.Okta(&resp.Diagnostics) == nil {
		return
	}
	if plan.GroupIDs.IsUnknown() || plan.FederationIDAttribute.IsUnknown() {
		plan.AssignedFederationIDs = types.SetUnknown(types.StringType)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	desired, ok := desiredFederationIDs(ctx, r.Clients(), &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	ready, waiting, ok := assignable(ctx, p.Org, &plan, desired, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.AssignedFederationIDs = framework.StringSet(ready)
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
	if len(waiting) > 0 && (!resp.Plan.Raw.Equal(req.State.Raw) || provisioningPlans(r.Clients(), p.Org.Alias, waiting)) {
		plan.AssignedFederationIDs = types.SetUnknown(types.StringType)
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

// desiredFederationIDs is the set the groups ask for: the Federation IDs of their entitled members.
func desiredFederationIDs(ctx context.Context, c *conns.Clients, m *bindingModel, diags *diag.Diagnostics) ([]string, bool) {
	groupIDs, _ := setStrings(m.GroupIDs)
	groups := make([][]okta.GroupMember, 0, len(groupIDs))
	for _, gid := range groupIDs {
		members, err := groupMembers(ctx, c, gid)
		if errors.Is(err, okta.ErrNotFound) {
			diags.AddAttributeError(path.Root("group_ids"), "Okta Group Not Found", fmt.Sprintf("Okta has no group with ID %q.", gid))
			return nil, false
		}
		if err != nil {
			diags.AddAttributeError(path.Root("group_ids"), framework.Summary(framework.OpRead, "Okta Group Members"), fmt.Sprintf("Group %s: %s", gid, err))
			return nil, false
		}
		groups = append(groups, members)
	}
	return memberFederationIDs(groups, m.FederationIDAttribute.ValueString()), true
}

// assignable splits desired into the Federation IDs an active Salesforce user holds (they can be assigned
// now) and the others, which wait for their user (created by provisioning or at first sign-in).
func assignable(ctx context.Context, org *conns.Org, m *bindingModel, desired []string, diags *diag.Diagnostics) (ready, waiting []string, ok bool) {
	users, err := usersByFederationID(ctx, org, desired)
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Salesforce Users"), fmt.Sprintf("Looking up %d Federation IDs in org %q: %s", len(desired), m.SalesforceOrg.ValueString(), err))
		return nil, nil, false
	}
	ready = withActiveUser(desired, users)
	waiting, _ = diffSets(desired, ready)
	return ready, waiting, true
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
