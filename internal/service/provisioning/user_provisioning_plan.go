package provisioning

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// mappedRequired are the required User fields without a default: the mapping must cover them.
var mappedRequired = []string{"LastName", "Email", "Alias"}

// reservedFields are set by the resource itself and so cannot be mapped.
var reservedFields = map[string]string{
	"username":             "the username block",
	"federationidentifier": "federation_id_source",
	"profileid":            "the app user's profile (oktasf_group_mapping) or default_profile",
	"userroleid":           "the app user's role (oktasf_group_mapping)",
	"isactive":             "the user's assignment to the app",
}

// ModifyPlan checks the mapping against the org's User model and shows what the apply will change: a
// warning counts the changes refresh found in pending_*. Whenever an apply follows, pending_* and synced are
// left unknown: after apply they hold what reading the users back finds, which plan cannot promise.
func (r *userProvisioningResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	p, ok := framework.OpenPlan[userProvisioningModel](ctx, r, req, resp)
	if !ok {
		return
	}
	plan, alias := p.Plan, p.Org.Alias
	if !plan.AppID.IsUnknown() {
		plan.ID = types.StringValue(alias + "/" + plan.AppID.ValueString())
	}
	planned := false // synced planned user by user: known keys, unknown hashes of the users written
	defer func() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		if !resp.Diagnostics.HasError() && !resp.Plan.Raw.Equal(req.State.Raw) {
			synced := plan.Synced
			unknownOutcome(&plan)
			if planned {
				plan.Synced = synced
			}
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		}
	}()
	if !plan.Attributes.IsUnknown() && !hasUnknownElement(plan.Attributes) {
		attrs := map[string]string{}
		resp.Diagnostics.Append(plan.Attributes.ElementsAs(ctx, &attrs, false)...)
		checkMapping(ctx, p.Org.Client, attrs, &resp.Diagnostics)
		checkAttributeTypes(ctx, r.Clients(), p.Org.Client, attrs, &resp.Diagnostics)
		if plan.Transport.ValueString() == transportSCIM {
			warnSCIMFields(attrs, &resp.Diagnostics)
		}
	}
	if !plan.DefaultProfile.IsNull() && !plan.DefaultProfile.IsUnknown() {
		checkProfile(ctx, p.Org, plan.DefaultProfile.ValueString(), &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() || !plannable(ctx, plan) {
		return
	}
	e := r.engine(plan, &resp.Diagnostics)
	s, d := settingsOf(ctx, plan)
	resp.Diagnostics.Append(d...)
	if e == nil || resp.Diagnostics.HasError() {
		return
	}
	var managed map[string]bool
	if p.State != nil {
		managed = managedKeys(p.State.Synced)
		s.RemovedGroups = removedGroups(ctx, p.State.GroupMappings, plan.GroupMappings)
	}
	mappings, _, d := groupMappingsOf(ctx, plan.GroupMappings)
	resp.Diagnostics.Append(d...)
	for _, m := range mappings {
		if m.GroupID.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("group_mappings"), "Group Mapping Without group_id",
				"Every element of group_mappings needs group_id: list the oktasf_group_mapping resources, for example [oktasf_group_mapping.sales].")
			return
		}
	}
	// On create too: after a partial apply (-target) the app exists while its mappings are still to be created,
	// and apply would find their users, which a plan made now cannot promise.
	changes, err := e.mappingChanges(ctx, s.AppID, mappings)
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpPlan), err.Error())
		return
	}
	if _, planned := r.Clients().Caches.PlannedAssignments.Load(s.AppID); planned && len(mappings) == 0 {
		// Without group_mappings nothing orders this plan after the mappings' (depends_on may not): it cannot
		// leave its values to apply for them, which the apply walk's re-plan might then find known. It says so.
		resp.Diagnostics.AddWarning("Group Mappings Change the App's Assignments",
			fmt.Sprintf("A group mapping of this configuration changes the group assignments of Okta app %s; this plan shows the users as Okta "+
				"assigns them now, and the apply reconciles them as the mappings leave them. List the mappings in group_mappings "+
				"(for example group_mappings = [oktasf_group_mapping.sales]) so that the plan shows what the apply does.", s.AppID))
	}
	if len(changes) > 0 { // apply, which Terraform orders after the mappings, reads what they leave in Okta
		r.Clients().Caches.PlannedUsers.Store(conns.PlannedUserKey(alias, "*"), true)
		unknownOutcome(&plan)
		resp.Diagnostics.AddWarning("Salesforce Users Will Change After the Group Mappings",
			fmt.Sprintf("In Okta, %s; the users of Salesforce org %q are reconciled after the group mappings apply (pending_* are known after apply).",
				strings.Join(changes, "; "), alias))
		return
	}
	prior, d := loadSnapshot(ctx, req.Private)
	resp.Diagnostics.Append(d...)
	out, _, err := e.plan(ctx, s, managed, prior)
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpPlan), err.Error())
		return
	}
	for _, c := range out.Conflicts {
		resp.Diagnostics.AddAttributeError(path.Root("federation_id_source"), "Duplicate Federation ID",
			c+". Salesforce keeps one user per Federation ID (case-insensitively); change one of the Okta users or federation_id_source.")
	}
	for _, s := range out.Skipped {
		resp.Diagnostics.AddWarning("Okta User Without Federation ID", s+"; no Salesforce user is provisioned for it.")
	}
	for _, cs := range [][]change{out.Creates, out.Reactivates} {
		for _, c := range cs {
			r.Clients().Caches.PlannedUsers.Store(conns.PlannedUserKey(alias, c.FederationID), true)
		}
	}
	// Nothing to write leaves the plan as refresh found it (no diff); anything to write makes it differ.
	setOutcome(&plan, outcome{Managed: out.Managed})
	// With no create no key can appear: synced is planned user by user, so unchanged users do not churn. A
	// create's synced is left to apply: a mapping it only depends_on may assign users to the app before it runs.
	if len(out.Creates) == 0 && p.State != nil {
		plan.Synced, planned = plannedSynced(out), true
	}
	warnRefusedValues(alias, out, &resp.Diagnostics)
	if !out.empty() {
		resp.Diagnostics.AddWarning("Salesforce Users Will Change", summarize(alias, out))
		synced := plan.Synced
		unknownOutcome(&plan)
		if planned {
			plan.Synced = synced
		}
	}
}

// plannable reports whether every value the reconciliation needs is known.
func plannable(ctx context.Context, m userProvisioningModel) bool {
	for _, v := range []attr.Value{m.AppID, m.Attributes, m.Username, m.FederationIDSource, m.DefaultProfile, m.CreateUsers,
		m.UpdateUsers, m.DeactivateUsers, m.ReactivateUsers, m.AdoptExisting, m.Transport} {
		if v.IsUnknown() {
			return false
		}
	}
	if _, known, _ := groupMappingsOf(ctx, m.GroupMappings); !known {
		return false
	}
	return !hasUnknownElement(m.Attributes)
}

func hasUnknownElement(m types.Map) bool {
	for _, v := range m.Elements() {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

// checkMapping reports mapping problems on attributes["<field>"].
func checkMapping(ctx context.Context, sf *salesforce.Client, attrs map[string]string, diags *diag.Diagnostics) {
	for field, expr := range attrs {
		at := path.Root("attributes").AtMapKey(field)
		if owner, ok := reservedFields[strings.ToLower(field)]; ok {
			diags.AddAttributeError(at, "Field Set by the Resource", fmt.Sprintf("attributes[%q]: %s is set from %s; remove it from attributes.", field, field, owner))
		}
		if _, err := evaluate(expr, emptyAppUser); err != nil {
			diags.AddAttributeError(at, "Invalid Mapping Expression", fmt.Sprintf("attributes[%q]: %s.", field, err))
		}
	}
	d, err := sf.Describe(ctx, "User")
	if err != nil {
		diags.AddAttributeError(path.Root("attributes"), framework.Summary("Check", "the User Mapping"), err.Error())
		return
	}
	for _, p := range salesforce.CheckUserMapping(d, attrs, mappedRequired, nil) {
		at := path.Root("attributes")
		if _, mapped := attrs[p.Field]; mapped {
			at = at.AtMapKey(p.Field)
		}
		diags.AddAttributeError(at, "Invalid User Field Mapping", fmt.Sprintf("attributes[%q]: %s", p.Field, p.Message))
	}
}

// warnSCIMFields names the mapped fields SCIM cannot write: Salesforce sets them on create and they are never updated.
func warnSCIMFields(attrs map[string]string, diags *diag.Diagnostics) {
	var skipped []string
	for f := range attrs {
		if !salesforce.SCIMWritable(f) {
			skipped = append(skipped, f)
		}
	}
	sort.Strings(skipped)
	if len(skipped) > 0 {
		diags.AddAttributeWarning(path.Root("transport"), "Fields SCIM Cannot Write",
			fmt.Sprintf("With transport = \"scim\", %s are not written: SCIM has no attribute for them, and Salesforce derives them on create. Use transport = \"rest\" to manage them.",
				strings.Join(skipped, ", ")))
	}
}

func checkProfile(ctx context.Context, org *conns.Org, name string, diags *diag.Diagnostics) {
	all, err := profiles(ctx, org)
	if err != nil {
		diags.AddAttributeError(path.Root("default_profile"), framework.Summary("Check", "Salesforce Profile"), err.Error())
		return
	}
	names := make([]string, 0, len(all))
	for _, p := range all {
		if strings.EqualFold(p.Name, name) {
			return
		}
		names = append(names, p.Name)
	}
	diags.AddAttributeError(path.Root("default_profile"), "Salesforce Profile Not Found",
		fmt.Sprintf("The org has no profile %q. Profiles: %s.", name, strings.Join(names, ", ")))
}

// summarize counts the changes and names the users whose mapping cannot be written.
func summarize(alias string, out outcome) string {
	msg := fmt.Sprintf("Apply will create %d, update %d, deactivate %d and reactivate %d users in Salesforce org %q (see pending_*).",
		len(out.Creates), len(out.Updates), len(out.Deactivates), len(out.Reactivates), alias)
	var problems []string
	for _, cs := range [][]change{out.Creates, out.Updates, out.Reactivates} {
		for _, c := range cs {
			if c.Problem != "" {
				problems = append(problems, fmt.Sprintf("%s: %s", c.FederationID, c.Problem))
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		msg += " These will fail until fixed: " + strings.Join(problems, "; ") + "."
	}
	return msg
}
