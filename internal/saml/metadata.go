// Package saml reads the SAML 2.0 documents that cross the Okta–Salesforce trust: identity-provider
// metadata (entity ID, SSO URLs, signing certificates). Input comes from outside the provider, so the
// parsers refuse DTDs and entity declarations and never resolve anything external.
package saml

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	crewjam "github.com/crewjam/saml"
)

// Namespaces and bindings of SAML 2.0 metadata.
const (
	MetadataNamespace   = "urn:oasis:names:tc:SAML:2.0:metadata"
	ProtocolNamespace   = "urn:oasis:names:tc:SAML:2.0:protocol"
	HTTPPostBinding     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	HTTPRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
)

// Errors ParseMetadata returns, wrapped with details; test them with errors.Is.
var (
	ErrInvalidMetadata     = errors.New("invalid SAML metadata")
	ErrDTD                 = errors.New("DTDs and entity declarations (<!DOCTYPE, <!ENTITY) are not allowed")
	ErrNoIDPSSODescriptor  = errors.New("no IDPSSODescriptor")
	ErrNoSigningCert       = errors.New("no signing certificate")
	ErrInvalidCertificate  = errors.New("invalid certificate")
	errNotMetadataDocument = errors.New("not a SAML metadata document")
)

// Metadata is what a service provider needs from an identity provider's metadata.
type Metadata struct {
	EntityID                string
	SSOURLPost              string // SingleSignOnService with the HTTP-POST binding
	SSOURLRedirect          string // SingleSignOnService with the HTTP-Redirect binding
	NameIDFormats           []string
	WantAuthnRequestsSigned bool
	SigningCertificates     []*x509.Certificate // in document order; use="signing" or no use
}

// ParseMetadata reads an EntityDescriptor, or an EntitiesDescriptor whose first entity with an
// IDPSSODescriptor is taken. Every error wraps ErrInvalidMetadata and, where one applies, a more
// specific sentinel (ErrDTD, ErrNoIDPSSODescriptor, ErrNoSigningCert, ErrInvalidCertificate).
func ParseMetadata(b []byte) (*Metadata, error) {
	if err := refuseDTD(b); err != nil {
		return nil, err
	}
	root, err := rootElement(b)
	if err != nil {
		return nil, err
	}
	var entity *crewjam.EntityDescriptor
	switch {
	case root.Space == MetadataNamespace && root.Local == "EntityDescriptor":
		entity = &crewjam.EntityDescriptor{}
		if err := decode(b, entity); err != nil {
			return nil, err
		}
	case root.Space == MetadataNamespace && root.Local == "EntitiesDescriptor":
		var entities crewjam.EntitiesDescriptor
		if err := decode(b, &entities); err != nil {
			return nil, err
		}
		if entity = firstIDPEntity(&entities); entity == nil {
			return nil, fmt.Errorf("%w: %w: no EntityDescriptor in the EntitiesDescriptor has one", ErrInvalidMetadata, ErrNoIDPSSODescriptor)
		}
	default:
		return nil, fmt.Errorf("%w: %w: the root element is {%s}%s, want an EntityDescriptor or EntitiesDescriptor in %s",
			ErrInvalidMetadata, errNotMetadataDocument, root.Space, root.Local, MetadataNamespace)
	}
	return fromEntity(entity)
}

// refuseDTD rejects any document type or entity declaration before an XML decoder sees it, so that no
// entity expansion (billion laughs) or external reference can ever be attempted.
func refuseDTD(b []byte) error {
	upper := bytes.ToUpper(b)
	if bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY")) {
		return fmt.Errorf("%w: %w", ErrInvalidMetadata, ErrDTD)
	}
	return nil
}

// rootElement returns the name of the first element; any other directive (<!…>) is refused as a DTD.
func rootElement(b []byte) (xml.Name, error) {
	d := newDecoder(b)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return xml.Name{}, fmt.Errorf("%w: the document is empty or has no element", ErrInvalidMetadata)
		}
		if err != nil {
			return xml.Name{}, fmt.Errorf("%w: not well-formed XML: %v", ErrInvalidMetadata, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return xml.Name{}, fmt.Errorf("%w: %w", ErrInvalidMetadata, ErrDTD)
		case xml.StartElement:
			return t.Name, nil
		}
	}
}

func decode(b []byte, v any) error {
	if err := newDecoder(b).Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	return nil
}

// newDecoder is strict (no HTML entities, no auto-closing) and reads ISO-8859-1 too: Okta labels its
// metadata that way in Content-Type, and other IdPs declare it in the XML prolog.
func newDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
			return &latin1Reader{r: input}, nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q (use UTF-8)", charset)
	}
	return d
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8; every byte is the code point of the same value.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	// Each input byte may become two output bytes, so read at most half of p.
	n := len(p) / 2
	if n == 0 {
		n = 1
	}
	if cap(l.buf) < n {
		l.buf = make([]byte, n)
	}
	in := l.buf[:n]
	m, err := l.r.Read(in)
	out := p[:0]
	for _, c := range in[:m] {
		out = utf8.AppendRune(out, rune(c))
	}
	return len(out), err
}

// firstIDPEntity walks the aggregate depth-first, in document order within each level.
func firstIDPEntity(es *crewjam.EntitiesDescriptor) *crewjam.EntityDescriptor {
	for i := range es.EntityDescriptors {
		if len(es.EntityDescriptors[i].IDPSSODescriptors) > 0 {
			return &es.EntityDescriptors[i]
		}
	}
	for i := range es.EntitiesDescriptors {
		if e := firstIDPEntity(&es.EntitiesDescriptors[i]); e != nil {
			return e
		}
	}
	return nil
}

func fromEntity(e *crewjam.EntityDescriptor) (*Metadata, error) {
	if strings.TrimSpace(e.EntityID) == "" {
		return nil, fmt.Errorf("%w: the EntityDescriptor has no entityID", ErrInvalidMetadata)
	}
	idp := pickIDPSSODescriptor(e.IDPSSODescriptors)
	if idp == nil {
		return nil, fmt.Errorf("%w: %w: entity %q is not an identity provider", ErrInvalidMetadata, ErrNoIDPSSODescriptor, e.EntityID)
	}
	md := &Metadata{EntityID: strings.TrimSpace(e.EntityID)}
	if idp.WantAuthnRequestsSigned != nil {
		md.WantAuthnRequestsSigned = *idp.WantAuthnRequestsSigned
	}
	for _, f := range idp.NameIDFormats {
		if s := strings.TrimSpace(string(f)); s != "" {
			md.NameIDFormats = append(md.NameIDFormats, s)
		}
	}
	for _, ep := range idp.SingleSignOnServices {
		loc := strings.TrimSpace(ep.Location)
		switch strings.TrimSpace(ep.Binding) {
		case HTTPPostBinding:
			if md.SSOURLPost == "" {
				md.SSOURLPost = loc
			}
		case HTTPRedirectBinding:
			if md.SSOURLRedirect == "" {
				md.SSOURLRedirect = loc
			}
		}
	}
	n := 0
	for _, kd := range idp.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, c := range kd.KeyInfo.X509Data.X509Certificates {
			n++
			cert, err := parseCertificate(c.Data)
			if err != nil {
				return nil, fmt.Errorf("%w: %w: certificate %d is not valid X.509: %v", ErrInvalidMetadata, ErrInvalidCertificate, n, err)
			}
			md.SigningCertificates = append(md.SigningCertificates, cert)
		}
	}
	if len(md.SigningCertificates) == 0 {
		return nil, fmt.Errorf("%w: %w: the IDPSSODescriptor of %q has no KeyDescriptor with an X509Certificate for signing", ErrInvalidMetadata, ErrNoSigningCert, md.EntityID)
	}
	return md, nil
}

// pickIDPSSODescriptor prefers the descriptor that supports SAML 2.0 (an entity may also list SAML 1.1).
func pickIDPSSODescriptor(ds []crewjam.IDPSSODescriptor) *crewjam.IDPSSODescriptor {
	for i := range ds {
		for _, p := range strings.Fields(ds[i].ProtocolSupportEnumeration) {
			if p == ProtocolNamespace {
				return &ds[i]
			}
		}
	}
	if len(ds) > 0 {
		return &ds[0]
	}
	return nil
}

// parseCertificate decodes base64 DER that may be wrapped with newlines or indented, as Okta does.
func parseCertificate(data string) (*x509.Certificate, error) {
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, data)
	if compact == "" {
		return nil, errors.New("the X509Certificate element is empty")
	}
	der, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, fmt.Errorf("not base64: %v", err)
	}
	return x509.ParseCertificate(der)
}

// CertificatePEM renders cert as one PEM "CERTIFICATE" block, the form Salesforce's SSO settings take.
func CertificatePEM(cert *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}

// Fingerprint is the SHA-256 of the DER certificate in upper-case hex pairs joined by colons, as
// openssl x509 -fingerprint -sha256 and the Okta Admin Console show it.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	b.Grow(len(h) + len(h)/2)
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
