package acctest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func stateWith(resources map[string]string) *terraform.State {
	held := map[string]*terraform.ResourceState{}
	for addr, typ := range resources {
		held[addr] = &terraform.ResourceState{Type: typ, Primary: &terraform.InstanceState{ID: addr + "-id"}}
	}
	return StateOf(held)
}

func TestCheckDestroy(t *testing.T) {
	t.Parallel()
	oneApp := map[string]string{"oktasf_saml_app.test": "oktasf_saml_app", "oktasf_salesforce_sso.test": "oktasf_salesforce_sso"}
	cases := []struct {
		name      string
		resources map[string]string
		exists    error
		want      string // "" = passes
	}{
		{"okta not found", oneApp, fmt.Errorf("app: %w", okta.ErrNotFound), ""},
		{"salesforce not found", oneApp, &salesforce.APIError{Code: "NOT_FOUND"}, ""},
		{"still there", oneApp, nil, "still exists after destroy"},
		{"auth error proves nothing", oneApp, &okta.APIError{StatusCode: 401, Code: "E0000011"}, "cannot tell"},
		{"transport error proves nothing", oneApp, errors.New("connection refused"), "cannot tell"},
		{"nothing to check", map[string]string{"oktasf_salesforce_sso.test": "oktasf_salesforce_sso"}, okta.ErrNotFound, "checked nothing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var seen []string
			err := CheckDestroy("oktasf_saml_app", func(_ context.Context, is *terraform.InstanceState) error {
				seen = append(seen, is.ID)
				return tc.exists
			})(stateWith(tc.resources))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("CheckDestroy = %v, want success", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("CheckDestroy = %v, want an error with %q", err, tc.want)
			}
			for _, id := range seen {
				if id != "oktasf_saml_app.test-id" {
					t.Errorf("CheckDestroy looked up %s, which is not an oktasf_saml_app", id)
				}
			}
		})
	}
}

func TestCheckDisappears(t *testing.T) {
	t.Parallel()
	s := stateWith(map[string]string{"oktasf_saml_app.test": "oktasf_saml_app"})
	gone := func(context.Context, *terraform.InstanceState) error { return okta.ErrNotFound }
	there := func(context.Context, *terraform.InstanceState) error { return nil }
	var removed string
	remove := func(_ context.Context, is *terraform.InstanceState) error { removed = is.ID; return nil }
	if err := CheckDisappears("oktasf_saml_app.test", remove, gone)(s); err != nil || removed != "oktasf_saml_app.test-id" {
		t.Errorf("CheckDisappears = %v after removing %q, want success after removing the app", err, removed)
	}
	if err := CheckDisappears("oktasf_saml_app.test", remove, there)(s); err == nil || !strings.Contains(err.Error(), "still there") {
		t.Errorf("CheckDisappears with a removal that did nothing = %v, want an error", err)
	}
	failing := func(context.Context, *terraform.InstanceState) error { return errors.New("403") }
	if err := CheckDisappears("oktasf_saml_app.test", failing, gone)(s); err == nil {
		t.Error("CheckDisappears with a failing removal passed")
	}
	if err := CheckDisappears("oktasf_saml_app.other", remove, gone)(s); err == nil || !strings.Contains(err.Error(), "not in the state") {
		t.Errorf("CheckDisappears of an address not in the state = %v, want an error", err)
	}
}

func TestRequireSandbox(t *testing.T) {
	t.Setenv("TF_ACC_LIVE", "1")
	var skipped bool
	t.Run("live", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		RequireSandbox(t, "counts requests")
	})
	if !skipped {
		t.Error("RequireSandbox did not skip a live run")
	}
	if sb := Sandbox(t); sb != nil {
		t.Error("Sandbox returned a sandbox in a live run")
	}
	t.Setenv("TF_ACC_LIVE", "")
	t.Run("sandbox", func(t *testing.T) {
		RequireSandbox(t, "counts requests")
		skipped = t.Skipped()
	})
	if skipped {
		t.Error("RequireSandbox skipped a sandbox run")
	}
}

func TestRandomDeveloperName(t *testing.T) {
	t.Parallel()
	name := RandomDeveloperName("sales-cloud")
	for i, r := range name {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok || i == 0 && r == '_' || strings.Contains(name, "__") {
			t.Fatalf("%q is not a Salesforce API name", name)
		}
	}
}
