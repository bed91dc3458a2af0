package sfemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	crewjam "github.com/crewjam/saml"

	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// otherKey is a signing key the org's SamlSsoConfig does not trust.
func otherKey(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(10), Subject: pkix.Name{CommonName: "mallory"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
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

// orgACS is the org's login URL as Okta's app posts to it.
func orgACS(to *testOrg) string { return to.srv.URL + "?so=" + to.Credentials().OrgID[:15] }

// signedFor signs a Response for ada@acme.com (a seeded user) addressed to the org; mod adjusts the options first.
func signedFor(t *testing.T, to *testOrg, mod func(*samlidp.ResponseOptions)) []byte {
	t.Helper()
	key, cert := testIDP(t)
	opts := samlidp.ResponseOptions{Issuer: testIssuer, Destination: orgACS(to), Audience: to.srv.URL, NameID: "ada@acme.com", Key: key, Certificate: cert}
	if mod != nil {
		mod(&opts)
	}
	b, err := samlidp.BuildResponse(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verify runs the ACS's validation on doc as if posted to received ("" is the org's login URL as Okta posts to it).
func (to *testOrg) verify(so string, doc []byte, received string) (*samlClaims, *ssoFailure) {
	if received == "" {
		received = to.srv.URL + "/?so=" + to.Credentials().OrgID[:15]
	}
	to.mu.Lock()
	defer to.mu.Unlock()
	claims, _, fail := to.verifySAMLResponse(so, base64.StdEncoding.EncodeToString(doc), received, to.now())
	return claims, fail
}

func stripSignatures(doc string) string {
	for {
		i := strings.Index(doc, "<ds:Signature")
		if i < 0 {
			return doc
		}
		j := strings.Index(doc, "</ds:Signature>")
		doc = doc[:i] + doc[j+len("</ds:Signature>"):]
	}
}

func replaceOnce(t *testing.T, doc, old, repl string) string {
	t.Helper()
	if !strings.Contains(doc, old) {
		t.Fatalf("%q is not in the response", old)
	}
	return strings.Replace(doc, old, repl, 1)
}

// fromCrewjam reports whether err is the crewjam service provider's refusal, and matches kind when one is given.
func fromCrewjam(err error, kind error) bool {
	var invalid *crewjam.InvalidResponseError
	return errors.As(err, &invalid) && (kind == nil || errors.Is(err, kind))
}

// TestACS_validatorStatuses checks the LoginHistory status each of crewjam's refusals is recorded with, the checks
// the emulator keeps for what crewjam cannot express (so=, configuration by Issuer, Salesforce's several login URLs),
// and Salesforce's 5+3 minute age limit.
func TestACS_validatorStatuses(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	trustIDP(t, to, nil)
	org15 := to.Credentials().OrgID[:15]
	now := time.Now()
	wrongKey, wrongCert := otherKey(t)
	build := func(mod func(*samlidp.ResponseOptions)) func(t *testing.T) string {
		return func(t *testing.T) string { return string(signedFor(t, to, mod)) }
	}
	cases := []struct {
		name     string
		doc      func(t *testing.T) string
		so       string
		received string
		want     string // LoginHistory status; "" accepts
		kind     error  // crewjam's classification of the refusal, when it has one
		own      bool   // refused by the emulator's own check, not crewjam
		wantUser bool   // the refusal is recorded against ada
	}{
		{name: "genuine", doc: build(nil)},
		{name: "SP-initiated with an InResponseTo the org did not issue", doc: build(func(o *samlidp.ResponseOptions) { o.InResponseTo = "_req1" }),
			want: statusInResponseToInvalid, kind: crewjam.ErrRequestIDMismatch, wantUser: true},
		{name: "recipient is the My Domain root without so=", doc: build(func(o *samlidp.ResponseOptions) { o.Recipient = to.srv.URL })},
		{name: "recipient is /login?so=", doc: build(func(o *samlidp.ResponseOptions) { o.Recipient = to.srv.URL + "/login?so=" + org15 })},
		{name: "issued 6 minutes ago, valid for an hour", doc: build(func(o *samlidp.ResponseOptions) {
			o.IssueInstant, o.NotBefore, o.NotOnOrAfter = now.Add(-6*time.Minute), now.Add(-7*time.Minute), now.Add(time.Hour)
		})},
		{name: "issued 9 minutes ago, valid for an hour", doc: build(func(o *samlidp.ResponseOptions) {
			o.IssueInstant, o.NotBefore, o.NotOnOrAfter = now.Add(-9*time.Minute), now.Add(-10*time.Minute), now.Add(time.Hour)
		}), want: statusAssertionExpired, kind: crewjam.ErrExpired, wantUser: true},
		{name: "not yet valid", doc: build(func(o *samlidp.ResponseOptions) { o.IssueInstant = now.Add(10 * time.Minute) }),
			want: statusAssertionExpired, kind: crewjam.ErrNotYetValid, wantUser: true},
		{name: "recipient is another org", doc: build(func(o *samlidp.ResponseOptions) { o.Recipient = "https://other.my.salesforce.com" }),
			want: statusRecipientMismatch, kind: crewjam.ErrDestinationMismatch, wantUser: true},
		{name: "signed Destination is another org", doc: build(func(o *samlidp.ResponseOptions) {
			o.SignResponse, o.Destination, o.Recipient = true, "https://other.my.salesforce.com", orgACS(to)
		}), want: statusRecipientMismatch, kind: crewjam.ErrDestinationMismatch, wantUser: true},
		{name: "wrong audience", doc: build(func(o *samlidp.ResponseOptions) { o.Audience = "https://saml.salesforce.com" }),
			want: statusAudienceInvalid, kind: crewjam.ErrAudienceMismatch, wantUser: true},
		{name: "signed by a key the configuration does not trust", doc: build(func(o *samlidp.ResponseOptions) { o.Key, o.Certificate = wrongKey, wrongCert }),
			want: statusSignatureInvalid, kind: crewjam.ErrUntrustedCertificate, wantUser: false},
		{name: "unsigned", doc: func(t *testing.T) string { return stripSignatures(string(signedFor(t, to, nil))) },
			want: statusSignatureInvalid, wantUser: false},
		{name: "Status not Success outside the signature", doc: func(t *testing.T) string {
			return replaceOnce(t, string(signedFor(t, to, nil)), "status:Success", "status:Responder")
		}, want: statusStatusInvalid},
		{name: "Response Issuer differs, outside the signature", doc: func(t *testing.T) string {
			return replaceOnce(t, string(signedFor(t, to, nil)), ">"+testIssuer+"<", ">http://www.okta.com/exkOTHER<")
		}, want: statusIssuerMismatched, kind: crewjam.ErrIssuerMismatch},
		{name: "issuer no configuration trusts", doc: build(func(o *samlidp.ResponseOptions) { o.Issuer = "http://www.okta.com/exkOTHER" }),
			want: statusIssuerMismatched, own: true},
		{name: "so= names another org", doc: build(nil), so: "00D000000000099", want: statusAssertionInvalid, own: true},
		{name: "not SAML", doc: func(*testing.T) string { return "<html/>" }, want: statusAssertionInvalid, own: true},
		{name: "DTD", doc: func(t *testing.T) string { return `<!DOCTYPE r [<!ENTITY e "v">]>` + string(signedFor(t, to, nil)) }, want: statusAssertionInvalid, own: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claims, fail := to.verify(tc.so, []byte(tc.doc(t)), tc.received)
			if tc.want == "" {
				if fail != nil {
					t.Fatalf("refused: %s: %s", fail.status, fail.detail)
				}
				if claims.subject != "ada@acme.com" {
					t.Errorf("subject %q", claims.subject)
				}
				return
			}
			if fail == nil {
				t.Fatal("accepted")
			}
			if fail.status != tc.want {
				t.Errorf("status %q (%s), want %q", fail.status, fail.detail, tc.want)
			}
			switch {
			case tc.own && fail.cause != nil:
				t.Errorf("want the emulator's own refusal, got crewjam's: %v", fail.cause)
			case !tc.own && !fromCrewjam(fail.cause, tc.kind):
				t.Errorf("cause %v (%s), want crewjam's refusal matching %v", fail.cause, fail.detail, tc.kind)
			}
			if (fail.user != nil) != tc.wantUser {
				t.Errorf("recorded against %v, want a user: %v", fail.user, tc.wantUser)
			}
		})
	}
}

// errFlagged is the provider decoder's verdict on a Response it reads but whose audience or recipient is not the
// org's: decode_saml_response returns them for the caller to compare.
var errFlagged = errors.New("read, but not for this org")

// TestACS_refusesIndependentlyOfProviderDecoder posts bad Responses through two independent code paths: the sandbox
// ACS must refuse each by crewjam's code, and the provider's decoder (internal/saml, behind decode_saml_response)
// must refuse or flag each on its own. The last cases are where they are meant to differ.
func TestACS_refusesIndependentlyOfProviderDecoder(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	trustIDP(t, to, nil)
	_, trusted := testIDP(t)
	wrongKey, wrongCert := otherKey(t)
	now := time.Now()
	// decoder is what the provider's decode_saml_response relies on: a verified read, the assertion's validity
	// window, and the audience and recipient it returns.
	decoder := func(doc []byte) error {
		r, err := saml.ParseResponse(doc, []*x509.Certificate{trusted}, now)
		if err != nil {
			return err
		}
		if err := r.ValidAt(now, clockSkew); err != nil {
			return err
		}
		if r.Audience() != to.srv.URL || r.Recipient != orgACS(to) {
			return fmt.Errorf("%w: audience %q, recipient %q", errFlagged, r.Audience(), r.Recipient)
		}
		return nil
	}
	genuine := func(t *testing.T) string { return string(signedFor(t, to, nil)) }
	// forged is the genuine Response with the signed subject changed; its assertion keeps the genuine signature.
	forged := func(t *testing.T) string {
		return replaceOnce(t, genuine(t), "ada@acme.com</saml2:NameID>", "bob@acme.com</saml2:NameID>")
	}
	assertionOf := func(doc string) string {
		return doc[strings.Index(doc, "<saml2:Assertion") : strings.Index(doc, "</saml2:Assertion>")+len("</saml2:Assertion>")]
	}
	cases := []struct {
		name     string
		doc      func(t *testing.T) string
		want     string // the ACS's LoginHistory status
		kind     error  // crewjam's classification, when it has one
		decoder  error  // the provider decoder's verdict; nil means it accepts
		differ   string // why the two are meant to disagree
		wantUser bool
	}{
		{name: "tampered signed attribute", doc: func(t *testing.T) string {
			return replaceOnce(t, string(signedFor(t, to, func(o *samlidp.ResponseOptions) {
				o.Attributes = []samlidp.Attribute{{Name: "User.Title", Values: []string{"Clerk"}}}
			})), ">Clerk<", ">CEO<")
		}, want: statusSignatureInvalid, kind: crewjam.ErrInvalidSignature, decoder: saml.ErrSignature, wantUser: false},
		{name: "tampered signed Response", doc: func(t *testing.T) string {
			return replaceOnce(t, string(signedFor(t, to, func(o *samlidp.ResponseOptions) { o.SignResponse = true })), "status:Success", "status:Responder")
		}, want: statusSignatureInvalid, kind: crewjam.ErrInvalidSignature, decoder: saml.ErrSignature, wantUser: false},
		{name: "signed by an untrusted key", doc: func(t *testing.T) string {
			return string(signedFor(t, to, func(o *samlidp.ResponseOptions) { o.Key, o.Certificate = wrongKey, wrongCert }))
		}, want: statusSignatureInvalid, kind: crewjam.ErrInvalidSignature, decoder: saml.ErrSignature, wantUser: false},
		{name: "wrong audience", doc: func(t *testing.T) string {
			return string(signedFor(t, to, func(o *samlidp.ResponseOptions) { o.Audience = "https://saml.salesforce.com" }))
		}, want: statusAudienceInvalid, kind: crewjam.ErrAudienceMismatch, decoder: errFlagged, wantUser: true},
		{name: "expired", doc: func(t *testing.T) string {
			past := now.Add(-time.Hour)
			return string(signedFor(t, to, func(o *samlidp.ResponseOptions) {
				o.IssueInstant, o.NotBefore, o.NotOnOrAfter = past, past, past.Add(5*time.Minute)
			}))
		}, want: statusAssertionExpired, kind: crewjam.ErrExpired, decoder: saml.ErrTimeWindow, wantUser: true},
		{name: "wrong recipient", doc: func(t *testing.T) string {
			return string(signedFor(t, to, func(o *samlidp.ResponseOptions) { o.Recipient = "https://other.my.salesforce.com" }))
		}, want: statusRecipientMismatch, kind: crewjam.ErrDestinationMismatch, decoder: errFlagged, wantUser: true},
		{name: "signature wrapping: forged unsigned assertion before the genuine one", doc: func(t *testing.T) string {
			g := genuine(t)
			i := strings.Index(g, "<saml2:Assertion")
			return g[:i] + stripSignatures(assertionOf(forged(t))) + g[i:]
		}, want: statusAssertionInvalid, kind: crewjam.ErrMalformedMessage, decoder: saml.ErrInvalidResponse},
		{name: "signature wrapping: genuine assertion nested in a forged one", doc: func(t *testing.T) string {
			g := genuine(t)
			outer := stripSignatures(assertionOf(forged(t)))
			nested := strings.TrimSuffix(outer, "</saml2:Assertion>") + assertionOf(g) + "</saml2:Assertion>"
			return strings.Replace(g, assertionOf(g), nested, 1)
		}, want: statusSignatureInvalid, decoder: saml.ErrUnsigned, wantUser: false},
		// A forged sign-in is recorded against the user it names, as any Signature Invalid is.
		{name: "signature wrapping: forged assertion keeps the genuine signature", doc: forged,
			want: statusSignatureInvalid, kind: crewjam.ErrInvalidSignature, decoder: saml.ErrSignature, wantUser: false},
		{name: "Status not Success outside the signature", doc: func(t *testing.T) string {
			return replaceOnce(t, genuine(t), "status:Success", "status:Responder")
		}, want: statusStatusInvalid, differ: "an SP refuses any Status but Success, signed or not; the decoder reports only what a " +
			"signature covers, and with only the assertion signed the Status is not"},
		{name: "issued 9 minutes ago, valid for an hour", doc: func(t *testing.T) string {
			return string(signedFor(t, to, func(o *samlidp.ResponseOptions) {
				o.IssueInstant, o.NotBefore, o.NotOnOrAfter = now.Add(-9*time.Minute), now.Add(-10*time.Minute), now.Add(time.Hour)
			}))
		}, want: statusAssertionExpired, kind: crewjam.ErrExpired, wantUser: true, differ: "Salesforce also bounds an assertion's age " +
			"(5 minutes + 3 of skew after IssueInstant); the decoder checks only the assertion's own validity window"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := []byte(tc.doc(t))
			_, fail := to.verify("", doc, "")
			switch {
			case fail == nil:
				t.Error("the sandbox ACS accepted it")
			case fail.status != tc.want || !fromCrewjam(fail.cause, tc.kind):
				t.Errorf("the sandbox ACS: %q, cause %v (%s); want %q from crewjam matching %v", fail.status, fail.cause, fail.detail, tc.want, tc.kind)
			case (fail.user != nil) != tc.wantUser:
				t.Errorf("recorded against %v, want a user: %v", fail.user, tc.wantUser)
			}
			got := decoder(doc)
			if tc.decoder == nil {
				if got != nil {
					t.Errorf("the provider's decoder refused it (%v), but they are meant to differ: %s", got, tc.differ)
				}
				return
			}
			if !errors.Is(got, tc.decoder) {
				t.Errorf("the provider's decoder: %v, want %v", got, tc.decoder)
			}
		})
	}
}
