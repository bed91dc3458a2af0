package samlidp

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp/samlidptest"
)

// standardOptions is a response as the Salesforce app gets it: SP-initiated, a group statement with several
// values (one needing escapes) and an expression statement.
func standardOptions(t *testing.T) ResponseOptions {
	t.Helper()
	key, cert := testKey(t)
	return ResponseOptions{Issuer: "http://www.okta.com/exk1", Destination: "https://acme.my.salesforce.com?so=00D000000000001",
		Audience: "https://saml.salesforce.com", NameID: "jane@acme.example", NameIDFormat: NameIDFormatEmail, InResponseTo: "_req1",
		Attributes: []Attribute{
			{Name: "groups", NameFormat: AttrNameFormatBasic, Values: []string{"Everyone", "R&D <EMEA>"}},
			{Name: "User.Title", Values: []string{"Clerk"}},
		},
		Key: key, Certificate: cert}
}

// TestBuildResponse_standardTools validates the IdP's responses against the OASIS SAML 2.0 schemas (xmllint) and
// verifies every signature in them with xmlsec1: two implementations that share nothing with goxmldsig, etree or
// crewjam/saml. The cases cover what Okta varies: which elements are signed, attributes or none, the NameID format,
// SP- or IdP-initiated (InResponseTo), the AuthnContextClassRef.
func TestBuildResponse_standardTools(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		mod        func(*ResponseOptions)
		wantSigned int
	}{
		{"assertion signed, attributes, SP-initiated", func(*ResponseOptions) {}, 1},
		{"IdP-initiated: no InResponseTo", func(o *ResponseOptions) { o.InResponseTo = "" }, 1},
		{"no attributes", func(o *ResponseOptions) { o.Attributes = nil }, 1},
		{"response signed only", func(o *ResponseOptions) { o.SignResponse = true }, 1},
		{"response and assertion signed", func(o *ResponseOptions) { o.SignResponse, o.SignAssertion = true, true }, 2},
		{"both signed, no attributes, IdP-initiated", func(o *ResponseOptions) {
			o.SignResponse, o.SignAssertion, o.Attributes, o.InResponseTo = true, true, nil, ""
		}, 2},
		{"unspecified NameID", func(o *ResponseOptions) { o.NameIDFormat = "" }, 1},
		{"persistent NameID", func(o *ResponseOptions) { o.NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" }, 1},
		{"transient NameID", func(o *ResponseOptions) { o.NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" }, 1},
		{"x509SubjectName NameID", func(o *ResponseOptions) {
			o.NameIDFormat, o.NameID = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName", "CN=Jane Doe,O=Acme"
		}, 1},
		{"multi-factor context with amr", func(o *ResponseOptions) {
			o.AuthnContextClassRef = "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor"
			o.Attributes = append(o.Attributes, Attribute{Name: "amr", Values: []string{"mfa"}})
		}, 1},
		{"uri attribute names", func(o *ResponseOptions) {
			o.Attributes = []Attribute{{Name: "urn:oid:0.9.2342.19200300.100.1.3", NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
				Values: []string{"jane@acme.example"}}}
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := standardOptions(t)
			tc.mod(&opts)
			b, err := BuildResponse(opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := samlidptest.ValidateSchema(t, b); err != nil {
				t.Errorf("the response is not valid SAML 2.0: %v\n%s", err, b)
			}
			ids := samlidptest.SignedIDs(t, b)
			if len(ids) != tc.wantSigned {
				t.Fatalf("%d signed elements, want %d", len(ids), tc.wantSigned)
			}
			for _, id := range ids {
				if err := samlidptest.VerifySignature(t, b, opts.Certificate, id); err != nil {
					t.Errorf("xmlsec1 does not verify the signature of %s: %v", id, err)
				}
			}
		})
	}
}

// TestBuildResponse_standardToolsRefuse makes sure the checks above can fail: xmlsec1 refuses a changed value,
// a rebound xs prefix (the InclusiveNamespaces PrefixList puts its binding under the digest) and another key;
// xmllint refuses a typed value whose xs prefix is not declared, the defect this package once had.
func TestBuildResponse_standardToolsRefuse(t *testing.T) {
	t.Parallel()
	_, otherCert := testKey(t)
	edit := func(t *testing.T, b []byte, fn func(resp, assertion *etree.Element)) []byte {
		t.Helper()
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Fatal(err)
		}
		fn(doc.Root(), doc.Root().FindElement("./Assertion"))
		out, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, signing := range []struct {
		name                        string
		signResponse, signAssertion bool
	}{{"assertion signed", false, true}, {"response signed", true, false}, {"both signed", true, true}} {
		t.Run(signing.name, func(t *testing.T) {
			t.Parallel()
			opts := standardOptions(t)
			opts.SignResponse, opts.SignAssertion = signing.signResponse, signing.signAssertion
			b, err := BuildResponse(opts)
			if err != nil {
				t.Fatal(err)
			}
			ids := samlidptest.SignedIDs(t, b)
			tampered := map[string][]byte{
				"attribute value changed": edit(t, b, func(_, a *etree.Element) {
					a.FindElement("./AttributeStatement/Attribute/AttributeValue").SetText("Admins")
				}),
				"xs rebound on the assertion": edit(t, b, func(_, a *etree.Element) {
					a.CreateAttr("xmlns:xs", "urn:example:not-xml-schema")
				}),
			}
			for what, doc := range tampered {
				for _, id := range ids {
					if err := samlidptest.VerifySignature(t, doc, opts.Certificate, id); err == nil {
						t.Errorf("%s: xmlsec1 verified the signature of %s", what, id)
					}
				}
			}
			for _, id := range ids {
				if err := samlidptest.VerifySignature(t, b, otherCert, id); err == nil {
					t.Errorf("xmlsec1 verified the signature of %s with another certificate", id)
				}
				if err := samlidptest.VerifySignature(t, b, opts.Certificate, id); err != nil {
					t.Errorf("the untouched response does not verify: %v", err)
				}
			}
			undeclared := edit(t, b, func(r, a *etree.Element) {
				r.RemoveAttr("xmlns:xs")
				a.RemoveAttr("xmlns:xs")
			})
			err = samlidptest.ValidateSchema(t, undeclared)
			if err == nil || !strings.Contains(err.Error(), "xs:string") {
				t.Errorf("xmllint accepted xsi:type=\"xs:string\" with xs undeclared (err %v)", err)
			}
		})
	}
}

// TestBuildResponse_signedCopyKeepsXS checks what a verifier hands back, the signed content: with attributes it
// still binds xs, because the c14n transform names xs in its InclusiveNamespaces; without attributes the
// signature carries no prefix list, as Okta's does not.
func TestBuildResponse_signedCopyKeepsXS(t *testing.T) {
	t.Parallel()
	for _, withAttributes := range []bool{true, false} {
		opts := standardOptions(t)
		opts.SignResponse, opts.SignAssertion = true, true
		if !withAttributes {
			opts.Attributes = nil
		}
		issued := time.Now()
		opts.IssueInstant = issued
		b, err := BuildResponse(opts)
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Fatal(err)
		}
		for _, el := range []*etree.Element{doc.Root(), doc.Root().FindElement("./Assertion")} {
			lists := el.FindElements("./Signature/SignedInfo/Reference/Transforms/Transform/InclusiveNamespaces")
			switch {
			case withAttributes && (len(lists) != 1 || lists[0].SelectAttrValue("PrefixList", "") != "xs" ||
				lists[0].NamespaceURI() != excC14NNamespace):
				t.Errorf("%s: want one ec:InclusiveNamespaces PrefixList=\"xs\" in its c14n transform, got %d", el.Tag, len(lists))
			case !withAttributes && len(lists) != 0:
				t.Errorf("%s without attributes: got an InclusiveNamespaces element, Okta sends none", el.Tag)
			}
			vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{opts.Certificate}})
			vctx.Clock = dsig.NewFakeClockAt(issued)
			detached := etree.NewDocument()
			detached.SetRoot(el.Copy())
			verified, err := vctx.Validate(detached.Root())
			if err != nil {
				t.Fatalf("%s does not verify: %v", el.Tag, err)
			}
			got := verified.SelectAttrValue("xmlns:xs", "")
			if withAttributes && got != xmlSchemaNamespace {
				t.Errorf("%s: the signed copy binds xs to %q, want %q", el.Tag, got, xmlSchemaNamespace)
			}
			if !withAttributes && got != "" {
				t.Errorf("%s without attributes declares xs (%q)", el.Tag, got)
			}
		}
	}
}
