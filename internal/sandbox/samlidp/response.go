// Package samlidp is the sandbox IdP's half of SAML: it renders and signs the HTTP-POST binding's Response the way
// Okta sends it. It shares no code with the provider's parser (internal/saml) or with the sandbox ACS (crewjam/saml),
// so a sign-in through the sandbox exercises independent implementations at each end.
package samlidp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Namespaces and fixed values of the SAML 2.0 Responses Okta sends.
const (
	protocolNamespace         = "urn:oasis:names:tc:SAML:2.0:protocol"
	assertionNamespace        = "urn:oasis:names:tc:SAML:2.0:assertion"
	statusSuccess             = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearerConfirmation        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	AttrNameFormatUnspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
	AttrNameFormatBasic       = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
	NameIDFormatUnspecified   = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDFormatEmail         = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	passwordProtectedContext  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	xmlSchemaNamespace        = "http://www.w3.org/2001/XMLSchema"
	xmlSchemaInstance         = "http://www.w3.org/2001/XMLSchema-instance"
	samlTimeFormat            = "2006-01-02T15:04:05.000Z"
	excC14NNamespace          = "http://www.w3.org/2001/10/xml-exc-c14n#"
	sha256Digest              = "http://www.w3.org/2001/04/xmlenc#sha256"
	// typedValuePrefixes is the exclusive-c14n InclusiveNamespaces PrefixList of a response with attributes: the
	// xs prefix is used only inside attribute values (xsi:type="xs:string"), which exclusive canonicalisation does
	// not count as a use, so without the list its binding would fall outside the digest. Okta sends
	// PrefixList="xs" and declares xmlns:xs on the Response and the Assertion, and neither when there are no
	// attributes (inferred from Okta responses seen in the wild, not verified: ../shared/reference holds none).
	typedValuePrefixes = "xs"
)

// Attribute is one SAML attribute with its values in document order.
type Attribute struct {
	Name       string
	NameFormat string // default unspecified
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
	// AuthnContextClassRef is the assertion's AuthnContextClassRef; empty means PasswordProtectedTransport.
	AuthnContextClassRef string
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
		return nil, errors.New("samlidp: BuildResponse needs a signing key and certificate")
	}
	if opts.Issuer == "" || opts.Destination == "" || opts.Audience == "" {
		return nil, errors.New("samlidp: BuildResponse needs Issuer, Destination and Audience")
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
	// Attribute values are typed xs:string, so both signed elements declare xs and sign its binding.
	prefixes := ""
	if len(opts.Attributes) > 0 {
		prefixes = typedValuePrefixes
	}
	sign := func(el *etree.Element) (*etree.Element, error) {
		return signAfterIssuer(opts.Key, opts.Certificate, prefixes, el)
	}

	resp := etree.NewElement("saml2p:Response")
	resp.CreateAttr("xmlns:saml2p", protocolNamespace)
	resp.CreateAttr("Destination", opts.Destination)
	resp.CreateAttr("ID", newSAMLID())
	if opts.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", opts.InResponseTo)
	}
	resp.CreateAttr("IssueInstant", samlTime(now))
	resp.CreateAttr("Version", "2.0")
	if prefixes != "" {
		resp.CreateAttr("xmlns:xs", xmlSchemaNamespace)
	}
	issuer := resp.CreateElement("saml2:Issuer")
	issuer.CreateAttr("xmlns:saml2", assertionNamespace)
	issuer.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
	issuer.SetText(opts.Issuer)
	status := resp.CreateElement("saml2p:Status")
	status.CreateElement("saml2p:StatusCode").CreateAttr("Value", statusSuccess)

	assertion := buildAssertion(opts, now)
	var err error
	if opts.SignAssertion {
		if assertion, err = sign(assertion); err != nil {
			return nil, err
		}
	}
	resp.AddChild(assertion)
	if opts.SignResponse {
		if resp, err = sign(resp); err != nil {
			return nil, err
		}
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(resp)
	return doc.WriteToBytes()
}

// buildAssertion renders the assertion; it declares its own namespace so that it verifies once detached.
func buildAssertion(opts ResponseOptions, now time.Time) *etree.Element {
	a := etree.NewElement("saml2:Assertion")
	a.CreateAttr("xmlns:saml2", assertionNamespace)
	a.CreateAttr("ID", newSAMLID())
	a.CreateAttr("IssueInstant", samlTime(now))
	a.CreateAttr("Version", "2.0")
	if len(opts.Attributes) > 0 {
		a.CreateAttr("xmlns:xs", xmlSchemaNamespace)
	}
	iss := a.CreateElement("saml2:Issuer")
	iss.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
	iss.SetText(opts.Issuer)
	subject := a.CreateElement("saml2:Subject")
	nameID := subject.CreateElement("saml2:NameID")
	nameID.CreateAttr("Format", opts.NameIDFormat)
	nameID.SetText(opts.NameID)
	sc := subject.CreateElement("saml2:SubjectConfirmation")
	sc.CreateAttr("Method", bearerConfirmation)
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
	classRef := opts.AuthnContextClassRef
	if classRef == "" {
		classRef = passwordProtectedContext
	}
	authn.CreateElement("saml2:AuthnContext").CreateElement("saml2:AuthnContextClassRef").SetText(classRef)
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
				val.CreateAttr("xmlns:xsi", xmlSchemaInstance)
				val.CreateAttr("xsi:type", "xs:string")
				val.SetText(v)
			}
		}
	}
	return a
}

// signAfterIssuer signs el (not yet in a document, so every namespace it uses is declared on it or inside it) with
// an enveloped RSA-SHA256 signature over exclusive c14n and places the Signature right after el's Issuer, where
// the SAML schema wants it. goxmldsig's ConstructSignature would do the rest but writes no InclusiveNamespaces
// element, so a verifier would canonicalise without the prefix list and find another digest; and it canonicalises
// the element it digests in place, dropping xmlns:xs from it. SignedInfo is therefore built here, and
// goxmldsig only canonicalises.
func signAfterIssuer(key *rsa.PrivateKey, cert *x509.Certificate, prefixes string, el *etree.Element) (*etree.Element, error) {
	canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes).Canonicalize(el.Copy())
	if err != nil {
		return nil, fmt.Errorf("samlidp: canonicalise %s: %w", el.Tag, err)
	}
	digest := sha256.Sum256(canonical)

	sig := etree.NewElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", dsig.Namespace)
	signedInfo := sig.CreateElement("ds:SignedInfo")
	signedInfo.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", string(dsig.CanonicalXML10ExclusiveAlgorithmId))
	signedInfo.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", dsig.RSASHA256SignatureMethod)
	ref := signedInfo.CreateElement("ds:Reference")
	ref.CreateAttr("URI", "#"+el.SelectAttrValue("ID", ""))
	transforms := ref.CreateElement("ds:Transforms")
	transforms.CreateElement("ds:Transform").CreateAttr("Algorithm", dsig.EnvelopedSignatureAltorithmId.String())
	c14n := transforms.CreateElement("ds:Transform")
	c14n.CreateAttr("Algorithm", string(dsig.CanonicalXML10ExclusiveAlgorithmId))
	if prefixes != "" {
		inclusive := c14n.CreateElement("ec:InclusiveNamespaces")
		inclusive.CreateAttr("xmlns:ec", excC14NNamespace)
		inclusive.CreateAttr("PrefixList", prefixes)
	}
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", sha256Digest)
	ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(digest[:]))

	// A verifier canonicalises SignedInfo by its CanonicalizationMethod, which has no prefix list: of the
	// namespaces in scope only ds (declared on the Signature) and ec are used in it.
	detached := signedInfo.Copy()
	detached.CreateAttr("xmlns:ds", dsig.Namespace)
	canonicalInfo, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(detached)
	if err != nil {
		return nil, fmt.Errorf("samlidp: canonicalise SignedInfo: %w", err)
	}
	infoDigest := sha256.Sum256(canonicalInfo)
	value, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, infoDigest[:])
	if err != nil {
		return nil, fmt.Errorf("samlidp: sign %s: %w", el.Tag, err)
	}
	sig.CreateElement("ds:SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
	sig.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(cert.Raw))

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
