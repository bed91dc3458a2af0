package sandbox_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// variablesConfig declares the variables as examples/demo does.
const variablesConfig = `
variable "okta" {
  type      = object({ org_url = string, api_token = string })
  sensitive = true
}
variable "salesforce_orgs" {
  type      = map(object({ login_url = string, client_id = string, username = string, private_key = string, jwt_audience = optional(string) }))
  sensitive = true
}
`

// trickyInfo has values that quoting must keep as they are: quotes, backslashes, newlines, template
// sequences and single quotes.
func trickyInfo() sandbox.Info {
	return sandbox.Info{
		Okta: sandbox.OktaInfo{OrgURL: "http://127.0.0.1:7450", APIToken: `00a"b\c'd${e}%{f}$$g$${h}\${i}`},
		Salesforce: map[string]sandbox.SalesforceInfo{
			"qa":   {LoginURL: "http://127.0.0.1:7451", ClientID: "3MVG.qa", Username: "admin@qa.example", PrivateKey: "-----BEGIN PRIVATE KEY-----\nAB+/=\n-----END PRIVATE KEY-----\n", JWTAudience: "https://test.salesforce.com"},
			"prod": {LoginURL: "http://127.0.0.1:7453", ClientID: "3MVG'prod", Username: "admin@prod.example", PrivateKey: "k\t\r\x01", JWTAudience: ""},
		},
	}
}

// The --tfvars file and the --env file (the TF_VAR_ entries of TerraformVariables) give terraform exactly
// the sandbox's values, as terraform itself reads them.
func TestTerraformVariablesFilesReadByTerraform(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not in PATH")
	}
	info := trickyInfo()
	orgs := map[string]any{}
	for alias, o := range info.Salesforce {
		orgs[alias] = map[string]any{"login_url": o.LoginURL, "client_id": o.ClientID, "username": o.Username, "private_key": o.PrivateKey,
			"jwt_audience": o.JWTAudience} // "" stays "": optional() fills in only absent attributes
	}
	want := map[string]any{"okta": map[string]any{"org_url": info.Okta.OrgURL, "api_token": info.Okta.APIToken}, "salesforce_orgs": orgs}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(variablesConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sandbox.auto.tfvars"), info.TerraformVariablesFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := info.TerraformVariablesEnv()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sandbox.env"), env, 0o600); err != nil {
		t.Fatal(err)
	}
	console := `echo 'jsonencode({okta = nonsensitive(var.okta), salesforce_orgs = nonsensitive(var.salesforce_orgs)})' | terraform console`
	for _, tc := range []struct{ name, script string }{
		{"tfvars", console},
		{"env", "mv sandbox.auto.tfvars tfvars.off && . ./sandbox.env && " + console + "; rc=$?; mv tfvars.off sandbox.auto.tfvars; exit $rc"},
	} {
		cmd := exec.Command("sh", "-c", tc.script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
		out, err := cmd.Output()
		if exit, ok := err.(*exec.ExitError); ok {
			out = append(out, exit.Stderr...)
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, out)
		}
		var encoded string // console prints the JSON as an HCL string
		if err := json.Unmarshal(out, &encoded); err != nil {
			t.Fatalf("%s: console output %q: %v", tc.name, out, err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(encoded), &got); err != nil {
			t.Fatalf("%s: %q: %v", tc.name, encoded, err)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s: terraform reads\n%s\nwant\n%s", tc.name, gotJSON, wantJSON)
		}
	}
}
