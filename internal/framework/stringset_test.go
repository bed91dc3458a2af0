package framework

import (
	"context"
	"fmt"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var tfStringSet = tftypes.Set{ElementType: tftypes.String}

func tfStrings(values ...string) tftypes.Value {
	elems := make([]tftypes.Value, len(values))
	for i, v := range values {
		elems[i] = tftypes.NewValue(tftypes.String, v)
	}
	return tftypes.NewValue(tfStringSet, elems)
}

func TestStringSetRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, v := range map[string]StringSetValue{
		"known":   NewStringSetValue([]string{"b", "a", "c"}),
		"empty":   NewStringSetValue(nil),
		"null":    NewStringSetNull(),
		"unknown": NewStringSetUnknown(),
		"zero":    {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := v.ToTerraformValue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !raw.Type().Equal(tfStringSet) {
				t.Fatalf("wire type %s, want set(string)", raw.Type())
			}
			back, err := (StringSetType{}).ValueFromTerraform(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := back.(StringSetValue)
			if !ok {
				t.Fatalf("ValueFromTerraform returned %T, want StringSetValue", back)
			}
			if !got.Equal(v) || !v.Equal(got) {
				t.Errorf("round trip of %s gave %s", v, got)
			}
			if !got.Type(ctx).Equal(StringSetType{}) || !(StringSetType{}).ValueType(ctx).Type(ctx).Equal(got.Type(ctx)) {
				t.Errorf("type %s is not StringSetType", got.Type(ctx))
			}
			if s, _ := got.ToSetValue(ctx); !s.Type(ctx).Equal(types.SetType{ElemType: types.StringType}) {
				t.Errorf("ToSetValue has type %s, want a set of strings", s.Type(ctx))
			}
		})
	}
}

func TestNewStringSetValueCollapsesDuplicates(t *testing.T) {
	t.Parallel()
	v := NewStringSetValue([]string{"a", "b", "a"})
	if got, _ := v.Strings(); len(got) != 2 {
		t.Fatalf("Strings() = %v, want a and b once", got)
	}
	if d := (StringSetType{}).Validate(context.Background(), must(v.ToTerraformValue(context.Background())), path.Root("x")); d.HasError() {
		t.Errorf("a constructed set fails validation: %v", d)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The framework's own SetType is the reference: both must report the same diagnostics on small inputs.
func TestStringSetValidateMatchesFramework(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	unknownElem := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	nullElem := tftypes.NewValue(tftypes.String, nil)
	for name, tc := range map[string]struct {
		in       tftypes.Value
		wantErrs int
	}{
		"distinct":           {tfStrings("a", "b", "c"), 0},
		"duplicate":          {tfStrings("a", "b", "a"), 1},
		"two duplicates":     {tfStrings("a", "b", "a", "b"), 2},
		"empty":              {tfStrings(), 0},
		"null set":           {tftypes.NewValue(tfStringSet, nil), 0},
		"unknown set":        {tftypes.NewValue(tfStringSet, tftypes.UnknownValue), 0},
		"unknown elements":   {tftypes.NewValue(tfStringSet, []tftypes.Value{unknownElem, unknownElem, tftypes.NewValue(tftypes.String, "a")}), 0},
		"null elements":      {tftypes.NewValue(tfStringSet, []tftypes.Value{nullElem, nullElem}), 1},
		"no type (no value)": {tftypes.Value{}, 0},
		"not a set":          {tftypes.NewValue(tftypes.String, "a"), 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := (StringSetType{}).Validate(ctx, tc.in, path.Root("ids"))
			want := types.SetType{ElemType: types.StringType}.Validate(ctx, tc.in, path.Root("ids"))
			if got.ErrorsCount() != tc.wantErrs {
				t.Errorf("%d errors, want %d: %v", got.ErrorsCount(), tc.wantErrs, got)
			}
			if !sameDiags(got, want) {
				t.Errorf("diagnostics differ from the framework's:\n got  %v\n want %v", got, want)
			}
		})
	}
}

func sameDiags(a, b diag.Diagnostics) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Summary() != b[i].Summary() || a[i].Detail() != b[i].Detail() || a[i].Severity() != b[i].Severity() {
			return false
		}
	}
	return true
}

func TestStringSetValidateLarge(t *testing.T) {
	t.Parallel()
	values := make([]string, 20000)
	for i := range values {
		values[i] = fmt.Sprintf("user%05d@example.com", i)
	}
	if d := (StringSetType{}).Validate(context.Background(), tfStrings(values...), path.Root("ids")); d.HasError() {
		t.Fatalf("20,000 distinct strings: %v", d)
	}
	d := (StringSetType{}).Validate(context.Background(), tfStrings(append(values, values[12345])...), path.Root("ids"))
	want := `This attribute contains duplicate values of: tftypes.String<"user12345@example.com">`
	if d.ErrorsCount() != 1 || d[0].Detail() != want {
		t.Fatalf("20,000 strings and one duplicate: %v, want one error %q", d, want)
	}
}

func TestStringSetSemanticEquals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ab := NewStringSetValue([]string{"a", "b"})
	for name, tc := range map[string]struct {
		other attr.Value
		want  bool
	}{
		"same order":        {NewStringSetValue([]string{"a", "b"}), true},
		"other order":       {NewStringSetValue([]string{"b", "a"}), true},
		"framework set":     {types.SetValueMust(types.StringType, []attr.Value{types.StringValue("b"), types.StringValue("a")}), true},
		"one more":          {NewStringSetValue([]string{"a", "b", "c"}), false},
		"one less":          {NewStringSetValue([]string{"a"}), false},
		"one different":     {NewStringSetValue([]string{"a", "c"}), false},
		"case differs":      {NewStringSetValue([]string{"a", "B"}), false},
		"empty":             {NewStringSetValue(nil), false},
		"null":              {NewStringSetNull(), false},
		"unknown":           {NewStringSetUnknown(), false},
		"an unknown string": {types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a"), types.StringUnknown()}), false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var other StringSetValue
			switch o := tc.other.(type) {
			case StringSetValue:
				other = o
			case types.Set:
				other = StringSetValue{SetValue: o}
			}
			got, diags := ab.SetSemanticEquals(ctx, tc.other.(basetypes.SetValuable))
			if diags.HasError() {
				t.Fatal(diags)
			}
			if got != tc.want {
				t.Errorf("SetSemanticEquals(%s, %s) = %v, want %v", ab, tc.other, got, tc.want)
			}
			if eq := ab.Equal(other); eq != tc.want {
				t.Errorf("Equal(%s, %s) = %v, want %v", ab, other, eq, tc.want)
			}
		})
	}
	if NewStringSetValue([]string{"a"}).Equal(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a")})) {
		t.Error("a StringSetValue equals a framework set: the framework would see the attribute's value change type")
	}
	if !NewStringSetNull().Equal(StringSetValue{}) || !NewStringSetUnknown().Equal(NewStringSetUnknown()) || NewStringSetNull().Equal(NewStringSetUnknown()) {
		t.Error("null and unknown StringSetValues compare wrongly")
	}
}

type stringSetModel struct {
	ID  types.String   `tfsdk:"id"`
	IDs StringSetValue `tfsdk:"ids"`
}

// A state written with the plain set(string) attribute reads into the custom type and writes back unchanged.
func TestStringSetThroughState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"id":  schema.StringAttribute{Computed: true},
		"ids": schema.SetAttribute{Computed: true, ElementType: types.StringType, CustomType: StringSetType{}},
	}}
	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String, "ids": tfStringSet}}
	if !s.Type().TerraformType(ctx).Equal(objType) {
		t.Fatalf("schema type %s, want %s: the wire type must stay set(string)", s.Type().TerraformType(ctx), objType)
	}
	raw := tftypes.NewValue(objType, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, "x"), "ids": tfStrings("b", "a"),
	})
	state := tfsdk.State{Schema: s, Raw: raw}
	var m stringSetModel
	if d := state.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	if got, _ := m.IDs.Strings(); len(got) != 2 {
		t.Fatalf("read %v, want a and b", got)
	}
	if d := state.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	if !state.Raw.Equal(raw) {
		t.Errorf("written back as %s, want %s", state.Raw, raw)
	}
	m.IDs = StringSetValue{} // a model field never set is a null set, not a panic
	if d := state.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
}

func TestRawEqualMatchesTerraform(t *testing.T) {
	t.Parallel()
	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id": tftypes.String, "ids": tfStringSet, "n": tftypes.Number, "on": tftypes.Bool,
		"list": tftypes.List{ElementType: tftypes.String}, "tags": tftypes.Map{ElementType: tftypes.String},
		"nums": tftypes.Set{ElementType: tftypes.Number},
	}}
	obj := func(edit func(map[string]tftypes.Value)) tftypes.Value {
		attrs := map[string]tftypes.Value{
			"id": tftypes.NewValue(tftypes.String, "x"), "ids": tfStrings("a", "b", "c"),
			"n": tftypes.NewValue(tftypes.Number, big.NewFloat(1.5)), "on": tftypes.NewValue(tftypes.Bool, true),
			"list": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "p"), tftypes.NewValue(tftypes.String, "q")}),
			"tags": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"k": tftypes.NewValue(tftypes.String, "v")}),
			"nums": tftypes.NewValue(tftypes.Set{ElementType: tftypes.Number}, []tftypes.Value{tftypes.NewValue(tftypes.Number, 1), tftypes.NewValue(tftypes.Number, 2)}),
		}
		if edit != nil {
			edit(attrs)
		}
		return tftypes.NewValue(objType, attrs)
	}
	base := obj(nil)
	for name, tc := range map[string]struct {
		other tftypes.Value
		want  bool
	}{
		"same":                {obj(nil), true},
		"set reordered":       {obj(func(a map[string]tftypes.Value) { a["ids"] = tfStrings("c", "a", "b") }), true},
		"set element differs": {obj(func(a map[string]tftypes.Value) { a["ids"] = tfStrings("a", "b", "d") }), false},
		"set longer":          {obj(func(a map[string]tftypes.Value) { a["ids"] = tfStrings("a", "b", "c", "d") }), false},
		"set unknown":         {obj(func(a map[string]tftypes.Value) { a["ids"] = tftypes.NewValue(tfStringSet, tftypes.UnknownValue) }), false},
		"set null":            {obj(func(a map[string]tftypes.Value) { a["ids"] = tftypes.NewValue(tfStringSet, nil) }), false},
		"string differs":      {obj(func(a map[string]tftypes.Value) { a["id"] = tftypes.NewValue(tftypes.String, "y") }), false},
		"number differs":      {obj(func(a map[string]tftypes.Value) { a["n"] = tftypes.NewValue(tftypes.Number, 2) }), false},
		"bool differs":        {obj(func(a map[string]tftypes.Value) { a["on"] = tftypes.NewValue(tftypes.Bool, false) }), false},
		"list reordered": {obj(func(a map[string]tftypes.Value) {
			a["list"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "q"), tftypes.NewValue(tftypes.String, "p")})
		}), false},
		"map value differs": {obj(func(a map[string]tftypes.Value) {
			a["tags"] = tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"k": tftypes.NewValue(tftypes.String, "w")})
		}), false},
		"number set reordered": {obj(func(a map[string]tftypes.Value) {
			a["nums"] = tftypes.NewValue(tftypes.Set{ElementType: tftypes.Number}, []tftypes.Value{tftypes.NewValue(tftypes.Number, 2), tftypes.NewValue(tftypes.Number, 1)})
		}), true},
		"null object":    {tftypes.NewValue(objType, nil), false},
		"no value":       {tftypes.Value{}, false},
		"unknown object": {tftypes.NewValue(objType, tftypes.UnknownValue), false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := RawEqual(base, tc.other); got != tc.want {
				t.Errorf("RawEqual = %v, want %v", got, tc.want)
			}
			if got, ref := RawEqual(tc.other, base), tc.other.Equal(base); got != ref {
				t.Errorf("RawEqual(other, base) = %v, tftypes Equal says %v", got, ref)
			}
		})
	}
	if !RawEqual(tftypes.Value{}, tftypes.Value{}) || !RawEqual(tftypes.NewValue(objType, nil), tftypes.NewValue(objType, nil)) {
		t.Error("two absent or two null values differ")
	}
}
