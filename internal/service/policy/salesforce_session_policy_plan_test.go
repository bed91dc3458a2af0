package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// sessionPolicyTestConfig is an oktasf_salesforce_session_policy configuration with the given ranges ({start, end}).
func sessionPolicyTestConfig(t *testing.T, ranges [][2]string) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	var resp resource.SchemaResponse
	(&salesforceSessionPolicyResource{}).Schema(ctx, resource.SchemaRequest{}, &resp)
	typ := resp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	setType := typ.AttributeTypes["login_ip_ranges"].(tftypes.Set)
	elemType := setType.ElementType.(tftypes.Object)
	elems := make([]tftypes.Value, 0, len(ranges))
	for _, r := range ranges {
		elems = append(elems, tftypes.NewValue(elemType, map[string]tftypes.Value{
			"start": tftypes.NewValue(tftypes.String, r[0]), "end": tftypes.NewValue(tftypes.String, r[1]), "description": tftypes.NewValue(tftypes.String, nil)}))
	}
	raw := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, nil), "salesforce_org": tftypes.NewValue(tftypes.String, nil),
		"profile": tftypes.NewValue(tftypes.String, "Admin"), "required_session_level": tftypes.NewValue(tftypes.String, nil),
		"session_timeout": tftypes.NewValue(tftypes.Number, nil), "login_ip_ranges": tftypes.NewValue(setType, elems),
	})
	return tfsdk.Config{Schema: resp.Schema, Raw: raw}
}

func TestSalesforceSessionPolicyValidateConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		ranges     [][2]string
		wantField  string // the range attribute the error is at; "" for no error
		wantDetail string
	}{
		{"valid", [][2]string{{"203.0.113.0", "203.0.113.255"}, {"198.51.100.7", "198.51.100.7"}, {"2001:db8::", "2001:db8::ffff"}, {"::ffff:192.0.2.1", "192.0.2.9"}}, "", ""},
		{"end before start", [][2]string{{"203.0.113.9", "203.0.113.1"}}, "end", "ends before it starts"},
		{"mixed families", [][2]string{{"203.0.113.1", "2001:db8::1"}}, "end", "one IPv4 and one IPv6 end"},
		{"prefix is not an address", [][2]string{{"203.0.113.0/24", "203.0.113.255"}}, "start", `start "203.0.113.0/24" is not an IPv4 or IPv6 address`},
		{"zone is not an address", [][2]string{{"fe80::1", "fe80::9%eth0"}}, "end", "is not an IPv4 or IPv6 address"},
		{"IPv6 end before start", [][2]string{{"2001:db8::9", "2001:db8::1"}}, "end", "ends before it starts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var resp resource.ValidateConfigResponse
			(&salesforceSessionPolicyResource{}).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: sessionPolicyTestConfig(t, tc.ranges)}, &resp)
			if tc.wantField == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected errors: %v", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Fatalf("want one error, got %v", resp.Diagnostics)
			}
			d := resp.Diagnostics.Errors()[0]
			withPath, ok := d.(diag.DiagnosticWithPath)
			if !ok {
				t.Fatalf("error has no attribute path: %v", d)
			}
			p := withPath.Path().String()
			if !strings.HasPrefix(p, "login_ip_ranges[Value(") || !strings.HasSuffix(p, "]."+tc.wantField) {
				t.Errorf("path = %s, want login_ip_ranges[<element>].%s", p, tc.wantField)
			}
			if !strings.Contains(d.Detail(), tc.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail(), tc.wantDetail)
			}
		})
	}
}
