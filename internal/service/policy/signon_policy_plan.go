package policy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// ValidateConfig refuses, at the attribute, what Okta would refuse or silently change at apply.
func (r *signonPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m signonPolicyModel
	if d := req.Config.Get(ctx, &m); d.HasError() {
		return // unknown values (rules computed from other resources) are checked at plan
	}
	first := map[string]int{}
	for i := range m.Rules {
		rule := &m.Rules[i]
		at := path.Root("rules").AtListIndex(i)
		if !rule.Name.IsUnknown() {
			name := rule.Name.ValueString()
			if j, dup := first[name]; dup {
				resp.Diagnostics.AddAttributeError(at.AtName("name"), "Duplicate Rule Name",
					fmt.Sprintf("rules[%d] and rules[%d] are both named %q; Okta tells rules apart by name in this resource: give each rule its own name.", j, i, name))
			} else {
				first[name] = i
			}
		}
		validateAction(rule.Access.ValueString(), rule.Access.IsUnknown(), rule.Verification != nil, at, fmt.Sprintf("Rule %q", rule.Name.ValueString()), &resp.Diagnostics)
		if n := rule.Network; n != nil && !n.Connection.IsUnknown() {
			zones := !n.ZonesInclude.IsNull() || !n.ZonesExclude.IsNull()
			switch {
			case n.Connection.ValueString() == "ZONE" && !zones:
				resp.Diagnostics.AddAttributeError(at.AtName("network").AtName("connection"), "Network Zone Missing",
					fmt.Sprintf("Rule %q has connection = \"ZONE\" without zones: set zones_include or zones_exclude, or omit network to match any network.", rule.Name.ValueString()))
			case n.Connection.ValueString() == "ANYWHERE" && zones:
				resp.Diagnostics.AddAttributeError(at.AtName("network").AtName("connection"), "Network Zones Ignored",
					fmt.Sprintf("Rule %q lists zones with connection = \"ANYWHERE\", which Okta ignores: set connection = \"ZONE\".", rule.Name.ValueString()))
			}
		}
		if d := rule.Device; d != nil && !d.Registered.IsUnknown() && !d.Registered.ValueBool() &&
			(d.Managed.ValueBool() || !d.AssurancesInclude.IsNull()) {
			resp.Diagnostics.AddAttributeError(at.AtName("device").AtName("registered"), "Device Must Be Registered",
				fmt.Sprintf("Rule %q requires a managed device or device assurance, which Okta checks only on registered devices: set registered = true.", rule.Name.ValueString()))
		}
	}
	if c := m.CatchAll; c != nil {
		validateAction(c.Access.ValueString(), c.Access.IsUnknown(), c.Verification != nil, path.Root("catch_all"), "The catch-all rule", &resp.Diagnostics)
	}
}

// validateAction: a DENY rule verifies nothing, and an ALLOW rule says how it verifies (Okta's own default
// varies by org, so leaving it to Okta would plan a change after every import).
func validateAction(access string, unknown, verification bool, at path.Path, what string, diags *diag.Diagnostics) {
	switch {
	case unknown:
	case access == "DENY" && verification:
		diags.AddAttributeError(at.AtName("verification"), "Verification On A Denying Rule",
			what+" denies access, so it verifies no factor: remove verification (factor_mode, reauthenticate_in, constraints), or set access = \"ALLOW\".")
	case access == "ALLOW" && !verification:
		diags.AddAttributeError(at.AtName("verification"), "Verification Missing",
			what+" allows access: say how the sign-in is verified, for example verification = { factor_mode = \"2FA\" }.")
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
	pipeline, err := orgPipeline(ctx, client)
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
// at plan at its rule rather than half-way through an apply. A no-change plan asks nothing.
func (r *signonPolicyResource) checkZones(ctx context.Context, client *okta.Client, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var planned, prior types.List
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rules"), &planned)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("rules"), &prior)...)
	}
	if resp.Diagnostics.HasError() || planned.IsUnknown() || planned.Equal(prior) {
		return
	}
	var rules []signonRuleModel
	if d := req.Plan.GetAttribute(ctx, path.Root("rules"), &rules); d.HasError() {
		return // an element still unknown: checked at apply
	}
	checked := map[string]bool{}
	for i, rule := range rules {
		if rule.Network == nil {
			continue
		}
		for _, zones := range []struct {
			attr string
			set  types.Set
		}{{"zones_include", rule.Network.ZonesInclude}, {"zones_exclude", rule.Network.ZonesExclude}} {
			attr := zones.attr
			for _, id := range setStrings(ctx, zones.set) {
				if _, seen := checked[id]; seen {
					continue
				}
				_, err := client.GetNetworkZone(ctx, id)
				checked[id] = err == nil
				switch {
				case errors.Is(err, okta.ErrNotFound):
					resp.Diagnostics.AddAttributeError(path.Root("rules").AtListIndex(i).AtName("network").AtName(attr), "Unknown Network Zone",
						fmt.Sprintf("Rule %q (rules[%d].network.%s) names network zone %s, which Okta does not have: use the id of an existing zone "+
							"(oktasf_network_zone.<name>.id, or the zone's id in Security > Networks), or remove it.", rule.Name.ValueString(), i, attr, id))
				case err != nil:
					tflog.Debug(ctx, "cannot check a rule's network zone at plan; apply will", map[string]any{"zone": id, "error": err.Error()})
				}
			}
		}
	}
}

// pipelines caches each client's org engine for the provider process: an org does not change engine between plans.
var pipelines sync.Map // *okta.Client → string

func orgPipeline(ctx context.Context, client *okta.Client) (string, error) {
	if v, ok := pipelines.Load(client); ok {
		return v.(string), nil
	}
	p, err := client.OrgPipeline(ctx)
	if err != nil {
		return "", err
	}
	pipelines.Store(client, p)
	return p, nil
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
			fmt.Sprintf("%q is not an ISO-8601 duration: write it like PT12H (12 hours), PT30M (30 minutes) or P1D (1 day).", s))
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
