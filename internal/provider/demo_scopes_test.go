package provider_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// serviceAppOverride widens the demo's okta variable from an API token to an OAuth 2.0 service app; the
// rest of examples/demo is applied as it is.
const serviceAppOverride = `variable "okta" {
  type = object({
    org_url        = string
    client_id      = string
    private_key    = string
    private_key_id = string
    scopes         = list(string)
  })
}
`

// readmeOktaScopes returns the scopes README.md tells an Okta API service app to be granted: every
// backquoted okta.*.read|manage in the paragraph that starts with **Okta.**.
func readmeOktaScopes(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n**Okta.**")
	if !ok {
		t.Fatal("README.md has no paragraph starting with **Okta.** (the service app's scopes)")
	}
	paragraph, _, _ := strings.Cut(rest, "\n\n")
	var scopes []string
	for _, m := range regexp.MustCompile("`(okta\\.[A-Za-z]+\\.(?:read|manage))`").FindAllStringSubmatch(paragraph, -1) {
		scopes = append(scopes, m[1])
	}
	if len(scopes) == 0 {
		t.Fatalf("the **Okta.** paragraph of README.md names no scope:\n%s", paragraph)
	}
	return scopes
}

// The steps below name the provider factories themselves: the harness counts the demo's own provider
// block as providers given at step level, which acctest.Test's case-level factories would contradict.
// Each test ends with a destroy step: the harness's post-test destroy first reads the state through a
// legacy shim that cannot represent the demo's for_each data sources.

// demoWithServiceApp starts a sandbox whose Okta service app is granted granted, writes examples/demo
// with serviceAppOverride into a directory, and exports the variables that make the provider ask for requested.
func demoWithServiceApp(t *testing.T, granted, requested []string) (*sandbox.Sandbox, string) {
	t.Helper()
	sb := acctest.NewSandbox(t, sandbox.Options{OktaScopes: granted})
	info := sb.Info()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "demo", "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples/demo/*.tf (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "okta_service_app_override.tf"), []byte(serviceAppOverride), 0o600); err != nil {
		t.Fatal(err)
	}

	okta, err := json.Marshal(map[string]any{"org_url": info.Okta.OrgURL, "client_id": info.Okta.ClientID,
		"private_key": info.Okta.PrivateKey, "private_key_id": info.Okta.PrivateKeyID, "scopes": requested})
	if err != nil {
		t.Fatal(err)
	}
	vars, err := info.TerraformVariables()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range vars {
		if k, v, _ := strings.Cut(kv, "="); k != "TF_VAR_okta" {
			t.Setenv(k, v)
		}
	}
	// Secrets travel in the environment, so the configuration the harness may log holds none.
	t.Setenv("TF_VAR_okta", string(okta))
	// The demo names its provider oktasf/oktasf; serve the in-process provider under that address.
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "oktasf")
	return sb, dir
}

// The demo applies with an Okta service app granted exactly the scopes README.md lists, and plans no
// change afterwards.
func TestAccDemo_readmeOktaScopes(t *testing.T) {
	acctest.RequireSandbox(t, "grants scopes to the sandbox's service app")
	scopes := readmeOktaScopes(t)
	sb, dir := demoWithServiceApp(t, scopes, scopes)
	resource.UnitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			ConfigDirectory:          config.StaticDirectory(dir),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			ConfigDirectory:          config.StaticDirectory(dir),
			Destroy:                  true,
		}},
	})
	stats := sb.Control().Stats().Routes
	for _, route := range []string{"okta POST /oauth2/v1/token", "okta POST /api/v1/meta/schemas/apps/{appId}/default"} {
		if stats[route] == 0 {
			t.Errorf("the demo never called %s, so it did not exercise the service app's scopes (%v)", route, stats)
		}
	}
}

// Without okta.schemas.manage the demo fails. When the service app lacks the grant but the provider asks
// for the README's scopes, Okta refuses the token and names the scope. When the provider does not ask for
// it either, every call but the group mappings' app-user schema write succeeds, and that one gets Okta's
// 403 insufficient_scope, whose WWW-Authenticate header names the scope; the error passes the name on.
func TestAccDemo_withoutSchemasManage(t *testing.T) {
	acctest.RequireSandbox(t, "grants scopes to the sandbox's service app")
	scopes := readmeOktaScopes(t)
	if !slices.Contains(scopes, "okta.schemas.manage") {
		t.Fatalf("README.md's Okta scopes %v lack okta.schemas.manage, which every group mapping needs", scopes)
	}
	fewer := slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == "okta.schemas.manage" })
	cases := []struct {
		name      string
		requested []string
		want      string
	}{
		{"not granted", scopes, `invalid_scope.*not granted: okta\.schemas\.manage`},
		{"not granted nor requested", fewer, `oktasf_group_mapping\.qa_(admins|sales).*app-user schema.*okta 403: The access token provided does not contain the required scopes: the route needs okta\.schemas\.(read|manage)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := demoWithServiceApp(t, fewer, tc.requested)
			resource.UnitTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
					ConfigDirectory:          config.StaticDirectory(dir),
					ExpectError:              regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`)),
				}, {
					ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
					ConfigDirectory:          config.StaticDirectory(dir),
					Destroy:                  true,
				}},
			})
		})
	}
}
