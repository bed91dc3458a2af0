package provider

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
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
	Destination    *string             `tfsdk:"destination"`
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
			"certificate, `signature_valid` tells whether a signature covering the assertion verifies against it, with the certificate " +
			"valid at the time given as the optional third argument (RFC 3339, e.g. `plantimestamp()`), or else now — never at a time " +
			"the document states. The values returned are then read from the signed element only: when only the assertion is signed " +
			"(Okta's default), `destination`, an attribute of the unsigned Response element, is `null`. If the signature does not verify, " +
			"`signature_valid` is false and every value is as the document states it, unverified. Useful to debug what Okta sends to " +
			"Salesforce for JIT provisioning. Documents with a DTD are refused; encrypted assertions are not supported.",
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
		VariadicParameter: function.StringParameter{
			Name: "verify_at",
			MarkdownDescription: "Optional, at most one: the time (RFC 3339) at which the certificate must be valid, e.g. `plantimestamp()` " +
				"for the same answer at plan and apply, or the time the response was captured to check an old one. Default: now.",
		},
		Return: function.ObjectReturn{AttributeTypes: samlResponseResultTypes},
	}
}

func (f *decodeSAMLResponseFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var doc string
	var certArg types.String
	var verifyAt []string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &doc, &certArg, &verifyAt))
	if resp.Error != nil {
		return
	}
	clock, funcErr := verificationClock(verifyAt)
	if funcErr != nil {
		resp.Error = funcErr
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
		verified, err := saml.ParseResponse(xmlDoc, certs, clock)
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

// verificationClock is the caller's verify_at, or now. The document's own IssueInstant is never the clock: when
// only the assertion is signed it is unsigned, and a forger would set it to when a stolen certificate was valid.
func verificationClock(args []string) (time.Time, *function.FuncError) {
	switch len(args) {
	case 0:
		return time.Now(), nil
	case 1:
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(args[0]))
		if err != nil {
			return time.Time{}, function.NewArgumentFuncError(2, "verify_at must be an RFC 3339 time such as \"2026-03-04T05:06:07Z\" "+
				"(plantimestamp() gives one): "+err.Error())
		}
		return t, nil
	default:
		return time.Time{}, function.NewArgumentFuncError(3, fmt.Sprintf("decode_saml_response takes at most one verify_at argument, got %d: remove the extra ones.", len(args)))
	}
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
	var destination *string
	if !r.SignatureVerified || r.ResponseVerified {
		destination = &r.Destination
	}
	return samlResponseResult{
		Issuer: r.Issuer, Subject: r.Subject, NameIDFormat: r.NameIDFormat, Audience: r.Audience(), Destination: destination,
		NotBefore: rfc(r.NotBefore), NotOnOrAfter: rfc(r.NotOnOrAfter), Attributes: attrs, SignatureValid: r.SignatureVerified,
	}
}
