// Package provider is the oktasf provider: its schema, configuration, and the registration of every
// resource, data source and function. Nothing else lives here.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/entitlement"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/observe"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/policy"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/provisioning"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/sso"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

var (
	_ provider.Provider                   = (*oktasfProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*oktasfProvider)(nil)
)

// New returns the provider factory for the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &oktasfProvider{version: version, getenv: os.Getenv} }
}

type oktasfProvider struct {
	version string
	getenv  func(string) string
}

// providerModel is the provider block as Terraform sends it. Its objects may be unknown while validating
// (values from variables or other resources), so they are decoded by decodeConfig.
type providerModel struct {
	Okta       types.Object `tfsdk:"okta"`
	Salesforce types.Map    `tfsdk:"salesforce"`
}

type oktaModel struct {
	OrgURL       types.String `tfsdk:"org_url"`
	OrgName      types.String `tfsdk:"org_name"`
	BaseURL      types.String `tfsdk:"base_url"`
	APIToken     types.String `tfsdk:"api_token"`
	ClientID     types.String `tfsdk:"client_id"`
	PrivateKey   types.String `tfsdk:"private_key"`
	PrivateKeyID types.String `tfsdk:"private_key_id"`
	Scopes       types.List   `tfsdk:"scopes"`
}

type salesforceOrgModel struct {
	LoginURL     types.String `tfsdk:"login_url"`
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	Username     types.String `tfsdk:"username"`
	PrivateKey   types.String `tfsdk:"private_key"`
	APIVersion   types.String `tfsdk:"api_version"`
	JWTAudience  types.String `tfsdk:"jwt_audience"`
}

func (p *oktasfProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "oktasf"
	resp.Version = p.version
}

func (p *oktasfProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Federates Salesforce with Okta: Okta is the SAML 2.0 identity provider, Salesforce the service provider. " +
			"Configure one Okta org and any number of Salesforce orgs, keyed by the alias that resources name in `salesforce_org`.",
		Attributes: map[string]schema.Attribute{
			"okta": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "The Okta org. Each attribute falls back to the environment variable the official Okta provider reads. " +
					"Authenticate with an API token, or with an OAuth 2.0 service app (`client_id`, `private_key`, `scopes`), not both.",
				Attributes: map[string]schema.Attribute{
					"org_url": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The org URL, scheme and host only, for example `https://acme.okta.com` (`OKTA_ORG_URL`). `https://` is required except for loopback addresses. " +
							"Conflicts with `org_name` and `base_url`.",
						Validators: conflictsWithSiblings("org_name", "base_url")},
					"org_name": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The org subdomain, for example `acme` (`OKTA_ORG_NAME`); an alternative to `org_url`, used with `base_url`."},
					"base_url": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The Okta domain that goes with `org_name` (`OKTA_BASE_URL`); default `okta.com`."},
					"api_token": schema.StringAttribute{Optional: true, Sensitive: true,
						MarkdownDescription: "An API token (`OKTA_API_TOKEN`), without the `SSWS` prefix. Conflicts with the service app's `client_id`, `private_key`, `private_key_id` and `scopes`.",
						Validators:          conflictsWithSiblings("client_id", "private_key", "private_key_id", "scopes")},
					"client_id": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The client ID of an OAuth 2.0 service app that uses `private_key_jwt` (`OKTA_API_CLIENT_ID`)."},
					"private_key": schema.StringAttribute{Optional: true, Sensitive: true,
						MarkdownDescription: "The service app's private key, as PEM text or the path of a PEM file (`OKTA_API_PRIVATE_KEY`): RSA (PKCS#1 or PKCS#8), or EC on P-256, P-384 or P-521 (SEC 1 or PKCS#8)."},
					"private_key_id": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The key ID (`kid`) of the service app's public key (`OKTA_API_PRIVATE_KEY_ID`)."},
					"scopes": schema.ListAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "The OAuth scopes granted to the service app, for example `[\"okta.groups.read\", \"okta.apps.manage\"]` (`OKTA_API_SCOPES`, comma-separated)."},
				},
			},
			"salesforce": schema.MapNestedAttribute{
				Optional: true,
				MarkdownDescription: "The Salesforce orgs by alias (for example `prod`, `uat`). Without this map, one org named `default` is read from " +
					"`SALESFORCE_LOGIN_URL`, `SALESFORCE_CLIENT_ID`, `SALESFORCE_USERNAME`, `SALESFORCE_PRIVATE_KEY`, `SALESFORCE_CLIENT_SECRET` and `SALESFORCE_API_VERSION`.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"login_url": schema.StringAttribute{Optional: true,
							MarkdownDescription: "The org's My Domain URL (for example `https://acme.my.salesforce.com`), or `https://login.salesforce.com` / `https://test.salesforce.com`."},
						"client_id": schema.StringAttribute{Optional: true,
							MarkdownDescription: "The consumer key of the connected app or external client app."},
						"client_secret": schema.StringAttribute{Optional: true, Sensitive: true,
							MarkdownDescription: "The consumer secret, for the client credentials flow (the app's run-as user). Conflicts with `username`/`private_key`.",
							Validators:          conflictsWithSiblings("username", "private_key")},
						"username": schema.StringAttribute{Optional: true,
							MarkdownDescription: "The user the JWT bearer flow signs in as; requires `private_key`.",
							Validators:          alsoRequiresSiblings("private_key")},
						"private_key": schema.StringAttribute{Optional: true, Sensitive: true,
							MarkdownDescription: "The RSA private key (PKCS#1 or PKCS#8) whose certificate is uploaded to the app, as PEM text or a file path (JWT bearer flow); requires `username`.",
							Validators:          alsoRequiresSiblings("username")},
						"api_version": schema.StringAttribute{Optional: true,
							MarkdownDescription: "The Salesforce API version, default `" + salesforce.DefaultAPIVersion + "`."},
						"jwt_audience": schema.StringAttribute{Optional: true,
							MarkdownDescription: "The `aud` of the JWT bearer assertion. Default: `https://test.salesforce.com` for sandbox and scratch org login hosts, " +
								"the site URL for an Experience Cloud site, and `https://login.salesforce.com` for any other host; set it for a sandbox reached through another host."},
					},
				},
			},
		},
	}
}

// conflictsWithSiblings refuses the attribute beside any of the named attributes of the same object.
// Only one attribute of each pair carries it, so a conflict is reported once.
func conflictsWithSiblings(names ...string) []validator.String {
	return []validator.String{stringvalidator.ConflictsWith(siblings(names)...)}
}

// alsoRequiresSiblings requires the named attributes of the same object beside the attribute.
func alsoRequiresSiblings(names ...string) []validator.String {
	return []validator.String{stringvalidator.AlsoRequires(siblings(names)...)}
}

func siblings(names []string) []path.Expression {
	exprs := make([]path.Expression, len(names))
	for i, n := range names {
		exprs[i] = path.MatchRelative().AtParent().AtName(n)
	}
	return exprs
}

func (p *oktasfProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := decodeConfig(ctx, m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, diags = resolveSettings(in, p.getenv)
	resp.Diagnostics.Append(diags...)
}

func (p *oktasfProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := decodeConfig(ctx, m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, diags := resolveSettings(in, p.getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if s.Incomplete && !req.ClientCapabilities.DeferralAllowed {
		resp.Diagnostics.AddError("Provider configuration is not known yet",
			"Some provider arguments depend on values that are known only after apply. Apply those first (terraform apply -target=...), or pass them as variables.")
		return
	}
	if s.Incomplete {
		resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
		return
	}

	clients := &conns.Clients{Salesforce: map[string]*salesforce.Client{}}
	if s.Okta != nil {
		c, err := okta.New(ctx, okta.Config{
			OrgURL: s.Okta.OrgURL, APIToken: s.Okta.APIToken, ClientID: s.Okta.ClientID,
			PrivateKey: s.Okta.PrivateKey, PrivateKeyID: s.Okta.PrivateKeyID, Scopes: s.Okta.Scopes,
			HTTPClient: transport.NewHTTPClient(transport.Config{Service: "okta"}),
		})
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("okta"), "Unable to create the Okta client", err.Error())
			return
		}
		clients.Okta = c
	}
	for alias, org := range s.Salesforce {
		c, err := salesforce.New(salesforce.Config{
			Alias: alias, LoginURL: org.LoginURL, ClientID: org.ClientID, ClientSecret: org.ClientSecret,
			Username: org.Username, PrivateKey: org.PrivateKey, APIVersion: org.APIVersion, JWTAudience: org.JWTAudience,
			HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"}),
		})
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("salesforce").AtMapKey(alias), "Unable to create the Salesforce client", err.Error())
			return
		}
		clients.Salesforce[alias] = c
	}
	tflog.Debug(ctx, "configured oktasf provider", map[string]any{"okta": clients.Okta != nil, "salesforce_orgs": clients.Aliases()})
	resp.DataSourceData = clients
	resp.ResourceData = clients
	resp.EphemeralResourceData = clients
	resp.ActionData = clients
	resp.ListResourceData = clients
}

func (p *oktasfProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		sso.NewSAMLAppResource,
		sso.NewSalesforceSSOResource,
		entitlement.NewGroupMappingResource,
		entitlement.NewPermissionSetBindingResource,
		provisioning.NewUserProvisioningResource,
		policy.NewNetworkZoneResource,
		policy.NewSignonPolicyResource,
		policy.NewSalesforceSessionPolicyResource,
	}
}

func (p *oktasfProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		sso.NewSalesforceOrgDataSource,
		sso.NewSAMLMetadataDataSource,
		sso.NewFederationCheckDataSource,
		entitlement.NewOktaGroupDataSource,
		entitlement.NewSalesforceProfileDataSource,
		entitlement.NewSalesforceRoleDataSource,
		entitlement.NewSalesforcePermissionSetDataSource,
		policy.NewDeviceAssuranceDataSource,
		observe.NewSignInEventsDataSource,
		provisioning.NewOktaUserSchemaDataSource,
	}
}
