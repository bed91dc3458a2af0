// Package oktaexpr checks Okta Expression Language expressions at plan, before Okta or a sign-in meets them.
//
// It accepts the subset that SAML attribute statements and NameID templates use, and that the sandbox
// evaluates (internal/sandbox/oktaemu/expr.go):
//
//	expr     = compare [ "?" expr ":" expr ]
//	compare  = concat [ ("==" | "!=") concat ]
//	concat   = primary { "+" primary }
//	primary  = string | number | "true" | "false" | path | call | "(" expr ")"
//	path     = ("user" | "appuser" | "org") "." name
//	call     = ("String" | "Arrays") "." name "(" [ expr { "," expr } ] ")"
//	string   = '"' { char | '""' } '"' | "'" { char | "''" } "'"
//	number   = digit { digit }
//
// Okta's language is built on Spring's SpEL, so a quote inside a string is written twice ("say ""hi""");
// a backslash is an ordinary character.
package oktaexpr

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a problem at a column (1-based, in characters) of the expression.
type Error struct {
	Column  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("at column %d: %s", e.Column, e.Message) }

// kind is what the checker knows of a value's type at plan; kindAny is a profile attribute (any type).
type kind int

const (
	kindAny kind = iota
	kindString
	kindNumber
	kindBool
	kindArray
)

func (k kind) String() string {
	return [...]string{"a value", "a string", "a number", "a boolean", "an array"}[k]
}

// function is one function of the subset: its parameters (the last repeats when variadic) and its result.
type function struct {
	params   []kind
	names    string
	variadic bool
	result   kind
	example  string
}

// Functions are the functions accepted, with what the error messages say about them.
var functions = map[string]function{
	"String.substring":       {params: []kind{kindString, kindNumber, kindNumber}, names: "string, startIndex, endIndex", result: kindString, example: "String.substring(user.login, 0, 8)"},
	"String.substringBefore": {params: []kind{kindString, kindString}, names: "string, searchString", result: kindString, example: `String.substringBefore(user.email, "@")`},
	"String.substringAfter":  {params: []kind{kindString, kindString}, names: "string, searchString", result: kindString, example: `String.substringAfter(user.email, "@")`},
	"String.join":            {params: []kind{kindString, kindString}, variadic: true, names: "separator, string, …", result: kindString, example: `String.join(" ", user.firstName, user.lastName)`},
	"String.len":             {params: []kind{kindString}, names: "string", result: kindNumber, example: "String.len(user.login)"},
	"String.replace":         {params: []kind{kindString, kindString, kindString}, names: "string, match, replacement", result: kindString, example: `String.replace(user.login, "@", ".")`},
	"String.toUpperCase":     {params: []kind{kindString}, names: "string", result: kindString, example: "String.toUpperCase(user.lastName)"},
	"String.toLowerCase":     {params: []kind{kindString}, names: "string", result: kindString, example: "String.toLowerCase(user.email)"},
	"Arrays.contains":        {params: []kind{kindArray, kindAny}, names: "array, value", result: kindBool, example: `Arrays.contains(user.groups, "Sales")`},
	"Arrays.isEmpty":         {params: []kind{kindArray}, names: "array", result: kindBool, example: "Arrays.isEmpty(user.groups)"},
}

// roots are the objects an expression reads.
var roots = map[string]bool{"user": true, "appuser": true, "org": true}

// Check parses src and checks names, arities and the types it can know; the error is an *Error.
func Check(src string) error {
	p := &parser{src: src}
	if strings.TrimSpace(src) == "" {
		return &Error{Column: 1, Message: `the expression is empty; write one such as user.email, or a constant such as "en_US" (quoted)`}
	}
	if err := p.next(); err != nil {
		return err
	}
	if _, err := p.expr(); err != nil {
		return err
	}
	if p.tok.typ != tokEOF {
		if before := strings.TrimRight(src[:p.tok.pos], " \t"); strings.HasSuffix(before, `\"`) || strings.HasSuffix(before, `\'`) {
			return p.errorf(len(before)-2, "a backslash does not escape a quote in Okta expressions; write the quote twice, for example \"say \"\"hi\"\"\"")
		}
		return p.errorf(p.tok.pos, "unexpected %s after a complete expression; join parts with + (for example user.firstName + \" \" + user.lastName)", p.tok.describe())
	}
	return nil
}

// Constant returns the text of an expression that is one string literal and nothing else.
func Constant(src string) (string, bool) {
	p := &parser{src: src}
	if err := p.next(); err != nil || p.tok.typ != tokString {
		return "", false
	}
	text := p.tok.text
	if err := p.next(); err != nil || p.tok.typ != tokEOF {
		return "", false
	}
	return text, true
}

// TemplateAsExpression rewrites an Okta template ("${user.firstName}.${user.lastName}") as the expression
// that gives the same text (user.firstName + "." + user.lastName); ok is false when tmpl has no ${…} part.
func TemplateAsExpression(tmpl string) (expr string, ok bool) {
	var parts []string
	rest := tmpl
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}")
		if j < 0 {
			break
		}
		if i > 0 {
			parts = append(parts, Quote(rest[:i]))
		}
		inner := strings.TrimSpace(rest[i+2 : i+j])
		if strings.Contains(inner, "?") || strings.Contains(inner, "==") || strings.Contains(inner, "!=") {
			inner = "(" + inner + ")"
		}
		parts = append(parts, inner)
		ok = true
		rest = rest[i+j+1:]
	}
	if !ok {
		return "", false
	}
	if rest != "" {
		parts = append(parts, Quote(rest))
	}
	return strings.Join(parts, " + "), true
}

// Quote writes s as an Okta string literal.
func Quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

type parser struct {
	src string
	pos int // byte offset of the next token
	tok token
}

func (p *parser) errorf(pos int, format string, args ...any) *Error {
	return &Error{Column: utf8.RuneCountInString(p.src[:pos]) + 1, Message: fmt.Sprintf(format, args...)}
}

// expr is compare [ "?" expr ":" expr ].
func (p *parser) expr() (kind, error) {
	start := p.tok.pos
	k, err := p.compare()
	if err != nil || p.tok.typ != tokQuestion {
		return k, err
	}
	if k != kindAny && k != kindBool {
		return 0, p.errorf(start, "the condition before ? is %s, not a boolean; compare it, for example user.department == \"Sales\" ? \"S\" : \"O\"", k)
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	a, err := p.expr()
	if err != nil {
		return 0, err
	}
	if p.tok.typ != tokColon {
		return 0, p.errorf(p.tok.pos, "missing ':' in the conditional, found %s; write condition ? valueIfTrue : valueIfFalse", p.tok.describe())
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	b, err := p.expr()
	if err != nil {
		return 0, err
	}
	if a == b {
		return a, nil
	}
	return kindAny, nil
}

// compare is concat [ ("==" | "!=") concat ].
func (p *parser) compare() (kind, error) {
	k, err := p.concat()
	if err != nil || (p.tok.typ != tokEq && p.tok.typ != tokNe) {
		return k, err
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	if _, err := p.concat(); err != nil {
		return 0, err
	}
	if p.tok.typ == tokEq || p.tok.typ == tokNe {
		return 0, p.errorf(p.tok.pos, "comparisons do not chain; put one of them in parentheses")
	}
	return kindBool, nil
}

// concat is primary { "+" primary }.
func (p *parser) concat() (kind, error) {
	k, err := p.primary()
	if err != nil {
		return 0, err
	}
	for p.tok.typ == tokPlus {
		if err := p.next(); err != nil {
			return 0, err
		}
		if p.tok.typ == tokEOF {
			return 0, p.errorf(p.tok.pos, "the expression ends after +; add what to append, or remove the +")
		}
		w, err := p.primary()
		if err != nil {
			return 0, err
		}
		if k == kindNumber && w == kindNumber {
			continue
		}
		k = kindString
	}
	return k, nil
}

func (p *parser) primary() (kind, error) {
	t := p.tok
	switch t.typ {
	case tokString, tokNumber:
		if err := p.next(); err != nil {
			return 0, err
		}
		if t.typ == tokString {
			return kindString, nil
		}
		if _, err := strconv.ParseInt(t.text, 10, 32); err != nil { // SpEL's integer literals are 32-bit
			return 0, p.errorf(t.pos, "the number %s is too large; numbers are whole and at most %d", t.text, math.MaxInt32)
		}
		return kindNumber, nil
	case tokLParen:
		if err := p.next(); err != nil {
			return 0, err
		}
		k, err := p.expr()
		if err != nil {
			return 0, err
		}
		if p.tok.typ != tokRParen {
			return 0, p.errorf(p.tok.pos, "missing ')' to close the '(' at column %d, found %s", utf8.RuneCountInString(p.src[:t.pos])+1, p.tok.describe())
		}
		return k, p.next()
	case tokIdent:
		return p.name()
	case tokEOF:
		return 0, p.errorf(t.pos, "the expression ends where a value is expected")
	}
	return 0, p.errorf(t.pos, "unexpected %s where a value is expected (a quoted string, a number, user.<attribute> or a function call)", t.describe())
}

// name is true/false, a path or a call.
func (p *parser) name() (kind, error) {
	t := p.tok
	if err := p.next(); err != nil {
		return 0, err
	}
	if t.text == "true" || t.text == "false" {
		return kindBool, nil
	}
	if p.tok.typ != tokDot {
		if roots[t.text] {
			return 0, p.errorf(p.tok.pos, "%s needs an attribute: write %s.<attribute>, for example %s.email", t.text, t.text, t.text)
		}
		return 0, p.errorf(t.pos, "unknown name %q; a string constant is quoted (\"%s\"), an attribute is user.%s, appuser.%s or org.%s", t.text, t.text, t.text, t.text, t.text)
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	member := p.tok
	if member.typ != tokIdent {
		return 0, p.errorf(member.pos, "expected a name after %s., found %s", t.text, member.describe())
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	full := t.text + "." + member.text
	if roots[t.text] {
		if p.tok.typ == tokDot {
			return 0, p.errorf(p.tok.pos, "%s has one level: %s.<attribute> (nested properties are not supported)", t.text, t.text)
		}
		if p.tok.typ == tokLParen {
			return 0, p.errorf(t.pos, "%s is an attribute, not a function; call functions as String.<name>(…) or Arrays.<name>(…)", full)
		}
		return kindAny, nil
	}
	if t.text != "String" && t.text != "Arrays" {
		return 0, p.errorf(t.pos, "unknown name %q; expressions read user.<attribute>, appuser.<attribute> or org.<attribute> and call String.* or Arrays.* functions", full)
	}
	fn, ok := functions[full]
	if !ok {
		return 0, p.errorf(t.pos, "unknown function %s; the functions are %s", full, functionList())
	}
	if p.tok.typ != tokLParen {
		return 0, p.errorf(p.tok.pos, "missing '(' after %s — %s needs (%s), for example %s", full, full, fn.names, fn.example)
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	var args []kind
	var argPos []int
	if p.tok.typ != tokRParen {
		for {
			argPos = append(argPos, p.tok.pos)
			k, err := p.expr()
			if err != nil {
				return 0, err
			}
			args = append(args, k)
			if p.tok.typ != tokComma {
				break
			}
			if err := p.next(); err != nil {
				return 0, err
			}
		}
	}
	if p.tok.typ != tokRParen {
		return 0, p.errorf(p.tok.pos, "missing ')' after the arguments of %s, found %s — %s needs (%s), for example %s", full, p.tok.describe(), full, fn.names, fn.example)
	}
	closePos := p.tok.pos
	if err := p.next(); err != nil {
		return 0, err
	}
	if n := len(fn.params); len(args) != n && !(fn.variadic && len(args) >= n) {
		want := fmt.Sprintf("%d", n)
		if fn.variadic {
			want = fmt.Sprintf("at least %d", n)
		}
		return 0, p.errorf(closePos, "%s takes %s arguments (%s), got %d — for example %s", full, want, fn.names, len(args), fn.example)
	}
	for i, k := range args {
		want := fn.params[min(i, len(fn.params)-1)]
		if k != kindAny && want != kindAny && k != want && !(want == kindString && k == kindNumber) { // a number converts to text
			return 0, p.errorf(argPos[i], "argument %d of %s is %s, not %s — %s needs (%s), for example %s", i+1, full, k, want, full, fn.names, fn.example)
		}
	}
	return fn.result, nil
}

func functionList() string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
