package entitlement_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/provider"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/entitlement"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// withEntitlements serves the provider with this package's resources and data sources added when the
// provider does not register them yet, so that the tests run before and after registration alike.
type withEntitlements struct{ fwprovider.Provider }

func (p withEntitlements) Resources(ctx context.Context) []func() fwresource.Resource {
	out := p.Provider.Resources(ctx)
	have := map[string]bool{}
	for _, f := range out {
		var resp fwresource.MetadataResponse
		f().Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: "oktasf"}, &resp)
		have[resp.TypeName] = true
	}
	for _, f := range []func() fwresource.Resource{entitlement.NewGroupMappingResource, entitlement.NewPermissionSetBindingResource} {
		var resp fwresource.MetadataResponse
		f().Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: "oktasf"}, &resp)
		if !have[resp.TypeName] {
			out = append(out, f)
		}
	}
	return out
}

func (p withEntitlements) DataSources(ctx context.Context) []func() datasource.DataSource {
	out := p.Provider.DataSources(ctx)
	have := map[string]bool{}
	for _, f := range out {
		var resp datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "oktasf"}, &resp)
		have[resp.TypeName] = true
	}
	for _, f := range []func() datasource.DataSource{entitlement.NewSalesforceProfileDataSource, entitlement.NewSalesforceRoleDataSource,
		entitlement.NewSalesforcePermissionSetDataSource} {
		var resp datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "oktasf"}, &resp)
		if !have[resp.TypeName] {
			out = append(out, f)
		}
	}
	return out
}

var factories = map[string]func() (tfprotov6.ProviderServer, error){
	acctest.ProviderName: providerserver.NewProtocol6WithError(withEntitlements{provider.New("test")()}),
}

// test runs an acceptance test with the entitlement resources registered.
func test(t *testing.T, tc resource.TestCase) {
	t.Helper()
	tc.ProtoV6ProviderFactories = factories
	acctest.Test(t, tc)
}

// entitlementSandbox is a sandbox of its own with one org, qa, whose users match the default Okta users
// by Federation ID: bob and dave hold Sales_Cloud_User by hand, the integration user etl.bot holds it
// without a Federation ID, and grace has a Platform license that Full_CRM does not allow.
func entitlementSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	if acctest.Live() {
		t.Skip("needs the sandbox's seeded users")
	}
	seed, err := sandbox.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	qa := seed.Salesforce["qa"]
	qa.Profiles = append(qa.Profiles, sfemu.ProfileSeed{Name: "Platform User", UserLicense: "Salesforce Platform"})
	qa.PermissionSets = append(qa.PermissionSets, sfemu.PermissionSetSeed{Name: "Full_CRM", Label: "Full CRM", License: "Salesforce"})
	var users []sfemu.UserSeed
	for _, u := range qa.Users {
		if u.Username == "etl.bot@acme.example.qa" {
			u.PermissionSets = append(u.PermissionSets, "Sales_Cloud_User")
		}
		users = append(users, u)
	}
	for _, name := range []string{"bob.baker", "carol.chen", "dave.diaz", "erin.evans", "frank.fischer", "grace.green", "heidi.hall"} {
		first, last, _ := strings.Cut(name, ".")
		u := sfemu.UserSeed{Username: name + "@acme.example.qa", Email: name + "@acme.example", FirstName: first, LastName: last,
			Alias: first, FederationID: name + "@acme.example", Profile: "Sales User"}
		switch first {
		case "bob", "dave":
			u.PermissionSets = []string{"Sales_Cloud_User"}
		case "grace":
			u.Profile = "Platform User"
		}
		users = append(users, u)
	}
	qa.Users = users
	seed.Salesforce = map[string]sfemu.OrgSeed{"qa": qa}
	return acctest.NewSandbox(t, sandbox.Options{Seed: &seed})
}

func oktaClient(t *testing.T, sb *sandbox.Sandbox) *okta.Client {
	t.Helper()
	c, err := okta.New(context.Background(), okta.Config{OrgURL: sb.Info().Okta.OrgURL, APIToken: sb.Info().Okta.APIToken,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: "okta"})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func salesforceClient(t *testing.T, sb *sandbox.Sandbox) *salesforce.Client {
	t.Helper()
	o := sb.Info().Salesforce["qa"]
	c, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: o.LoginURL, ClientID: o.ClientID, Username: o.Username,
		PrivateKey: o.PrivateKey, HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// userID finds an Okta user's ID by login.
func userID(t *testing.T, c *okta.Client, login string) string {
	t.Helper()
	var u struct {
		ID string `json:"id"`
	}
	if _, err := c.Raw(context.Background(), "GET", "/api/v1/users/"+url.PathEscape(login), nil, &u); err != nil {
		t.Fatalf("find Okta user %s: %v", login, err)
	}
	return u.ID
}

func groupID(t *testing.T, c *okta.Client, name string) string {
	t.Helper()
	g, err := c.FindGroupByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// holders lists the Federation IDs (or, without one, usernames) of the users holding a permission set.
func holders(t *testing.T, sf *salesforce.Client, permissionSet string) []string {
	t.Helper()
	var rows []struct {
		Assignee struct {
			Username             string  `json:"Username"`
			FederationIdentifier *string `json:"FederationIdentifier"`
		} `json:"Assignee"`
	}
	if err := sf.Query(context.Background(), "SELECT Assignee.Username, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE PermissionSet.Name = "+
		salesforce.Quote(permissionSet), &rows); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.Assignee.FederationIdentifier != nil && *r.Assignee.FederationIdentifier != "" {
			out = append(out, *r.Assignee.FederationIdentifier)
		} else {
			out = append(out, r.Assignee.Username)
		}
	}
	sort.Strings(out)
	return out
}

// expectSetChange checks that the plan changes a set attribute of addr from exactly before to exactly after.
type expectSetChange struct {
	addr, attr    string
	before, after []string
}

func (e expectSetChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.addr {
			continue
		}
		get := func(v any) []string {
			m, _ := v.(map[string]any)
			list, _ := m[e.attr].([]any)
			out := []string{}
			for _, x := range list {
				out = append(out, fmt.Sprint(x))
			}
			sort.Strings(out)
			return out
		}
		if b := get(rc.Change.Before); strings.Join(b, ",") != strings.Join(e.before, ",") {
			resp.Error = fmt.Errorf("%s.%s before = %v, want %v", e.addr, e.attr, b, e.before)
			return
		}
		if a := get(rc.Change.After); strings.Join(a, ",") != strings.Join(e.after, ",") {
			resp.Error = fmt.Errorf("%s.%s planned = %v, want %v", e.addr, e.attr, a, e.after)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", e.addr)
}
