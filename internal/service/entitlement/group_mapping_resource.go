package entitlement

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	_ resource.Resource                = (*groupMappingResource)(nil)
	_ resource.ResourceWithConfigure   = (*groupMappingResource)(nil)
	_ resource.ResourceWithImportState = (*groupMappingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*groupMappingResource)(nil)
)

// NewGroupMappingResource returns the oktasf_group_mapping resource.
func NewGroupMappingResource() resource.Resource {
	return &groupMappingResource{ResourceWithConfigure: framework.NewResourceWithConfigure("group_mapping", "Group Mapping")}
}

type groupMappingResource struct {
	framework.ResourceWithConfigure
}

func (r *groupMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Assigns an Okta group to the Salesforce app with the Salesforce `profile` and `role` its members get. " +
			"When a user is in several assigned groups, the group with the lowest `priority` number wins. Okta keeps priorities " +
			"dense and renumbers them when groups are added or removed, or when Terraform places another group; that is not drift: " +
			"`priority` stays the configured value and `effective_priority` shows the number Okta holds. A change of order made " +
			"outside Terraform is drift: when this group's assignment is moved in Okta to the other side of another of the app's " +
			"groups, `priority` reads the number Okta holds and plan puts the group back at the configured priority. " +
			"Profile and role names are checked against the org at every plan, so a role renamed or a profile deleted in Salesforce shows.\n\n" +
			"A create first looks for the group's assignment in the app's list of assignments (read once per command for all the app's mappings). One whose `profile` and `role` equal the plan is what an earlier " +
			"create wrote when its answer never reached the state: it is adopted, without a write when it stands at the planned `priority` " +
			"(or none is planned), and moved to the planned priority as a create places it otherwise. Other values an admin set on the " +
			"assignment are kept. An assignment with another profile or role is an error that names the difference and gives the " +
			"import command. Two mappings of one group with the same profile and role cannot be told apart: keep one mapping per group.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<app_id>/<group_id>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"app_id": schema.StringAttribute{Required: true, MarkdownDescription: "The Okta app ID (`0oa…`), for example `oktasf_saml_app.x.id`.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"group_id": schema.StringAttribute{Required: true, MarkdownDescription: "The Okta group ID (`00g…`), for example `data.oktasf_okta_group.x.id`.",
				Validators:    []validator.String{oktaGroupIDValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"priority": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "The group's place among the app's groups, 0 first: Terraform puts the group at this number and Okta " +
					"shifts the others around it. Omit to append the group after the others. An update that does not change it leaves the " +
					"group where Okta holds it. Drift only when the group is moved past another group outside Terraform (see above).",
				Validators:    []validator.Int64{int64validator.AtLeast(0)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"profile": schema.StringAttribute{Required: true, MarkdownDescription: "The Salesforce profile name, for example `Sales User`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"role": schema.StringAttribute{Optional: true, MarkdownDescription: "The Salesforce role name, for example `Sales Rep`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org whose profile and role names are checked. Optional when exactly one org is configured.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"effective_priority": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "The priority Okta holds now; it shifts when other groups are assigned or removed."},
		},
	}
}

func (r *groupMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, client, ok := framework.OpenOkta[groupMappingModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	appID, groupID := plan.AppID.ValueString(), plan.GroupID.ValueString()
	// Look before create: Okta keeps one assignment per group, and a PUT would silently replace one that
	// another configuration or an admin owns. One that equals the plan is what an earlier create wrote
	// when its answer never reached the state: it is adopted. The look is in the app's list, read once per
	// command for all its mappings (and kept up to date with their writes): an earlier apply's assignment
	// is in it.
	a, _, err := findAssignment(ctx, r.Clients(), appID, groupID)
	switch {
	case err == nil:
		if d := assignmentDifferences(a, &plan); len(d) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("group_id"), "Group Mapping Already Exists",
				fmt.Sprintf("Group %s is already assigned to app %s, and the assignment differs from the plan, so it is not what an earlier apply of this configuration wrote:%s\n%s",
					groupID, appID, d, framework.ImportHint("oktasf_group_mapping", appID+"/"+groupID, "remove the assignment in Okta")))
			return
		}
		tflog.Info(ctx, "adopting the group assignment an earlier create wrote (its profile and role equal the plan)", map[string]any{"app_id": appID, "group_id": groupID})
		if plan.Priority.IsNull() || plan.Priority.IsUnknown() || plan.Priority.ValueInt64() == int64(a.Priority) {
			store(ctx, &plan, recordAssignment(ctx, r.Clients(), a, &plan), &resp.State, resp.Private, &resp.Diagnostics) // nothing to write
			return
		}
	case !errors.Is(err, okta.ErrNotFound):
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Reading the assignment of group %s to app %s: %s", groupID, appID, err))
		return
	}
	// A new assignment, or an adopted one at another priority: placed at the planned priority as a create places it.
	r.save(ctx, client, &plan, a, true, framework.OpCreate, &resp.State, resp.Private, &resp.Diagnostics)
}

func (r *groupMappingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, _, ok := framework.OpenOkta[groupMappingModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	appID, groupID := state.AppID.ValueString(), state.GroupID.ValueString()
	a, all, err := findAssignment(ctx, r.Clients(), appID, groupID)
	if errors.Is(err, okta.ErrNotFound) {
		tflog.Debug(ctx, "group assignment is gone from Okta; removing it from state", map[string]any{"app_id": appID, "group_id": groupID})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading the assignment of group %s to app %s: %s", groupID, appID, err))
		return
	}
	flattenAssignment(a, &state)
	base, diags := loadBaseline(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	order, configured := placement(all), state.Priority
	if base != nil { // state's priority may hold Okta's number from an earlier refresh that found a move
		configured = types.Int64Value(base.Configured)
	}
	switch {
	case configured.IsNull() || configured.IsUnknown(): // after import, the number Okta holds is the configuration
		state.Priority = types.Int64Value(int64(a.Priority))
		resp.Diagnostics.Append(saveBaseline(ctx, resp.Private, placeBaseline{int64(a.Priority), order})...)
	case movedOutOfBand(base, a, order):
		// The baseline stays, so that the move shows until apply puts the group back (or it is moved back).
		tflog.Debug(ctx, "group was moved past another group outside Terraform", map[string]any{"app_id": appID, "group_id": groupID,
			"priority": a.Priority, "configured": base.Configured})
		state.Priority = types.Int64Value(int64(a.Priority))
	default: // renumbering, or moves of other groups: the configured priority stands
		state.Priority = configured
		resp.Diagnostics.Append(saveBaseline(ctx, resp.Private, placeBaseline{configured.ValueInt64(), order})...)
	}
	if state.SalesforceOrg.IsNull() { // after import: the org the app signs in to
		if alias := orgOfApp(ctx, r.Clients(), appID); alias != "" {
			state.SalesforceOrg = types.StringValue(alias)
		}
	}
	state.ID = types.StringValue(appID + "/" + groupID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *groupMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, client, ok := framework.OpenOkta[groupMappingModel](ctx, r, req.Plan, &resp.Diagnostics)
	state, read := framework.Get[groupMappingModel](ctx, req.State, &resp.Diagnostics)
	if !ok || !read {
		return
	}
	appID, groupID := plan.AppID.ValueString(), plan.GroupID.ValueString()
	current, _, err := findAssignment(ctx, r.Clients(), appID, groupID)
	if err != nil && !errors.Is(err, okta.ErrNotFound) {
		resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Reading the assignment of group %s to app %s: %s", groupID, appID, err))
		return
	}
	// The group moves only when its priority changed in configuration or was moved outside Terraform.
	r.save(ctx, client, &plan, current, !plan.Priority.Equal(state.Priority), framework.OpUpdate, &resp.State, resp.Private, &resp.Diagnostics)
}

func (r *groupMappingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, client, ok := framework.OpenOkta[groupMappingModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	appID, groupID := state.AppID.ValueString(), state.GroupID.ValueString()
	if err := client.DeleteAppGroupAssignment(ctx, appID, groupID); err != nil && !errors.Is(err, okta.ErrNotFound) {
		r.Clients().Caches.ForgetAppAssignments(appID) // the delete may have happened
		resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("Removing group %s from app %s: %s", groupID, appID, err))
		return
	}
	noteUnassigned(r.Clients(), appID, groupID)
}

// ImportState takes "<app_id>/<group_id>".
func (r *groupMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	appID, groupID, ok := strings.Cut(req.ID, "/")
	if !ok || appID == "" || groupID == "" || strings.Contains(groupID, "/") {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not <app_id>/<group_id>, for example 0oa1b2c3/00g4d5e6.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("app_id"), appID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("group_id"), groupID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// save writes the assignment (see write) and records it in the state, and where the group stands in the
// private state.
func (r *groupMappingResource) save(ctx context.Context, client *okta.Client, m *groupMappingModel, current *okta.AppGroupAssignment, move bool, op framework.Op,
	st *tfsdk.State, private privateState, diags *diag.Diagnostics) {
	base := r.write(ctx, client, m, current, move, op, diags)
	if diags.HasError() {
		return
	}
	store(ctx, m, base, st, private, diags)
}

// store records the mapping in the state, and where its group stands in the private state.
func store(ctx context.Context, m *groupMappingModel, base placeBaseline, st *tfsdk.State, private privateState, diags *diag.Diagnostics) {
	m.ID = types.StringValue(m.AppID.ValueString() + "/" + m.GroupID.ValueString())
	diags.Append(st.Set(ctx, m)...)
	diags.Append(saveBaseline(ctx, private, base)...)
}

// write sets the assignment to the plan, at the configured priority when move is set and where Okta holds
// it otherwise, records what Okta holds in m, and returns where the group now stands. current is the
// assignment as the app's list holds it (nil when the group is not assigned): values an admin set on it
// besides profile and role are kept.
func (r *groupMappingResource) write(ctx context.Context, client *okta.Client, m *groupMappingModel, current *okta.AppGroupAssignment,
	move bool, op framework.Op, diags *diag.Diagnostics) placeBaseline {
	appID, groupID := m.AppID.ValueString(), m.GroupID.ValueString()
	summary := r.Summary(op)
	if err := ensureAppUserSchema(ctx, r.Clients(), appID); err != nil {
		diags.AddError(summary, fmt.Sprintf("Adding the profile and role properties to the app-user schema of app %s: %s", appID, err))
		return placeBaseline{}
	}
	c := r.Clients()
	if current != nil && !move && !c.Caches.AssignmentWrites.Settled(appID) {
		// The number is sent back: read it afresh while another write of the app may renumber the groups.
		fresh, err := client.GetAppGroupAssignment(ctx, appID, groupID)
		if err != nil && !errors.Is(err, okta.ErrNotFound) {
			diags.AddError(summary, fmt.Sprintf("Reading the assignment of group %s to app %s: %s", groupID, appID, err))
			return placeBaseline{}
		}
		current = fresh
	}
	var held *int // the priority Okta holds, sent back when the group is not to move
	var currentProfile map[string]any
	if current != nil {
		currentProfile, held = current.Profile, &current.Priority
	}
	profile := expandProfile(m, currentProfile)
	priority := held
	if move || held == nil {
		priority = nil
		if !m.Priority.IsNull() && !m.Priority.IsUnknown() {
			p := int(m.Priority.ValueInt64())
			priority = &p
		}
	}
	end := beginWrite(ctx, c, appID, groupID, priority)
	a, err := client.SetAppGroupAssignment(ctx, appID, groupID, priority, profile)
	end()
	if err != nil {
		c.Caches.ForgetAppAssignments(appID) // the write may have happened
		diags.AddError(summary, fmt.Sprintf("Assigning group %s to app %s: %s", groupID, appID, err))
		return placeBaseline{}
	}
	noteAssignment(c, appID, *a)
	return recordAssignment(ctx, c, a, m)
}

// recordAssignment records in m what Okta holds (a, just written or found), and returns where the group
// stands among the app's groups.
func recordAssignment(ctx context.Context, c *conns.Clients, a *okta.AppGroupAssignment, m *groupMappingModel) placeBaseline {
	appID := m.AppID.ValueString()
	if m.Priority.IsNull() || m.Priority.IsUnknown() {
		m.Priority = types.Int64Value(int64(a.Priority))
	}
	flattenAssignment(a, m)
	base := placeBaseline{Configured: m.Priority.ValueInt64()}
	if all, err := assignmentsAfterWrite(ctx, c, appID); err == nil {
		base.Groups = placement(all)
	} else { // without an order the next refresh takes Okta's as it finds it
		tflog.Warn(ctx, "could not read the app's groups after writing", map[string]any{"app_id": appID, "error": err.Error()})
	}
	return base
}

// findAssignment finds one group's assignment in the app's list, which all mappings of the app share, and
// returns the list with it (also when the group is not in it).
func findAssignment(ctx context.Context, c *conns.Clients, appID, groupID string) (*okta.AppGroupAssignment, []okta.AppGroupAssignment, error) {
	all, err := appAssignments(ctx, c, appID)
	if err != nil {
		return nil, nil, err
	}
	for i := range all {
		if all[i].GroupID == groupID {
			return &all[i], all, nil
		}
	}
	return nil, all, fmt.Errorf("group %s is not assigned to app %s: %w", groupID, appID, okta.ErrNotFound)
}

// orgOfApp is the alias of the configured org whose My Domain URL is the app's audience, the only org when
// one is configured, or "" when none matches.
func orgOfApp(ctx context.Context, c *conns.Clients, appID string) string {
	aliases := c.Aliases()
	if len(aliases) == 1 {
		return aliases[0]
	}
	app, err := c.Okta.GetSAMLApp(ctx, appID)
	if err != nil {
		tflog.Debug(ctx, "cannot read the app to find its Salesforce org", map[string]any{"app_id": appID, "error": err.Error()})
		return ""
	}
	audience := app.SignOn.Audience
	if audience == "" {
		audience = app.SignOn.AudienceOverride
	}
	for _, alias := range aliases {
		if facts, err := c.Salesforce[alias].Facts(ctx); err == nil && facts.MyDomainURL == audience {
			return alias
		}
	}
	return ""
}

// assignmentDifferences lists what an assignment found at create holds other than the plan's profile and
// role. The priority is no difference: the create places the group.
func assignmentDifferences(a *okta.AppGroupAssignment, m *groupMappingModel) framework.Differences {
	var d framework.Differences
	d.Add("profile", stringOrNull(a.Profile[keyProfile]).ValueString(), m.Profile.ValueString())
	d.Add("role", stringOrNull(a.Profile[keyRole]).ValueString(), m.Role.ValueString())
	return d
}
