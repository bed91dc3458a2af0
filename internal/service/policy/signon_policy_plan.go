package policy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// signonRuleConfig is a rule of the configuration with its nested objects left as objects, so that a rule
// whose people, network or device is still unknown is checked in what is known of it.
type signonRuleConfig struct {
	Name         types.String `tfsdk:"name"`
	People       types.Object `tfsdk:"people"`
	Network      types.Object `tfsdk:"network"`
	Device       types.Object `tfsdk:"device"`
	Platforms    types.Set    `tfsdk:"platforms"`
	Access       types.String `tfsdk:"access"`
	Verification types.Object `tfsdk:"verification"`
}

// ValidateConfig refuses, at the attribute, what Okta would refuse or silently change at apply, and the forms
// that say what omitting the object says (import cannot tell them apart, so they would plan a change after it).
// Rules are walked one by one: a value still unknown leaves the rest of the rules checked. The messages start
// with the attribute path, which the CLI does not show.
func (r *signonPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var rules types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rules"), &rules)...)
	first := map[string]int{}
	for i, elem := range rules.Elements() { // none when the list is null or unknown
		obj, ok := elem.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			continue
		}
		var rule signonRuleConfig
		if d := obj.As(ctx, &rule, basetypes.ObjectAsOptions{}); d.HasError() {
			resp.Diagnostics.Append(d...)
			continue
		}
		at := path.Root("rules").AtListIndex(i)
		what := fmt.Sprintf("Rule %q", rule.Name.ValueString())
		if !rule.Name.IsUnknown() {
			name := rule.Name.ValueString()
			if j, dup := first[name]; dup {
				resp.Diagnostics.AddAttributeError(at.AtName("name"), "Duplicate Rule Name",
					fmt.Sprintf("%s: rules[%d] and rules[%d] are both named %q; Okta tells rules apart by name in this resource: give each rule its own name.", at.AtName("name"), j, i, name))
			} else {
				first[name] = i
			}
		}
		validateAction(rule.Access.ValueString(), rule.Access.IsUnknown(), !rule.Verification.IsNull(), at, what, &resp.Diagnostics)
		validatePeople(ctx, rule.People, at.AtName("people"), what, &resp.Diagnostics)
		validateNetwork(ctx, rule.Network, at.AtName("network"), what, &resp.Diagnostics)
		validateDevice(ctx, rule.Device, at.AtName("device"), what, &resp.Diagnostics)
	}
	var catchAll struct {
		Access       types.String `tfsdk:"access"`
		Verification types.Object `tfsdk:"verification"`
	}
	var c types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("catch_all"), &c)...)
	if c.IsNull() || c.IsUnknown() || c.As(ctx, &catchAll, basetypes.ObjectAsOptions{}).HasError() {
		return
	}
	validateAction(catchAll.Access.ValueString(), catchAll.Access.IsUnknown(), !catchAll.Verification.IsNull(), path.Root("catch_all"), "The catch-all rule", &resp.Diagnostics)
}

// validatePeople refuses a people object that names no one: Okta reads it back as no condition.
func validatePeople(ctx context.Context, o types.Object, at path.Path, what string, diags *diag.Diagnostics) {
	var p signonPeopleModel
	if o.IsNull() || o.IsUnknown() || o.As(ctx, &p, basetypes.ObjectAsOptions{}).HasError() {
		return
	}
	if p.GroupsInclude.IsNull() && p.GroupsExclude.IsNull() && p.UsersInclude.IsNull() && p.UsersExclude.IsNull() {
		diags.AddAttributeError(at, "Empty People Condition",
			fmt.Sprintf("%s: %s names no groups or users, which is what omitting people means (import reads it so): omit people to apply the rule to everyone.", at, what))
	}
}

// validateNetwork: ZONE needs zones; ANYWHERE is what omitting network means, so it is refused in either form.
func validateNetwork(ctx context.Context, o types.Object, at path.Path, what string, diags *diag.Diagnostics) {
	var n signonNetworkModel
	if o.IsNull() || o.IsUnknown() || o.As(ctx, &n, basetypes.ObjectAsOptions{}).HasError() || n.Connection.IsUnknown() {
		return
	}
	zones := !n.ZonesInclude.IsNull() || !n.ZonesExclude.IsNull()
	conn := at.AtName("connection")
	switch {
	case n.Connection.ValueString() == "ZONE" && !zones:
		diags.AddAttributeError(conn, "Network Zone Missing",
			fmt.Sprintf("%s: %s has connection = \"ZONE\" without zones: set zones_include or zones_exclude, or omit network to match any network.", conn, what))
	case n.Connection.ValueString() == "ANYWHERE" && zones:
		diags.AddAttributeError(conn, "Network Zones Ignored",
			fmt.Sprintf("%s: %s lists zones with connection = \"ANYWHERE\", which Okta ignores: set connection = \"ZONE\".", conn, what))
	case n.Connection.ValueString() == "ANYWHERE":
		diags.AddAttributeError(conn, "Redundant Network Condition",
			fmt.Sprintf("%s: %s has connection = \"ANYWHERE\", which is what omitting network means (import reads it so): omit network to match any network.", conn, what))
	}
}

// validateDevice: managed devices and device assurance need a registered device, and a device object that asks
// for nothing is what omitting device means.
func validateDevice(ctx context.Context, o types.Object, at path.Path, what string, diags *diag.Diagnostics) {
	var d signonDeviceModel
	if o.IsNull() || o.IsUnknown() || o.As(ctx, &d, basetypes.ObjectAsOptions{}).HasError() ||
		d.Registered.IsUnknown() || d.Managed.IsUnknown() || d.AssurancesInclude.IsUnknown() {
		return
	}
	switch {
	case !d.Registered.ValueBool() && (d.Managed.ValueBool() || !d.AssurancesInclude.IsNull()):
		diags.AddAttributeError(at.AtName("registered"), "Device Must Be Registered",
			fmt.Sprintf("%s: %s requires a managed device or device assurance, which Okta checks only on registered devices: set registered = true.", at.AtName("registered"), what))
	case !d.Registered.ValueBool():
		diags.AddAttributeError(at, "Empty Device Condition",
			fmt.Sprintf("%s: %s asks nothing of the device, which is what omitting device means (import reads it so): omit device to match any device.", at, what))
	}
}

// validateAction: a DENY rule verifies nothing, and an ALLOW rule says how it verifies (Okta's own default
// varies by org, so leaving it to Okta would plan a change after every import).
func validateAction(access string, unknown, verification bool, at path.Path, what string, diags *diag.Diagnostics) {
	v := at.AtName("verification")
	switch {
	case unknown:
	case access == "DENY" && verification:
		diags.AddAttributeError(v, "Verification On A Denying Rule",
			fmt.Sprintf("%s: %s denies access, so it verifies no factor: remove verification (factor_mode, reauthenticate_in, constraints), or set access = \"ALLOW\".", v, what))
	case access == "ALLOW" && !verification:
		diags.AddAttributeError(v, "Verification Missing",
			fmt.Sprintf("%s: %s allows access: say how the sign-in is verified, for example verification = { factor_mode = \"2FA\" }.", v, what))
	}
}

// ModifyPlan refuses, at plan, an org that has no authentication policies (Classic Engine), and a rule that
// names a network zone Okta does not have.
func (r *signonPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.Clients() == nil {
		return
	}
	client := r.Okta(&resp.Diagnostics)
	if client == nil {
		return
	}
	pipeline, err := r.Clients().Caches.Okta.OrgPipeline.Get(ctx, "", client.OrgPipeline)
	if err != nil { // the check helps; an org that cannot say which engine it runs is not refused for it
		tflog.Debug(ctx, "cannot tell the org's engine", map[string]any{"error": err.Error()})
		return
	}
	if pipeline == "v1" {
		resp.Diagnostics.AddError("Sign-On Policies Need Okta Identity Engine",
			fmt.Sprintf("Okta org %s runs the Classic Engine (/.well-known/okta-organization says pipeline \"v1\"), which has no authentication "+
				"policies (ACCESS_POLICY). Upgrade the org to Identity Engine (Okta's self-service upgrade, Admin Console > Settings > "+
				"Features), or remove this resource and set the app's sign-on rules in the Admin Console (Applications > the app > Sign On).",
				client.OrgURL()))
		return
	}
	r.checkZones(ctx, client, req, resp)
}

// checkZones looks up, when the rules change, each zone id they name, so that a mistyped or deleted zone fails
// at plan at every rule that names it rather than half-way through an apply. A no-change plan asks nothing.
// The look-up needs okta.networkZones.read; without it (or on any other failure) the check is skipped and apply
// reports the zone.
func (r *signonPolicyResource) checkZones(ctx context.Context, client *okta.Client, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var planned, prior types.List
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rules"), &planned)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("rules"), &prior)...)
	}
	if resp.Diagnostics.HasError() || planned.IsUnknown() || planned.Equal(prior) {
		return
	}
	looked := map[string]error{} // zone id → the look-up's error: one request per zone, a diagnostic per rule
	for i, elem := range planned.Elements() {
		var rule signonRuleConfig
		var network signonNetworkModel
		if obj, ok := elem.(types.Object); !ok || obj.IsNull() || obj.IsUnknown() || obj.As(ctx, &rule, basetypes.ObjectAsOptions{}).HasError() ||
			rule.Network.IsNull() || rule.Network.IsUnknown() || rule.Network.As(ctx, &network, basetypes.ObjectAsOptions{}).HasError() {
			continue // no network condition, or one still unknown: checked at apply
		}
		for _, zones := range []struct {
			attr string
			set  types.Set
		}{{"zones_include", network.ZonesInclude}, {"zones_exclude", network.ZonesExclude}} {
			at := path.Root("rules").AtListIndex(i).AtName("network").AtName(zones.attr)
			for _, id := range knownStrings(zones.set) {
				err, seen := looked[id]
				if !seen {
					_, err = client.GetNetworkZone(ctx, id)
					looked[id] = err
					if err != nil && !errors.Is(err, okta.ErrNotFound) {
						tflog.Debug(ctx, "cannot check a rule's network zone at plan (okta.networkZones.read not granted?); apply will",
							map[string]any{"zone": id, "error": err.Error()})
					}
				}
				if errors.Is(err, okta.ErrNotFound) {
					resp.Diagnostics.AddAttributeError(at, "Unknown Network Zone",
						fmt.Sprintf("%s: Rule %q names network zone %s, which Okta does not have: use the id of an existing zone "+
							"(oktasf_network_zone.<name>.id, or the zone's id in Security > Networks), or remove it.", at, rule.Name.ValueString(), id))
				}
			}
		}
	}
}

// knownStrings is a set's known string elements; an unknown element or set is left out.
func knownStrings(s types.Set) []string {
	var out []string
	for _, e := range s.Elements() {
		if v, ok := e.(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			out = append(out, v.ValueString())
		}
	}
	slices.Sort(out)
	return out
}

// isoDuration is what Okta accepts for reauthenticateIn: an ISO-8601 duration of days, hours, minutes and
// seconds ("PT2H", "P1D", "PT30M"), at least one part.
var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

type isoDurationValidator struct{}

func (isoDurationValidator) Description(context.Context) string {
	return "an ISO-8601 duration such as PT2H, PT30M or P1D"
}

func (v isoDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (isoDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if !validISODuration(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s: %q is not an ISO-8601 duration: write it like PT12H (12 hours), PT30M (30 minutes) or P1D (1 day).", req.Path, s))
	}
}

func validISODuration(s string) bool {
	g := isoDuration.FindStringSubmatch(s)
	if g == nil || s == "P" || s == "PT" || s[len(s)-1] == 'T' {
		return false
	}
	for _, part := range g[1:] {
		if part != "" {
			return true
		}
	}
	return false
}
