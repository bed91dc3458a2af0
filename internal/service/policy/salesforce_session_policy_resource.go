package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

var (
	_ resource.Resource                   = (*salesforceSessionPolicyResource)(nil)
	_ resource.ResourceWithConfigure      = (*salesforceSessionPolicyResource)(nil)
	_ resource.ResourceWithImportState    = (*salesforceSessionPolicyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*salesforceSessionPolicyResource)(nil)
)

// NewSalesforceSessionPolicyResource returns the oktasf_salesforce_session_policy resource.
func NewSalesforceSessionPolicyResource() resource.Resource {
	return &salesforceSessionPolicyResource{ResourceWithConfigure: framework.NewResourceWithConfigure("salesforce_session_policy", "Salesforce Session Policy")}
}

type salesforceSessionPolicyResource struct {
	framework.ResourceWithConfigure
}

func (r *salesforceSessionPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What one Salesforce profile requires of a sign-in: the session security level required at login and the " +
			"session timeout (the Metadata API's `ProfileSessionSetting`), and the profile's login IP ranges (`Profile.loginIpRanges`). " +
			"A sign-in from outside the ranges is refused (Login History status `Restricted IP`), on every login method, SAML single sign-on included.\n\n" +
			"With `required_session_level = \"HIGH_ASSURANCE\"`, sign-ins through Okta count only when the org puts the SAML single sign-on " +
			"configuration in the High Assurance column of Setup › Session Settings › Session Security Levels: then Salesforce takes the " +
			"IdP's MFA as done and does not prompt again (Okta's sign-on policy must require MFA for the app). That column is Setup-only: no " +
			"Metadata API field carries it, so this resource cannot set it. With the configuration in the Standard column, the users of such " +
			"a profile are stepped up to Salesforce's own MFA, or refused when they cannot complete it.\n\n" +
			"The resource owns all three settings of its profile: an unset one is Salesforce's default (no required level, no session timeout " +
			"of the profile's own, no IP ranges) and an edit made in Salesforce shows as drift. Other settings of the profile are left " +
			"as they are: a range change sends a Profile holding only `fullName` and `loginIpRanges`, never the profile as read (which risks " +
			"writing permissions back to standard profiles). Salesforce documents Profile deployment as an overlay of the profile (elements sent " +
			"replace, elements left out are kept), and the ranges sent replace the profile's list; **not verified**: that an upsert without any " +
			"range removes the last ones. The resource assumes it does not: it reads the profile back, and ranges still there fail the apply " +
			"(they are named; delete them in Setup › Profiles › (the profile) › Login IP Ranges). Destroy puts the three back to those defaults, " +
			"and warns when ranges were kept that way. A create that finds the profile already restricted adopts it when it equals " +
			"the plan (an earlier create whose answer was lost) and otherwise refuses, listing the differences and the import command.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<salesforce_org>/<profile>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org. Optional when exactly one org is configured.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()}},
			"profile": schema.StringAttribute{Required: true,
				MarkdownDescription: "The profile's metadata name (its name for custom profiles; for example `Admin` for System Administrator).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"required_session_level": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Session security level required at login: `STANDARD` or `HIGH_ASSURANCE`. Unset: none required.",
				Validators:          []validator.String{stringvalidator.OneOf("STANDARD", "HIGH_ASSURANCE")}},
			"session_timeout": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Minutes of inactivity after which the profile's sessions end: 15, 30, 60, 90, 120, 240, 480, 720 or 1440. Unset: the org's timeout applies.",
				Validators:          []validator.Int64{int64validator.OneOf(15, 30, 60, 90, 120, 240, 480, 720, 1440)}},
			"login_ip_ranges": schema.SetNestedAttribute{Optional: true,
				MarkdownDescription: "The addresses the profile's users may sign in from. Both ends of a range are of one family (IPv4 or IPv6) and `start` ≤ `end`; " +
					"a single address has `start` = `end`. Unset or empty: no restriction (Salesforce may keep the last ranges; see above).",
				Validators: []validator.Set{setvalidator.SizeAtMost(500)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"start":       schema.StringAttribute{Required: true, MarkdownDescription: "First address of the range."},
					"end":         schema.StringAttribute{Required: true, MarkdownDescription: "Last address of the range."},
					"description": schema.StringAttribute{Optional: true, MarkdownDescription: "What the range is, for example `HQ`.", Validators: []validator.String{stringvalidator.LengthBetween(1, 255)}},
				}}},
		},
	}
}

func (r *salesforceSessionPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, org, ok := framework.OpenOrg[salesforceSessionPolicyModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	sf, alias, profile := org.Client, plan.SalesforceOrg.ValueString(), plan.Profile.ValueString()
	want := expandSessionPolicy(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	found, setting, err := findSessionPolicy(ctx, sf, profile)
	if errors.Is(err, salesforce.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("profile"), r.Summary(framework.OpCreate), fmt.Sprintf("Org %q has no profile %q: %s", alias, profile, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Reading the session settings of profile %q in org %q: %s", profile, alias, err))
		return
	}
	// A profile restricted already is either what an earlier create wrote (equal: adopt it) or someone else's.
	if d := found.differences(salesforceDefaults); len(d) > 0 {
		if d := found.differences(want); len(d) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("profile"), "Session Policy Already Set",
				fmt.Sprintf("Profile %q in org %q already has session settings or login IP ranges, and they differ from the plan, so they are not what an earlier apply of this configuration wrote:%s\n%s",
					profile, alias, d, framework.ImportHint("oktasf_salesforce_session_policy", alias+"/"+profile, "clear them in Salesforce")))
			return
		}
		tflog.Info(ctx, "adopting the session policy an earlier create wrote (it equals the plan)", map[string]any{"profile": profile, "org": alias})
	}
	if err := writeSessionPolicy(ctx, sf, profile, setting, found, want); err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Writing the session policy of profile %q to org %q: %s", profile, alias, err))
		return
	}
	plan.ID = types.StringValue(alias + "/" + profile)
	flattenSessionPolicy(want, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *salesforceSessionPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, org, ok := framework.OpenOrg[salesforceSessionPolicyModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	profile := state.Profile.ValueString()
	found, _, err := findSessionPolicy(ctx, org.Client, profile)
	if errors.Is(err, salesforce.ErrNotFound) {
		tflog.Debug(ctx, "the profile is gone from Salesforce; removing its session policy from state", map[string]any{"profile": profile})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading the session settings of profile %q in org %q: %s", profile, state.SalesforceOrg.ValueString(), err))
		return
	}
	// Every restriction cleared in Salesforce is the policy deleted out of band: plan creates it again. (A policy
	// that restricts nothing stays, so that such a configuration plans empty.)
	if prior := expandSessionPolicy(ctx, &state, &resp.Diagnostics); len(found.differences(salesforceDefaults)) == 0 && len(prior.differences(salesforceDefaults)) > 0 {
		tflog.Debug(ctx, "the profile's session policy was cleared in Salesforce; removing it from state", map[string]any{"profile": profile})
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(state.SalesforceOrg.ValueString() + "/" + profile)
	flattenSessionPolicy(found, &state, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *salesforceSessionPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, org, ok := framework.OpenOrg[salesforceSessionPolicyModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	profile, alias := plan.Profile.ValueString(), plan.SalesforceOrg.ValueString()
	want := expandSessionPolicy(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	found, setting, err := findSessionPolicy(ctx, org.Client, profile)
	if err == nil {
		err = writeSessionPolicy(ctx, org.Client, profile, setting, found, want)
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Writing the session policy of profile %q to org %q: %s. The next plan shows what Salesforce holds.", profile, alias, err))
		return
	}
	plan.ID = types.StringValue(alias + "/" + profile)
	flattenSessionPolicy(want, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete puts the profile back to Salesforce's defaults: no required level, no timeout of its own, no ranges.
func (r *salesforceSessionPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, org, ok := framework.OpenOrg[salesforceSessionPolicyModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	profile := state.Profile.ValueString()
	found, setting, err := findSessionPolicy(ctx, org.Client, profile)
	if errors.Is(err, salesforce.ErrNotFound) {
		return
	}
	if err == nil {
		err = writeSessionPolicy(ctx, org.Client, profile, setting, found, salesforceDefaults)
	}
	if errors.Is(err, salesforce.ErrLoginIPRangesKept) { // the rest is cleared; failing would keep the resource in the state for ever
		resp.Diagnostics.AddWarning("Login IP Ranges Kept", fmt.Sprintf("The session policy of profile %q in org %q was removed from the state and its "+
			"session level and timeout were cleared, but %s.", profile, state.SalesforceOrg.ValueString(), err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("Clearing the session policy of profile %q in org %q: %s", profile, state.SalesforceOrg.ValueString(), err))
	}
}

// ImportState takes "<salesforce_org>/<profile>", or "<profile>" when one org is configured.
func (r *salesforceSessionPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	alias, profile, found := strings.Cut(req.ID, "/")
	if !found {
		alias, profile = "", req.ID
	}
	if strings.TrimSpace(profile) == "" {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not <salesforce_org>/<profile>, for example prod/Admin.", req.ID))
		return
	}
	org := r.Org(alias, &resp.Diagnostics)
	if org == nil {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, framework.OrgAttribute, org.Alias)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("profile"), profile)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), org.Alias+"/"+profile)...)
}

// findSessionPolicy reads what the profile requires: ErrNotFound when the org has no such profile. The
// session setting is nil when Salesforce lists none for the profile (it then holds the defaults).
func findSessionPolicy(ctx context.Context, sf *salesforce.Client, profile string) (sessionPolicy, *salesforce.ProfileSessionSetting, error) {
	var p sessionPolicy
	ranges, err := sf.ReadProfileLoginIPRanges(ctx, profile)
	if err != nil {
		return p, nil, err
	}
	p.ranges = ranges
	setting, err := sf.FindProfileSessionSetting(ctx, profile)
	switch {
	case errors.Is(err, salesforce.ErrNotFound):
		return p, nil, nil
	case err != nil:
		return p, nil, err
	}
	p.level, p.timeout = setting.RequiredSessionLevel, setting.SessionTimeout
	return p, setting, nil
}

// writeSessionPolicy writes what differs between found and want, and nothing else: an equal part costs no call.
func writeSessionPolicy(ctx context.Context, sf *salesforce.Client, profile string, setting *salesforce.ProfileSessionSetting, found, want sessionPolicy) error {
	if found.level != want.level || found.timeout != want.timeout {
		s := salesforce.ProfileSessionSetting{FullName: profile, Profile: profile}
		if setting != nil {
			s = *setting
		}
		s.RequiredSessionLevel, s.SessionTimeout = want.level, want.timeout
		if err := sf.UpsertProfileSessionSetting(ctx, s); err != nil {
			return err
		}
	}
	if !sameRanges(found.ranges, want.ranges) {
		return sf.SetProfileLoginIPRanges(ctx, profile, want.ranges)
	}
	return nil
}
