package provider

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

var _ function.Function = (*decodeSAMLResponseFunction)(nil)

// NewDecodeSAMLResponseFunction returns provider::oktasf::decode_saml_response.
func NewDecodeSAMLResponseFunction() function.Function { return &decodeSAMLResponseFunction{} }

type decodeSAMLResponseFunction struct{}

type samlResponseResult struct {
	Issuer         string              `tfsdk:"issuer"`
	Subject        string              `tfsdk:"subject"`
	NameIDFormat   string              `tfsdk:"name_id_format"`
	Audience       string              `tfsdk:"audience"`
	Destination    string              `tfsdk:"destination"`
	NotBefore      string              `tfsdk:"not_before"`
	NotOnOrAfter   string              `tfsdk:"not_on_or_after"`
	Attributes     map[string][]string `tfsdk:"attributes"`
	SignatureValid bool                `tfsdk:"signature_valid"`
}

var samlResponseResultTypes = map[string]attr.Type{
	"issuer":          types.StringType,
	"subject":         types.StringType,
	"name_id_format":  types.StringType,
	"audience":        types.StringType,
	"destination":     types.StringType,
	"not_before":      types.StringType,
	"not_on_or_after": types.StringType,
	"attributes":      types.MapType{ElemType: types.ListType{ElemType: types.StringType}},
	"signature_valid": types.BoolType,
}

func (f *decodeSAMLResponseFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "decode_saml_response"
}

func (f *decodeSAMLResponseFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Decode a SAML 2.0 Response and check its signature.",
		MarkdownDescription: "Decodes a SAML 2.0 `SAMLResponse` (as posted to a service provider's ACS: base64, or the raw XML) and returns " +
			"the assertion's issuer, subject (NameID) and its format, audience, destination, validity window and attributes. With a " +
			"certificate, `signature_valid` tells whether a signature covering the assertion verifies against it (as of the response's " +
			"issue time); the values returned are then read from the signed element only. Useful to debug what Okta sends to Salesforce " +
			"for JIT provisioning. Documents with a DTD are refused; encrypted assertions are not supported.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "saml_response",
				MarkdownDescription: "The `SAMLResponse` form value (base64, URL-encoded or not) or the Response XML.",
			},
			function.StringParameter{
				Name:           "certificate",
				AllowNullValue: true,
				MarkdownDescription: "The identity provider's signing certificate (PEM, or base64 DER as in SAML metadata), e.g. " +
					"`provider::oktasf::parse_saml_metadata(...).certificate`; `null` or `\"\"` skips verification and `signature_valid` is false.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: samlResponseResultTypes},
	}
}

func (f *decodeSAMLResponseFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var doc string
	var certArg types.String
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &doc, &certArg))
	if resp.Error != nil {
		return
	}
	xmlDoc, err := decodeSAMLResponseInput(doc)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	var certs []*x509.Certificate
	if s := strings.TrimSpace(certArg.ValueString()); s != "" {
		cert, err := parseCertificateArg(s)
		if err != nil {
			resp.Error = function.NewArgumentFuncError(1, "The certificate cannot be read: "+err.Error()+". Pass a PEM \"CERTIFICATE\" block or base64 DER.")
			return
		}
		certs = append(certs, cert)
	}
	unverified, err := saml.ParseResponse(xmlDoc, nil, time.Time{})
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, responseProblem(err))
		return
	}
	out := unverified
	if len(certs) > 0 {
		// Verify as of the issue time, so that an old response from a since-expired certificate still decodes.
		verified, err := saml.ParseResponse(xmlDoc, certs, unverified.IssueInstant)
		switch {
		case err == nil:
			out = verified
		case errors.Is(err, saml.ErrSignature), errors.Is(err, saml.ErrUnsigned):
		default:
			resp.Error = function.NewArgumentFuncError(0, responseProblem(err))
			return
		}
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, newSAMLResponseResult(out)))
}

// decodeSAMLResponseInput accepts raw XML, base64, or base64 still URL-encoded from a form body.
func decodeSAMLResponseInput(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") {
		return []byte(s), nil
	}
	if strings.Contains(s, "%") {
		if u, err := url.QueryUnescape(s); err == nil {
			s = u
		}
	}
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, errors.New("The SAML response is neither XML nor base64 (" + err.Error() + "). Pass the SAMLResponse form value as posted to the ACS.")
	}
	return b, nil
}

func parseCertificateArg(s string) (*x509.Certificate, error) {
	if block, _ := pem.Decode([]byte(s)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, errors.New("the PEM block is " + block.Type + ", not CERTIFICATE")
		}
		return x509.ParseCertificate(block.Bytes)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func responseProblem(err error) string {
	if errors.Is(err, saml.ErrDTD) {
		return "The SAML response contains a DTD or entity declaration (<!DOCTYPE or <!ENTITY), which is refused: a genuine SAML response never has one."
	}
	return "The value is not a readable SAML 2.0 Response: " + err.Error()
}

func newSAMLResponseResult(r *saml.Response) samlResponseResult {
	attrs := map[string][]string{}
	for _, a := range r.Attributes {
		attrs[a.Name] = append(attrs[a.Name], a.Values...)
	}
	for k, v := range attrs {
		if v == nil {
			attrs[k] = []string{}
		}
	}
	rfc := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return samlResponseResult{
		Issuer: r.Issuer, Subject: r.Subject, NameIDFormat: r.NameIDFormat, Audience: r.Audience(), Destination: r.Destination,
		NotBefore: rfc(r.NotBefore), NotOnOrAfter: rfc(r.NotOnOrAfter), Attributes: attrs, SignatureValid: r.SignatureVerified,
	}
}
