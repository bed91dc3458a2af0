package soql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Aggregate SOQL (COUNT, COUNT_DISTINCT, MAX, MIN, SUM, AVG, GROUP BY, HAVING) as Salesforce documents it in
// the SOQL and SOSL Reference ("Aggregate Functions", "GROUP BY", "HAVING"). The shared reference
// (salesforce-api.md) documents only that SetupAuditTrail restricts aggregates and that LoginHistory's Status
// groups; the rest below follows the public SOQL reference and is marked inferred where it goes further:
//   - rows are {"attributes":{"type":"AggregateResult"}, …} with no url; totalSize counts the rows (groups);
//   - an aggregate without an alias is named expr0, expr1, … counting the unaliased aggregates in order;
//   - a grouped field is named by its field name without the relationship (Profile.Name → "Name");
//   - with no GROUP BY the aggregates make one row, even over no rows (COUNT(Id) = 0, MAX = null);
//   - grouping compares text case-insensitively and keeps groups in the order they first appear (inferred).

// aggItem is one resolved select item of an aggregate query.
type aggItem struct {
	fn    string
	field *resolved
	name  string // the key in the AggregateResult row
}

type group struct {
	keys []any
	rows []Record
}

// aggKind is the comparison kind of an aggregate's value.
func aggKind(fn string, r *resolved) FieldKind {
	switch fn {
	case "COUNT", "COUNT_DISTINCT":
		return FieldInt
	case "SUM", "AVG":
		return FieldDouble
	}
	return r.kind
}

func (ex *executor) checkAggregate(fn string, p Path) (*resolved, error) {
	r, err := ex.resolve(p)
	if err != nil {
		return nil, err
	}
	if (fn == "SUM" || fn == "AVG") && r.kind != FieldInt && r.kind != FieldDouble {
		// Message inferred from Salesforce's answer to SUM on a text field.
		return nil, errorAt("INVALID_FIELD", ex.q.Source, p.Pos, fmt.Sprintf("field %s does not support aggregate operator %s", p.Parts[len(p.Parts)-1], fn))
	}
	return r, nil
}

// aggregate groups rows (already filtered by WHERE) and evaluates the select list, HAVING, ORDER BY, OFFSET
// and LIMIT over the groups.
func (ex *executor) aggregate(rows []Record) (*Result, error) {
	q := ex.q
	grouped := map[string]int{}
	groupBy := make([]*resolved, len(q.GroupBy))
	for i, p := range q.GroupBy {
		r, err := ex.resolve(p)
		if err != nil {
			return nil, err
		}
		groupBy[i] = r
		grouped[strings.ToLower(r.key())] = i
	}
	// Salesforce's wording for a non-grouped, non-aggregated field (from its SOQL error answers; not in the
	// shared reference, so inferred).
	notGrouped := func(p Path) error {
		return malformedAt(q.Source, p.Pos, fmt.Sprintf("Field must be grouped or aggregated: %s", p.String()))
	}
	items := make([]aggItem, 0, len(q.Items))
	names := map[string]bool{}
	unnamed := 0
	for _, it := range q.Items {
		var r *resolved
		var err error
		if it.Func == "" {
			if r, err = ex.resolve(it.Path); err != nil {
				return nil, err
			}
			if _, ok := grouped[strings.ToLower(r.key())]; !ok {
				return nil, notGrouped(it.Path)
			}
		} else if r, err = ex.checkAggregate(it.Func, it.Path); err != nil {
			return nil, err
		}
		name := it.Alias
		switch {
		case name != "":
		case it.Func == "":
			name = r.field
		default:
			name = "expr" + strconv.Itoa(unnamed)
			unnamed++
		}
		if names[strings.ToLower(name)] {
			// Inferred: Salesforce refuses a name used twice in one AggregateResult row.
			return nil, malformedAt(q.Source, it.Pos, "duplicate alias: "+name)
		}
		names[strings.ToLower(name)] = true
		items = append(items, aggItem{fn: it.Func, field: r, name: name})
	}

	// Group the rows.
	var groups []*group
	if len(groupBy) == 0 {
		groups = []*group{{rows: rows}}
	} else {
		index := map[string]*group{}
		for _, row := range rows {
			keys := make([]any, len(groupBy))
			var b strings.Builder
			for i, r := range groupBy {
				v := ex.value(r, row)
				keys[i] = v
				s := fmt.Sprint(v)
				switch r.kind {
				case FieldString:
					s = strings.ToLower(s)
				case FieldID:
					s = idPrefix(s)
				}
				fmt.Fprintf(&b, "%d:%s|", len(s), s)
				if v == nil {
					b.WriteString("null|")
				}
			}
			g := index[b.String()]
			if g == nil {
				g = &group{keys: keys}
				index[b.String()] = g
				groups = append(groups, g)
			}
			g.rows = append(g.rows, row)
		}
	}

	// value of a plain field (grouped) or an aggregate in a group.
	valueIn := func(g *group, fn string, r *resolved) any {
		if fn == "" {
			return g.keys[grouped[strings.ToLower(r.key())]]
		}
		return ex.compute(fn, r, g.rows)
	}

	if q.Having != nil {
		if err := ex.checkHaving(q.Having, grouped, notGrouped); err != nil {
			return nil, err
		}
		kept := groups[:0]
		for _, g := range groups {
			if ex.evalHaving(q.Having, g, valueIn) {
				kept = append(kept, g)
			}
		}
		groups = kept
	}

	if len(q.OrderBy) > 0 {
		type key struct {
			fn string
			r  *resolved
		}
		keys := make([]key, len(q.OrderBy))
		for i, o := range q.OrderBy {
			if o.Func == "" {
				r, err := ex.resolve(o.Path)
				if err != nil {
					return nil, err
				}
				if _, ok := grouped[strings.ToLower(r.key())]; !ok {
					return nil, notGrouped(o.Path)
				}
				keys[i] = key{r: r}
				continue
			}
			r, err := ex.checkAggregate(o.Func, o.Path)
			if err != nil {
				return nil, err
			}
			keys[i] = key{fn: o.Func, r: r}
		}
		sort.SliceStable(groups, func(i, j int) bool {
			for k, o := range q.OrderBy {
				kind := aggKind(keys[k].fn, keys[k].r)
				a, b := valueIn(groups[i], keys[k].fn, keys[k].r), valueIn(groups[j], keys[k].fn, keys[k].r)
				c := compareValues(a, b, kind, o.NullsFirst)
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
		if q.Offset >= len(groups) {
			groups = nil
		} else {
			groups = groups[q.Offset:]
		}
	}
	if q.Limit >= 0 && q.Limit < len(groups) {
		groups = groups[:q.Limit]
	}

	res := &Result{Object: "AggregateResult", TotalSize: len(groups)}
	if q.Count {
		return res, nil
	}
	res.Records = make([]*Object, 0, len(groups))
	for _, g := range groups {
		out := NewObject()
		attrs := NewObject()
		attrs.Set("type", "AggregateResult")
		out.Set("attributes", attrs)
		for _, it := range items {
			out.Set(it.name, valueIn(g, it.fn, it.field))
		}
		res.Records = append(res.Records, out)
	}
	return res, nil
}

// compute evaluates one aggregate function of field r over rows. COUNT and COUNT_DISTINCT skip nulls and
// answer an integer; SUM and AVG skip nulls and answer null when every value is null; MAX and MIN order as
// ORDER BY does.
func (ex *executor) compute(fn string, r *resolved, rows []Record) any {
	switch fn {
	case "COUNT":
		n := 0
		for _, row := range rows {
			if v := ex.value(r, row); v != nil && v != "" {
				n++
			}
		}
		return n
	case "COUNT_DISTINCT":
		seen := map[string]bool{}
		for _, row := range rows {
			v := ex.value(r, row)
			if v == nil || v == "" {
				continue
			}
			s := fmt.Sprint(v)
			switch r.kind {
			case FieldString:
				s = strings.ToLower(s) // inferred: text compares case-insensitively, as in GROUP BY
			case FieldID:
				s = idPrefix(s)
			}
			seen[s] = true
		}
		return len(seen)
	case "SUM", "AVG":
		sum, n := 0.0, 0
		for _, row := range rows {
			if v := ex.value(r, row); v != nil {
				sum += toFloat(v)
				n++
			}
		}
		if n == 0 {
			return nil
		}
		if fn == "AVG" {
			return sum / float64(n)
		}
		return sum
	}
	var best any
	for _, row := range rows {
		v := ex.value(r, row)
		if v == nil || v == "" {
			continue
		}
		if best == nil {
			best = v
			continue
		}
		c := compareValues(v, best, r.kind, true)
		if (fn == "MAX" && c > 0) || (fn == "MIN" && c < 0) {
			best = v
		}
	}
	return best
}

// checkHaving validates a HAVING condition: each comparison is on an aggregate or a grouped field, and its
// literals have the aggregate's type.
func (ex *executor) checkHaving(e Expr, grouped map[string]int, notGrouped func(Path) error) error {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			if err := ex.checkHaving(t, grouped, notGrouped); err != nil {
				return err
			}
		}
	case *Or:
		for _, t := range e.Terms {
			if err := ex.checkHaving(t, grouped, notGrouped); err != nil {
				return err
			}
		}
	case *Not:
		return ex.checkHaving(e.Term, grouped, notGrouped)
	case *Compare:
		if e.Sub != nil {
			return malformedAt(ex.q.Source, e.OpPos, "semi join sub-selects are not allowed in HAVING")
		}
		if e.Func == "" {
			r, err := ex.resolve(e.Path)
			if err != nil {
				return err
			}
			if _, ok := grouped[strings.ToLower(r.key())]; !ok {
				return notGrouped(e.Path)
			}
			return ex.checkCompare(e, r)
		}
		r, err := ex.checkAggregate(e.Func, e.Path)
		if err != nil {
			return err
		}
		return ex.checkCompare(e, &resolved{steps: r.steps, field: r.field, obj: r.obj, kind: aggKind(e.Func, r)})
	}
	return nil
}

func (ex *executor) evalHaving(e Expr, g *group, valueIn func(*group, string, *resolved) any) bool {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			if !ex.evalHaving(t, g, valueIn) {
				return false
			}
		}
		return true
	case *Or:
		for _, t := range e.Terms {
			if ex.evalHaving(t, g, valueIn) {
				return true
			}
		}
		return false
	case *Not:
		return !ex.evalHaving(e.Term, g, valueIn)
	case *Compare:
		r := ex.cache[strings.ToLower(e.Path.String())]
		return match(e, aggKind(e.Func, r), valueIn(g, e.Func, r))
	}
	return false
}
