package soql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

func match(c *Compare, kind FieldKind, v any) bool {
	if len(c.Values) == 1 && c.Values[0].Kind == KindDateRange {
		return matchRange(c.Op, c.Values[0].Str, kind, v)
	}
	switch c.Op {
	case "=":
		return equal(v, c.Values[0], kind)
	case "!=":
		return !equal(v, c.Values[0], kind)
	case "IN", "NOTIN":
		in := false
		for _, lit := range c.Values {
			if equal(v, lit, kind) {
				in = true
				break
			}
		}
		return in == (c.Op == "IN")
	case "LIKE":
		s, ok := v.(string)
		return ok && like(s, c.Values[0].Str)
	}
	if v == nil {
		return false
	}
	cmp := compareValues(v, literalValue(c.Values[0], kind), kind, true)
	switch c.Op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

func equal(v any, lit Value, kind FieldKind) bool {
	if lit.Kind == KindNull {
		return v == nil || v == ""
	}
	if v == nil {
		return false
	}
	return compareValues(v, literalValue(lit, kind), kind, true) == 0
}

// literalValue turns a checked literal into the stored representation of kind.
func literalValue(lit Value, kind FieldKind) any {
	switch lit.Kind {
	case KindBool:
		return lit.Bool
	case KindNumber:
		return lit.Num
	case KindDate:
		return lit.Time.Format("2006-01-02")
	case KindDateTime:
		return lit.Time
	}
	return lit.Str
}

// compareValues orders two values of one field kind; strings compare case-insensitively as in Salesforce.
func compareValues(a, b any, kind FieldKind, nullsFirst bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if nullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if nullsFirst {
			return 1
		}
		return -1
	}
	switch kind {
	case FieldID:
		return strings.Compare(idPrefix(fmt.Sprint(a)), idPrefix(fmt.Sprint(b)))
	case FieldBool:
		ab, bb := a == true, b == true
		switch {
		case ab == bb:
			return 0
		case !ab:
			return -1
		}
		return 1
	case FieldInt, FieldDouble:
		af, bf := toFloat(a), toFloat(b)
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	case FieldDateTime:
		at, bt := toTime(a), toTime(b)
		return at.Compare(bt)
	}
	return strings.Compare(strings.ToLower(fmt.Sprint(a)), strings.ToLower(fmt.Sprint(b)))
}

func idPrefix(s string) string {
	if len(s) >= 15 {
		return s[:15]
	}
	return s
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case string:
		f, _ := strconv.ParseFloat(n, 64)
		return f
	}
	return 0
}

func toTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case string:
		for _, layout := range append([]string{"2006-01-02T15:04:05.000-0700"}, dateTimeLayouts...) {
			if p, err := time.Parse(layout, t); err == nil {
				return p.UTC()
			}
		}
	}
	return time.Time{}
}

// like matches s against a SOQL LIKE pattern: % any run, _ one character, \% and \_ literal, case-insensitive.
func like(s, pattern string) bool {
	sr := []rune(strings.ToLower(s))
	type tok struct {
		r       rune
		literal bool
	}
	var pat []tok
	pr := []rune(strings.ToLower(pattern))
	for i := 0; i < len(pr); i++ {
		if pr[i] == '\\' && i+1 < len(pr) && (pr[i+1] == '%' || pr[i+1] == '_') {
			pat = append(pat, tok{pr[i+1], true})
			i++
			continue
		}
		pat = append(pat, tok{pr[i], false})
	}
	// dp[j] is whether pat[:i] matches sr[:j].
	dp := make([]bool, len(sr)+1)
	dp[0] = true
	for _, t := range pat {
		next := make([]bool, len(sr)+1)
		if !t.literal && t.r == '%' {
			acc := false
			for j := 0; j <= len(sr); j++ {
				acc = acc || dp[j]
				next[j] = acc
			}
		} else {
			for j := 1; j <= len(sr); j++ {
				next[j] = dp[j-1] && ((!t.literal && t.r == '_') || sr[j-1] == t.r)
			}
		}
		dp = next
	}
	return dp[len(sr)]
}

// normalizeID accepts a 15- or 18-character id and returns its case-sensitive 15-character form.
func normalizeID(s string) (string, bool) { return CanonicalID(s) }

const idChecksumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// CanonicalID returns the case-sensitive 15-character form of a 15- or 18-character Salesforce id. An
// 18-character id is case-insensitive: its last three characters encode which letters are uppercase.
func CanonicalID(s string) (string, bool) {
	if len(s) != 15 && len(s) != 18 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentPart(s[i]) || s[i] == '_' {
			return "", false
		}
	}
	if len(s) == 15 {
		return s, true
	}
	b := []byte(s[:15])
	for chunk := 0; chunk < 3; chunk++ {
		n := strings.IndexByte(idChecksumAlphabet, upper(s[15+chunk]))
		if n < 0 {
			return "", false
		}
		for i := 0; i < 5; i++ {
			c := b[chunk*5+i]
			isLetter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			switch {
			case n&(1<<i) != 0 && !isLetter:
				return "", false
			case n&(1<<i) != 0:
				b[chunk*5+i] = upper(c)
			case isLetter:
				b[chunk*5+i] = c | 0x20
			}
		}
	}
	return string(b), true
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 0x20
	}
	return c
}

// now is the clock relative date literals are evaluated against (UTC days; the org time zone is not modelled).
var now = time.Now

func isDateRange(s string) bool {
	_, _, ok := dateRange(strings.ToUpper(s), time.Now())
	return ok
}

// dateRange turns a relative date literal into its half-open UTC interval [start, end).
func dateRange(lit string, at time.Time) (time.Time, time.Time, bool) {
	at = at.UTC()
	today := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	switch lit {
	case "TODAY":
		return today, today.Add(day), true
	case "YESTERDAY":
		return today.Add(-day), today, true
	case "TOMORROW":
		return today.Add(day), today.Add(2 * day), true
	}
	name, arg, ok := strings.Cut(lit, ":")
	n, err := strconv.Atoi(arg)
	if !ok || err != nil || n < 0 {
		return time.Time{}, time.Time{}, false
	}
	switch name {
	case "LAST_N_DAYS": // the past n days and today
		return today.AddDate(0, 0, -n), today.Add(day), true
	case "NEXT_N_DAYS": // today and the next n days
		return today, today.AddDate(0, 0, n+1), true
	}
	return time.Time{}, time.Time{}, false
}

func matchRange(op, lit string, kind FieldKind, v any) bool {
	if v == nil {
		return op == "!=" || op == "NOTIN"
	}
	start, end, _ := dateRange(lit, now())
	var t time.Time
	if kind == FieldDate {
		t, _ = time.Parse("2006-01-02", fmt.Sprint(v))
	} else {
		t = toTime(v)
	}
	in := !t.Before(start) && t.Before(end)
	switch op {
	case "=", "IN":
		return in
	case "!=", "NOTIN":
		return !in
	case "<":
		return t.Before(start)
	case "<=":
		return t.Before(end)
	case ">":
		return !t.Before(end)
	case ">=":
		return !t.Before(start)
	}
	return false
}
