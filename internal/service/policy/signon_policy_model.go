package policy

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

type signonPolicyModel struct {
	ID          types.String         `tfsdk:"id"`
	AppID       types.String         `tfsdk:"app_id"`
	Name        types.String         `tfsdk:"name"`
	Description types.String         `tfsdk:"description"`
	Rules       []signonRuleModel    `tfsdk:"rules"`
	CatchAll    *signonCatchAllModel `tfsdk:"catch_all"`
}

type signonRuleModel struct {
	Name         types.String             `tfsdk:"name"`
	People       *signonPeopleModel       `tfsdk:"people"`
	Network      *signonNetworkModel      `tfsdk:"network"`
	Device       *signonDeviceModel       `tfsdk:"device"`
	Platforms    []signonPlatformModel    `tfsdk:"platforms"`
	Access       types.String             `tfsdk:"access"`
	Verification *signonVerificationModel `tfsdk:"verification"`
}

type signonPeopleModel struct {
	GroupsInclude types.Set `tfsdk:"groups_include"`
	GroupsExclude types.Set `tfsdk:"groups_exclude"`
	UsersInclude  types.Set `tfsdk:"users_include"`
	UsersExclude  types.Set `tfsdk:"users_exclude"`
}

type signonNetworkModel struct {
	Connection   types.String `tfsdk:"connection"`
	ZonesInclude types.Set    `tfsdk:"zones_include"`
	ZonesExclude types.Set    `tfsdk:"zones_exclude"`
}

type signonDeviceModel struct {
	Registered        types.Bool `tfsdk:"registered"`
	Managed           types.Bool `tfsdk:"managed"`
	AssurancesInclude types.Set  `tfsdk:"assurances_include"`
}

type signonPlatformModel struct {
	Type types.String `tfsdk:"type"`
	OS   types.String `tfsdk:"os"`
}

type signonVerificationModel struct {
	FactorMode        types.String `tfsdk:"factor_mode"`
	ReauthenticateIn  types.String `tfsdk:"reauthenticate_in"`
	PhishingResistant types.Bool   `tfsdk:"phishing_resistant"`
	HardwareProtected types.Bool   `tfsdk:"hardware_protected"`
}

type signonCatchAllModel struct {
	Access       types.String             `tfsdk:"access"`
	Verification *signonVerificationModel `tfsdk:"verification"`
}

// Defaults the resource always sends, so that Okta's own (which vary by org) never enter the state.
const (
	defaultFactorMode       = "2FA"
	defaultReauthenticateIn = "PT12H"
)

// expandRule is the rule the model describes, at priority (1 first); into is the rule Okta holds (to merge
// into) or nil.
func expandRule(ctx context.Context, m *signonRuleModel, priority int, into *okta.AccessRule) *okta.AccessRule {
	r := &okta.AccessRule{}
	if into != nil {
		*r = *into
	}
	r.Name, r.Priority, r.Access = m.Name.ValueString(), priority, m.Access.ValueString()
	r.GroupsInclude, r.GroupsExclude, r.UsersInclude, r.UsersExclude = nil, nil, nil, nil
	if p := m.People; p != nil {
		r.GroupsInclude, r.GroupsExclude = setStrings(ctx, p.GroupsInclude), setStrings(ctx, p.GroupsExclude)
		r.UsersInclude, r.UsersExclude = setStrings(ctx, p.UsersInclude), setStrings(ctx, p.UsersExclude)
	}
	r.NetworkConnection, r.ZonesInclude, r.ZonesExclude = "", nil, nil
	if n := m.Network; n != nil {
		r.NetworkConnection = n.Connection.ValueString()
		r.ZonesInclude, r.ZonesExclude = setStrings(ctx, n.ZonesInclude), setStrings(ctx, n.ZonesExclude)
	}
	r.DeviceRegistered, r.DeviceManaged, r.DeviceAssuranceInclude = false, false, nil
	if d := m.Device; d != nil {
		r.DeviceRegistered, r.DeviceManaged = d.Registered.ValueBool(), d.Managed.ValueBool()
		r.DeviceAssuranceInclude = setStrings(ctx, d.AssurancesInclude)
	}
	r.Platforms = nil
	for _, p := range m.Platforms {
		r.Platforms = append(r.Platforms, okta.Platform{Type: p.Type.ValueString(), OS: p.OS.ValueString()})
	}
	sortPlatforms(r.Platforms)
	expandVerification(m.Verification, r)
	return r
}

// expandCatchAll is the catch-all rule Okta holds (into) with the configured action.
func expandCatchAll(m *signonCatchAllModel, into *okta.AccessRule) *okta.AccessRule {
	r := *into
	r.Access = m.Access.ValueString()
	expandVerification(m.Verification, &r)
	return &r
}

func expandVerification(v *signonVerificationModel, r *okta.AccessRule) {
	if r.Access != "ALLOW" || v == nil {
		return // a DENY rule verifies nothing; what Okta holds under it stays
	}
	r.FactorMode = stringOr(v.FactorMode, defaultFactorMode)
	r.ReauthenticateIn = stringOr(v.ReauthenticateIn, defaultReauthenticateIn)
	r.PhishingResistant, r.HardwareProtected = v.PhishingResistant.ValueBool(), v.HardwareProtected.ValueBool()
}

// flattenRule is the model of a rule Okta holds. prior is the same rule in the plan or state, or nil: where
// it says the same as Okta in another form, its form is kept (see keepPriorForm).
func flattenRule(r *okta.AccessRule, prior *signonRuleModel) signonRuleModel {
	m := signonRuleModel{Name: types.StringValue(r.Name), Access: types.StringValue(r.Access)}
	if len(r.GroupsInclude)+len(r.GroupsExclude)+len(r.UsersInclude)+len(r.UsersExclude) > 0 {
		m.People = &signonPeopleModel{GroupsInclude: idSet(r.GroupsInclude), GroupsExclude: idSet(r.GroupsExclude),
			UsersInclude: idSet(r.UsersInclude), UsersExclude: idSet(r.UsersExclude)}
	}
	if r.NetworkConnection != "" && (r.NetworkConnection != "ANYWHERE" || len(r.ZonesInclude)+len(r.ZonesExclude) > 0) {
		m.Network = &signonNetworkModel{Connection: types.StringValue(r.NetworkConnection),
			ZonesInclude: idSet(r.ZonesInclude), ZonesExclude: idSet(r.ZonesExclude)}
	}
	if r.DeviceRegistered || r.DeviceManaged || len(r.DeviceAssuranceInclude) > 0 {
		// Both flags always: the schema defaults a flag left out to false, so false reads back as planned.
		m.Device = &signonDeviceModel{Registered: types.BoolValue(r.DeviceRegistered), Managed: types.BoolValue(r.DeviceManaged),
			AssurancesInclude: idSet(r.DeviceAssuranceInclude)}
	}
	platforms := slices.Clone(r.Platforms)
	sortPlatforms(platforms)
	for _, p := range platforms {
		m.Platforms = append(m.Platforms, signonPlatformModel{Type: types.StringValue(p.Type), OS: stringOrNull(p.OS)})
	}
	m.Verification = flattenVerification(r)
	if prior != nil {
		keepPriorForm(&m, prior)
	}
	return m
}

func flattenVerification(r *okta.AccessRule) *signonVerificationModel {
	if r.Access != "ALLOW" {
		return nil
	}
	return &signonVerificationModel{FactorMode: types.StringValue(r.FactorMode), ReauthenticateIn: types.StringValue(r.ReauthenticateIn),
		PhishingResistant: types.BoolValue(r.PhishingResistant), HardwareProtected: types.BoolValue(r.HardwareProtected)}
}

func flattenCatchAll(r *okta.AccessRule) *signonCatchAllModel {
	return &signonCatchAllModel{Access: types.StringValue(r.Access), Verification: flattenVerification(r)}
}

// keepPriorForm keeps prior's sub-objects where they say what m's say. ValidateConfig refuses these forms in a
// configuration (import has no prior to keep them by); this keeps a state that holds one from an earlier
// version consistent until its configuration drops it.
func keepPriorForm(m, prior *signonRuleModel) {
	ctx := context.Background()
	if m.Network == nil && prior.Network != nil && prior.Network.Connection.ValueString() == "ANYWHERE" &&
		len(setStrings(ctx, prior.Network.ZonesInclude))+len(setStrings(ctx, prior.Network.ZonesExclude)) == 0 {
		m.Network = prior.Network
	}
	if m.Device == nil && prior.Device != nil && !prior.Device.Registered.ValueBool() && !prior.Device.Managed.ValueBool() &&
		len(setStrings(ctx, prior.Device.AssurancesInclude)) == 0 {
		m.Device = prior.Device
	}
	if m.Device != nil && prior.Device != nil && reflect.DeepEqual(setStrings(ctx, m.Device.AssurancesInclude), setStrings(ctx, prior.Device.AssurancesInclude)) {
		m.Device.AssurancesInclude = prior.Device.AssurancesInclude // null and an empty set
	}
	if m.People == nil && prior.People != nil && peopleEmpty(prior.People) {
		m.People = prior.People
	}
}

func peopleEmpty(p *signonPeopleModel) bool {
	ctx := context.Background()
	return len(setStrings(ctx, p.GroupsInclude))+len(setStrings(ctx, p.GroupsExclude))+len(setStrings(ctx, p.UsersInclude))+len(setStrings(ctx, p.UsersExclude)) == 0
}

// sameRule reports whether Okta's rule a already holds what b (expanded from the plan) asks for, apart from
// its priority.
func sameRule(a, b *okta.AccessRule) bool { return ruleSummary(a) == ruleSummary(b) }

// ruleSummary is a rule's owned fields in one line, for comparisons and for the differences a refused
// adoption lists. Verification fields count only for ALLOW: a DENY rule verifies nothing.
func ruleSummary(r *okta.AccessRule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "access %s", r.Access)
	if r.Access == "ALLOW" {
		fmt.Fprintf(&b, " %s every %s phishing_resistant=%v hardware_protected=%v", r.FactorMode, r.ReauthenticateIn, r.PhishingResistant, r.HardwareProtected)
	}
	if r.System {
		return b.String()
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	fmt.Fprintf(&b, "; groups %v -%v; users %v -%v", sorted(r.GroupsInclude), sorted(r.GroupsExclude), sorted(r.UsersInclude), sorted(r.UsersExclude))
	conn := r.NetworkConnection
	if conn == "" {
		conn = "ANYWHERE"
	}
	fmt.Fprintf(&b, "; network %s %v -%v", conn, sorted(r.ZonesInclude), sorted(r.ZonesExclude))
	fmt.Fprintf(&b, "; device registered=%v managed=%v assurances %v", r.DeviceRegistered, r.DeviceManaged, sorted(r.DeviceAssuranceInclude))
	platforms := slices.Clone(r.Platforms)
	sortPlatforms(platforms)
	fmt.Fprintf(&b, "; platforms %v", platforms)
	return b.String()
}

func sortPlatforms(p []okta.Platform) {
	slices.SortFunc(p, func(a, b okta.Platform) int { return strings.Compare(a.Type+"/"+a.OS, b.Type+"/"+b.OS) })
}

// setStrings is a set's known strings, sorted; nil for a null or unknown set.
func setStrings(ctx context.Context, s types.Set) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	_ = s.ElementsAs(ctx, &out, false)
	slices.Sort(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// idSet is a set of IDs; null when there are none (the schema refuses empty sets, so null is the only form).
func idSet(ids []string) types.Set {
	if len(ids) == 0 {
		return types.SetNull(types.StringType)
	}
	return framework.StringSet(ids)
}

func stringOr(v types.String, def string) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return def
	}
	return v.ValueString()
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
