package sso

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

// certificateWarningWindow is how long before expiry plan starts warning about the signing certificate.
const certificateWarningWindow = 30 * 24 * time.Hour

func (r *samlAppResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m samlAppModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Mode.ValueString() != modeOIN && !m.Mode.IsUnknown() && !m.OIN.IsNull() && !m.OIN.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("oin"), "Catalogue Settings on a Custom App",
			"oin applies only to Okta's catalogue Salesforce app: set mode = \"oin\", or remove oin.")
	}
	if m.Mode.ValueString() == modeOIN {
		fixed := map[string]bool{"name_id": !m.NameID.IsNull(), "signature_algorithm": !m.SignatureAlgorithm.IsNull(),
			"digest_algorithm": !m.DigestAlgorithm.IsNull(), "response_signed": !m.ResponseSigned.IsNull(), "assertion_signed": !m.AssertionSigned.IsNull()}
		for _, name := range []string{"name_id", "signature_algorithm", "digest_algorithm", "response_signed", "assertion_signed"} {
			if fixed[name] {
				resp.Diagnostics.AddAttributeError(path.Root(name), "Setting Fixed by the Catalogue App",
					fmt.Sprintf("Okta's catalogue Salesforce app (mode = \"oin\") decides %s itself; remove it, or use mode = \"custom\" to control it.", name))
			}
		}
	}
	validateStatements(m.AttributeStatements, &resp.Diagnostics)
	validateJITConfig(m.JITAttributes, m.AttributeStatements, &resp.Diagnostics)
	validateNameIDTemplate(m.NameID, &resp.Diagnostics)
}

// validateStatements checks that each attribute statement has values or a group filter, not both, and no
// empty expression.
func validateStatements(v types.Map, diags *diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	for name, elem := range v.Elements() {
		obj, ok := elem.(types.Object)
		if !ok || obj.IsUnknown() || obj.IsNull() {
			continue
		}
		p := path.Root("attribute_statements").AtMapKey(name)
		if name == "" {
			diags.AddAttributeError(p, "Empty Attribute Name", "An attribute statement needs a name: the map key is the SAML attribute name, for example \"User.Email\".")
		}
		// The values as configured, not the model: an unknown list or filter counts as given.
		values, _ := obj.Attributes()["values"].(types.List)
		filter, _ := obj.Attributes()["group_filter"].(types.Object)
		hasValues, hasFilter := !values.IsNull(), !filter.IsNull()
		switch {
		case hasValues && hasFilter:
			diags.AddAttributeError(p, "Conflicting Attribute Statement",
				fmt.Sprintf("Attribute %q sets both values and group_filter. Use values for user attributes or group_filter for group names, not both.", name))
		case !hasValues && !hasFilter:
			diags.AddAttributeError(p, "Attribute Statement Without Values",
				fmt.Sprintf("Attribute %q has neither values nor group_filter. Add values = [\"user.email\"] (Okta expressions) or a group_filter.", name))
		case hasValues && !values.IsUnknown():
			if len(values.Elements()) == 0 {
				diags.AddAttributeError(p.AtName("values"), "Attribute Statement Without Values",
					fmt.Sprintf("Attribute %q has an empty values list. Add at least one Okta expression, for example \"user.email\", or remove the attribute.", name))
			}
			for i, e := range values.Elements() {
				sv, ok := e.(types.String)
				if !ok || sv.IsUnknown() || sv.IsNull() {
					continue
				}
				if sv.ValueString() == "" {
					diags.AddAttributeError(p.AtName("values").AtListIndex(i), "Empty Attribute Value",
						fmt.Sprintf("Value %d of attribute %q is empty; give an Okta expression such as \"user.email\".", i, name))
					continue
				}
				checkValueExpression(p.AtName("values").AtListIndex(i), fmt.Sprintf("attribute_statements[%q].values[%d]", name, i), sv.ValueString(), diags)
			}
		}
	}
}

func (r *samlAppResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	p, ok := framework.OpenPlan[samlAppModel](ctx, r, req, resp)
	if !ok {
		return
	}
	plan, config := p.Plan, p.Config
	facts, err := p.Org.Client.Facts(ctx)
	if err != nil {
		resp.Diagnostics.AddAttributeError(framework.OrgAttribute, framework.Summary(framework.OpRead, "Salesforce Org"),
			fmt.Sprintf("The app's URLs are derived from org %q, which could not be read: %s", p.Org.Alias, err))
		return
	}
	derive := func(configured types.String, value string) types.String {
		if configured.IsNull() {
			return types.StringValue(value)
		}
		return configured
	}
	plan.ACSURL = derive(config.ACSURL, facts.ACSURL())
	plan.Audience = derive(config.Audience, facts.MyDomainURL)
	plan.Recipient = derive(config.Recipient, plan.ACSURL.ValueString())
	plan.Destination = derive(config.Destination, plan.ACSURL.ValueString())
	if plan.Mode.ValueString() == modeOIN {
		instanceType, integrationType := "PRODUCTION", "STANDARD"
		if facts.IsSandbox {
			instanceType = "SANDBOX"
		}
		if !config.OIN.IsNull() && !config.OIN.IsUnknown() {
			var o oinModel
			resp.Diagnostics.Append(config.OIN.As(ctx, &o, basetypes.ObjectAsOptions{})...)
			instanceType = derive(o.InstanceType, instanceType).ValueString()
			integrationType = derive(o.IntegrationType, integrationType).ValueString()
		}
		plan.OIN = framework.ObjectValueMust(oinModel{InstanceType: types.StringValue(instanceType), IntegrationType: types.StringValue(integrationType)})
	} else {
		plan.OIN = framework.ObjectNull[oinModel]()
	}
	checkJITMapping(ctx, p.Org, config, plan, &resp.Diagnostics)
	checkJITAttributeTypes(ctx, r.Clients(), p.Org, config, &resp.Diagnostics)
	checkProfileConstants(ctx, p.Org, config, &resp.Diagnostics)

	if p.State == nil {
		if client := r.Okta(&resp.Diagnostics); client != nil {
			refuseSecondApp(ctx, r.Clients(), client, plan, &resp.Diagnostics)
		}
	} else {
		state := *p.State
		rotating := mayRotate(signingOf(ctx, state.Signing, &resp.Diagnostics).RotationTrigger, signingOf(ctx, plan.Signing, &resp.Diagnostics).RotationTrigger)
		notePlannedRotation(r.Clients(), state.ID.ValueString(), rotating)
		if rotating {
			plan.Certificate, plan.CertificateSHA256, plan.CertificateNotAfter = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
			plan.KeyID, plan.Metadata = types.StringUnknown(), types.StringUnknown()
		} else {
			warnIfExpiring(state, time.Now(), &resp.Diagnostics)
		}
		stateFormat, _ := nameIDOf(ctx, state.NameID, &resp.Diagnostics)
		planFormat, _ := nameIDOf(ctx, plan.NameID, &resp.Diagnostics)
		if stateFormat != planFormat { // the metadata lists the NameID format
			plan.Metadata = types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// warnIfExpiring adds a plan warning when the active certificate expires within certificateWarningWindow.
func warnIfExpiring(state samlAppModel, now time.Time, diags *diag.Diagnostics) {
	notAfter, err := time.Parse(time.RFC3339, state.CertificateNotAfter.ValueString())
	if err != nil {
		return
	}
	left := notAfter.Sub(now)
	if left > certificateWarningWindow {
		return
	}
	what := fmt.Sprintf("expires on %s, in %d days", notAfter.Format("2006-01-02"), int(left.Hours()/24))
	if left <= 0 {
		what = fmt.Sprintf("expired on %s", notAfter.Format("2006-01-02"))
	}
	diags.AddAttributeWarning(path.Root("certificate_not_after"), "SAML Signing Certificate Expiring",
		fmt.Sprintf("The signing certificate of app %s (%s) %s. Change signing.rotation_trigger to rotate it; "+
			"Salesforce trusts the new certificate by the end of the same apply when oktasf_salesforce_sso takes idp_certificate from this app.",
			state.ID.ValueString(), state.Label.ValueString(), what))
}
