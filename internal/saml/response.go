package saml

// This file reads SAML 2.0 Responses (the HTTP-POST binding's SAMLResponse) for decode_saml_response. XML-DSig is
// goxmldsig's; here we only decide which element must be signed and read nothing that the signature did not cover.
// The sandbox builds and verifies Responses with its own code (internal/sandbox/samlidp, crewjam/saml in sfemu), so
// a sign-in through the sandbox does not test this parser against itself.

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
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
)

// Errors ParseResponse returns, wrapped with details; test them with errors.Is.
var (
	ErrInvalidResponse = errors.New("invalid SAML response")
	ErrUnsigned        = errors.New("neither the response nor the assertion is signed")
	ErrSignature       = errors.New("the signature does not verify against the trusted certificates")
	ErrTimeWindow      = errors.New("the assertion is outside its validity window")
	ErrTooLarge        = errors.New("the response is larger than the limit")
)

// MaxResponseBytes bounds the XML ParseResponse reads: a genuine Response is a few KiB, and a limit keeps a
// hostile one from costing a plan gigabytes of memory.
const MaxResponseBytes = 1 << 20

// SignatureError says, in words for the user, why a signature did not verify. It wraps ErrSignature or
// ErrUnsigned, so errors.Is keeps working; errors.As gives the Reason.
type SignatureError struct {
	Reason string
	err    error
}

func (e *SignatureError) Error() string { return e.err.Error() + ": " + e.Reason }
func (e *SignatureError) Unwrap() error { return e.err }

func signatureError(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %w", ErrInvalidResponse, &SignatureError{Reason: fmt.Sprintf(format, args...), err: sentinel})
}

// Attribute is one SAML attribute with its values in document order.
type Attribute struct {
	Name       string
	NameFormat string
	Values     []string
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

// refuseResponseDTD rejects document type and entity declarations before any parser sees the bytes.
func refuseResponseDTD(b []byte) error {
	upper := bytes.ToUpper(b)
	if bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY")) {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, ErrDTD)
	}
	return nil
}

// ParseResponse reads a Response of at most MaxResponseBytes. With certs, a signature on the Response or on its assertion must verify
// against one of them (at now, the caller's clock, never a time the document states), and only what a verified
// signature covers is read, which defeats signature wrapping: with only the assertion signed, the Response
// element's own values (Destination, IssueInstant, Status, ID, InResponseTo) stay empty. Without certs nothing
// is verified, SignatureVerified is false and everything is read. A failed verification is a *SignatureError
// (errors.As) saying why. The validity window is not checked here:
// call ValidAt.
func ParseResponse(b []byte, certs []*x509.Certificate, now time.Time) (*Response, error) {
	if len(b) > MaxResponseBytes {
		return nil, fmt.Errorf("%w: %w: %d bytes, the limit is %d", ErrInvalidResponse, ErrTooLarge, len(b), MaxResponseBytes)
	}
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
		verified, err := verifyElement(vctx, root, "Response", certs, now)
		if err != nil {
			return nil, err
		}
		resp, out.SignatureVerified, out.ResponseVerified = verified, true, true
	}
	assertions := childElements(resp, AssertionNamespace, "Assertion")
	if len(childElements(resp, AssertionNamespace, "EncryptedAssertion")) > 0 {
		return nil, fmt.Errorf("%w: encrypted assertions are not supported", ErrInvalidResponse)
	}
	if len(assertions) != 1 {
		return nil, fmt.Errorf("%w: the response has %d assertions, want exactly 1 (a second assertion is how signature wrapping "+
			"smuggles in unsigned values)", ErrInvalidResponse, len(assertions))
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
		verified, err := verifyElement(vctx, detached, "assertion", certs, now)
		if err != nil {
			return nil, err
		}
		assertion, out.SignatureVerified = verified, true
	}
	if len(certs) > 0 && !out.SignatureVerified {
		if path := misplacedSignedAssertion(root, assertion); path != "" {
			return nil, signatureError(ErrUnsigned, "signature does not cover the assertion (wrapping): the signed Assertion is at %s, "+
				"not the Response's assertion", path)
		}
		return nil, signatureError(ErrUnsigned, "no signature: neither the Response nor its assertion is signed")
	}
	if len(certs) == 0 || out.ResponseVerified {
		readResponse(resp, out)
	}
	if err := readAssertion(assertion, out); err != nil {
		return nil, err
	}
	return out, nil
}

// verifyElement verifies el's enveloped signature and returns the signed copy. The checks before goxmldsig's
// Validate only give a failure its reason (which certificate, which reference); Validate still decides.
func verifyElement(vctx *dsig.ValidationContext, el *etree.Element, what string, certs []*x509.Certificate, now time.Time) (*etree.Element, error) {
	sig := firstChild(el, dsig.Namespace, "Signature")
	signedInfo := firstChild(sig, dsig.Namespace, "SignedInfo")
	id := el.SelectAttrValue("ID", "")
	var uris []string
	covered := false
	for _, ref := range childElements(signedInfo, dsig.Namespace, "Reference") {
		uri := ref.SelectAttrValue("URI", "")
		uris = append(uris, uri)
		covered = covered || uri == "" || (id != "" && uri == "#"+id)
	}
	if signedInfo != nil && !covered {
		return nil, signatureError(ErrSignature, "signature does not cover the %s (wrapping): it references %q, the %s's ID is %q",
			what, strings.Join(uris, ", "), what, id)
	}
	if firstChild(sig, dsig.Namespace, "SignatureValue") == nil {
		// goxmldsig reports this with its digest-mismatch text; say it apart.
		return nil, signatureError(ErrSignature, "the %s's signature has no SignatureValue", what)
	}
	if cert, reason := signingCertificate(sig, certs); reason != "" {
		return nil, signatureError(ErrSignature, "%s", reason)
	} else if cert != nil {
		if now.Before(cert.NotBefore) {
			return nil, signatureError(ErrSignature, "certificate not yet valid at %s: valid from %s", now.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339))
		}
		if now.After(cert.NotAfter) {
			return nil, signatureError(ErrSignature, "expired certificate at %s: valid until %s", now.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	verified, err := vctx.Validate(el)
	switch {
	case err == nil:
		return verified, nil
	case err.Error() == "Signature could not be verified": // goxmldsig's text for a digest that does not match
		return nil, signatureError(ErrSignature, "digest mismatch: the %s was changed after it was signed", what)
	default:
		return nil, signatureError(ErrSignature, "the %s's signature does not verify: %v", what, err)
	}
}

// signingCertificate finds the trusted certificate the signature names, or says why there is none. A signature
// without KeyInfo is checked against the only trusted certificate, as goxmldsig does.
func signingCertificate(sig *etree.Element, certs []*x509.Certificate) (*x509.Certificate, string) {
	data := firstChild(firstChild(firstChild(sig, dsig.Namespace, "KeyInfo"), dsig.Namespace, "X509Data"), dsig.Namespace, "X509Certificate")
	if data == nil {
		if len(certs) == 1 {
			return certs[0], ""
		}
		return nil, "the signature names no certificate (no KeyInfo X509Certificate) and more than one is trusted"
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data.Text()), ""))
	if err != nil {
		return nil, "the signature's certificate is not base64: " + err.Error()
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, "the signature's certificate cannot be read: " + err.Error()
	}
	for _, c := range certs {
		if c.Equal(cert) {
			return c, ""
		}
	}
	return nil, "certificate does not match: signed by " + Fingerprint(cert)
}

// misplacedSignedAssertion returns the path of a signed Assertion anywhere in the document other than the
// Response's own assertion: a genuine signed assertion moved aside (into Extensions, a ds:Object, a forged
// assertion) while an unsigned one takes its place is the classic signature-wrapping attack.
func misplacedSignedAssertion(root, assertion *etree.Element) string {
	var found string
	var walk func(el *etree.Element, path string)
	walk = func(el *etree.Element, path string) {
		for _, c := range el.ChildElements() {
			if found != "" {
				return
			}
			p := path + "/" + c.Tag
			if c != assertion && c.Tag == "Assertion" && c.NamespaceURI() == AssertionNamespace && hasSignature(c) {
				found = p
				return
			}
			walk(c, p)
		}
	}
	walk(root, "/"+root.Tag)
	return found
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
