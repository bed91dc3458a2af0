package provisioning

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

var (
	_ datasource.DataSource              = (*oktaUserSchemaDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*oktaUserSchemaDataSource)(nil)
)

// NewOktaUserSchemaDataSource returns the oktasf_okta_user_schema data source.
func NewOktaUserSchemaDataSource() datasource.DataSource {
	return &oktaUserSchemaDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("okta_user_schema", "Okta User Schema")}
}

type oktaUserSchemaDataSource struct {
	framework.DataSourceWithConfigure
}

type oktaUserSchemaModel struct {
	Properties       types.Map `tfsdk:"properties"`
	CustomProperties types.Set `tfsdk:"custom_properties"`
}

type oktaUserPropertyModel struct {
	Title     types.String `tfsdk:"title"`
	Type      types.String `tfsdk:"type"`
	Custom    types.Bool   `tfsdk:"custom"`
	MaxLength types.Int64  `tfsdk:"max_length"`
	MinLength types.Int64  `tfsdk:"min_length"`
	Enum      []string     `tfsdk:"enum"` // nil: null
	ItemsType types.String `tfsdk:"items_type"`
	ItemsEnum []string     `tfsdk:"items_enum"`
}

func (d *oktaUserSchemaDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Okta org's default user schema: every user profile attribute (Okta's base ones and the org's custom ones) " +
			"with its type and limits, so that a module can reference them, for example to map a custom attribute in " +
			"`oktasf_user_provisioning.attributes` only when the org has it. Plan checks each `user.<attribute>` mapping against this schema.",
		Attributes: map[string]schema.Attribute{
			"properties": schema.MapNestedAttribute{Computed: true,
				MarkdownDescription: "Attribute name → its definition.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"title":      computed("The display name."),
					"type":       computed("`string`, `boolean`, `integer`, `number` or `array`."),
					"custom":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the org defined it (Profile Editor) rather than Okta."},
					"max_length": schema.Int64Attribute{Computed: true, MarkdownDescription: "The maximum length of a string, null when none."},
					"min_length": schema.Int64Attribute{Computed: true, MarkdownDescription: "The minimum length of a string, null when none."},
					"enum":       schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "The allowed values in Okta's order, null when any."},
					"items_type": computed("The type of an array's elements."),
					"items_enum": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "The allowed values of an array's elements, null when any."},
				}}},
			"custom_properties": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The names of the org's custom attributes."},
		},
	}
}

func (d *oktaUserSchemaDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, _, ok := framework.OpenOkta[oktaUserSchemaModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	us, err := oktaUserSchema(ctx, d.Clients())
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Reading the default user schema: %s", err))
		return
	}
	props := map[string]oktaUserPropertyModel{}
	var custom []string
	for _, name := range us.Names() {
		p := us[name]
		pm := oktaUserPropertyModel{Title: types.StringValue(p.Title), Type: types.StringValue(p.Type), Custom: types.BoolValue(p.Custom),
			MaxLength: types.Int64Null(), MinLength: types.Int64Null(), Enum: p.Enum, ItemsType: types.StringNull(), ItemsEnum: p.ItemsEnum}
		if p.MaxLength > 0 {
			pm.MaxLength = types.Int64Value(int64(p.MaxLength))
		}
		if p.MinLength > 0 {
			pm.MinLength = types.Int64Value(int64(p.MinLength))
		}
		if p.ItemsType != "" {
			pm.ItemsType = types.StringValue(p.ItemsType)
		}
		props[name] = pm
		if p.Custom {
			custom = append(custom, name)
		}
	}
	pv, diags := types.MapValueFrom(ctx, framework.ObjectType[oktaUserPropertyModel](), props)
	resp.Diagnostics.Append(diags...)
	m.Properties, m.CustomProperties = pv, framework.StringSet(custom)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
