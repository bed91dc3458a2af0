// Package acctest runs the provider's acceptance tests through the real terraform binary: by default against
// a sandbox started in-process on random loopback ports, and with TF_ACC_LIVE=1 against real orgs configured
// through the OKTA_* and SALESFORCE_* environment variables. Tests create the Okta and Salesforce objects they
// need through the real clients (fixtures.go), so that the same test runs on both; only what a sandbox alone
// can do (count requests, inject faults) is behind RequireSandbox. checks.go holds the generic CheckDestroy
// and CheckDisappears.
package acctest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/oktasf/terraform-provider-oktasf/internal/provider"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// ProviderName is the provider's local name in test configurations.
const ProviderName = "oktasf"

// ProtoV6ProviderFactories serve the provider in-process to the terraform binary the tests run.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	ProviderName: providerserver.NewProtocol6WithError(provider.New("test")()),
}

// Live reports whether the tests run against real orgs (TF_ACC_LIVE=1).
func Live() bool { return os.Getenv("TF_ACC_LIVE") == "1" }

// Test runs an acceptance test. Against the sandbox it needs no environment variables (TF_ACC is not
// required); live, it needs TF_ACC=1 as usual. Steps use the in-process provider unless they set their own.
func Test(t *testing.T, tc resource.TestCase) {
	t.Helper()
	if tc.ProtoV6ProviderFactories == nil && tc.ExternalProviders == nil {
		tc.ProtoV6ProviderFactories = ProtoV6ProviderFactories
	}
	if !Live() {
		tc.IsUnitTest = true // the sandbox is local: run without TF_ACC
	}
	resource.Test(t, tc)
}

var (
	shared     *sandbox.Sandbox
	sharedErr  error
	sharedOnce sync.Once
)

// Sandbox returns the sandbox the tests of one test binary share, started on first use, or nil in a live
// run: ProviderConfig, OktaClient and SalesforceClient then read the environment instead. Tests on the shared
// sandbox create the groups, users and permission sets they need, so that they run against real orgs too.
func Sandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	if Live() {
		return nil
	}
	sharedOnce.Do(func() { shared, sharedErr = sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"}) })
	if sharedErr != nil {
		t.Fatalf("start the shared sandbox: %v", sharedErr)
	}
	return shared
}

// RequireSandbox skips the test in a live run. why says what only the sandbox can do for it (count requests,
// inject faults or latency, read the journal, grant scopes, sign in); needing data is no reason: create it.
func RequireSandbox(t *testing.T, why string) {
	t.Helper()
	if why == "" {
		t.Fatal("RequireSandbox needs a reason")
	}
	if Live() {
		t.Skip("sandbox only: " + why)
	}
}

// NewSandbox starts a sandbox of the test's own, closed when the test ends, for tests that count requests or
// inject faults, which others running on the shared sandbox would disturb. Call RequireSandbox first.
func NewSandbox(t *testing.T, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	if Live() {
		t.Fatal("NewSandbox called in a live run: call RequireSandbox(t, why) first")
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// PrimaryOrg is the Salesforce org alias tests use: "qa" in the sandbox, "default" live (SALESFORCE_*).
func PrimaryOrg() string {
	if Live() {
		return "default"
	}
	return "qa"
}

// ProviderConfig returns the provider block for a test configuration: credentials of sb inline, or, live,
// an empty block so that the provider reads OKTA_* and SALESFORCE_* from the environment.
func ProviderConfig(sb *sandbox.Sandbox) string {
	if Live() || sb == nil {
		return fmt.Sprintf("provider %q {}\n", ProviderName)
	}
	info := sb.Info()
	var b strings.Builder
	fmt.Fprintf(&b, "provider %q {\n", ProviderName)
	fmt.Fprintf(&b, "  okta = {\n    org_url   = %s\n    api_token = %s\n  }\n", Quote(info.Okta.OrgURL), Quote(info.Okta.APIToken))
	b.WriteString("  salesforce = {\n")
	aliases := make([]string, 0, len(info.Salesforce))
	for a := range info.Salesforce {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		o := info.Salesforce[a]
		// The sandbox's loopback login URLs do not show which orgs are sandboxes; a real user sets jwt_audience so.
		fmt.Fprintf(&b, "    %s = {\n      login_url    = %s\n      client_id    = %s\n      username     = %s\n      private_key  = %s\n      jwt_audience = %s\n    }\n",
			a, Quote(o.LoginURL), Quote(o.ClientID), Quote(o.Username), Quote(o.PrivateKey), Quote(o.JWTAudience))
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// Quote renders s as an HCL quoted string.
func Quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

// VariablesProviderConfig is a provider block that takes every URL and credential from the sensitive
// variables okta and salesforce_orgs; SetVariables supplies them through the environment, so the
// configuration text (which the test harness logs) holds no secret.
const VariablesProviderConfig = `
variable "okta" {
  type      = object({ org_url = string, api_token = string })
  sensitive = true
}
variable "salesforce_orgs" {
  type      = map(object({ login_url = string, client_id = string, username = string, private_key = string, jwt_audience = optional(string) }))
  sensitive = true
}
provider "oktasf" {
  okta       = var.okta
  salesforce = var.salesforce_orgs
}
`

// SetVariables exports the sandbox's credentials as TF_VAR_ variables for VariablesProviderConfig.
func SetVariables(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	vars, err := sb.Info().TerraformVariables()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// RandomName returns a name for a test object that will not collide with other runs: the sandbox is
// shared by a test binary's tests, and a live org by everybody.
func RandomName(what string) string {
	return fmt.Sprintf("tf-acc-%s-%d", what, rand.Int64N(1_000_000_000))
}

// RandomDeveloperName is RandomName as a Salesforce API name (letters, digits and single underscores).
func RandomDeveloperName(what string) string {
	return fmt.Sprintf("tf_acc_%s_%d", strings.ReplaceAll(what, "-", "_"), rand.Int64N(1_000_000_000))
}

// Getenv returns a required environment variable of a live run, failing the test when it is unset.
func Getenv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s must be set for live acceptance tests", name)
	}
	return v
}
