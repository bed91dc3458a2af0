package sfemu

import (
	"slices"
	"sort"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// eqIndexedFields are the fields the provider's bulk reads filter on with = and IN: the federation id
// and username look-ups over whole estates and the assignment reads by permission set or assignee.
// Rows of these types change through insert, update and deleteRow; code that edits one in place must
// call eqIndexUpdate, or a query would miss the row.
var eqIndexedFields = map[string][]string{
	"User":                    {"Id", "FederationIdentifier", "Username"},
	"PermissionSetAssignment": {"Id", "PermissionSetId", "AssigneeId"},
}

// eqIndex maps field values of one type to its rows, keyed as soql.IndexKey keys them so an indexed
// read and a scan agree. It is derived, lives on the store, and is built on first use, so a seed load,
// LoadState or rollback (which each swap in a new store) start without one; the DML paths keep it current.
type eqIndex struct {
	pos    map[string]uint64 // row key → position, increasing along table.Order (gaps where rows were deleted)
	next   uint64
	fields map[string]*eqField
}

type eqField struct {
	kind    soql.FieldKind
	buckets map[string][]string // index key → row keys, in table order
}

// eqIndexFor returns the index of typ, building it from the table when absent; nil when typ is not indexed.
func (o *Org) eqIndexFor(typ string) *eqIndex {
	names := eqIndexedFields[typ]
	if names == nil {
		return nil
	}
	if ix := o.data.eq[typ]; ix != nil {
		return ix
	}
	t := o.objectType(typ)
	ix := &eqIndex{pos: map[string]uint64{}, fields: map[string]*eqField{}}
	for _, name := range names {
		if f := t.field(name); f != nil {
			ix.fields[f.Name] = &eqField{kind: soqlKind(f.Type), buckets: map[string][]string{}}
		}
	}
	if tb := o.data.Tables[typ]; tb != nil {
		for _, k := range tb.Order {
			ix.add(k, tb.Rows[k])
		}
	}
	if o.data.eq == nil {
		o.data.eq = map[string]*eqIndex{}
	}
	o.data.eq[typ] = ix
	return ix
}

// add registers a row appended at the end of the table.
func (ix *eqIndex) add(k string, rec soql.Record) {
	ix.pos[k] = ix.next
	ix.next++
	for name, f := range ix.fields {
		if v, ok := soql.IndexKey(f.kind, rec[name]); ok {
			f.buckets[v] = append(f.buckets[v], k)
		}
	}
}

// remove forgets a row.
func (ix *eqIndex) remove(k string, rec soql.Record) {
	for name, f := range ix.fields {
		if v, ok := soql.IndexKey(f.kind, rec[name]); ok {
			f.unlink(ix, v, k)
		}
	}
	delete(ix.pos, k)
}

// change moves a row whose indexed values went from old to rec, keeping its place in table order.
func (ix *eqIndex) change(k string, old, rec soql.Record) {
	for name, f := range ix.fields {
		ov, oldOK := soql.IndexKey(f.kind, old[name])
		nv, newOK := soql.IndexKey(f.kind, rec[name])
		if oldOK == newOK && ov == nv {
			continue
		}
		if oldOK {
			f.unlink(ix, ov, k)
		}
		if newOK {
			f.link(ix, nv, k)
		}
	}
}

// position returns where row k sits, or would sit, in bucket.
func (ix *eqIndex) position(bucket []string, k string) int {
	p := ix.pos[k]
	return sort.Search(len(bucket), func(i int) bool { return ix.pos[bucket[i]] >= p })
}

func (f *eqField) link(ix *eqIndex, v, k string) {
	b := f.buckets[v]
	f.buckets[v] = slices.Insert(b, ix.position(b, k), k)
}

func (f *eqField) unlink(ix *eqIndex, v, k string) {
	b := f.buckets[v]
	if i := ix.position(b, k); i < len(b) && b[i] == k {
		b = slices.Delete(b, i, i+1)
	}
	if len(b) == 0 {
		delete(f.buckets, v)
		return
	}
	f.buckets[v] = b
}

// indexedRows returns the rows of typ whose field has one of keys, in table order; ok is false when
// the field is not indexed.
func (o *Org) indexedRows(typ, field string, keys []string) ([]soql.Record, bool) {
	ix := o.eqIndexFor(typ)
	if ix == nil || ix.fields[field] == nil {
		return nil, false
	}
	f := ix.fields[field]
	var hits []string
	for _, v := range keys {
		hits = append(hits, f.buckets[v]...)
	}
	if len(keys) > 1 { // each bucket is in order, their concatenation is not
		sort.Slice(hits, func(i, j int) bool { return ix.pos[hits[i]] < ix.pos[hits[j]] })
	}
	tb := o.data.Tables[typ]
	rows := make([]soql.Record, 0, len(hits))
	for _, k := range hits {
		rows = append(rows, tb.Rows[k])
	}
	return rows, true
}

// rowsWith returns the rows of typ whose indexed field equals v, in table order (none when the field is
// not indexed: eqIndexedFields lists those that are).
func (o *Org) rowsWith(typ, field string, v any) []soql.Record {
	ix := o.eqIndexFor(typ)
	if ix == nil || ix.fields[field] == nil {
		return nil
	}
	key, ok := soql.IndexKey(ix.fields[field].kind, v)
	if !ok {
		return nil
	}
	rows, _ := o.indexedRows(typ, field, []string{key})
	return rows
}

// The DML paths call these after changing a table; an index not built yet has nothing to update.

func (o *Org) eqIndexInsert(typ, k string, rec soql.Record) {
	if ix := o.data.eq[typ]; ix != nil {
		ix.add(k, rec)
	}
}

func (o *Org) eqIndexUpdate(typ, k string, old, rec soql.Record) {
	if ix := o.data.eq[typ]; ix != nil {
		ix.change(k, old, rec)
	}
}

func (o *Org) eqIndexDelete(typ, k string, rec soql.Record) {
	if ix := o.data.eq[typ]; ix != nil {
		ix.remove(k, rec)
	}
}

func (s querySource) Indexed(object, field string, keys []string) ([]soql.Record, bool) {
	return s.o.indexedRows(object, field, keys)
}
