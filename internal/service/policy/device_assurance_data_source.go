package policy

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
	_ datasource.DataSource              = (*deviceAssuranceDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*deviceAssuranceDataSource)(nil)
)

// devicePlatforms are the platforms of device assurance policies (okta-api.md §10).
var devicePlatforms = []string{"WINDOWS", "MACOS", "CHROMEOS", "IOS", "ANDROID"}

// NewDeviceAssuranceDataSource returns the oktasf_device_assurance data source.
func NewDeviceAssuranceDataSource() datasource.DataSource {
	return &deviceAssuranceDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("device_assurance", "Device Assurance Policy")}
}

type deviceAssuranceDataSource struct {
	framework.DataSourceWithConfigure
}

type deviceAssuranceModel struct {
	Name                  types.String `tfsdk:"name"`
	Platform              types.String `tfsdk:"platform"`
	ID                    types.String `tfsdk:"id"`
	OSVersionMinimum      types.String `tfsdk:"os_version_minimum"`
	DiskEncryptionTypes   types.Set    `tfsdk:"disk_encryption_types"`
	ScreenLockTypes       types.Set    `tfsdk:"screen_lock_types"`
	SecureHardwarePresent types.Bool   `tfsdk:"secure_hardware_present"`
	Jailbreak             types.Bool   `tfsdk:"jailbreak"`
}

func (d *deviceAssuranceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an Okta device assurance policy (Okta Identity Engine) by its exact name, for a sign-on policy rule " +
			"to require it. Needs the OAuth scope `okta.deviceAssurance.read`.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "The policy's exact name (case-sensitive, as Okta stores it).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"platform": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "`WINDOWS`, `MACOS`, `CHROMEOS`, `IOS` or `ANDROID`. Given, only a policy of that platform matches " +
					"(policies of different platforms may share a name); otherwise the platform of the policy found.",
				Validators: []validator.String{stringvalidator.OneOf(devicePlatforms...)}},
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The policy ID (`dae…`), what sign-on policy rules name."},
			"os_version_minimum": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The minimum OS version the policy requires; null when it requires none."},
			"disk_encryption_types": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The disk encryption types the policy accepts (for example `ALL_INTERNAL_VOLUMES`); null when it requires none."},
			"screen_lock_types": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The screen lock types the policy accepts (`PASSCODE`, `BIOMETRIC`); null when it requires none."},
			"secure_hardware_present": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "Whether the policy requires a secure hardware element (TPM, Secure Enclave); null when the platform has no such check."},
			"jailbreak": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "Whether a jailbroken or rooted device is allowed (mobile platforms); null elsewhere."},
		},
	}
}

func (d *deviceAssuranceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, client, ok := framework.OpenOkta[deviceAssuranceModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	name, platform := m.Name.ValueString(), m.Platform.ValueString()
	p, err := client.FindDeviceAssuranceByName(ctx, name, platform)
	switch {
	case errors.Is(err, okta.ErrNotFound):
		where := ""
		if platform != "" {
			where = " for platform " + platform
		}
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Device Assurance Policy Not Found",
			fmt.Sprintf("No Okta device assurance policy%s is named %q (names are matched exactly). Check the name in the Okta Admin Console under Security > Device Integrations > Device assurance policies.",
				where, name))
		return
	case errors.Is(err, okta.ErrConflict):
		resp.Diagnostics.AddAttributeError(path.Root("platform"), "Device Assurance Policy Name Is Ambiguous",
			fmt.Sprintf("%s. Set platform to the one you mean, or rename the policies in Okta.", err))
		return
	case err != nil:
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Looking up device assurance policy %q: %s", name, err))
		return
	}
	m.ID = types.StringValue(p.ID)
	m.Platform = types.StringValue(p.Platform)
	m.OSVersionMinimum = types.StringNull()
	if v := p.OSVersionMinimum(); v != "" {
		m.OSVersionMinimum = types.StringValue(v)
	}
	m.DiskEncryptionTypes = nullableSet(p.DiskEncryptionTypes())
	m.ScreenLockTypes = nullableSet(p.ScreenLockTypes())
	m.SecureHardwarePresent = types.BoolPointerValue(p.SecureHardwarePresent)
	m.Jailbreak = types.BoolPointerValue(p.Jailbreak)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// nullableSet is the set of values, null for none.
func nullableSet(values []string) types.Set {
	if len(values) == 0 {
		return types.SetNull(types.StringType)
	}
	return framework.StringSet(values)
}
