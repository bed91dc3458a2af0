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

// signedResponseValidBetween is signedResponse with a certificate valid from notBefore to notAfter.
func signedResponseValidBetween(t *testing.T, notBefore, notAfter time.Time) ([]byte, *x509.Certificate) {
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
	b, err := samlidp.BuildResponse(samlidp.ResponseOptions{
		Issuer: "http://www.okta.com/exkDecode", Destination: "https://acme.my.salesforce.com?so=00D000000000001", Audience: "https://acme.my.salesforce.com",
		NameID: "jane@acme.example", NameIDFormat: saml.NameIDFormatEmail, IssueInstant: issued,
		NotBefore: issued.Add(-5 * time.Minute), NotOnOrAfter: issued.Add(5 * time.Minute),
		Attributes: []samlidp.Attribute{{Name: "User.Email", Values: []string{"jane@acme.example"}}, {Name: "groups", Values: []string{"SF Users", "SF Admins"}}},
		Key:        key, Certificate: cert,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, cert
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
	tests := []struct {
		name            string
		doc, cert       attr.Value
		verifyAt        []string
		wantErr         string // regexp on an argument error; empty means success
		wantArg         int64
		wantSignature   bool
		wantDestination attr.Value // default: the genuine destination
		wantGroups      string
	}{
		// Only the assertion is signed: a verified read leaves the Response element's Destination out.
		{name: "base64 with PEM", doc: types.StringValue(b64), cert: pemCert, wantSignature: true, wantDestination: types.StringNull(), wantGroups: "SF Users,SF Admins"},
		{name: "URL-encoded form value", doc: types.StringValue(url.QueryEscape(b64)), cert: types.StringValue(base64.StdEncoding.EncodeToString(cert.Raw)), wantSignature: true, wantDestination: types.StringNull(), wantGroups: "SF Users,SF Admins"},
		{name: "raw XML without certificate", doc: types.StringValue(string(doc)), cert: types.StringNull(), wantGroups: "SF Users,SF Admins"},
		{name: "empty certificate", doc: types.StringValue(b64), cert: types.StringValue(""), wantGroups: "SF Users,SF Admins"},
		{name: "other certificate", doc: types.StringValue(b64), cert: types.StringValue(saml.CertificatePEM(otherCert)), wantGroups: "SF Users,SF Admins"},
		{name: "tampered", doc: types.StringValue(tampered), cert: pemCert, wantGroups: "SF Users,Domain Admins"},
		{name: "tampered unsigned destination", doc: types.StringValue(evilDestination), cert: pemCert, wantSignature: true, wantDestination: types.StringNull(), wantGroups: "SF Users,SF Admins"},
		{name: "tampered unsigned destination without certificate", doc: types.StringValue(evilDestination), cert: types.StringNull(), wantDestination: types.StringValue("https://evil.example/acs"), wantGroups: "SF Users,SF Admins"},
		{name: "expired certificate, checked now", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, wantGroups: "SF Users,SF Admins"},
		{name: "expired certificate, backdated IssueInstant", doc: types.StringValue(backdated), cert: expiredPEM, wantGroups: "SF Users,SF Admins"},
		{name: "expired certificate, checked when it was valid", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, verifyAt: []string{"2026-03-04T05:30:00Z"}, wantSignature: true, wantDestination: types.StringNull(), wantGroups: "SF Users,SF Admins"},
		{name: "verify_at before the certificate", doc: types.StringValue(string(expiredDoc)), cert: expiredPEM, verifyAt: []string{"2026-03-04T03:00:00Z"}, wantGroups: "SF Users,SF Admins"},
		{name: "verify_at not a time", doc: types.StringValue(b64), cert: pemCert, verifyAt: []string{"yesterday"}, wantErr: `verify_at must be an RFC 3339 time`, wantArg: 2},
		{name: "two verify_at", doc: types.StringValue(b64), cert: pemCert, verifyAt: []string{"2026-03-04T05:30:00Z", "2026-03-04T05:30:00Z"}, wantErr: `at most one verify_at`, wantArg: 3},
		{name: "DTD", doc: types.StringValue(`<!DOCTYPE x [<!ENTITY e "v">]>` + string(doc)), cert: pemCert, wantErr: `DTD or entity declaration`},
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
			want := map[string]attr.Value{
				"issuer":          types.StringValue("http://www.okta.com/exkDecode"),
				"subject":         types.StringValue("jane@acme.example"),
				"name_id_format":  types.StringValue(saml.NameIDFormatEmail),
				"audience":        types.StringValue("https://acme.my.salesforce.com"),
				"destination":     types.StringValue(destination),
				"not_before":      types.StringValue("2026-03-04T05:01:07Z"),
				"not_on_or_after": types.StringValue("2026-03-04T05:11:07Z"),
				"signature_valid": types.BoolValue(tt.wantSignature),
			}
			if tt.wantDestination != nil {
				want["destination"] = tt.wantDestination
			}
			for k, w := range want {
				if !got[k].Equal(w) {
					t.Errorf("%s = %s, want %s", k, got[k], w)
				}
			}
			groups := got["attributes"].(types.Map).Elements()["groups"].(types.List).Elements()
			var names []string
			for _, g := range groups {
				names = append(names, g.(types.String).ValueString())
			}
			if strings.Join(names, ",") != tt.wantGroups {
				t.Errorf("groups = %v, want %s", names, tt.wantGroups)
			}
		})
	}
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
					statecheck.ExpectKnownOutputValueAtPath("unverified", tfjsonpath.New("signature_valid"), knownvalue.Bool(false)),
					statecheck.ExpectKnownOutputValueAtPath("unverified", tfjsonpath.New("destination"), knownvalue.StringExact("https://acme.my.salesforce.com?so=00D000000000001")),
					statecheck.ExpectKnownOutputValueAtPath("at_plan_time", tfjsonpath.New("signature_valid"), knownvalue.Bool(true)),
				},
			},
		},
	})
}
