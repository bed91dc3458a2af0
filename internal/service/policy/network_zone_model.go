package policy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

type networkZoneModel struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Gateways types.List   `tfsdk:"gateways"`
	Proxies  types.List   `tfsdk:"proxies"`
	Usage    types.String `tfsdk:"usage"`
	Active   types.Bool   `tfsdk:"active"`
}

// addressRange is the addresses a gateway or proxy entry covers, from lo to hi.
type addressRange struct{ lo, hi netip.Addr }

// key identifies the addresses an entry covers: two entries with the same key are the same to Okta, however
// they are written ("10.0.0.5" and "10.0.0.5-10.0.0.5", "10.0.0.0/31" and "10.0.0.0-10.0.0.1").
func (r addressRange) key() string { return r.lo.String() + "-" + r.hi.String() }

// parseAddress reads a gateway or proxy entry: a CIDR ("203.0.113.0/24"), a range ("203.0.113.10-203.0.113.20")
// or a single address, IPv4 or IPv6. It returns the addresses covered and the Okta address type.
func parseAddress(s string) (addressRange, string, error) {
	addr := func(a string) (netip.Addr, error) {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return ip, fmt.Errorf("%q is not an IP address", a)
		}
		if ip.Zone() != "" {
			return ip, fmt.Errorf("%q carries an IPv6 zone (%%%s), which Okta does not accept", a, ip.Zone())
		}
		return ip.Unmap(), nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return addressRange{}, "", fmt.Errorf("%q is not a CIDR block", s)
		}
		lo := p.Masked().Addr()
		hi := lastAddress(lo, p.Bits())
		return addressRange{lo, hi}, "CIDR", nil
	}
	if from, to, ok := strings.Cut(s, "-"); ok {
		lo, err := addr(from)
		if err != nil {
			return addressRange{}, "", err
		}
		hi, err := addr(to)
		if err != nil {
			return addressRange{}, "", err
		}
		if lo.Is4() != hi.Is4() {
			return addressRange{}, "", errors.New("a range must not mix IPv4 and IPv6")
		}
		if hi.Less(lo) {
			return addressRange{}, "", fmt.Errorf("the range ends (%s) before it starts (%s)", hi, lo)
		}
		return addressRange{lo, hi}, "RANGE", nil
	}
	ip, err := addr(s)
	if err != nil {
		return addressRange{}, "", err
	}
	return addressRange{ip, ip}, "RANGE", nil
}

// lastAddress is the last address of the prefix of bits bits that starts at first.
func lastAddress(first netip.Addr, bits int) netip.Addr {
	b := first.AsSlice()
	for i := range b {
		hostBits := min(max(len(b)*8-bits-(len(b)-1-i)*8, 0), 8)
		b[i] |= byte(1<<hostBits - 1)
	}
	last, _ := netip.AddrFromSlice(b)
	return last
}

// addressKeys are the keys of entries; an entry that cannot be parsed keys as itself.
func addressKeys(entries []string) []string {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e
		if r, _, err := parseAddress(e); err == nil {
			keys[i] = r.key()
		}
	}
	return keys
}

// sameAddresses reports whether a and b cover the same entries, in any order and however written.
func sameAddresses(a, b []string) bool {
	ka, kb := addressKeys(a), addressKeys(b)
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// expandAddresses turns the configured entries into Okta's; nil for none. A single address is sent as a
// RANGE, as Okta's own console does.
func expandAddresses(entries []string) []okta.ZoneAddress {
	if len(entries) == 0 {
		return nil
	}
	out := make([]okta.ZoneAddress, len(entries))
	for i, e := range entries {
		_, typ, _ := parseAddress(e)
		if typ == "" {
			typ = "RANGE"
		}
		out[i] = okta.ZoneAddress{Type: typ, Value: e}
	}
	return out
}

// flattenAddresses is what the state holds of Okta's entries, given what it held before (the plan after a
// create or update, the prior state on read; null after an import). Okta writes a single address as "a-a"
// and may reorder entries: when Okta holds the same addresses as prior, prior is kept as written; otherwise
// each entry takes prior's spelling when prior has an equivalent one, and a single address reads as "a".
func flattenAddresses(remote []okta.ZoneAddress, prior types.List) types.List {
	var before []string
	if !prior.IsNull() && !prior.IsUnknown() {
		_ = prior.ElementsAs(context.Background(), &before, false)
	}
	values := make([]string, len(remote))
	for i, a := range remote {
		values[i] = a.Value
	}
	if len(values) == 0 {
		if before != nil && len(before) == 0 {
			return prior
		}
		return types.ListNull(types.StringType)
	}
	if before != nil && sameAddresses(values, before) {
		return prior
	}
	unused := map[string][]string{} // key → prior spellings not yet taken
	for _, b := range before {
		k := addressKeys([]string{b})[0]
		unused[k] = append(unused[k], b)
	}
	out := make([]string, len(values))
	for i, v := range values {
		r, _, err := parseAddress(v)
		switch {
		case err != nil:
			out[i] = v
		case len(unused[r.key()]) > 0:
			out[i] = unused[r.key()][0]
			unused[r.key()] = unused[r.key()][1:]
		case r.lo == r.hi && !strings.Contains(v, "/"):
			out[i] = r.lo.String()
		default:
			out[i] = v
		}
	}
	return stringList(out)
}

// stringList is the list of values.
func stringList(values []string) types.List {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// listStrings reads a known list of strings; nil for null or unknown.
func listStrings(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

// status is the Okta status of the planned active flag.
func (m *networkZoneModel) status() string {
	if m.Active.ValueBool() {
		return okta.ZoneActive
	}
	return okta.ZoneInactive
}

// expandZone sets the fields of z the resource owns from the plan.
func expandZone(ctx context.Context, m *networkZoneModel, z *okta.NetworkZone, diags *diag.Diagnostics) {
	z.Name = m.Name.ValueString()
	z.Type = okta.ZoneIP
	z.Usage = m.Usage.ValueString()
	z.Gateways = expandAddresses(listStrings(ctx, m.Gateways, diags))
	z.Proxies = expandAddresses(listStrings(ctx, m.Proxies, diags))
}

// flattenZone sets m from z; m's lists are what they were before (see flattenAddresses).
func flattenZone(z *okta.NetworkZone, m *networkZoneModel) {
	m.ID = types.StringValue(z.ID)
	m.Name = types.StringValue(z.Name)
	m.Usage = types.StringValue(z.Usage)
	m.Active = types.BoolValue(z.Status != okta.ZoneInactive)
	m.Gateways = flattenAddresses(z.Gateways, m.Gateways)
	m.Proxies = flattenAddresses(z.Proxies, m.Proxies)
}

// showList shows entries as "[a, b]" in a difference; "" (shown as "(none)") for none.
func showList(entries []string) string {
	if len(entries) == 0 {
		return ""
	}
	return "[" + strings.Join(entries, ", ") + "]"
}

// zoneDifferences are the attributes in which a zone found at create differs from the plan.
func zoneDifferences(ctx context.Context, plan *networkZoneModel, z *okta.NetworkZone, diags *diag.Diagnostics) framework.Differences {
	var d framework.Differences
	d.Add("type", z.Type, okta.ZoneIP)
	d.Add("usage", z.Usage, plan.Usage.ValueString())
	d.Add("active", z.Status != okta.ZoneInactive, plan.Active.ValueBool())
	for _, l := range []struct {
		attr    string
		found   []okta.ZoneAddress
		planned types.List
	}{{"gateways", z.Gateways, plan.Gateways}, {"proxies", z.Proxies, plan.Proxies}} {
		found := make([]string, len(l.found))
		for i, a := range l.found {
			found[i] = a.Value
		}
		planned := listStrings(ctx, l.planned, diags)
		if !sameAddresses(found, planned) {
			d.Add(l.attr, showList(found), showList(planned))
		}
	}
	return d
}
