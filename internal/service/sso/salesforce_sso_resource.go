package sso

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

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
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

var (
	_ resource.Resource                   = (*salesforceSSOResource)(nil)
	_ resource.ResourceWithConfigure      = (*salesforceSSOResource)(nil)
	_ resource.ResourceWithImportState    = (*salesforceSSOResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*salesforceSSOResource)(nil)
	_ resource.ResourceWithValidateConfig = (*salesforceSSOResource)(nil)
)

// NewSalesforceSSOResource returns the oktasf_salesforce_sso resource.
func NewSalesforceSSOResource() resource.Resource {
	return &salesforceSSOResource{ResourceWithConfigure: framework.NewResourceWithConfigure("salesforce_sso", "Salesforce SSO Settings")}
}

type salesforceSSOResource struct {
	framework.ResourceWithConfigure
}

// developerName is what Salesforce accepts as an API name.
var developerName = regexp.MustCompile(`^[A-Za-z](?:[A-Za-z0-9]|_(?:[A-Za-z0-9]))*$`)

func (r *salesforceSSOResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Values derived at plan (from the org or the Okta app) are set by ModifyPlan; otherwise the stored value stands.
	optionalComputed := func(desc string, validators ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc, Validators: validators,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Salesforce org's SAML single sign-on settings (the Metadata API's SamlSsoConfig) that trust an Okta app. " +
			"Take `issuer`, `idp_certificate` and `idp_login_url` from `oktasf_saml_app` so that a change of certificate or issuer in Okta " +
			"plans an update here and reaches Salesforce in the same apply; with `app_id` alone they are read from Okta at plan time. " +
			"Updates change only the fields this resource owns; an edit made in Salesforce shows as drift. Planning new settings fails when the " +
			"org already has settings for the same issuer under another name: import those (`terraform import 'oktasf_salesforce_sso.prod' <org>/<name>`).\n\n" +
			"A create first reads settings of the planned `name` in the org. Settings that equal the plan are what an earlier create wrote " +
			"when its answer never reached the state (the read-back failed, terraform was killed): they are adopted without writing, and " +
			"only the login page button is added when `show_on_login_page` asks for it and it is missing. Equal means every setting this " +
			"resource writes: `label`, `issuer`, `idp_certificate` (the same certificate; PEM wrapping is no difference), `idp_login_url`, " +
			"`identity_type`, `identity_location`, `attribute_name`, `jit_provisioning`, `sp_entity_id`, `request_signature_method` and " +
			"single logout. Settings that differ are an error that lists each difference (attribute: found, planned) and the import command.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The SamlSsoConfig ID (`0LE…`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org. Optional when exactly one org is configured.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()}},
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "The API name (DeveloperName), for example `Okta`: letters, digits and single underscores, starting with a letter.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 80), stringvalidator.RegexMatches(developerName,
					"must start with a letter and hold only letters, digits and single underscores (no trailing or double underscore), for example Okta_Prod")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"label": optionalComputed("The name shown in Setup; default `name`.", stringvalidator.LengthBetween(1, 80)),
			"app_id": optionalComputed("The Okta app whose issuer, certificate and login URL to trust, for the values not set explicitly. " +
				"When it refers to an `oktasf_saml_app` (`app_id = oktasf_saml_app.x.id`) that rotates its key in the same plan, the certificate is planned as known after apply and read " +
				"from Okta during the apply, so one apply leaves Salesforce trusting the new key. After an import it is found by the issuer."),
			"issuer": optionalComputed("The IdP entity ID, for example `oktasf_saml_app.x.entity_id`.", stringvalidator.LengthBetween(1, 1000)),
			"idp_certificate": schema.StringAttribute{Optional: true, Computed: true, Validators: []validator.String{certificateValidator{}},
				MarkdownDescription: "The IdP signing certificate (PEM), for example `oktasf_saml_app.x.certificate`. A PEM that encodes the " +
					"stored certificate with other line wrapping or line endings is no change; a different certificate shows as a change of " +
					"`idp_certificate_sha256` and `idp_certificate_not_after`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), samePEMCertificate{}}},
			"idp_certificate_sha256": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The SHA-256 fingerprint of `idp_certificate` (upper-case hex pairs joined by colons, as `openssl x509 -fingerprint -sha256` shows it)."},
			"idp_certificate_not_after": schema.StringAttribute{Computed: true,
				MarkdownDescription: "When `idp_certificate` expires (RFC 3339)."},
			"idp_login_url": optionalComputed("The IdP login URL for SP-initiated sign-in, for example `oktasf_saml_app.x.sso_url`."),
			"identity_type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("FederationId"),
				MarkdownDescription: "What the assertion identifies the user by: `FederationId` (default), `Username` or `UserId`.",
				Validators:          []validator.String{stringvalidator.OneOf("FederationId", "Username", "UserId")}},
			"identity_location": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("SubjectNameId"),
				MarkdownDescription: "Where the identity is: `SubjectNameId` (default) or `Attribute` (then set `attribute_name`).",
				Validators:          []validator.String{stringvalidator.OneOf("SubjectNameId", "Attribute")}},
			"attribute_name": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The SAML attribute that holds the identity, when `identity_location` is `Attribute`."},
			"jit_provisioning": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Create and update users just in time from the assertion's `User.*` attributes (default false)."},
			"sp_entity_id": optionalComputed("The SP entity ID Salesforce presents; default the org's My Domain URL."),
			"request_signature_method": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("RSA-SHA256"),
				MarkdownDescription: "How Salesforce signs SAML requests: `RSA-SHA256` (default) or `RSA-SHA1`.",
				Validators:          []validator.String{stringvalidator.OneOf("RSA-SHA256", "RSA-SHA1")}},
			"single_logout_url": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The IdP's single logout endpoint; omit to disable single logout."},
			"single_logout_binding": schema.StringAttribute{Optional: true,
				MarkdownDescription: "`RedirectBinding` or `PostBinding`, with `single_logout_url`.",
				Validators:          []validator.String{stringvalidator.OneOf("RedirectBinding", "PostBinding")}},
			"show_on_login_page": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Show a button for this IdP on the org's My Domain login page (an `AuthConfigProviders` row of the login page's " +
					"`AuthConfig`). Default false. Refresh checks the button only while this is true, so that a refresh stays at two Salesforce " +
					"requests: a button removed in Salesforce shows as drift, a button added there while this is false is left alone."},
			"salesforce_login_url": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The Salesforce login URL of this configuration (the ACS URL Salesforce shows in Setup).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
	}
}

func (r *salesforceSSOResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, org, ok := framework.OpenOrg[salesforceSSOModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	sf := org.Client
	name, alias := plan.Name.ValueString(), plan.SalesforceOrg.ValueString()
	// Look before create: settings an earlier create wrote, whose answer never reached the state, are adopted.
	found, err := sf.ReadSAMLSSOConfig(ctx, name)
	if err != nil && !errors.Is(err, salesforce.ErrNotFound) {
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Looking for %q in org %q: %s", name, alias, err))
		return
	}
	if !r.applyFromApp(ctx, &plan, &resp.Diagnostics) {
		return
	}
	cfg := salesforce.SAMLSSOConfig{FullName: name}
	if !expandSSO(&plan, &cfg, &resp.Diagnostics) {
		return
	}
	if found != nil {
		if d := ssoDifferences(found, &cfg); len(d) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Single Sign-On Settings Already Exist",
				fmt.Sprintf("Org %q already has SAML single sign-on settings named %q, and they differ from the plan, so they are not what an earlier apply of this configuration wrote:%s\n%s",
					alias, name, d, framework.ImportHint("oktasf_salesforce_sso", alias+"/"+name, "remove it")))
			return
		}
		tflog.Info(ctx, "adopting the SSO settings an earlier create wrote (they equal the plan)", map[string]any{"name": name, "org": alias})
	} else if _, err := sf.UpsertSAMLSSOConfig(ctx, cfg); err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Writing %q to org %q: %s", name, alias, err))
		return
	}
	r.readBack(ctx, sf, &plan, types.BoolValue(false), &resp.State, &resp.Diagnostics)
}

func (r *salesforceSSOResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, org, ok := framework.OpenOrg[salesforceSSOModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	sf := org.Client
	cfg, err := sf.ReadSAMLSSOConfig(ctx, state.Name.ValueString())
	if errors.Is(err, salesforce.ErrNotFound) {
		tflog.Debug(ctx, "SamlSsoConfig is gone from Salesforce; removing it from state", map[string]any{"name": state.Name.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading %q from org %q: %s", state.Name.ValueString(), state.SalesforceOrg.ValueString(), err))
		return
	}
	if state.ID.IsNull() || state.ID.ValueString() == "" { // after import
		id, err := ssoConfigID(ctx, sf, state.Name.ValueString())
		if err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Finding the ID of %q: %s", state.Name.ValueString(), err))
			return
		}
		state.ID = types.StringValue(id)
		if state.AppID.IsNull() {
			state.AppID = r.appOfIssuer(ctx, cfg.Issuer, cfg.SAMLEntityID)
		}
	}
	flattenSSO(cfg, &state)
	// One Tooling query, only when the button is ours to keep (or unknown after import).
	if state.ShowOnLoginPage.IsNull() || state.ShowOnLoginPage.IsUnknown() || state.ShowOnLoginPage.ValueBool() {
		rows, err := sf.LoginPageProviders(ctx, state.ID.ValueString())
		if err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading the login page button of %q: %s", state.Name.ValueString(), err))
			return
		}
		state.ShowOnLoginPage = types.BoolValue(len(rows) > 0)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *salesforceSSOResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, org, ok := framework.OpenOrg[salesforceSSOModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	sf := org.Client
	var shown types.Bool
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("show_on_login_page"), &shown)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	if !r.applyFromApp(ctx, &plan, &resp.Diagnostics) {
		return
	}
	// Read-modify-write: settings this resource does not own (JIT handler, execution user, decryption
	// certificate, error and logout URLs) keep the values an admin gave them.
	cfg, err := sf.ReadSAMLSSOConfig(ctx, name)
	if errors.Is(err, salesforce.ErrNotFound) {
		cfg, err = &salesforce.SAMLSSOConfig{FullName: name}, nil
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Reading %q from org %q: %s", name, plan.SalesforceOrg.ValueString(), err))
		return
	}
	if !expandSSO(&plan, cfg, &resp.Diagnostics) {
		return
	}
	if _, err := sf.UpsertSAMLSSOConfig(ctx, *cfg); err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpUpdate),
			fmt.Sprintf("Writing %q to org %q: %s. Salesforce keeps its previous settings; the next plan shows the difference and the next apply retries.", name, plan.SalesforceOrg.ValueString(), err))
		return
	}
	r.readBack(ctx, sf, &plan, shown, &resp.State, &resp.Diagnostics)
}

func (r *salesforceSSOResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, org, ok := framework.OpenOrg[salesforceSSOModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	sf := org.Client
	// The button goes first: the settings it points at must not be removed from under it.
	if state.ShowOnLoginPage.ValueBool() && state.ID.ValueString() != "" {
		if err := sf.HideFromLoginPage(ctx, state.ID.ValueString()); err != nil && !errors.Is(err, salesforce.ErrNotFound) {
			resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("Removing the login page button of %q from org %q: %s", state.Name.ValueString(), state.SalesforceOrg.ValueString(), err))
			return
		}
	}
	if err := sf.DeleteSAMLSSOConfig(ctx, state.Name.ValueString()); err != nil && !errors.Is(err, salesforce.ErrNotFound) {
		resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("Deleting %q from org %q: %s", state.Name.ValueString(), state.SalesforceOrg.ValueString(), err))
	}
}

// ImportState takes "<salesforce_org>/<name>", or "<name>" when one org is configured.
func (r *salesforceSSOResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	alias, name, found := strings.Cut(req.ID, "/")
	if !found {
		alias, name = "", req.ID
	}
	if name == "" || !developerName.MatchString(name) {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not <salesforce_org>/<name>, for example prod/Okta.", req.ID))
		return
	}
	org := r.Org(alias, &resp.Diagnostics)
	if org == nil {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, framework.OrgAttribute, org.Alias)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

// readBack reads what Salesforce stored (its computed login URL among it) into the state, after bringing
// the login page button from shown (what the prior state holds) to what m asks for.
func (r *salesforceSSOResource) readBack(ctx context.Context, sf *salesforce.Client, m *salesforceSSOModel, shown types.Bool, st *tfsdk.State, diags *diag.Diagnostics) {
	cfg, err := sf.ReadSAMLSSOConfig(ctx, m.Name.ValueString())
	if err == nil && (m.ID.IsUnknown() || m.ID.ValueString() == "") {
		var id string
		if id, err = ssoConfigID(ctx, sf, m.Name.ValueString()); err == nil {
			m.ID = types.StringValue(id)
		}
	}
	if err != nil {
		diags.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading back %q: %s. Salesforce holds what was written: the next apply reads it and takes it into the state.", m.Name.ValueString(), err))
		return
	}
	flattenSSO(cfg, m)
	applyLoginPage(ctx, sf, m, shown, diags)
	diags.Append(st.Set(ctx, m)...)
}

func ssoConfigID(ctx context.Context, sf *salesforce.Client, name string) (string, error) {
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := sf.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = "+salesforce.Quote(name), &rows); err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("no SamlSsoConfig named %q: %w", name, salesforce.ErrNotFound)
	}
	return rows[0].ID, nil
}

// applyLoginPage shows or hides the login page button when m asks for other than shown. On failure m keeps
// shown, so the state tells the truth and the next plan retries.
func applyLoginPage(ctx context.Context, sf *salesforce.Client, m *salesforceSSOModel, shown types.Bool, diags *diag.Diagnostics) {
	want := m.ShowOnLoginPage.ValueBool()
	if !shown.IsNull() && !shown.IsUnknown() && shown.ValueBool() == want {
		return
	}
	id := m.ID.ValueString()
	var err error
	if want {
		err = sf.ShowOnLoginPage(ctx, id)
	} else {
		err = sf.HideFromLoginPage(ctx, id)
	}
	if err != nil {
		m.ShowOnLoginPage = types.BoolValue(shown.ValueBool())
		verb := map[bool]string{true: "Adding", false: "Removing"}[want]
		diags.AddAttributeError(path.Root("show_on_login_page"), framework.Summary(framework.OpUpdate, "the Salesforce Login Page"),
			fmt.Sprintf("%s the login page button of %q (SamlSsoConfig %s): %s. The settings themselves are saved; the next apply retries the button.", verb, m.Name.ValueString(), id, err))
	}
}
