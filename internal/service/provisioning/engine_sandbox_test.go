package provisioning

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// benchSettings maps the seedgen users' names and email onto new users with the suffix .prov.
func benchSettings(appID string) settings {
	return settings{AppID: appID, Attributes: map[string]string{"LastName": "user.lastName", "FirstName": "user.firstName",
		"Email": "user.email", "Alias": "user.lastName", "Department": "'Bench'"},
		UsernameSource: "login", UsernameSuffix: ".prov", FederationIDSource: "login",
		Create: true, Update: true, Deactivate: true, Reactivate: true}
}

// clients builds new clients for sb (newTestEngine gives them a configuration of their own).
func clients(t *testing.T, sb *sandbox.Sandbox) (*okta.Client, *salesforce.Client) {
	t.Helper()
	info := sb.Info()
	oc, err := okta.New(context.Background(), okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})})
	if err != nil {
		t.Fatal(err)
	}
	o := info.Salesforce["qa"]
	sf, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: o.LoginURL, ClientID: o.ClientID, Username: o.Username,
		PrivateKey: o.PrivateKey, JWTAudience: o.JWTAudience, HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce})})
	if err != nil {
		t.Fatal(err)
	}
	return oc, sf
}

// newTestEngine is the REST engine of a new provider configuration over oc and sf (as org "qa"): it shares
// no cached read with any other.
func newTestEngine(oc *okta.Client, sf *salesforce.Client) *engine {
	c := &conns.Clients{Okta: oc, Salesforce: map[string]*salesforce.Client{"qa": sf}}
	var diags diag.Diagnostics
	return newEngine(c, c.ResolveOrg("qa", framework.OrgAttribute, &diags), transportREST)
}

// appWithGroups creates a SAML app and assigns the named groups to it with the Sales User profile.
func appWithGroups(t *testing.T, oc *okta.Client, groups ...string) string {
	t.Helper()
	ctx := context.Background()
	app, err := oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: fmt.Sprintf("tf-acc-prov-%d", rand.Int64N(1_000_000_000)), SignOn: okta.SAMLSignOn{
		SSOACSURL: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001", Recipient: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001",
		Destination: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001", Audience: "https://acme--qa.sandbox.my.salesforce.com",
		SubjectNameIDTemplate: "${user.userName}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true,
	}}, true)
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	if err := oc.EnsureAppUserProperties(ctx, app.ID, "profile", "role"); err != nil {
		t.Fatal(err)
	}
	for i, name := range groups {
		g, err := oc.FindGroupByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		p := i
		if _, err := oc.SetAppGroupAssignment(ctx, app.ID, g.ID, &p, map[string]any{"profile": "Sales User"}); err != nil {
			t.Fatal(err)
		}
	}
	return app.ID
}

// salesforceCount sums the requests the sandbox served to Salesforce orgs since the last reset.
func salesforceCount(sb *sandbox.Sandbox) (sf, total int) {
	stats := sb.Control().Stats()
	for route, n := range stats.Routes {
		if strings.HasPrefix(route, "salesforce") {
			sf += n
		}
	}
	return sf, stats.Total
}

// usersByFID reads every federated user of the org.
func usersByFID(t *testing.T, sf *salesforce.Client) map[string][]salesforce.UserRecord {
	t.Helper()
	users, err := sf.ListFederatedUsers(context.Background(), []string{"Department"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]salesforce.UserRecord{}
	for _, u := range users {
		out[strings.ToLower(u.FederationID)] = append(out[strings.ToLower(u.FederationID)], u)
	}
	return out
}

func describeRoutes(sb *sandbox.Sandbox) string {
	var b strings.Builder
	for route, n := range sb.Control().Stats().Routes {
		fmt.Fprintf(&b, "%s=%d ", route, n)
	}
	return b.String()
}
