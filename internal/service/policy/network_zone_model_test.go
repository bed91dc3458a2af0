package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, wantKey, wantType, wantErr string
	}{
		{"10.0.0.0/24", "10.0.0.0-10.0.0.255", "CIDR", ""},
		{"10.0.0.7/24", "10.0.0.0-10.0.0.255", "CIDR", ""}, // host bits: the same block
		{"192.168.1.1/32", "192.168.1.1-192.168.1.1", "CIDR", ""},
		{"0.0.0.0/0", "0.0.0.0-255.255.255.255", "CIDR", ""},
		{"10.0.0.0/12", "10.0.0.0-10.15.255.255", "CIDR", ""},
		{"2001:db8::/32", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "CIDR", ""},
		{"192.168.1.1", "192.168.1.1-192.168.1.1", "RANGE", ""},
		{"192.168.1.1-192.168.1.1", "192.168.1.1-192.168.1.1", "RANGE", ""},
		{"10.0.0.1-10.0.0.9", "10.0.0.1-10.0.0.9", "RANGE", ""},
		{"2001:db8::1-2001:db8::9", "2001:db8::1-2001:db8::9", "RANGE", ""},
		{"10.0.0.300/24", "", "", "not a CIDR block"},
		{"10.0.0.0/33", "", "", "not a CIDR block"},
		{"10.0.0.9-10.0.0.1", "", "", "ends (10.0.0.1) before it starts"},
		{"10.0.0.1-2001:db8::1", "", "", "mix IPv4 and IPv6"},
		{"10.0.0.1-", "", "", `"" is not an IP address`},
		{"fe80::1%eth0", "", "", "IPv6 zone"},
		{"office", "", "", `"office" is not an IP address`},
		{" 10.0.0.1", "", "", "not an IP address"},
	}
	for _, tc := range cases {
		r, typ, err := parseAddress(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseAddress(%q) error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || r.key() != tc.wantKey || typ != tc.wantType {
			t.Errorf("parseAddress(%q) = %s %s %v, want %s %s", tc.in, r.key(), typ, err, tc.wantKey, tc.wantType)
		}
	}
}

func zoneAddrs(values ...string) []okta.ZoneAddress {
	out := make([]okta.ZoneAddress, len(values))
	for i, v := range values {
		out[i] = okta.ZoneAddress{Type: "RANGE", Value: v}
	}
	return out
}

func TestFlattenAddresses(t *testing.T) {
	t.Parallel()
	null := types.ListNull(types.StringType)
	cases := []struct {
		name   string
		remote []okta.ZoneAddress
		prior  types.List
		want   types.List
	}{
		{"as written, single address normalised by Okta", zoneAddrs("192.168.1.1-192.168.1.1", "10.0.0.0/24"),
			stringList([]string{"192.168.1.1", "10.0.0.0/24"}), stringList([]string{"192.168.1.1", "10.0.0.0/24"})},
		{"reordered by Okta", zoneAddrs("10.0.0.0/24", "192.168.1.1-192.168.1.1"),
			stringList([]string{"192.168.1.1", "10.0.0.0/24"}), stringList([]string{"192.168.1.1", "10.0.0.0/24"})},
		{"after import: a-a reads as a", zoneAddrs("192.168.1.1-192.168.1.1", "10.0.0.1-10.0.0.9"), null,
			stringList([]string{"192.168.1.1", "10.0.0.1-10.0.0.9"})},
		{"changed out of band: kept spellings, new entry as Okta has it", zoneAddrs("192.168.1.1-192.168.1.1", "172.16.0.0/12"),
			stringList([]string{"192.168.1.1", "10.0.0.0/24"}), stringList([]string{"192.168.1.1", "172.16.0.0/12"})},
		{"none in Okta, none configured", nil, null, null},
		{"proxies removed out of band", nil, stringList([]string{"10.9.0.1"}), null},
	}
	for _, tc := range cases {
		if got := flattenAddresses(tc.remote, tc.prior); !got.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// zoneConfig is an oktasf_network_zone configuration; nil lists are null.
func zoneConfig(t *testing.T, usage string, gateways, proxies []string) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	var resp resource.SchemaResponse
	(&networkZoneResource{}).Schema(ctx, resource.SchemaRequest{}, &resp)
	list := func(v []string) tftypes.Value {
		if v == nil {
			return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil)
		}
		elems := make([]tftypes.Value, len(v))
		for i, s := range v {
			elems[i] = tftypes.NewValue(tftypes.String, s)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
	}
	var u any
	if usage != "" {
		u = usage
	}
	raw := tftypes.NewValue(resp.Schema.Type().TerraformType(ctx), map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, nil), "name": tftypes.NewValue(tftypes.String, "Office"),
		"gateways": list(gateways), "proxies": list(proxies), "usage": tftypes.NewValue(tftypes.String, u),
		"active": tftypes.NewValue(tftypes.Bool, nil),
	})
	return tfsdk.Config{Schema: resp.Schema, Raw: raw}
}

func TestNetworkZoneValidateConfig(t *testing.T) {
	t.Parallel()
	many := make([]string, 151)
	for i := range many {
		many[i] = fmt.Sprintf("10.%d.%d.0/24", i/250, i%250)
	}
	cases := []struct {
		name              string
		usage             string
		gateways, proxies []string
		wantPath          string // "" for no error
		wantDetail        string
	}{
		{"valid", "", []string{"10.0.0.0/24", "192.168.1.1", "10.1.0.1-10.1.0.9"}, []string{"203.0.113.7"}, "", ""},
		{"invalid CIDR", "", []string{"10.0.0.0/24", "10.0.0.300/24"}, nil, "gateways[1]", `gateways[1] = "10.0.0.300/24" is not a CIDR block`},
		{"invalid proxy range", "", []string{"10.0.0.0/24"}, []string{"10.0.0.9-10.0.0.1"}, "proxies[0]", "ends (10.0.0.1) before it starts"},
		{"no gateways", "", []string{}, nil, "gateways", "needs at least one gateway"},
		{"empty proxies", "", []string{"10.0.0.0/24"}, []string{}, "proxies", "Remove the proxies attribute"},
		{"blocklist with proxies", "BLOCKLIST", []string{"10.0.0.0/24"}, []string{"10.9.0.1"}, "proxies", `set usage = "POLICY"`},
		{"repeated", "", []string{"192.168.1.1", "10.0.0.0/24", "192.168.1.1-192.168.1.1"}, nil, "gateways[2]", "same addresses as gateways[0]"},
		{"too many for a policy zone", "", many, nil, "gateways", "at most 150"},
		{"as many for a blocklist", "BLOCKLIST", many, nil, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var resp resource.ValidateConfigResponse
			(&networkZoneResource{}).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: zoneConfig(t, tc.usage, tc.gateways, tc.proxies)}, &resp)
			if tc.wantPath == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected errors: %v", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Fatalf("%d errors (%v), want 1", resp.Diagnostics.ErrorsCount(), resp.Diagnostics)
			}
			d := resp.Diagnostics.Errors()[0]
			p := ""
			if wp, ok := d.(diag.DiagnosticWithPath); ok {
				p = wp.Path().String()
			}
			if p != tc.wantPath || !strings.Contains(d.Detail(), tc.wantDetail) {
				t.Errorf("error at %q: %s; want it at %q containing %q", p, d.Detail(), tc.wantPath, tc.wantDetail)
			}
		})
	}
}
