package samlidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

func testKey(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "okta"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// childTags lists el's child element tags with their prefixes, in document order.
func childTags(el *etree.Element) []string {
	var out []string
	for _, c := range el.ChildElements() {
		out = append(out, c.FullTag())
	}
	return out
}

// TestBuildResponse_schemaShape checks what the SAML schema and the verifiers need of a signed element: the Signature
// is the child right after Issuer, and the element declares every namespace it uses, so that its signature verifies
// once it is taken out of the document.
func TestBuildResponse_schemaShape(t *testing.T) {
	t.Parallel()
	key, cert := testKey(t)
	issued := time.Now().UTC().Truncate(time.Second)
	stamp := func(t time.Time) string { return t.Format("2006-01-02T15:04:05") + ".000Z" }
	cases := []struct {
		name                      string
		signResponse, signAssert  bool
		wantResponseSig, wantAsrt bool
	}{
		{"default signs the assertion", false, false, false, true},
		{"response only", true, false, true, false},
		{"both", true, true, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := BuildResponse(ResponseOptions{Issuer: "http://www.okta.com/exk1", Destination: "https://acme.my.salesforce.com?so=00D000000000001",
				Audience: "https://acme.my.salesforce.com", NameID: "jane@acme.example", IssueInstant: issued, InResponseTo: "_req1",
				Attributes:   []Attribute{{Name: "groups", NameFormat: AttrNameFormatBasic, Values: []string{"a", "b"}}},
				SignResponse: tc.signResponse, SignAssertion: tc.signAssert, Key: key, Certificate: cert})
			if err != nil {
				t.Fatal(err)
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(b); err != nil {
				t.Fatal(err)
			}
			resp := doc.Root()
			assertion := resp.FindElement("./Assertion")
			if assertion == nil {
				t.Fatalf("no assertion:\n%s", b)
			}
			wantResponse := []string{"saml2:Issuer", "saml2p:Status", "saml2:Assertion"}
			if tc.wantResponseSig {
				wantResponse = []string{"saml2:Issuer", "ds:Signature", "saml2p:Status", "saml2:Assertion"}
			}
			wantAssertion := []string{"saml2:Issuer", "saml2:Subject", "saml2:Conditions", "saml2:AuthnStatement", "saml2:AttributeStatement"}
			if tc.wantAsrt {
				wantAssertion = append([]string{"saml2:Issuer", "ds:Signature"}, wantAssertion[1:]...)
			}
			if got := childTags(resp); strings.Join(got, " ") != strings.Join(wantResponse, " ") {
				t.Errorf("Response children %v, want %v", got, wantResponse)
			}
			if got := childTags(assertion); strings.Join(got, " ") != strings.Join(wantAssertion, " ") {
				t.Errorf("Assertion children %v, want %v", got, wantAssertion)
			}
			if got := assertion.SelectAttrValue("xmlns:saml2", ""); got != assertionNamespace {
				t.Errorf("the assertion declares saml2 as %q, want it declared on itself", got)
			}
			if got := resp.SelectAttrValue("IssueInstant", ""); got != stamp(issued) {
				t.Errorf("IssueInstant %q", got)
			}
			if got := resp.FindElement("./Assertion/Subject/SubjectConfirmation/SubjectConfirmationData"); got.SelectAttrValue("Recipient", "") != "https://acme.my.salesforce.com?so=00D000000000001" ||
				got.SelectAttrValue("InResponseTo", "") != "_req1" || got.SelectAttrValue("NotOnOrAfter", "") != stamp(issued.Add(5*time.Minute)) {
				t.Errorf("SubjectConfirmationData %v", got.Attr)
			}
			// Each signed element verifies on its own, detached from the document: namespaces are inside it.
			verify := func(el *etree.Element) {
				t.Helper()
				vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
				vctx.Clock = dsig.NewFakeClockAt(issued)
				detached := etree.NewDocument()
				detached.SetRoot(el.Copy())
				if _, err := vctx.Validate(detached.Root()); err != nil {
					t.Errorf("%s does not verify detached: %v", el.Tag, err)
				}
			}
			if tc.wantAsrt {
				verify(assertion)
			}
			if tc.wantResponseSig {
				verify(resp)
			}
		})
	}
}

func TestBuildResponse_refusesIncompleteOptions(t *testing.T) {
	t.Parallel()
	key, cert := testKey(t)
	full := ResponseOptions{Issuer: "i", Destination: "d", Audience: "a", Key: key, Certificate: cert}
	cases := map[string]func(*ResponseOptions){
		"no key":         func(o *ResponseOptions) { o.Key = nil },
		"no certificate": func(o *ResponseOptions) { o.Certificate = nil },
		"no issuer":      func(o *ResponseOptions) { o.Issuer = "" },
		"no destination": func(o *ResponseOptions) { o.Destination = "" },
		"no audience":    func(o *ResponseOptions) { o.Audience = "" },
	}
	if _, err := BuildResponse(full); err != nil {
		t.Fatalf("complete options: %v", err)
	}
	for name, mod := range cases {
		opts := full
		mod(&opts)
		if _, err := BuildResponse(opts); err == nil {
			t.Errorf("%s: BuildResponse accepted it", name)
		}
	}
}

func TestBuildResponse_authnContextClassRef(t *testing.T) {
	t.Parallel()
	key, cert := testKey(t)
	for want, set := range map[string]string{
		passwordProtectedContext:                             "",
		"urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor": "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor",
	} {
		b, err := BuildResponse(ResponseOptions{Issuer: "http://www.okta.com/exk1", Destination: "https://acme.my.salesforce.com",
			Audience: "https://acme.my.salesforce.com", NameID: "jane@acme.example", Key: key, Certificate: cert, AuthnContextClassRef: set})
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Fatal(err)
		}
		el := doc.FindElement("//AuthnContextClassRef")
		if el == nil || el.Text() != want {
			t.Errorf("AuthnContextClassRef set to %q: got %v, want %q", set, el, want)
		}
	}
}
