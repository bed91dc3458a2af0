package examplestest

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEnvironmentsPerEnvironmentState applies examples/environments/per-environment for uat alone, with only
// uat's credentials, as a per-environment pipeline would; the federation works and a second plan is empty.
func TestEnvironmentsPerEnvironmentState(t *testing.T) {
	requireTerraform(t)
	t.Parallel()
	sb := startSandbox(t)
	w := newWorkspace(t, sb, "examples/environments/per-environment")
	org := sb.Info().Salesforce["uat"]
	only, err := json.Marshal(map[string]string{"login_url": org.LoginURL, "client_id": org.ClientID, "username": org.Username,
		"private_key": org.PrivateKey, "jwt_audience": org.JWTAudience})
	if err != nil {
		t.Fatal(err)
	}
	// TerraformVariables' TF_VAR_salesforce_orgs is not a variable of this root; the environment's own org is.
	w.env = append(w.env, "TF_VAR_salesforce_org="+string(only))

	w.mustRun(t, "apply", "-auto-approve", "-input=false", "-no-color", "-var", "env=uat")
	out := w.mustRun(t, "output", "-json", "federation")
	var fed struct {
		AppID        string `json:"app_id"`
		IsSandbox    bool   `json:"is_sandbox"`
		FederationOK bool   `json:"federation_ok"`
	}
	if err := json.Unmarshal([]byte(out), &fed); err != nil {
		t.Fatalf("output federation: %v\n%s", err, out)
	}
	if !fed.FederationOK || !fed.IsSandbox || !strings.HasPrefix(fed.AppID, "0oa") {
		t.Errorf("uat alone: %+v, want a federated sandbox org with an Okta app", fed)
	}
	if managed, reads := w.plan(t, "-var", "env=uat"); len(managed)+len(reads) != 0 {
		t.Errorf("the plan after apply is not empty: %v %v", managed, reads)
	}
	if out, err := w.run(t, "plan", "-input=false", "-no-color", "-var", "env=staging"); err == nil || !strings.Contains(out, "env must be qa, uat or prod") {
		t.Errorf("env=staging: %v, want the validation error naming env:\n%s", err, out)
	}
}

// TestEnvironmentsAliases plans examples/environments/aliases (a provider configuration per environment):
// each environment's module creates its app and SSO settings through its own provider.
func TestEnvironmentsAliases(t *testing.T) {
	requireTerraform(t)
	t.Parallel()
	sb := startSandbox(t)
	w := newWorkspace(t, sb, "examples/environments/aliases")
	w.mustRun(t, "validate", "-no-color")
	managed, _ := w.plan(t)
	apps := map[string]bool{}
	for _, c := range managed {
		if strings.Join(c.Actions, ",") != "create" {
			t.Errorf("a first plan has %s %v", c.Address, c.Actions)
		}
		if c.Type == "oktasf_saml_app" || c.Type == "oktasf_salesforce_sso" {
			apps[c.Module+" "+c.Type] = true
		}
	}
	for _, m := range []string{"module.qa", "module.uat", "module.prod"} {
		for _, typ := range []string{"oktasf_saml_app", "oktasf_salesforce_sso"} {
			if !apps[m+" "+typ] {
				t.Errorf("the plan creates no %s in %s", typ, m)
			}
		}
	}
}
