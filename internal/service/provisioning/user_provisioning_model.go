package provisioning

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

// userProvisioningModel is the data of oktasf_user_provisioning.
type userProvisioningModel struct {
	ID                 types.String `tfsdk:"id"`
	SalesforceOrg      types.String `tfsdk:"salesforce_org"`
	AppID              types.String `tfsdk:"app_id"`
	CreateUsers        types.Bool   `tfsdk:"create_users"`
	UpdateUsers        types.Bool   `tfsdk:"update_users"`
	DeactivateUsers    types.Bool   `tfsdk:"deactivate_users"`
	ReactivateUsers    types.Bool   `tfsdk:"reactivate_users"`
	AdoptExisting      types.Bool   `tfsdk:"adopt_existing"`
	Attributes         types.Map    `tfsdk:"attributes"`
	Username           types.Object `tfsdk:"username"`
	FederationIDSource types.String `tfsdk:"federation_id_source"`
	DefaultProfile     types.String `tfsdk:"default_profile"`
	Transport          types.String `tfsdk:"transport"`
	PendingCreate      types.Set    `tfsdk:"pending_create"`
	PendingUpdate      types.Set    `tfsdk:"pending_update"`
	PendingDeactivate  types.Set    `tfsdk:"pending_deactivate"`
	PendingReactivate  types.Set    `tfsdk:"pending_reactivate"`
	Synced             types.Map    `tfsdk:"synced"`
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
	if m.Username.IsNull() {
		m.Username = defaultUsername
	}
	if m.Attributes.IsNull() {
		m.Attributes = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
}

// setOutcome records the pending changes and the managed users.
func setOutcome(m *userProvisioningModel, out outcome) {
	create, update, deactivate, reactivate := out.pending()
	m.PendingCreate, m.PendingUpdate = framework.StringSet(create), framework.StringSet(update)
	m.PendingDeactivate, m.PendingReactivate = framework.StringSet(deactivate), framework.StringSet(reactivate)
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
