package entitlement

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

var (
	_ resource.Resource                = (*permissionSetBindingResource)(nil)
	_ resource.ResourceWithConfigure   = (*permissionSetBindingResource)(nil)
	_ resource.ResourceWithImportState = (*permissionSetBindingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*permissionSetBindingResource)(nil)
)

// psgPrefix marks a permission set group in the resource ID and the import ID.
const psgPrefix = "psg:"

// NewPermissionSetBindingResource returns the oktasf_permission_set_binding resource.
func NewPermissionSetBindingResource() resource.Resource {
	return &permissionSetBindingResource{ResourceWithConfigure: framework.NewResourceWithConfigure("permission_set_binding", "Permission Set Binding")}
}

type permissionSetBindingResource struct {
	framework.ResourceWithConfigure
}

func (r *permissionSetBindingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	target := []validator.String{stringvalidator.LengthAtLeast(1),
		stringvalidator.ExactlyOneOf(path.MatchRoot("permission_set"), path.MatchRoot("permission_set_group"))}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Binds a Salesforce permission set or permission set group to Okta groups: the permission set's assignments " +
			"among federated users (Salesforce users with a Federation ID) are kept equal to the members of the groups that have an " +
			"active Salesforce user. Missing assignments are added, those of users who left the groups removed; users without a " +
			"Federation ID (integration users) are never touched. The plan lists each Federation ID added or removed.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "`<salesforce_org>/<permission set>` or `<salesforce_org>/psg:<permission set group>`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org. Optional when exactly one org is configured.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()}},
			"permission_set": schema.StringAttribute{Optional: true, Validators: target,
				MarkdownDescription: "The permission set's API name, for example `Sales_Cloud_User`. Exactly one of this and `permission_set_group`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"permission_set_group": schema.StringAttribute{Optional: true, Validators: target,
				MarkdownDescription: "The permission set group's API name (DeveloperName), for example `Sales_Bundle`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"group_ids": schema.SetAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "The Okta group IDs whose members get the permission set.",
				Validators:          []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}},
			"federation_id_attribute": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("login"),
				MarkdownDescription: "The Okta user attribute that equals the Salesforce Federation ID: `login` (default) or a profile attribute such as `email`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"assigned_federation_ids": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The Federation IDs of the federated users that hold the permission set: in state what Salesforce has, " +
					"in a plan what the groups ask for."},
		},
	}
}

func (r *permissionSetBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, &resp.State, framework.OpCreate, &resp.Diagnostics)
}

func (r *permissionSetBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, &resp.State, framework.OpUpdate, &resp.Diagnostics)
}

func (r *permissionSetBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, org, ok := framework.OpenOrg[bindingModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	current, gone, ok := r.heldAssignments(ctx, org, &state, isNameNotFound, framework.OpRead, &resp.Diagnostics)
	if gone {
		tflog.Debug(ctx, "permission set is gone from Salesforce; removing the binding from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
	}
	if !ok {
		return
	}
	if state.FederationIDAttribute.IsNull() {
		state.FederationIDAttribute = types.StringValue("login")
	}
	// Members without an active Salesforce user are bound as far as anything can be done now; counting them
	// keeps plan quiet until their user exists, and then plan shows them as assignments to make.
	held := map[string]bool{}
	for _, fid := range assignedIDs(current) {
		held[fid] = true
	}
	if r.Okta(&resp.Diagnostics) != nil && !state.GroupIDs.IsUnknown() {
		desired, ok := desiredFederationIDs(ctx, r.Clients(), &state, &resp.Diagnostics)
		if !ok {
			return
		}
		_, waiting, ok := assignable(ctx, org, &state, desired, &resp.Diagnostics)
		if !ok {
			return
		}
		for _, fid := range waiting {
			held[fid] = true
		}
	}
	state.AssignedFederationIDs = framework.StringSet(keys(held))
	state.ID = types.StringValue(bindingID(&state))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the assignments the binding holds; assignments it never managed stay.
func (r *permissionSetBindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, org, ok := framework.OpenOrg[bindingModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	// A permission set that went took its assignments with it.
	current, _, ok := r.heldAssignments(ctx, org, &state, isNotFound, framework.OpDelete, &resp.Diagnostics)
	if !ok {
		return
	}
	held, _ := setStrings(state.AssignedFederationIDs)
	r.removeAssignments(ctx, org.Client, assignmentsOf(current, held), framework.OpDelete, &resp.Diagnostics)
}

// ImportState takes "<salesforce_org>/<permission set>" or "<salesforce_org>/psg:<permission set group>";
// the org may be left out when one is configured.
func (r *permissionSetBindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	alias, name, found := strings.Cut(req.ID, "/")
	if !found {
		alias, name = "", req.ID
	}
	group, isGroup := strings.CutPrefix(name, psgPrefix)
	if name == "" || group == "" || strings.Contains(name, "/") {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%q is not <salesforce_org>/<permission set> or <salesforce_org>/psg:<permission set group>, for example prod/Sales_Cloud_User.", req.ID))
		return
	}
	org := r.Org(alias, &resp.Diagnostics)
	if org == nil {
		return
	}
	alias = org.Alias
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, framework.OrgAttribute, alias)...)
	if isGroup {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("permission_set_group"), group)...)
	} else {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("permission_set"), name)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("federation_id_attribute"), "login")...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), alias+"/"+name)...)
}

// apply converges on the plan and saves what Salesforce holds afterwards.
func (r *permissionSetBindingResource) apply(ctx context.Context, plan tfsdk.Plan, st *tfsdk.State, op framework.Op, diags *diag.Diagnostics) {
	m, ok := framework.Get[bindingModel](ctx, plan, diags)
	if !ok {
		return
	}
	r.converge(ctx, &m, op, diags)
	if m.AssignedFederationIDs.IsUnknown() { // nothing was read: keep no state
		return
	}
	diags.Append(st.Set(ctx, &m)...)
}

// converge makes Salesforce hold the planned assignments and leaves in m what it holds afterwards: a
// record Salesforce refuses is reported with its Federation ID while the others are applied and saved.
func (r *permissionSetBindingResource) converge(ctx context.Context, m *bindingModel, op framework.Op, diags *diag.Diagnostics) {
	desired, known := setStrings(m.AssignedFederationIDs)
	m.AssignedFederationIDs = types.SetUnknown(types.StringType)
	org := r.Org(m.SalesforceOrg.ValueString(), diags)
	if org == nil {
		return
	}
	target, err := lookupTarget(ctx, org, m)
	if err != nil {
		targetDiag(diags, m, err)
		return
	}
	m.ID = types.StringValue(bindingID(m))
	if !known { // group IDs were unknown at plan time
		if r.Okta(diags) == nil {
			return
		}
		if desired, known = desiredFederationIDs(ctx, r.Clients(), m, diags); !known {
			return
		}
	}
	ready, waiting, ok := assignable(ctx, org, m, desired, diags)
	if !ok {
		return
	}
	current, err := org.Client.ListFederatedAssignments(ctx, target)
	if err != nil {
		diags.AddError(r.Summary(op), fmt.Sprintf("Reading the assignments of %s: %s", m.ID.ValueString(), err))
		return
	}
	add, _ := diffSets(ready, assignedIDs(current))
	_, remove := diffSets(desired, assignedIDs(current))
	held := map[string]bool{}
	for _, a := range current {
		held[a.FederationID] = true
	}
	for fid := range r.removeAssignments(ctx, org.Client, assignmentsOf(current, remove), op, diags) {
		delete(held, fid)
	}
	for _, fid := range addAssignments(ctx, org, target, add, diags) {
		held[fid] = true
	}
	for _, fid := range waiting { // members without a user yet count as bound: nothing to do until they have one
		held[fid] = true
	}
	m.AssignedFederationIDs = framework.StringSet(keys(held))
}

// addAssignments assigns target to the users of fids in Collections calls and returns the Federation
// IDs that hold it afterwards; every failure is an error naming its Federation ID.
func addAssignments(ctx context.Context, org *conns.Org, target salesforce.AssignmentTarget, fids []string, diags *diag.Diagnostics) []string {
	if len(fids) == 0 {
		return nil
	}
	users, err := usersByFederationID(ctx, org, fids)
	if err != nil {
		diags.AddError(framework.Summary("Assign", "Permission Set"), fmt.Sprintf("Looking up the users of %d Federation IDs: %s", len(fids), err))
		return nil
	}
	var ids, forIDs []string
	for _, fid := range fids {
		u, ok := users[fid]
		if !ok || !u.IsActive {
			diags.AddError(framework.Summary("Assign", "Permission Set"), fmt.Sprintf("Federation ID %q: Salesforce has no active user with it any more.", fid))
			continue
		}
		ids, forIDs = append(ids, u.ID), append(forIDs, fid)
	}
	res, err := org.Client.AddAssignments(ctx, target, ids)
	if err != nil {
		diags.AddError(framework.Summary("Assign", "Permission Set"), fmt.Sprintf("Assigning %s to %d users: %s", target, len(ids), err))
	}
	var done []string
	for i, rr := range res {
		if i >= len(forIDs) {
			break
		}
		if err := rr.Err(); err != nil && !errors.Is(err, salesforce.ErrDuplicate) {
			diags.AddError(framework.Summary("Assign", "Permission Set"),
				fmt.Sprintf("Federation ID %q (user %s): %s. The other assignments were made; the next plan shows this one again.", forIDs[i], ids[i], err))
			continue
		}
		done = append(done, forIDs[i])
	}
	return done
}

// removeAssignments deletes the assignments and returns the Federation IDs that no longer hold them.
func (r *permissionSetBindingResource) removeAssignments(ctx context.Context, sf *salesforce.Client, as []salesforce.Assignment, op framework.Op, diags *diag.Diagnostics) map[string]bool {
	gone := map[string]bool{}
	if len(as) == 0 {
		return gone
	}
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	res, err := sf.RemoveAssignments(ctx, ids)
	if err != nil {
		diags.AddError(r.Summary(op), fmt.Sprintf("Removing %d assignments: %s", len(ids), err))
	}
	for i, rr := range res {
		if i >= len(as) {
			break
		}
		if err := rr.Err(); err != nil && !errors.Is(err, salesforce.ErrNotFound) {
			diags.AddError(framework.Summary("Remove", "Permission Set Assignment"),
				fmt.Sprintf("Federation ID %q (assignment %s): %s", as[i].FederationID, as[i].ID, err))
			continue
		}
		gone[as[i].FederationID] = true
	}
	return gone
}

// heldAssignments returns the federated assignments of the permission set or group m binds. When the
// look-up of the set fails with an error gone accepts, gone is true and nothing is reported.
func (r *permissionSetBindingResource) heldAssignments(ctx context.Context, org *conns.Org, m *bindingModel, isGone func(error) bool,
	op framework.Op, diags *diag.Diagnostics) (current []salesforce.Assignment, gone, ok bool) {
	target, err := lookupTarget(ctx, org, m)
	if err != nil && isGone(err) {
		return nil, true, false
	}
	if err != nil {
		targetDiag(diags, m, err)
		return nil, false, false
	}
	if current, err = org.Client.ListFederatedAssignments(ctx, target); err != nil {
		diags.AddError(r.Summary(op), fmt.Sprintf("Reading the assignments of %s: %s", bindingID(m), err))
		return nil, false, false
	}
	return current, false, true
}

// isNameNotFound: the org has no permission set (or group) of that name any more.
func isNameNotFound(err error) bool {
	var nf *salesforce.NameNotFoundError
	return errors.As(err, &nf)
}

// isNotFound: the permission set (or group) is not there, whichever read found it missing.
func isNotFound(err error) bool { return errors.Is(err, salesforce.ErrNotFound) }

// lookupTarget finds the permission set or group the binding names.
func lookupTarget(ctx context.Context, org *conns.Org, m *bindingModel) (salesforce.AssignmentTarget, error) {
	if !m.PermissionSetGroup.IsNull() {
		g, err := findPermissionSetGroup(ctx, org, m.PermissionSetGroup.ValueString())
		if err != nil {
			return salesforce.AssignmentTarget{}, err
		}
		return salesforce.AssignmentTarget{PermissionSetGroupID: g.ID}, nil
	}
	ps, err := findPermissionSet(ctx, org, m.PermissionSet.ValueString())
	if err != nil {
		return salesforce.AssignmentTarget{}, err
	}
	return salesforce.AssignmentTarget{PermissionSetID: ps.ID}, nil
}
