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

// samlResponseResult keeps verified and unverified values apart, so that a pipeline reading `subject` can never get
// what a forger wrote: the top-level fields are null unless a verified signature covers them.
type samlResponseResult struct {
	Issuer         *string             `tfsdk:"issuer"`
	Subject        *string             `tfsdk:"subject"`
	NameIDFormat   *string             `tfsdk:"name_id_format"`
	Audience       *string             `tfsdk:"audience"`
	Destination    *string             `tfsdk:"destination"`
	NotBefore      *string             `tfsdk:"not_before"`
	NotOnOrAfter   *string             `tfsdk:"not_on_or_after"`
	Attributes     map[string][]string `tfsdk:"attributes"`
	SignatureValid *bool               `tfsdk:"signature_valid"`
	SignatureError *string             `tfsdk:"signature_error"`
	Unverified     samlResponseClaims  `tfsdk:"unverified"`
}

// samlResponseClaims is what the document states, signed or not.
type samlResponseClaims struct {
	Issuer       string              `tfsdk:"issuer"`
	Subject      string              `tfsdk:"subject"`
	NameIDFormat string              `tfsdk:"name_id_format"`
	Audience     string              `tfsdk:"audience"`
	Destination  string              `tfsdk:"destination"`
	NotBefore    string              `tfsdk:"not_before"`
	NotOnOrAfter string              `tfsdk:"not_on_or_after"`
	Attributes   map[string][]string `tfsdk:"attributes"`
}

var samlResponseClaimTypes = map[string]attr.Type{
	"issuer":          types.StringType,
	"subject":         types.StringType,
	"name_id_format":  types.StringType,
	"audience":        types.StringType,
	"destination":     types.StringType,
	"not_before":      types.StringType,
	"not_on_or_after": types.StringType,
	"attributes":      types.MapType{ElemType: types.ListType{ElemType: types.StringType}},
}

var samlResponseResultTypes = func() map[string]attr.Type {
	t := map[string]attr.Type{
		"signature_valid": types.BoolType,
		"signature_error": types.StringType,
		"unverified":      types.ObjectType{AttrTypes: samlResponseClaimTypes},
	}
	for k, v := range samlResponseClaimTypes {
		t[k] = v
	}
	return t
}()

func (f *decodeSAMLResponseFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "decode_saml_response"
}

func (f *decodeSAMLResponseFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Decode a SAML 2.0 Response and check its signature.",
		MarkdownDescription: "Decodes a SAML 2.0 `SAMLResponse` (as posted to a service provider's ACS: base64, or the raw XML) and returns " +
			"the assertion's issuer, subject (NameID) and its format, audience (the first one; reported, not judged: compare it with your " +
			"SP entity ID yourself), destination, validity window and attributes.\n\n" +
			"Verified and unverified values are kept apart. The top-level `issuer`, `subject`, `name_id_format`, `audience`, `destination`, " +
			"`not_before`, `not_on_or_after` and `attributes` are filled only from what a signature verified against the certificate covers, " +
			"and are `null` otherwise: when only the assertion is signed (Okta's default), `destination`, an attribute of the unsigned Response " +
			"element, stays `null`. `unverified` always holds what the document states, signed or not — for debugging, never for decisions.\n\n" +
			"`signature_valid` is `true` when a signature covering the assertion verifies against the certificate, valid at the time given as " +
			"the optional third argument (RFC 3339, e.g. `plantimestamp()`), or else now — never at a time the document states; `false` when " +
			"it does not, and then `signature_error` says why (e.g. `no signature`, `certificate does not match: signed by <SHA-256 " +
			"fingerprint>`, `digest mismatch: the assertion was changed after it was signed`, `expired certificate at <time>: valid until " +
			"<time>`, `signature does not cover the assertion (wrapping): …`). Without a certificate nothing is verified: `signature_valid`, " +
			"`signature_error` and every top-level value are `null`, and only `unverified` is filled.\n\n" +
			"Refused with an error: a `saml_response` longer than 1 MiB (1048576 characters, as given) or whose XML exceeds 1 MiB, a " +
			"document with a DTD or entity declaration, a Response with more than one assertion (how signature wrapping smuggles in " +
			"unsigned values) and encrypted assertions. Useful to debug what Okta sends to Salesforce for JIT provisioning.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "saml_response",
				MarkdownDescription: "The `SAMLResponse` form value (base64, URL-encoded or not) or the Response XML.",
			},
			function.StringParameter{
				Name:           "certificate",
				AllowNullValue: true,
				MarkdownDescription: "The identity provider's signing certificate (PEM, or base64 DER as in SAML metadata), e.g. " +
					"`provider::oktasf::parse_saml_metadata(...).certificate`; `null` or `\"\"` skips verification: only `unverified` is filled and `signature_valid` is `null`.",
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
	if len(doc) > saml.MaxResponseBytes {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("saml_response is %d characters; the limit is 1 MiB (%d characters). "+
			"A genuine SAMLResponse is a few KiB: pass the form value as posted to the ACS.", len(doc), saml.MaxResponseBytes))
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
	claimed, err := saml.ParseResponse(xmlDoc, nil, time.Time{})
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, responseProblem(err))
		return
	}
	out := samlResponseResult{Unverified: newSAMLResponseClaims(claimed)}
	if len(certs) > 0 {
		verified, err := saml.ParseResponse(xmlDoc, certs, clock)
		var sigErr *saml.SignatureError
		switch {
		case err == nil:
			setVerifiedValues(&out, verified)
		case errors.As(err, &sigErr):
			out.SignatureValid, out.SignatureError = new(bool), &sigErr.Reason
		default:
			resp.Error = function.NewArgumentFuncError(0, responseProblem(err))
			return
		}
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, out))
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

func newSAMLResponseClaims(r *saml.Response) samlResponseClaims {
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
	return samlResponseClaims{
		Issuer: r.Issuer, Subject: r.Subject, NameIDFormat: r.NameIDFormat, Audience: r.Audience(), Destination: r.Destination,
		NotBefore: rfc(r.NotBefore), NotOnOrAfter: rfc(r.NotOnOrAfter), Attributes: attrs,
	}
}

// setVerifiedValues fills the top-level values from a verified read, which holds only what the signature covers.
func setVerifiedValues(out *samlResponseResult, r *saml.Response) {
	c := newSAMLResponseClaims(r)
	valid := true
	out.SignatureValid = &valid
	out.Issuer, out.Subject, out.NameIDFormat, out.Audience = &c.Issuer, &c.Subject, &c.NameIDFormat, &c.Audience
	out.NotBefore, out.NotOnOrAfter, out.Attributes = &c.NotBefore, &c.NotOnOrAfter, c.Attributes
	if r.ResponseVerified {
		out.Destination = &c.Destination
	}
}
