package provisioning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	_ resource.Resource                = (*userProvisioningResource)(nil)
	_ resource.ResourceWithConfigure   = (*userProvisioningResource)(nil)
	_ resource.ResourceWithImportState = (*userProvisioningResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*userProvisioningResource)(nil)
)

// Transports users are written through.
const (
	transportREST = "rest"
	transportSCIM = "scim"
)

// What destroy does with the managed users: leave them, or deactivate them (never delete: Salesforce cannot).
const (
	onDestroyKeep       = "keep"
	onDestroyDeactivate = "deactivate"
)

// NewUserProvisioningResource returns the oktasf_user_provisioning resource.
func NewUserProvisioningResource() resource.Resource {
	return &userProvisioningResource{ResourceWithConfigure: framework.NewResourceWithConfigure("user_provisioning", "User Provisioning")}
}

type userProvisioningResource struct {
	framework.ResourceWithConfigure
}

func (r *userProvisioningResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	flag := func(desc string, def bool) schema.BoolAttribute {
		return schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(def), MarkdownDescription: desc}
	}
	pending := func(what string) schema.SetAttribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, CustomType: framework.StringSetType{},
			MarkdownDescription: "Federation IDs of the users the next apply " +
				what + ". Refresh fills it from both sides; a plan that changes anything shows it as known after apply, and after apply it " +
				"holds what reading the users back finds: empty when everything converged, else the users still to change (as the next plan shows)."}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Provisions the Salesforce users of an Okta app with Okta as the system of record: every user assigned to the app " +
			"(directly or through an `oktasf_group_mapping`) has an active Salesforce user with the mapped attributes, the profile and role " +
			"of the app user's highest-priority group, and a Federation ID; users who leave the app or are deactivated in Okta are deactivated " +
			"in Salesforce, and a returning user gets the same Salesforce user back. Users are matched by Federation ID (case-insensitively). " +
			"A managed user whose Federation ID was cleared in Salesforce is found under its username and given its Federation ID back " +
			"(an update in `pending_update`); a user outside `synced` that holds a new user's username is reported with the fixes. " +
			"Every apply reconciles; the plan lists the pending changes in `pending_*` and warns with their counts. Salesforce users are never " +
			"deleted; what destroying this resource does with the users it manages is `on_destroy`.\n\n" +
			"A plan reads what changed, not every user again: beside what it read (the app's users and the federated Salesforce users), " +
			"the resource keeps change markers in its private state — the app's group assignments, each assigned group's " +
			"`lastMembershipUpdated` and members, the time of the last Okta search for changed users (the `okta.users.read` scope) and of the " +
			"last read of the app's assignment events in the System Log (`okta.logs.read`; without it every plan lists the app's users), " +
			"and Salesforce's count and latest `SystemModstamp` of users — and re-reads only the users a marker says moved, one by one, or " +
			"all of them when many did. A change of the app's group assignments or of the mapped attributes, and a last full read seven days " +
			"old, read everything again; so does every read within five minutes of a change of the app's group assignments, which Okta " +
			"brings to the app's users in the background, until a refresh or an apply saves a read made after that.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<salesforce_org>/<app_id>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org. Optional when exactly one org is configured.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()}},
			"app_id": schema.StringAttribute{Required: true, MarkdownDescription: "The Okta app ID (`0oa…`), for example `oktasf_saml_app.x.id`.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"create_users":     flag("Create Salesforce users for app users who have none. Default `true`.", true),
			"update_users":     flag("Update mapped attributes, profile and role when they differ from Okta. Default `true`.", true),
			"deactivate_users": flag("Deactivate the Salesforce users of people who left the app or were deactivated in Okta. Default `true`.", true),
			"reactivate_users": flag("Reactivate the Salesforce user of a returning app user. Default `true`.", true),
			"adopt_existing": flag("Match app users without a Salesforce user of their Federation ID to an existing user without a Federation ID, "+
				"by username and then by email, and set its Federation ID instead of creating a user. Default `false`.", false),
			"attributes": schema.MapAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "Salesforce User field → Okta expression: `user.<attribute>` (the Okta user profile), `appuser.<attribute>` " +
					"(the app-user profile) or a quoted string such as `\"'Sales'\"`. `LastName`, `Email` and `Alias` must be mapped; " +
					"`TimeZoneSidKey`, `LocaleSidKey`, `LanguageLocaleKey` and `EmailEncodingKey` default to `America/Los_Angeles`, `en_US`, " +
					"`en_US` and `UTF-8`. Fields, picklist values and required fields are checked against the org at plan. `Alias` is cut to 8 characters.\n\n" +
					"Custom fields (`Cost_Center__c`) are mapped like standard ones. At plan a `user.<attribute>` mapping is checked against the Okta " +
					"user schema and the field's type: string → text, text area, email, phone, URL, picklist or date; boolean → checkbox; integer " +
					"or number → number, currency or percent; array → multi-select picklist (its values joined with `;`). An unknown attribute or " +
					"an incompatible type is an error. Plan also checks the values of the users it will write (length, restricted picklists, " +
					"number range, dates) and warns, per field, how many users Salesforce would refuse, naming the first Federation IDs; apply " +
					"skips those users and reports them, and writes the others."},
			"username": schema.SingleNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: "How the Salesforce username of a new user is made: the Okta user attribute `source` (default `login`) " +
					"followed by `suffix` (for example `.qa`, as usernames are unique across all Salesforce orgs). Set on create only.",
				Default: objectdefault.StaticValue(defaultUsername),
				Attributes: map[string]schema.Attribute{
					"source": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("login"),
						MarkdownDescription: "The Okta user attribute. Default `login`.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
					"suffix": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
						MarkdownDescription: "Appended to the attribute's value. Default none."},
				}},
			"federation_id_source": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("login"),
				MarkdownDescription: "The Okta user attribute the Federation ID comes from. Default `login`, which matches the app's default NameID `user.login`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"default_profile": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The Salesforce profile name for app users whose app-user profile names none.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"transport": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(transportREST),
				MarkdownDescription: "`rest` (sObject Collections: up to 200 users in one call, more as Composite requests of up to five calls, 1,000 users a request; default) or `scim` (`/services/scim/v2/Users`).",
				Validators:          []validator.String{stringvalidator.OneOf(transportREST, transportSCIM)}},
			"on_destroy": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(onDestroyKeep),
				MarkdownDescription: "What destroying this resource does with the Salesforce users it manages (those in `synced`): `keep` " +
					"(default) leaves them as they are, active with their Federation ID, so that another resource or an admin can take them over; " +
					"`deactivate` deactivates every active one, as if all had left the app. Users are never deleted, and users this resource " +
					"does not manage are never touched. Set it (and apply) before destroying: destroy uses the value in state. A replacement " +
					"(a new `app_id` or `salesforce_org`) destroys too: with `deactivate` its users are deactivated first and the new resource reactivates those still assigned.",
				Validators: []validator.String{stringvalidator.OneOf(onDestroyKeep, onDestroyDeactivate)}},
			"group_mappings": schema.SetNestedAttribute{Optional: true,
				MarkdownDescription: "The app's `oktasf_group_mapping` resources, for example `[oktasf_group_mapping.sales, oktasf_group_mapping.admins]` " +
					"(only their `group_id`, `profile` and `role` are used). Referencing them orders this resource after them, and lets the plan see " +
					"what they are about to change in Okta: when a mapping is created, re-created or given a new profile or role, the plan leaves " +
					"`pending_*` to apply (which reads Okta after the mappings), so that one apply provisions the new profile and role; a mapping removed " +
					"from the list has its members (unless another group of the app holds them) deactivated in the same apply. Without it, changes " +
					"of the mappings reach Salesforce on the apply after theirs.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					// Optional, not Required: a referenced mapping being created is wholly unknown at validation.
					"group_id": schema.StringAttribute{Optional: true, MarkdownDescription: "The Okta group ID. Required."},
					"profile":  schema.StringAttribute{Optional: true, MarkdownDescription: "The mapping's Salesforce profile."},
					"role":     schema.StringAttribute{Optional: true, MarkdownDescription: "The mapping's Salesforce role."},
				}}},
			"pending_create": pending("creates"),
			"pending_update": schema.MapAttribute{Computed: true, ElementType: types.SetType{ElemType: types.StringType},
				MarkdownDescription: "Federation ID → the Salesforce User fields the next apply updates for that user (mapped attributes, " +
					"`ProfileId`, `UserRoleId`, or `FederationIdentifier` when an existing user is adopted). Filled like the other `pending_*`."},
			"pending_deactivate": pending("deactivates"),
			"pending_reactivate": pending("reactivates"),
			"synced": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Lower-cased Federation ID → short hash of the user's provisioned fields in Salesforce, for every user this " +
					"resource manages (including deactivated ones). Only managed users are ever deactivated. A plan that creates no user (of a resource that exists already) keeps the " +
					"entries of the users it does not write (they do not churn) and leaves only the written users' hashes to apply."},
		},
	}
}

func (r *userProvisioningResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, nil, &resp.State, resp.Private, framework.OpCreate, &resp.Diagnostics)
}

func (r *userProvisioningResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, &req.State, &resp.State, resp.Private, framework.OpUpdate, &resp.Diagnostics)
}

// Read recomputes what the next apply would change and what Salesforce holds for the managed users.
func (r *userProvisioningResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := framework.Get[userProvisioningModel](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	fillDefaults(&state)
	e := r.engine(state, &resp.Diagnostics)
	if e == nil {
		return
	}
	s, d := settingsOf(ctx, state)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior, d := loadSnapshot(ctx, req.Private)
	resp.Diagnostics.Append(d...)
	out, snap, err := e.plan(ctx, s, managedKeys(state.Synced), prior)
	if errors.Is(err, okta.ErrNotFound) {
		tflog.Debug(ctx, "the Okta app is gone; removing user provisioning from state", map[string]any{"app_id": s.AppID})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), err.Error())
		return
	}
	setOutcome(&state, out)
	resp.Diagnostics.Append(saveSnapshot(ctx, resp.Private, snap)...)
	if raw, d := req.Private.GetKey(ctx, importGroupMappingsKey); len(raw) > 0 && !d.HasError() {
		var groups []string
		if err := json.Unmarshal(raw, &groups); err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpRead), "the group_mappings of the import: "+err.Error())
			return
		}
		if state.GroupMappings, err = e.importedGroupMappings(ctx, s.AppID, groups); err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpRead), err.Error())
			return
		}
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importGroupMappingsKey, nil)...)
	}
	if mappings, known, _ := groupMappingsOf(ctx, state.GroupMappings); known && len(mappings) > 0 {
		changes, err := e.mappingChanges(ctx, s.AppID, mappings)
		if err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpRead), err.Error())
			return
		}
		if len(changes) > 0 { // the mappings will put Okta back before provisioning applies: what is pending is not known yet
			tflog.Debug(ctx, "Okta's group assignments differ from the group mappings; pending changes are left unknown", map[string]any{"changes": changes})
			nullPending(&state)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete deactivates the managed users when on_destroy says so; Salesforce users are never deleted.
func (r *userProvisioningResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ok := framework.Get[userProvisioningModel](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	fillDefaults(&state)
	if state.OnDestroy.ValueString() != onDestroyDeactivate {
		tflog.Info(ctx, "user provisioning removed from state; Salesforce users are left as they are (on_destroy = keep)")
		return
	}
	e := r.engine(state, &resp.Diagnostics)
	s, d := settingsOf(ctx, state)
	resp.Diagnostics.Append(d...)
	if e == nil || resp.Diagnostics.HasError() {
		return
	}
	failures, err := e.deactivateManaged(ctx, s, managedKeys(state.Synced))
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpDelete), err.Error())
	}
	addFailures(&resp.Diagnostics, failures, false, "The resource stays in state; destroy again to retry, or set on_destroy = \"keep\".")
}

// importGroupMappingsKey is the private state of an import whose ID names group_mappings: the group IDs (or
// "*"), whose profiles and roles the first Read takes from Okta's group assignments.
const importGroupMappingsKey = "import_group_mappings"

// ImportState takes "<salesforce_org>/<app_id>" or "<salesforce_org>/<app_id>/<settings>". What lives only in
// configuration cannot be read back, so settings carries it as a URL query string: attributes.<Field>=<expr>,
// username.source, username.suffix, create_users, update_users, deactivate_users, reactivate_users,
// adopt_existing, federation_id_source, default_profile, transport, on_destroy, and group_mappings=<group ID>,…
// (or * for every group assigned to the app), whose profiles and roles are read from Okta. What settings omits
// takes the schema's default (attributes none, group_mappings unset).
func (r *userProvisioningResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.SplitN(req.ID, "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not <salesforce_org>/<app_id> or <salesforce_org>/<app_id>/<settings>, for example qa/0oa1b2c3.", req.ID))
		return
	}
	org, appID := parts[0], parts[1]
	set := func(name string, v any) { resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...) }
	set("salesforce_org", org)
	set("app_id", appID)
	set("id", org+"/"+appID)
	set("attributes", map[string]string{})
	if len(parts) < 3 {
		return
	}
	is, err := parseImportSettings(parts[2])
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q: the settings after <salesforce_org>/<app_id>/ %s.", req.ID, err))
		return
	}
	set("attributes", is.attributes)
	for name, v := range is.values {
		set(name, v)
	}
	if is.username != nil {
		set("username", *is.username)
	}
	if is.groups != nil {
		b, _ := json.Marshal(is.groups)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importGroupMappingsKey, b)...)
	}
}

// apply runs one reconciliation for the plan, the users in prior's synced (none on create) managed already,
// and saves what reading the users back found: pending_* are the changes still to make (none when
// everything converged), synced the managed users.
func (r *userProvisioningResource) apply(ctx context.Context, plan tfsdk.Plan, prior *tfsdk.State, st *tfsdk.State, private privateState, op framework.Op, diags *diag.Diagnostics) {
	m, ok := framework.Get[userProvisioningModel](ctx, plan, diags)
	managed := map[string]bool{}
	var removed []string
	if prior != nil {
		state, read := framework.Get[userProvisioningModel](ctx, *prior, diags)
		ok, managed = ok && read, managedKeys(state.Synced)
		removed = removedGroups(ctx, state.GroupMappings, m.GroupMappings)
	}
	if !ok {
		return
	}
	last, d := loadSnapshot(ctx, private) // the state's (on create none): the plan of this run built on it
	diags.Append(d...)
	snap := r.applyModel(ctx, &m, managed, removed, last, op, diags)
	diags.Append(st.Set(ctx, &m)...)
	diags.Append(saveSnapshot(ctx, private, snap)...)
}

// applyModel runs one reconciliation for m and records in it what reading the users back found; it returns
// the snapshot of that read (nil when there is none to build on).
func (r *userProvisioningResource) applyModel(ctx context.Context, m *userProvisioningModel, managed map[string]bool, removed []string, prior *snapshot,
	op framework.Op, diags *diag.Diagnostics) (snap *snapshot) {
	summary := r.Summary(op)
	planned := m.Synced // known keys when the plan promised them user by user
	defer func() {
		if !planned.IsUnknown() && !planned.IsNull() {
			read := m.Synced
			if read.IsUnknown() {
				read = types.MapNull(types.StringType)
			}
			m.Synced = keepPlannedSynced(planned, read)
		}
		settleOutcome(m, managed)
	}()
	e := r.engine(*m, diags)
	if e == nil {
		return
	}
	s, d := settingsOf(ctx, *m)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	m.ID = types.StringValue(m.SalesforceOrg.ValueString() + "/" + s.AppID)
	s.RemovedGroups = removed
	after, snap, failures, err := e.apply(ctx, s, managed, prior)
	if err != nil {
		snap = nil // a failed run may have written without reading back: the next read is a full one
	}
	if after.Managed != nil { // else nothing was read: settleOutcome keeps what was managed
		setOutcome(m, after)
	}
	if err != nil {
		diags.AddError(summary, err.Error())
	}
	// An error on create would taint the resource, and its replacement would start with an empty synced and so
	// forget whom to deactivate: what succeeded is saved and the failures are warnings; pending_* lists them.
	addFailures(diags, failures, op == framework.OpCreate, "The other users were provisioned; the next plan shows these users again.")
	return snap
}

// engine resolves the clients for m.
func (r *userProvisioningResource) engine(m userProvisioningModel, diags *diag.Diagnostics) *engine {
	if r.Okta(diags) == nil {
		return nil
	}
	org := r.Org(m.SalesforceOrg.ValueString(), diags)
	if org == nil {
		return nil
	}
	return newEngine(r.Clients(), org, m.Transport.ValueString())
}

func titleKind(kind string) string {
	if kind == "" {
		return "Provision"
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}
