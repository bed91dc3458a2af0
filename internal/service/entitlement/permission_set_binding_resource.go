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
	resp.Schema = bindingSchema()
}

// bindingSchema is the schema of version 1: assigned_federation_ids is a sorted list (version 0 held a set, see
// UpgradeState).
func bindingSchema() schema.Schema {
	target := []validator.String{stringvalidator.LengthAtLeast(1),
		stringvalidator.ExactlyOneOf(path.MatchRoot("permission_set"), path.MatchRoot("permission_set_group"))}
	return schema.Schema{
		Version: 1,
		MarkdownDescription: "Binds a Salesforce permission set or permission set group to Okta groups: the permission set's assignments " +
			"among federated users (Salesforce users with a Federation ID) are kept equal to the members of the groups that have an " +
			"active Salesforce user. Missing assignments are added, those of users who left the groups removed; users without a " +
			"Federation ID (integration users) are never touched. The plan lists each Federation ID added or removed, and apply removes " +
			"what the plan listed even when the user is deactivated in the same apply (Salesforce keeps a deactivated user's assignments).\n\n" +
			"When `oktasf_user_provisioning` in the same configuration creates the members' Salesforce users, make the binding depend " +
			"on it (`depends_on = [oktasf_user_provisioning.<name>]`): then one apply creates the users and assigns them. Without it " +
			"Terraform may apply the binding first, and the users provisioning creates get the permission set at the next apply.\n\n" +
			"Destroy removes only the assignments the binding created (it records them in its state); assignments that existed before " +
			"the binding (adopted) stay, and so do those an imported binding found. When Salesforce refuses some assignments " +
			"during create, the others are made and saved, the refusals are reported as warnings, and the next plan shows only them.\n\n" +
			"A plan reads what changed, not every member again: beside what it read, the binding keeps change markers in its private " +
			"state — each group's `lastMembershipUpdated` and members, the time of the last Okta search for changed users (which needs " +
			"the `okta.users.read` scope), and Salesforce's count and latest `SystemModstamp` of users and of the permission set's " +
			"assignments — and re-reads only what a marker says moved. A change of `group_ids`, `federation_id_attribute` or the " +
			"permission set, and a last full read seven days old, read everything again. After writing assignments, a binding waits " +
			"about two seconds before it lists them with their marker (Salesforce stamps changes to the second).",
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
				MarkdownDescription: "The Okta group IDs (`00g…`) whose members get the permission set.",
				Validators:          []validator.Set{setvalidator.ValueStringsAre(oktaGroupIDValidator())}},
			"federation_id_attribute": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("login"),
				MarkdownDescription: "The Okta user attribute that equals the Salesforce Federation ID: `login` (default) or a profile attribute such as `email`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"assigned_federation_ids": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The Federation IDs of the active federated users that hold the permission set, as read from Salesforce, " +
					"sorted (a list rather than a set: Terraform and its plugin libraries compare sets element by element against each other, " +
					"which costs minutes at tens of thousands of users). " +
					"Group members without an active Salesforce user are not listed: they wait, without a diff, until their user exists. " +
					"A plan shows the members that have one; when some member has none yet and the binding changes, the value is known " +
					"after apply, as provisioning may create the user in the same apply."},
		},
	}
}

func (r *permissionSetBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, nil, &resp.State, resp.Private, framework.OpCreate, &resp.Diagnostics)
}

func (r *permissionSetBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, &req.State, &resp.State, resp.Private, framework.OpUpdate, &resp.Diagnostics)
}

func (r *permissionSetBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, org, ok := framework.OpenOrg[bindingModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	held, gone, ok := r.readHolders(ctx, org, &state, req.Private, resp.Private, &resp.Diagnostics)
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
	state.AssignedFederationIDs = framework.SortedStrings(held)
	state.ID = types.StringValue(bindingID(&state))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the assignments the binding created; those it adopted (held before the binding) stay.
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
	created, recorded, diags := loadCreated(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if !recorded {
		if held, _ := setStrings(state.AssignedFederationIDs); len(assignmentsOf(current, held)) > 0 {
			resp.Diagnostics.AddWarning("Permission Set Assignments Left in Place",
				fmt.Sprintf("%s has no record of the assignments it created (it was created by an earlier version of the provider), "+
					"so its %d assignments stay in Salesforce. Remove those that should go in Salesforce.", bindingID(&state), len(assignmentsOf(current, held))))
		}
		return
	}
	r.removeAssignments(ctx, org.Client, createdAmong(current, created), framework.OpDelete, &resp.Diagnostics)
}

// ImportState takes "<salesforce_org>/<permission set>" or "<salesforce_org>/psg:<permission set group>" (the
// org may be left out when one is configured), and after them the group IDs, comma-separated, and the
// Federation ID attribute when it is not login: Salesforce does not hold them, and without them the plan
// after import would not be empty.
func (r *permissionSetBindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, "/")
	if len(parts) == 1 {
		parts = append([]string{""}, parts...)
	}
	alias, name := parts[0], parts[1]
	group, isGroup := strings.CutPrefix(name, psgPrefix)
	var groupIDs []string
	if len(parts) > 2 {
		groupIDs = strings.Split(parts[2], ",")
	}
	attribute := "login"
	if len(parts) > 3 {
		attribute = parts[3]
	}
	valid := name != "" && group != "" && len(parts) <= 4 && attribute != "" && (len(parts) < 3 || alias != "")
	for _, gid := range groupIDs {
		valid = valid && oktaGroupIDPattern.MatchString(gid)
	}
	if !valid {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%q is not <salesforce_org>/<permission set> or <salesforce_org>/psg:<permission set group>, optionally followed by "+
				"/<group ID>,<group ID>… and /<federation_id_attribute>, for example prod/Sales_Cloud_User/00g1emaKYZTWRYYRRTSK.", req.ID))
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
	if groupIDs != nil {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("group_ids"), framework.StringSet(groupIDs))...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("federation_id_attribute"), attribute)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), alias+"/"+name)...)
	resp.Diagnostics.Append(saveCreated(ctx, resp.Private, map[string]bool{})...) // what it finds it adopts
}

// apply converges on the plan and saves what Salesforce holds afterwards, and in the private state which
// assignments the binding created. prior is the state before an update (nil on create).
func (r *permissionSetBindingResource) apply(ctx context.Context, plan tfsdk.Plan, prior *tfsdk.State, st *tfsdk.State, private privateState,
	op framework.Op, diags *diag.Diagnostics) {
	m, ok := framework.Get[bindingModel](ctx, plan, diags)
	if !ok {
		return
	}
	var planned []string // what the plan removes is taken from the state before it
	if prior != nil {
		before, ok := framework.Get[bindingModel](ctx, *prior, diags)
		if !ok {
			return
		}
		planned, _ = setStrings(before.AssignedFederationIDs)
	}
	created, recorded, d := loadCreated(ctx, private)
	diags.Append(d...)
	planValue := m.AssignedFederationIDs
	var records diag.Diagnostics // failures of single records
	read := r.converge(ctx, &m, planned, created, op, diags, &records)
	if m.AssignedFederationIDs.IsUnknown() { // nothing was read: keep no state
		diags.Append(records...)
		return
	}
	if op == framework.OpCreate && records.HasError() {
		// A create that fails taints the binding, and a create that succeeds must return the planned value
		// when the plan knew it: save that with the failures as warnings; the next refresh reads what
		// Salesforce holds, and the next plan shows the failed records again.
		for _, e := range records {
			diags.AddWarning(e.Summary(), e.Detail())
		}
		if !planValue.IsUnknown() {
			m.AssignedFederationIDs = planValue
		}
	} else {
		diags.Append(records...)
	}
	diags.Append(st.Set(ctx, &m)...)
	diags.Append(saveMarkers(ctx, private, read)...)
	if recorded || op == framework.OpCreate { // a binding without a record keeps none, so that destroy says so
		diags.Append(saveCreated(ctx, private, created)...)
	}
}

// converge makes Salesforce hold the planned assignments and leaves in m what it holds afterwards: a
// record Salesforce refuses is reported in records with its Federation ID while the others are applied
// and saved. before is what the binding held before (the removals the plan listed are before minus the
// plan); created, the IDs of the assignments the binding made, is kept current.
func (r *permissionSetBindingResource) converge(ctx context.Context, m *bindingModel, before []string, created map[string]bool, op framework.Op,
	diags, records *diag.Diagnostics) (rec *bindingMarkers) {
	m.AssignedFederationIDs = types.ListUnknown(types.StringType)
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
	// The groups are read again: the plan holds what was assignable then, and provisioning may have created
	// users since (in this apply).
	if r.Okta(diags) == nil {
		return
	}
	s := syncer{c: r.Clients(), org: org, m: m, target: target}
	view, read, ok := s.sync(ctx, nil, false, diags) // a full read, its markers read before it
	if !ok {
		return nil
	}
	desired, ready := view.desired, view.ready
	snap, err := org.Client.FederatedAssignmentsSnapshot(ctx, target, assignmentCommitAllowance)
	current := snap.Assignments
	if err != nil {
		diags.AddError(r.Summary(op), fmt.Sprintf("Reading the assignments of %s: %s", m.ID.ValueString(), err))
		return
	}
	add, _ := diffSets(ready, assignedIDs(current))
	_, remove := diffSets(desired, assignedIDs(current))
	toRemove := assignmentsOf(current, remove)
	// A removal the plan listed whose user was deactivated since (by provisioning in the same apply) is
	// not among the active users' assignments: look it up, so that apply removes what plan showed.
	_, listed := diffSets(desired, before)
	if gone, _ := diffSets(listed, assignedIDs(current)); len(gone) > 0 {
		inactive, err := inactiveAssignments(ctx, org, target, gone)
		if err != nil {
			diags.AddError(r.Summary(op), fmt.Sprintf("Reading the assignments of deactivated users of %s: %s", m.ID.ValueString(), err))
			return
		}
		toRemove = append(toRemove, inactive...)
	}
	held, own := map[string]bool{}, map[string]bool{}
	for _, a := range current {
		held[a.FederationID] = true
		if created[a.ID] {
			own[a.ID] = true
		}
	}
	removed := r.removeAssignments(ctx, org.Client, toRemove, op, records)
	for _, a := range toRemove {
		if removed[a.FederationID] {
			delete(held, a.FederationID)
			delete(own, a.ID)
		}
	}
	done, ids := addAssignments(ctx, org, target, add, records)
	for i, fid := range done {
		held[fid] = true
		if ids[i] != "" {
			own[ids[i]] = true
		}
	}
	clear(created)
	for id := range own {
		created[id] = true
	}
	// The holders read before are still current when nothing was written; writes moved the target's marker,
	// so the holders are listed again (with the marker), and the next plan need not.
	if len(removed) == 0 && len(done) == 0 {
		read.setHolders(snap)
	} else {
		s.relistHolders(ctx, read)
	}
	m.AssignedFederationIDs = framework.SortedStrings(keys(held))
	return read
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
