// Package sso holds the single sign-on trust between Okta and Salesforce: the Salesforce org facts an Okta
// SAML app is derived from, the Okta SAML app, and the org's SAML single sign-on settings.
package sso

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

var (
	_ datasource.DataSource              = (*salesforceOrgDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*salesforceOrgDataSource)(nil)
)

// NewSalesforceOrgDataSource returns the oktasf_salesforce_org data source.
func NewSalesforceOrgDataSource() datasource.DataSource {
	return &salesforceOrgDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("salesforce_org", "Salesforce Org")}
}

type salesforceOrgDataSource struct {
	framework.DataSourceWithConfigure
}

type salesforceOrgModel struct {
	SalesforceOrg    types.String `tfsdk:"salesforce_org"`
	ID               types.String `tfsdk:"id"`
	Name             types.String `tfsdk:"name"`
	IsSandbox        types.Bool   `tfsdk:"is_sandbox"`
	InstanceName     types.String `tfsdk:"instance_name"`
	OrganizationType types.String `tfsdk:"organization_type"`
	MyDomainURL      types.String `tfsdk:"my_domain_url"`
	SPEntityID       types.String `tfsdk:"sp_entity_id"`
	ACSURL           types.String `tfsdk:"acs_url"`
}

func (d *salesforceOrgDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Facts about one configured Salesforce org, including the service-provider values an Okta SAML app needs " +
			"(SP entity ID and assertion consumer service URL), read from the org itself.",
		Attributes: map[string]schema.Attribute{
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The org's alias in the provider's `salesforce` map. Optional when exactly one org is configured."},
			"id":                schema.StringAttribute{Computed: true, MarkdownDescription: "The 18-character organization ID (`00D…`)."},
			"name":              schema.StringAttribute{Computed: true, MarkdownDescription: "The organization name."},
			"is_sandbox":        schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the org is a sandbox."},
			"instance_name":     schema.StringAttribute{Computed: true, MarkdownDescription: "The Salesforce instance, for example `USA123`."},
			"organization_type": schema.StringAttribute{Computed: true, MarkdownDescription: "The edition, for example `Enterprise Edition`."},
			"my_domain_url": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The org's My Domain URL (the instance URL Salesforce returns at sign-in)."},
			"sp_entity_id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The SAML service-provider entity ID an Okta app uses as its audience: the My Domain URL."},
			"acs_url": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The assertion consumer service URL for Okta's SAML app: the My Domain URL with `?so=` and the 15-character org ID."},
		},
	}
}

func (d *salesforceOrgDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, sf, ok := framework.OpenOrg[salesforceOrgModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	alias, client := sf.Alias, sf.Client
	// Facts: the Organization record comes with the org's other name reads, in one request (salesforce/names.go).
	facts, err := client.Facts(ctx)
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Reading the Organization of org %q: %s", alias, err))
		return
	}
	org, instanceURL := &facts.Organization, facts.MyDomainURL
	m.SalesforceOrg = types.StringValue(alias)
	m.ID = types.StringValue(org.ID)
	m.Name = types.StringValue(org.Name)
	m.IsSandbox = types.BoolValue(org.IsSandbox)
	m.InstanceName = types.StringValue(org.InstanceName)
	m.OrganizationType = types.StringValue(org.OrganizationType)
	m.MyDomainURL = types.StringValue(instanceURL)
	m.SPEntityID = types.StringValue(instanceURL)
	m.ACSURL = types.StringValue(facts.ACSURL())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
