// Package conns holds the API clients the provider hands to every resource, data source and function, the
// reads they cache (one set per provider configuration), and the one helper that turns the framework's
// ProviderData into them. It is its own package so that the service packages and the provider package can
// both import it without a cycle.
package conns

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// Clients is the provider data: one Okta client, the Salesforce clients by org alias, and the reads they
// cache. Every provider configuration builds one.
type Clients struct {
	Okta       *okta.Client
	Salesforce map[string]*salesforce.Client
	Caches     Caches
}

// Org is a configured Salesforce org as a resource resolves it: its alias, its client and its cached reads.
type Org struct {
	Alias  string
	Client *salesforce.Client
	Reads  *OrgReads
}

// FromProviderData converts req.ProviderData. It returns nil without error when the provider is not yet
// configured (Terraform validates configuration before it configures the provider).
func FromProviderData(data any, diags *diag.Diagnostics) *Clients {
	if data == nil {
		return nil
	}
	c, ok := data.(*Clients)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *conns.Clients, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return c
}

// OktaClient returns the Okta client, or adds an error naming what to configure.
func (c *Clients) OktaClient(diags *diag.Diagnostics) *okta.Client {
	if c == nil || c.Okta == nil {
		diags.AddError("Okta is not configured",
			"This needs the Okta side: set the provider's okta block (org_url and api_token, or a service app), or OKTA_ORG_URL and OKTA_API_TOKEN.")
		return nil
	}
	return c.Okta
}

// Aliases lists the configured Salesforce org aliases, sorted.
func (c *Clients) Aliases() []string {
	if c == nil {
		return nil
	}
	out := make([]string, 0, len(c.Salesforce))
	for a := range c.Salesforce {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ResolveOrg picks the org a resource refers to: the alias given, or the only configured org when alias is
// empty. It returns nil when there is none; problems are reported against attr (the resource's
// salesforce_org attribute).
func (c *Clients) ResolveOrg(alias string, attr path.Path, diags *diag.Diagnostics) *Org {
	aliases := c.Aliases()
	if alias == "" {
		switch len(aliases) {
		case 0:
			diags.AddAttributeError(attr, "Salesforce is not configured",
				"This needs a Salesforce org: add one to the provider's salesforce map, or set SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID.")
			return nil
		case 1:
			alias = aliases[0]
		default:
			diags.AddAttributeError(attr, "Salesforce org not chosen",
				fmt.Sprintf("The provider configures %d Salesforce orgs (%s); set salesforce_org to one of them.", len(aliases), strings.Join(aliases, ", ")))
			return nil
		}
	}
	client, ok := c.Salesforce[alias]
	if !ok {
		known := "none is configured"
		if len(aliases) > 0 {
			known = "configured: " + strings.Join(aliases, ", ")
		}
		diags.AddAttributeError(attr, "Unknown Salesforce org alias",
			fmt.Sprintf("salesforce_org is %q, but the provider has no org with that alias (%s). Use one of the keys of the provider's salesforce map.", alias, known))
		return nil
	}
	return &Org{Alias: alias, Client: client, Reads: c.Caches.Org(alias)}
}
