// Package soql parses and evaluates the subset of Salesforce SOQL that the sandbox's Salesforce emulator
// answers: SELECT with relationship fields and COUNT(), WHERE, ORDER BY, LIMIT and OFFSET.
package soql

import (
	"fmt"
	"strings"
	"time"
)

// Error is a query error with the Salesforce error code (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE,
// INVALID_QUERY_FILTER_OPERATOR) and the message Salesforce formats, position banner included.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokNumber
	tokDate
	tokDateTime
	tokOp
	tokComma
	tokDot
	tokLParen
	tokRParen
)

type token struct {
	kind tokenKind
	text string // raw text, or the unescaped value of a string literal
	pos  int    // byte offset in the query
	t    time.Time
}

type lexer struct {
	src  string
	toks []token
}

func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == ',':
			l.emit(tokComma, ",", i)
			i++
		case c == '.':
			l.emit(tokDot, ".", i)
			i++
		case c == '(':
			l.emit(tokLParen, "(", i)
			i++
		case c == ')':
			l.emit(tokRParen, ")", i)
			i++
		case c == '=':
			l.emit(tokOp, "=", i)
			i++
		case c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(src) && (src[j] == '=' || (c == '<' && src[j] == '>')) {
				j++
			}
			op := src[i:j]
			if op == "!" {
				return nil, malformedAt(src, i, "unexpected token: '!'")
			}
			l.emit(tokOp, op, i)
			i = j
		case c == '\'':
			s, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			l.emit(tokString, s, i)
			i = n
		case isDigit(c) || ((c == '-' || c == '+') && i+1 < len(src) && isDigit(src[i+1])):
			j := i + 1
			for j < len(src) && (isDigit(src[j]) || src[j] == '.' || src[j] == '-' || src[j] == ':' || src[j] == '+' ||
				src[j] == 'T' || src[j] == 'Z' || src[j] == 't' || src[j] == 'z') {
				if (src[j] == '-' || src[j] == '+') && j-i != 4 && j-i != 7 && !strings.ContainsAny(src[i:j], "Tt") {
					break
				}
				j++
			}
			text := src[i:j]
			if tok, ok := dateToken(text, i); ok {
				l.toks = append(l.toks, tok)
			} else if isNumber(text) {
				l.emit(tokNumber, text, i)
			} else {
				return nil, malformedAt(src, i, fmt.Sprintf("unexpected token: '%s'", text))
			}
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			// Relative date literals with a parameter: LAST_N_DAYS:30.
			if j < len(src) && src[j] == ':' && strings.HasSuffix(strings.ToUpper(src[i:j]), "_N_DAYS") {
				k := j + 1
				for k < len(src) && isDigit(src[k]) {
					k++
				}
				if k == j+1 {
					return nil, malformedAt(src, j, "unexpected token: ':'")
				}
				j = k
			}
			l.emit(tokIdent, src[i:j], i)
			i = j
		default:
			return nil, malformedAt(src, i, fmt.Sprintf("unexpected token: '%c'", c))
		}
	}
	l.emit(tokEOF, "<EOF>", len(src))
	return l.toks, nil
}

func (l *lexer) emit(k tokenKind, text string, pos int) {
	l.toks = append(l.toks, token{kind: k, text: text, pos: pos})
}

// lexString reads a quoted literal starting at src[i]=='\”. LIKE wildcards escaped as \% and \_ keep
// their backslash so the matcher can tell them from wildcards.
func lexString(src string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch c {
		case '\'':
			return b.String(), j + 1, nil
		case '\\':
			if j+1 >= len(src) {
				return "", 0, malformedAt(src, i, "unterminated string literal")
			}
			e := src[j+1]
			switch e {
			case '\'', '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				return "", 0, malformedAt(src, i, fmt.Sprintf("Invalid string literal '%s'. Illegal character sequence '\\%c' in string literal.", src[i:min(len(src), j+2)], e))
			}
			j += 2
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, malformedAt(src, i, "unterminated string literal")
}

var dateTimeLayouts = []string{
	"2006-01-02T15:04:05Z",
	"2006-01-02T15:04:05.000Z",
	"2006-01-02T15:04:05-07:00",
	"2006-01-02T15:04:05.000-07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.000-0700",
}

func dateToken(text string, pos int) (token, bool) {
	if t, err := time.Parse("2006-01-02", text); err == nil {
		return token{kind: tokDate, text: text, pos: pos, t: t}, true
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, strings.ToUpper(text)); err == nil {
			return token{kind: tokDateTime, text: text, pos: pos, t: t.UTC()}, true
		}
	}
	return token{}, false
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
		case s[i] == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// errorAt formats the banner Salesforce puts before positional query errors: the offending line, a caret
// under the column, and "ERROR at Row:r:Column:c".
func errorAt(code, src string, pos int, msg string) *Error {
	row, start := 1, 0
	for i := 0; i < pos && i < len(src); i++ {
		if src[i] == '\n' {
			row++
			start = i + 1
		}
	}
	col := pos - start + 1
	end := strings.IndexByte(src[start:], '\n')
	line := src[start:]
	if end >= 0 {
		line = src[start : start+end]
	}
	return &Error{Code: code, Message: fmt.Sprintf("\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s", line, strings.Repeat(" ", col-1), row, col, msg)}
}

func malformedAt(src string, pos int, msg string) *Error {
	return errorAt("MALFORMED_QUERY", src, pos, msg)
}
