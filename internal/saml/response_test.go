package saml

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

type testSigner struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

var (
	signersOnce sync.Once
	signers     [2]testSigner
)

// testSigners returns two distinct self-signed RSA key pairs, generated once per test binary.
func testSigners(t testing.TB) [2]testSigner {
	t.Helper()
	signersOnce.Do(func() {
		for i := range signers {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "idp"},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			if err != nil {
				panic(err)
			}
			cert, _ := x509.ParseCertificate(der)
			signers[i] = testSigner{key: key, cert: cert}
		}
	})
	return signers
}

// baseOptions builds with the sandbox IdP's builder: the parser is tested against code it shares nothing with.
func baseOptions(s testSigner) samlidp.ResponseOptions {
	return samlidp.ResponseOptions{
		Issuer: "http://www.okta.com/exk1", Destination: "https://acme.my.salesforce.com?so=00D000000000001",
		Audience: "https://acme.my.salesforce.com", NameID: "jane@example.com", NameIDFormat: NameIDFormatEmail,
		Attributes: []samlidp.Attribute{{Name: "User.Email", Values: []string{"jane@example.com"}}, {Name: "groups", NameFormat: AttrNameFormatBasic, Values: []string{"a", "b"}}},
		Key:        s.key, Certificate: s.cert,
	}
}

func TestBuildParseResponse_roundTrip(t *testing.T) {
	t.Parallel()
	s := testSigners(t)
	cases := []struct {
		name                     string
		signResponse, signAssert bool
		wantRespSig, wantAssert  bool
	}{
		{"default signs the assertion", false, false, false, true},
		{"response only", true, false, true, false},
		{"assertion only", false, true, false, true},
		{"both", true, true, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := baseOptions(s[0])
			opts.SignResponse, opts.SignAssertion, opts.InResponseTo = tc.signResponse, tc.signAssert, "req1"
			b, err := samlidp.BuildResponse(opts)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseResponse(b, []*x509.Certificate{s[1].cert, s[0].cert}, time.Now())
			if err != nil {
				t.Fatalf("ParseResponse: %v\n%s", err, b)
			}
			if !r.SignatureVerified || r.ResponseSigned != tc.wantRespSig || r.AssertionSigned != tc.wantAssert {
				t.Errorf("verified=%v responseSigned=%v assertionSigned=%v", r.SignatureVerified, r.ResponseSigned, r.AssertionSigned)
			}
			if r.Issuer != opts.Issuer || r.Subject != opts.NameID || r.NameIDFormat != NameIDFormatEmail ||
				r.Audience() != opts.Audience || r.Recipient != opts.Destination || r.ConfirmationInResponseTo != "req1" {
				t.Errorf("read back %+v", r)
			}
			// The Response element's own values are read only when its own signature covers them.
			wantDestination, wantInResponseTo, wantStatus := "", "", ""
			if tc.wantRespSig {
				wantDestination, wantInResponseTo, wantStatus = opts.Destination, "req1", StatusSuccess
			}
			if r.ResponseVerified != tc.wantRespSig || r.Destination != wantDestination || r.InResponseTo != wantInResponseTo ||
				r.StatusCode != wantStatus || r.IssueInstant.IsZero() == tc.wantRespSig {
				t.Errorf("response element: verified=%v destination=%q inResponseTo=%q status=%q issueInstant=%v",
					r.ResponseVerified, r.Destination, r.InResponseTo, r.StatusCode, r.IssueInstant)
			}
			if got := r.AttributeValues("groups"); len(got) != 2 || got[1] != "b" {
				t.Errorf("groups = %v", got)
			}
			if err := r.ValidAt(time.Now(), 0); err != nil {
				t.Errorf("ValidAt(now) = %v", err)
			}
			if err := r.ValidAt(time.Now().Add(10*time.Minute), time.Minute); !errors.Is(err, ErrTimeWindow) {
				t.Errorf("ValidAt(+10m) = %v, want ErrTimeWindow", err)
			}
			if err := r.ValidAt(time.Now().Add(-10*time.Minute), time.Minute); !errors.Is(err, ErrTimeWindow) {
				t.Errorf("ValidAt(-10m) = %v, want ErrTimeWindow", err)
			}
		})
	}
}

func TestParseResponse_refusals(t *testing.T) {
	t.Parallel()
	s := testSigners(t)
	signed, err := samlidp.BuildResponse(baseOptions(s[0]))
	if err != nil {
		t.Fatal(err)
	}
	opts := baseOptions(s[0])
	opts.SignResponse = true
	respSigned, err := samlidp.BuildResponse(opts)
	if err != nil {
		t.Fatal(err)
	}
	trusted := []*x509.Certificate{s[0].cert}
	// wrapped keeps the genuine signed assertion but adds a forged unsigned one first.
	forged := strings.Replace(string(signed), "jane@example.com</saml2:NameID>", "mallory@example.com</saml2:NameID>", 1)
	i := strings.Index(forged, "<saml2:Assertion")
	j := strings.Index(string(signed), "<saml2:Assertion")
	wrapped := string(signed)[:j] + forged[i:strings.Index(forged, "</saml2:Assertion>")+len("</saml2:Assertion>")] + string(signed)[j:]
	// nested hides the genuine signed assertion inside a forged, unsigned one (XSW variant).
	unsignedForged := stripSignatures(t, []byte(forged))
	fi, fe := strings.Index(unsignedForged, "<saml2:Assertion"), strings.Index(unsignedForged, "</saml2:Assertion>")
	gi, ge := strings.Index(string(signed), "<saml2:Assertion"), strings.Index(string(signed), "</saml2:Assertion>")+len("</saml2:Assertion>")
	nested := string(signed)[:gi] + unsignedForged[fi:fe] + string(signed)[gi:ge] + "</saml2:Assertion>" + string(signed)[ge:]
	cases := []struct {
		name  string
		doc   string
		certs []*x509.Certificate
		want  error
	}{
		{"tampered assertion", strings.Replace(string(signed), "jane@example.com</saml2:AttributeValue>", "evil@example.com</saml2:AttributeValue>", 1), trusted, ErrSignature},
		{"tampered signed response", strings.Replace(string(respSigned), "exk1</saml2:Issuer>", "exk2</saml2:Issuer>", 1), trusted, ErrSignature},
		{"untrusted certificate", string(signed), []*x509.Certificate{s[1].cert}, ErrSignature},
		{"unsigned with certificates", stripSignatures(t, signed), trusted, ErrUnsigned},
		{"signature wrapping: two assertions", wrapped, trusted, ErrInvalidResponse},
		{"signature wrapping: signed assertion nested in a forged one", nested, trusted, ErrUnsigned},
		{"signature wrapping: forged assertion keeps the genuine signature", forged, trusted, ErrSignature},
		{"doctype", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r/>`, nil, ErrDTD},
		{"not a response", `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`, nil, ErrInvalidResponse},
		{"garbage", `<<`, nil, ErrInvalidResponse},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseResponse([]byte(tc.doc), tc.certs, time.Now())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (response %+v)", err, tc.want, r)
			}
		})
	}
}

// TestParseResponse_unsignedResponseElement tampers with the Response element's own Destination, IssueInstant and
// Status. With only the assertion signed they are outside the signature: the verified read must leave them out
// (the assertion still verifies); with the Response signed the tampering must break the signature.
func TestParseResponse_unsignedResponseElement(t *testing.T) {
	t.Parallel()
	s := testSigners(t)
	tamper := func(t *testing.T, doc []byte) []byte {
		t.Helper()
		out := string(doc)
		for _, r := range [][2]string{
			{`Destination="https://acme.my.salesforce.com?so=00D000000000001"`, `Destination="https://evil.example/acs"`},
			{`IssueInstant="`, `IssueInstant="2001-01-01T00:00:00.000Z" X="`}, // the first is the Response element's
			{StatusSuccess, "urn:oasis:names:tc:SAML:2.0:status:Requester"},
		} {
			if !strings.Contains(out, r[0]) {
				t.Fatalf("%q not in the response", r[0])
			}
			out = strings.Replace(out, r[0], r[1], 1)
		}
		return []byte(out)
	}
	trusted := []*x509.Certificate{s[0].cert}

	assertionOnly, err := samlidp.BuildResponse(baseOptions(s[0]))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseResponse(tamper(t, assertionOnly), trusted, time.Now())
	if err != nil {
		t.Fatalf("the signed assertion is intact, want it verified: %v", err)
	}
	if !r.SignatureVerified || r.ResponseVerified {
		t.Errorf("verified=%v responseVerified=%v, want true/false", r.SignatureVerified, r.ResponseVerified)
	}
	if r.Destination != "" || !r.IssueInstant.IsZero() || r.StatusCode != "" || r.ID != "" {
		t.Errorf("unsigned values read as verified: destination=%q issueInstant=%v status=%q id=%q", r.Destination, r.IssueInstant, r.StatusCode, r.ID)
	}
	unverified, err := ParseResponse(tamper(t, assertionOnly), nil, time.Time{})
	if err != nil || unverified.SignatureVerified || unverified.Destination != "https://evil.example/acs" {
		t.Errorf("without certificates everything is read, unverified: %+v, %v", unverified, err)
	}

	opts := baseOptions(s[0])
	opts.SignResponse = true
	responseSigned, err := samlidp.BuildResponse(opts)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ParseResponse(tamper(t, responseSigned), trusted, time.Now()); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered signed Response element: err = %v, response %+v; want ErrSignature", err, r)
	}
}

func TestParseResponse_unverifiedWithoutCerts(t *testing.T) {
	t.Parallel()
	s := testSigners(t)
	b, err := samlidp.BuildResponse(baseOptions(s[0]))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseResponse(b, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r.SignatureVerified || !r.AssertionSigned || r.Subject != "jane@example.com" {
		t.Errorf("got %+v", r)
	}
}

// wrappingDocuments builds the signature-wrapping variants from a genuine Response whose assertion alone is
// signed and one whose Response alone is signed. The forged assertion names mallory instead of jane.
func wrappingDocuments(t testing.TB, assertionSigned, responseSigned []byte) map[string]string {
	t.Helper()
	doc := string(assertionSigned)
	gi, ge := strings.Index(doc, "<saml2:Assertion"), strings.Index(doc, "</saml2:Assertion>")+len("</saml2:Assertion>")
	if gi < 0 || ge < gi {
		t.Fatalf("no assertion in %s", doc)
	}
	genuine := doc[gi:ge]
	forgedSigned := strings.Replace(genuine, "jane@example.com</saml2:NameID>", "mallory@example.com</saml2:NameID>", 1)
	forged := stripSignatures(t, []byte(forgedSigned))
	ids := regexp.MustCompile(`ID="([^"]*)"`).FindAllStringSubmatch(string(responseSigned), -1)
	if len(ids) < 2 {
		t.Fatalf("want a Response and an Assertion ID in %s", responseSigned)
	}
	return map[string]string{
		"unsigned assertion before the signed one": doc[:gi] + forged + genuine + doc[ge:],
		"unsigned assertion after the signed one":  doc[:gi] + genuine + forged + doc[ge:],
		"signed assertion moved into Extensions":   doc[:gi] + "<saml2p:Extensions>" + genuine + "</saml2p:Extensions>" + forged + doc[ge:],
		// The forged assertion keeps the genuine ID and Signature and hides the genuine assertion in a ds:Object.
		"signed assertion moved into a ds:Object":          doc[:gi] + strings.Replace(forgedSigned, "</ds:Signature>", "<ds:Object>"+genuine+"</ds:Object></ds:Signature>", 1) + doc[ge:],
		"response signature references the assertion's ID": strings.Replace(string(responseSigned), `URI="#`+ids[0][1]+`"`, `URI="#`+ids[1][1]+`"`, 1),
	}
}

// TestParseResponse_signatureReasons checks that each failed verification says why (SignatureError.Reason), with
// the sentinel errors.Is still matches.
func TestParseResponse_signatureReasons(t *testing.T) {
	t.Parallel()
	s := testSigners(t)
	signed, err := samlidp.BuildResponse(baseOptions(s[0]))
	if err != nil {
		t.Fatal(err)
	}
	opts := baseOptions(s[0])
	opts.SignResponse = true
	respSigned, err := samlidp.BuildResponse(opts)
	if err != nil {
		t.Fatal(err)
	}
	trusted := []*x509.Certificate{s[0].cert}
	wrapped := wrappingDocuments(t, signed, respSigned)
	cases := []struct {
		name   string
		doc    string
		certs  []*x509.Certificate
		now    time.Time
		want   error
		reason string // regexp; empty: not a SignatureError
	}{
		{"tampered after signing", strings.Replace(string(signed), "jane@example.com</saml2:AttributeValue>", "evil@example.com</saml2:AttributeValue>", 1), trusted, time.Now(), ErrSignature, `^digest mismatch: the assertion was changed after it was signed$`},
		{"wrong certificate", string(signed), []*x509.Certificate{s[1].cert}, time.Now(), ErrSignature, `^certificate does not match: signed by ` + regexp.QuoteMeta(Fingerprint(s[0].cert)) + `$`},
		{"expired certificate", string(signed), trusted, s[0].cert.NotAfter.Add(time.Hour), ErrSignature, `^expired certificate at \S+: valid until `},
		{"certificate not yet valid", string(signed), trusted, s[0].cert.NotBefore.Add(-time.Hour), ErrSignature, `^certificate not yet valid at `},
		{"unsigned", stripSignatures(t, signed), trusted, time.Now(), ErrUnsigned, `^no signature`},
		{"wrapping: unsigned assertion before", wrapped["unsigned assertion before the signed one"], trusted, time.Now(), ErrInvalidResponse, ``},
		{"wrapping: unsigned assertion after", wrapped["unsigned assertion after the signed one"], trusted, time.Now(), ErrInvalidResponse, ``},
		{"wrapping: Extensions", wrapped["signed assertion moved into Extensions"], trusted, time.Now(), ErrUnsigned, `^signature does not cover the assertion \(wrapping\): the signed Assertion is at /Response/Extensions/Assertion`},
		{"wrapping: ds:Object", wrapped["signed assertion moved into a ds:Object"], trusted, time.Now(), ErrSignature, `^digest mismatch`},
		{"wrapping: response reference", wrapped["response signature references the assertion's ID"], trusted, time.Now(), ErrSignature, `^signature does not cover the Response \(wrapping\): it references "#id`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseResponse([]byte(tc.doc), tc.certs, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (response %+v)", err, tc.want, r)
			}
			var sigErr *SignatureError
			if tc.reason == "" {
				if errors.As(err, &sigErr) {
					t.Fatalf("err = %v, want a refusal, not a SignatureError", err)
				}
				return
			}
			if !errors.As(err, &sigErr) || !regexp.MustCompile(tc.reason).MatchString(sigErr.Reason) {
				t.Fatalf("err = %v, want a SignatureError with a reason matching %q", err, tc.reason)
			}
			// Without certificates the same document is read, unverified, and never fails on its signature.
			if _, err := ParseResponse([]byte(tc.doc), nil, time.Time{}); errors.As(err, &sigErr) {
				t.Errorf("without certificates: %v", err)
			}
		})
	}
}

func TestParseResponse_tooLarge(t *testing.T) {
	t.Parallel()
	doc := []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` + strings.Repeat(" ", MaxResponseBytes) + `</samlp:Response>`)
	if _, err := ParseResponse(doc, nil, time.Time{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func stripSignatures(t testing.TB, b []byte) string {
	t.Helper()
	s := string(b)
	for {
		i := strings.Index(s, "<ds:Signature")
		if i < 0 {
			return s
		}
		j := strings.Index(s, "</ds:Signature>")
		s = s[:i] + s[j+len("</ds:Signature>"):]
	}
}

// FuzzParseResponse runs its seeds in every go test. To fuzz, add -fuzzminimizetime 10x: at the default (60s
// per new input) minimizing inputs grown from the Response-signed seeds stalls the run at a few execs.
func FuzzParseResponse(f *testing.F) {
	s := testSigners(f)
	b, err := samlidp.BuildResponse(baseOptions(s[0]))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	opts := baseOptions(s[0])
	opts.SignResponse = true
	respSigned, err := samlidp.BuildResponse(opts)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(respSigned)
	for _, doc := range wrappingDocuments(f, b, respSigned) {
		f.Add([]byte(doc))
	}
	f.Add([]byte(`<!DOCTYPE samlp:Response [<!ENTITY e "mallory@example.com">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&e;</samlp:Response>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&e;</samlp:Response>`))
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`))
	certs := []*x509.Certificate{s[0].cert}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, c := range [][]*x509.Certificate{nil, certs} {
			r, err := ParseResponse(doc, c, time.Now())
			upper := bytes.ToUpper(doc)
			if (bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY"))) && !errors.Is(err, ErrDTD) {
				t.Fatalf("a DTD was not refused: %v", err)
			}
			if err == nil && c != nil && !r.SignatureVerified {
				t.Fatal("accepted without a verified signature")
			}
		}
	})
}
