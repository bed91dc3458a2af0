package oktaexpr

import (
	"fmt"
	"strings"
)

type tokenType int

const (
	tokEOF tokenType = iota
	tokString
	tokNumber
	tokIdent
	tokDot
	tokComma
	tokLParen
	tokRParen
	tokPlus
	tokEq
	tokNe
	tokQuestion
	tokColon
)

type token struct {
	typ  tokenType
	text string // the value of a string, the digits of a number, the name of an identifier
	pos  int    // byte offset in the source
}

func (t token) describe() string {
	switch t.typ {
	case tokEOF:
		return "the end of the expression"
	case tokString:
		return fmt.Sprintf("the string %s", Quote(t.text))
	case tokNumber:
		return "the number " + t.text
	case tokIdent:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("'%s'", [...]string{tokDot: ".", tokComma: ",", tokLParen: "(", tokRParen: ")", tokPlus: "+",
		tokEq: "==", tokNe: "!=", tokQuestion: "?", tokColon: ":"}[t.typ])
}

// next reads the token at p.pos into p.tok.
func (p *parser) next() error {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{typ: tokEOF, pos: start}
		return nil
	}
	c := p.src[p.pos]
	single := map[byte]tokenType{'.': tokDot, ',': tokComma, '(': tokLParen, ')': tokRParen, '+': tokPlus, '?': tokQuestion, ':': tokColon}
	switch {
	case c == '"' || c == '\'':
		return p.stringToken(c)
	case c >= '0' && c <= '9':
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		p.tok = token{typ: tokNumber, text: p.src[start:p.pos], pos: start}
		return nil
	case isLetter(c):
		for p.pos < len(p.src) && (isLetter(p.src[p.pos]) || p.src[p.pos] >= '0' && p.src[p.pos] <= '9') {
			p.pos++
		}
		p.tok = token{typ: tokIdent, text: p.src[start:p.pos], pos: start}
		return nil
	case strings.HasPrefix(p.src[p.pos:], "=="), strings.HasPrefix(p.src[p.pos:], "!="):
		p.pos += 2
		p.tok = token{typ: tokEq, pos: start}
		if c == '!' {
			p.tok.typ = tokNe
		}
		return nil
	case strings.HasPrefix(p.src[p.pos:], "${"):
		if expr, ok := TemplateAsExpression(p.src); ok {
			return p.errorf(start, "${…} is template syntax, not part of an expression; the provider writes the template itself: use %s", expr)
		}
		return p.errorf(start, "${ is template syntax, not part of an expression; remove the ${ and its closing }")
	case c == '=':
		return p.errorf(start, "a single = is not an operator; compare with ==")
	}
	if t, ok := single[c]; ok {
		p.pos++
		p.tok = token{typ: t, pos: start}
		return nil
	}
	return p.errorf(start, "unexpected character %q; expressions use quoted strings, numbers, user.<attribute>, functions, +, ==, != and ? :", []rune(p.src[start:])[0])
}

func isLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// stringToken reads a string quoted with quote; a doubled quote stands for one quote (SpEL's rule).
func (p *parser) stringToken(quote byte) error {
	start := p.pos
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
		p.tok = token{typ: tokString, text: b.String(), pos: start}
		return nil
	}
	return p.errorf(start, "the string that starts here has no closing %c; a %c inside a string is written twice (%c%c)", quote, quote, quote, quote)
}
