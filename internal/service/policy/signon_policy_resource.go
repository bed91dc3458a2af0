package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	_ resource.Resource                   = (*signonPolicyResource)(nil)
	_ resource.ResourceWithConfigure      = (*signonPolicyResource)(nil)
	_ resource.ResourceWithImportState    = (*signonPolicyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*signonPolicyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*signonPolicyResource)(nil)
)

// NewSignonPolicyResource returns the oktasf_signon_policy resource.
func NewSignonPolicyResource() resource.Resource {
	return &signonPolicyResource{ResourceWithConfigure: framework.NewResourceWithConfigure("signon_policy", "Sign-On Policy")}
}

type signonPolicyResource struct {
	framework.ResourceWithConfigure
}

func idSetAttribute(desc string) schema.SetAttribute {
	return schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: desc,
		Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}}
}

func verificationAttribute(desc string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Optional: true, MarkdownDescription: desc, Attributes: map[string]schema.Attribute{
		"factor_mode": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(defaultFactorMode),
			MarkdownDescription: "`1FA` (any one factor) or `2FA` (two factors). Default `2FA`.",
			Validators:          []validator.String{stringvalidator.OneOf("1FA", "2FA")}},
		"reauthenticate_in": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(defaultReauthenticateIn),
			MarkdownDescription: "How long a sign-in lasts before the user verifies again, an ISO-8601 duration such as `PT2H` or `P1D`. Default `PT12H`.",
			Validators:          []validator.String{isoDurationValidator{}}},
		"phishing_resistant": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Require a phishing-resistant possession factor (FIDO2/WebAuthn, Okta FastPass)."},
		"hardware_protected": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Require a hardware-protected possession factor (key kept in a TPM or secure enclave)."},
	}}
}

func (r *signonPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	access := func(what string) schema.StringAttribute {
		return schema.StringAttribute{Required: true, MarkdownDescription: "`ALLOW` or `DENY` " + what + ".",
			Validators: []validator.String{stringvalidator.OneOf("ALLOW", "DENY")}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Okta authentication policy (Identity Engine app sign-in policy, `ACCESS_POLICY`) of the Salesforce app: " +
			"the policy, its rules in order and its catch-all rule, managed as one unit, and the app bound to it.\n\n" +
			"The order of `rules` is their priority, first match wins; Okta's priority numbers are not shown, so that Okta " +
			"renumbering rules is never a diff. A reorder is one update that moves only the rules whose place changed. Rules " +
			"added in Okta outside Terraform show as drift and are removed by the next apply, after the configured rules are in " +
			"place (no moment without them); a rule deactivated in Okta shows as drift and apply reactivates it. A system " +
			"policy (the org's default, shared by other apps) is never imported or adopted. The catch-all rule Okta creates " +
			"with the policy is never deleted: `catch_all` sets its action. When the app is bound to another policy outside " +
			"Terraform, plan binds it back. Destroy binds the app to the org's default policy, then deletes the policy.\n\n" +
			"Needs an Identity Engine org: on a Classic Engine org plan says so. Needs the OAuth scopes `okta.policies.manage` " +
			"(the policy and its rules) and `okta.apps.manage` (the app's binding); when `okta.networkZones.read` is granted too, " +
			"plan checks that each network zone a rule names exists (without it, apply reports a missing zone).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The policy ID (`rst…`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"app_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "The Okta app bound to the policy (`0oa…`), for example `oktasf_saml_app.salesforce.id`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "The policy's name, unique among the org's authentication policies.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255)}},
			"description": schema.StringAttribute{Optional: true, MarkdownDescription: "The policy's description.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"rules": schema.ListNestedAttribute{Required: true,
				MarkdownDescription: "The rules in priority order (the first that matches a sign-in decides). Names are unique.",
				Validators:          []validator.List{listvalidator.SizeAtMost(98)}, // Okta numbers rules 1–98; 99 is the catch-all
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Required: true, MarkdownDescription: "The rule's name, unique in the policy.",
						Validators: []validator.String{stringvalidator.LengthBetween(1, 255)}},
					"people": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: "Who the rule applies to; omit for everyone.",
						Attributes: map[string]schema.Attribute{
							"groups_include": idSetAttribute("Okta group IDs (`00g…`) whose members the rule applies to."),
							"groups_exclude": idSetAttribute("Okta group IDs whose members the rule skips."),
							"users_include":  idSetAttribute("Okta user IDs (`00u…`) the rule applies to."),
							"users_exclude":  idSetAttribute("Okta user IDs the rule skips."),
						}},
					"network": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: "Where the sign-in comes from; omit for anywhere.",
						Attributes: map[string]schema.Attribute{
							"connection": schema.StringAttribute{Required: true, MarkdownDescription: "`ZONE`, with `zones_include` or `zones_exclude`. `ANYWHERE` is refused: omit `network` to match any network.",
								Validators: []validator.String{stringvalidator.OneOf("ANYWHERE", "ZONE")}},
							"zones_include": idSetAttribute("Network zone IDs (`nzo…`) the sign-in must come from, for example `oktasf_network_zone.office.id`."),
							"zones_exclude": idSetAttribute("Network zone IDs the sign-in must not come from."),
						}},
					"device": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: "What the device must be; omit for any device.",
						Attributes: map[string]schema.Attribute{
							// Defaults, so that a flag left out reads back as Okta's false after apply and after import.
							"registered": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
								MarkdownDescription: "The device is registered with Okta Verify. Default `false`."},
							"managed": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
								MarkdownDescription: "The device is managed (needs `registered = true`). Default `false`."},
							"assurances_include": idSetAttribute("Device assurance policy IDs (`dae…`) the device must satisfy (needs `registered = true`)."),
						}},
					"platforms": schema.SetNestedAttribute{Optional: true, MarkdownDescription: "The platforms the rule applies to; omit for all.",
						Validators: []validator.Set{setvalidator.SizeAtLeast(1)},
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"type": schema.StringAttribute{Required: true, MarkdownDescription: "`DESKTOP` or `MOBILE`.",
								Validators: []validator.String{stringvalidator.OneOf("DESKTOP", "MOBILE")}},
							"os": schema.StringAttribute{Required: true, MarkdownDescription: "`WINDOWS`, `MACOS`, `CHROMEOS`, `IOS`, `ANDROID` or `OTHER`.",
								Validators: []validator.String{stringvalidator.OneOf("WINDOWS", "MACOS", "CHROMEOS", "IOS", "ANDROID", "OTHER")}},
						}}},
					"access": access("the sign-ins the rule matches"),
					"verification": verificationAttribute("How a sign-in the rule allows is verified; required with `access = \"ALLOW\"`, " +
						"not allowed with `DENY`."),
				}},
			},
			"catch_all": schema.SingleNestedAttribute{Required: true,
				MarkdownDescription: "The action of the catch-all rule Okta creates with the policy, applied to sign-ins no rule matches. " +
					"For example `{ access = \"DENY\" }`.",
				Attributes: map[string]schema.Attribute{
					"access":       access("the sign-ins no rule matches"),
					"verification": verificationAttribute("As a rule's; required with `access = \"ALLOW\"`."),
				}},
		},
	}
}

func (r *signonPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, client, ok := framework.OpenOkta[signonPolicyModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	summary := r.Summary(framework.OpCreate)
	name := plan.Name.ValueString()
	policy, adopted := r.findCreated(ctx, client, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if policy == nil {
		var err error
		if policy, err = client.CreateAccessPolicy(ctx, name, plan.Description.ValueString()); err != nil {
			resp.Diagnostics.AddError(summary, fmt.Sprintf("Creating authentication policy %q: %s", name, err))
			return
		}
		// Recorded at once: a later failure leaves a tainted resource, which the next apply replaces.
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), policy.ID)...)
	}
	plan.ID = types.StringValue(policy.ID)
	if adopted {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), policy.ID)...)
	}
	r.writeRules(ctx, client, &plan, summary, &resp.Diagnostics) // no write for rules an adopted policy holds already
	if !resp.Diagnostics.HasError() {
		r.bind(ctx, client, &plan, "", summary, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	r.readInto(ctx, client, &plan, summary, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *signonPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, client, ok := framework.OpenOkta[signonPolicyModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	if gone := r.readInto(ctx, client, &state, r.Summary(framework.OpRead), &resp.Diagnostics); gone {
		tflog.Debug(ctx, "authentication policy is gone from Okta; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *signonPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, client, ok := framework.OpenOkta[signonPolicyModel](ctx, r, req.Plan, &resp.Diagnostics)
	state, read := framework.Get[signonPolicyModel](ctx, req.State, &resp.Diagnostics)
	if !ok || !read {
		return
	}
	summary := r.Summary(framework.OpUpdate)
	plan.ID = state.ID
	id := state.ID.ValueString()
	if !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) {
		if err := client.UpdateAccessPolicy(ctx, id, plan.Name.ValueString(), plan.Description.ValueString()); err != nil {
			resp.Diagnostics.AddError(summary, fmt.Sprintf("Updating authentication policy %s: %s", id, err))
			return
		}
	}
	r.writeRules(ctx, client, &plan, summary, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	previous := ""
	if !plan.AppID.Equal(state.AppID) {
		previous = state.AppID.ValueString()
	}
	r.bind(ctx, client, &plan, previous, summary, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	r.readInto(ctx, client, &plan, summary, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete binds the app back to the org's default policy (Okta refuses to delete a policy an app uses),
// then deletes the policy.
func (r *signonPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, client, ok := framework.OpenOkta[signonPolicyModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	summary := r.Summary(framework.OpDelete)
	id, appID := state.ID.ValueString(), state.AppID.ValueString()
	if err := unbind(ctx, client, appID, id); err != nil {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Binding app %s back to the org's default authentication policy before deleting policy %s: %s", appID, id, err))
		return
	}
	if err := client.DeleteAccessPolicy(ctx, id); err != nil && !errors.Is(err, okta.ErrNotFound) {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Deleting authentication policy %s: %s", id, err))
	}
}

// ImportState takes the policy ID, or "<policy_id>/<app_id>" when several apps are bound to the policy.
func (r *signonPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, appID, _ := strings.Cut(req.ID, "/")
	if id == "" || strings.Contains(appID, "/") {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not <policy_id> or <policy_id>/<app_id>, for example rst1b2c3 or rst1b2c3/0oa4d5e6.", req.ID))
		return
	}
	client := r.Okta(&resp.Diagnostics)
	if client == nil {
		return
	}
	if appID == "" {
		apps, err := client.AccessPolicyApps(ctx, id)
		switch {
		case err != nil:
			resp.Diagnostics.AddError("Unable to Import Sign-On Policy", fmt.Sprintf("Finding the app bound to policy %s: %s. Import it as <policy_id>/<app_id> instead.", id, err))
			return
		case len(apps) != 1:
			resp.Diagnostics.AddError("Unable to Import Sign-On Policy", fmt.Sprintf("Policy %s is bound to %d apps %v; import it as <policy_id>/<app_id> to name the app this configuration binds.", id, len(apps), apps))
			return
		}
		appID = apps[0]
	}
	// A policy that is gone is left to Read, which says so; a system policy is refused before it is in state.
	switch p, err := client.GetAccessPolicy(ctx, id); {
	case err != nil && !errors.Is(err, okta.ErrNotFound):
		resp.Diagnostics.AddError("Unable to Import Sign-On Policy", fmt.Sprintf("Reading policy %s: %s", id, err))
		return
	case err == nil && p.System:
		resp.Diagnostics.AddError("Cannot Import A System Sign-On Policy", systemPolicyRefusal(p))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("app_id"), appID)...)
}

// readInto reads the policy, its rules and the app's binding into m, keeping m's form where it says what
// Okta holds; true when the policy is gone.
func (r *signonPolicyResource) readInto(ctx context.Context, client *okta.Client, m *signonPolicyModel, summary string, diags *diag.Diagnostics) (gone bool) {
	id := m.ID.ValueString()
	p, err := client.GetAccessPolicy(ctx, id)
	if errors.Is(err, okta.ErrNotFound) {
		return true
	}
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("Reading authentication policy %s: %s", id, err))
		return false
	}
	rules, err := client.ListAccessRules(ctx, id)
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("Reading the rules of authentication policy %s: %s", id, err))
		return false
	}
	m.Name = types.StringValue(p.Name)
	m.Description = stringOrNull(p.Description)
	prior := map[string]*signonRuleModel{}
	for i := range m.Rules {
		prior[m.Rules[i].Name.ValueString()] = &m.Rules[i]
	}
	out := make([]signonRuleModel, 0, len(rules))
	for _, rule := range rules {
		if rule.System {
			m.CatchAll = flattenCatchAll(rule)
			continue
		}
		if rule.Status == okta.RuleInactive {
			// The IdP skips it, so the state leaves it out: a configured rule shows as added and apply
			// activates it; an unconfigured one is deleted as any other.
			diags.AddWarning("Sign-On Policy Rule Inactive", fmt.Sprintf("Rule %q of authentication policy %s was deactivated outside "+
				"Terraform and does not apply to sign-ins; the next apply activates it, or deletes it if the configuration does not list it.", rule.Name, id))
			continue
		}
		out = append(out, flattenRule(rule, prior[rule.Name]))
	}
	m.Rules = out
	if appID := m.AppID.ValueString(); appID != "" {
		bound, err := client.AppAccessPolicyID(ctx, appID)
		switch {
		case errors.Is(err, okta.ErrNotFound), err == nil && bound != id:
			// Rebound elsewhere (or the app is gone): plan shows the app_id to bind again.
			tflog.Debug(ctx, "app is not bound to the policy", map[string]any{"app_id": appID, "policy_id": id, "bound_to": bound})
			m.AppID = types.StringNull()
		case err != nil:
			diags.AddError(summary, fmt.Sprintf("Reading the authentication policy of app %s: %s", appID, err))
		}
	}
	return false
}

// bind binds the app to the policy unless it already is, and binds previous (an app the policy was bound to
// before app_id changed) back to the org's default policy.
func (r *signonPolicyResource) bind(ctx context.Context, client *okta.Client, m *signonPolicyModel, previous, summary string, diags *diag.Diagnostics) {
	id, appID := m.ID.ValueString(), m.AppID.ValueString()
	bound, err := client.AppAccessPolicyID(ctx, appID)
	if err != nil {
		diags.AddAttributeError(path.Root("app_id"), summary, fmt.Sprintf("Reading app %s to bind it to authentication policy %s: %s", appID, id, err))
		return
	}
	if bound != id {
		if err := client.BindAppAccessPolicy(ctx, appID, id); err != nil {
			diags.AddAttributeError(path.Root("app_id"), summary, err.Error())
			return
		}
	}
	if previous != "" && previous != appID {
		if err := unbind(ctx, client, previous, id); err != nil {
			diags.AddError(summary, fmt.Sprintf("Binding app %s, no longer in the configuration, back to the org's default policy: %s", previous, err))
		}
	}
}

// unbind binds the app to the org's default policy when it is bound to policyID; an app that is gone or
// bound elsewhere is left as it is.
func unbind(ctx context.Context, client *okta.Client, appID, policyID string) error {
	if appID == "" {
		return nil
	}
	bound, err := client.AppAccessPolicyID(ctx, appID)
	if errors.Is(err, okta.ErrNotFound) || (err == nil && bound != policyID) {
		return nil
	}
	if err != nil {
		return err
	}
	def, err := client.DefaultAccessPolicy(ctx)
	if err != nil {
		return err
	}
	return client.BindAppAccessPolicy(ctx, appID, def.ID)
}
