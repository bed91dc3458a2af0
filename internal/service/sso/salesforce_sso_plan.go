package sso

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

func (r *salesforceSSOResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.clients == nil {
		return
	}
	var plan, config salesforceSSOModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.SalesforceOrg.IsUnknown() {
		return
	}
	alias, sf := r.clients.OrgOf(config.SalesforceOrg, &resp.Diagnostics)
	if sf == nil {
		return
	}
	plan.SalesforceOrg = types.StringValue(alias)
	if config.SPEntityID.IsNull() {
		facts, err := sf.Facts(ctx)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("salesforce_org"), "Unable to Read Salesforce Org",
				fmt.Sprintf("sp_entity_id is derived from org %q, which could not be read: %s", alias, err))
			return
		}
		plan.SPEntityID = types.StringValue(facts.MyDomainURL)
	}
	if config.Label.IsNull() && !plan.Name.IsUnknown() {
		plan.Label = plan.Name
	}
	if !config.AppID.IsNull() && !config.AppID.IsUnknown() &&
		(config.Issuer.IsNull() || config.IDPCertificate.IsNull() || config.IDPLoginURL.IsNull()) {
		r.planFromApp(ctx, config, &plan, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planFromApp fills the IdP values the configuration leaves out from the Okta app's current metadata.
func (r *salesforceSSOResource) planFromApp(ctx context.Context, config salesforceSSOModel, plan *salesforceSSOModel, diags *diag.Diagnostics) {
	client := r.clients.OktaClient(diags)
	if client == nil {
		return
	}
	appID := config.AppID.ValueString()
	app, err := client.GetSAMLApp(ctx, appID)
	if err != nil {
		diags.AddAttributeError(path.Root("app_id"), "Unable to Read Okta App", fmt.Sprintf("Reading app %s for its issuer and certificate: %s", appID, err))
		return
	}
	xml, err := client.SAMLMetadata(ctx, appID, app.SigningKID)
	if err != nil {
		diags.AddAttributeError(path.Root("app_id"), "Unable to Read Okta App", fmt.Sprintf("Reading the metadata of app %s: %s", appID, err))
		return
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil || len(md.SigningCertificates) == 0 {
		diags.AddAttributeError(path.Root("app_id"), "Unusable Okta App Metadata", fmt.Sprintf("App %s: %v", appID, err))
		return
	}
	if config.Issuer.IsNull() {
		plan.Issuer = types.StringValue(md.EntityID)
	}
	if config.IDPCertificate.IsNull() {
		plan.IDPCertificate = keepEquivalentPEM(plan.IDPCertificate, md.SigningCertificates[0].Raw)
	}
	if config.IDPLoginURL.IsNull() {
		plan.IDPLoginURL = types.StringValue(md.SSOURLPost)
	}
}

// expandSSO writes the owned settings into cfg; it reports false when the certificate cannot be used.
func expandSSO(m *salesforceSSOModel, cfg *salesforce.SamlSsoConfig, diags *diag.Diagnostics) bool {
	der, err := certificateDER(m.IDPCertificate.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("idp_certificate"), "Invalid IdP Certificate", err.Error())
		return false
	}
	cfg.Name = m.Label.ValueString()
	cfg.Issuer = m.Issuer.ValueString()
	cfg.ValidationCert = base64.StdEncoding.EncodeToString(der)
	cfg.LoginURL = m.IDPLoginURL.ValueString()
	cfg.IdentityMapping = m.IdentityType.ValueString()
	cfg.IdentityLocation = m.IdentityLocation.ValueString()
	cfg.AttributeName = m.AttributeName.ValueString()
	cfg.UserProvisioning = m.JITProvisioning.ValueBool()
	cfg.SAMLEntityID = m.SPEntityID.ValueString()
	cfg.SAMLVersion = "SAML2_0"
	cfg.RequestSignatureMethod = m.RequestSignatureMethod.ValueString()
	cfg.SingleLogoutURL = m.SingleLogoutURL.ValueString()
	cfg.SingleLogoutBinding = m.SingleLogoutBinding.ValueString()
	return true
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
		diags.AddAttributeError(path.Root("show_on_login_page"), "Unable to Update the Salesforce Login Page",
			fmt.Sprintf("%s the login page button of %q (SamlSsoConfig %s): %s. The settings themselves are saved; the next apply retries the button.", verb, m.Name.ValueString(), id, err))
	}
}

// flattenSSO sets the model from what Salesforce stores.
func flattenSSO(cfg *salesforce.SamlSsoConfig, m *salesforceSSOModel) {
	nullIfEmpty := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	m.Label = types.StringValue(cfg.Name)
	m.Issuer = types.StringValue(cfg.Issuer)
	if der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(cfg.ValidationCert), "")); err == nil {
		m.IDPCertificate = keepEquivalentPEM(m.IDPCertificate, der)
	} else {
		m.IDPCertificate = types.StringValue(cfg.ValidationCert)
	}
	m.IDPLoginURL = types.StringValue(cfg.LoginURL)
	m.IdentityType = types.StringValue(cfg.IdentityMapping)
	m.IdentityLocation = types.StringValue(cfg.IdentityLocation)
	m.AttributeName = nullIfEmpty(cfg.AttributeName)
	m.JITProvisioning = types.BoolValue(cfg.UserProvisioning)
	m.SPEntityID = types.StringValue(cfg.SAMLEntityID)
	m.RequestSignatureMethod = types.StringValue(cfg.RequestSignatureMethod)
	m.SingleLogoutURL = nullIfEmpty(cfg.SingleLogoutURL)
	m.SingleLogoutBinding = nullIfEmpty(cfg.SingleLogoutBinding)
	m.SalesforceLoginURL = types.StringValue(cfg.SalesforceLoginURL)
}

// keepEquivalentPEM returns prior when it encodes the same certificate as der (so re-wrapped PEM text is
// not a diff), and der as canonical PEM otherwise.
func keepEquivalentPEM(prior types.String, der []byte) types.String {
	if !prior.IsNull() && !prior.IsUnknown() {
		if old, err := certificateDER(prior.ValueString()); err == nil && bytes.Equal(old, der) {
			return prior
		}
	}
	return types.StringValue(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

// certificateDER decodes one PEM certificate and checks that it is X.509.
func certificateDER(text string) ([]byte, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	switch {
	case block == nil:
		return nil, errors.New("idp_certificate is not PEM: give the IdP signing certificate with its -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines, for example oktasf_saml_app.<name>.certificate")
	case block.Type != "CERTIFICATE":
		return nil, fmt.Errorf("idp_certificate holds a %q PEM block; give the IdP's signing certificate (\"CERTIFICATE\"), never a key", block.Type)
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, errors.New("idp_certificate holds more than one PEM block; give only the IdP's signing certificate")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return nil, fmt.Errorf("idp_certificate is not a valid X.509 certificate (%v); copy it again from the IdP's metadata", err)
	}
	return block.Bytes, nil
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
