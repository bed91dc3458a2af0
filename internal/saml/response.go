package saml

// This file builds and reads SAML 2.0 Responses (the HTTP-POST binding's SAMLResponse): the sandbox IdP signs
// them, the sandbox SP and decode_saml_response verify them. XML-DSig is goxmldsig's; here we only decide
// which element must be signed and read nothing that the signature did not cover.

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Namespaces and fixed values of SAML 2.0 assertions.
const (
	AssertionNamespace        = "urn:oasis:names:tc:SAML:2.0:assertion"
	StatusSuccess             = "urn:oasis:names:tc:SAML:2.0:status:Success"
	BearerConfirmation        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	AttrNameFormatUnspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
	AttrNameFormatBasic       = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
	NameIDFormatUnspecified   = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDFormatEmail         = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	PasswordProtectedContext  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	xmlSchemaNamespace        = "http://www.w3.org/2001/XMLSchema"
	xmlSchemaInstance         = "http://www.w3.org/2001/XMLSchema-instance"
	samlTimeFormat            = "2006-01-02T15:04:05.000Z"
)

// Errors ParseResponse returns, wrapped with details; test them with errors.Is.
var (
	ErrInvalidResponse = errors.New("invalid SAML response")
	ErrUnsigned        = errors.New("neither the response nor the assertion is signed")
	ErrSignature       = errors.New("the signature does not verify against the trusted certificates")
	ErrTimeWindow      = errors.New("the assertion is outside its validity window")
)

// Attribute is one SAML attribute with its values in document order.
type Attribute struct {
	Name       string
	NameFormat string
	Values     []string
}

// ResponseOptions describe the Response BuildResponse signs.
type ResponseOptions struct {
	Issuer       string
	Destination  string // the ACS URL; also the SubjectConfirmationData Recipient unless Recipient is set
	Recipient    string
	Audience     string
	InResponseTo string // empty for IdP-initiated sign-in
	NameID       string
	NameIDFormat string // default unspecified
	Attributes   []Attribute
	IssueInstant time.Time // default now
	NotBefore    time.Time // default IssueInstant − 5 minutes
	NotOnOrAfter time.Time // default IssueInstant + 5 minutes
	SignResponse bool
	// SignAssertion signs the assertion; with neither flag set the assertion is signed, as Okta always does.
	SignAssertion bool
	Key           *rsa.PrivateKey
	Certificate   *x509.Certificate
}

// Response is what a service provider reads from a SAML Response.
type Response struct {
	// The Response element's own values. When ParseResponse verifies (certificates given) they are filled only
	// if the Response element itself is signed (ResponseVerified): Okta signs just the assertion by default,
	// and then these lie outside every signature and anyone could have changed them.
	ID           string
	InResponseTo string
	Destination  string
	StatusCode   string
	IssueInstant time.Time
	Issuer       string // the assertion's issuer
	Subject      string
	NameIDFormat string
	Recipient    string
	// ConfirmationInResponseTo is the bearer SubjectConfirmationData's InResponseTo: inside the assertion, so
	// signed whenever the assertion is; it names the AuthnRequest of an SP-initiated sign-in.
	ConfirmationInResponseTo string
	NotBefore                time.Time
	NotOnOrAfter             time.Time
	Audiences                []string
	Attributes               []Attribute
	// ResponseSigned and AssertionSigned report where a signature element was found.
	ResponseSigned  bool
	AssertionSigned bool
	// SignatureVerified is true when a signature covering the assertion verified against a trusted certificate.
	SignatureVerified bool
	// ResponseVerified is true when the Response element's own signature verified, so that its values are covered.
	ResponseVerified bool
}

// Audience is the first audience of the assertion, or "".
func (r *Response) Audience() string {
	if len(r.Audiences) == 0 {
		return ""
	}
	return r.Audiences[0]
}

// AttributeValues returns the values of the attribute named name (exact match), or nil.
func (r *Response) AttributeValues(name string) []string {
	for _, a := range r.Attributes {
		if a.Name == name {
			return a.Values
		}
	}
	return nil
}

// ValidAt checks now against the assertion's NotBefore/NotOnOrAfter and the bearer confirmation, allowing skew.
func (r *Response) ValidAt(now time.Time, skew time.Duration) error {
	if !r.NotBefore.IsZero() && now.Add(skew).Before(r.NotBefore) {
		return fmt.Errorf("%w: not before %s", ErrTimeWindow, r.NotBefore.Format(time.RFC3339))
	}
	if !r.NotOnOrAfter.IsZero() && !now.Add(-skew).Before(r.NotOnOrAfter) {
		return fmt.Errorf("%w: expired at %s", ErrTimeWindow, r.NotOnOrAfter.Format(time.RFC3339))
	}
	return nil
}

func newSAMLID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "id" + hex.EncodeToString(b)
}

func samlTime(t time.Time) string { return t.UTC().Format(samlTimeFormat) }

// BuildResponse renders and signs a Response carrying one assertion, shaped as Okta sends it.
func BuildResponse(opts ResponseOptions) ([]byte, error) {
	if opts.Key == nil || opts.Certificate == nil {
		return nil, errors.New("saml: BuildResponse needs a signing key and certificate")
	}
	if opts.Issuer == "" || opts.Destination == "" || opts.Audience == "" {
		return nil, errors.New("saml: BuildResponse needs Issuer, Destination and Audience")
	}
	if !opts.SignResponse && !opts.SignAssertion {
		opts.SignAssertion = true
	}
	now := opts.IssueInstant
	if now.IsZero() {
		now = time.Now()
	}
	if opts.NotBefore.IsZero() {
		opts.NotBefore = now.Add(-5 * time.Minute)
	}
	if opts.NotOnOrAfter.IsZero() {
		opts.NotOnOrAfter = now.Add(5 * time.Minute)
	}
	if opts.NameIDFormat == "" {
		opts.NameIDFormat = NameIDFormatUnspecified
	}
	if opts.Recipient == "" {
		opts.Recipient = opts.Destination
	}
	ctx, err := dsig.NewSigningContext(opts.Key, [][]byte{opts.Certificate.Raw})
	if err != nil {
		return nil, fmt.Errorf("saml: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, fmt.Errorf("saml: %w", err)
	}

	resp := etree.NewElement("saml2p:Response")
	resp.CreateAttr("xmlns:saml2p", ProtocolNamespace)
	resp.CreateAttr("Destination", opts.Destination)
	resp.CreateAttr("ID", newSAMLID())
	if opts.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", opts.InResponseTo)
	}
	resp.CreateAttr("IssueInstant", samlTime(now))
	resp.CreateAttr("Version", "2.0")
	issuer := resp.CreateElement("saml2:Issuer")
	issuer.CreateAttr("xmlns:saml2", AssertionNamespace)
	issuer.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
	issuer.SetText(opts.Issuer)
	status := resp.CreateElement("saml2p:Status")
	status.CreateElement("saml2p:StatusCode").CreateAttr("Value", StatusSuccess)

	assertion := buildAssertion(opts, now)
	if opts.SignAssertion {
		if assertion, err = signAfterIssuer(ctx, assertion); err != nil {
			return nil, err
		}
	}
	resp.AddChild(assertion)
	if opts.SignResponse {
		if resp, err = signAfterIssuer(ctx, resp); err != nil {
			return nil, err
		}
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(resp)
	return doc.WriteToBytes()
}

func buildAssertion(opts ResponseOptions, now time.Time) *etree.Element {
	a := etree.NewElement("saml2:Assertion")
	a.CreateAttr("xmlns:saml2", AssertionNamespace)
	a.CreateAttr("ID", newSAMLID())
	a.CreateAttr("IssueInstant", samlTime(now))
	a.CreateAttr("Version", "2.0")
	iss := a.CreateElement("saml2:Issuer")
	iss.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
	iss.SetText(opts.Issuer)
	subject := a.CreateElement("saml2:Subject")
	nameID := subject.CreateElement("saml2:NameID")
	nameID.CreateAttr("Format", opts.NameIDFormat)
	nameID.SetText(opts.NameID)
	sc := subject.CreateElement("saml2:SubjectConfirmation")
	sc.CreateAttr("Method", BearerConfirmation)
	scd := sc.CreateElement("saml2:SubjectConfirmationData")
	if opts.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", opts.InResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", samlTime(opts.NotOnOrAfter))
	scd.CreateAttr("Recipient", opts.Recipient)
	cond := a.CreateElement("saml2:Conditions")
	cond.CreateAttr("NotBefore", samlTime(opts.NotBefore))
	cond.CreateAttr("NotOnOrAfter", samlTime(opts.NotOnOrAfter))
	cond.CreateElement("saml2:AudienceRestriction").CreateElement("saml2:Audience").SetText(opts.Audience)
	authn := a.CreateElement("saml2:AuthnStatement")
	authn.CreateAttr("AuthnInstant", samlTime(now))
	authn.CreateAttr("SessionIndex", newSAMLID())
	authn.CreateElement("saml2:AuthnContext").CreateElement("saml2:AuthnContextClassRef").SetText(PasswordProtectedContext)
	if len(opts.Attributes) > 0 {
		st := a.CreateElement("saml2:AttributeStatement")
		for _, at := range opts.Attributes {
			el := st.CreateElement("saml2:Attribute")
			el.CreateAttr("Name", at.Name)
			format := at.NameFormat
			if format == "" {
				format = AttrNameFormatUnspecified
			}
			el.CreateAttr("NameFormat", format)
			for _, v := range at.Values {
				val := el.CreateElement("saml2:AttributeValue")
				val.CreateAttr("xmlns:xs", xmlSchemaNamespace)
				val.CreateAttr("xmlns:xsi", xmlSchemaInstance)
				val.CreateAttr("xsi:type", "xs:string")
				val.SetText(v)
			}
		}
	}
	return a
}

// signAfterIssuer signs el enveloped and places the Signature right after its Issuer, where the SAML schema
// wants it (goxmldsig's SignEnveloped would append it last).
func signAfterIssuer(ctx *dsig.SigningContext, el *etree.Element) (*etree.Element, error) {
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		return nil, fmt.Errorf("saml: sign %s: %w", el.Tag, err)
	}
	out := el.Copy()
	idx := 0
	for i, c := range out.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == "Issuer" {
			idx = i + 1
			break
		}
	}
	out.InsertChildAt(idx, sig)
	return out, nil
}

// refuseResponseDTD rejects document type and entity declarations before any parser sees the bytes.
func refuseResponseDTD(b []byte) error {
	upper := bytes.ToUpper(b)
	if bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY")) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, ErrDTD)
	}
	return nil
}

// ParseResponse reads a Response. With certs, a signature on the Response or on its assertion must verify
// against one of them (at now, the caller's clock, never a time the document states), and only what a verified
// signature covers is read, which defeats signature wrapping: with only the assertion signed, the Response
// element's own values (Destination, IssueInstant, Status, ID, InResponseTo) stay empty. Without certs nothing
// is verified, SignatureVerified is false and everything is read. The validity window is not checked here:
// call ValidAt.
func ParseResponse(b []byte, certs []*x509.Certificate, now time.Time) (*Response, error) {
	if err := refuseResponseDTD(b); err != nil {
		return nil, err
	}
	if now.IsZero() {
		now = time.Now()
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	doc.ReadSettings.CharsetReader = newDecoder(nil).CharsetReader
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, fmt.Errorf("%w: not well-formed XML: %v", ErrInvalidResponse, err)
	}
	for _, tok := range doc.Child {
		if _, ok := tok.(*etree.Directive); ok {
			return nil, fmt.Errorf("%w: %w", ErrInvalidResponse, ErrDTD)
		}
	}
	root := doc.Root()
	if root == nil || root.NamespaceURI() != ProtocolNamespace || root.Tag != "Response" {
		return nil, fmt.Errorf("%w: the root element is not a samlp:Response", ErrInvalidResponse)
	}
	vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	vctx.Clock = dsig.NewFakeClockAt(now)
	out := &Response{ResponseSigned: hasSignature(root)}
	resp := root
	if len(certs) > 0 && out.ResponseSigned {
		verified, err := vctx.Validate(root)
		if err != nil {
			return nil, fmt.Errorf("%w: %w: response: %v", ErrInvalidResponse, ErrSignature, err)
		}
		resp, out.SignatureVerified, out.ResponseVerified = verified, true, true
	}
	assertions := childElements(resp, AssertionNamespace, "Assertion")
	if len(childElements(resp, AssertionNamespace, "EncryptedAssertion")) > 0 {
		return nil, fmt.Errorf("%w: encrypted assertions are not supported", ErrInvalidResponse)
	}
	if len(assertions) != 1 {
		return nil, fmt.Errorf("%w: the response has %d assertions, want exactly 1", ErrInvalidResponse, len(assertions))
	}
	assertion := assertions[0]
	out.AssertionSigned = hasSignature(assertion)
	if len(certs) > 0 && out.AssertionSigned {
		nsCtx, err := etreeutils.NSBuildParentContext(assertion)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
		}
		detached, err := etreeutils.NSDetatch(nsCtx, assertion)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
		}
		verified, err := vctx.Validate(detached)
		if err != nil {
			return nil, fmt.Errorf("%w: %w: assertion: %v", ErrInvalidResponse, ErrSignature, err)
		}
		assertion, out.SignatureVerified = verified, true
	}
	if len(certs) > 0 && !out.SignatureVerified {
		return nil, fmt.Errorf("%w: %w", ErrInvalidResponse, ErrUnsigned)
	}
	if len(certs) == 0 || out.ResponseVerified {
		readResponse(resp, out)
	}
	if err := readAssertion(assertion, out); err != nil {
		return nil, err
	}
	return out, nil
}

func hasSignature(el *etree.Element) bool {
	return len(childElements(el, dsig.Namespace, "Signature")) > 0
}

// childElements returns the direct children of el in namespace ns named tag.
func childElements(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

func firstChild(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	if cs := childElements(el, ns, tag); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

func parseSAMLTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func readResponse(resp *etree.Element, out *Response) {
	out.ID = resp.SelectAttrValue("ID", "")
	out.InResponseTo = resp.SelectAttrValue("InResponseTo", "")
	out.Destination = resp.SelectAttrValue("Destination", "")
	out.IssueInstant = parseSAMLTime(resp.SelectAttrValue("IssueInstant", ""))
	if code := firstChild(firstChild(resp, ProtocolNamespace, "Status"), ProtocolNamespace, "StatusCode"); code != nil {
		out.StatusCode = code.SelectAttrValue("Value", "")
	}
}

func readAssertion(a *etree.Element, out *Response) error {
	iss := firstChild(a, AssertionNamespace, "Issuer")
	if iss == nil {
		return fmt.Errorf("%w: the assertion has no Issuer", ErrInvalidResponse)
	}
	out.Issuer = strings.TrimSpace(iss.Text())
	subject := firstChild(a, AssertionNamespace, "Subject")
	if nameID := firstChild(subject, AssertionNamespace, "NameID"); nameID != nil {
		out.Subject = strings.TrimSpace(nameID.Text())
		out.NameIDFormat = nameID.SelectAttrValue("Format", "")
	}
	if subject != nil {
		for _, sc := range childElements(subject, AssertionNamespace, "SubjectConfirmation") {
			if sc.SelectAttrValue("Method", "") != BearerConfirmation {
				continue
			}
			if d := firstChild(sc, AssertionNamespace, "SubjectConfirmationData"); d != nil {
				out.Recipient = d.SelectAttrValue("Recipient", "")
				out.ConfirmationInResponseTo = d.SelectAttrValue("InResponseTo", "")
				if t := parseSAMLTime(d.SelectAttrValue("NotOnOrAfter", "")); !t.IsZero() {
					out.NotOnOrAfter = t
				}
			}
			break
		}
	}
	if cond := firstChild(a, AssertionNamespace, "Conditions"); cond != nil {
		out.NotBefore = parseSAMLTime(cond.SelectAttrValue("NotBefore", ""))
		// The earlier of the two NotOnOrAfter values bounds the assertion.
		if t := parseSAMLTime(cond.SelectAttrValue("NotOnOrAfter", "")); !t.IsZero() && (out.NotOnOrAfter.IsZero() || t.Before(out.NotOnOrAfter)) {
			out.NotOnOrAfter = t
		}
		for _, ar := range childElements(cond, AssertionNamespace, "AudienceRestriction") {
			for _, aud := range childElements(ar, AssertionNamespace, "Audience") {
				out.Audiences = append(out.Audiences, strings.TrimSpace(aud.Text()))
			}
		}
	}
	for _, st := range childElements(a, AssertionNamespace, "AttributeStatement") {
		for _, at := range childElements(st, AssertionNamespace, "Attribute") {
			attr := Attribute{Name: at.SelectAttrValue("Name", ""), NameFormat: at.SelectAttrValue("NameFormat", "")}
			for _, v := range childElements(at, AssertionNamespace, "AttributeValue") {
				attr.Values = append(attr.Values, v.Text())
			}
			out.Attributes = append(out.Attributes, attr)
		}
	}
	return nil
}
