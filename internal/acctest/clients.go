package acctest

import (
	"context"
	"net/url"
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
	if sb != nil {
		cfg.OrgURL, cfg.APIToken = sb.Info().Okta.OrgURL, sb.Info().Okta.APIToken
	} else {
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
		cfg.Username, cfg.PrivateKey = Getenv(t, "SALESFORCE_USERNAME"), Getenv(t, "SALESFORCE_PRIVATE_KEY")
	}
	c, err := salesforce.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// OktaUserID finds an Okta user's ID by login.
func OktaUserID(t *testing.T, c *okta.Client, login string) string {
	t.Helper()
	var u struct {
		ID string `json:"id"`
	}
	if _, err := c.Raw(context.Background(), "GET", "/api/v1/users/"+url.PathEscape(login), nil, &u); err != nil {
		t.Fatalf("find Okta user %s: %v", login, err)
	}
	return u.ID
}

// OktaGroupID finds an Okta group's ID by exact name.
func OktaGroupID(t *testing.T, c *okta.Client, name string) string {
	t.Helper()
	g, err := c.FindGroupByName(context.Background(), name)
	if err != nil {
		t.Fatalf("find Okta group %s: %v", name, err)
	}
	return g.ID
}
