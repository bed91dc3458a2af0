package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"gopkg.in/yaml.v3"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/provider"
	"github.com/oktasf/terraform-provider-oktasf/internal/reftest"
)

// The IdP certificate of the metadata tests was made by openssl; the expectations below are what openssl itself
// printed for it (openssl x509 -noout -fingerprint -sha256 -enddate), not what the code under test computes.
const (
	fixtureCertificatePath     = "testdata/idp-certificate.pem"
	fixtureCertificateSHA256   = "B3:C0:BE:45:A3:DE:AA:BA:5C:C6:C1:AA:AA:EA:BC:F1:76:C3:03:DD:7D:5E:71:56:F2:E6:79:E2:44:71:3A:4B"
	fixtureCertificateNotAfter = "2036-12-03T15:35:32Z" // notAfter=Dec  3 15:35:32 2036 GMT
)

// idpMetadata returns IdP metadata for the fixture certificate, wrapped and indented like pretty-printed exports,
// and the certificate's PEM as openssl wrote it.
func idpMetadata(t *testing.T, entityID string) (string, string) {
	t.Helper()
	pemBytes, err := os.ReadFile(fixtureCertificatePath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatalf("%s holds no PEM block", fixtureCertificatePath)
	}
	der := block.Bytes
	b64 := base64.StdEncoding.EncodeToString(der)
	var wrapped strings.Builder
	for len(b64) > 64 {
		wrapped.WriteString(b64[:64] + "\n          ")
		b64 = b64[64:]
	}
	wrapped.WriteString(b64)
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entityID + `">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>
          ` + wrapped.String() + `
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/redirect"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`, string(pemBytes)
}

func runParse(t *testing.T, arg attr.Value) function.RunResponse {
	t.Helper()
	f := provider.NewParseSAMLMetadataFunction()
	var def function.DefinitionResponse
	f.Definition(context.Background(), function.DefinitionRequest{}, &def)
	ret := def.Definition.Return.(function.ObjectReturn)
	resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(ret.AttributeTypes))}
	f.Run(context.Background(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{arg})}, &resp)
	return resp
}

func TestParseSAMLMetadataFunction_run(t *testing.T) {
	t.Parallel()
	doc, certPEM := idpMetadata(t, "http://www.okta.com/exk1")
	tests := []struct {
		name     string
		xml      string
		wantErr  string // regexp; empty means success
		wantAttr map[string]attr.Value
	}{
		{name: "generated metadata", xml: doc, wantAttr: map[string]attr.Value{
			"entity_id":                  types.StringValue("http://www.okta.com/exk1"),
			"sso_url":                    types.StringValue("https://idp.example.com/sso/post"),
			"sso_url_redirect":           types.StringValue("https://idp.example.com/sso/redirect"),
			"certificate":                types.StringValue(certPEM),
			"certificate_sha256":         types.StringValue(fixtureCertificateSHA256),
			"certificate_not_after":      types.StringValue(fixtureCertificateNotAfter),
			"want_authn_requests_signed": types.BoolValue(true),
			"name_id_formats": types.ListValueMust(types.StringType, []attr.Value{
				types.StringValue("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
				types.StringValue("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")}),
		}},
		{name: "DTD", xml: `<!DOCTYPE x [<!ENTITY e "v">]>` + doc, wantErr: `DTD or entity declaration.*Remove the DOCTYPE`},
		{name: "SP metadata", xml: `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`,
			wantErr: `without an IDPSSODescriptor.*identity provider's metadata`},
		{name: "no signing key", xml: strings.Replace(doc, `use="signing"`, `use="encryption"`, 1), wantErr: `no signing certificate.*signing key included`},
		{name: "corrupt certificate", xml: strings.Replace(doc, "<ds:X509Certificate>", "<ds:X509Certificate>QUJD", 1), wantErr: `Download the metadata again.*certificate 1 is not valid X\.509`},
		{name: "not XML", xml: `{"entityID":"x"}`, wantErr: `not SAML 2\.0 metadata.*EntityDescriptor`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := runParse(t, types.StringValue(tt.xml))
			if tt.wantErr != "" {
				if resp.Error == nil || resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0 {
					t.Fatalf("error = %v, want an error on argument 0", resp.Error)
				}
				if !regexp.MustCompile(`(?s)` + tt.wantErr).MatchString(resp.Error.Text) {
					t.Fatalf("error %q does not match %q", resp.Error.Text, tt.wantErr)
				}
				return
			}
			if resp.Error != nil {
				t.Fatal(resp.Error)
			}
			got := resp.Result.Value().(types.Object).Attributes()
			if len(got) != len(tt.wantAttr) {
				t.Fatalf("%d attributes, want %d", len(got), len(tt.wantAttr))
			}
			for k, want := range tt.wantAttr {
				if !got[k].Equal(want) {
					t.Errorf("%s = %s, want %s", k, got[k], want)
				}
			}
		})
	}
}

func TestParseSAMLMetadataFunction_recordedOkta(t *testing.T) {
	t.Parallel()
	doc := recordedMetadata(t)
	resp := runParse(t, types.StringValue(doc))
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	got := resp.Result.Value().(types.Object).Attributes()
	for k, want := range map[string]string{
		"entity_id":             "http://www.okta.com/exkkwraz4e5opgu6j1d7",
		"sso_url":               "https://oie-00.dne-okta.com/app/oie-00_testacc2584236398_13/exkkwraz4e5opgu6j1d7/sso/saml",
		"certificate_not_after": "2035-03-13T23:50:03Z",
	} {
		if got[k].(types.String).ValueString() != want {
			t.Errorf("%s = %s, want %s", k, got[k], want)
		}
	}
	if got["want_authn_requests_signed"].(types.Bool).ValueBool() {
		t.Error("want_authn_requests_signed = true, Okta's metadata says false")
	}
}

// recordedMetadata reads Okta's real metadata from ../shared/reference, or skips (fails under CI).
func recordedMetadata(t *testing.T) string {
	t.Helper()
	raw := reftest.Read(t, "okta/recorded/TestAccDataSourceOktaAppMetadataSaml_read.yaml")
	var c struct {
		Interactions []struct {
			Request  struct{ URL string }
			Response struct{ Body string }
		}
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	for _, in := range c.Interactions {
		if strings.Contains(in.Request.URL, "/sso/saml/metadata") {
			return in.Response.Body
		}
	}
	t.Fatal("the cassette has no metadata response")
	return ""
}

// TestAccParseSAMLMetadataFunction_basic calls the function through terraform: no provider configuration
// or org is needed.
func TestAccParseSAMLMetadataFunction_basic(t *testing.T) {
	doc, certPEM := idpMetadata(t, "http://www.okta.com/exkFunction")
	acctest.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: `output "idp" {
  value = provider::oktasf::parse_saml_metadata(` + acctest.Quote(doc) + `)
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("entity_id"), knownvalue.StringExact("http://www.okta.com/exkFunction")),
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("sso_url"), knownvalue.StringExact("https://idp.example.com/sso/post")),
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("certificate"), knownvalue.StringExact(certPEM)),
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("certificate_sha256"), knownvalue.StringExact(fixtureCertificateSHA256)),
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("certificate_not_after"), knownvalue.StringExact(fixtureCertificateNotAfter)),
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("name_id_formats"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
						knownvalue.StringExact("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
					})),
					statecheck.ExpectKnownOutputValueAtPath("idp", tfjsonpath.New("want_authn_requests_signed"), knownvalue.Bool(true)),
				},
			},
			{
				Config: `output "idp" {
  value = provider::oktasf::parse_saml_metadata(` + acctest.Quote(`<!DOCTYPE md [<!ENTITY x "y">]>`+doc) + `)
}
`,
				ExpectError: regexp.MustCompile(`(?s)DTD\s+or\s+entity\s+declaration`),
			},
		},
	})
}
