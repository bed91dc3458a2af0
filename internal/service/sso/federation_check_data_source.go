package sso

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
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
	_ datasource.DataSource              = (*federationCheckDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*federationCheckDataSource)(nil)
)

// Defaults of the check's windows.
const (
	defaultCertificateExpiryDays = 30
	defaultSignInFailureHours    = 24
	maxSignInFailureHours        = 24 * 180 // LoginHistory keeps about six months
)

// NewFederationCheckDataSource returns the oktasf_federation_check data source.
func NewFederationCheckDataSource() datasource.DataSource {
	return &federationCheckDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("federation_check", "Federation Check")}
}

type federationCheckDataSource struct {
	framework.DataSourceWithConfigure
}

type federationCheckModel struct {
	AppID                 types.String `tfsdk:"app_id"`
	SalesforceOrg         types.String `tfsdk:"salesforce_org"`
	SSOName               types.String `tfsdk:"sso_name"`
	CertificateExpiryDays types.Int64  `tfsdk:"certificate_expiry_days"`
	SignInFailureHours    types.Int64  `tfsdk:"sign_in_failure_hours"`
	OK                    types.Bool   `tfsdk:"ok"`
	Findings              types.List   `tfsdk:"findings"`
}

type findingModel struct {
	Severity types.String `tfsdk:"severity"`
	Code     types.String `tfsdk:"code"`
	Message  types.String `tfsdk:"message"`
	Fix      types.String `tfsdk:"fix"`
}

func (d *federationCheckDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Checks both sides of one Okta–Salesforce federation (an Okta SAML app and the org's SAML single sign-on " +
			"settings that trust it) and lists what is wrong, each finding with a severity, a code, a message and a fix. `ok` is false " +
			"when any finding is an error, so that a `check` block or a postcondition can gate a pipeline on it.\n\n" +
			"Findings (code, severity): `app_inactive` (error); `sso_settings_missing` (error); `certificate_mismatch` (error: Salesforce " +
			"trusts another certificate than the app's active signing certificate); `certificate_expired` (error) and `certificate_expiring` " +
			"(warning, within `certificate_expiry_days`); `issuer_mismatch`, `entity_id_mismatch` and `acs_url_mismatch` (errors); " +
			"`acs_url_without_org_id` (warning: the app posts to the org's My Domain URL without `?so=<org id>`); " +
			"`login_url_mismatch` (warning: SP-initiated sign-in fails); `name_id_mismatch` (the NameID format or identity attribute does " +
			"not fit the settings' identity type and location); `jit_attributes_missing` (error: JIT is on but the app does not send every " +
			"required `User.*` attribute); `duplicate_federation_ids` (several Salesforce users with the same Federation ID, ignoring case); `orphaned_salesforce_users` " +
			"(warning: active federated Salesforce users no app assignment matches); `users_missing_in_salesforce` (warning: assigned Okta " +
			"users with no active Salesforce user while JIT is off); `identity_not_checked` (info: the identity cannot be worked out from " +
			"the NameID template); `multiple_apps` (warning: another active Okta app posts to this org's ACS URL or sends its My Domain audience; the generic `https://saml.salesforce.com` is never matched); `sign_in_failures` " +
			"(warning, one per LoginHistory status, within `sign_in_failure_hours`, counted by Salesforce in one aggregate query).\n\n" +
			"Every read is a list or query call: the app, its metadata, the active SAML apps and the app's users from Okta (all pages); " +
			"the organization, the SSO settings (one Tooling query), the federated users and LoginHistory from Salesforce (SOQL). " +
			"Users are never read one by one. Findings name users by their Federation ID or username, never a secret.",
		Attributes: map[string]schema.Attribute{
			"app_id": schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				MarkdownDescription: "The Okta SAML app, for example `oktasf_saml_app.prod.id`."},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The org's alias in the provider's `salesforce` map. Optional when exactly one org is configured."},
			"sso_name": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The API name of the org's SSO settings to check, for example `oktasf_salesforce_sso.prod.name`. By " +
					"default the settings whose issuer is the app's entity ID, else those that trust the app's certificate, else the org's " +
					"only settings; the settings checked are given back here."},
			"certificate_expiry_days": schema.Int64Attribute{Optional: true, Computed: true,
				Validators:          []validator.Int64{int64validator.Between(0, 3650)},
				MarkdownDescription: fmt.Sprintf("Warn when the app's active certificate expires within this many days (default %d).", defaultCertificateExpiryDays)},
			"sign_in_failure_hours": schema.Int64Attribute{Optional: true, Computed: true,
				Validators: []validator.Int64{int64validator.Between(1, maxSignInFailureHours)},
				MarkdownDescription: fmt.Sprintf("Report failed sign-ins through the SSO settings in this many past hours (default %d, at most %d: "+
					"Salesforce keeps LoginHistory about six months).", defaultSignInFailureHours, maxSignInFailureHours)},
			"ok": schema.BoolAttribute{Computed: true, MarkdownDescription: "False when any finding has severity `error`."},
			"findings": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "What the check found, errors first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"severity": schema.StringAttribute{Computed: true, MarkdownDescription: "`error`, `warning` or `info`."},
					"code":     schema.StringAttribute{Computed: true, MarkdownDescription: "A stable code to match on, for example `certificate_mismatch`."},
					"message":  schema.StringAttribute{Computed: true, MarkdownDescription: "What is wrong, with the values on both sides."},
					"fix":      schema.StringAttribute{Computed: true, MarkdownDescription: "What to change, and where."},
				}}},
		},
	}
}

func (d *federationCheckDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, org, ok := framework.OpenOrg[federationCheckModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	client := d.Okta(&resp.Diagnostics)
	if client == nil {
		return
	}
	if m.CertificateExpiryDays.IsNull() || m.CertificateExpiryDays.IsUnknown() {
		m.CertificateExpiryDays = types.Int64Value(defaultCertificateExpiryDays)
	}
	if m.SignInFailureHours.IsNull() || m.SignInFailureHours.IsUnknown() {
		m.SignInFailureHours = types.Int64Value(defaultSignInFailureHours)
	}
	in := federationCheckInput{
		AppID: m.AppID.ValueString(), SSOName: m.SSOName.ValueString(),
		ExpiryDays: int(m.CertificateExpiryDays.ValueInt64()), FailureHours: int(m.SignInFailureHours.ValueInt64()), Now: time.Now().UTC(),
	}
	report, err := checkFederation(ctx, client, org.Client, in)
	if err != nil {
		if errors.Is(err, okta.ErrNotFound) {
			resp.Diagnostics.AddAttributeError(path.Root("app_id"), d.Summary(framework.OpRead),
				fmt.Sprintf("Okta has no app %q: %s. Give the id of an existing SAML app, for example oktasf_saml_app.<name>.id.", in.AppID, err))
			return
		}
		resp.Diagnostics.AddError(d.Summary(framework.OpRead),
			fmt.Sprintf("Checking the federation of Okta app %q with org %q: %s", in.AppID, org.Alias, err))
		return
	}
	m.SalesforceOrg = types.StringValue(org.Alias)
	if m.SSOName.IsNull() || m.SSOName.IsUnknown() { // a configured name stays as written, found or not
		m.SSOName = types.StringNull()
		if report.SSOName != "" {
			m.SSOName = types.StringValue(report.SSOName)
		}
	}
	m.OK = types.BoolValue(report.OK())
	findings := make([]findingModel, 0, len(report.Findings))
	for _, f := range report.Findings {
		findings = append(findings, findingModel{Severity: types.StringValue(f.Severity), Code: types.StringValue(f.Code),
			Message: types.StringValue(f.Message), Fix: types.StringValue(f.Fix)})
	}
	list, diags := types.ListValueFrom(ctx, framework.ObjectType[findingModel](), findings)
	resp.Diagnostics.Append(diags...)
	m.Findings = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
