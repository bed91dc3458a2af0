package sso

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/oktasf/terraform-provider-oktasf/internal/attrcheck"
	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
)

// checkJITAttributeTypes checks each `user.<attribute>` value of jit_attributes against the Okta user schema
// and the org's User describe (each read once per run; the schema only when a value names a non-base attribute): an unknown Okta attribute or a type Salesforce would
// refuse is an error at jit_attributes["<field>"]. Other expressions cannot be typed and are not checked.
func checkJITAttributeTypes(ctx context.Context, c *conns.Clients, org *conns.Org, config samlAppModel, diags *diag.Diagnostics) {
	if config.JITAttributes.IsNull() || config.JITAttributes.IsUnknown() || c == nil || c.Okta == nil {
		return
	}
	mapping := jitMapping(config.JITAttributes)
	exprs := make([]string, 0, len(mapping))
	for _, e := range mapping {
		exprs = append(exprs, e)
	}
	schema := attrcheck.BaseSchema()
	if attrcheck.NeedsSchema(exprs) {
		var err error
		if schema, err = c.Caches.Okta.UserSchema.Get(ctx, "", c.Okta.GetUserSchema); err != nil {
			diags.AddAttributeWarning(path.Root("jit_attributes"), "Okta User Schema Not Read",
				fmt.Sprintf("The Okta attribute types of jit_attributes are not checked: %s. Grant okta.schemas.read to check them at plan.", err))
			return
		}
	}
	d, err := org.Client.Describe(ctx, "User")
	if err != nil {
		return // checkJITMapping has reported it
	}
	fields := make([]string, 0, len(mapping))
	for f := range mapping {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		for _, p := range attrcheck.CheckMapping(schema, d, f, mapping[f]) {
			at := path.Root("jit_attributes").AtMapKey(f)
			detail := fmt.Sprintf("Org %q: jit_attributes[%q]: %s", org.Alias, f, p.Detail)
			if p.Warning {
				diags.AddAttributeWarning(at, p.Summary, detail)
			} else {
				diags.AddAttributeError(at, p.Summary, detail)
			}
		}
	}
}
