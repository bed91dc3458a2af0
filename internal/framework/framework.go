// Package framework is what every resource and data source of the provider is built on, so that each
// resource file holds only what is particular to it: an embedded base that takes the provider data once
// and offers the Okta client, the Salesforce orgs and diagnostic summaries (ResourceWithConfigure,
// DataSourceWithConfigure); the openings of CRUD methods and of ModifyPlan (OpenOkta, OpenOrg, OpenPlan);
// and the attribute types of nested objects, derived from their models (AttrTypes, ObjectValueMust).
package framework

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// OrgAttribute is the attribute by which resources and data sources name their Salesforce org.
var OrgAttribute = path.Root("salesforce_org")

// Configured is a resource or data source that has its provider data: every type that embeds
// ResourceWithConfigure or DataSourceWithConfigure.
type Configured interface {
	// Clients is the provider data; nil until the provider is configured.
	Clients() *conns.Clients
}

// withClients is what resources and data sources share: their names and the provider data.
type withClients struct {
	typeName string // the type name without the provider's, for example "saml_app"
	name     string // what diagnostic summaries call it, for example "SAML App"
	clients  *conns.Clients
}

func (b *withClients) Clients() *conns.Clients { return b.clients }

// Okta returns the Okta client, or nil with an error that names what to configure.
func (b *withClients) Okta(diags *diag.Diagnostics) *okta.Client { return b.clients.OktaClient(diags) }

// Org resolves a salesforce_org value: the org with that alias, or the only one configured when alias is
// empty. It returns nil, with an error on salesforce_org, when there is none.
func (b *withClients) Org(alias string, diags *diag.Diagnostics) *conns.Org {
	return b.clients.ResolveOrg(alias, OrgAttribute, diags)
}

// Summary is the summary of an error of op on this type: "Unable to Create SAML App".
func (b *withClients) Summary(op Op) string { return Summary(op, b.name) }

func (b *withClients) configure(data any, diags *diag.Diagnostics) {
	b.clients = conns.FromProviderData(data, diags)
}

// ResourceWithConfigure is the embedded base of every resource: it implements Metadata and Configure.
type ResourceWithConfigure struct{ withClients }

// NewResourceWithConfigure returns the base of the resource "<provider>_<typeName>", which diagnostic
// summaries call name.
func NewResourceWithConfigure(typeName, name string) ResourceWithConfigure {
	return ResourceWithConfigure{withClients{typeName: typeName, name: name}}
}

func (r *ResourceWithConfigure) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.typeName
}

func (r *ResourceWithConfigure) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req.ProviderData, &resp.Diagnostics)
}

// DataSourceWithConfigure is the embedded base of every data source: it implements Metadata and Configure.
type DataSourceWithConfigure struct{ withClients }

// NewDataSourceWithConfigure returns the base of the data source "<provider>_<typeName>", which
// diagnostic summaries call name.
func NewDataSourceWithConfigure(typeName, name string) DataSourceWithConfigure {
	return DataSourceWithConfigure{withClients{typeName: typeName, name: name}}
}

func (d *DataSourceWithConfigure) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.typeName
}

func (d *DataSourceWithConfigure) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.configure(req.ProviderData, &resp.Diagnostics)
}

// Op is what a resource or data source was doing when it failed, as diagnostic summaries say it.
type Op string

// The operations of CRUD methods and ModifyPlan; other verbs ("Rotate", "Assign") are Ops too.
const (
	OpCreate Op = "Create"
	OpRead   Op = "Read"
	OpUpdate Op = "Update"
	OpDelete Op = "Delete"
	OpPlan   Op = "Plan"
)

// Summary is the summary of a diagnostic about a failed op on object: Summary(OpCreate, "SAML App") is
// "Unable to Create SAML App". The detail names the object and gives the API's own message.
func Summary(op Op, object string) string { return "Unable to " + string(op) + " " + object }
