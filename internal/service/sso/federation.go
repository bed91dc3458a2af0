package sso

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

// mayRotate reports whether a plan from prior to planned rotation_trigger rotates the signing key. Only a
// change from one value to another rotates: a trigger set where there was none (on create, after an import,
// or added later) is recorded as already applied, so that importing an app never generates a key.
func mayRotate(prior, planned types.String) bool {
	if prior.IsNull() || prior.IsUnknown() || planned.IsNull() {
		return false
	}
	return planned.IsUnknown() || planned.ValueString() != prior.ValueString()
}

// notePlannedRotation records in the configuration's caches whether the app's plan rotates its key, so that
// an oktasf_salesforce_sso that names the app by app_id alone (planned after it: it refers to the app's id)
// plans the certificate as unknown and reads it at apply, instead of planning the old one and needing a
// second apply.
func notePlannedRotation(clients *conns.Clients, appID string, rotating bool) {
	if clients == nil || appID == "" {
		return
	}
	if rotating {
		clients.Caches.PlannedRotations.Store(appID, true)
	} else {
		clients.Caches.PlannedRotations.Delete(appID)
	}
}

func rotationPlanned(clients *conns.Clients, appID string) bool {
	if clients == nil {
		return false
	}
	_, ok := clients.Caches.PlannedRotations.Load(appID)
	return ok
}

// orgApps returns every app of the Okta org, listed once per command: a new app's plan (refuseSecondApp)
// and its create's look before create (findCreatedApp) read the same list, which each write of an app keeps
// current (noteAppWritten, noteAppDeleted, forgetOrgApps) as soon as it returns.
func orgApps(ctx context.Context, clients *conns.Clients, client *okta.Client) ([]*okta.SAMLApp, error) {
	return clients.Caches.Okta.Apps.Get(ctx, "", client.ListApps)
}

// noteAppWritten puts the app Okta answered a write with into the org's apps list in place of the one with
// its ID. A failed write (err set, or no answer) may or may not have been made: the list is forgotten, and
// read again when needed.
func noteAppWritten(clients *conns.Clients, app *okta.SAMLApp, err error) {
	clients.Caches.Okta.Apps.Update("", func(apps []*okta.SAMLApp) ([]*okta.SAMLApp, bool) {
		if err != nil || app == nil {
			return nil, false
		}
		held := *app // the caller may still change its app (its status after an activation)
		return append(withoutApp(apps, app.ID), &held), true
	})
}

// forgetOrgApps drops the org's apps list after a write Okta answers without the app (an activation or a
// deactivation); it is read again when needed.
func forgetOrgApps(clients *conns.Clients) {
	clients.Caches.Okta.Apps.Forget("")
}

// noteAppDeleted takes the app with id out of the org's apps list when its delete succeeded (or found it
// gone), and forgets the list when the delete failed.
func noteAppDeleted(clients *conns.Clients, id string, err error) {
	clients.Caches.Okta.Apps.Update("", func(apps []*okta.SAMLApp) ([]*okta.SAMLApp, bool) {
		return withoutApp(apps, id), err == nil || errors.Is(err, okta.ErrNotFound)
	})
}

// withoutApp returns a new slice of the apps other than the one with id; the cached slice is shared, so it
// is never changed in place.
func withoutApp(apps []*okta.SAMLApp, id string) []*okta.SAMLApp {
	out := make([]*okta.SAMLApp, 0, len(apps)+1)
	for _, a := range apps {
		if a.ID != id {
			out = append(out, a)
		}
	}
	return out
}

// refuseSecondApp stops the plan of a new app when an active SAML app in Okta already signs users in to the
// same Salesforce org (same audience or ACS URL): a second app would be a duplicate, and the SSO settings
// that trust the first would fail at apply. The fix is to import the app that is there.
func refuseSecondApp(ctx context.Context, clients *conns.Clients, client *okta.Client, plan samlAppModel, diags *diag.Diagnostics) {
	audience, acs := plan.Audience.ValueString(), plan.ACSURL.ValueString()
	if plan.Audience.IsUnknown() || plan.ACSURL.IsUnknown() || (audience == "" && acs == "") {
		return
	}
	apps, err := orgApps(ctx, clients, client)
	if err != nil {
		diags.AddError(framework.Summary(framework.OpRead, "Okta Apps"),
			fmt.Sprintf("Looking for an active SAML app that already signs users in to %s: %s", audience, err))
		return
	}
	for _, app := range apps {
		if app.Status != "ACTIVE" || app.SignOnMode != "SAML_2_0" {
			continue
		}
		so := app.SignOn
		sameAudience := audience != "" && (sameURL(so.Audience, audience) || sameURL(so.AudienceOverride, audience))
		sameACS := acs != "" && (sameURL(so.SSOACSURL, acs) || sameURL(so.SSOACSURLOverride, acs))
		if !sameAudience && !sameACS {
			continue
		}
		var differs string
		if !plan.Label.IsUnknown() && app.Label == plan.Label.ValueString() {
			// The app the plan describes, made by a create whose answer was lost: Create adopts it. When
			// the plan is not known enough to compare, Create compares at apply.
			if !fullyKnown(ctx, plan.Mode, plan.OIN, plan.NameID, plan.AttributeStatements, plan.JITAttributes, plan.SignatureAlgorithm,
				plan.DigestAlgorithm, plan.ResponseSigned, plan.AssertionSigned, plan.Recipient, plan.Destination, plan.Active) {
				continue
			}
			d := appDifferences(ctx, &plan, app, diags)
			if len(d) == 0 {
				continue
			}
			differs = " It has this configuration's label but differs from the plan:" + d.String() + "\n"
		}
		diags.AddAttributeError(path.Root("audience"), "Salesforce Org Already Has an Okta App",
			fmt.Sprintf("The active Okta app %q (id %s) already signs users in to %s (ACS %s). A second app would duplicate it, and "+
				"the org's SSO settings trust only one.%s %s For another org, set salesforce_org.",
				app.Label, app.ID, audience, acs, differs, framework.ImportHint("oktasf_saml_app", app.ID, "remove it")))
		return
	}
}

func sameURL(a, b string) bool {
	return a != "" && strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// jitFieldsAfterImport decides, for an imported app (whose state has no jit_attributes to go by), which
// User.<field> statements are jit_attributes: all of JIT shape, when the org's SSO settings that trust this
// app (the same Issuer) have JIT provisioning on; none otherwise, so they stay attribute_statements. One
// Tooling query, on import only; when it fails the statements stay attribute_statements (a plan shows it).
func jitFieldsAfterImport(ctx context.Context, org *conns.Org, entityID string, stmts []okta.AttributeStatement) types.Map {
	none := types.MapNull(types.StringType)
	if org == nil || entityID == "" {
		return none
	}
	var rows []struct {
		ID string `json:"Id"`
	}
	soql := "SELECT Id FROM SamlSsoConfig WHERE Issuer = " + salesforce.Quote(entityID) + " AND OptionsUserProvisioning = true"
	if err := org.Client.ToolingQuery(ctx, soql, &rows); err != nil {
		tflog.Debug(ctx, "could not tell whether the imported app's User.* statements are JIT attributes", map[string]any{"error": err.Error()})
		return none
	}
	if len(rows) == 0 {
		return none
	}
	fields := map[string]attr.Value{}
	for _, s := range stmts {
		if field, ok := strings.CutPrefix(s.Name, jitAttributePrefix); ok && fieldNamePattern.MatchString(field) {
			fields[field] = types.StringValue("")
		}
	}
	if len(fields) == 0 {
		return none
	}
	return types.MapValueMust(types.StringType, fields)
}

// appOfIssuer finds, after an import, the active Okta SAML app whose metadata has this issuer, so that a
// configuration that names it by app_id plans no change. Apps that target spEntityID are tried first; each
// candidate costs one metadata read, on import only. Not found (or Okta not configured) is null.
func (r *salesforceSSOResource) appOfIssuer(ctx context.Context, issuer, spEntityID string) types.String {
	var d diag.Diagnostics
	client := r.Okta(&d)
	if client == nil || issuer == "" {
		return types.StringNull()
	}
	apps, err := client.ListActiveSAMLApps(ctx)
	if err != nil {
		tflog.Debug(ctx, "could not list Okta apps to find the imported settings' app", map[string]any{"error": err.Error()})
		return types.StringNull()
	}
	var first, rest []*okta.SAMLApp
	for _, app := range apps {
		if sameURL(app.SignOn.Audience, spEntityID) || sameURL(app.SignOn.AudienceOverride, spEntityID) {
			first = append(first, app)
		} else {
			rest = append(rest, app)
		}
	}
	for _, app := range append(first, rest...) {
		xml, err := client.SAMLMetadata(ctx, app.ID, app.SigningKID)
		if err != nil {
			continue
		}
		if md, err := saml.ParseMetadata(xml); err == nil && md.EntityID == issuer {
			return types.StringValue(app.ID)
		}
	}
	return types.StringNull()
}

// refuseSecondSettings stops the plan of new SSO settings when the org already has settings with the same
// issuer under another name: Salesforce would hold two configurations for one IdP (and the login page two
// buttons). The fix is to import the settings that are there.
func refuseSecondSettings(ctx context.Context, org *conns.Org, plan salesforceSSOModel, diags *diag.Diagnostics) {
	issuer := plan.Issuer.ValueString()
	if org == nil || issuer == "" {
		return
	}
	var rows []struct {
		DeveloperName string `json:"DeveloperName"`
	}
	if err := org.Client.ToolingQuery(ctx, "SELECT DeveloperName FROM SamlSsoConfig WHERE Issuer = "+salesforce.Quote(issuer), &rows); err != nil {
		diags.AddAttributeError(path.Root("issuer"), framework.Summary(framework.OpRead, "Salesforce SSO Settings"),
			fmt.Sprintf("Looking for SSO settings in org %q that already trust %s: %s", org.Alias, issuer, err))
		return
	}
	for _, row := range rows {
		if row.DeveloperName == plan.Name.ValueString() {
			continue // the create's own look-before-create adopts it, or names what differs
		}
		diags.AddAttributeError(path.Root("issuer"), "SSO Settings for This Issuer Already Exist",
			fmt.Sprintf("Org %q already has SAML single sign-on settings %q that trust %s; new settings %q would be a second configuration for one IdP. %s",
				org.Alias, row.DeveloperName, issuer, plan.Name.ValueString(), framework.ImportHint("oktasf_salesforce_sso", org.Alias+"/"+row.DeveloperName, "remove it")))
		return
	}
}
