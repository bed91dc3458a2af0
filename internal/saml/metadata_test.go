package saml

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oktasf/terraform-provider-oktasf/internal/reftest"
)

type cassette struct {
	Interactions []struct {
		Request struct {
			Method string `yaml:"method"`
			URL    string `yaml:"url"`
		} `yaml:"request"`
		Response struct {
			Body string `yaml:"body"`
		} `yaml:"response"`
	} `yaml:"interactions"`
}

// recordedBody returns the first recorded response body of a GET whose URL contains urlPart.
func recordedBody(t testing.TB, file, urlPart string) string {
	t.Helper()
	raw := reftest.Read(t, "okta/recorded/"+file)
	var c cassette
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse cassette %s: %v", file, err)
	}
	for _, in := range c.Interactions {
		if in.Request.Method == "GET" && strings.Contains(in.Request.URL, urlPart) {
			return in.Response.Body
		}
	}
	t.Fatalf("cassette %s has no GET of %q", file, urlPart)
	return ""
}

func TestParseMetadata_recordedOkta(t *testing.T) {
	t.Parallel()
	const file = "TestAccDataSourceOktaAppMetadataSaml_read.yaml"
	body := recordedBody(t, file, "/sso/saml/metadata")
	md, err := ParseMetadata([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	const sso = "https://oie-00.dne-okta.com/app/oie-00_testacc2584236398_13/exkkwraz4e5opgu6j1d7/sso/saml"
	if md.EntityID != "http://www.okta.com/exkkwraz4e5opgu6j1d7" || md.SSOURLPost != sso || md.SSOURLRedirect != sso {
		t.Fatalf("got entity %q post %q redirect %q", md.EntityID, md.SSOURLPost, md.SSOURLRedirect)
	}
	if md.WantAuthnRequestsSigned {
		t.Fatal("WantAuthnRequestsSigned = true, recorded metadata says false")
	}
	if len(md.NameIDFormats) != 1 || md.NameIDFormats[0] != "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" {
		t.Fatalf("NameIDFormats = %q", md.NameIDFormats)
	}
	if len(md.SigningCertificates) != 1 {
		t.Fatalf("%d signing certificates, want 1", len(md.SigningCertificates))
	}
	cert := md.SigningCertificates[0]
	if got := cert.NotAfter.UTC().Format(time.RFC3339); got != "2035-03-13T23:50:03Z" {
		t.Fatalf("NotAfter = %s, want the key's expiresAt 2035-03-13T23:50:03Z", got)
	}
	// The same key as the JWK list serves: its x5t#S256 is the SHA-256 of the DER we parsed.
	keys := recordedBody(t, file, "/credentials/keys")
	const x5tS256 = "1N_hoUIJG3eGF4sqEWGc-hQthY3D5s4YGOCrSEzdP7Q"
	if !strings.Contains(keys, x5tS256) {
		t.Fatalf("recorded keys do not carry x5t#S256 %s", x5tS256)
	}
	sum, _ := base64.RawURLEncoding.DecodeString(x5tS256)
	want := strings.ToUpper(strings.Join(hexPairs(sum), ":"))
	if got := Fingerprint(cert); got != want {
		t.Fatalf("Fingerprint = %s, want %s (from the recorded x5t#S256)", got, want)
	}
	block, rest := pem.Decode([]byte(CertificatePEM(cert)))
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 || !bytes.Equal(block.Bytes, cert.Raw) {
		t.Fatal("CertificatePEM does not round-trip to the DER")
	}
}

func hexPairs(b []byte) []string {
	const digits = "0123456789abcdef"
	out := make([]string, len(b))
	for i, c := range b {
		out[i] = string([]byte{digits[c>>4], digits[c&0xf]})
	}
	return out
}

// testCert returns a fresh self-signed certificate and its base64 DER.
func testCert(t testing.TB, cn string) (*x509.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, base64.StdEncoding.EncodeToString(der)
}

// wrap76 breaks base64 into 76-character lines with the indentation pretty-printed metadata has.
func wrap76(s, indent string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n" + indent)
		s = s[76:]
	}
	return b.String() + s
}

func idpEntity(entityID, keyDescriptors, extra string) string {
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + entityID + `">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ` + keyDescriptors + `
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>
      urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified
    </md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/post"/>
    ` + extra + `
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

func keyDescriptor(use, b64 string) string {
	attr := ""
	if use != "" {
		attr = ` use="` + use + `"`
	}
	return `<md:KeyDescriptor` + attr + `><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
        ` + wrap76(b64, "        ") + `
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
}

func TestParseMetadata_generated(t *testing.T) {
	t.Parallel()
	c1, b1 := testCert(t, "signing-1")
	c2, b2 := testCert(t, "signing-2")
	_, b3 := testCert(t, "encryption")
	spOnly := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`
	idp := idpEntity("https://idp.example.com", keyDescriptor("signing", b1)+keyDescriptor("encryption", b3)+keyDescriptor("", b2), "")
	tests := []struct {
		name      string
		doc       string
		wantErr   error
		errText   string
		wantCerts []*x509.Certificate
		wantID    string
	}{
		{name: "pretty-printed EntityDescriptor with wrapped certificates and a rollover key",
			doc: `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + idp, wantCerts: []*x509.Certificate{c1, c2}, wantID: "https://idp.example.com"},
		{name: "default namespace, no prefixes",
			doc:       `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:idp"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` + b1 + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>`,
			wantCerts: []*x509.Certificate{c1}, wantID: "urn:idp"},
		{name: "EntitiesDescriptor: the first entity with an IdP role wins",
			doc: `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + spOnly +
				`<md:EntitiesDescriptor>` + idpEntity("https://nested.example.com", keyDescriptor("signing", b2), "") + `</md:EntitiesDescriptor>` +
				idp + `</md:EntitiesDescriptor>`,
			wantCerts: []*x509.Certificate{c1, c2}, wantID: "https://idp.example.com"},
		{name: "nested EntitiesDescriptor is searched",
			doc: `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + spOnly +
				`<md:EntitiesDescriptor>` + idpEntity("https://nested.example.com", keyDescriptor("signing", b2), "") + `</md:EntitiesDescriptor></md:EntitiesDescriptor>`,
			wantCerts: []*x509.Certificate{c2}, wantID: "https://nested.example.com"},
		{name: "ISO-8859-1 prolog", doc: `<?xml version="1.0" encoding="ISO-8859-1"?>` + idpEntity("https://idp.example.com/caf\xe9", keyDescriptor("signing", b1), ""),
			wantCerts: []*x509.Certificate{c1}, wantID: "https://idp.example.com/café"},
		{name: "DOCTYPE", doc: `<?xml version="1.0"?><!DOCTYPE md [<!ELEMENT md ANY>]>` + idp, wantErr: ErrDTD},
		{name: "entity declaration without DOCTYPE keyword", doc: `<!ENTITY x "y">` + idp, wantErr: ErrDTD},
		{name: "lower-case doctype", doc: `<!doctype x>` + idp, wantErr: ErrDTD},
		{name: "billion laughs", doc: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol2;"/>`, wantErr: ErrDTD},
		{name: "SP metadata only", doc: spOnly, wantErr: ErrNoIDPSSODescriptor, errText: "no IDPSSODescriptor"},
		{name: "aggregate without IdP", doc: `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + spOnly + `</md:EntitiesDescriptor>`, wantErr: ErrNoIDPSSODescriptor},
		{name: "encryption key only", doc: idpEntity("https://idp.example.com", keyDescriptor("encryption", b3), ""), wantErr: ErrNoSigningCert, errText: "no signing certificate"},
		{name: "no KeyDescriptor", doc: idpEntity("https://idp.example.com", "", ""), wantErr: ErrNoSigningCert},
		{name: "first certificate not base64", doc: idpEntity("https://idp.example.com", keyDescriptor("signing", "not*base64"), ""),
			wantErr: ErrInvalidCertificate, errText: "certificate 1 is not valid X.509: "},
		{name: "second certificate not DER", doc: idpEntity("https://idp.example.com", keyDescriptor("signing", b1)+keyDescriptor("signing", base64.StdEncoding.EncodeToString([]byte("hello"))), ""),
			wantErr: ErrInvalidCertificate, errText: "certificate 2 is not valid X.509: "},
		{name: "missing entityID", doc: idpEntity("", keyDescriptor("signing", b1), ""), wantErr: ErrInvalidMetadata, errText: "no entityID"},
		{name: "a SAML response is not metadata", doc: `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x"/>`, wantErr: errNotMetadataDocument},
		{name: "EntityDescriptor in the wrong namespace", doc: `<EntityDescriptor entityID="x"/>`, wantErr: errNotMetadataDocument},
		{name: "empty", doc: "", wantErr: ErrInvalidMetadata, errText: "no element"},
		{name: "not XML", doc: "{\"entityID\": 1}", wantErr: ErrInvalidMetadata},
		{name: "truncated", doc: idp[:len(idp)/2], wantErr: ErrInvalidMetadata, errText: "invalid SAML metadata"},
		{name: "unsupported encoding", doc: `<?xml version="1.0" encoding="UTF-16"?>` + idp, wantErr: ErrInvalidMetadata, errText: "UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md, err := ParseMetadata([]byte(tt.doc))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrInvalidMetadata) {
					t.Fatalf("err = %v, want %v (wrapping ErrInvalidMetadata)", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %q, want it to contain %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if md.EntityID != tt.wantID {
				t.Fatalf("EntityID = %q, want %q", md.EntityID, tt.wantID)
			}
			if len(md.SigningCertificates) != len(tt.wantCerts) {
				t.Fatalf("%d signing certificates, want %d", len(md.SigningCertificates), len(tt.wantCerts))
			}
			for i, c := range tt.wantCerts {
				if !md.SigningCertificates[i].Equal(c) {
					t.Fatalf("certificate %d is %s, want %s", i, md.SigningCertificates[i].Subject, c.Subject)
				}
			}
		})
	}
}

func TestParseMetadata_fields(t *testing.T) {
	t.Parallel()
	_, b1 := testCert(t, "s")
	md, err := ParseMetadata([]byte(idpEntity("https://idp.example.com", keyDescriptor("signing", b1), "")))
	if err != nil {
		t.Fatal(err)
	}
	if md.SSOURLPost != "https://idp.example.com/sso/post" || md.SSOURLRedirect != "https://idp.example.com/sso/redirect" {
		t.Fatalf("bindings mixed up: post %q redirect %q", md.SSOURLPost, md.SSOURLRedirect)
	}
	if !md.WantAuthnRequestsSigned {
		t.Fatal("WantAuthnRequestsSigned = false, want true")
	}
	want := []string{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"}
	if strings.Join(md.NameIDFormats, ",") != strings.Join(want, ",") {
		t.Fatalf("NameIDFormats = %q, want %q (trimmed, in order)", md.NameIDFormats, want)
	}
}

func TestParseMetadata_prefersSAML2Descriptor(t *testing.T) {
	t.Parallel()
	c1, b1 := testCert(t, "saml11")
	c2, b2 := testCert(t, "saml2")
	doc := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="e">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol">` + keyDescriptor("signing", b1) + `</md:IDPSSODescriptor>
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol">` + keyDescriptor("signing", b2) + `</md:IDPSSODescriptor>
</md:EntityDescriptor>`
	md, err := ParseMetadata([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(md.SigningCertificates) != 1 || !md.SigningCertificates[0].Equal(c2) || md.SigningCertificates[0].Equal(c1) {
		t.Fatal("took the SAML 1.1 descriptor's certificate")
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	// openssl x509 -in testdata/openssl-certificate.pem -noout -fingerprint -sha256 printed this.
	const opensslSHA256 = "B3:C0:BE:45:A3:DE:AA:BA:5C:C6:C1:AA:AA:EA:BC:F1:76:C3:03:DD:7D:5E:71:56:F2:E6:79:E2:44:71:3A:4B"
	pemBytes, err := os.ReadFile("testdata/openssl-certificate.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	fixture, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := Fingerprint(fixture); got != opensslSHA256 {
		t.Errorf("Fingerprint = %s, want openssl's %s", got, opensslSHA256)
	}
	if got := CertificatePEM(fixture); got != string(pemBytes) {
		t.Errorf("CertificatePEM differs from the PEM openssl wrote:\n%s\nwant\n%s", got, pemBytes)
	}

	c, _ := testCert(t, "fp")
	got := Fingerprint(c)
	sum := sha256.Sum256(c.Raw)
	if len(got) != 32*3-1 || strings.ToUpper(got) != got || strings.ReplaceAll(got, ":", "") != strings.ToUpper(strings.Join(hexPairs(sum[:]), "")) {
		t.Fatalf("Fingerprint = %q", got)
	}
}

func FuzzParseMetadata(f *testing.F) {
	_, b1 := testCert(f, "fuzz")
	seeds := []string{
		idpEntity("https://idp.example.com", keyDescriptor("signing", b1), ""),
		idpEntity("https://idp.example.com", keyDescriptor("signing", "AAAA"), ""),
		`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + idpEntity("x", keyDescriptor("", b1), "") + `</md:EntitiesDescriptor>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`,
		`<?xml version="1.0" encoding="latin1"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="\xff"/>`,
		"", "<", "<md:EntityDescriptor",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := ParseMetadata(b)
		upper := bytes.ToUpper(b)
		hasDTD := bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY"))
		if hasDTD && !errors.Is(err, ErrDTD) {
			t.Fatalf("a document with a DTD was not refused as one: err = %v", err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidMetadata) {
				t.Fatalf("error does not wrap ErrInvalidMetadata: %v", err)
			}
			return
		}
		if md.EntityID == "" || len(md.SigningCertificates) == 0 {
			t.Fatalf("accepted metadata without entity ID or signing certificate: %+v", md)
		}
	})
}
