package oktaemu

// The parser of the expressions expr.go evaluates: a recursive descent over the source that checks names,
// arities and literal types before anything is evaluated, as Okta does.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// exprParser is a recursive-descent parser over the source; errors name the column, as Okta's do.
type exprParser struct {
	src string
	pos int
}

func parseExpr(src string) (exprNode, error) {
	p := &exprParser{src: src}
	n, _, err := p.cond()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:])
	}
	return n, nil
}

func (p *exprParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s at column %d in expression %q", fmt.Sprintf(format, args...), utf8.RuneCountInString(p.src[:p.pos])+1, p.src)
}

func (p *exprParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// accept consumes op (after spaces) if it comes next.
func (p *exprParser) accept(op string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.src[p.pos:], op) {
		p.pos += len(op)
		return true
	}
	return false
}

// cond is compare [ "?" cond ":" cond ].
func (p *exprParser) cond() (exprNode, valueKind, error) {
	c, ck, err := p.compare()
	if err != nil || !p.accept("?") {
		return c, ck, err
	}
	if ck != kAny && ck != kBool {
		return nil, 0, p.errorf("the condition of ? : is not a boolean")
	}
	a, ak, err := p.cond()
	if err != nil {
		return nil, 0, err
	}
	if !p.accept(":") {
		return nil, 0, p.errorf("missing : in conditional")
	}
	b, bk, err := p.cond()
	if err != nil {
		return nil, 0, err
	}
	if ak != bk {
		ak = kAny
	}
	return condNode{cond: c, a: a, b: b}, ak, nil
}

// compare is concat [ ("==" | "!=") concat ]; comparisons do not chain.
func (p *exprParser) compare() (exprNode, valueKind, error) {
	a, ak, err := p.concat()
	if err != nil {
		return nil, 0, err
	}
	negate := false
	switch {
	case p.accept("=="):
	case p.accept("!="):
		negate = true
	default:
		return a, ak, nil
	}
	b, _, err := p.concat()
	if err != nil {
		return nil, 0, err
	}
	if p.accept("==") || p.accept("!=") {
		return nil, 0, p.errorf("comparisons do not chain")
	}
	return compareNode{negate: negate, a: a, b: b}, kBool, nil
}

// concat is primary { "+" primary }.
func (p *exprParser) concat() (exprNode, valueKind, error) {
	first, k, err := p.primary()
	if err != nil {
		return nil, 0, err
	}
	parts := []exprNode{first}
	for p.accept("+") {
		n, nk, err := p.primary()
		if err != nil {
			return nil, 0, err
		}
		if k != kNumber || nk != kNumber {
			k = kString
		}
		parts = append(parts, n)
	}
	if len(parts) == 1 {
		return first, k, nil
	}
	return concatNode{parts: parts}, k, nil
}

func isExprLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isExprDigit(c byte) bool  { return c >= '0' && c <= '9' }

func (p *exprParser) ident() string {
	start := p.pos
	if p.pos < len(p.src) && isExprLetter(p.src[p.pos]) {
		for p.pos < len(p.src) && (isExprLetter(p.src[p.pos]) || isExprDigit(p.src[p.pos])) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

// primary is a literal, a path, a call or a parenthesized expression.
func (p *exprParser) primary() (exprNode, valueKind, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, 0, p.errorf("expression ends early")
	}
	c := p.src[p.pos]
	switch {
	case c == '"' || c == '\'':
		s, err := p.literal(c)
		return literalNode{v: s}, kString, err
	case isExprDigit(c):
		start := p.pos
		for p.pos < len(p.src) && isExprDigit(p.src[p.pos]) {
			p.pos++
		}
		n, err := strconv.ParseInt(p.src[start:p.pos], 10, 32) // SpEL's integer literals are 32-bit
		if err != nil {
			return nil, 0, p.errorf("number out of range")
		}
		return literalNode{v: n}, kNumber, nil
	case c == '(':
		p.pos++
		n, k, err := p.cond()
		if err != nil {
			return nil, 0, err
		}
		if !p.accept(")") {
			return nil, 0, p.errorf("missing )")
		}
		return n, k, nil
	case !isExprLetter(c):
		return nil, 0, p.errorf("unexpected %q", p.src[p.pos:])
	}
	root := p.ident()
	if root == "true" || root == "false" {
		return literalNode{v: root == "true"}, kBool, nil
	}
	if !p.accept(".") {
		return nil, 0, p.errorf("unknown name %q", root)
	}
	p.skipSpace()
	member := p.ident()
	if member == "" {
		return nil, 0, p.errorf("missing name after %s.", root)
	}
	name := root + "." + member
	switch root {
	case "user", "appuser", "org":
		if p.accept(".") || p.accept("(") {
			return nil, 0, p.errorf("%s is an attribute", name)
		}
		return pathNode{root: root, attr: member}, kAny, nil
	case "String", "Arrays":
	default:
		return nil, 0, p.errorf("unknown reference %q", name)
	}
	fn, ok := exprFuncs[name]
	if !ok {
		return nil, 0, p.errorf("unsupported function %s (supported: %s)", name, exprFuncNames())
	}
	if !p.accept("(") {
		return nil, 0, p.errorf("missing ( after %s", name)
	}
	var args []exprNode
	var kinds []valueKind
	if !p.accept(")") {
		for {
			a, k, err := p.cond()
			if err != nil {
				return nil, 0, err
			}
			args, kinds = append(args, a), append(kinds, k)
			if !p.accept(",") {
				break
			}
		}
		if !p.accept(")") {
			return nil, 0, p.errorf("missing ) after the arguments of %s", name)
		}
	}
	if n := len(fn.params); len(args) != n && !(fn.variadic && len(args) >= n) {
		return nil, 0, p.errorf("%s takes %d arguments, got %d", name, n, len(args))
	}
	for i, k := range kinds {
		want := fn.params[min(i, len(fn.params)-1)]
		if k != kAny && want != kAny && k != want && !(want == kString && k == kNumber) {
			return nil, 0, p.errorf("argument %d of %s has the wrong type", i+1, name)
		}
	}
	return callNode{name: name, fn: fn, args: args}, fn.result, nil
}

// literal reads a string quoted with quote; a doubled quote stands for one quote (SpEL's rule).
func (p *exprParser) literal(quote byte) (string, error) {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		if c != quote {
			b.WriteByte(c)
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == quote {
			b.WriteByte(quote)
			p.pos++
			continue
		}
		return b.String(), nil
	}
	return "", p.errorf("unterminated string")
}
