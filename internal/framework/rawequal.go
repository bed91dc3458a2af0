package framework

import (
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// RawEqual reports what a.Equal(b) reports (same type, same values, sets compared as sets), in time linear
// in the size of the values: tftypes compares a set by looking each element up in the other set, which is
// quadratic for the large string sets of a binding. Sets of known strings are compared with a map; other
// sets fall back to tftypes.
func RawEqual(a, b tftypes.Value) bool {
	if a.Type() == nil || b.Type() == nil || !a.Type().Equal(b.Type()) {
		return a.Equal(b)
	}
	return rawEqual(a, b)
}

func rawEqual(a, b tftypes.Value) bool {
	if a.IsKnown() != b.IsKnown() {
		return false
	}
	if !a.IsKnown() {
		return true
	}
	if a.IsNull() != b.IsNull() {
		return false
	}
	if a.IsNull() {
		return true
	}
	switch typ := a.Type().(type) {
	case tftypes.Object, tftypes.Map:
		var am, bm map[string]tftypes.Value
		if a.As(&am) != nil || b.As(&bm) != nil || len(am) != len(bm) {
			return a.Equal(b)
		}
		for k, av := range am {
			bv, ok := bm[k]
			if !ok || !rawEqual(av, bv) {
				return false
			}
		}
		return true
	case tftypes.List, tftypes.Tuple:
		var as, bs []tftypes.Value
		if a.As(&as) != nil || b.As(&bs) != nil {
			return a.Equal(b)
		}
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !rawEqual(as[i], bs[i]) {
				return false
			}
		}
		return true
	case tftypes.Set:
		if !typ.ElementType.Is(tftypes.String) {
			return a.Equal(b)
		}
		ac, aok := stringCounts(a)
		bc, bok := stringCounts(b)
		if !aok || !bok {
			return a.Equal(b)
		}
		return sameCounts(ac, bc)
	}
	switch {
	case a.Type().Is(tftypes.String):
		var as, bs string
		return a.As(&as) == nil && b.As(&bs) == nil && as == bs
	case a.Type().Is(tftypes.Bool):
		var ab, bb bool
		return a.As(&ab) == nil && b.As(&bb) == nil && ab == bb
	case a.Type().Is(tftypes.Number):
		var an, bn big.Float
		return a.As(&an) == nil && b.As(&bn) == nil && an.Cmp(&bn) == 0
	}
	return a.Equal(b)
}

// stringCounts counts each string of a set(string); ok is false when an element is null or unknown.
func stringCounts(set tftypes.Value) (counts map[string]int, ok bool) {
	var elems []tftypes.Value
	if set.As(&elems) != nil {
		return nil, false
	}
	counts = make(map[string]int, len(elems))
	for _, e := range elems {
		var s string
		if !e.IsKnown() || e.IsNull() || e.As(&s) != nil {
			return nil, false
		}
		counts[s]++
	}
	return counts, true
}
