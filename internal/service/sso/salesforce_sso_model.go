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
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

// salesforceSSOModel is the data of oktasf_salesforce_sso.
type salesforceSSOModel struct {
	ID                     types.String `tfsdk:"id"`
	SalesforceOrg          types.String `tfsdk:"salesforce_org"`
	Name                   types.String `tfsdk:"name"`
	Label                  types.String `tfsdk:"label"`
	AppID                  types.String `tfsdk:"app_id"`
	Issuer                 types.String `tfsdk:"issuer"`
	IDPCertificate         types.String `tfsdk:"idp_certificate"`
	IDPCertificateSHA256   types.String `tfsdk:"idp_certificate_sha256"`
	IDPCertificateNotAfter types.String `tfsdk:"idp_certificate_not_after"`
	IDPLoginURL            types.String `tfsdk:"idp_login_url"`
	IdentityType           types.String `tfsdk:"identity_type"`
	IdentityLocation       types.String `tfsdk:"identity_location"`
	AttributeName          types.String `tfsdk:"attribute_name"`
	JITProvisioning        types.Bool   `tfsdk:"jit_provisioning"`
	SPEntityID             types.String `tfsdk:"sp_entity_id"`
	RequestSignatureMethod types.String `tfsdk:"request_signature_method"`
	SingleLogoutURL        types.String `tfsdk:"single_logout_url"`
	SingleLogoutBinding    types.String `tfsdk:"single_logout_binding"`
	SalesforceLoginURL     types.String `tfsdk:"salesforce_login_url"`
	ShowOnLoginPage        types.Bool   `tfsdk:"show_on_login_page"`
}

// expandSSO writes the owned settings into cfg; it reports false when the certificate cannot be used.
func expandSSO(m *salesforceSSOModel, cfg *salesforce.SAMLSSOConfig, diags *diag.Diagnostics) bool {
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

// flattenSSO sets the model from what Salesforce stores.
func flattenSSO(cfg *salesforce.SAMLSSOConfig, m *salesforceSSOModel) {
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
	m.IDPCertificateSHA256, m.IDPCertificateNotAfter = certificateSummary(m.IDPCertificate)
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

// certificateSummary is the SHA-256 fingerprint and expiry of a PEM certificate: what a plan shows when the
// certificate changes, instead of two PEM blocks. Unknown when the PEM is, empty when it cannot be parsed.
func certificateSummary(v types.String) (sha256, notAfter types.String) {
	if v.IsUnknown() {
		return types.StringUnknown(), types.StringUnknown()
	}
	der, err := certificateDER(v.ValueString())
	if v.IsNull() || err != nil {
		return types.StringValue(""), types.StringValue("")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return types.StringValue(""), types.StringValue("")
	}
	return types.StringValue(saml.Fingerprint(cert)), types.StringValue(cert.NotAfter.UTC().Format(time.RFC3339))
}

// samePEMCertificate plans the stored idp_certificate when the configured one encodes the same certificate
// (other line wrapping, line endings or surrounding space), so that only a different certificate is a diff.
type samePEMCertificate struct{}

func (samePEMCertificate) Description(context.Context) string {
	return "a PEM that encodes the stored certificate is no change"
}

func (m samePEMCertificate) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (samePEMCertificate) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if req.PlanValue.ValueString() == req.StateValue.ValueString() {
		return
	}
	planned, err := certificateDER(req.PlanValue.ValueString())
	if err != nil {
		return
	}
	if stored, err := certificateDER(req.StateValue.ValueString()); err == nil && bytes.Equal(planned, stored) {
		resp.PlanValue = req.StateValue
	}
}

// ssoDifferences lists the owned settings in which settings found at create differ from planned (what
// expandSSO would write). Values Salesforce computes (login URL, ID) and settings this resource does not
// own are no difference; a certificate is compared by its DER bytes, so PEM wrapping is none either.
func ssoDifferences(found, planned *salesforce.SAMLSSOConfig) framework.Differences {
	var d framework.Differences
	d.Add("label", found.Name, planned.Name)
	d.Add("issuer", found.Issuer, planned.Issuer)
	if foundDER, plannedDER := validationCertDER(found.ValidationCert), validationCertDER(planned.ValidationCert); !bytes.Equal(foundDER, plannedDER) {
		d.Add("idp_certificate (SHA-256)", derFingerprint(foundDER), derFingerprint(plannedDER))
	}
	d.Add("idp_login_url", found.LoginURL, planned.LoginURL)
	d.Add("identity_type", found.IdentityMapping, planned.IdentityMapping)
	d.Add("identity_location", found.IdentityLocation, planned.IdentityLocation)
	d.Add("attribute_name", found.AttributeName, planned.AttributeName)
	d.Add("jit_provisioning", found.UserProvisioning, planned.UserProvisioning)
	d.Add("sp_entity_id", found.SAMLEntityID, planned.SAMLEntityID)
	d.Add("request_signature_method", found.RequestSignatureMethod, planned.RequestSignatureMethod)
	d.Add("single_logout_url", found.SingleLogoutURL, planned.SingleLogoutURL)
	d.Add("single_logout_binding", found.SingleLogoutBinding, planned.SingleLogoutBinding)
	return d
}

func validationCertDER(b64 string) []byte {
	der, _ := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	return der
}

func derFingerprint(der []byte) string {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return ""
	}
	return saml.Fingerprint(cert)
}
