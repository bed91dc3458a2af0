package sso

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/oktaexpr"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

// SAML values the resource accepts; the lists mirror Okta's enums (okta-api.md §2.2).
var (
	nameIDFormats = []string{
		"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		"urn:oasis:names:tc:SAML:1.1:nameid-format:x509SubjectName",
		"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
		"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
	}
	attributeNamespaces = []string{
		"urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
		"urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
		"urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
	}
	groupFilterTypes = []string{"STARTS_WITH", "EQUALS", "CONTAINS", "REGEX"}
)

const (
	defaultNameIDFormat   = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	defaultNameIDTemplate = "user.login"
	defaultNamespace      = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
	defaultValidityYears  = 10
	modeCustom            = "custom"
	modeOIN               = "oin"
)

// samlAppModel is the data of oktasf_saml_app; its nested objects have the models below.
type samlAppModel struct {
	ID                  types.String `tfsdk:"id"`
	SalesforceOrg       types.String `tfsdk:"salesforce_org"`
	Label               types.String `tfsdk:"label"`
	Mode                types.String `tfsdk:"mode"`
	OIN                 types.Object `tfsdk:"oin"`
	NameID              types.Object `tfsdk:"name_id"`
	AttributeStatements types.Map    `tfsdk:"attribute_statements"`
	JITAttributes       types.Map    `tfsdk:"jit_attributes"`
	SignatureAlgorithm  types.String `tfsdk:"signature_algorithm"`
	DigestAlgorithm     types.String `tfsdk:"digest_algorithm"`
	ResponseSigned      types.Bool   `tfsdk:"response_signed"`
	AssertionSigned     types.Bool   `tfsdk:"assertion_signed"`
	ACSURL              types.String `tfsdk:"acs_url"`
	Audience            types.String `tfsdk:"audience"`
	Recipient           types.String `tfsdk:"recipient"`
	Destination         types.String `tfsdk:"destination"`
	Signing             types.Object `tfsdk:"signing"`
	Active              types.Bool   `tfsdk:"active"`
	Name                types.String `tfsdk:"name"`
	EntityID            types.String `tfsdk:"entity_id"`
	SSOURL              types.String `tfsdk:"sso_url"`
	Certificate         types.String `tfsdk:"certificate"`
	CertificateSHA256   types.String `tfsdk:"certificate_sha256"`
	CertificateNotAfter types.String `tfsdk:"certificate_not_after"`
	KeyID               types.String `tfsdk:"key_id"`
	Metadata            types.String `tfsdk:"metadata"`
}

type oinModel struct {
	InstanceType    types.String `tfsdk:"instance_type"`
	IntegrationType types.String `tfsdk:"integration_type"`
}

type nameIDModel struct {
	Format   types.String `tfsdk:"format"`
	Template types.String `tfsdk:"template"`
}

// attributeStatementModel is one attribute statement as the provider writes and reads it (its values are
// known then); ValidateConfig reads the configured object itself, where values may be unknown.
type attributeStatementModel struct {
	Values      []string          `tfsdk:"values"`
	Namespace   types.String      `tfsdk:"namespace"`
	GroupFilter *groupFilterModel `tfsdk:"group_filter"`
}

type groupFilterModel struct {
	Type  types.String `tfsdk:"type"`
	Value types.String `tfsdk:"value"`
}

type signingModel struct {
	ValidityYears   types.Int64  `tfsdk:"validity_years"`
	RotationTrigger types.String `tfsdk:"rotation_trigger"`
}

// The defaults of name_id and signing: the schema's, and what an imported app is given.
var (
	defaultNameID = framework.ObjectValueMust(nameIDModel{
		Format: types.StringValue(defaultNameIDFormat), Template: types.StringValue(defaultNameIDTemplate)})
	defaultSigningModel = signingModel{ValidityYears: types.Int64Value(defaultValidityYears), RotationTrigger: types.StringNull()}
	defaultSigning      = framework.ObjectValueMust(defaultSigningModel)
)

// expandApp writes the fields this resource owns into app, leaving every other field as Okta has it.
func expandApp(ctx context.Context, m *samlAppModel, app *okta.SAMLApp, diags *diag.Diagnostics) {
	app.Label = m.Label.ValueString()
	app.SignOnMode = "SAML_2_0"
	so := &app.SignOn
	if m.Mode.ValueString() == modeOIN {
		app.Name = okta.SalesforceOINName
		var o oinModel
		if !m.OIN.IsNull() && !m.OIN.IsUnknown() {
			diags.Append(m.OIN.As(ctx, &o, basetypes.ObjectAsOptions{})...)
		}
		if app.AppSettings == nil {
			app.AppSettings = map[string]any{}
		}
		app.AppSettings["instanceType"] = o.InstanceType.ValueString()
		app.AppSettings["integrationType"] = o.IntegrationType.ValueString()
		app.AppSettings["loginUrl"] = m.ACSURL.ValueString()
		so.SSOACSURLOverride, so.AudienceOverride = m.ACSURL.ValueString(), m.Audience.ValueString()
		so.RecipientOverride, so.DestinationOverride = m.Recipient.ValueString(), m.Destination.ValueString()
	} else {
		so.SSOACSURL, so.Audience = m.ACSURL.ValueString(), m.Audience.ValueString()
		so.Recipient, so.Destination = m.Recipient.ValueString(), m.Destination.ValueString()
	}
	format, template := nameIDOf(ctx, m.NameID, diags)
	so.SubjectNameIDFormat, so.SubjectNameIDTemplate = format, expression(template)
	so.SignatureAlgorithm, so.DigestAlgorithm = m.SignatureAlgorithm.ValueString(), m.DigestAlgorithm.ValueString()
	so.ResponseSigned, so.AssertionSigned = m.ResponseSigned.ValueBool(), m.AssertionSigned.ValueBool()
	so.AttributeStatements = append(expandStatements(ctx, m.AttributeStatements, diags), expandJITStatements(ctx, m.JITAttributes, diags)...)
	sort.SliceStable(so.AttributeStatements, func(i, j int) bool { return so.AttributeStatements[i].Name < so.AttributeStatements[j].Name })
}

// nameIDOf reads name_id, falling back to the defaults for a null or partly unknown object.
func nameIDOf(ctx context.Context, v types.Object, diags *diag.Diagnostics) (format, template string) {
	format, template = defaultNameIDFormat, defaultNameIDTemplate
	if v.IsNull() || v.IsUnknown() {
		return
	}
	var n nameIDModel
	diags.Append(v.As(ctx, &n, basetypes.ObjectAsOptions{})...)
	if s := n.Format.ValueString(); s != "" {
		format = s
	}
	if s := n.Template.ValueString(); s != "" {
		template = s
	}
	return
}

func signingOf(ctx context.Context, v types.Object, diags *diag.Diagnostics) signingModel {
	s := defaultSigningModel
	if v.IsNull() || v.IsUnknown() {
		return s
	}
	diags.Append(v.As(ctx, &s, basetypes.ObjectAsOptions{})...)
	if s.ValidityYears.IsNull() || s.ValidityYears.IsUnknown() {
		s.ValidityYears = types.Int64Value(defaultValidityYears)
	}
	return s
}

// expandStatements turns the attribute_statements map into Okta statements, sorted by name so that the
// request is the same whatever order the map iterates in.
func expandStatements(ctx context.Context, v types.Map, diags *diag.Diagnostics) []okta.AttributeStatement {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var m map[string]attributeStatementModel
	diags.Append(v.ElementsAs(ctx, &m, false)...)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]okta.AttributeStatement, 0, len(m))
	for _, name := range names {
		s := m[name]
		st := okta.AttributeStatement{Name: name, Namespace: defaultNamespace, Type: "EXPRESSION"}
		if ns := s.Namespace.ValueString(); ns != "" {
			st.Namespace = ns
		}
		if g := s.GroupFilter; g != nil {
			st.Type, st.FilterType, st.FilterValue = "GROUP", g.Type.ValueString(), g.Value.ValueString()
		} else {
			st.Values = s.Values
		}
		out = append(out, st)
	}
	return out
}

// flattenStatements is the inverse of expandStatements. An app with no statements is null unless the prior
// value was an empty map, so that neither `{}` nor an omitted attribute shows a diff.
func flattenStatements(stmts []okta.AttributeStatement, prior types.Map) types.Map {
	elemType := framework.ObjectType[attributeStatementModel]()
	if len(stmts) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() && len(prior.Elements()) == 0 {
			return types.MapValueMust(elemType, map[string]attr.Value{})
		}
		return types.MapNull(elemType)
	}
	elems := make(map[string]attr.Value, len(stmts))
	for _, s := range stmts {
		ns := s.Namespace
		if ns == "" {
			ns = defaultNamespace
		}
		st := attributeStatementModel{Namespace: types.StringValue(ns)}
		if strings.EqualFold(s.Type, "GROUP") {
			st.GroupFilter = &groupFilterModel{Type: types.StringValue(s.FilterType), Value: types.StringValue(s.FilterValue)}
		} else {
			st.Values = append([]string{}, s.Values...) // known, even when empty
		}
		elems[s.Name] = framework.ObjectValueMust(st)
	}
	return types.MapValueMust(elemType, elems)
}

// expression wraps an Okta expression as a template ("user.login" → "${user.login}").
func expression(template string) string {
	if strings.HasPrefix(template, "${") {
		return template
	}
	return "${" + template + "}"
}

// unwrapExpression is the inverse of expression. A template Okta holds with several parts (set outside
// Terraform, e.g. "${user.firstName}.${user.lastName}") reads as the equivalent expression, the form
// name_id.template takes (plan refuses ${…} there), so that an import can be matched by configuration.
func unwrapExpression(template string) string {
	if strings.HasPrefix(template, "${") && strings.HasSuffix(template, "}") && strings.Count(template, "${") == 1 {
		return template[2 : len(template)-1]
	}
	if expr, ok := oktaexpr.TemplateAsExpression(template); ok {
		return expr
	}
	return template
}

// flattenApp writes what Okta returned into m; values only the plan knows (signing, mode details) stay.
func flattenApp(app *okta.SAMLApp, m *samlAppModel) {
	m.ID = types.StringValue(app.ID)
	m.Label = types.StringValue(app.Label)
	m.Name = types.StringValue(app.Name)
	m.Active = types.BoolValue(app.Status == "ACTIVE")
	so := app.SignOn
	if app.Name != okta.SalesforceOINName { // the catalogue app fixes these; its plan keeps the defaults
		m.SignatureAlgorithm = types.StringValue(so.SignatureAlgorithm)
		m.DigestAlgorithm = types.StringValue(so.DigestAlgorithm)
		m.ResponseSigned = types.BoolValue(so.ResponseSigned)
		m.AssertionSigned = types.BoolValue(so.AssertionSigned)
		m.NameID = framework.ObjectValueMust(nameIDModel{
			Format: types.StringValue(so.SubjectNameIDFormat), Template: types.StringValue(unwrapExpression(so.SubjectNameIDTemplate))})
	} else if m.NameID.IsNull() || m.NameID.IsUnknown() { // imported
		m.NameID = defaultNameID
		m.SignatureAlgorithm, m.DigestAlgorithm = types.StringValue("RSA_SHA256"), types.StringValue("SHA256")
		m.ResponseSigned, m.AssertionSigned = types.BoolValue(true), types.BoolValue(true)
	}
	if app.Name == okta.SalesforceOINName {
		m.Mode = types.StringValue(modeOIN)
		m.ACSURL, m.Audience = types.StringValue(so.SSOACSURLOverride), types.StringValue(so.AudienceOverride)
		m.Recipient, m.Destination = types.StringValue(so.RecipientOverride), types.StringValue(so.DestinationOverride)
		m.OIN = framework.ObjectValueMust(oinModel{InstanceType: types.StringValue(stringSetting(app.AppSettings, "instanceType")),
			IntegrationType: types.StringValue(stringSetting(app.AppSettings, "integrationType"))})
	} else {
		m.Mode = types.StringValue(modeCustom)
		m.ACSURL, m.Audience = types.StringValue(so.SSOACSURL), types.StringValue(so.Audience)
		m.Recipient, m.Destination = types.StringValue(so.Recipient), types.StringValue(so.Destination)
		m.OIN = framework.ObjectNull[oinModel]()
	}
	jit, rest := splitJITStatements(so.AttributeStatements, m.JITAttributes)
	m.JITAttributes = jit
	m.AttributeStatements = flattenStatements(rest, m.AttributeStatements)
	m.KeyID = types.StringValue(app.SigningKID)
}

func stringSetting(settings map[string]any, key string) string {
	if s, ok := settings[key].(string); ok {
		return s
	}
	return ""
}

// flattenMetadata sets the IdP values Salesforce needs from the app's SAML metadata.
func flattenMetadata(xml []byte, m *samlAppModel) error {
	md, err := saml.ParseMetadata(xml)
	if err != nil {
		return err
	}
	m.Metadata = types.StringValue(string(xml))
	m.EntityID = types.StringValue(md.EntityID)
	m.SSOURL = types.StringValue(md.SSOURLPost)
	if len(md.SigningCertificates) == 0 {
		m.Certificate, m.CertificateSHA256, m.CertificateNotAfter = types.StringValue(""), types.StringValue(""), types.StringValue("")
		return nil
	}
	cert := md.SigningCertificates[0]
	m.Certificate = types.StringValue(saml.CertificatePEM(cert))
	m.CertificateSHA256 = types.StringValue(saml.Fingerprint(cert))
	m.CertificateNotAfter = types.StringValue(cert.NotAfter.UTC().Format(time.RFC3339))
	return nil
}

// appDifferences lists what an app found at create (same label) holds other than what expandApp would send
// for the plan: mode, status, URLs, NameID, signing algorithms and attribute statements (as a set: their
// order is no difference). Fields the catalogue app fixes are compared only for custom apps.
func appDifferences(ctx context.Context, m *samlAppModel, found *okta.SAMLApp, diags *diag.Diagnostics) framework.Differences {
	want := &okta.SAMLApp{}
	expandApp(ctx, m, want, diags)
	var d framework.Differences
	d.Add("label", found.Label, want.Label)
	foundMode := modeCustom
	if found.Name == okta.SalesforceOINName {
		foundMode = modeOIN
	}
	d.Add("mode", foundMode, m.Mode.ValueString())
	d.Add("sign-on mode", found.SignOnMode, want.SignOnMode)
	d.Add("active", found.Status == "ACTIVE", m.Active.ValueBool())
	f, w := found.SignOn, want.SignOn
	if m.Mode.ValueString() == modeOIN {
		d.Add("acs_url", f.SSOACSURLOverride, w.SSOACSURLOverride)
		d.Add("audience", f.AudienceOverride, w.AudienceOverride)
		d.Add("recipient", f.RecipientOverride, w.RecipientOverride)
		d.Add("destination", f.DestinationOverride, w.DestinationOverride)
		for _, key := range []string{"instanceType", "integrationType", "loginUrl"} {
			d.Add("oin ("+key+")", stringSetting(found.AppSettings, key), stringSetting(want.AppSettings, key))
		}
	} else {
		d.Add("acs_url", f.SSOACSURL, w.SSOACSURL)
		d.Add("audience", f.Audience, w.Audience)
		d.Add("recipient", f.Recipient, w.Recipient)
		d.Add("destination", f.Destination, w.Destination)
		d.Add("name_id.format", f.SubjectNameIDFormat, w.SubjectNameIDFormat)
		d.Add("name_id.template", unwrapExpression(f.SubjectNameIDTemplate), unwrapExpression(w.SubjectNameIDTemplate))
		d.Add("signature_algorithm", f.SignatureAlgorithm, w.SignatureAlgorithm)
		d.Add("digest_algorithm", f.DigestAlgorithm, w.DigestAlgorithm)
		d.Add("response_signed", f.ResponseSigned, w.ResponseSigned)
		d.Add("assertion_signed", f.AssertionSigned, w.AssertionSigned)
	}
	foundStmts, wantStmts := statementsByName(f.AttributeStatements), statementsByName(w.AttributeStatements)
	names := make([]string, 0, len(foundStmts)+len(wantStmts))
	for n := range foundStmts {
		names = append(names, n)
	}
	for n := range wantStmts {
		if _, ok := foundStmts[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		d.Add(fmt.Sprintf("attribute statement %q", n), foundStmts[n], wantStmts[n])
	}
	return d
}

// statementsByName describes each attribute statement by what it sends, keyed by attribute name.
func statementsByName(stmts []okta.AttributeStatement) map[string]string {
	out := make(map[string]string, len(stmts))
	for _, s := range stmts {
		ns := s.Namespace
		if ns == "" {
			ns = defaultNamespace
		}
		what := fmt.Sprintf("values %v", s.Values)
		if strings.EqualFold(s.Type, "GROUP") {
			what = fmt.Sprintf("group_filter %s %s", s.FilterType, s.FilterValue)
		}
		if ns != defaultNamespace {
			what += " namespace " + ns
		}
		out[s.Name] = what
	}
	return out
}
