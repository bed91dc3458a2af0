// Package observe holds the data sources that show how the federation behaves: what happened when people signed
// in, as Okta and Salesforce recorded it.
package observe

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

var (
	_ datasource.DataSource                   = (*signInEventsDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*signInEventsDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*signInEventsDataSource)(nil)
)

// NewSignInEventsDataSource returns the oktasf_sign_in_events data source.
func NewSignInEventsDataSource() datasource.DataSource {
	return &signInEventsDataSource{DataSourceWithConfigure: framework.NewDataSourceWithConfigure("sign_in_events", "Sign-In Events"), now: time.Now}
}

type signInEventsDataSource struct {
	framework.DataSourceWithConfigure
	now func() time.Time
}

// oktaAppID is the shape of an Okta app ID.
var oktaAppID = regexp.MustCompile(`^0oa[0-9A-Za-z]+$`)

func (d *signInEventsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	eventAttr := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "What happened when people signed in to a Salesforce org through an Okta SAML app, on one time line: " +
			"Okta's System Log events that target the app (single sign-on, sign-on policy evaluation, app assignment), the " +
			"org's LoginHistory rows of the SAML single sign-on settings that trust the app, and the Setup changes " +
			"(SetupAuditTrail) that decide who can sign in — users, Federation IDs, profiles, permission sets, session " +
			"settings, SSO settings. Each event has its outcome and, for a refusal, the reason (for example " +
			"`certificate mismatch` or `user not found by Federation ID`). Okta and Salesforce select the events: the " +
			"window, the outcome and the limit are part of each query. Needs the OAuth scope `okta.logs.read` besides " +
			"`okta.apps.read` or `okta.apps.manage`, and in Salesforce View Setup and Configuration and Manage Users.\n\n" +
			"Limits: of the Okta user lifecycle, only app assignment events are included — lifecycle events such as a user " +
			"deactivated or suspended target the user, not the app, so they are not read. Salesforce does not document the " +
			"SetupAuditTrail actions for changes to SAML single sign-on settings; the action names matched for them are " +
			"inferred, so such changes may be missing on a real org.",
		Attributes: map[string]schema.Attribute{
			"app_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "The Okta SAML app (`0oa…`), for example `oktasf_saml_app.prod.id`.",
				Validators: []validator.String{stringvalidator.RegexMatches(oktaAppID,
					"must be an Okta app ID, which starts with 0oa (not the app's label or name)")}},
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org in the provider configuration; optional when only one is configured."},
			"since": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Where the window starts: an RFC 3339 time, or a duration back from `until` such as `24h`, `90m` or `7d`. Default `24h`."},
			"until": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Where the window ends (RFC 3339, exclusive). Default: now."},
			"limit": schema.Int64Attribute{Optional: true,
				MarkdownDescription: fmt.Sprintf("The most events returned: the newest. Each source is asked for at most this many. Default %d, at most %d.", defaultLimit, maxLimit),
				Validators:          []validator.Int64{int64validator.Between(1, maxLimit)}},
			"outcome": schema.StringAttribute{Optional: true,
				MarkdownDescription: "`FAILURE` for refused sign-ins only (Okta `FAILURE` and `DENY`, Salesforce statuses other than `Success`; no Setup changes), `SUCCESS` for the others. Default: both.",
				Validators:          []validator.String{stringvalidator.OneOf(outcomeSuccess, outcomeFailure)}},
			"window_start": schema.StringAttribute{Computed: true, MarkdownDescription: "The start of the window read (RFC 3339, UTC)."},
			"window_end":   schema.StringAttribute{Computed: true, MarkdownDescription: "The end of the window read (RFC 3339, UTC)."},
			"sso_names": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The API names of the org's SAML single sign-on settings that trust the app's issuer, whose LoginHistory is read. Empty when none does: then no LoginHistory is read, and a warning says so."},
			"events": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "The events, newest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"time":       eventAttr("When it happened (RFC 3339, UTC, milliseconds)."),
					"source":     eventAttr("`okta` or `salesforce`."),
					"type":       eventAttr("Okta's event type (`user.authentication.sso`, `policy.evaluate_sign_on`, `application.user_membership.add`, …); `login` for a Salesforce LoginHistory row; `setup.<Action>` for a Setup change (`setup.changedfederationid`)."),
					"actor":      eventAttr("Who: the Okta user's login or the API client; the Salesforce username of the sign-in (empty when Salesforce could not tell the user) or of who changed Setup."),
					"outcome":    eventAttr("Okta's outcome (`SUCCESS`, `FAILURE`, `ALLOW`, `DENY`, `CHALLENGE`, …); `SUCCESS` or `FAILURE` for Salesforce."),
					"reason":     eventAttr("Why a sign-in was refused or how a policy decided, in words: `certificate mismatch`, `user not found by Federation ID`, `sign-on policy rule \"…\" denied access`; empty otherwise."),
					"detail":     eventAttr("The vendor's own text: Okta's display message, Salesforce's LoginHistory status and login type, or the Setup change's section and description."),
					"ip_address": eventAttr("The client's IP address, when recorded."),
				}}},
		},
	}
}

func (d *signInEventsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m signInEventsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Since.IsUnknown() || m.Until.IsUnknown() {
		return
	}
	if _, _, err := window(m.Since.ValueString(), m.Until.ValueString(), d.now()); err != nil {
		attr := path.Root("since")
		if _, uerr := time.Parse(time.RFC3339, m.Until.ValueString()); !m.Until.IsNull() && uerr != nil {
			attr = path.Root("until")
		}
		resp.Diagnostics.AddAttributeError(attr, "Invalid Sign-In Event Window", err.Error()+".")
	}
}

func (d *signInEventsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, org, ok := framework.OpenOrg[signInEventsModel](ctx, d, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	oc := d.Okta(&resp.Diagnostics)
	if oc == nil {
		return
	}
	start, end, err := window(m.Since.ValueString(), m.Until.ValueString(), d.now())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("since"), "Invalid Sign-In Event Window", err.Error()+".")
		return
	}
	limit := defaultLimit
	if !m.Limit.IsNull() {
		limit = int(m.Limit.ValueInt64())
	}
	appID, outcome := m.AppID.ValueString(), m.Outcome.ValueString()

	// The app's issuer names the Salesforce settings that trust it, and so the LoginHistory rows of its sign-ins.
	xml, err := oc.SAMLMetadata(ctx, appID, "")
	if errors.Is(err, okta.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("app_id"), "Okta App Not Found",
			fmt.Sprintf("Okta has no SAML app %s: %s. Check the ID (Applications > the app > the URL's 0oa… part).", appID, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Reading the SAML metadata of Okta app %s for its issuer: %s", appID, err))
		return
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), fmt.Sprintf("Okta app %s serves SAML metadata that cannot be read: %s", appID, err))
		return
	}
	configs, err := org.Client.FindSSOConfigsByIssuer(ctx, md.EntityID)
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), err.Error())
		return
	}
	byID, names, serviceIDs := map[string]salesforce.SSOConfigRef{}, []string{}, []string{}
	for _, c := range configs {
		byID[id15(c.ID)] = c
		names = append(names, c.DeveloperName)
		serviceIDs = append(serviceIDs, c.ID)
	}
	if len(configs) == 0 {
		resp.Diagnostics.AddWarning("No Salesforce SSO Settings Trust the App",
			fmt.Sprintf("Org %q has no SAML single sign-on settings with the issuer %s of Okta app %s, so no Salesforce sign-in can come from it and "+
				"LoginHistory is not read. Configure them with oktasf_salesforce_sso (issuer = oktasf_saml_app.<name>.entity_id).", org.Alias, md.EntityID, appID))
	}

	oktaEvents, err := oc.ListLogEvents(ctx, okta.LogQuery{Since: start, Until: end, Filter: oktaFilter(appID, outcome), Limit: limit})
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead),
			fmt.Sprintf("Reading Okta's System Log for app %s: %s. An OAuth service app needs the scope okta.logs.read.", appID, err))
		return
	}
	w := salesforce.LogWindow{Since: start, Until: end, Limit: limit}
	if outcome != "" {
		failures := outcome == outcomeFailure
		w.Failures = &failures
	}
	logins, err := org.Client.ListLoginHistory(ctx, serviceIDs, w)
	if err != nil {
		resp.Diagnostics.AddError(d.Summary(framework.OpRead), err.Error()+". The integration user needs Manage Users to read LoginHistory.")
		return
	}
	var audits []salesforce.SetupAuditRow
	if outcome != outcomeFailure {
		if audits, err = org.Client.ListSetupAudit(ctx, auditActions, w); err != nil {
			resp.Diagnostics.AddError(d.Summary(framework.OpRead), err.Error()+". The integration user needs View Setup and Configuration to read SetupAuditTrail.")
			return
		}
	}

	var fromOkta, fromLogins, fromAudit []signInEvent
	for _, e := range oktaEvents {
		fromOkta = append(fromOkta, oktaEvent(e))
	}
	for _, r := range logins {
		fromLogins = append(fromLogins, loginEvent(r, byID))
	}
	for _, r := range audits {
		fromAudit = append(fromAudit, auditEvent(r))
	}
	events := merge(limit, fromOkta, fromLogins, fromAudit)
	tflog.Debug(ctx, "read sign-in events", map[string]any{"app_id": appID, "org": org.Alias, "okta": len(fromOkta),
		"login_history": len(fromLogins), "setup_audit": len(fromAudit), "returned": len(events)})

	list, diags := types.ListValueFrom(ctx, framework.ObjectType[signInEvent](), events)
	resp.Diagnostics.Append(diags...)
	nameList, diags := types.ListValueFrom(ctx, types.StringType, names)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.SalesforceOrg = types.StringValue(org.Alias)
	m.WindowStart = types.StringValue(start.Format(time.RFC3339))
	m.WindowEnd = types.StringValue(end.Format(time.RFC3339))
	m.SSONames = nameList
	m.Events = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
