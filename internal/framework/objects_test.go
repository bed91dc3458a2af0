package framework

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

type filterModel struct {
	Type  types.String `tfsdk:"type"`
	Value types.String `tfsdk:"value"`
}

type commonModel struct {
	Name types.String `tfsdk:"name"`
}

type statementModel struct {
	commonModel
	Values  []string          `tfsdk:"values"`
	Filter  *filterModel      `tfsdk:"filter"`
	Labels  map[string]string `tfsdk:"labels"`
	Count   types.Int64       `tfsdk:"count"`
	Enabled types.Bool        `tfsdk:"enabled"`
	Ratio   float64           `tfsdk:"ratio"`
	Skipped types.String      `tfsdk:"-"`
}

func TestAttrTypes(t *testing.T) {
	t.Parallel()
	filter := types.ObjectType{AttrTypes: map[string]attr.Type{"type": types.StringType, "value": types.StringType}}
	want := types.ObjectType{AttrTypes: map[string]attr.Type{
		"name":    types.StringType,
		"values":  types.ListType{ElemType: types.StringType},
		"filter":  filter,
		"labels":  types.MapType{ElemType: types.StringType},
		"count":   types.Int64Type,
		"enabled": types.BoolType,
		"ratio":   types.Float64Type,
	}}
	if got := ObjectType[statementModel](); !got.Equal(want) {
		t.Errorf("ObjectType = %s, want %s", got, want)
	}
	got := AttrTypes[statementModel]()
	delete(got, "name") // a copy: the next caller still gets every attribute
	if _, ok := AttrTypes[statementModel]()["name"]; !ok {
		t.Error("AttrTypes hands out the map it keeps")
	}
}

// A collection or object kept as types.List or types.Object does not say what it holds.
func TestAttrTypesRefusesOpaqueFields(t *testing.T) {
	t.Parallel()
	type opaque struct {
		Values types.List `tfsdk:"values"`
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "opaque.Values") {
			t.Errorf("panic = %v, want one naming the field", r)
		}
	}()
	AttrTypes[opaque]()
}

func TestObjectValueMustRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := statementModel{commonModel: commonModel{Name: types.StringValue("groups")}, Values: []string{},
		Filter: &filterModel{Type: types.StringValue("REGEX"), Value: types.StringValue(".*")}, Count: types.Int64Value(2),
		Enabled: types.BoolNull(), Ratio: 0.5}
	obj := ObjectValueMust(in)
	if !obj.Type(ctx).Equal(ObjectType[statementModel]()) {
		t.Fatalf("type = %s", obj.Type(ctx))
	}
	if v := obj.Attributes()["values"].(types.List); v.IsNull() || len(v.Elements()) != 0 {
		t.Errorf("an empty slice became %s, want an empty list", v)
	}
	if v := obj.Attributes()["labels"].(types.Map); !v.IsNull() {
		t.Errorf("a nil map became %s, want null", v)
	}
	var out statementModel
	if diags := obj.As(ctx, &out, basetypes.ObjectAsOptions{}); diags.HasError() {
		t.Fatal(diags)
	}
	if out.Name != in.Name || out.Filter.Value != in.Filter.Value || out.Count != in.Count || !out.Enabled.IsNull() || out.Ratio != 0.5 {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
	if !ObjectNull[filterModel]().IsNull() || !ObjectUnknown[filterModel]().IsUnknown() {
		t.Error("ObjectNull or ObjectUnknown is not")
	}
}
