package acctest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// OktaClient is a client for arranging and checking Okta out of band: of sb, or, with sb nil (live), of
// OKTA_ORG_URL and OKTA_API_TOKEN.
func OktaClient(t *testing.T, sb *sandbox.Sandbox) *okta.Client {
	t.Helper()
	cfg := okta.Config{HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})}
	switch {
	case sb != nil:
		cfg.OrgURL, cfg.APIToken = sb.Info().Okta.OrgURL, sb.Info().Okta.APIToken
	case os.Getenv("OKTA_API_TOKEN") == "" && os.Getenv("OKTA_API_CLIENT_ID") != "":
		// A service app, as the provider reads it from the environment.
		cfg.OrgURL, cfg.ClientID = Getenv(t, "OKTA_ORG_URL"), Getenv(t, "OKTA_API_CLIENT_ID")
		cfg.PrivateKey, cfg.PrivateKeyID = pemOrFile(t, Getenv(t, "OKTA_API_PRIVATE_KEY")), os.Getenv("OKTA_API_PRIVATE_KEY_ID")
		cfg.Scopes = strings.Split(Getenv(t, "OKTA_API_SCOPES"), ",")
	default:
		cfg.OrgURL, cfg.APIToken = Getenv(t, "OKTA_ORG_URL"), Getenv(t, "OKTA_API_TOKEN")
	}
	c, err := okta.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SalesforceClient is a client of org alias in sb, or, with sb nil (live), of the SALESFORCE_* org.
func SalesforceClient(t *testing.T, sb *sandbox.Sandbox, alias string) *salesforce.Client {
	t.Helper()
	cfg := salesforce.Config{Alias: alias, HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce})}
	if sb != nil {
		o, ok := sb.Info().Salesforce[alias]
		if !ok {
			t.Fatalf("the sandbox has no org %q", alias)
		}
		cfg.LoginURL, cfg.ClientID, cfg.Username, cfg.PrivateKey, cfg.JWTAudience = o.LoginURL, o.ClientID, o.Username, o.PrivateKey, o.JWTAudience
	} else {
		cfg.LoginURL, cfg.ClientID = Getenv(t, "SALESFORCE_LOGIN_URL"), Getenv(t, "SALESFORCE_CLIENT_ID")
		cfg.APIVersion = os.Getenv("SALESFORCE_API_VERSION")
		if secret := os.Getenv("SALESFORCE_CLIENT_SECRET"); secret != "" {
			cfg.ClientSecret = secret // client credentials flow
		} else {
			cfg.Username, cfg.PrivateKey = Getenv(t, "SALESFORCE_USERNAME"), pemOrFile(t, Getenv(t, "SALESFORCE_PRIVATE_KEY"))
		}
	}
	c, err := salesforce.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pemOrFile returns v when it is PEM text and the content of the file it names otherwise, as the provider
// reads private keys.
func pemOrFile(t *testing.T, v string) string {
	t.Helper()
	if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
		return v
	}
	b, err := os.ReadFile(v)
	if err != nil {
		t.Fatalf("read the private key file: %v", err)
	}
	return string(b)
}
