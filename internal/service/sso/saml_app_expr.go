package sso

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/oktaexpr"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// profileIDField is the User field whose constant names a profile; Salesforce JIT takes its name or its ID.
const profileIDField = "ProfileId"

// checkExpression adds an error at p when src is not an Okta expression the app can evaluate, so that a
// mistake fails the plan instead of every sign-in.
func checkExpression(p path.Path, what, src string, diags *diag.Diagnostics) {
	if src == "" { // empty values have their own errors
		return
	}
	if err := oktaexpr.Check(src); err != nil {
		diags.AddAttributeError(p, "Invalid Okta Expression",
			fmt.Sprintf("%s = %s cannot be evaluated by Okta: %s.\n\nOkta expressions read user.<attribute>, appuser.<attribute> and org.<attribute>, "+
				"call String.* and Arrays.* functions and join parts with +; a constant is a quoted string, for example \"\\\"en_US\\\"\".", what, src, err))
	}
}

// checkValueExpression checks an attribute value, which Okta takes as an expression (user.email) or as a
// template whose ${…} parts are expressions (${user.email}, the form Okta's API documentation shows).
func checkValueExpression(p path.Path, what, src string, diags *diag.Diagnostics) {
	if expr, ok := oktaexpr.TemplateAsExpression(src); ok {
		if err := oktaexpr.Check(expr); err != nil {
			diags.AddAttributeError(p, "Invalid Okta Expression",
				fmt.Sprintf("%s = %s: the expression inside ${…} cannot be evaluated by Okta (as %s: %s).", what, src, expr, err))
		}
		return
	}
	checkExpression(p, what, src, diags)
}

// checkStringExpression checks a configured string that is known.
func checkStringExpression(p path.Path, what string, v types.String, diags *diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	checkExpression(p, what, v.ValueString(), diags)
}

// validateNameIDTemplate checks name_id.template. It is an expression the provider wraps in ${…} itself: a
// template written with ${…} (in HCL "$${…}") would be read back from Okta without it and fail the apply
// with an inconsistent result, so plan rejects it and gives the expression to write instead.
func validateNameIDTemplate(nameID types.Object, diags *diag.Diagnostics) {
	if nameID.IsNull() || nameID.IsUnknown() {
		return
	}
	if t, ok := nameID.Attributes()["template"].(types.String); ok {
		checkStringExpression(path.Root("name_id").AtName("template"), "name_id.template", t, diags)
	}
}

// checkProfileConstants checks a constant ProfileId (in jit_attributes or an attribute statement User.ProfileId)
// against the org's profiles, read once per plan and org through the shared profile cache.
func checkProfileConstants(ctx context.Context, org *conns.Org, config samlAppModel, diags *diag.Diagnostics) {
	type constant struct {
		at         path.Path
		what, name string
	}
	var constants []constant
	if !config.JITAttributes.IsNull() && !config.JITAttributes.IsUnknown() {
		for field, e := range config.JITAttributes.Elements() {
			if s, ok := e.(types.String); ok && strings.EqualFold(field, profileIDField) && !s.IsUnknown() {
				if name, ok := oktaexpr.Constant(s.ValueString()); ok {
					constants = append(constants, constant{path.Root("jit_attributes").AtMapKey(field), fmt.Sprintf("jit_attributes[%q]", field), name})
				}
			}
		}
	}
	if !config.AttributeStatements.IsNull() && !config.AttributeStatements.IsUnknown() {
		for name, e := range config.AttributeStatements.Elements() {
			obj, ok := e.(types.Object)
			if !ok || obj.IsNull() || obj.IsUnknown() || !strings.EqualFold(name, jitAttributePrefix+profileIDField) {
				continue
			}
			values, _ := obj.Attributes()["values"].(types.List)
			if values.IsNull() || values.IsUnknown() {
				continue
			}
			for i, v := range values.Elements() {
				if s, ok := v.(types.String); ok && !s.IsUnknown() {
					if c, ok := oktaexpr.Constant(s.ValueString()); ok {
						constants = append(constants, constant{path.Root("attribute_statements").AtMapKey(name).AtName("values").AtListIndex(i),
							fmt.Sprintf("attribute_statements[%q].values[%d]", name, i), c})
					}
				}
			}
		}
	}
	if len(constants) == 0 {
		return
	}
	profiles, err := org.Reads.Profiles.Get(ctx, "", org.Client.ListProfiles)
	if err != nil {
		diags.AddAttributeError(constants[0].at, framework.Summary(framework.OpRead, "Salesforce Profiles"),
			fmt.Sprintf("A constant ProfileId is checked against the profiles of org %q, which could not be read: %s", org.Alias, err))
		return
	}
	for _, c := range constants {
		if p := matchProfile(profiles, c.name); p == nil {
			names := make([]string, len(profiles))
			for i, p := range profiles {
				names[i] = p.Name
			}
			notFound := org.Client.NewNameNotFoundError("profile", c.name, names).Error()
			if !strings.HasSuffix(notFound, "?") {
				notFound += "."
			}
			diags.AddAttributeError(c.at, "Unknown Salesforce Profile",
				fmt.Sprintf("%s = %s names no profile, so Salesforce would refuse every user it creates just in time: %s Write a profile's name "+
					"as Setup shows it (quoted, for example \"\\\"%s\\\"\"), its ID, or appuser.profile to take the profile from the group mapping.",
					c.what, oktaexpr.Quote(c.name), notFound, exampleProfile(profiles)))
		}
	}
}

// matchProfile finds the profile a ProfileId constant names: its name, or its 15- or 18-character ID.
func matchProfile(profiles []salesforce.Profile, nameOrID string) *salesforce.Profile {
	for i, p := range profiles {
		if p.Name == nameOrID || p.ID == nameOrID || (len(nameOrID) == 15 && len(p.ID) == 18 && p.ID[:15] == nameOrID) {
			return &profiles[i]
		}
	}
	return nil
}

func exampleProfile(profiles []salesforce.Profile) string {
	for _, p := range profiles {
		if p.Name == "Standard User" {
			return p.Name
		}
	}
	if len(profiles) > 0 {
		return profiles[0].Name
	}
	return "Standard User"
}
