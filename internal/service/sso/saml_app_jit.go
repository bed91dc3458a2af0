package sso

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// jitAttributePrefix is how Salesforce standard JIT names the attribute that carries a User field.
const jitAttributePrefix = "User."

// Salesforce standard JIT needs these on the first sign-in, and sets these only when it creates the user
// (salesforce-api.md §2.5).
var (
	jitRequiredFields   = []string{"Username", "Email", "LastName", "ProfileId"}
	jitInsertOnlyFields = []string{"FederationIdentifier", "Username"}
)

// fieldNamePattern is a User field's API name: standard, custom (__c) or namespaced.
var fieldNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

const jitDescription = "Salesforce just-in-time provisioning: a map from a Salesforce User field (API name, for example `Email` " +
	"or `Cost_Center__c`) to the Okta expression that gives its value. Each becomes an attribute statement `User.<field>` " +
	"(name format unspecified). A constant is a quoted Okta string, for example `\"\\\"en_US\\\"\"`; `appuser.profile` sends " +
	"the profile name set by the group mapping (Salesforce accepts a profile name or ID for `ProfileId`).\n\n" +
	"Plan checks the mapping against the org's User fields (one describe call per plan and org): every field must exist and be " +
	"createable, and updateable unless Salesforce sets it only on insert (`Username`, `FederationIdentifier`); a constant given to a " +
	"picklist must be one of its active values; a `user.<attribute>` value must name an attribute of the Okta user schema whose type " +
	"fits the field (string → text, email, phone, picklist or date; boolean → checkbox; number → number; array → multi-select); " +
	"`Username`, `Email`, `LastName` and `ProfileId` are required; `FederationIdentifier`, " +
	"if mapped, must equal `name_id.template` because Salesforce replaces it with the SAML subject. Enable JIT on the Salesforce side " +
	"with `oktasf_salesforce_sso`'s `jit_provisioning`.\n\n" +
	"Plan also checks every value as an Okta expression (the functions `String.substring`, `String.substringBefore`, " +
	"`String.substringAfter`, `String.join`, `String.len`, `String.replace`, `String.toUpperCase`, `String.toLowerCase`, " +
	"`Arrays.contains`, `Arrays.isEmpty`; `+`, `==`, `!=`, `cond ? a : b`; `user.`, `appuser.`, `org.`; a quote inside a " +
	"string is written twice) and a constant `ProfileId` against the org's profiles (name or ID).\n\n" +
	"```terraform\njit_attributes = {\n  Username          = \"user.login\"\n  Email             = \"user.email\"\n" +
	"  FirstName         = \"user.firstName\"\n  LastName          = \"user.lastName\"\n  Alias             = \"String.substring(user.login, 0, 8)\"\n" +
	"  ProfileId         = \"appuser.profile\"\n  LocaleSidKey      = \"\\\"en_US\\\"\"\n  LanguageLocaleKey = \"\\\"en_US\\\"\"\n" +
	"  TimeZoneSidKey    = \"\\\"America/Los_Angeles\\\"\"\n  EmailEncodingKey  = \"\\\"UTF-8\\\"\"\n}\n```\n\n" +
	"A name may be in `jit_attributes` or `attribute_statements`, not both. A `User.` statement added in Okta for a field that is " +
	"not in `jit_attributes` shows in `attribute_statements`, so it appears as drift. After an import (no state to go by), the `User.<field>` " +
	"statements of JIT shape are read into `jit_attributes` when the org's SSO settings that trust the app (same issuer) have JIT " +
	"provisioning on, and into `attribute_statements` otherwise."

func jitAttributesSchema() schema.MapAttribute {
	return schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: jitDescription,
		Validators: []validator.Map{mapvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}}
}

// validateJITConfig checks the map keys and that no attribute is given both here and in attribute_statements.
func validateJITConfig(jit, statements types.Map, diags *diag.Diagnostics) {
	if jit.IsNull() || jit.IsUnknown() {
		return
	}
	for field, value := range jit.Elements() {
		p := path.Root("jit_attributes").AtMapKey(field)
		if s, ok := value.(types.String); ok {
			checkStringExpression(p, fmt.Sprintf("jit_attributes[%q]", field), s, diags)
		}
		switch {
		case strings.HasPrefix(field, jitAttributePrefix):
			diags.AddAttributeError(p, "Invalid User Field Name",
				fmt.Sprintf("Write the User field's API name without the %q prefix: %q (the app adds the prefix to the attribute name).",
					jitAttributePrefix, strings.TrimPrefix(field, jitAttributePrefix)))
			continue
		case !fieldNamePattern.MatchString(field):
			diags.AddAttributeError(p, "Invalid User Field Name",
				fmt.Sprintf("%q is not a Salesforce field API name: letters, digits and underscores, starting with a letter (for example \"Email\" or \"Cost_Center__c\").", field))
			continue
		}
		if statements.IsNull() || statements.IsUnknown() {
			continue
		}
		for name := range statements.Elements() {
			if strings.EqualFold(name, jitAttributePrefix+field) {
				diags.AddAttributeError(p, "Attribute Sent Twice",
					fmt.Sprintf("jit_attributes[%q] and attribute_statements[%q] both send the SAML attribute %s%s; keep one of them.",
						field, name, jitAttributePrefix, field))
			}
		}
	}
}

// jitMapping reads the map; unknown values are given as "" so that only what is known gets checked.
func jitMapping(v types.Map) map[string]string {
	out := make(map[string]string, len(v.Elements()))
	for k, e := range v.Elements() {
		if s, ok := e.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}

// checkJITMapping validates the configured mapping against the org's User describe (memoized per client,
// so one request per plan and org) and the FederationIdentifier against the NameID template.
func checkJITMapping(ctx context.Context, org *conns.Org, config, plan samlAppModel, diags *diag.Diagnostics) {
	if config.JITAttributes.IsNull() || config.JITAttributes.IsUnknown() {
		return
	}
	mapping := jitMapping(config.JITAttributes)
	d, err := org.Client.Describe(ctx, "User")
	if err != nil {
		diags.AddAttributeError(path.Root("jit_attributes"), framework.Summary(framework.OpRead, "Salesforce User Fields"),
			fmt.Sprintf("jit_attributes is checked against the User fields of org %q, which could not be read: %s", org.Alias, err))
		return
	}
	for _, p := range salesforce.CheckUserMapping(d, mapping, jitRequiredFields, jitInsertOnlyFields) {
		diags.AddAttributeError(path.Root("jit_attributes").AtMapKey(p.Field), "Invalid JIT Attribute Mapping",
			fmt.Sprintf("Org %q: %s", org.Alias, p.Message))
	}
	template, known := planNameIDTemplate(plan)
	for field, expr := range mapping {
		if !strings.EqualFold(field, "FederationIdentifier") || expr == "" || !known {
			continue
		}
		if normalizeExpression(expr) != normalizeExpression(template) {
			diags.AddAttributeError(path.Root("jit_attributes").AtMapKey(field), "Federation ID Differs From the NameID",
				fmt.Sprintf("Salesforce sets the Federation ID of a user it creates just in time from the SAML subject, so %q would be replaced by "+
					"the NameID (name_id.template = %q). Map %s = %q, or remove it.", expr, template, field, template))
		}
	}
}

// planNameIDTemplate is the planned NameID template; known is false while any part of it is unknown.
func planNameIDTemplate(plan samlAppModel) (template string, known bool) {
	if plan.NameID.IsUnknown() {
		return "", false
	}
	if plan.NameID.IsNull() {
		return defaultNameIDTemplate, true
	}
	t, ok := plan.NameID.Attributes()["template"].(types.String)
	if !ok || t.IsUnknown() {
		return "", false
	}
	if t.IsNull() || t.ValueString() == "" {
		return defaultNameIDTemplate, true
	}
	return t.ValueString(), true
}

func normalizeExpression(expr string) string {
	return strings.TrimSpace(unwrapExpression(strings.TrimSpace(expr)))
}

// expandJITStatements turns jit_attributes into User.<field> statements, sorted by field.
func expandJITStatements(ctx context.Context, v types.Map, diags *diag.Diagnostics) []okta.AttributeStatement {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var m map[string]string
	diags.Append(v.ElementsAs(ctx, &m, false)...)
	fields := make([]string, 0, len(m))
	for f := range m {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]okta.AttributeStatement, 0, len(m))
	for _, f := range fields {
		out = append(out, okta.AttributeStatement{Name: jitAttributePrefix + f, Namespace: defaultNamespace, Type: "EXPRESSION", Values: []string{m[f]}})
	}
	return out
}

// splitJITStatements takes out of stmts the User.<field> statements whose field is in prior (the state's or
// plan's jit_attributes) and that have the shape jit_attributes writes; everything else stays an attribute
// statement, so a statement added or reshaped in Okta shows as drift.
func splitJITStatements(stmts []okta.AttributeStatement, prior types.Map) (jit types.Map, rest []okta.AttributeStatement) {
	owned := map[string]bool{}
	if !prior.IsNull() && !prior.IsUnknown() {
		for f := range prior.Elements() {
			owned[f] = true
		}
	}
	elems := map[string]attr.Value{}
	for _, s := range stmts {
		field, isUser := strings.CutPrefix(s.Name, jitAttributePrefix)
		jitShaped := strings.EqualFold(s.Type, "EXPRESSION") && len(s.Values) == 1 && (s.Namespace == "" || s.Namespace == defaultNamespace)
		if _, taken := elems[field]; isUser && owned[field] && jitShaped && !taken {
			elems[field] = types.StringValue(s.Values[0])
			continue
		}
		rest = append(rest, s)
	}
	if len(elems) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(types.StringType), rest
	}
	return types.MapValueMust(types.StringType, elems), rest
}
