package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// object is a value of type typ with every attribute null but those given.
func object(typ tftypes.Type, vals map[string]tftypes.Value) tftypes.Value {
	obj := typ.(tftypes.Object)
	all := map[string]tftypes.Value{}
	for name, t := range obj.AttributeTypes {
		all[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range vals {
		all[name] = v
	}
	return tftypes.NewValue(obj, all)
}

// A rule whose people (or any nested object) is unknown leaves every rule checked: before, one unknown
// value made ValidateConfig return with no check at all.
func TestSignonValidateConfigUnknownNested(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := &signonPolicyResource{}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	ruleType := typ.AttributeTypes["rules"].(tftypes.List).ElementType.(tftypes.Object)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	rule := func(name, access string, extra map[string]tftypes.Value) tftypes.Value {
		vals := map[string]tftypes.Value{"name": str(name), "access": str(access)}
		for k, v := range extra {
			vals[k] = v
		}
		return object(ruleType, vals)
	}
	verification := object(ruleType.AttributeTypes["verification"], map[string]tftypes.Value{"factor_mode": str("2FA")})
	tests := []struct {
		name  string
		rules []tftypes.Value
		want  []string // the paths the errors name, in order
	}{
		{"unknown people, duplicate name and a verifying DENY", []tftypes.Value{
			rule("admins", "DENY", map[string]tftypes.Value{"people": tftypes.NewValue(ruleType.AttributeTypes["people"], tftypes.UnknownValue)}),
			rule("admins", "DENY", map[string]tftypes.Value{"verification": verification}),
		}, []string{"rules[1].name", "rules[1].verification"}},
		{"unknown rule left out, the others checked", []tftypes.Value{
			tftypes.NewValue(ruleType, tftypes.UnknownValue),
			rule("office", "DENY", map[string]tftypes.Value{"network": object(ruleType.AttributeTypes["network"], map[string]tftypes.Value{"connection": str("ZONE")})}),
		}, []string{"rules[1].network.connection"}},
		{"unknown device flag not judged", []tftypes.Value{
			rule("device", "DENY", map[string]tftypes.Value{"device": object(ruleType.AttributeTypes["device"],
				map[string]tftypes.Value{"registered": tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue)})}),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := object(typ, map[string]tftypes.Value{
				"app_id": str("0oa1"), "name": str("p"),
				"rules":     tftypes.NewValue(typ.AttributeTypes["rules"], tt.rules),
				"catch_all": object(typ.AttributeTypes["catch_all"], map[string]tftypes.Value{"access": str("DENY")}),
			})
			var resp resource.ValidateConfigResponse
			r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: raw}}, &resp)
			var got []string
			for _, d := range resp.Diagnostics.Errors() {
				// Each message starts with its path, which the CLI does not show.
				got = append(got, strings.SplitN(d.Detail(), ":", 2)[0])
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("errors at %v, want %v: %v", got, tt.want, resp.Diagnostics)
			}
		})
	}
}
