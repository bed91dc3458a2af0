package entitlement

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
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
func NewPermissionSetBindingResource() resource.Resource { return &permissionSetBindingResource{} }

type permissionSetBindingResource struct{ clients *conns.Clients }

type bindingModel struct {
	ID                    types.String `tfsdk:"id"`
	SalesforceOrg         types.String `tfsdk:"salesforce_org"`
	PermissionSet         types.String `tfsdk:"permission_set"`
	PermissionSetGroup    types.String `tfsdk:"permission_set_group"`
	GroupIDs              types.Set    `tfsdk:"group_ids"`
	FederationIDAttribute types.String `tfsdk:"federation_id_attribute"`
	AssignedFederationIDs types.Set    `tfsdk:"assigned_federation_ids"`
}

func (r *permissionSetBindingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_permission_set_binding"
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

func (r *permissionSetBindingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.clients = conns.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks the names and plans assigned_federation_ids as the set the groups ask for.
func (r *permissionSetBindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.clients == nil {
		return
	}
	var plan, config bindingModel
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
	if plan.PermissionSet.IsUnknown() || plan.PermissionSetGroup.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	if _, err := lookupTarget(ctx, sf, &plan); err != nil {
		targetDiag(&resp.Diagnostics, &plan, err)
		return
	}
	plan.ID = types.StringValue(bindingID(&plan))
	oc := r.clients.OktaClient(&resp.Diagnostics)
	if oc == nil {
		return
	}
	if plan.GroupIDs.IsUnknown() || plan.FederationIDAttribute.IsUnknown() {
		plan.AssignedFederationIDs = types.SetUnknown(types.StringType)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	desired, ok := desiredFederationIDs(ctx, oc, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.AssignedFederationIDs = stringSet(desired)
	if !req.State.Raw.IsNull() {
		var state bindingModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if current, known := setStrings(state.AssignedFederationIDs); known {
			add, remove := diffSets(desired, current)
			if len(add)+len(remove) > 0 {
				resp.Diagnostics.AddWarning("Permission Set Assignments Will Change", changeSummary(plan.ID.ValueString(), add, remove, 5))
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *permissionSetBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan bindingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.converge(ctx, &plan, "Create", &resp.Diagnostics)
	if plan.AssignedFederationIDs.IsUnknown() { // nothing was read: keep no state
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *permissionSetBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan bindingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.converge(ctx, &plan, "Update", &resp.Diagnostics)
	if plan.AssignedFederationIDs.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *permissionSetBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state bindingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, sf := r.clients.OrgOf(state.SalesforceOrg, &resp.Diagnostics)
	if sf == nil {
		return
	}
	target, err := lookupTarget(ctx, sf, &state)
	var nf *salesforce.NameNotFoundError
	if errors.As(err, &nf) {
		tflog.Debug(ctx, "permission set is gone from Salesforce; removing the binding from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		targetDiag(&resp.Diagnostics, &state, err)
		return
	}
	current, err := sf.ListFederatedAssignments(ctx, target)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Permission Set Binding", fmt.Sprintf("Reading the assignments of %s: %s", bindingID(&state), err))
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
	if oc := r.clients.OktaClient(&resp.Diagnostics); oc != nil && !state.GroupIDs.IsUnknown() {
		desired, ok := desiredFederationIDs(ctx, oc, &state, &resp.Diagnostics)
		if !ok {
			return
		}
		_, waiting, ok := assignable(ctx, sf, &state, desired, &resp.Diagnostics)
		if !ok {
			return
		}
		for _, fid := range waiting {
			held[fid] = true
		}
	}
	state.AssignedFederationIDs = stringSet(keys(held))
	state.ID = types.StringValue(bindingID(&state))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the assignments the binding holds; assignments it never managed stay.
func (r *permissionSetBindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state bindingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, sf := r.clients.OrgOf(state.SalesforceOrg, &resp.Diagnostics)
	if sf == nil {
		return
	}
	target, err := lookupTarget(ctx, sf, &state)
	if errors.Is(err, salesforce.ErrNotFound) { // the permission set went, and its assignments with it
		return
	}
	if err != nil {
		targetDiag(&resp.Diagnostics, &state, err)
		return
	}
	current, err := sf.ListFederatedAssignments(ctx, target)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Delete Permission Set Binding", fmt.Sprintf("Reading the assignments of %s: %s", bindingID(&state), err))
		return
	}
	held, _ := setStrings(state.AssignedFederationIDs)
	keep := map[string]bool{}
	for _, fid := range held {
		keep[fid] = true
	}
	var remove []salesforce.Assignment
	for _, a := range current {
		if keep[a.FederationID] {
			remove = append(remove, a)
		}
	}
	removeAssignments(ctx, sf, remove, "Delete", &resp.Diagnostics)
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
	alias, sf := r.clients.ResolveOrg(alias, path.Root("salesforce_org"), &resp.Diagnostics)
	if sf == nil {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("salesforce_org"), alias)...)
	if isGroup {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("permission_set_group"), group)...)
	} else {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("permission_set"), name)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("federation_id_attribute"), "login")...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), alias+"/"+name)...)
}

func bindingID(m *bindingModel) string {
	if !m.PermissionSetGroup.IsNull() {
		return m.SalesforceOrg.ValueString() + "/" + psgPrefix + m.PermissionSetGroup.ValueString()
	}
	return m.SalesforceOrg.ValueString() + "/" + m.PermissionSet.ValueString()
}
