package sfemu

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// FuzzACS posts arbitrary SAMLResponse bytes to the ACS handler: it must not panic and must never start a session.
// The seeds are signed by a key the org does not trust, so no mutation of them can become a genuine sign-in; seeds
// with a DOCTYPE or entity declaration must be refused as such.
func FuzzACS(f *testing.F) {
	const base = "https://acme.my.salesforce.com"
	o, err := New(Config{Alias: "qa", BaseURL: base, Control: emu.NewControl(), Directory: NewDirectory()}, testSeed())
	if err != nil {
		f.Fatal(err)
	}
	_, trusted := selfSigned(f, "okta")
	o.mu.Lock()
	_, serr := o.saveSAMLConfig(samlMetadata{FullName: "Okta", Name: "Okta", Issuer: testIssuer, SAMLEntityID: base, IdentityMapping: "FederationId",
		IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0", UserProvisioning: "true", ValidationCert: base64.StdEncoding.EncodeToString(trusted.Raw)})
	o.mu.Unlock()
	if serr != nil {
		f.Fatal(serr.message)
	}
	acs := base + "/?so=" + o.Credentials().OrgID[:15]
	untrustedKey, untrustedCert := selfSigned(f, "mallory")
	untrusted, err := samlidp.BuildResponse(samlidp.ResponseOptions{Issuer: testIssuer, Destination: acs, Audience: base, NameID: "ada@acme.com",
		Key: untrustedKey, Certificate: untrustedCert, SignResponse: true})
	if err != nil {
		f.Fatal(err)
	}
	doctype := []byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "ada@acme.com">]>`)
	for _, seed := range [][]byte{
		untrusted,
		[]byte(stripSignatures(string(untrusted))),
		append(append([]byte{}, doctype...), bytes.TrimPrefix(untrusted, []byte(`<?xml version="1.0" encoding="UTF-8"?>`))...),
		bytes.Replace(untrusted, []byte("ada@acme.com"), []byte("&e;"), 1),
		[]byte(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol">&lol2;</saml2p:Response>`),
		[]byte(`<!doctype x SYSTEM "file:///etc/passwd"><x/>`),
		[]byte("<html/>"),
		{},
	} {
		f.Add(seed)
	}
	handler := o.Handler()
	f.Fuzz(func(t *testing.T, doc []byte) {
		form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(doc)}, "RelayState": {"https://evil.example"}}
		req := httptest.NewRequest(http.MethodPost, acs, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code == http.StatusFound || strings.Contains(rec.Header().Get("Set-Cookie"), "sid=") {
			t.Fatalf("a session from fuzzed input: %d %v", rec.Code, rec.Header())
		}
		upper := bytes.ToUpper(doc)
		if (bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY"))) &&
			!strings.Contains(rec.Body.String(), "DTD or entity declaration") {
			t.Fatalf("a DTD was not refused as one: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// selfSigned makes a key and a self-signed certificate named cn.
func selfSigned(tb testing.TB, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return key, cert
}
