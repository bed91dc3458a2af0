package oktaemu

// This file evaluates the small subset of the Okta Expression Language that SAML attribute statements and
// subjectNameIdTemplate use: user.<attr>, appuser.<attr>, string literals, String.toLowerCase/toUpperCase
// and + concatenation. Anything else is an error, so a test using an unsupported expression fails loudly.

import (
	"fmt"
	"regexp"
	"strings"
)

// exprScope is what an expression can read: the Okta user profile and the app-user profile.
type exprScope struct {
	user    map[string]any
	appUser map[string]any
	// userName is the app username, which user.userName and appuser.userName name in SAML templates.
	userName string
}

// evalExpr evaluates one Okta expression to a string; null attributes evaluate to "".
func evalExpr(src string, sc exprScope) (string, error) {
	p := &exprParser{src: src, sc: sc}
	v, err := p.concat()
	if err != nil {
		return "", err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return "", fmt.Errorf("unexpected %q at %d in expression %q", p.src[p.pos:], p.pos, src)
	}
	return v, nil
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

type exprParser struct {
	src string
	pos int
	sc  exprScope
}

func (p *exprParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// concat is term ('+' term)*.
func (p *exprParser) concat() (string, error) {
	v, err := p.term()
	if err != nil {
		return "", err
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '+' {
			return v, nil
		}
		p.pos++
		w, err := p.term()
		if err != nil {
			return "", err
		}
		v += w
	}
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// term is a string literal, a dotted reference or a String function call.
func (p *exprParser) term() (string, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return "", fmt.Errorf("expression %q ends early", p.src)
	}
	if c := p.src[p.pos]; c == '"' || c == '\'' {
		return p.literal(c)
	}
	start := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	if name == "" {
		return "", fmt.Errorf("unexpected %q at %d in expression %q", p.src[p.pos:], p.pos, p.src)
	}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		p.pos++
		arg, err := p.concat()
		if err != nil {
			return "", err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return "", fmt.Errorf("missing ) in expression %q", p.src)
		}
		p.pos++
		switch name {
		case "String.toLowerCase":
			return strings.ToLower(arg), nil
		case "String.toUpperCase":
			return strings.ToUpper(arg), nil
		}
		return "", fmt.Errorf("unsupported function %s in expression %q", name, p.src)
	}
	return p.reference(name)
}

func (p *exprParser) literal(quote byte) (string, error) {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == '\\' && p.pos < len(p.src):
			b.WriteByte(p.src[p.pos])
			p.pos++
		case c == quote:
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string in expression %q", p.src)
}

func (p *exprParser) reference(name string) (string, error) {
	obj, attr, ok := strings.Cut(name, ".")
	if !ok || attr == "" {
		return "", fmt.Errorf("unknown reference %q in expression %q", name, p.src)
	}
	var profile map[string]any
	switch obj {
	case "user", "source":
		profile = p.sc.user
	case "appuser":
		profile = p.sc.appUser
	default:
		return "", fmt.Errorf("unknown reference %q in expression %q", name, p.src)
	}
	if attr == "userName" {
		return p.sc.userName, nil
	}
	return stringify(profile[attr]), nil
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
