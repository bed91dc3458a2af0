package entitlement

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A version 0 state (assigned_federation_ids a set, in Terraform's order) becomes the sorted list of version
// 1, every other attribute as it was; null and unknown stay null and unknown.
func TestBindingUpgradeStateV0(t *testing.T) {
	ctx := context.Background()
	r := &permissionSetBindingResource{}
	up := r.UpgradeState(ctx)[0]
	prior, cur := up.PriorSchema, bindingSchema()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	strs := func(typ tftypes.Type, vs ...string) tftypes.Value {
		var out []tftypes.Value
		for _, v := range vs {
			out = append(out, str(v))
		}
		return tftypes.NewValue(typ, out)
	}
	set, list := tftypes.Set{ElementType: tftypes.String}, tftypes.List{ElementType: tftypes.String}
	for name, tc := range map[string]struct{ held, want tftypes.Value }{
		"known":   {strs(set, "zoe@x.example", "ada@x.example", "max@x.example"), strs(list, "ada@x.example", "max@x.example", "zoe@x.example")},
		"empty":   {tftypes.NewValue(set, []tftypes.Value{}), tftypes.NewValue(list, []tftypes.Value{})},
		"null":    {tftypes.NewValue(set, nil), tftypes.NewValue(list, nil)},
		"unknown": {tftypes.NewValue(set, tftypes.UnknownValue), tftypes.NewValue(list, tftypes.UnknownValue)},
	} {
		t.Run(name, func(t *testing.T) {
			raw := tftypes.NewValue(prior.Type().TerraformType(ctx), map[string]tftypes.Value{
				"id": str("qa/PS_001"), "salesforce_org": str("qa"), "permission_set": str("PS_001"),
				"permission_set_group": tftypes.NewValue(tftypes.String, nil), "group_ids": strs(set, "00g1"),
				"federation_id_attribute": str("login"), "assigned_federation_ids": tc.held,
			})
			req := resource.UpgradeStateRequest{State: &tfsdk.State{Schema: *prior, Raw: raw}}
			resp := &resource.UpgradeStateResponse{State: tfsdk.State{Schema: cur, Raw: tftypes.NewValue(cur.Type().TerraformType(ctx), nil)}}
			up.StateUpgrader(ctx, req, resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var got tftypes.Value
			attrs := map[string]tftypes.Value{}
			if err := resp.State.Raw.As(&attrs); err != nil {
				t.Fatal(err)
			}
			got = attrs["assigned_federation_ids"]
			if !got.Equal(tc.want) {
				t.Errorf("assigned_federation_ids = %v, want %v", got, tc.want)
			}
			for _, k := range []string{"id", "salesforce_org", "permission_set", "group_ids", "federation_id_attribute"} {
				var before map[string]tftypes.Value
				_ = raw.As(&before)
				if !attrs[k].Equal(before[k]) {
					t.Errorf("%s = %v, want %v as before", k, attrs[k], before[k])
				}
			}
		})
	}
}
