package oktaemu

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// expr is a parsed Okta filter/search expression (SCIM-like: `status eq "ACTIVE" and profile.login sw "a"`).
type expr interface {
	match(obj map[string]any) bool
}

type andExpr struct{ l, r expr }
type orExpr struct{ l, r expr }
type notExpr struct{ e expr }

// cmpExpr compares the attribute at path (dotted) with value using op.
type cmpExpr struct {
	path  string
	op    string
	value any // string, float64, bool or nil
}

func (e andExpr) match(o map[string]any) bool { return e.l.match(o) && e.r.match(o) }
func (e orExpr) match(o map[string]any) bool  { return e.l.match(o) || e.r.match(o) }
func (e notExpr) match(o map[string]any) bool { return !e.e.match(o) }

func (e cmpExpr) match(o map[string]any) bool {
	got, present := lookupPath(o, e.path)
	if e.op == "pr" {
		if arr, isArray := got.([]any); isArray {
			return len(arr) > 0
		}
		return present && got != nil
	}
	if arr, isArray := got.([]any); isArray {
		// An array attribute matches when one of its elements does: "If any element matches the search term, the
		// entire array (object) is returned" (listUsers search in management.yaml, after SCIM RFC 7644 §3.4.2.2);
		// ne is the negation of that eq (inferred: the description shows only eq).
		if e.op == "ne" {
			return !cmpExpr{path: e.path, op: "eq", value: e.value}.matchElement(arr)
		}
		return e.matchElement(arr)
	}
	return e.matchValue(got)
}

// matchElement reports whether an element of arr satisfies the comparison.
func (e cmpExpr) matchElement(arr []any) bool {
	for _, v := range arr {
		if e.matchValue(v) {
			return true
		}
	}
	return false
}

// matchValue compares one (non-array) value.
func (e cmpExpr) matchValue(got any) bool {
	switch want := e.value.(type) {
	case nil:
		isNull := got == nil
		switch e.op {
		case "eq":
			return isNull
		case "ne":
			return !isNull
		}
		return false
	case bool:
		b, ok := got.(bool)
		switch e.op {
		case "eq":
			return ok && b == want
		case "ne":
			return !ok || b != want
		}
		return false
	case float64:
		n, ok := toFloat(got)
		if !ok {
			return e.op == "ne"
		}
		return compareOrdered(e.op, n, want)
	case string:
		gs, ok := got.(string)
		if !ok {
			if n, isNum := toFloat(got); isNum {
				gs, ok = strconv.FormatFloat(n, 'f', -1, 64), true
			}
		}
		if !ok {
			return e.op == "ne"
		}
		if at, bt, isTime := bothTimes(gs, want); isTime && e.op != "sw" && e.op != "ew" && e.op != "co" {
			// Dates compare as instants, not as text: "lastUpdated gt \"2026-01-01T00:00:00Z\"" must see
			// "2026-01-01T00:00:00.500Z" as later (the list operations' examples use RFC 3339 literals with or
			// without milliseconds; a literal with an offset is inferred to mean that instant).
			return compareOrdered(e.op, float64(at.Sub(bt)), 0)
		}
		a, b := strings.ToLower(gs), strings.ToLower(want)
		switch e.op {
		case "sw":
			return strings.HasPrefix(a, b)
		case "ew":
			return strings.HasSuffix(a, b)
		case "co":
			return strings.Contains(a, b)
		}
		return compareOrdered(e.op, a, b)
	}
	return false
}

func compareOrdered[T float64 | string](op string, a, b T) bool {
	switch op {
	case "eq":
		return a == b
	case "ne":
		return a != b
	case "gt":
		return a > b
	case "ge":
		return a >= b
	case "lt":
		return a < b
	case "le":
		return a <= b
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// lookupPath walks a dotted path through nested objects.
func lookupPath(o map[string]any, path string) (any, bool) {
	var cur any = o
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

type token struct {
	kind string // "ident", "string", "number", "(", ")"
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '+':
			// '+' is how some clients encode spaces without decoding them.
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{kind: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '\\' && j+1 < len(s) {
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				if s[j] == '"' {
					closed = true
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, token{kind: "string", text: b.String()})
			i = j + 1
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: "number", text: s[i:j]})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, token{kind: "ident", text: s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, i)
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '$' || c == ':'
}

type parser struct {
	toks  []token
	pos   int
	depth int
}

// parseFilter parses an Okta filter or search expression; operators and keywords are case-insensitive.
func parseFilter(s string) (expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	p := &parser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q after expression", p.toks[p.pos].text+p.toks[p.pos].kind)
	}
	return e, nil
}

func (p *parser) peekKeyword(kw string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == "ident" && strings.EqualFold(p.toks[p.pos].text, kw)
}

func (p *parser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peekKeyword("or") {
		p.pos++
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peekKeyword("and") {
		p.pos++
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
	return l, nil
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

func (p *parser) parseUnary() (expr, error) {
	if p.depth > maxDepth {
		return nil, fmt.Errorf("expression nested too deeply")
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.peekKeyword("not") && p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == "(" {
		p.pos++
		e, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	}
	if p.pos < len(p.toks) && p.toks[p.pos].kind == "(" {
		p.pos++
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return e, nil
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() (expr, error) {
	if p.pos+1 >= len(p.toks) || p.toks[p.pos].kind != "ident" || p.toks[p.pos+1].kind != "ident" {
		return nil, fmt.Errorf("expected attribute and operator at token %d", p.pos)
	}
	path, op := p.toks[p.pos].text, strings.ToLower(p.toks[p.pos+1].text)
	p.pos += 2
	switch op {
	case "pr":
		return cmpExpr{path: path, op: op}, nil
	case "eq", "ne", "gt", "ge", "lt", "le", "sw", "co", "ew":
	default:
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("missing value after %s %s", path, op)
	}
	t := p.toks[p.pos]
	p.pos++
	var v any
	switch t.kind {
	case "string":
		v = t.text
	case "number":
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t.text)
		}
		v = f
	case "ident":
		switch strings.ToLower(t.text) {
		case "true":
			v = true
		case "false":
			v = false
		case "null":
			v = nil
		default:
			return nil, fmt.Errorf("value %q must be quoted", t.text)
		}
	default:
		return nil, fmt.Errorf("missing value after %s %s", path, op)
	}
	if _, isStr := v.(string); !isStr && (op == "sw" || op == "co" || op == "ew") {
		return nil, fmt.Errorf("operator %s needs a string", op)
	}
	return cmpExpr{path: path, op: op, value: v}, nil
}

// bothTimes parses a and b as RFC 3339 date-times (fractional seconds optional).
func bothTimes(a, b string) (time.Time, time.Time, bool) {
	if len(a) < 20 || len(b) < 20 || a[4] != '-' || b[4] != '-' {
		return time.Time{}, time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, a)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	bt, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	return at, bt, true
}
