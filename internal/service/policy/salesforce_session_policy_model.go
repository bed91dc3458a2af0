package policy

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// salesforceSessionPolicyModel is oktasf_salesforce_session_policy: what one profile of one org requires of a sign-in.
type salesforceSessionPolicyModel struct {
	ID                   types.String `tfsdk:"id"`
	SalesforceOrg        types.String `tfsdk:"salesforce_org"`
	Profile              types.String `tfsdk:"profile"`
	RequiredSessionLevel types.String `tfsdk:"required_session_level"`
	SessionTimeout       types.Int64  `tfsdk:"session_timeout"`
	LoginIPRanges        types.Set    `tfsdk:"login_ip_ranges"`
}

// loginIPRangeModel is one element of login_ip_ranges.
type loginIPRangeModel struct {
	Start       types.String `tfsdk:"start"`
	End         types.String `tfsdk:"end"`
	Description types.String `tfsdk:"description"`
}

var loginIPRangeAttrTypes = framework.AttrTypes[loginIPRangeModel]()

// sessionPolicy is what the resource owns in Salesforce, in Salesforce's terms: "" and 0 are "None".
type sessionPolicy struct {
	level   string
	timeout int
	ranges  []salesforce.LoginIPRange
}

// salesforceDefaults is a profile nobody restricted: no required level, no timeout of its own, no ranges.
var salesforceDefaults = sessionPolicy{}

func expandSessionPolicy(ctx context.Context, m *salesforceSessionPolicyModel, diags *diag.Diagnostics) sessionPolicy {
	p := sessionPolicy{level: m.RequiredSessionLevel.ValueString(), timeout: int(m.SessionTimeout.ValueInt64())}
	if m.LoginIPRanges.IsNull() || m.LoginIPRanges.IsUnknown() {
		return p
	}
	var ranges []loginIPRangeModel
	diags.Append(m.LoginIPRanges.ElementsAs(ctx, &ranges, false)...)
	for _, r := range ranges {
		p.ranges = append(p.ranges, salesforce.LoginIPRange{Start: r.Start.ValueString(), End: r.End.ValueString(), Description: r.Description.ValueString()})
	}
	return p
}

// flattenSessionPolicy sets m from what Salesforce holds. A configuration's empty login_ip_ranges stays empty
// (not null) when Salesforce holds none, so that it plans no change.
func flattenSessionPolicy(p sessionPolicy, m *salesforceSessionPolicyModel, diags *diag.Diagnostics) {
	m.RequiredSessionLevel = types.StringNull()
	if p.level != "" {
		m.RequiredSessionLevel = types.StringValue(p.level)
	}
	m.SessionTimeout = types.Int64Null()
	if p.timeout != 0 {
		m.SessionTimeout = types.Int64Value(int64(p.timeout))
	}
	elemType := types.ObjectType{AttrTypes: loginIPRangeAttrTypes}
	if len(p.ranges) == 0 {
		if !m.LoginIPRanges.IsNull() && !m.LoginIPRanges.IsUnknown() {
			m.LoginIPRanges = types.SetValueMust(elemType, []attr.Value{})
		} else {
			m.LoginIPRanges = types.SetNull(elemType)
		}
		return
	}
	elems := make([]attr.Value, 0, len(p.ranges))
	for _, r := range p.ranges {
		desc := types.StringNull()
		if r.Description != "" {
			desc = types.StringValue(r.Description)
		}
		v, d := types.ObjectValue(loginIPRangeAttrTypes, map[string]attr.Value{
			"start": types.StringValue(r.Start), "end": types.StringValue(r.End), "description": desc})
		diags.Append(d...)
		elems = append(elems, v)
	}
	set, d := types.SetValue(elemType, elems)
	diags.Append(d...)
	m.LoginIPRanges = set
}

// sameRanges compares two range lists as sets.
func sameRanges(a, b []salesforce.LoginIPRange) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(rs []salesforce.LoginIPRange) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.Start + "|" + r.End + "|" + r.Description
		}
		sort.Strings(out)
		return out
	}
	ka, kb := key(a), key(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// describeRanges shows ranges sorted, as "start-end (description)", for a diagnostic.
func describeRanges(rs []salesforce.LoginIPRange) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Start + "-" + r.End
		if r.Description != "" {
			out[i] += " (" + r.Description + ")"
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// differences lists what found holds that differs from planned, for the refusal of a create.
func (found sessionPolicy) differences(planned sessionPolicy) framework.Differences {
	var d framework.Differences
	d.Add("required_session_level", found.level, planned.level)
	d.Add("session_timeout", found.timeout, planned.timeout)
	if !sameRanges(found.ranges, planned.ranges) {
		d.Add("login_ip_ranges", describeRanges(found.ranges), describeRanges(planned.ranges))
	}
	return d
}
