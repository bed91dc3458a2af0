package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

var _ function.Function = (*parseSAMLMetadataFunction)(nil)

// NewParseSAMLMetadataFunction returns provider::oktasf::parse_saml_metadata.
func NewParseSAMLMetadataFunction() function.Function { return &parseSAMLMetadataFunction{} }

type parseSAMLMetadataFunction struct{}

// samlMetadataResult is the function's return object; the oktasf_saml_metadata data source has the same
// attributes, so that one can replace the other.
type samlMetadataResult struct {
	EntityID                string   `tfsdk:"entity_id"`
	SSOURL                  string   `tfsdk:"sso_url"`
	SSOURLRedirect          string   `tfsdk:"sso_url_redirect"`
	Certificate             string   `tfsdk:"certificate"`
	CertificateSHA256       string   `tfsdk:"certificate_sha256"`
	CertificateNotAfter     string   `tfsdk:"certificate_not_after"`
	NameIDFormats           []string `tfsdk:"name_id_formats"`
	WantAuthnRequestsSigned bool     `tfsdk:"want_authn_requests_signed"`
}

var samlMetadataResultTypes = map[string]attr.Type{
	"entity_id":                  types.StringType,
	"sso_url":                    types.StringType,
	"sso_url_redirect":           types.StringType,
	"certificate":                types.StringType,
	"certificate_sha256":         types.StringType,
	"certificate_not_after":      types.StringType,
	"name_id_formats":            types.ListType{ElemType: types.StringType},
	"want_authn_requests_signed": types.BoolType,
}

func (f *parseSAMLMetadataFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "parse_saml_metadata"
}

func (f *parseSAMLMetadataFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Read an identity provider's SAML 2.0 metadata.",
		MarkdownDescription: "Parses SAML 2.0 identity-provider metadata (an `EntityDescriptor`, or an `EntitiesDescriptor` whose first " +
			"identity provider is taken) and returns what a service provider such as Salesforce needs: the issuer (`entity_id`), the " +
			"single sign-on URLs, and the first signing certificate with its SHA-256 fingerprint and expiry. Documents with a DTD or " +
			"entity declarations are refused. To read an Okta app's metadata from the API instead, use the `oktasf_saml_metadata` data source.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "xml",
				MarkdownDescription: "The metadata XML, for example `file(\"idp-metadata.xml\")` or the `metadata` attribute of " +
					"`data.oktasf_saml_metadata`.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: samlMetadataResultTypes},
	}
}

func (f *parseSAMLMetadataFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var doc string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &doc))
	if resp.Error != nil {
		return
	}
	md, err := saml.ParseMetadata([]byte(doc))
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, metadataProblem(err))
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, newSAMLMetadataResult(md)))
}

func newSAMLMetadataResult(md *saml.Metadata) samlMetadataResult {
	cert := md.SigningCertificates[0]
	formats := md.NameIDFormats
	if formats == nil {
		formats = []string{}
	}
	return samlMetadataResult{
		EntityID:                md.EntityID,
		SSOURL:                  md.SSOURLPost,
		SSOURLRedirect:          md.SSOURLRedirect,
		Certificate:             saml.CertificatePEM(cert),
		CertificateSHA256:       saml.Fingerprint(cert),
		CertificateNotAfter:     cert.NotAfter.UTC().Format(time.RFC3339),
		NameIDFormats:           formats,
		WantAuthnRequestsSigned: md.WantAuthnRequestsSigned,
	}
}

// metadataProblem turns a parse error into a message that names the problem and the fix.
func metadataProblem(err error) string {
	switch {
	case errors.Is(err, saml.ErrDTD):
		return "The SAML metadata contains a DTD or entity declaration (<!DOCTYPE or <!ENTITY), which is refused because it can " +
			"expand entities or reach external resources. Remove the DOCTYPE: identity-provider metadata never needs one."
	case errors.Is(err, saml.ErrNoIDPSSODescriptor):
		return "The document is SAML metadata without an IDPSSODescriptor, so it does not describe an identity provider (it may be " +
			"service-provider metadata). Pass the identity provider's metadata, for Okta the app's /sso/saml/metadata document. Detail: " + err.Error()
	case errors.Is(err, saml.ErrNoSigningCert):
		return "The identity provider's metadata has no signing certificate (a KeyDescriptor with use=\"signing\" or no use, holding an " +
			"X509Certificate). Export the metadata with its signing key included. Detail: " + err.Error()
	case errors.Is(err, saml.ErrInvalidCertificate):
		return "A signing certificate in the metadata cannot be read; it may have been truncated or altered when copied. " +
			"Download the metadata again. Detail: " + err.Error()
	}
	return "The value is not SAML 2.0 metadata: " + err.Error() + ". Pass the XML text of an EntityDescriptor, for example " +
		"file(\"idp-metadata.xml\") or data.oktasf_saml_metadata.<name>.metadata."
}
