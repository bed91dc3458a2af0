package sandbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// serviceAppClient is an Okta client of the sandbox's service app asking for scopes.
func serviceAppClient(t *testing.T, info sandbox.Info, scopes ...string) *okta.Client {
	t.Helper()
	c, err := okta.New(context.Background(), okta.Config{OrgURL: info.Okta.OrgURL, ClientID: info.Okta.ClientID,
		PrivateKey: info.Okta.PrivateKey, PrivateKeyID: info.Okta.PrivateKeyID, Scopes: scopes,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// OktaScopes is what the service app is granted: a token asking for more is refused, the grant survives a
// restart, and a later Start with other scopes replaces it.
func TestOktaScopesGrantTheServiceApp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	statePath := filepath.Join(t.TempDir(), "state.json")
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", StatePath: statePath, OktaScopes: []string{"okta.groups.read"}})
	if err != nil {
		t.Fatal(err)
	}
	info := sb.Info()
	if !slices.Equal(info.Okta.Scopes, []string{"okta.groups.read"}) {
		t.Errorf("Info().Okta.Scopes = %v, want [okta.groups.read]", info.Okta.Scopes)
	}
	if _, err := serviceAppClient(t, info, "okta.groups.read").FindGroupByName(ctx, "Salesforce Users"); err != nil {
		t.Errorf("a granted scope: %v", err)
	}
	_, err = serviceAppClient(t, info, "okta.groups.read", "okta.apps.read").FindGroupByName(ctx, "Salesforce Users")
	var apiErr *okta.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_scope" || !strings.Contains(apiErr.Summary, "not granted: okta.apps.read") {
		t.Errorf("asking for an ungranted scope: %v, want invalid_scope naming okta.apps.read", err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	kept := start(t, sandbox.Options{StatePath: statePath})
	if got := kept.Info().Okta.Scopes; !slices.Equal(got, []string{"okta.groups.read"}) {
		t.Errorf("after a restart without OktaScopes: %v, want [okta.groups.read]", got)
	}
	if err := kept.Close(); err != nil {
		t.Fatal(err)
	}
	wider := start(t, sandbox.Options{StatePath: statePath, OktaScopes: []string{"okta.groups.read", "okta.apps.read"}})
	if _, err := serviceAppClient(t, wider.Info(), "okta.groups.read", "okta.apps.read").FindGroupByName(ctx, "Salesforce Users"); err != nil {
		t.Errorf("after a restart granting okta.apps.read: %v", err)
	}
}

func TestOktaScopesRefusesAnUnknownScope(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", OktaScopes: []string{"okta.schema.manage"}})
	if err == nil {
		_ = sb.Close()
		t.Fatal("Start granted okta.schema.manage, which Okta does not have")
	}
	if !strings.Contains(err.Error(), `"okta.schema.manage"`) {
		t.Errorf("error %q does not name the scope", err)
	}
}
