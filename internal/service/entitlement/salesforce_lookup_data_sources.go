package entitlement

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

var (
	_ datasource.DataSourceWithConfigure = (*lookupDataSource[profileModel])(nil)
	_ datasource.DataSourceWithConfigure = (*lookupDataSource[roleModel])(nil)
	_ datasource.DataSourceWithConfigure = (*lookupDataSource[permissionSetModel])(nil)
)

// lookupDataSource is the shared shape of the look-ups by name: a name and an optional org in, what
// find sets out. Each data source differs only in its schema attributes and its find.
type lookupDataSource[M any] struct {
	framework.DataSourceWithConfigure
	description string
	attributes  map[string]schema.Attribute
	// find fills m from the org, or returns the name error (with suggestions) or read error.
	find func(ctx context.Context, org *conns.Org, name string, m *M) error
	// common returns the name and org attributes of m.
	common func(m *M) (name *types.String, org *types.String)
}

func (d *lookupDataSource[M]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"name": schema.StringAttribute{Required: true, MarkdownDescription: "The exact name to look up.",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
			MarkdownDescription: "The alias of the Salesforce org. Optional when exactly one org is configured."},
	}
	for k, v := range d.attributes {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{MarkdownDescription: d.description, Attributes: attrs}
}

func (d *lookupDataSource[M]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, org, ok := framework.OpenOrg[M](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	name, alias := d.common(&m)
	*alias = types.StringValue(org.Alias)
	if err := d.find(ctx, org, name.ValueString(), &m); err != nil {
		lookupDiag(&resp.Diagnostics, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func lookupDiag(diags *diag.Diagnostics, err error) {
	if errors.Is(err, errNotAssignable) {
		diags.AddAttributeError(path.Root("name"), "Permission Set Cannot Be Assigned", err.Error())
		return
	}
	if errors.Is(err, errAmbiguous) {
		diags.AddAttributeError(path.Root("name"), "Ambiguous Name", err.Error())
		return
	}
	if isNameError(err) {
		diags.AddAttributeError(path.Root("name"), "Not Found in Salesforce", err.Error())
		return
	}
	diags.AddError(framework.Summary(framework.OpRead, "Salesforce"), err.Error())
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
}

type profileModel struct {
	Name          types.String `tfsdk:"name"`
	SalesforceOrg types.String `tfsdk:"salesforce_org"`
	ID            types.String `tfsdk:"id"`
	UserLicense   types.String `tfsdk:"user_license"`
}

// NewSalesforceProfileDataSource returns the oktasf_salesforce_profile data source.
func NewSalesforceProfileDataSource() datasource.DataSource {
	return &lookupDataSource[profileModel]{
		DataSourceWithConfigure: framework.NewDataSourceWithConfigure("salesforce_profile", "Salesforce Profile"),
		description:             "Looks up a Salesforce profile by its exact name; a wrong name fails with the closest names the org has.",
		attributes: map[string]schema.Attribute{
			"id":           computedString("The profile ID (`00e…`)."),
			"user_license": computedString("The name of the user license the profile's users hold, for example `Salesforce`."),
		},
		common: func(m *profileModel) (*types.String, *types.String) { return &m.Name, &m.SalesforceOrg },
		find: func(ctx context.Context, org *conns.Org, name string, m *profileModel) error {
			p, err := findProfile(ctx, org, name)
			if err != nil {
				return err
			}
			m.ID, m.UserLicense = types.StringValue(p.ID), types.StringValue(p.UserLicense)
			return nil
		},
	}
}

type roleModel struct {
	Name          types.String `tfsdk:"name"`
	SalesforceOrg types.String `tfsdk:"salesforce_org"`
	ID            types.String `tfsdk:"id"`
	DeveloperName types.String `tfsdk:"developer_name"`
	ParentRoleID  types.String `tfsdk:"parent_role_id"`
}

// NewSalesforceRoleDataSource returns the oktasf_salesforce_role data source.
func NewSalesforceRoleDataSource() datasource.DataSource {
	return &lookupDataSource[roleModel]{
		DataSourceWithConfigure: framework.NewDataSourceWithConfigure("salesforce_role", "Salesforce Role"),
		description:             "Looks up a Salesforce role by its name (or DeveloperName); a wrong name fails with the closest names the org has.",
		attributes: map[string]schema.Attribute{
			"id":             computedString("The role ID (`00E…`)."),
			"developer_name": computedString("The role's API name."),
			"parent_role_id": computedString("The ID of the role above it; null at the top of the hierarchy."),
		},
		common: func(m *roleModel) (*types.String, *types.String) { return &m.Name, &m.SalesforceOrg },
		find: func(ctx context.Context, org *conns.Org, name string, m *roleModel) error {
			r, err := findRole(ctx, org, name)
			if err != nil {
				return err
			}
			m.ID, m.DeveloperName = types.StringValue(r.ID), types.StringValue(r.DeveloperName)
			m.ParentRoleID = stringOrNull(r.ParentRoleID)
			return nil
		},
	}
}

type permissionSetModel struct {
	Name          types.String `tfsdk:"name"`
	SalesforceOrg types.String `tfsdk:"salesforce_org"`
	ID            types.String `tfsdk:"id"`
	Label         types.String `tfsdk:"label"`
	IsGroup       types.Bool   `tfsdk:"is_group"`
}

// NewSalesforcePermissionSetDataSource returns the oktasf_salesforce_permission_set data source.
func NewSalesforcePermissionSetDataSource() datasource.DataSource {
	return &lookupDataSource[permissionSetModel]{
		DataSourceWithConfigure: framework.NewDataSourceWithConfigure("salesforce_permission_set", "Salesforce Permission Set"),
		description: "Looks up an assignable Salesforce permission set by API name, or else a permission set group by DeveloperName; " +
			"a wrong name fails with the closest names the org has.",
		attributes: map[string]schema.Attribute{
			"id":       computedString("The permission set ID (`0PS…`) or permission set group ID (`0PG…`)."),
			"label":    computedString("The label shown in Setup."),
			"is_group": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the name is a permission set group."},
		},
		common: func(m *permissionSetModel) (*types.String, *types.String) { return &m.Name, &m.SalesforceOrg },
		find:   findPermissionSetOrGroup,
	}
}

// findPermissionSetOrGroup tries the permission sets first, then the groups, and suggests from both.
func findPermissionSetOrGroup(ctx context.Context, org *conns.Org, name string, m *permissionSetModel) error {
	ps, psErr := findPermissionSet(ctx, org, name)
	if psErr == nil {
		m.ID, m.Label, m.IsGroup = types.StringValue(ps.ID), types.StringValue(ps.Label), types.BoolValue(false)
		return nil
	}
	if !isNameError(psErr) {
		return psErr
	}
	g, err := findPermissionSetGroup(ctx, org, name)
	if err == nil {
		m.ID, m.Label, m.IsGroup = types.StringValue(g.ID), types.StringValue(g.Label), types.BoolValue(true)
		return nil
	}
	if !isNameError(err) {
		return err
	}
	if ps != nil { // exists, but a profile's or a group's: say that rather than "not found"
		return psErr
	}
	sets, _ := permissionSets(ctx, org)
	groups, _ := permissionSetGroups(ctx, org)
	var names []string
	for _, s := range sets {
		if s.Assignable() {
			names = append(names, s.Name)
		}
	}
	for _, g := range groups {
		names = append(names, g.DeveloperName)
	}
	return org.Client.NewNameNotFoundError("permission set or permission set group", name, names)
}
