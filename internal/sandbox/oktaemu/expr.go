package oktaemu

// This file evaluates the subset of the Okta Expression Language that SAML attribute statements and
// subjectNameIdTemplate use, as Okta does: string (doubled quote inside, SpEL's rule), number and boolean
// literals; user.<attr>, appuser.<attr>, org.<attr>; String.substring/substringBefore/substringAfter/join/
// len/replace/toUpperCase/toLowerCase, Arrays.contains/isEmpty; + (concatenation, or addition of two
// numbers), == and !=, cond ? a : b, parentheses. Like Okta it checks the whole expression (names, arities,
// literal types) before evaluating it, so an expression fails whatever the user's profile holds. Anything
// else is an error, so a test using an unsupported expression fails loudly. The provider's plan check
// (internal/oktaexpr) accepts the same language; TestExprAgreesWithProvider keeps the two together.

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// exprScope is what an expression can read: the Okta user profile, the app-user profile and the org.
type exprScope struct {
	user    map[string]any
	appUser map[string]any
	org     map[string]any
	// userName is the app username, which user.userName and appuser.userName name in SAML templates.
	userName string
}

// evalExpr evaluates one Okta expression to a string; null attributes evaluate to "".
func evalExpr(src string, sc exprScope) (string, error) {
	n, err := parseExpr(src)
	if err != nil {
		return "", err
	}
	v, err := n.eval(sc)
	if err != nil {
		return "", fmt.Errorf("%w in expression %q", err, src)
	}
	return stringify(v), nil
}

// templateExpr matches ${…} in subjectNameIdTemplate and other Okta templates.
var templateExpr = regexp.MustCompile(`\$\{([^}]*)\}`)

// evalTemplate replaces every ${expr} in tmpl by its value.
func evalTemplate(tmpl string, sc exprScope) (string, error) {
	var firstErr error
	out := templateExpr.ReplaceAllStringFunc(tmpl, func(m string) string {
		v, err := evalExpr(templateExpr.FindStringSubmatch(m)[1], sc)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

// valueKind is a value's type as far as the parser knows it; kAny is an attribute's (known when evaluated).
type valueKind int

const (
	kAny valueKind = iota
	kString
	kNumber
	kBool
	kArray
)

// exprFunc is one function: parameter kinds (the last repeats when variadic), result kind and body.
type exprFunc struct {
	params   []valueKind
	variadic bool
	result   valueKind
	call     func(args []any) (any, error)
}

var exprFuncs = map[string]exprFunc{
	"String.substring": {params: []valueKind{kString, kNumber, kNumber}, result: kString, call: func(a []any) (any, error) {
		s := []rune(text(a[0]))
		start, err := integer(a[1])
		if err != nil {
			return nil, err
		}
		end, err := integer(a[2])
		if err != nil {
			return nil, err
		}
		// Okta's String functions are null-safe and lenient like Apache StringUtils: indexes beyond the
		// string are clamped, a start after the end gives "".
		start, end = max(0, min(start, len(s))), max(0, min(end, len(s)))
		if start >= end {
			return "", nil
		}
		return string(s[start:end]), nil
	}},
	"String.substringBefore": {params: []valueKind{kString, kString}, result: kString, call: func(a []any) (any, error) {
		before, _, _ := strings.Cut(text(a[0]), text(a[1])) // not found: the whole string
		return before, nil
	}},
	"String.substringAfter": {params: []valueKind{kString, kString}, result: kString, call: func(a []any) (any, error) {
		_, after, _ := strings.Cut(text(a[0]), text(a[1])) // not found: ""
		return after, nil
	}},
	"String.join": {params: []valueKind{kString, kString}, variadic: true, result: kString, call: func(a []any) (any, error) {
		parts := make([]string, 0, len(a)-1)
		for _, v := range a[1:] {
			parts = append(parts, text(v))
		}
		return strings.Join(parts, text(a[0])), nil
	}},
	"String.len": {params: []valueKind{kString}, result: kNumber, call: func(a []any) (any, error) {
		return int64(utf8.RuneCountInString(text(a[0]))), nil
	}},
	"String.replace": {params: []valueKind{kString, kString, kString}, result: kString, call: func(a []any) (any, error) {
		if text(a[1]) == "" {
			return text(a[0]), nil
		}
		return strings.ReplaceAll(text(a[0]), text(a[1]), text(a[2])), nil
	}},
	"String.toUpperCase": {params: []valueKind{kString}, result: kString, call: func(a []any) (any, error) { return strings.ToUpper(text(a[0])), nil }},
	"String.toLowerCase": {params: []valueKind{kString}, result: kString, call: func(a []any) (any, error) { return strings.ToLower(text(a[0])), nil }},
	"Arrays.contains": {params: []valueKind{kArray, kAny}, result: kBool, call: func(a []any) (any, error) {
		arr, err := array(a[0])
		if err != nil {
			return nil, err
		}
		for _, e := range arr {
			if equal(e, a[1]) {
				return true, nil
			}
		}
		return false, nil
	}},
	"Arrays.isEmpty": {params: []valueKind{kArray}, result: kBool, call: func(a []any) (any, error) {
		arr, err := array(a[0])
		return len(arr) == 0, err
	}},
}

// exprNode is a parsed expression.
type exprNode interface {
	eval(sc exprScope) (any, error)
}

type (
	literalNode struct{ v any }
	pathNode    struct{ root, attr string }
	callNode    struct {
		name string
		fn   exprFunc
		args []exprNode
	}
	concatNode  struct{ parts []exprNode }
	compareNode struct {
		negate bool
		a, b   exprNode
	}
	condNode struct{ cond, a, b exprNode }
)

func (n literalNode) eval(exprScope) (any, error) { return n.v, nil }

func (n pathNode) eval(sc exprScope) (any, error) {
	profile := map[string]map[string]any{"user": sc.user, "appuser": sc.appUser, "org": sc.org}[n.root]
	if n.attr == "userName" && n.root != "org" {
		return sc.userName, nil
	}
	return profile[n.attr], nil
}

func (n callNode) eval(sc exprScope) (any, error) {
	args := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(sc)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	v, err := n.fn.call(args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.name, err)
	}
	return v, nil
}

func (n concatNode) eval(sc exprScope) (any, error) {
	var acc any
	for i, p := range n.parts {
		v, err := p.eval(sc)
		if err != nil {
			return nil, err
		}
		x, xok := acc.(int64)
		y, yok := v.(int64)
		switch {
		case i == 0:
			acc = v
		case xok && yok:
			acc = x + y
		default:
			acc = text(acc) + text(v)
		}
	}
	return acc, nil
}

func (n compareNode) eval(sc exprScope) (any, error) {
	a, err := n.a.eval(sc)
	if err != nil {
		return nil, err
	}
	b, err := n.b.eval(sc)
	if err != nil {
		return nil, err
	}
	return equal(a, b) != n.negate, nil
}

func (n condNode) eval(sc exprScope) (any, error) {
	c, err := n.cond.eval(sc)
	if err != nil {
		return nil, err
	}
	b, ok := c.(bool)
	if !ok && c != nil {
		return nil, fmt.Errorf("the condition of ? : is %T, not a boolean", c)
	}
	if b { // a null condition (an unset attribute) counts as false
		return n.a.eval(sc)
	}
	return n.b.eval(sc)
}

// text renders a value as a string function or + sees it: null is "".
func text(v any) string { return stringify(v) }

func integer(v any) (int, error) {
	switch t := v.(type) {
	case int64:
		return int(t), nil
	case float64:
		return int(t), nil
	case string:
		if i, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%v is not a number", v)
}

func array(v any) ([]any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return t, nil
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("%v is not an array", v)
}

// equal compares two values: numbers as numbers, anything else as its text.
func equal(a, b any) bool {
	if x, err := integer(a); err == nil {
		if _, isStr := a.(string); !isStr {
			if y, err := integer(b); err == nil {
				if _, isStr := b.(string); !isStr {
					return x == y
				}
			}
		}
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return text(a) == text(b)
}

// stringify renders a profile value as Okta puts it in an assertion; arrays become comma-joined.
func stringify(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, stringify(e))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func exprFuncNames() string {
	names := make([]string, 0, len(exprFuncs))
	for n := range exprFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
