package provider_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Bad provider configuration fails at plan, through terraform, with the attribute and the fix.
func TestAccProvider_invalidConfigFailsAtPlan(t *testing.T) {
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"okta plain http", `provider "oktasf" {
  okta = { org_url = "http://acme.okta.com", api_token = "x" }
}`, `(?s)Invalid Okta org URL.*okta\.org_url.*not a loopback address`},
		// Static conflicts are the schema's (ConflictsWith), which names both attributes.
		{"salesforce conflicting credentials", `provider "oktasf" {
  salesforce = { prod = { login_url = "https://acme.my.salesforce.com", client_id = "c", client_secret = "s", username = "u@acme.example" } }
}`, `(?s)Invalid Attribute Combination.*salesforce\[\\"prod\\"\]\.username" cannot be specified when "salesforce\[\\"prod\\"\]\.client_secret"`},
		{"okta conflicting credentials", `provider "oktasf" {
  okta = { org_url = "https://acme.okta.com", api_token = "x", client_id = "0oa1" }
}`, `(?s)Invalid Attribute Combination.*"okta\.client_id" cannot be specified when "okta\.api_token" is specified`},
		// Refused at plan by the Okta client's own rule, not first at Configure.
		{"okta org url with a path", `provider "oktasf" {
  okta = { org_url = "https://acme.okta.com/api/v1", api_token = "x" }
}`, `(?s)Invalid Okta org URL.*okta\.org_url.*has the path "/api/v1"`},
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
	acctest.RequireSandbox(t, "looks in the log for credentials it must know, and signs in to a second org with a client secret")
	dir := t.TempDir()
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))
	sb := acctest.NewSandbox(t, sandbox.Options{})
	info := sb.Info()
	acctest.SetVariables(t, sb)
	// qa signs in with the JWT bearer flow (private key), uat with client credentials (client secret), so that
	// both kinds of secret really travel through the logged requests.
	uat := info.Salesforce["uat"]
	uatClient, err := json.Marshal(map[string]string{"login_url": uat.LoginURL, "client_id": uat.ClientID, "client_secret": uat.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_VAR_uat_client", string(uatClient))
	tokenRoute := "salesforce:uat POST /services/oauth2/token"
	tokensBefore := sb.Control().Stats().Routes[tokenRoute]
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: `
variable "okta" {
  type      = object({ org_url = string, api_token = string })
  sensitive = true
}
variable "salesforce_orgs" {
  type      = map(object({ login_url = string, client_id = string, username = string, private_key = string, jwt_audience = optional(string) }))
  sensitive = true
}
variable "uat_client" {
  type      = object({ login_url = string, client_id = string, client_secret = string })
  sensitive = true
}
provider "oktasf" {
  okta = var.okta
  salesforce = {
    qa  = var.salesforce_orgs["qa"]
    uat = var.uat_client
  }
}
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}
data "oktasf_salesforce_org" "qa" {
  salesforce_org = "qa"
}
data "oktasf_salesforce_org" "uat" {
  salesforce_org = "uat"
}
`,
		}},
	})
	if sb.Control().Stats().Routes[tokenRoute] == tokensBefore {
		t.Fatalf("uat never asked for a token with its client secret (%s): the client-secret check below would prove nothing", tokenRoute)
	}

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
	secrets := map[string]string{"Okta API token": info.Okta.APIToken, "uat client secret": uat.ClientSecret}
	qaKeyLines := 0
	for i, line := range strings.Split(info.Salesforce["qa"].PrivateKey, "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			secrets["qa private key line "+strconv.Itoa(i)] = line
			qaKeyLines++
		}
	}
	if qaKeyLines < 10 || secrets["uat client secret"] == "" || secrets["Okta API token"] == "" {
		t.Fatalf("the sandbox's credentials look wrong (%d key lines): the check would prove nothing", qaKeyLines)
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
