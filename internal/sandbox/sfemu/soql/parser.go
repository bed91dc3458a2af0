package soql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Query is a parsed SOQL statement.
type Query struct {
	Source  string
	Count   bool   // SELECT COUNT()
	Fields  []Path // the plain (not aggregated) fields selected
	Items   []Item // every selected item in order, aggregates included
	From    string
	FromPos int
	Where   Expr // nil when absent
	GroupBy []Path
	Having  Expr // nil when absent; its comparisons may be on aggregates
	OrderBy []Order
	Limit   int // -1 when absent
	Offset  int
}

// Path is a dotted field reference such as Profile.Name, as written.
type Path struct {
	Parts []string
	Pos   int
}

func (p Path) String() string { return strings.Join(p.Parts, ".") }

// Item is one selected item: a plain field (Func empty) or an aggregate function of a field, with an
// optional alias (allowed on aggregate queries only).
type Item struct {
	Func  string // COUNT, COUNT_DISTINCT, MAX, MIN, SUM, AVG; upper case; empty for a plain field
	Path  Path
	Alias string
	Pos   int
}

// Aggregate reports whether q groups or aggregates its rows (an AggregateResult query).
func (q *Query) Aggregate() bool {
	if len(q.GroupBy) > 0 {
		return true
	}
	for _, it := range q.Items {
		if it.Func != "" {
			return true
		}
	}
	return false
}

var aggregateFuncs = map[string]bool{"COUNT": true, "COUNT_DISTINCT": true, "MAX": true, "MIN": true, "SUM": true, "AVG": true}

// Order is one ORDER BY item: a field, or an aggregate function of one (Func set).
type Order struct {
	Func       string
	Path       Path
	Desc       bool
	NullsFirst bool
}

// Expr is a WHERE condition: *And, *Or, *Not or *Compare.
type Expr interface{ expr() }

// And is true when every term is.
type And struct{ Terms []Expr }

// Or is true when any term is.
type Or struct{ Terms []Expr }

// Not negates its term.
type Not struct{ Term Expr }

// Compare is one field condition. Op is one of = != < <= > >= LIKE IN NOTIN. An IN or NOT IN may
// take a semi-join sub-select (Sub) instead of literal Values.
type Compare struct {
	Func   string // an aggregate function of Path, in HAVING only
	Path   Path
	Op     string
	Values []Value
	Sub    *Query
	OpPos  int
}

func (*And) expr()     {}
func (*Or) expr()      {}
func (*Not) expr()     {}
func (*Compare) expr() {}

// ValueKind tells which literal a Value holds.
type ValueKind int

// Literal kinds.
const (
	KindString ValueKind = iota
	KindNumber
	KindBool
	KindNull
	KindDate
	KindDateTime
	KindDateRange // TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n
)

// Value is a literal on the right of a comparison.
type Value struct {
	Kind ValueKind
	Str  string
	Num  float64
	Bool bool
	Time time.Time
	Pos  int
}

type parser struct {
	src    string
	toks   []token
	i      int
	having bool // parsing a HAVING condition, where aggregates may be compared
}

// Parse parses one SOQL query. Errors are *Error with code MALFORMED_QUERY.
func Parse(src string) (*Query, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	return p.query()
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(t token, kw string) bool {
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) unexpected(t token) error {
	return malformedAt(p.src, t.pos, fmt.Sprintf("unexpected token: '%s'", t.text))
}

func (p *parser) expectKeyword(kw string) (token, error) {
	t := p.next()
	if !p.isKeyword(t, kw) {
		return t, p.unexpected(t)
	}
	return t, nil
}

var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true, "IN": true, "LIKE": true,
	"ORDER": true, "BY": true, "LIMIT": true, "OFFSET": true, "NULL": true, "TRUE": true, "FALSE": true,
	"ASC": true, "DESC": true, "NULLS": true, "GROUP": true, "HAVING": true,
}

func (p *parser) query() (*Query, error) {
	q, err := p.queryBody()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t)
	}
	return q, nil
}

// queryBody parses a SELECT up to its end: the end of input, or the ')' closing a semi-join.
func (p *parser) queryBody() (*Query, error) {
	q := &Query{Source: p.src, Limit: -1}
	if _, err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	if t := p.peek(); p.isKeyword(t, "COUNT") && p.toks[p.i+1].kind == tokLParen && p.toks[p.i+2].kind == tokRParen {
		p.next()
		p.next()
		p.next()
		q.Count = true
	} else {
		for {
			it, err := p.selectItem()
			if err != nil {
				return nil, err
			}
			q.Items = append(q.Items, it)
			if it.Func == "" {
				q.Fields = append(q.Fields, it.Path)
			}
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if _, err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	from := p.next()
	if from.kind != tokIdent || reserved[strings.ToUpper(from.text)] {
		return nil, p.unexpected(from)
	}
	q.From, q.FromPos = from.text, from.pos
	if p.isKeyword(p.peek(), "WHERE") {
		p.next()
		e, err := p.condition()
		if err != nil {
			return nil, err
		}
		q.Where = e
	}
	if p.isKeyword(p.peek(), "GROUP") {
		p.next()
		if _, err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			q.GroupBy = append(q.GroupBy, path)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if p.isKeyword(p.peek(), "HAVING") {
		p.next()
		p.having = true
		e, err := p.condition()
		p.having = false
		if err != nil {
			return nil, err
		}
		q.Having = e
	}
	if p.isKeyword(p.peek(), "ORDER") {
		p.next()
		if _, err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			o, err := p.order()
			if err != nil {
				return nil, err
			}
			q.OrderBy = append(q.OrderBy, o)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if p.isKeyword(p.peek(), "LIMIT") {
		p.next()
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		q.Limit = n
	}
	if p.isKeyword(p.peek(), "OFFSET") {
		p.next()
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		q.Offset = n
	}
	return q, nil
}

func (p *parser) integer() (int, error) {
	t := p.next()
	if t.kind != tokNumber {
		return 0, p.unexpected(t)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		return 0, p.unexpected(t)
	}
	return n, nil
}

func (p *parser) path() (Path, error) {
	t := p.next()
	if t.kind != tokIdent || reserved[strings.ToUpper(t.text)] {
		return Path{}, p.unexpected(t)
	}
	path := Path{Parts: []string{t.text}, Pos: t.pos}
	for p.peek().kind == tokDot {
		p.next()
		t := p.next()
		if t.kind != tokIdent {
			return Path{}, p.unexpected(t)
		}
		path.Parts = append(path.Parts, t.text)
	}
	return path, nil
}

// selectItem parses a field or an aggregate function of one, and an optional alias.
func (p *parser) selectItem() (Item, error) {
	it := Item{Pos: p.peek().pos}
	fn, path, err := p.aggregateOrPath()
	if err != nil {
		return it, err
	}
	it.Func, it.Path = fn, path
	if t := p.peek(); t.kind == tokIdent && !reserved[strings.ToUpper(t.text)] {
		p.next()
		it.Alias = t.text
	}
	return it, nil
}

// aggregateOrPath parses FUNC(path) or a plain path.
func (p *parser) aggregateOrPath() (string, Path, error) {
	t := p.peek()
	if t.kind == tokIdent && aggregateFuncs[strings.ToUpper(t.text)] && p.toks[p.i+1].kind == tokLParen {
		p.next()
		p.next()
		path, err := p.path()
		if err != nil {
			return "", Path{}, err
		}
		if t := p.next(); t.kind != tokRParen {
			return "", Path{}, p.unexpected(t)
		}
		path.Pos = t.pos
		return strings.ToUpper(t.text), path, nil
	}
	path, err := p.path()
	return "", path, err
}

func (p *parser) order() (Order, error) {
	fn, path, err := p.aggregateOrPath()
	if err != nil {
		return Order{}, err
	}
	o := Order{Func: fn, Path: path, NullsFirst: true}
	switch {
	case p.isKeyword(p.peek(), "ASC"):
		p.next()
	case p.isKeyword(p.peek(), "DESC"):
		p.next()
		o.Desc, o.NullsFirst = true, false
	}
	if p.isKeyword(p.peek(), "NULLS") {
		p.next()
		t := p.next()
		switch {
		case p.isKeyword(t, "FIRST"):
			o.NullsFirst = true
		case p.isKeyword(t, "LAST"):
			o.NullsFirst = false
		default:
			return Order{}, p.unexpected(t)
		}
	}
	return o, nil
}

// condition parses a boolean expression. SOQL refuses to mix AND and OR at one level without
// parentheses, so a level is either all-AND or all-OR.
func (p *parser) condition() (Expr, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	joiner := ""
	for {
		t := p.peek()
		var kw string
		switch {
		case p.isKeyword(t, "AND"):
			kw = "AND"
		case p.isKeyword(t, "OR"):
			kw = "OR"
		default:
			return combine(joiner, terms), nil
		}
		if joiner != "" && joiner != kw {
			return nil, p.unexpected(t)
		}
		joiner = kw
		p.next()
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
}

func combine(joiner string, terms []Expr) Expr {
	switch {
	case len(terms) == 1:
		return terms[0]
	case joiner == "AND":
		return &And{Terms: terms}
	default:
		return &Or{Terms: terms}
	}
}

func (p *parser) unary() (Expr, error) {
	t := p.peek()
	if p.isKeyword(t, "NOT") {
		p.next()
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Not{Term: e}, nil
	}
	if t.kind == tokLParen {
		p.next()
		e, err := p.condition()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokRParen {
			return nil, p.unexpected(t)
		}
		return e, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (Expr, error) {
	var fn string
	var path Path
	var err error
	if p.having {
		fn, path, err = p.aggregateOrPath()
	} else {
		path, err = p.path()
	}
	if err != nil {
		return nil, err
	}
	t := p.next()
	c := &Compare{Func: fn, Path: path, OpPos: t.pos}
	switch {
	case t.kind == tokOp:
		c.Op = t.text
		if c.Op == "<>" {
			c.Op = "!="
		}
	case p.isKeyword(t, "LIKE"):
		c.Op = "LIKE"
	case p.isKeyword(t, "IN"):
		c.Op = "IN"
	case p.isKeyword(t, "NOT") && p.isKeyword(p.peek(), "IN"):
		p.next()
		c.Op = "NOTIN"
	default:
		return nil, p.unexpected(t)
	}
	if c.Op == "IN" || c.Op == "NOTIN" {
		if t := p.next(); t.kind != tokLParen {
			return nil, p.unexpected(t)
		}
		if p.isKeyword(p.peek(), "SELECT") {
			sub, err := p.queryBody()
			if err != nil {
				return nil, err
			}
			if t := p.next(); t.kind != tokRParen {
				return nil, p.unexpected(t)
			}
			c.Sub = sub
			return c, nil
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			c.Values = append(c.Values, v)
			t := p.next()
			if t.kind == tokRParen {
				break
			}
			if t.kind != tokComma {
				return nil, p.unexpected(t)
			}
		}
		return c, nil
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	c.Values = []Value{v}
	return c, nil
}

func (p *parser) value() (Value, error) {
	t := p.next()
	v := Value{Pos: t.pos}
	switch t.kind {
	case tokString:
		v.Kind, v.Str = KindString, t.text
	case tokNumber:
		n, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return v, p.unexpected(t)
		}
		v.Kind, v.Num, v.Str = KindNumber, n, t.text
	case tokDate:
		v.Kind, v.Time, v.Str = KindDate, t.t, t.text
	case tokDateTime:
		v.Kind, v.Time, v.Str = KindDateTime, t.t, t.text
	case tokIdent:
		switch strings.ToUpper(t.text) {
		case "NULL":
			v.Kind = KindNull
		case "TRUE":
			v.Kind, v.Bool = KindBool, true
		case "FALSE":
			v.Kind = KindBool
		default:
			if !isDateRange(t.text) {
				return v, p.unexpected(t)
			}
			v.Kind, v.Str = KindDateRange, strings.ToUpper(t.text)
		}
	default:
		return v, p.unexpected(t)
	}
	return v, nil
}
