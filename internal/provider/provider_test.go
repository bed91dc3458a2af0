package provider_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Bad provider configuration fails at plan, through terraform, with the attribute and the fix.
func TestAccProvider_invalidConfigFailsAtPlan(t *testing.T) {
	if acctest.Live() {
		t.Skip("configuration errors need no org")
	}
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"okta plain http", `provider "oktasf" {
  okta = { org_url = "http://acme.okta.com", api_token = "x" }
}`, `(?s)Invalid Okta org URL.*okta\.org_url.*not a loopback address`},
		{"salesforce conflicting credentials", `provider "oktasf" {
  salesforce = { prod = { login_url = "https://acme.my.salesforce.com", client_id = "c", client_secret = "s", username = "u@acme.example" } }
}`, `(?s)Conflicting Salesforce credentials.*salesforce\["prod"\]\.client_secret`},
		{"salesforce bad key", `provider "oktasf" {
  salesforce = { prod = { login_url = "https://acme.my.salesforce.com", client_id = "c", username = "u@acme.example", private_key = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n" } }
}`, `(?s)Invalid Salesforce private key.*not a valid PKCS#1 RSA key`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctest.Test(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config:   tc.config + "\ndata \"oktasf_okta_group\" \"x\" {\n  name = \"Everyone\"\n}\n",
					PlanOnly: true,
					// terraform wraps long messages, so any run of spaces in the pattern matches any white space
					ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
				}},
			})
		})
	}
}

// A step run with TF_LOG=trace leaves no token, client secret or private key bytes in the log, while the
// provider's request log lines are there (so the check is not vacuous).
func TestAccProvider_traceLogHasNoSecrets(t *testing.T) {
	if acctest.Live() {
		t.Skip("uses the sandbox's known credentials")
	}
	dir := t.TempDir()
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))
	sb := acctest.NewSandbox(t, sandbox.Options{})
	info := sb.Info()
	acctest.SetVariables(t, sb)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.VariablesProviderConfig + `
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}
data "oktasf_salesforce_org" "qa" {
  salesforce_org = "qa"
}
`,
		}},
	})

	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no log written under %s (%v)", dir, err)
	}
	var all strings.Builder
	for _, f := range logs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	log := all.String()
	for _, want := range []string{"/api/v1/groups", "/services/oauth2/token", "/services/data/"} {
		if !strings.Contains(log, want) {
			t.Errorf("the trace log does not mention %s: the provider's request logging is missing, so the secret check proves nothing", want)
		}
	}
	secrets := map[string]string{"Okta API token": info.Okta.APIToken}
	for alias, o := range info.Salesforce {
		secrets[alias+" client secret"] = o.ClientSecret
		for i, line := range strings.Split(o.PrivateKey, "\n") {
			if len(line) > 20 && !strings.HasPrefix(line, "-----") {
				secrets[alias+" private key line "+string(rune('0'+i%10))] = line
			}
		}
	}
	for what, secret := range secrets {
		if secret != "" && strings.Contains(log, secret) {
			t.Errorf("the trace log contains the %s", what)
		}
	}
	if m := regexp.MustCompile(`(?i)(Bearer|SSWS) [A-Za-z0-9._!~+/=-]{16,}`).FindString(log); m != "" {
		t.Errorf("the trace log contains a credential: %.24s…", m)
	}
	if m := regexp.MustCompile(`"access_token"\s*:\s*"[^"*]{8,}`).FindString(log); m != "" {
		t.Errorf("the trace log contains an access token: %.30s…", m)
	}
}
