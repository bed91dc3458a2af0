package soql

import (
	"fmt"
	"sort"
	"strings"
)

// FieldKind is how a field's values compare.
type FieldKind int

// Field kinds.
const (
	FieldString FieldKind = iota
	FieldID
	FieldBool
	FieldInt
	FieldDouble
	FieldDate
	FieldDateTime
)

var kindNames = map[FieldKind]string{
	FieldString: "string", FieldID: "id", FieldBool: "boolean", FieldInt: "integer", FieldDouble: "double",
	FieldDate: "date", FieldDateTime: "dateTime",
}

// Record is one stored row: canonical field name to a JSON value (string, bool, float64, int or nil).
// Dates and datetimes are strings in the wire format.
type Record map[string]any

// Source is the schema and data a query runs against.
type Source interface {
	// Object returns the canonical name of a queryable sObject type.
	Object(name string) (canonical string, ok bool)
	// Field returns the canonical name and comparison kind of a field of object.
	Field(object, name string) (canonical string, kind FieldKind, ok bool)
	// Relationship resolves a parent relationship (Profile on User) to its canonical name, lookup field and target type.
	Relationship(object, name string) (canonical, idField, target string, ok bool)
	// Rows returns every row of object, in a stable order.
	Rows(object string) []Record
	// Lookup returns one row by 15- or 18-character id, or nil.
	Lookup(object, id string) Record
	// URL is the attributes.url of a row.
	URL(object, id string) string
}

// Result is an evaluated query, records projected as Salesforce returns them.
type Result struct {
	Object    string // canonical name of the queried type
	TotalSize int
	Records   []*Object
}

type step struct {
	rel, idField, target string
}

type resolved struct {
	steps []step
	field string
	kind  FieldKind
	obj   string // the object owning field
}

// Execute validates q against src and evaluates it.
func Execute(q *Query, src Source) (*Result, error) {
	ex, rows, err := filter(q, src)
	if err != nil {
		return nil, err
	}
	if q.Aggregate() || (q.Count && len(q.GroupBy) > 0) {
		return ex.aggregate(rows)
	}
	for _, it := range q.Items {
		if it.Alias != "" {
			// The message is inferred (not in the reference): Salesforce allows aliases on aggregate queries only.
			return nil, malformedAt(q.Source, it.Pos, "Only aggregate expressions use field aliasing")
		}
	}
	if q.Having != nil {
		// Inferred message: HAVING filters groups, so a query that neither groups nor aggregates cannot have one.
		return nil, malformedAt(q.Source, q.FromPos, "HAVING clause requires a GROUP BY clause or an aggregate expression")
	}
	selected := make([]*resolved, 0, len(q.Fields))
	seen := map[string]bool{}
	for _, f := range q.Fields {
		r, err := ex.resolve(f)
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(r.key())
		if seen[key] {
			return nil, malformedAt(q.Source, f.Pos, fmt.Sprintf("duplicate field selected: %s", f.String()))
		}
		seen[key] = true
		selected = append(selected, r)
	}
	res := &Result{Object: ex.obj, TotalSize: len(rows)}
	if q.Count {
		return res, nil
	}
	res.Records = make([]*Object, 0, len(rows))
	for _, row := range rows {
		res.Records = append(res.Records, ex.project(row, selected))
	}
	return res, nil
}

// filter resolves q's object, checks WHERE and ORDER BY, and returns the matching rows in order,
// after OFFSET and LIMIT.
func filter(q *Query, src Source) (*executor, []Record, error) {
	obj, ok := src.Object(q.From)
	if !ok {
		return nil, nil, errorAt("INVALID_TYPE", q.Source, q.FromPos, fmt.Sprintf("sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", q.From))
	}
	ex := &executor{q: q, src: src, obj: obj, cache: map[string]*resolved{}}
	for _, f := range q.Fields {
		if _, err := ex.resolve(f); err != nil {
			return nil, nil, err
		}
	}
	if q.Where != nil {
		if err := ex.check(q.Where); err != nil {
			return nil, nil, err
		}
	}
	var rows []Record
	for _, row := range ex.candidates() {
		if q.Where == nil || ex.eval(q.Where, row) {
			rows = append(rows, row)
		}
	}
	if q.Aggregate() || (q.Count && len(q.GroupBy) > 0) {
		// Grouped queries order, offset and limit the groups, not the rows (aggregate.go).
		return ex, rows, nil
	}
	orders := make([]*resolved, len(q.OrderBy))
	for i, o := range q.OrderBy {
		if o.Func != "" { // inferred message, as for HAVING
			return nil, nil, malformedAt(q.Source, o.Path.Pos, "Ordering by an aggregate requires an aggregate query")
		}
		r, err := ex.resolve(o.Path)
		if err != nil {
			return nil, nil, err
		}
		orders[i] = r
	}
	if len(orders) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for k, o := range q.OrderBy {
				a, b := ex.value(orders[k], rows[i]), ex.value(orders[k], rows[j])
				c := compareValues(a, b, orders[k].kind, o.NullsFirst)
				if c == 0 {
					continue
				}
				if o.Desc && a != nil && b != nil {
					c = -c
				}
				return c < 0
			}
			return false
		})
	}
	if q.Offset > 0 {
		if q.Offset >= len(rows) {
			rows = nil
		} else {
			rows = rows[q.Offset:]
		}
	}
	if q.Limit >= 0 && q.Limit < len(rows) {
		rows = rows[:q.Limit]
	}
	return ex, rows, nil
}

type executor struct {
	q     *Query
	src   Source
	obj   string
	cache map[string]*resolved
	// inSets are the literal keys of IN and NOT IN terms (index.go), so a row is tested once, not once per literal.
	inSets map[*Compare]map[string]bool
}

func (r *resolved) key() string {
	parts := make([]string, 0, len(r.steps)+1)
	for _, s := range r.steps {
		parts = append(parts, s.rel)
	}
	return strings.Join(append(parts, r.field), ".")
}

func (ex *executor) resolve(p Path) (*resolved, error) {
	if r, ok := ex.cache[strings.ToLower(p.String())]; ok {
		return r, nil
	}
	parts := p.Parts
	obj := ex.obj
	// A path may start with the queried object's own name: SELECT User.Name FROM User.
	if len(parts) > 1 && strings.EqualFold(parts[0], obj) {
		if _, _, _, isRel := ex.src.Relationship(obj, parts[0]); !isRel {
			parts = parts[1:]
		}
	}
	r := &resolved{}
	for _, name := range parts[:len(parts)-1] {
		rel, idField, target, ok := ex.src.Relationship(obj, name)
		if !ok {
			return nil, errorAt("INVALID_FIELD", ex.q.Source, p.Pos, fmt.Sprintf("Didn't understand relationship '%s' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.", name))
		}
		r.steps = append(r.steps, step{rel: rel, idField: idField, target: target})
		obj = target
	}
	last := parts[len(parts)-1]
	field, kind, ok := ex.src.Field(obj, last)
	if !ok {
		return nil, errorAt("INVALID_FIELD", ex.q.Source, p.Pos, fmt.Sprintf("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", last, obj))
	}
	r.field, r.kind, r.obj = field, kind, obj
	ex.cache[strings.ToLower(p.String())] = r
	return r, nil
}

func (ex *executor) check(e Expr) error {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			if err := ex.check(t); err != nil {
				return err
			}
		}
	case *Or:
		for _, t := range e.Terms {
			if err := ex.check(t); err != nil {
				return err
			}
		}
	case *Not:
		return ex.check(e.Term)
	case *Compare:
		r, err := ex.resolve(e.Path)
		if err != nil {
			return err
		}
		return ex.checkCompare(e, r)
	}
	return nil
}

func (ex *executor) checkCompare(c *Compare, r *resolved) error {
	name := c.Path.Parts[len(c.Path.Parts)-1]
	if c.Sub != nil {
		return ex.semiJoin(c, r)
	}
	if c.Op == "LIKE" && r.kind != FieldString {
		return errorAt("INVALID_FIELD", ex.q.Source, c.Path.Pos, fmt.Sprintf("invalid operator on %s field: %s", kindNames[r.kind], name))
	}
	if (c.Op == "<" || c.Op == ">" || c.Op == "<=" || c.Op == ">=") && (r.kind == FieldBool || r.kind == FieldID) {
		return errorAt("INVALID_FIELD", ex.q.Source, c.OpPos, fmt.Sprintf("invalid operator on %s field: %s", kindNames[r.kind], name))
	}
	for i, v := range c.Values {
		if v.Kind == KindNull {
			if c.Op == "LIKE" || c.Op == "IN" || c.Op == "NOTIN" || (c.Op != "=" && c.Op != "!=") {
				return malformedAt(ex.q.Source, v.Pos, "unexpected token: 'null'")
			}
			continue
		}
		quoted := v.Kind == KindString
		ok := false
		switch r.kind {
		case FieldString:
			ok = quoted
		case FieldID:
			ok = quoted
			if ok {
				id, valid := normalizeID(v.Str)
				if !valid {
					return errorAt("INVALID_QUERY_FILTER_OPERATOR", ex.q.Source, v.Pos, fmt.Sprintf("invalid ID field: %s", v.Str))
				}
				c.Values[i].Str = id
			}
		case FieldBool:
			ok = v.Kind == KindBool
		case FieldInt, FieldDouble:
			ok = v.Kind == KindNumber
		case FieldDate:
			ok = v.Kind == KindDate || v.Kind == KindDateRange
		case FieldDateTime:
			ok = v.Kind == KindDateTime || v.Kind == KindDateRange
		}
		if !ok {
			enclosed := "should not be enclosed in quotes"
			if r.kind == FieldString || r.kind == FieldID {
				enclosed = "should be enclosed in quotes"
			}
			return errorAt("INVALID_FIELD", ex.q.Source, v.Pos, fmt.Sprintf("value of filter criterion for field '%s' must be of type %s and %s", name, kindNames[r.kind], enclosed))
		}
	}
	return nil
}

func (ex *executor) value(r *resolved, row Record) any {
	cur := row
	for _, s := range r.steps {
		id, _ := cur[s.idField].(string)
		if id == "" {
			return nil
		}
		cur = ex.src.Lookup(s.target, id)
		if cur == nil {
			return nil
		}
	}
	return cur[r.field]
}

func (ex *executor) eval(e Expr, row Record) bool {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			if !ex.eval(t, row) {
				return false
			}
		}
		return true
	case *Or:
		for _, t := range e.Terms {
			if ex.eval(t, row) {
				return true
			}
		}
		return false
	case *Not:
		return !ex.eval(e.Term, row)
	case *Compare:
		r := ex.cache[strings.ToLower(e.Path.String())]
		if set := ex.inSet(e, r.kind); set != nil {
			k, ok := IndexKey(r.kind, ex.value(r, row))
			return (ok && set[k]) == (e.Op == "IN")
		}
		return match(e, r.kind, ex.value(r, row))
	}
	return false
}

func (ex *executor) project(row Record, selected []*resolved) *Object {
	out := NewObject()
	id, _ := row["Id"].(string)
	out.Set("attributes", ex.attributes(ex.obj, id))
	for _, r := range selected {
		cur, target := row, out
		missing := false
		for _, s := range r.steps {
			if missing {
				break
			}
			existing, present := target.Get(s.rel)
			if present && existing == nil {
				missing = true
				break
			}
			pid, _ := cur[s.idField].(string)
			parent := Record(nil)
			if pid != "" {
				parent = ex.src.Lookup(s.target, pid)
			}
			if parent == nil {
				target.Set(s.rel, nil)
				missing = true
				break
			}
			nested, _ := existing.(*Object)
			if nested == nil {
				nested = NewObject()
				ppid, _ := parent["Id"].(string)
				nested.Set("attributes", ex.attributes(s.target, ppid))
				target.Set(s.rel, nested)
			}
			cur, target = parent, nested
		}
		if !missing {
			target.Set(r.field, cur[r.field])
		}
	}
	return out
}

func (ex *executor) attributes(object, id string) *Object {
	a := NewObject()
	a.Set("type", object)
	a.Set("url", ex.src.URL(object, id))
	return a
}

// semiJoin evaluates an IN (SELECT …) sub-select into literal ids. Both sides must be ids, the
// sub-select selects exactly one field, and semi-joins do not nest, as in Salesforce.
func (ex *executor) semiJoin(c *Compare, r *resolved) error {
	sub := c.Sub
	if r.kind != FieldID {
		return errorAt("INVALID_FIELD", ex.q.Source, c.Path.Pos, "Semi join sub-selects are only allowed on Id or reference fields: "+c.Path.String())
	}
	if sub.Count || sub.Aggregate() || len(sub.Fields) != 1 {
		return malformedAt(ex.q.Source, c.OpPos, "The inner select field must be exactly one Id or reference field")
	}
	if hasSubSelect(sub.Where) {
		return malformedAt(ex.q.Source, c.OpPos, "Nesting of semi join sub-selects is not supported")
	}
	subEx, rows, err := filter(sub, ex.src)
	if err != nil {
		return err
	}
	field, err := subEx.resolve(sub.Fields[0])
	if err != nil {
		return err
	}
	if field.kind != FieldID {
		return errorAt("INVALID_FIELD", ex.q.Source, sub.Fields[0].Pos, "The selected field in a semi join sub-select must be an Id or reference field: "+sub.Fields[0].String())
	}
	c.Values = c.Values[:0]
	for _, row := range rows {
		if id, ok := subEx.value(field, row).(string); ok && id != "" {
			c.Values = append(c.Values, Value{Kind: KindString, Str: idPrefix(id)})
		}
	}
	return nil
}

func hasSubSelect(e Expr) bool {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			if hasSubSelect(t) {
				return true
			}
		}
	case *Or:
		for _, t := range e.Terms {
			if hasSubSelect(t) {
				return true
			}
		}
	case *Not:
		return hasSubSelect(e.Term)
	case *Compare:
		return e.Sub != nil
	}
	return false
}
