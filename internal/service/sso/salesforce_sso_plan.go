package sso

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

func (r *salesforceSSOResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m salesforceSSOModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.IdentityLocation.ValueString() == "Attribute" && m.AttributeName.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("attribute_name"), "Missing Attribute Name",
			"identity_location is \"Attribute\", so Salesforce needs attribute_name: the SAML attribute that holds the user's identity, for example \"User.FederationIdentifier\".")
	}
	if !m.AttributeName.IsNull() && !m.IdentityLocation.IsUnknown() && m.IdentityLocation.ValueString() != "Attribute" {
		resp.Diagnostics.AddAttributeError(path.Root("attribute_name"), "Attribute Name Without Attribute Location",
			"attribute_name is used only when identity_location = \"Attribute\"; set that, or remove attribute_name.")
	}
	if !m.SingleLogoutBinding.IsNull() && m.SingleLogoutURL.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("single_logout_binding"), "Single Logout Binding Without URL",
			"single_logout_binding needs single_logout_url.")
	}
	if m.AppID.IsNull() && (m.Issuer.IsNull() || m.IDPCertificate.IsNull()) {
		resp.Diagnostics.AddAttributeError(path.Root("issuer"), "Missing Identity Provider",
			"Salesforce must know which IdP to trust: set issuer and idp_certificate (for example from oktasf_saml_app), or app_id to read them from Okta.")
	}
}

func (r *salesforceSSOResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	p, ok := framework.OpenPlan[salesforceSSOModel](ctx, r, req, resp)
	if !ok {
		return
	}
	plan, config := p.Plan, p.Config
	if config.SPEntityID.IsNull() {
		facts, err := p.Org.Client.Facts(ctx)
		if err != nil {
			resp.Diagnostics.AddAttributeError(framework.OrgAttribute, framework.Summary(framework.OpRead, "Salesforce Org"),
				fmt.Sprintf("sp_entity_id is derived from org %q, which could not be read: %s", p.Org.Alias, err))
			return
		}
		plan.SPEntityID = types.StringValue(facts.MyDomainURL)
	}
	if config.Label.IsNull() && !plan.Name.IsUnknown() {
		plan.Label = plan.Name
	}
	if config.AppID.IsNull() { // computed only to remember the app an import found: no app, no diff
		plan.AppID = types.StringNull()
		if p.State != nil {
			plan.AppID = p.State.AppID
		}
	}
	if !config.AppID.IsNull() && !config.AppID.IsUnknown() &&
		(config.Issuer.IsNull() || config.IDPCertificate.IsNull() || config.IDPLoginURL.IsNull()) {
		r.planFromApp(ctx, config, &plan, &resp.Diagnostics)
	}
	plan.IDPCertificateSHA256, plan.IDPCertificateNotAfter = certificateSummary(plan.IDPCertificate)
	if p.State == nil && !plan.Issuer.IsUnknown() && !plan.Name.IsUnknown() {
		refuseSecondSettings(ctx, p.Org, plan, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planFromApp fills the IdP values the configuration leaves out from the Okta app's current metadata. When
// the app's oktasf_saml_app rotates its key in this plan, the certificate is unknown: Create or Update reads
// it from Okta after the rotation (applyFromApp).
func (r *salesforceSSOResource) planFromApp(ctx context.Context, config salesforceSSOModel, plan *salesforceSSOModel, diags *diag.Diagnostics) {
	appID := config.AppID.ValueString()
	md := r.appIDP(ctx, appID, diags)
	if md == nil {
		return
	}
	if config.Issuer.IsNull() {
		plan.Issuer = types.StringValue(md.EntityID)
	}
	if config.IDPCertificate.IsNull() {
		plan.IDPCertificate = keepEquivalentPEM(plan.IDPCertificate, md.SigningCertificates[0].Raw)
		if rotationPlanned(r.Clients(), appID) {
			plan.IDPCertificate = types.StringUnknown()
		}
	}
	if config.IDPLoginURL.IsNull() {
		plan.IDPLoginURL = types.StringValue(md.SSOURLPost)
	}
}

// applyFromApp sets, at apply, the IdP values the plan left unknown from the app's metadata as it is now.
func (r *salesforceSSOResource) applyFromApp(ctx context.Context, plan *salesforceSSOModel, diags *diag.Diagnostics) bool {
	if !plan.Issuer.IsUnknown() && !plan.IDPCertificate.IsUnknown() && !plan.IDPLoginURL.IsUnknown() {
		return true
	}
	if plan.AppID.IsNull() || plan.AppID.IsUnknown() { // no app to read: Salesforce's own values are read back
		return true
	}
	md := r.appIDP(ctx, plan.AppID.ValueString(), diags)
	if md == nil {
		return false
	}
	if plan.Issuer.IsUnknown() {
		plan.Issuer = types.StringValue(md.EntityID)
	}
	if plan.IDPCertificate.IsUnknown() {
		plan.IDPCertificate = keepEquivalentPEM(types.StringNull(), md.SigningCertificates[0].Raw)
	}
	if plan.IDPLoginURL.IsUnknown() {
		plan.IDPLoginURL = types.StringValue(md.SSOURLPost)
	}
	return true
}

// appIdP reads the app's metadata for its active key; nil (with a diagnostic at app_id) when it cannot.
func (r *salesforceSSOResource) appIDP(ctx context.Context, appID string, diags *diag.Diagnostics) *saml.Metadata {
	client := r.Okta(diags)
	if client == nil {
		return nil
	}
	app, err := client.GetSAMLApp(ctx, appID)
	if err != nil {
		diags.AddAttributeError(path.Root("app_id"), framework.Summary(framework.OpRead, "Okta App"), fmt.Sprintf("Reading app %s for its issuer and certificate: %s", appID, err))
		return nil
	}
	xml, err := client.SAMLMetadata(ctx, appID, app.SigningKID)
	if err != nil {
		diags.AddAttributeError(path.Root("app_id"), framework.Summary(framework.OpRead, "Okta App"), fmt.Sprintf("Reading the metadata of app %s: %s", appID, err))
		return nil
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil || len(md.SigningCertificates) == 0 {
		diags.AddAttributeError(path.Root("app_id"), "Unusable Okta App Metadata", fmt.Sprintf("App %s: %v", appID, err))
		return nil
	}
	return md
}

// certificateValidator refuses, at plan, an idp_certificate that is not one PEM X.509 certificate.
type certificateValidator struct{}

func (certificateValidator) Description(context.Context) string {
	return "must be one PEM-encoded X.509 certificate"
}

func (v certificateValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (certificateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := certificateDER(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IdP Certificate", err.Error())
	}
}
