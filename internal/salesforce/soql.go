package salesforce

import "strings"

// soqlEscaper escapes the characters SOQL string literals reserve (see "Quoted String Escape
// Sequences" in the SOQL reference).
var soqlEscaper = strings.NewReplacer(
	`\`, `\\`,
	`'`, `\'`,
	`"`, `\"`,
	"\n", `\n`,
	"\r", `\r`,
	"\t", `\t`,
	"\b", `\b`,
	"\f", `\f`,
)

// Quote returns s as a SOQL string literal: escaped and wrapped in single quotes.
func Quote(s string) string {
	return "'" + soqlEscaper.Replace(s) + "'"
}

// QuoteList returns values as a SOQL IN list, e.g. ('a','b'); an empty list yields (”) so the
// query stays valid and matches nothing.
func QuoteList(values []string) string {
	if len(values) == 0 {
		return "('')"
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = Quote(v)
	}
	return "(" + strings.Join(quoted, ",") + ")"
}
