package policy

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// Okta's limits on the entries of an admin-created IP zone (okta-api.md §9, IPNetworkZone).
const (
	maxPolicyZoneEntries    = 150
	maxBlocklistZoneEntries = 1000
)

// addressExamples is the fix every address error offers.
const addressExamples = `Write a CIDR block such as "203.0.113.0/24", a range such as "203.0.113.10-203.0.113.20", or a single address such as "203.0.113.10" (IPv4 or IPv6).`

// ValidateConfig checks at plan what Okta would refuse at apply, at the attribute that causes it: each
// gateway and proxy is a CIDR, a range or an address; an IP zone has at least one gateway; entries are not
// repeated; a blocklist zone has no proxies; the lists keep to Okta's sizes.
func (r *networkZoneResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m networkZoneModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	usage := m.Usage.ValueString()
	if m.Usage.IsNull() {
		usage = okta.ZonePolicy
	}
	limit := maxPolicyZoneEntries
	if usage == okta.ZoneBlocklist || m.Usage.IsUnknown() {
		limit = maxBlocklistZoneEntries
	}
	validateAddresses(m.Gateways, "gateways", limit, resp)
	if !m.Gateways.IsNull() && !m.Gateways.IsUnknown() && len(m.Gateways.Elements()) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("gateways"), "Network Zone Without Gateways",
			`An Okta IP zone needs at least one gateway: the addresses a request must come from to be in the zone. `+
				`Add one, for example gateways = ["203.0.113.0/24"].`)
	}
	if m.Proxies.IsNull() || m.Proxies.IsUnknown() {
		return
	}
	if len(m.Proxies.Elements()) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("proxies"), "Empty Proxies",
			"proxies = [] names no proxy; Okta holds a zone without proxies as none at all. Remove the proxies attribute, or list the trusted proxies.")
		return
	}
	if usage == okta.ZoneBlocklist {
		resp.Diagnostics.AddAttributeError(path.Root("proxies"), "Blocklist Zone With Proxies",
			`Okta does not accept trusted proxies on a zone with usage = "BLOCKLIST". Remove proxies, or set usage = "POLICY".`)
		return
	}
	validateAddresses(m.Proxies, "proxies", maxPolicyZoneEntries, resp)
}

// validateAddresses checks each known entry of the list attr, and that it has at most limit entries.
func validateAddresses(l types.List, attr string, limit int, resp *resource.ValidateConfigResponse) {
	if l.IsNull() || l.IsUnknown() {
		return
	}
	elems := l.Elements()
	if len(elems) > limit {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Too Many Network Zone Entries",
			fmt.Sprintf("%s has %d entries; Okta accepts at most %d in a zone of this usage. Merge neighbouring addresses into CIDR blocks or ranges, or split the zone.",
				attr, len(elems), limit))
	}
	seen := map[string]int{}
	for i, e := range elems {
		at := path.Root(attr).AtListIndex(i)
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			continue
		}
		if s.IsNull() {
			resp.Diagnostics.AddAttributeError(at, "Invalid Network Zone Entry", fmt.Sprintf("%s[%d] is null. %s", attr, i, addressExamples))
			continue
		}
		r, _, err := parseAddress(s.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(at, "Invalid Network Zone Entry",
				fmt.Sprintf("%s[%d] = %q is not a CIDR block, range or IP address: %s. %s", attr, i, s.ValueString(), err, addressExamples))
			continue
		}
		if j, dup := seen[r.key()]; dup {
			resp.Diagnostics.AddAttributeError(at, "Repeated Network Zone Entry",
				fmt.Sprintf("%s[%d] = %q covers the same addresses as %s[%d]; remove one of them.", attr, i, s.ValueString(), attr, j))
			continue
		}
		seen[r.key()] = i
	}
}
