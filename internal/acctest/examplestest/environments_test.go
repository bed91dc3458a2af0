package examplestest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

var environments = []string{"prod", "qa", "uat"}

// envOutput is one environment of examples/environments' output "environments".
type envOutput struct {
	OrgID      string `json:"org_id"`
	IsSandbox  bool   `json:"is_sandbox"`
	AppID      string `json:"app_id"`
	EntityID   string `json:"entity_id"`
	FederateOK bool   `json:"federation_ok"`
}

// TestEnvironments applies examples/environments (one Okta, the orgs qa, uat and prod, the module once per
// environment) and checks in Okta and Salesforce themselves: three apps, each trusted by its own org's SSO
// settings; a second plan with no change; a change of the module planned as one update per environment and
// nothing else; a user only UAT assigns exists only in UAT; destroying one environment leaves the others.
func TestEnvironments(t *testing.T) {
	requireTerraform(t)
	t.Parallel()
	sb := startSandbox(t)
	w := newWorkspace(t, sb, "examples/environments")
	ctx := context.Background()

	w.mustRun(t, "apply", "-auto-approve", "-input=false", "-no-color")
	envs := readEnvironments(t, w)
	if len(envs) != len(environments) {
		t.Fatalf("output environments has %d environments, want %v", len(envs), environments)
	}

	// Each app is trusted by its own org and no other: issuer, certificate and ACS URL.
	oc := acctest.OktaClient(t, sb)
	issuers := map[string]string{}
	for _, env := range environments {
		e := envs[env]
		checkBoundToOwnOrg(t, ctx, oc, acctest.SalesforceClient(t, sb, env), env, e)
		if other, dup := issuers[e.EntityID]; dup {
			t.Errorf("%s and %s trust the same issuer %s: each environment needs its own app", env, other, e.EntityID)
		}
		issuers[e.EntityID] = env
		if !e.FederateOK {
			t.Errorf("%s: the federation check failed after apply", env)
		}
		if want := env != "prod"; e.IsSandbox != want {
			t.Errorf("%s: is_sandbox = %v, want %v (read from the org)", env, e.IsSandbox, want)
		}
	}

	if managed, reads := w.plan(t); len(managed)+len(reads) != 0 {
		t.Fatalf("the plan after apply is not empty: %v %v", managed, reads)
	}

	// Only UAT maps the support group and provisions users: Dave exists in UAT and nowhere else.
	const dave = "dave.diaz@acme.example"
	for _, env := range environments {
		users, err := acctest.SalesforceClient(t, sb, env).UsersByFederationID(ctx, []string{dave})
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		u, found := users[dave]
		switch {
		case env == "uat" && (!found || !u.IsActive || u.Username != dave+".uat"):
			t.Errorf("uat: %s = %+v (found %v), want an active user %s.uat", dave, u, found, dave)
		case env != "uat" && found:
			t.Errorf("%s: %s exists (%s), but only UAT assigns him", env, dave, u.Username)
		}
	}

	// A change of the module (a new attribute statement in its default) is one app update per environment.
	override := filepath.Join(w.root, moduleDir, "attributes_override.tf")
	if err := os.WriteFile(override, []byte(attributesOverride), 0o644); err != nil {
		t.Fatal(err)
	}
	managed, _ := w.plan(t)
	var updated []string
	for _, c := range managed {
		if c.Type != "oktasf_saml_app" || strings.Join(c.Actions, ",") != "update" {
			t.Errorf("the module change plans %s %v; want only oktasf_saml_app updates", c.Address, c.Actions)
			continue
		}
		updated = append(updated, c.Module)
	}
	sort.Strings(updated)
	if want := []string{`module.salesforce["prod"]`, `module.salesforce["qa"]`, `module.salesforce["uat"]`}; fmt.Sprint(updated) != fmt.Sprint(want) {
		t.Errorf("the module change updates apps in %v, want one in each of %v", updated, want)
	}
	if err := os.Remove(override); err != nil {
		t.Fatal(err)
	}

	// Destroying qa removes its app and SSO settings; uat and prod are untouched.
	w.mustRun(t, "destroy", "-auto-approve", "-input=false", "-no-color", `-target=module.salesforce["qa"]`)
	if _, err := oc.GetSAMLApp(ctx, envs["qa"].AppID); !errors.Is(err, okta.ErrNotFound) {
		t.Errorf("qa's app %s after destroying qa: %v, want not found", envs["qa"].AppID, err)
	}
	if _, err := acctest.SalesforceClient(t, sb, "qa").ReadSAMLSSOConfig(ctx, "Okta"); !errors.Is(err, salesforce.ErrNotFound) {
		t.Errorf("qa's SSO settings after destroying qa: %v, want not found", err)
	}
	for _, env := range []string{"prod", "uat"} {
		checkBoundToOwnOrg(t, ctx, oc, acctest.SalesforceClient(t, sb, env), env, envs[env])
	}
	managed, _ = w.plan(t)
	for _, c := range managed {
		if c.Module != `module.salesforce["qa"]` || strings.Join(c.Actions, ",") != "create" {
			t.Errorf("after destroying qa the plan has %s %v; want only qa's resources created again", c.Address, c.Actions)
		}
	}
	if len(managed) == 0 {
		t.Error("after destroying qa the plan creates nothing")
	}
}

// attributesOverride adds User.Title to the module's default attribute statements (a Terraform override
// file, as a module release would change the default).
const attributesOverride = `variable "attribute_statements" {
  default = {
    "User.Email"     = { values = ["user.email"] }
    "User.FirstName" = { values = ["user.firstName"] }
    "User.LastName"  = { values = ["user.lastName"] }
    "User.Title"     = { values = ["user.title"] }
  }
}
`

// readEnvironments reads the output "environments".
func readEnvironments(t *testing.T, w *workspace) map[string]envOutput {
	t.Helper()
	out := w.mustRun(t, "output", "-json", "environments")
	var envs map[string]envOutput
	if err := json.Unmarshal([]byte(out), &envs); err != nil {
		t.Fatalf("output environments: %v\n%s", err, out)
	}
	return envs
}

// checkBoundToOwnOrg checks in Okta and Salesforce that env's app is active, sends its assertions to env's
// org, and that the org's SSO settings "Okta" trust the app's issuer and its active signing certificate.
func checkBoundToOwnOrg(t *testing.T, ctx context.Context, oc *okta.Client, sf *salesforce.Client, env string, e envOutput) {
	t.Helper()
	app, err := oc.GetSAMLApp(ctx, e.AppID)
	if err != nil {
		t.Errorf("%s: the Okta app %s: %v", env, e.AppID, err)
		return
	}
	orgID, _, err := sf.Identity(ctx)
	if err != nil {
		t.Errorf("%s: %v", env, err)
		return
	}
	if orgID != e.OrgID {
		t.Errorf("%s: the output's org %s is not the org %s", env, e.OrgID, orgID)
	}
	if app.Status != "ACTIVE" || !strings.HasSuffix(app.SignOn.SSOACSURL, "so="+orgID[:15]) {
		t.Errorf("%s: the app %s is %s with ACS URL %s; want active, posting to org %s", env, app.ID, app.Status, app.SignOn.SSOACSURL, orgID[:15])
	}
	keys, err := oc.ListAppKeys(ctx, app.ID)
	if err != nil {
		t.Errorf("%s: %v", env, err)
		return
	}
	var active string
	for _, k := range keys {
		if k.KID == app.SigningKID {
			active = k.SHA256Fingerprint
		}
	}
	cfg, err := sf.ReadSAMLSSOConfig(ctx, "Okta")
	if err != nil {
		t.Errorf("%s: the org's SSO settings: %v", env, err)
		return
	}
	if cfg.Issuer != e.EntityID {
		t.Errorf("%s: the SSO settings trust issuer %s, the app is %s", env, cfg.Issuer, e.EntityID)
	}
	if got := fingerprint(cfg.ValidationCert); active == "" || got != active {
		t.Errorf("%s: the SSO settings trust certificate %s, the app signs with %q", env, got, active)
	}
}

// fingerprint is the SHA-256 fingerprint of a base64 DER certificate, as okta.AppKey spells it.
func fingerprint(b64DER string) string {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64DER), ""))
	if err != nil {
		return "undecodable: " + err.Error()
	}
	sum := sha256.Sum256(der)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(pairs, ":")
}
