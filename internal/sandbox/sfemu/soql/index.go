package soql

import (
	"fmt"
	"strings"
)

// IndexedSource is a Source that keeps equality indexes on some fields, so a selective WHERE reads a
// few candidate rows instead of scanning every row of a large table.
type IndexedSource interface {
	Source
	// Indexed returns the rows of object whose field has one of keys (made by IndexKey), in Rows order;
	// ok is false when field has no index.
	Indexed(object, field string, keys []string) (rows []Record, ok bool)
}

// IndexKey is the equality key of a stored value of a field of kind: the WHERE clause finds two values
// equal exactly when their keys are equal (compareValues: ids by their case-sensitive 15-character
// prefix, strings case-insensitively). ok is false for nil and for kinds that are not indexed.
func IndexKey(kind FieldKind, v any) (key string, ok bool) {
	if v == nil {
		return "", false
	}
	switch kind {
	case FieldID:
		return idPrefix(fmt.Sprint(v)), true
	case FieldString:
		return strings.ToLower(fmt.Sprint(v)), true
	}
	return "", false
}

// candidates returns the rows the WHERE clause is evaluated on: the fewest rows one indexed equality
// term of a top-level AND allows, or every row. Callers still evaluate the whole WHERE on each, so the
// index only narrows the scan and never changes a result.
func (ex *executor) candidates() []Record {
	is, ok := ex.src.(IndexedSource)
	if !ok || ex.q.Where == nil {
		return ex.src.Rows(ex.obj)
	}
	var terms []Expr
	switch w := ex.q.Where.(type) {
	case *And:
		terms = w.Terms
	case *Compare:
		terms = []Expr{w}
	default: // OR and NOT can match rows outside any one term's values
		return ex.src.Rows(ex.obj)
	}
	var best []Record
	found := false
	for _, t := range terms {
		c, ok := t.(*Compare)
		if !ok || (c.Op != "=" && c.Op != "IN") {
			continue
		}
		r := ex.cache[strings.ToLower(c.Path.String())]
		if r == nil || len(r.steps) > 0 {
			continue
		}
		keys, ok := literalKeys(c, r.kind)
		if !ok {
			continue
		}
		rows, ok := is.Indexed(ex.obj, r.field, keys)
		if !ok {
			continue
		}
		if !found || len(rows) < len(best) {
			best, found = rows, true
		}
		if len(best) == 0 {
			break
		}
	}
	if !found {
		return ex.src.Rows(ex.obj)
	}
	return best
}

// literalKeys returns the distinct index keys of a checked = or IN term's literals; ok is false when
// one of them is not a plain string (null matches empty values, which the index does not hold).
func literalKeys(c *Compare, kind FieldKind) ([]string, bool) {
	keys := make([]string, 0, len(c.Values))
	seen := make(map[string]bool, len(c.Values))
	for _, v := range c.Values {
		if v.Kind != KindString {
			return nil, false
		}
		k, ok := IndexKey(kind, literalValue(v, kind))
		if !ok {
			return nil, false
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, true
}

// inSet returns the literal keys of an IN or NOT IN term on a string or id field, or nil for any other
// term. A row is IN exactly when its value's key is in the set: the keys agree with equal, and a null
// value equals no quoted literal.
func (ex *executor) inSet(c *Compare, kind FieldKind) map[string]bool {
	if c.Op != "IN" && c.Op != "NOTIN" {
		return nil
	}
	if set, ok := ex.inSets[c]; ok {
		return set
	}
	var set map[string]bool
	if keys, ok := literalKeys(c, kind); ok && (kind == FieldString || kind == FieldID) {
		set = make(map[string]bool, len(keys))
		for _, k := range keys {
			set[k] = true
		}
	}
	if ex.inSets == nil {
		ex.inSets = map[*Compare]map[string]bool{}
	}
	ex.inSets[c] = set
	return set
}
