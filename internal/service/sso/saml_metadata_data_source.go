package sso

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

var (
	_ datasource.DataSource              = (*samlMetadataDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*samlMetadataDataSource)(nil)
)

// NewSAMLMetadataDataSource returns the oktasf_saml_metadata data source.
func NewSAMLMetadataDataSource() datasource.DataSource {
	return &samlMetadataDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("saml_metadata", "SAML Metadata")}
}

type samlMetadataDataSource struct {
	framework.DataSourceWithConfigure
}

type samlMetadataDataSourceModel struct {
	AppID                   types.String `tfsdk:"app_id"`
	KeyID                   types.String `tfsdk:"key_id"`
	EntityID                types.String `tfsdk:"entity_id"`
	SSOURL                  types.String `tfsdk:"sso_url"`
	SSOURLRedirect          types.String `tfsdk:"sso_url_redirect"`
	Certificate             types.String `tfsdk:"certificate"`
	CertificateSHA256       types.String `tfsdk:"certificate_sha256"`
	CertificateNotAfter     types.String `tfsdk:"certificate_not_after"`
	NameIDFormats           types.List   `tfsdk:"name_id_formats"`
	WantAuthnRequestsSigned types.Bool   `tfsdk:"want_authn_requests_signed"`
	Metadata                types.String `tfsdk:"metadata"`
}

// oktaAppID is the shape of an Okta app ID; a label or name passed by mistake fails at plan.
var oktaAppID = regexp.MustCompile(`^0oa[0-9A-Za-z]+$`)

func (d *samlMetadataDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the SAML 2.0 identity-provider metadata Okta publishes for a SAML app, and the values a Salesforce " +
			"org's single sign-on settings take from it: issuer, login URL and signing certificate. Without `key_id` it describes the " +
			"app's active signing key (two Okta requests); with one, that key (one request), which is how a rotation is staged.",
		Attributes: map[string]schema.Attribute{
			"app_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "The Okta app ID (`0oa…`), for example `oktasf_saml_app.salesforce.id`.",
				Validators: []validator.String{stringvalidator.RegexMatches(oktaAppID,
					"must be an Okta app ID, which starts with 0oa (not the app's label or name)")}},
			"key_id": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The signing key (`kid`) to describe. Default: the app's active key (`credentials.signing.kid`), which is then reported here.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"entity_id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The IdP entity ID, `http://www.okta.com/exk…`: the issuer Salesforce expects in assertions."},
			"sso_url": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The single sign-on URL for the HTTP-POST binding: Salesforce's Identity Provider Login URL."},
			"sso_url_redirect": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The single sign-on URL for the HTTP-Redirect binding."},
			"certificate": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The signing certificate as PEM, as Salesforce's Identity Provider Certificate takes it."},
			"certificate_sha256": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The certificate's SHA-256 fingerprint, upper-case hex pairs joined by colons."},
			"certificate_not_after": schema.StringAttribute{Computed: true,
				MarkdownDescription: "When the certificate expires (RFC 3339, UTC)."},
			"name_id_formats": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The NameID formats the app asserts, in metadata order."},
			"want_authn_requests_signed": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "Whether Okta requires signed AuthnRequests from the service provider."},
			"metadata": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The metadata XML exactly as Okta served it."},
		},
	}
}

func (d *samlMetadataDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, client, ok := framework.OpenOkta[samlMetadataDataSourceModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	appID, kid := m.AppID.ValueString(), m.KeyID.ValueString()
	if kid == "" {
		app, err := client.GetSAMLApp(ctx, appID)
		if errors.Is(err, okta.ErrNotFound) {
			resp.Diagnostics.AddAttributeError(path.Root("app_id"), "Okta app not found",
				fmt.Sprintf("Okta has no app %s: %s. Check the ID (Applications > the app > the URL's 0oa… part), or whether the app was deleted.", appID, err))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Reading Okta app %s to find its active signing key: %s", appID, err))
			return
		}
		if app.SignOnMode != "SAML_2_0" || app.SigningKID == "" {
			resp.Diagnostics.AddAttributeError(path.Root("app_id"), "Not a SAML 2.0 app",
				fmt.Sprintf("Okta app %s (%q) signs on with %s and has no active SAML signing key, so it publishes no SAML metadata. Use a SAML_2_0 app.",
					appID, app.Label, app.SignOnMode))
			return
		}
		kid = app.SigningKID
	}
	xml, err := client.SAMLMetadata(ctx, appID, kid)
	if errors.Is(err, okta.ErrNotFound) {
		attr, what := path.Root("app_id"), "app "+appID
		if !m.KeyID.IsNull() {
			attr, what = path.Root("key_id"), fmt.Sprintf("app %s or its key %s", appID, kid)
		}
		resp.Diagnostics.AddAttributeError(attr, "SAML metadata not found",
			fmt.Sprintf("Okta has no %s: %s. List the app's keys in the Admin Console (Sign On > SAML Signing Certificates) and use one of their IDs.", what, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Reading the metadata of Okta app %s for key %s: %s", appID, kid, err))
		return
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead),
			fmt.Sprintf("Okta returned metadata for app %s and key %s that cannot be used: %s", appID, kid, err))
		return
	}
	tflog.Debug(ctx, "read SAML metadata", map[string]any{"app_id": appID, "kid": kid, "entity_id": md.EntityID})
	cert := md.SigningCertificates[0]
	formats, diags := types.ListValueFrom(ctx, types.StringType, nonNil(md.NameIDFormats))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.KeyID = types.StringValue(kid)
	m.EntityID = types.StringValue(md.EntityID)
	m.SSOURL = types.StringValue(md.SSOURLPost)
	m.SSOURLRedirect = types.StringValue(md.SSOURLRedirect)
	m.Certificate = types.StringValue(saml.CertificatePEM(cert))
	m.CertificateSHA256 = types.StringValue(saml.Fingerprint(cert))
	m.CertificateNotAfter = types.StringValue(cert.NotAfter.UTC().Format(time.RFC3339))
	m.NameIDFormats = formats
	m.WantAuthnRequestsSigned = types.BoolValue(md.WantAuthnRequestsSigned)
	m.Metadata = types.StringValue(string(xml))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
