package framework

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// AttrTypes returns the attribute types of the nested object whose model is T, derived from T's tfsdk tags
// as the framework reads T: types.String, types.Bool, types.Int64 and types.Float64 fields as their types,
// Go strings, bools, int64s and float64s likewise, slices as lists, string-keyed maps as maps, and structs
// or pointers to them as nested objects. A types.List, types.Set, types.Map or types.Object field does not
// say what it holds; a model that needs one inside a nested object uses a Go slice, map or struct pointer
// there. AttrTypes panics, naming the field, on a type it cannot derive: models are fixed when the
// provider is built, so the package-level values derived from them fail every test.
func AttrTypes[T any]() map[string]attr.Type {
	return maps.Clone(attrTypesOf(reflect.TypeFor[T]()))
}

// ObjectType is the type of the nested object whose model is T.
func ObjectType[T any]() types.ObjectType { return types.ObjectType{AttrTypes: AttrTypes[T]()} }

// ObjectNull is a null nested object of model T.
func ObjectNull[T any]() types.Object { return types.ObjectNull(AttrTypes[T]()) }

// ObjectUnknown is an unknown nested object of model T.
func ObjectUnknown[T any]() types.Object { return types.ObjectUnknown(AttrTypes[T]()) }

// ObjectValueMust is the nested object that holds v. It panics when v cannot be converted, which only a
// model that AttrTypes rejects can cause.
func ObjectValueMust[T any](v T) types.Object {
	obj, diags := types.ObjectValueFrom(context.Background(), AttrTypes[T](), v)
	if diags.HasError() {
		panic(fmt.Sprintf("framework.ObjectValueMust[%s]: %v", reflect.TypeFor[T](), diags))
	}
	return obj
}

// SortedStrings is the list of values sorted, each once: a set's content as a list, which Terraform and the
// plugin libraries compare element by element in order (linear) where they compare sets each element
// against every other (quadratic).
func SortedStrings(values []string) types.List {
	sorted := slices.Compact(slices.Sorted(slices.Values(values)))
	elems := make([]attr.Value, len(sorted))
	for i, v := range sorted {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// StringSet is the set of values (duplicates collapse).
func StringSet(values []string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}

var (
	derived        sync.Map // reflect.Type → map[string]attr.Type, never changed once stored
	attrValueType  = reflect.TypeFor[attr.Value]()
	goKindAttrType = map[reflect.Kind]attr.Type{
		reflect.String: types.StringType, reflect.Bool: types.BoolType, reflect.Int64: types.Int64Type, reflect.Float64: types.Float64Type,
	}
)

func attrTypesOf(t reflect.Type) map[string]attr.Type {
	if v, ok := derived.Load(t); ok {
		return v.(map[string]attr.Type)
	}
	s := t
	for s.Kind() == reflect.Pointer {
		s = s.Elem()
	}
	if s.Kind() != reflect.Struct {
		panic(fmt.Sprintf("framework.AttrTypes: %s is not a struct", t))
	}
	out := map[string]attr.Type{}
	for i := range s.NumField() {
		f := s.Field(i)
		tag := f.Tag.Get("tfsdk")
		switch {
		case f.Anonymous && tag == "": // an embedded model contributes its attributes
			maps.Copy(out, attrTypesOf(f.Type))
		case !f.IsExported() || tag == "" || tag == "-":
		default:
			out[tag] = attrTypeOf(f.Type, s.String()+"."+f.Name)
		}
	}
	derived.Store(t, out)
	return out
}

func attrTypeOf(t reflect.Type, field string) attr.Type {
	if t.Implements(attrValueType) {
		at := reflect.Zero(t).Interface().(attr.Value).Type(context.Background())
		if complete(at) {
			return at
		}
		panic(fmt.Sprintf("framework.AttrTypes: %s is a %s, which does not say what it holds; use a Go slice, map or struct pointer", field, t))
	}
	if at, ok := goKindAttrType[t.Kind()]; ok {
		return at
	}
	switch t.Kind() {
	case reflect.Slice:
		return types.ListType{ElemType: attrTypeOf(t.Elem(), field)}
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return types.MapType{ElemType: attrTypeOf(t.Elem(), field)}
		}
	case reflect.Struct:
		return types.ObjectType{AttrTypes: maps.Clone(attrTypesOf(t))}
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Struct {
			return types.ObjectType{AttrTypes: maps.Clone(attrTypesOf(t.Elem()))}
		}
	}
	panic(fmt.Sprintf("framework.AttrTypes: %s has type %s, which has no Terraform type", field, t))
}

// complete reports whether at says what it holds: the zero values of types.List, types.Set, types.Map
// and types.Object have no element or attribute types.
func complete(at attr.Type) bool {
	switch t := at.(type) {
	case types.ListType:
		return t.ElemType != nil
	case types.SetType:
		return t.ElemType != nil
	case types.MapType:
		return t.ElemType != nil
	case types.ObjectType:
		return len(t.AttrTypes) > 0
	}
	return true
}
