package framework

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// StringSetType is set(string) for sets of thousands of strings (Federation IDs of a binding or of user
// provisioning). Terraform and the state see a plain set(string); only the provider's work differs. The
// framework's set checks duplicates and semantic equality by comparing every element with every other one,
// which made a no-change plan of large sets quadratic; this type does both with a map, in one pass.
//
// Use StringSetType{} as the CustomType of a schema.SetAttribute with ElementType types.StringType, and
// StringSetValue as the model field. The zero StringSetType is ready to use.
type StringSetType struct {
	basetypes.SetType
}

// StringSetValue is a value of StringSetType. Its zero value is a null set.
type StringSetValue struct {
	basetypes.SetValue
}

var (
	_ basetypes.SetTypable                    = StringSetType{}
	_ xattr.TypeWithValidate                  = StringSetType{} //nolint:staticcheck // the framework still calls it on every conversion
	_ basetypes.SetValuableWithSemanticEquals = StringSetValue{}
)

// stringSetType has its embedded SetType filled, for the framework methods this type does not override.
var stringSetType = StringSetType{SetType: basetypes.SetType{ElemType: types.StringType}}

// NewStringSetValue is the set of values (duplicates collapse).
func NewStringSetValue(values []string) StringSetValue {
	seen := make(map[string]struct{}, len(values))
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		if _, dup := seen[v]; dup {
			continue
		}
		seen[v] = struct{}{}
		elems = append(elems, types.StringValue(v))
	}
	return StringSetValue{SetValue: types.SetValueMust(types.StringType, elems)}
}

// NewStringSetNull is a null StringSetValue.
func NewStringSetNull() StringSetValue {
	return StringSetValue{SetValue: types.SetNull(types.StringType)}
}

// NewStringSetUnknown is an unknown StringSetValue.
func NewStringSetUnknown() StringSetValue {
	return StringSetValue{SetValue: types.SetUnknown(types.StringType)}
}

// SameStrings reports whether two known sets hold the same strings, in linear time. A null or unknown set,
// or one with an unknown or null element, is the same only as an equal set (as attr.Value.Equal says).
func SameStrings(a, b basetypes.SetValue) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return a.IsNull() == b.IsNull() && a.IsUnknown() == b.IsUnknown()
	}
	as, ok := knownStrings(a)
	if !ok {
		return a.Equal(b)
	}
	bs, ok := knownStrings(b)
	if !ok {
		return a.Equal(b)
	}
	return sameCounts(as, bs)
}

// knownStrings counts each string of the set; ok is false when an element is not a known string.
func knownStrings(s basetypes.SetValue) (counts map[string]int, ok bool) {
	elems := s.Elements()
	counts = make(map[string]int, len(elems))
	for _, e := range elems {
		str, isString := e.(basetypes.StringValue)
		if !isString || str.IsNull() || str.IsUnknown() {
			return nil, false
		}
		counts[str.ValueString()]++
	}
	return counts, true
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, n := range a {
		if b[k] != n {
			return false
		}
	}
	return true
}

// Equal reports whether o is also a StringSetType.
func (t StringSetType) Equal(o attr.Type) bool {
	_, ok := o.(StringSetType)
	return ok
}

// String describes the type in the framework's messages.
func (t StringSetType) String() string { return "framework.StringSetType" }

// ElementType is types.StringType, also for the zero StringSetType.
func (t StringSetType) ElementType() attr.Type { return types.StringType }

// TerraformType is set(string): what Terraform and the state hold is unchanged.
func (t StringSetType) TerraformType(_ context.Context) tftypes.Type {
	return tftypes.Set{ElementType: tftypes.String}
}

// ApplyTerraform5AttributePathStep steps into an element: a string.
func (t StringSetType) ApplyTerraform5AttributePathStep(step tftypes.AttributePathStep) (any, error) {
	return stringSetType.SetType.ApplyTerraform5AttributePathStep(step)
}

// WithElementType is a framework set of typ: only strings make a StringSetType.
func (t StringSetType) WithElementType(typ attr.Type) attr.TypeWithElementType {
	if typ != nil && typ.Equal(types.StringType) {
		return stringSetType
	}
	return basetypes.SetType{ElemType: typ}
}

// ValueFromSet wraps a framework set of strings.
func (t StringSetType) ValueFromSet(_ context.Context, s basetypes.SetValue) (basetypes.SetValuable, diag.Diagnostics) {
	return StringSetValue{SetValue: s}, nil
}

// ValueFromTerraform converts a set(string) from Terraform.
func (t StringSetType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := stringSetType.SetType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.SetValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T converting %s", v, in)
	}
	return StringSetValue{SetValue: s}, nil
}

// ValueType is the value type, for the framework's reflection.
func (t StringSetType) ValueType(_ context.Context) attr.Value { return StringSetValue{} }

// Validate rejects duplicate elements as basetypes.SetType does (same summary and detail, at the same
// path), but finds them with a map instead of comparing every pair.
func (t StringSetType) Validate(_ context.Context, in tftypes.Value, p path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if in.Type() == nil {
		return diags
	}
	if !in.Type().Is(tftypes.Set{}) {
		diags.AddAttributeError(p, "Set Type Validation Error",
			"An unexpected error was encountered trying to validate an attribute value. This is always an error in the provider. "+
				"Please report the following to the provider developer:\n\n"+fmt.Sprintf("expected Set value, received %T with value: %v", in, in))
		return diags
	}
	if !in.IsKnown() || in.IsNull() {
		return diags
	}
	var elems []tftypes.Value
	if err := in.As(&elems); err != nil {
		diags.AddAttributeError(p, "Set Type Validation Error",
			"An unexpected error was encountered trying to validate an attribute value. This is always an error in the provider. "+
				"Please report the following to the provider developer:\n\n"+err.Error())
		return diags
	}
	seen := make(map[string]struct{}, len(elems))
	nulls := 0
	for _, e := range elems {
		if !e.IsKnown() { // as the framework: only known elements can be duplicates
			continue
		}
		if e.IsNull() {
			if nulls++; nulls > 1 {
				diags.AddAttributeError(p, "Duplicate Set Element", fmt.Sprintf("This attribute contains duplicate values of: %s", e))
			}
			continue
		}
		var s string
		if err := e.As(&s); err != nil {
			diags.AddAttributeError(p, "Set Type Validation Error",
				"An unexpected error was encountered trying to validate an attribute value. This is always an error in the provider. "+
					"Please report the following to the provider developer:\n\n"+err.Error())
			return diags
		}
		if _, dup := seen[s]; dup {
			diags.AddAttributeError(p, "Duplicate Set Element", fmt.Sprintf("This attribute contains duplicate values of: %s", e))
			continue
		}
		seen[s] = struct{}{}
	}
	return diags
}

// Type is StringSetType.
func (v StringSetValue) Type(_ context.Context) attr.Type { return stringSetType }

// ElementType is types.StringType, also for the zero value.
func (v StringSetValue) ElementType(_ context.Context) attr.Type { return types.StringType }

// ToTerraformValue is the set(string); the zero value is a null set.
func (v StringSetValue) ToTerraformValue(ctx context.Context) (tftypes.Value, error) {
	if v.IsNull() {
		return tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, nil), nil
	}
	return v.SetValue.ToTerraformValue(ctx)
}

// ToSetValue is the framework set.
func (v StringSetValue) ToSetValue(_ context.Context) (basetypes.SetValue, diag.Diagnostics) {
	if v.IsNull() {
		return types.SetNull(types.StringType), nil
	}
	return v.SetValue, nil
}

// Equal reports whether o is a StringSetValue in the same state with the same strings, in linear time.
func (v StringSetValue) Equal(o attr.Value) bool {
	other, ok := o.(StringSetValue)
	if !ok {
		return false
	}
	return SameStrings(v.SetValue, other.SetValue)
}

// SetSemanticEquals is true when both sets hold the same strings: the framework then keeps the prior value
// (whose order Terraform already holds) without comparing the elements pair by pair.
func (v StringSetValue) SetSemanticEquals(ctx context.Context, o basetypes.SetValuable) (bool, diag.Diagnostics) {
	other, diags := o.ToSetValue(ctx)
	if diags.HasError() {
		return false, diags
	}
	return SameStrings(v.SetValue, other), diags
}

// Strings returns the set's strings in no particular order; known is false for a null or unknown set or an
// unknown element.
func (v StringSetValue) Strings() (values []string, known bool) {
	if v.IsNull() || v.IsUnknown() {
		return nil, false
	}
	for _, e := range v.Elements() {
		s, ok := e.(basetypes.StringValue)
		if !ok || s.IsUnknown() {
			return nil, false
		}
		values = append(values, s.ValueString())
	}
	return values, true
}
