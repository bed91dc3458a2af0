package sso

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	_ resource.Resource                   = (*samlAppResource)(nil)
	_ resource.ResourceWithConfigure      = (*samlAppResource)(nil)
	_ resource.ResourceWithImportState    = (*samlAppResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*samlAppResource)(nil)
	_ resource.ResourceWithValidateConfig = (*samlAppResource)(nil)
)

// NewSAMLAppResource returns the oktasf_saml_app resource.
func NewSAMLAppResource() resource.Resource {
	return &samlAppResource{ResourceWithConfigure: framework.NewResourceWithConfigure("saml_app", "SAML App")}
}

type samlAppResource struct {
	framework.ResourceWithConfigure
}

func (r *samlAppResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: stable}
	}
	derived := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc,
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Okta SAML 2.0 app for one Salesforce org. Audience, ACS URL, recipient and destination are derived from " +
			"the org (its My Domain URL and org ID) unless set. Updates change only the fields this resource owns, so settings made " +
			"in Okta outside it survive. Changing `signing.rotation_trigger` generates a new signing key and makes it active.\n\n" +
			"Import takes the app ID (`terraform import 'oktasf_saml_app.prod' 0oa…`). Planning a new app fails when an active SAML app in " +
			"Okta already signs users in to the same org (same audience or ACS URL): import that one instead.\n\n" +
			"A create first looks for apps with the planned `label`. One that equals the plan is what an earlier create made when its answer " +
			"never reached the state (terraform killed, a lost response): it is adopted, not created again. Equal means what the create would " +
			"send: `mode`, SAML 2.0 sign-on, `active` (the create sets the status in the same request, so an inactive app is not ours when " +
			"active is planned), the URLs (`acs_url`, `audience`, `recipient`, `destination`, and `oin` for the catalogue app), `name_id`, " +
			"the signature and digest algorithms, signed response and assertion, and the attribute statements (`attribute_statements` and " +
			"`jit_attributes`) in any order; an order that differs is written back sorted, and otherwise adopting writes nothing. " +
			"`signing.validity_years` is no part of it: it is the validity of keys this resource generates, so an adopted app whose active " +
			"key does not have a planned non-default validity gets one, as a create generates it. An app with the label that differs is " +
			"an error that lists each difference (attribute: found, planned) and the import command.",
		Attributes: map[string]schema.Attribute{
			"id": computed("The Okta app ID (`0oa…`)."),
			"salesforce_org": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The alias of the Salesforce org this app signs users in to. Optional when exactly one org is configured.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()}},
			"label": schema.StringAttribute{Required: true, MarkdownDescription: "The app's label in Okta.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 100)}},
			"mode": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(modeCustom),
				MarkdownDescription: "`custom` (a custom SAML 2.0 app, the default) or `oin` (Okta's catalogue Salesforce app).",
				Validators:          []validator.String{stringvalidator.OneOf(modeCustom, modeOIN)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"oin": schema.SingleNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Settings of the catalogue app (`mode = \"oin\"`).",
				Attributes: map[string]schema.Attribute{
					"instance_type": schema.StringAttribute{Optional: true, Computed: true,
						MarkdownDescription: "`PRODUCTION`, `SANDBOX` or `GOVERNMENT`; default from the org's sandbox flag.",
						Validators:          []validator.String{stringvalidator.OneOf("PRODUCTION", "SANDBOX", "GOVERNMENT")}},
					"integration_type": schema.StringAttribute{Optional: true, Computed: true,
						MarkdownDescription: "`STANDARD` (default), `PORTAL` or `COMMUNITY`.",
						Validators:          []validator.String{stringvalidator.OneOf("STANDARD", "PORTAL", "COMMUNITY")}},
				}},
			"name_id": schema.SingleNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The SAML subject: Salesforce matches it to the user (by default to the Federation ID).",
				Default:             objectdefault.StaticValue(defaultNameID),
				Attributes: map[string]schema.Attribute{
					"format": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(defaultNameIDFormat),
						MarkdownDescription: "The NameID format, default `" + defaultNameIDFormat + "`.",
						Validators:          []validator.String{stringvalidator.OneOf(nameIDFormats...)}},
					"template": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(defaultNameIDTemplate),
						MarkdownDescription: "The Okta expression that gives the subject, default `user.login` (write it without `${}`).",
						Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)}},
				}},
			"attribute_statements": schema.MapNestedAttribute{Optional: true,
				MarkdownDescription: "SAML attribute statements by attribute name (order never matters). Each has `values` (Okta expressions) or a `group_filter`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"values": schema.ListAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Okta expressions, for example `[\"user.email\"]`."},
					"namespace": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(defaultNamespace),
						MarkdownDescription: "The attribute's name format, default `" + defaultNamespace + "`.",
						Validators:          []validator.String{stringvalidator.OneOf(attributeNamespaces...)}},
					"group_filter": schema.SingleNestedAttribute{Optional: true,
						MarkdownDescription: "Send the names of the user's groups that match: `type` (`STARTS_WITH`, `EQUALS`, `CONTAINS`, `REGEX`) and `value`.",
						Attributes: map[string]schema.Attribute{
							"type":  schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.OneOf(groupFilterTypes...)}, MarkdownDescription: "How to match."},
							"value": schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}, MarkdownDescription: "What to match."},
						}},
				}},
			},
			"jit_attributes": jitAttributesSchema(),
			"signature_algorithm": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("RSA_SHA256"),
				MarkdownDescription: "`RSA_SHA256` (default) or `RSA_SHA1`.", Validators: []validator.String{stringvalidator.OneOf("RSA_SHA256", "RSA_SHA1")}},
			"digest_algorithm": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("SHA256"),
				MarkdownDescription: "`SHA256` (default) or `SHA1`.", Validators: []validator.String{stringvalidator.OneOf("SHA256", "SHA1")}},
			"response_signed": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Sign the SAML response (default true)."},
			"assertion_signed": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Sign the assertion (default true)."},
			"acs_url":     derived("The assertion consumer service URL; default the org's My Domain URL with `?so=<org id>`."),
			"audience":    derived("The SP entity ID; default the org's My Domain URL."),
			"recipient":   derived("The assertion's recipient; default `acs_url`."),
			"destination": derived("The response's destination; default `acs_url`."),
			"signing": schema.SingleNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The signing key. Change `rotation_trigger` (any string, for example a date) from one value to another to generate a new key and make it active.",
				Default:             objectdefault.StaticValue(defaultSigning),
				Attributes: map[string]schema.Attribute{
					"validity_years": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(defaultValidityYears),
						MarkdownDescription: "Validity of keys this resource generates, 2 to 10 years (default 10).",
						Validators:          []validator.Int64{int64validator.Between(2, 10)}},
					"rotation_trigger": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Any value; changing it from one value to another rotates the signing key. A value set where there was " +
							"none (on create, after an import, or added later) is recorded as the current key's and rotates nothing, so importing an " +
							"app never generates a key: the first plan after an import shows only the trigger being recorded, and its apply writes nothing."},
				}},
			"active": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the app is active (default true)."},
			"name":                  computed("The app name Okta generated (`salesforce` for the catalogue app)."),
			"entity_id":             computed("The IdP entity ID (issuer), `http://www.okta.com/exk…`."),
			"sso_url":               computed("The IdP single sign-on URL (HTTP-POST binding)."),
			"certificate":           computed("The active signing certificate (PEM)."),
			"certificate_sha256":    computed("The SHA-256 fingerprint of the certificate."),
			"certificate_not_after": computed("When the certificate expires (RFC 3339)."),
			"key_id":                computed("The active signing key ID (`kid`)."),
			"metadata":              computed("The IdP SAML metadata XML."),
		},
	}
}

func (r *samlAppResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, client, ok := framework.OpenOkta[samlAppModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	// Look before create: a create whose answer was lost must not leave a second app behind.
	found := r.findCreatedApp(ctx, client, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var created *okta.SAMLApp
	var err error
	if found != nil {
		tflog.Info(ctx, "adopting the SAML app an earlier create made (it equals the plan)", map[string]any{"id": found.ID, "label": found.Label})
		// Only what the comparison allows to differ (the order of attribute statements) is written, if anything.
		created, err = client.UpdateSAMLApp(ctx, found.ID, func(a *okta.SAMLApp) error {
			expandApp(ctx, &plan, a, &resp.Diagnostics)
			return nil
		})
	} else {
		app := &okta.SAMLApp{}
		expandApp(ctx, &plan, app, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		created, err = client.CreateSAMLApp(ctx, app, plan.Active.ValueBool())
	}
	noteAppWritten(r.Clients(), created, err)
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Creating %q: %s", plan.Label.ValueString(), err))
		return
	}
	if found == nil { // the mappings applied after it need not read what a new app holds
		r.Clients().Caches.NoteNewApp(created.ID, conns.NewApp{Custom: created.Name != okta.SalesforceOINName})
	}
	// Save the id at once: if a later step fails, the next apply updates this app instead of creating another.
	plan.ID = types.StringValue(created.ID)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), created.ID)...)

	signing := signingOf(ctx, plan.Signing, &resp.Diagnostics)
	if years := signing.ValidityYears.ValueInt64(); years != defaultValidityYears && !r.activeKeyLasts(ctx, client, found, years) {
		// The app's first key is a 10-year key; an adopted app may already have the planned one.
		if created, err = r.rotate(ctx, client, created.ID, signing, &plan); err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Generating a %d-year signing key for app %s: %s", years, plan.ID.ValueString(), err))
			return
		}
	} else if err := r.readMetadata(ctx, client, created.ID, created.SigningKID, &plan); err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Reading the metadata of app %s: %s", created.ID, err))
		return
	}
	r.setState(ctx, created, &plan, &resp.State, &resp.Diagnostics)
}

func (r *samlAppResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, client, ok := framework.OpenOkta[samlAppModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	app, err := client.GetSAMLApp(ctx, state.ID.ValueString())
	if errors.Is(err, okta.ErrNotFound) {
		tflog.Debug(ctx, "SAML app is gone from Okta; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading app %s: %s", state.ID.ValueString(), err))
		return
	}
	// After an import the state holds only the ID (and the signing a settings import ID carried).
	imported := state.Label.IsNull()
	if err := r.readMetadata(ctx, client, app.ID, app.SigningKID, &state); err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading the metadata of app %s: %s", app.ID, err))
		return
	}
	if state.SalesforceOrg.IsNull() || state.SalesforceOrg.ValueString() == "" {
		state.SalesforceOrg = types.StringValue(r.orgOfAudience(ctx, app))
	}
	if state.Signing.IsNull() || state.Signing.IsUnknown() {
		state.Signing = defaultSigning
	}
	if imported && state.JITAttributes.IsNull() {
		var d diag.Diagnostics // an org that cannot be resolved only means no JIT attributes are claimed
		state.JITAttributes = jitFieldsAfterImport(ctx, r.Org(state.SalesforceOrg.ValueString(), &d), state.EntityID.ValueString(), app.SignOn.AttributeStatements)
	}
	r.setState(ctx, app, &state, &resp.State, &resp.Diagnostics)
}

func (r *samlAppResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, client, ok := framework.OpenOkta[samlAppModel](ctx, r, req.Plan, &resp.Diagnostics)
	state, read := framework.Get[samlAppModel](ctx, req.State, &resp.Diagnostics)
	if !ok || !read {
		return
	}
	id := state.ID.ValueString()
	if plan.Active.ValueBool() != state.Active.ValueBool() && !plan.Active.ValueBool() {
		err := client.DeactivateApp(ctx, id)
		forgetOrgApps(r.Clients())
		if err != nil && !errors.Is(err, okta.ErrNotFound) {
			resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Deactivating app %s: %s", id, err))
			return
		}
	}
	app, err := client.UpdateSAMLApp(ctx, id, func(a *okta.SAMLApp) error {
		expandApp(ctx, &plan, a, &resp.Diagnostics)
		return nil
	})
	noteAppWritten(r.Clients(), app, err)
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Updating app %s: %s", id, err))
		return
	}
	if plan.Active.ValueBool() && !state.Active.ValueBool() {
		err := client.ActivateApp(ctx, id)
		forgetOrgApps(r.Clients())
		if err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Activating app %s: %s", id, err))
			return
		}
		app.Status = "ACTIVE"
	}
	planSigning := signingOf(ctx, plan.Signing, &resp.Diagnostics)
	if mayRotate(signingOf(ctx, state.Signing, &resp.Diagnostics).RotationTrigger, planSigning.RotationTrigger) {
		if app, err = r.rotate(ctx, client, id, planSigning, &plan); err != nil {
			resp.Diagnostics.AddError(framework.Summary("Rotate", "SAML Signing Key"), fmt.Sprintf("App %s: %s. The app still signs with its previous key; the next apply tries again.", id, err))
			return
		}
	} else if err := r.readMetadata(ctx, client, id, app.SigningKID, &plan); err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Reading the metadata of app %s: %s", id, err))
		return
	}
	r.setState(ctx, app, &plan, &resp.State, &resp.Diagnostics)
}

// rotate generates a key, reads the metadata that carries it, and only then makes it the app's active key:
// the switch is the last Okta call, so Salesforce (updated next, from the certificate this returns) learns
// the new certificate as soon after the switch as the API calls allow.
func (r *samlAppResource) rotate(ctx context.Context, client *okta.Client, id string, signing signingModel, m *samlAppModel) (*okta.SAMLApp, error) {
	key, err := client.GenerateAppKey(ctx, id, int(signing.ValidityYears.ValueInt64()))
	if err != nil {
		return nil, fmt.Errorf("generate a key: %w", err)
	}
	if err := r.readMetadata(ctx, client, id, key.KID, m); err != nil {
		return nil, fmt.Errorf("read the metadata of key %s: %w", key.KID, err)
	}
	app, err := client.UpdateSAMLApp(ctx, id, func(a *okta.SAMLApp) error { a.SigningKID = key.KID; return nil })
	noteAppWritten(r.Clients(), app, err)
	if err != nil {
		return nil, fmt.Errorf("activate key %s: %w", key.KID, err)
	}
	tflog.Info(ctx, "rotated SAML signing key", map[string]any{"app_id": id, "kid": key.KID, "not_after": key.ExpiresAt.Format(time.RFC3339)})
	return app, nil
}

func (r *samlAppResource) readMetadata(ctx context.Context, client *okta.Client, id, kid string, m *samlAppModel) error {
	xml, err := client.SAMLMetadata(ctx, id, kid)
	if err != nil {
		return err
	}
	return flattenMetadata(xml, m)
}

func (r *samlAppResource) setState(ctx context.Context, app *okta.SAMLApp, m *samlAppModel, st *tfsdk.State, diags *diag.Diagnostics) {
	flattenApp(app, m)
	diags.Append(st.Set(ctx, m)...)
}

func (r *samlAppResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, client, ok := framework.OpenOkta[samlAppModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	err := client.DeleteApp(ctx, state.ID.ValueString())
	noteAppDeleted(r.Clients(), state.ID.ValueString(), err)
	if err != nil && !errors.Is(err, okta.ErrNotFound) {
		resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("Deleting app %s: %s", state.ID.ValueString(), err))
	}
}

// ImportState takes "<app id>" or "<app id>/rotation_trigger=<value>". The trigger lives only in the
// configuration; given in the import ID it is recorded as already applied, so that the plan after the import
// is empty (without it that plan records the configured trigger, and never rotates).
func (r *samlAppResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, settings, withSettings := strings.Cut(req.ID, "/")
	if id == "" {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q: use the Okta app ID, optionally followed by /rotation_trigger=<value>.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if !withSettings {
		return
	}
	q, err := url.ParseQuery(settings)
	if err != nil || len(q) != 1 || len(q["rotation_trigger"]) != 1 || q.Get("rotation_trigger") == "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%q: after the app ID only /rotation_trigger=<value> may follow (the configured signing.rotation_trigger, URL-encoded).", req.ID))
		return
	}
	signing := defaultSigningModel
	signing.RotationTrigger = types.StringValue(q.Get("rotation_trigger"))
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("signing"), framework.ObjectValueMust(signing))...)
}

// orgOfAudience finds the configured org an imported app belongs to, by its audience.
func (r *samlAppResource) orgOfAudience(ctx context.Context, app *okta.SAMLApp) string {
	aliases := r.Clients().Aliases()
	if len(aliases) == 1 {
		return aliases[0]
	}
	audience := app.SignOn.Audience
	if audience == "" {
		audience = app.SignOn.AudienceOverride
	}
	for _, alias := range aliases {
		if facts, err := r.Clients().Salesforce[alias].Facts(ctx); err == nil && facts.MyDomainURL == audience {
			return alias
		}
	}
	return ""
}

// findCreatedApp looks for apps with the planned label, in the org's apps list (orgApps: the one the plan's
// refuseSecondApp read, when it did in this command). The one that equals the plan (appDifferences) is an
// app an earlier create made whose answer never reached the state: it is returned, to be adopted. An app
// with the label that differs, or several that equal the plan, are an error naming what differs.
func (r *samlAppResource) findCreatedApp(ctx context.Context, client *okta.Client, plan *samlAppModel, diags *diag.Diagnostics) *okta.SAMLApp {
	label := plan.Label.ValueString()
	all, err := orgApps(ctx, r.Clients(), client)
	var existing []*okta.SAMLApp
	for _, app := range all {
		if app.Label == label {
			existing = append(existing, app)
		}
	}
	if err != nil {
		diags.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Looking for apps labelled %q: %s", label, err))
		return nil
	}
	var same []*okta.SAMLApp
	var report strings.Builder
	for _, app := range existing {
		d := appDifferences(ctx, plan, app, diags)
		if len(d) == 0 {
			same = append(same, app)
			continue
		}
		fmt.Fprintf(&report, "\nApp %s differs from the plan:%s", app.ID, d)
	}
	switch {
	case len(same) == 1:
		return same[0]
	case len(same) > 1:
		ids := make([]string, len(same))
		for i, app := range same {
			ids[i] = app.ID
		}
		diags.AddAttributeError(path.Root("label"), "SAML App Already Exists",
			fmt.Sprintf("Okta has %d apps labelled %q that each equal the plan (%s), so which one is this resource's cannot be told. %s Delete the others in Okta.",
				len(same), label, strings.Join(ids, ", "), framework.ImportHint("oktasf_saml_app", ids[0], "remove it")))
	case len(existing) > 0:
		diags.AddAttributeError(path.Root("label"), "SAML App Already Exists",
			fmt.Sprintf("Okta already has an app labelled %q, and it differs from the plan, so it is not one an earlier apply of this configuration created.%s\n%s",
				label, report.String(), framework.ImportHint("oktasf_saml_app", existing[0].ID, "remove it")))
	}
	return nil
}

// activeKeyLasts reports whether an adopted app's active signing key was generated for validityYears, as
// the create of a non-default validity generates it; false for a new app (whose first key lasts 10 years).
func (r *samlAppResource) activeKeyLasts(ctx context.Context, client *okta.Client, adopted *okta.SAMLApp, validityYears int64) bool {
	if adopted == nil {
		return false
	}
	keys, err := client.ListAppKeys(ctx, adopted.ID)
	if err != nil {
		tflog.Debug(ctx, "could not list the adopted app's keys; generating the planned one", map[string]any{"id": adopted.ID, "error": err.Error()})
		return false
	}
	for _, k := range keys {
		if k.KID == adopted.SigningKID {
			return int64(math.Round(k.ExpiresAt.Sub(k.Created).Hours()/24/365.25)) == validityYears
		}
	}
	return false
}
