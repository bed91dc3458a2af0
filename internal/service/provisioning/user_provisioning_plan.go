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
	if req.Plan.Raw.IsNull() || r.clients == nil {
		return
	}
	var plan, config userProvisioningModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.SalesforceOrg.IsUnknown() {
		return
	}
	alias, sf := r.clients.OrgOf(config.SalesforceOrg, &resp.Diagnostics)
	if sf == nil {
		return
	}
	plan.SalesforceOrg = types.StringValue(alias)
	if !plan.AppID.IsUnknown() {
		plan.ID = types.StringValue(alias + "/" + plan.AppID.ValueString())
	}
	defer func() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		if !resp.Diagnostics.HasError() && !resp.Plan.Raw.Equal(req.State.Raw) {
			unknownOutcome(&plan)
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		}
	}()
	if !plan.Attributes.IsUnknown() && !hasUnknownElement(plan.Attributes) {
		attrs := map[string]string{}
		resp.Diagnostics.Append(plan.Attributes.ElementsAs(ctx, &attrs, false)...)
		checkMapping(ctx, sf, attrs, &resp.Diagnostics)
		if plan.Transport.ValueString() == transportSCIM {
			warnSCIMFields(attrs, &resp.Diagnostics)
		}
	}
	if !plan.DefaultProfile.IsNull() && !plan.DefaultProfile.IsUnknown() {
		checkProfile(ctx, sf, plan.DefaultProfile.ValueString(), &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() || !plannable(plan) {
		return
	}
	e := r.engine(plan, &resp.Diagnostics)
	s, d := settingsOf(ctx, plan)
	resp.Diagnostics.Append(d...)
	if e == nil || resp.Diagnostics.HasError() {
		return
	}
	var managed map[string]bool
	if !req.State.Raw.IsNull() {
		var state userProvisioningModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		managed = managedKeys(state.Synced)
	}
	out, err := e.plan(ctx, s, managed)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Plan User Provisioning", err.Error())
		return
	}
	for _, c := range out.Conflicts {
		resp.Diagnostics.AddAttributeError(path.Root("federation_id_source"), "Duplicate Federation ID",
			c+". Salesforce keeps one user per Federation ID (case-insensitively); change one of the Okta users or federation_id_source.")
	}
	for _, s := range out.Skipped {
		resp.Diagnostics.AddWarning("Okta User Without Federation ID", s+"; no Salesforce user is provisioned for it.")
	}
	// Nothing to write leaves the plan as refresh found it (no diff); anything to write makes it differ.
	setOutcome(&plan, outcome{Managed: out.Managed})
	if !out.empty() {
		unknownOutcome(&plan)
		resp.Diagnostics.AddWarning("Salesforce Users Will Change", summarize(alias, out))
	}
}

// plannable reports whether every value the reconciliation needs is known.
func plannable(m userProvisioningModel) bool {
	for _, v := range []attr.Value{m.AppID, m.Attributes, m.Username, m.FederationIDSource, m.DefaultProfile, m.CreateUsers,
		m.UpdateUsers, m.DeactivateUsers, m.ReactivateUsers, m.AdoptExisting, m.Transport} {
		if v.IsUnknown() {
			return false
		}
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
		diags.AddAttributeError(path.Root("attributes"), "Unable to Check the User Mapping", err.Error())
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

func checkProfile(ctx context.Context, sf *salesforce.Client, name string, diags *diag.Diagnostics) {
	all, err := profiles(ctx, sf)
	if err != nil {
		diags.AddAttributeError(path.Root("default_profile"), "Unable to Check Salesforce Profile", err.Error())
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

// settingsOf converts the model.
func settingsOf(ctx context.Context, m userProvisioningModel) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := settings{AppID: m.AppID.ValueString(), Attributes: map[string]string{}, FederationIDSource: m.FederationIDSource.ValueString(),
		DefaultProfile: m.DefaultProfile.ValueString(), Create: m.CreateUsers.ValueBool(), Update: m.UpdateUsers.ValueBool(),
		Deactivate: m.DeactivateUsers.ValueBool(), Reactivate: m.ReactivateUsers.ValueBool(), Adopt: m.AdoptExisting.ValueBool(),
		UsernameSource: "login", SCIM: m.Transport.ValueString() == transportSCIM}
	if !m.Attributes.IsNull() {
		diags.Append(m.Attributes.ElementsAs(ctx, &s.Attributes, false)...)
	}
	if attrs := m.Username.Attributes(); !m.Username.IsNull() {
		if v, ok := attrs["source"].(types.String); ok && v.ValueString() != "" {
			s.UsernameSource = v.ValueString()
		}
		if v, ok := attrs["suffix"].(types.String); ok {
			s.UsernameSuffix = v.ValueString()
		}
	}
	if s.FederationIDSource == "" {
		s.FederationIDSource = "login"
	}
	return s, diags
}

// fillDefaults gives an imported state the schema defaults.
func fillDefaults(m *userProvisioningModel) {
	for _, b := range []*types.Bool{&m.CreateUsers, &m.UpdateUsers, &m.DeactivateUsers, &m.ReactivateUsers} {
		if b.IsNull() {
			*b = types.BoolValue(true)
		}
	}
	if m.AdoptExisting.IsNull() {
		m.AdoptExisting = types.BoolValue(false)
	}
	if m.FederationIDSource.IsNull() {
		m.FederationIDSource = types.StringValue("login")
	}
	if m.Transport.IsNull() {
		m.Transport = types.StringValue(transportREST)
	}
	if m.Username.IsNull() {
		m.Username = types.ObjectValueMust(usernameAttrTypes, map[string]attr.Value{"source": types.StringValue("login"), "suffix": types.StringValue("")})
	}
	if m.Attributes.IsNull() {
		m.Attributes = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
}

// setOutcome records the pending changes and the managed users.
func setOutcome(m *userProvisioningModel, out outcome) {
	create, update, deactivate, reactivate := out.pending()
	m.PendingCreate, m.PendingUpdate = stringSet(create), stringSet(update)
	m.PendingDeactivate, m.PendingReactivate = stringSet(deactivate), stringSet(reactivate)
	synced := make(map[string]attr.Value, len(out.Managed))
	for k, v := range out.Managed {
		synced[k] = types.StringValue(v)
	}
	m.Synced = types.MapValueMust(types.StringType, synced)
}

// unknownOutcome leaves what apply reads back to apply.
func unknownOutcome(m *userProvisioningModel) {
	for _, p := range []*types.Set{&m.PendingCreate, &m.PendingUpdate, &m.PendingDeactivate, &m.PendingReactivate} {
		*p = types.SetUnknown(types.StringType)
	}
	m.Synced = types.MapUnknown(types.StringType)
}

// settleOutcome replaces what apply could not read back: pending_* are null (not known) rather than claimed
// empty, and synced keeps the users managed before, so that none is forgotten.
func settleOutcome(m *userProvisioningModel, managed map[string]bool) {
	for _, p := range []*types.Set{&m.PendingCreate, &m.PendingUpdate, &m.PendingDeactivate, &m.PendingReactivate} {
		if p.IsUnknown() {
			*p = types.SetNull(types.StringType)
		}
	}
	if m.Synced.IsUnknown() {
		m.Synced = keysToMap(managed)
	}
}

func stringSet(values []string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}

// managedKeys are the Federation IDs in synced.
func managedKeys(synced types.Map) map[string]bool {
	out := map[string]bool{}
	if synced.IsNull() || synced.IsUnknown() {
		return out
	}
	for k := range synced.Elements() {
		out[strings.ToLower(k)] = true
	}
	return out
}

// keysToMap keeps managed users in synced with an empty hash when they could not be read.
func keysToMap(keys map[string]bool) types.Map {
	elems := make(map[string]attr.Value, len(keys))
	for k := range keys {
		elems[k] = types.StringValue("")
	}
	return types.MapValueMust(types.StringType, elems)
}
