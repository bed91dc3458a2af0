package policy

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ValidateConfig checks each login IP range as Salesforce does, at plan rather than at apply: both ends
// addresses of one family (an IPv4-mapped IPv6 address counts as IPv4) and start ≤ end.
func (r *salesforceSessionPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var ranges types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("login_ip_ranges"), &ranges)...)
	if resp.Diagnostics.HasError() || ranges.IsNull() || ranges.IsUnknown() {
		return
	}
	for _, elem := range ranges.Elements() {
		obj, ok := elem.(types.Object)
		if !ok || obj.IsUnknown() || obj.IsNull() {
			continue
		}
		at := path.Root("login_ip_ranges").AtSetValue(elem)
		start, _ := obj.Attributes()["start"].(types.String)
		end, _ := obj.Attributes()["end"].(types.String)
		s, sOK := checkAddress(start, at.AtName("start"), resp)
		e, eOK := checkAddress(end, at.AtName("end"), resp)
		if !sOK || !eOK {
			continue
		}
		if s.Is4() != e.Is4() {
			resp.Diagnostics.AddAttributeError(at.AtName("end"), "Login IP Range Mixes IPv4 and IPv6",
				fmt.Sprintf("login_ip_ranges: the range %s – %s has one IPv4 and one IPv6 end; Salesforce needs both ends of one family. Split it into an IPv4 range and an IPv6 range.", start.ValueString(), end.ValueString()))
			continue
		}
		if e.Less(s) {
			resp.Diagnostics.AddAttributeError(at.AtName("end"), "Login IP Range Ends Before It Starts",
				fmt.Sprintf("login_ip_ranges: the range %s – %s ends before it starts (its end is below its start); swap start and end (a single address has start = end).", start.ValueString(), end.ValueString()))
		}
	}
}

// checkAddress parses one end of a range; false (with an error at p when it is not an address) when it is
// unknown or invalid.
func checkAddress(v types.String, p path.Path, resp *resource.ValidateConfigResponse) (netip.Addr, bool) {
	if v.IsNull() || v.IsUnknown() {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(v.ValueString()))
	if err != nil || a.Zone() != "" {
		resp.Diagnostics.AddAttributeError(p, "Invalid IP Address",
			fmt.Sprintf("login_ip_ranges: %s %q is not an IPv4 or IPv6 address (no prefix length or zone), for example 203.0.113.10 or 2001:db8::1.", p.Steps()[len(p.Steps())-1], v.ValueString()))
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
