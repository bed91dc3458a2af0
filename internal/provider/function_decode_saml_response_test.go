package provider_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/provider"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// signedResponse builds a Response (only its assertion signed, as Okta does) signed by a fresh key and returns
// it with the signing certificate.
func signedResponse(t *testing.T) ([]byte, *x509.Certificate) {
	t.Helper()
	return signedResponseValidBetween(t, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Now().AddDate(1, 0, 0))
}

// signedResponseValidBetween is signedResponse with a certificate valid from notBefore to notAfter; edit, if
// given, changes the options before signing.
func signedResponseValidBetween(t *testing.T, notBefore, notAfter time.Time, edit ...func(*samlidp.ResponseOptions)) ([]byte, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "okta"}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	issued := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	opts := samlidp.ResponseOptions{
		Issuer: "http://www.okta.com/exkDecode", Destination: "https://acme.my.salesforce.com?so=00D000000000001", Audience: "https://acme.my.salesforce.com",
		NameID: "jane@acme.example", NameIDFormat: saml.NameIDFormatEmail, IssueInstant: issued,
		NotBefore: issued.Add(-5 * time.Minute), NotOnOrAfter: issued.Add(5 * time.Minute),
		Attributes: []samlidp.Attribute{{Name: "User.Email", Values: []string{"jane@acme.example"}}, {Name: "groups", Values: []string{"SF Users", "SF Admins"}}},
		Key:        key, Certificate: cert,
	}
	for _, e := range edit {
		e(&opts)
	}
	b, err := samlidp.BuildResponse(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b, cert
}

// wrapped returns doc with its signed assertion replaced by before + the genuine assertion + after, where forged
// (the genuine assertion naming mallory, signatures removed) may stand in either.
func wrapped(t *testing.T, doc []byte, build func(genuine, forged, forgedSigned string) string) string {
	t.Helper()
	s := string(doc)
	i, j := strings.Index(s, "<saml2:Assertion"), strings.Index(s, "</saml2:Assertion>")+len("</saml2:Assertion>")
	if i < 0 || j < i {
		t.Fatalf("no assertion in %s", s)
	}
	genuine := s[i:j]
	forgedSigned := strings.Replace(genuine, "jane@acme.example</saml2:NameID>", "mallory@evil.example</saml2:NameID>", 1)
	if forgedSigned == genuine {
		t.Fatal("no NameID to forge")
	}
	forged := regexp.MustCompile(`<ds:Signature[\s\S]*</ds:Signature>`).ReplaceAllString(forgedSigned, "")
	return s[:i] + build(genuine, forged, forgedSigned) + s[j:]
}

func runDecode(t *testing.T, doc, cert attr.Value, verifyAt ...string) function.RunResponse {
	t.Helper()
	var at []attr.Value
	var atTypes []attr.Type
	for _, v := range verifyAt {
		at, atTypes = append(at, types.StringValue(v)), append(atTypes, types.StringType)
	}
	f := provider.NewDecodeSAMLResponseFunction()
	var def function.DefinitionResponse
	f.Definition(context.Background(), function.DefinitionRequest{}, &def)
	ret := def.Definition.Return.(function.ObjectReturn)
	resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(ret.AttributeTypes))}
	f.Run(context.Background(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{doc, cert, types.TupleValueMust(atTypes, at)})}, &resp)
	return resp
}

func TestDecodeSAMLResponseFunction_run(t *testing.T) {
	t.Parallel()
	doc, cert := signedResponse(t)
	_, otherCert := signedResponse(t)
	b64 := base64.StdEncoding.EncodeToString(doc)
	pemCert := types.StringValue(saml.CertificatePEM(cert))
	tampered := strings.Replace(string(doc), "SF Admins", "Domain Admins", 1)
	const destination = "https://acme.my.salesforce.com?so=00D000000000001"
	evilDestination := strings.Replace(string(doc), `Destination="`+destination+`"`, `Destination="https://evil.example/acs"`, 1)
	if evilDestination == string(doc) {
		t.Fatal("the response has no Destination to tamper with")
	}
	// A certificate that expired before today, and a response whose unsigned IssueInstant a forger set back into
	// the certificate's validity: the caller's clock must decide, never the document's.
	issued := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	expiredDoc, expiredCert := signedResponseValidBetween(t, issued.Add(-time.Hour), issued.Add(time.Hour))
	expiredPEM := types.StringValue(saml.CertificatePEM(expiredCert))
	backdated := regexp.MustCompile(`IssueInstant="[^"]*"`).ReplaceAllString(string(expiredDoc), `IssueInstant="`+issued.Format(time.RFC3339)+`"`)
	// The audience is reported, not judged: a response for another SP verifies and says so in `audience`.
	otherAudienceDoc, otherAudienceCert := signedResponseValidBetween(t, issued.AddDate(-1, 0, 0), time.Now().AddDate(1, 0, 0),
		func(o *samlidp.ResponseOptions) { o.Audience = "https://other-sp.example" })
	// Only the Response signed: its Destination is covered; then its signature is pointed at the assertion's ID.
	respSignedDoc, respSignedCert := signedResponseValidBetween(t, issued.AddDate(-1, 0, 0), time.Now().AddDate(1, 0, 0),
		func(o *samlidp.ResponseOptions) { o.SignResponse = true })
	respSignedPEM := types.StringValue(saml.CertificatePEM(respSignedCert))
	ids := regexp.MustCompile(`ID="([^"]*)"`).FindAllStringSubmatch(string(respSignedDoc), 2)
	if len(ids) != 2 {
		t.Fatalf("want Response and Assertion IDs in %s", respSignedDoc)
	}
	refToAssertion := strings.Replace(string(respSignedDoc), `URI="#`+ids[0][1]+`"`, `URI="#`+ids[1][1]+`"`, 1)
	forgedBefore := wrapped(t, doc, func(g, f, _ string) string { return f + g })
	forgedAfter := wrapped(t, doc, func(g, f, _ string) string { return g + f })
	inExtensions := wrapped(t, doc, func(g, f, _ string) string { return "<saml2p:Extensions>" + g + "</saml2p:Extensions>" + f })
	inObject := wrapped(t, doc, func(g, _, fs string) string {
		return strings.Replace(fs, "</ds:Signature>", "<ds:Object>"+g+"</ds:Object></ds:Signature>", 1)
	})
	tests := []struct {
		name      string
		doc, cert attr.Value
		verifyAt  []string
		wantErr   string // regexp on an argument error; empty means success
		wantArg   int64
		// wantValid is signature_valid; when true the top-level values must be the genuine ones, otherwise null.
		wantValid attr.Value
		// wantSigError matches signature_error; empty: null.
		wantSigError    string
		wantDestination attr.Value // the verified destination; default null
		wantAudience    string     // default the genuine audience
		// unverified: what the document states. Defaults: the genuine destination, subject and groups.
		wantClaimedDestination, wantClaimedSubject, wantClaimedGroups string
	}{
		// Only the assertion is signed: a verified read leaves the Response element's Destination out.
		{name: "base64 with PEM", doc: types.StringValue(b64), cert: pemCert, wantValid: types.BoolValue(true)},
		{name: "URL-encoded form value", doc: types.StringValue(url.QueryEscape(b64)), cert: types.StringValue(base64.StdEncoding.EncodeToString(cert.Raw)), wantValid: types.BoolValue(true)},
		{name: "response signed: destination verified", doc: types.StringValue(string(respSignedDoc)), cert: respSignedPEM, wantValid: types.BoolValue(true), wantDestination: types.StringValue(destination)},
		{name: "raw XML without certificate", doc: types.StringValue(string(doc)), cert: types.StringNull(), wantValid: types.BoolNull()},
		{name: "empty certificate", doc: types.StringValue(b64), cert: types.StringValue(""), wantValid: types.BoolNull()},
		{name: "wrong certificate", doc: types.StringValue(b64), cert: types.StringValue(saml.CertificatePEM(otherCert)), wantValid: types.BoolValue(false),
			wantSigError: `^certificate does not match: signed by ` + regexp.QuoteMeta(saml.Fingerprint(cert)) + `$`},
		{name: "tampered after signing", doc: types.StringValue(tampered), cert: pemCert, wantValid: types.BoolValue(false),
			wantSigError: `^digest mismatch`, wantClaimedGroups: "SF Users,Domain Admins"},
		{name: "unsigned", doc: types.StringValue(regexp.MustCompile(`<ds:Signature[\s\S]*</ds:Signature>`).ReplaceAllString(string(doc), "")), cert: pemCert,
			wantValid: types.BoolValue(false), wantSigError: `^no signature`},
		{name: "tampered unsigned destination", doc: types.StringValue(evilDestination), cert: pemCert, wantValid: types.BoolValue(true), wantClaimedDestination: "https://evil.example/acs"},
		{name: "tampered unsigned destination without certificate", doc: types.StringValue(evilDestination), cert: types.StringNull(), wantValid: types.BoolNull(), wantClaimedDestination: "https://evil.example/acs"},
		{name: "expired certificate, checked now", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, wantValid: types.BoolValue(false), wantSigError: `^expired certificate at \S+: valid until 2026-03-04T06:06:07Z$`},
		{name: "expired certificate, backdated IssueInstant", doc: types.StringValue(backdated), cert: expiredPEM, wantValid: types.BoolValue(false), wantSigError: `^expired certificate at`},
		{name: "expired certificate, at verify_at after it", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, verifyAt: []string{"2026-03-04T07:00:00Z"}, wantValid: types.BoolValue(false),
			wantSigError: `^expired certificate at 2026-03-04T07:00:00Z: valid until 2026-03-04T06:06:07Z$`},
		{name: "expired certificate, checked when it was valid", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, verifyAt: []string{"2026-03-04T05:30:00Z"}, wantValid: types.BoolValue(true)},
		{name: "verify_at before the certificate", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, verifyAt: []string{"2026-03-04T03:00:00Z"}, wantValid: types.BoolValue(false), wantSigError: `^certificate not yet valid at 2026-03-04T03:00:00Z`},
		{name: "other audience is reported, not judged", doc: types.StringValue(string(otherAudienceDoc)), cert: types.StringValue(saml.CertificatePEM(otherAudienceCert)), wantValid: types.BoolValue(true), wantAudience: "https://other-sp.example"},
		{name: "wrapping: signed assertion in Extensions, forged one in its place", doc: types.StringValue(inExtensions), cert: pemCert, wantValid: types.BoolValue(false),
			wantSigError: `^signature does not cover the assertion \(wrapping\): the signed Assertion is at /Response/Extensions/Assertion`, wantClaimedSubject: "mallory@evil.example"},
		{name: "wrapping: signed assertion in the forged one's ds:Object", doc: types.StringValue(inObject), cert: pemCert, wantValid: types.BoolValue(false),
			wantSigError: `^digest mismatch`, wantClaimedSubject: "mallory@evil.example"},
		{name: "wrapping: response signature references the assertion", doc: types.StringValue(refToAssertion), cert: respSignedPEM, wantValid: types.BoolValue(false),
			wantSigError: `^signature does not cover the Response \(wrapping\): it references "#` + ids[1][1] + `", the Response's ID is "` + ids[0][1] + `"$`},
		{name: "wrapping: forged assertion before the signed one", doc: types.StringValue(forgedBefore), cert: pemCert, wantErr: `has 2 assertions, want exactly 1`},
		{name: "wrapping: forged assertion after the signed one", doc: types.StringValue(forgedAfter), cert: pemCert, wantErr: `has 2 assertions, want exactly 1`},
		{name: "verify_at not a time", doc: types.StringValue(b64), cert: pemCert, verifyAt: []string{"yesterday"}, wantErr: `verify_at must be an RFC 3339 time`, wantArg: 2},
		{name: "two verify_at", doc: types.StringValue(b64), cert: pemCert, verifyAt: []string{"2026-03-04T05:30:00Z", "2026-03-04T05:30:00Z"}, wantErr: `at most one verify_at`, wantArg: 3},
		{name: "DTD", doc: types.StringValue(`<!DOCTYPE x [<!ENTITY e "v">]>` + string(doc)), cert: pemCert, wantErr: `DTD or entity declaration`},
		{name: "entity declaration without DOCTYPE", doc: types.StringValue(`<!ENTITY e "v">` + string(doc)), cert: types.StringNull(), wantErr: `DTD or entity declaration`},
		{name: "too large", doc: types.StringValue(strings.Repeat("A", saml.MaxResponseBytes+4)), cert: pemCert, wantErr: `^saml_response is 1048580 characters; the limit is 1 MiB \(1048576 characters\)`},
		{name: "not base64", doc: types.StringValue("not a response!"), cert: pemCert, wantErr: `neither XML nor base64`},
		{name: "bad certificate", doc: types.StringValue(b64), cert: types.StringValue("-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"), wantErr: `certificate cannot be read`, wantArg: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := runDecode(t, tt.doc, tt.cert, tt.verifyAt...)
			if tt.wantErr != "" {
				if resp.Error == nil || resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != tt.wantArg {
					t.Fatalf("error = %v, want an error on argument %d", resp.Error, tt.wantArg)
				}
				if !regexp.MustCompile(tt.wantErr).MatchString(resp.Error.Text) {
					t.Fatalf("error %q does not match %q", resp.Error.Text, tt.wantErr)
				}
				return
			}
			if resp.Error != nil {
				t.Fatal(resp.Error)
			}
			got := resp.Result.Value().(types.Object).Attributes()
			if !got["signature_valid"].Equal(tt.wantValid) {
				t.Errorf("signature_valid = %s, want %s", got["signature_valid"], tt.wantValid)
			}
			sigErr := got["signature_error"].(types.String)
			if tt.wantSigError == "" && !sigErr.IsNull() || tt.wantSigError != "" && !regexp.MustCompile(tt.wantSigError).MatchString(sigErr.ValueString()) {
				t.Errorf("signature_error = %s, want %q", sigErr, tt.wantSigError)
			}
			audience := "https://acme.my.salesforce.com"
			if tt.wantAudience != "" {
				audience = tt.wantAudience
			}
			genuine := map[string]attr.Value{
				"issuer":          types.StringValue("http://www.okta.com/exkDecode"),
				"subject":         types.StringValue("jane@acme.example"),
				"name_id_format":  types.StringValue(saml.NameIDFormatEmail),
				"audience":        types.StringValue(audience),
				"not_before":      types.StringValue("2026-03-04T05:01:07Z"),
				"not_on_or_after": types.StringValue("2026-03-04T05:11:07Z"),
			}
			verified := tt.wantValid.Equal(types.BoolValue(true))
			for k, w := range genuine {
				if !verified {
					w = types.StringNull()
				}
				if !got[k].Equal(w) {
					t.Errorf("%s = %s, want %s", k, got[k], w)
				}
			}
			wantDestination := tt.wantDestination
			if wantDestination == nil {
				wantDestination = types.StringNull()
			}
			if !got["destination"].Equal(wantDestination) {
				t.Errorf("destination = %s, want %s", got["destination"], wantDestination)
			}
			if verified {
				if g := groupNames(t, got["attributes"]); g != "SF Users,SF Admins" {
					t.Errorf("attributes.groups = %s", g)
				}
			} else if !got["attributes"].IsNull() {
				t.Errorf("attributes = %s, want null: nothing verified", got["attributes"])
			}

			claimed := got["unverified"].(types.Object).Attributes()
			wantClaimed := map[string]string{"subject": "jane@acme.example", "destination": destination, "issuer": "http://www.okta.com/exkDecode", "audience": audience}
			if tt.wantClaimedSubject != "" {
				wantClaimed["subject"] = tt.wantClaimedSubject
			}
			if tt.wantClaimedDestination != "" {
				wantClaimed["destination"] = tt.wantClaimedDestination
			}
			for k, w := range wantClaimed {
				if !claimed[k].Equal(types.StringValue(w)) {
					t.Errorf("unverified.%s = %s, want %q", k, claimed[k], w)
				}
			}
			wantGroups := "SF Users,SF Admins"
			if tt.wantClaimedGroups != "" {
				wantGroups = tt.wantClaimedGroups
			}
			if g := groupNames(t, claimed["attributes"]); g != wantGroups {
				t.Errorf("unverified.attributes.groups = %s, want %s", g, wantGroups)
			}
		})
	}
}

func groupNames(t *testing.T, attributes attr.Value) string {
	t.Helper()
	groups, ok := attributes.(types.Map).Elements()["groups"].(types.List)
	if !ok {
		t.Fatalf("no groups in %s", attributes)
	}
	var names []string
	for _, g := range groups.Elements() {
		names = append(names, g.(types.String).ValueString())
	}
	return strings.Join(names, ",")
}

// TestAccDecodeSAMLResponseFunction_basic calls the function through terraform; no provider configuration is needed.
func TestAccDecodeSAMLResponseFunction_basic(t *testing.T) {
	doc, cert := signedResponse(t)
	b64 := base64.StdEncoding.EncodeToString(doc)
	acctest.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: `output "sso" {
  value = provider::oktasf::decode_saml_response(` + acctest.Quote(b64) + `, ` + acctest.Quote(saml.CertificatePEM(cert)) + `)
}
output "unverified" {
  value = provider::oktasf::decode_saml_response(` + acctest.Quote(b64) + `, null)
}
output "at_plan_time" {
  value = provider::oktasf::decode_saml_response(` + acctest.Quote(b64) + `, ` + acctest.Quote(saml.CertificatePEM(cert)) + `, plantimestamp())
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValueAtPath("sso", tfjsonpath.New("issuer"), knownvalue.StringExact("http://www.okta.com/exkDecode")),
					statecheck.ExpectKnownOutputValueAtPath("sso", tfjsonpath.New("subject"), knownvalue.StringExact("jane@acme.example")),
					statecheck.ExpectKnownOutputValueAtPath("sso", tfjsonpath.New("signature_valid"), knownvalue.Bool(true)),
					statecheck.ExpectKnownOutputValueAtPath("sso", tfjsonpath.New("attributes").AtMapKey("User.Email"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("jane@acme.example")})),
					// Only the assertion is signed, so the Response element's Destination is left out of a verified read.
					statecheck.ExpectKnownOutputValueAtPath("sso", tfjsonpath.New("destination"), knownvalue.Null()),
					statecheck.ExpectKnownOutputValueAtPath("sso", tfjsonpath.New("signature_error"), knownvalue.Null()),
					// Without a certificate nothing is verified: only the unverified object is filled.
					statecheck.ExpectKnownOutputValueAtPath("unverified", tfjsonpath.New("signature_valid"), knownvalue.Null()),
					statecheck.ExpectKnownOutputValueAtPath("unverified", tfjsonpath.New("subject"), knownvalue.Null()),
					statecheck.ExpectKnownOutputValueAtPath("unverified", tfjsonpath.New("unverified").AtMapKey("subject"), knownvalue.StringExact("jane@acme.example")),
					statecheck.ExpectKnownOutputValueAtPath("unverified", tfjsonpath.New("unverified").AtMapKey("destination"), knownvalue.StringExact("https://acme.my.salesforce.com?so=00D000000000001")),
					statecheck.ExpectKnownOutputValueAtPath("at_plan_time", tfjsonpath.New("signature_valid"), knownvalue.Bool(true)),
				},
			},
		},
	})
}
