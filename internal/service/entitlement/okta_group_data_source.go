// Package entitlement holds who gets Salesforce and with what: Okta groups, their mapping to Salesforce
// profiles and roles, and permission-set bindings.
package entitlement

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	_ datasource.DataSource              = (*oktaGroupDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*oktaGroupDataSource)(nil)
)

// NewOktaGroupDataSource returns the oktasf_okta_group data source.
func NewOktaGroupDataSource() datasource.DataSource {
	return &oktaGroupDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("okta_group", "Okta Group")}
}

type oktaGroupDataSource struct {
	framework.DataSourceWithConfigure
}

type oktaGroupModel struct {
	Name        types.String `tfsdk:"name"`
	ID          types.String `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
	Type        types.String `tfsdk:"type"`
	MemberCount types.Int64  `tfsdk:"member_count"`
}

func (d *oktaGroupDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an Okta group by its exact name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "The group's exact name (case-sensitive, as Okta stores it).",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)}},
			"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "The group ID (`00g…`)."},
			"description":  schema.StringAttribute{Computed: true, MarkdownDescription: "The group description."},
			"type":         schema.StringAttribute{Computed: true, MarkdownDescription: "`OKTA_GROUP`, `APP_GROUP` or `BUILT_IN`."},
			"member_count": schema.Int64Attribute{Computed: true, MarkdownDescription: "The number of users in the group."},
		},
	}
}

func (d *oktaGroupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, client, ok := framework.OpenOkta[oktaGroupModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	g, err := client.FindGroupByName(ctx, m.Name.ValueString())
	if errors.Is(err, okta.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Okta group not found",
			fmt.Sprintf("No Okta group is named %q (names are matched exactly). Check the name in the Okta Admin Console under Directory > Groups.", m.Name.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Looking up group %q: %s", m.Name.ValueString(), err))
		return
	}
	m.ID = types.StringValue(g.ID)
	m.Description = types.StringValue(g.Description)
	m.Type = types.StringValue(g.Type)
	m.MemberCount = types.Int64Value(g.MemberCount)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
