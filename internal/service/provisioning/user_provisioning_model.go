package provisioning

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

// userProvisioningModel is the data of oktasf_user_provisioning.
type userProvisioningModel struct {
	ID                 types.String             `tfsdk:"id"`
	SalesforceOrg      types.String             `tfsdk:"salesforce_org"`
	AppID              types.String             `tfsdk:"app_id"`
	CreateUsers        types.Bool               `tfsdk:"create_users"`
	UpdateUsers        types.Bool               `tfsdk:"update_users"`
	DeactivateUsers    types.Bool               `tfsdk:"deactivate_users"`
	ReactivateUsers    types.Bool               `tfsdk:"reactivate_users"`
	AdoptExisting      types.Bool               `tfsdk:"adopt_existing"`
	Attributes         types.Map                `tfsdk:"attributes"`
	Username           types.Object             `tfsdk:"username"`
	FederationIDSource types.String             `tfsdk:"federation_id_source"`
	DefaultProfile     types.String             `tfsdk:"default_profile"`
	Transport          types.String             `tfsdk:"transport"`
	OnDestroy          types.String             `tfsdk:"on_destroy"`
	GroupMappings      types.Set                `tfsdk:"group_mappings"`
	PendingCreate      framework.StringSetValue `tfsdk:"pending_create"`
	PendingUpdate      types.Map                `tfsdk:"pending_update"`
	PendingDeactivate  framework.StringSetValue `tfsdk:"pending_deactivate"`
	PendingReactivate  framework.StringSetValue `tfsdk:"pending_reactivate"`
	Synced             types.Map                `tfsdk:"synced"`
}

// usernameModel is the username attribute: how a new user's Salesforce username is made.
type usernameModel struct {
	Source types.String `tfsdk:"source"`
	Suffix types.String `tfsdk:"suffix"`
}

// defaultUsername is the schema's username, and what an imported state is given.
var defaultUsername = framework.ObjectValueMust(usernameModel{Source: types.StringValue("login"), Suffix: types.StringValue("")})

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
	if !m.Username.IsNull() && !m.Username.IsUnknown() {
		var u usernameModel
		diags.Append(m.Username.As(ctx, &u, basetypes.ObjectAsOptions{})...)
		if u.Source.ValueString() != "" {
			s.UsernameSource = u.Source.ValueString()
		}
		s.UsernameSuffix = u.Suffix.ValueString()
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
	if m.OnDestroy.IsNull() {
		m.OnDestroy = types.StringValue(onDestroyKeep)
	}
	if m.Username.IsNull() {
		m.Username = defaultUsername
	}
	if m.Attributes.IsNull() {
		m.Attributes = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
}

// setOutcome records the pending changes and the managed users.
func setOutcome(m *userProvisioningModel, out outcome) {
	create, _, deactivate, reactivate := out.pending()
	m.PendingCreate, m.PendingUpdate = framework.NewStringSetValue(create), updatedFields(out.Updates)
	m.PendingDeactivate, m.PendingReactivate = framework.NewStringSetValue(deactivate), framework.NewStringSetValue(reactivate)
	synced := make(map[string]attr.Value, len(out.Managed))
	for k, v := range out.Managed {
		synced[k] = types.StringValue(v)
	}
	m.Synced = types.MapValueMust(types.StringType, synced)
}

// pendingUpdateType is the type of pending_update: Federation ID → the fields written.
var pendingUpdateType = types.SetType{ElemType: types.StringType}

// updatedFields maps each update's Federation ID to the User fields it writes.
func updatedFields(updates []change) types.Map {
	elems := make(map[string]attr.Value, len(updates))
	for _, c := range updates {
		fields := make([]string, 0, len(c.Record))
		for f := range c.Record {
			if f != "Id" {
				fields = append(fields, f)
			}
		}
		sort.Strings(fields)
		elems[c.FederationID] = framework.StringSet(fields)
	}
	return types.MapValueMust(pendingUpdateType, elems)
}

// plannedSynced is synced as the plan can promise it: every managed user, with its hash known unless apply writes it.
func plannedSynced(out outcome) types.Map {
	written := map[string]bool{}
	for _, cs := range [][]change{out.Updates, out.Deactivates, out.Reactivates} {
		for _, c := range cs {
			written[strings.ToLower(c.FederationID)] = true
		}
	}
	elems := make(map[string]attr.Value, len(out.Managed))
	for k, v := range out.Managed {
		if written[k] {
			elems[k] = types.StringUnknown()
		} else {
			elems[k] = types.StringValue(v)
		}
	}
	return types.MapValueMust(types.StringType, elems)
}

// keepPlannedSynced makes what apply read back conform to a synced planned user by user: the planned keys,
// the planned hashes where known (refresh corrects one an admin changed meanwhile) and what was read for the
// others ("" when the user could not be found). A user managed only since the plan is found again by the next one.
func keepPlannedSynced(planned, read types.Map) types.Map {
	readElems := read.Elements()
	elems := make(map[string]attr.Value, len(planned.Elements()))
	for k, v := range planned.Elements() {
		switch r, ok := readElems[k]; {
		case !v.IsUnknown():
			elems[k] = v
		case ok && !r.IsUnknown() && !r.IsNull():
			elems[k] = r
		default:
			elems[k] = types.StringValue("")
		}
	}
	return types.MapValueMust(types.StringType, elems)
}

// unknownOutcome leaves what apply reads back to apply.
func unknownOutcome(m *userProvisioningModel) {
	for _, p := range []*framework.StringSetValue{&m.PendingCreate, &m.PendingDeactivate, &m.PendingReactivate} {
		*p = framework.NewStringSetUnknown()
	}
	m.PendingUpdate = types.MapUnknown(pendingUpdateType)
	m.Synced = types.MapUnknown(types.StringType)
}

// nullPending says that what is pending is not known (null), rather than claiming it.
func nullPending(m *userProvisioningModel) {
	for _, p := range []*framework.StringSetValue{&m.PendingCreate, &m.PendingDeactivate, &m.PendingReactivate} {
		*p = framework.NewStringSetNull()
	}
	m.PendingUpdate = types.MapNull(pendingUpdateType)
}

// settleOutcome replaces what apply could not read back: pending_* are null (not known) rather than claimed
// empty, and synced keeps the users managed before, so that none is forgotten.
func settleOutcome(m *userProvisioningModel, managed map[string]bool) {
	for _, p := range []*framework.StringSetValue{&m.PendingCreate, &m.PendingDeactivate, &m.PendingReactivate} {
		if p.IsUnknown() {
			*p = framework.NewStringSetNull()
		}
	}
	if m.PendingUpdate.IsUnknown() {
		m.PendingUpdate = types.MapNull(pendingUpdateType)
	}
	if m.Synced.IsUnknown() {
		m.Synced = keysToMap(managed)
	}
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
