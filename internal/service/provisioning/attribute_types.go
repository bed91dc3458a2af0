package provisioning

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/oktasf/terraform-provider-oktasf/internal/attrcheck"
	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// oktaUserSchema reads the default user schema once per configuration run.
func oktaUserSchema(ctx context.Context, c *conns.Clients) (okta.UserSchema, error) {
	return c.Caches.Okta.UserSchema.Get(ctx, "", c.Okta.GetUserSchema)
}

// checkAttributeTypes checks each `user.<attribute>` mapping against the Okta user schema and the User
// describe (both read once per run; the schema only when a mapping names a non-base attribute): unknown attributes and incompatible types are errors at attributes["<field>"].
func checkAttributeTypes(ctx context.Context, c *conns.Clients, sf *salesforce.Client, attrs map[string]string, diags *diag.Diagnostics) {
	if c.Okta == nil {
		return
	}
	exprs := make([]string, 0, len(attrs))
	for _, e := range attrs {
		exprs = append(exprs, e)
	}
	schema := attrcheck.BaseSchema()
	if attrcheck.NeedsSchema(exprs) {
		var err error
		if schema, err = oktaUserSchema(ctx, c); err != nil {
			diags.AddAttributeWarning(path.Root("attributes"), "Okta User Schema Not Read",
				fmt.Sprintf("The mapping's Okta attribute types are not checked: %s. Grant okta.schemas.read to check them at plan.", err))
			return
		}
	}
	d, err := sf.Describe(ctx, "User")
	if err != nil {
		return // checkMapping has reported it
	}
	fields := make([]string, 0, len(attrs))
	for f := range attrs {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		for _, p := range attrcheck.CheckMapping(schema, d, f, attrs[f]) {
			at := path.Root("attributes").AtMapKey(f)
			detail := fmt.Sprintf("attributes[%q]: %s", f, p.Detail)
			if p.Warning {
				diags.AddAttributeWarning(at, p.Summary, detail)
			} else {
				diags.AddAttributeError(at, p.Summary, detail)
			}
		}
	}
}

// warnRefusedValues summarizes, per field, the users whose Okta values Salesforce would refuse: they are
// skipped at apply (reported, not sent), the others are written.
func warnRefusedValues(alias string, out outcome, diags *diag.Diagnostics) {
	byField := map[string][]string{}
	reasons := map[string]string{}
	for _, cs := range [][]change{out.Creates, out.Updates, out.Reactivates} {
		for _, c := range cs {
			for f, why := range c.FieldProblems {
				byField[f] = append(byField[f], c.FederationID)
				if reasons[f] == "" {
					reasons[f] = why
				}
			}
		}
	}
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		ids := byField[f]
		sort.Strings(ids)
		first := ids
		if len(first) > 5 {
			first = first[:5]
		}
		diags.AddAttributeWarning(path.Root("attributes").AtMapKey(f), "Okta Values Salesforce Would Refuse",
			fmt.Sprintf("attributes[%q]: %d user(s) would fail in Salesforce org %q (first: %s; e.g. %s) and are skipped at apply; the others are written. "+
				"Fix the values in Okta or the field in Salesforce.", f, len(ids), alias, strings.Join(first, ", "), reasons[f]))
	}
}
