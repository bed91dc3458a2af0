package sso_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// metadataTestEnv is an Okta client for arranging apps out of band and the provider block to read them with:
// of sb, or, with sb nil (live), of the environment.
func metadataTestEnv(t *testing.T, sb *sandbox.Sandbox) (*okta.Client, string) {
	t.Helper()
	return acctest.OktaClient(t, sb), acctest.ProviderConfig(sb)
}

// createMetadataTestApp creates a custom SAML app through the client and deletes it when the test ends.
func createMetadataTestApp(t *testing.T, c *okta.Client) *okta.SAMLApp {
	t.Helper()
	ctx := context.Background()
	app, err := c.CreateSAMLApp(ctx, &okta.SAMLApp{
		Label: acctest.RandomName("metadata"),
		SignOn: okta.SAMLSignOn{
			SSOACSURL: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001", Recipient: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001",
			Destination: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001", Audience: "https://acme--qa.sandbox.my.salesforce.com",
			SubjectNameIDTemplate: "${user.userName}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
			SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true,
		},
	}, true)
	if err != nil {
		t.Fatalf("create the app out of band: %v", err)
	}
	t.Cleanup(func() {
		if err := c.DeleteApp(context.Background(), app.ID); err != nil {
			t.Errorf("delete app %s: %v", app.ID, err)
		}
	})
	return app
}

func findKey(t *testing.T, c *okta.Client, appID, kid string) okta.AppKey {
	t.Helper()
	keys, err := c.ListAppKeys(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.KID == kid {
			return k
		}
	}
	t.Fatalf("app %s has no key %s among %d keys", appID, kid, len(keys))
	return okta.AppKey{}
}

func TestAccSAMLMetadataDataSource_basic(t *testing.T) {
	client, providerConfig := metadataTestEnv(t, acctest.Sandbox(t))
	app := createMetadataTestApp(t, client)
	active := findKey(t, client, app.ID, app.SigningKID)
	// A second key, not yet active: reading it by key_id is how a rotation is staged.
	next, err := client.GenerateAppKey(context.Background(), app.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	const activeAddr, nextAddr = "data.oktasf_saml_metadata.active", "data.oktasf_saml_metadata.next"
	ssoURL := regexp.MustCompile(`^https?://[^/]+/app/` + regexp.QuoteMeta(app.Name) + `/exk[0-9A-Za-z]+/sso/saml$`)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: providerConfig + fmt.Sprintf(`
data "oktasf_saml_metadata" "active" {
  app_id = %q
}
data "oktasf_saml_metadata" "next" {
  app_id = %q
  key_id = %q
}
`, app.ID, app.ID, next.KID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("key_id"), knownvalue.StringExact(app.SigningKID)),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("entity_id"), knownvalue.StringRegexp(regexp.MustCompile(`^http://www\.okta\.com/exk[0-9A-Za-z]{17}$`))),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("sso_url"), knownvalue.StringRegexp(ssoURL)),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("sso_url_redirect"), knownvalue.StringRegexp(ssoURL)),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("certificate"), knownvalue.StringExact(active.CertificatePEM)),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("certificate_sha256"), knownvalue.StringExact(active.SHA256Fingerprint)),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("certificate_not_after"),
					knownvalue.StringExact(active.Certificate.NotAfter.UTC().Format(time.RFC3339))),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("name_id_formats"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")})),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("want_authn_requests_signed"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(activeAddr, tfjsonpath.New("metadata"), knownvalue.StringRegexp(regexp.MustCompile(`^<\?xml .*<md:EntityDescriptor `))),
				statecheck.ExpectKnownValue(nextAddr, tfjsonpath.New("key_id"), knownvalue.StringExact(next.KID)),
				statecheck.ExpectKnownValue(nextAddr, tfjsonpath.New("certificate"), knownvalue.StringExact(next.CertificatePEM)),
				statecheck.ExpectKnownValue(nextAddr, tfjsonpath.New("certificate_sha256"), knownvalue.StringExact(next.SHA256Fingerprint)),
				// The issuer belongs to the app, not to the key.
				statecheck.CompareValuePairs(activeAddr, tfjsonpath.New("entity_id"), nextAddr, tfjsonpath.New("entity_id"), sameValue{}),
			},
		}},
	})
}

type sameValue struct{}

func (sameValue) CompareValues(values ...any) error {
	if len(values) != 2 || values[0] != values[1] {
		return fmt.Errorf("values differ: %v", values)
	}
	return nil
}

// Without key_id the data source reads the app, then the metadata; with one, only the metadata.
func TestAccSAMLMetadataDataSource_requestCount(t *testing.T) {
	acctest.RequireSandbox(t, "counts app and metadata reads")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client, providerConfig := metadataTestEnv(t, sb)
	app := createMetadataTestApp(t, client)
	count := func(want func(appGets, metadataGets int) error) resource.TestCheckFunc {
		return func(*terraform.State) error {
			appGets, metadataGets := 0, 0
			for route, n := range sb.Control().Stats().Routes {
				switch {
				case strings.HasPrefix(route, "okta GET ") && strings.HasSuffix(route, "/sso/saml/metadata"):
					metadataGets += n
				case strings.HasPrefix(route, "okta GET ") && strings.HasSuffix(route, "/api/v1/apps/{appId}"):
					appGets += n
				}
			}
			if err := want(appGets, metadataGets); err != nil {
				return fmt.Errorf("%w (routes: %v)", err, sb.Control().Stats().Routes)
			}
			return nil
		}
	}
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { sb.Control().ResetStats() },
				Config:    providerConfig + fmt.Sprintf("data \"oktasf_saml_metadata\" \"m\" {\n  app_id = %q\n}\n", app.ID),
				Check: count(func(appGets, metadataGets int) error {
					if metadataGets == 0 || appGets != metadataGets {
						return fmt.Errorf("%d app reads for %d metadata reads; want one of each per read", appGets, metadataGets)
					}
					return nil
				}),
			},
			{
				PreConfig: func() { sb.Control().ResetStats() },
				Config:    providerConfig + fmt.Sprintf("data \"oktasf_saml_metadata\" \"m\" {\n  app_id = %q\n  key_id = %q\n}\n", app.ID, app.SigningKID),
				Check: count(func(appGets, metadataGets int) error {
					if metadataGets == 0 || appGets != 0 {
						return fmt.Errorf("%d app reads for %d metadata reads; want none with key_id", appGets, metadataGets)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccSAMLMetadataDataSource_errors(t *testing.T) {
	client, providerConfig := metadataTestEnv(t, acctest.Sandbox(t))
	app := createMetadataTestApp(t, client)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      providerConfig + "data \"oktasf_saml_metadata\" \"m\" {\n  app_id = \"Salesforce QA\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)app_id.*must be an Okta app ID, which starts with 0oa`),
			},
			{
				Config:      providerConfig + "data \"oktasf_saml_metadata\" \"m\" {\n  app_id = \"0oaNoSuchApp000000001\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)Okta app not found.*Okta has no app 0oaNoSuchApp000000001`),
			},
			{
				Config:      providerConfig + fmt.Sprintf("data \"oktasf_saml_metadata\" \"m\" {\n  app_id = %q\n  key_id = \"noSuchKey\"\n}\n", app.ID),
				ExpectError: regexp.MustCompile(`(?s)SAML metadata not found.*key noSuchKey`),
			},
		},
	})
}
