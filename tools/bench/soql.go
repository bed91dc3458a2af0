package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

var (
	soqlString = regexp.MustCompile(`'(?:[^'\\]|\\.)*'`)
	soqlList   = regexp.MustCompile(`\(\?(?:,\s*\?)*\)`)
	soqlTime   = regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)`)
)

// soqlShape is a query with its literals left out, so that the queries of one kind count together.
func soqlShape(q string) string {
	q = soqlTime.ReplaceAllString(soqlString.ReplaceAllString(q, "?"), "?")
	return soqlList.ReplaceAllString(q, "(?…)")
}

// soqlShapes lists the SOQL of the journal's requests since began, by shape, most frequent first (what
// -soql prints: where a scenario's queries go).
func soqlShapes(journal []emu.Entry, began time.Time) string {
	counts := map[string]int{}
	for _, e := range journal {
		if e.SOQL != "" && !e.Start.Before(began) {
			counts[e.Service+" "+soqlShape(e.SOQL)]++
		}
	}
	shapes := make([]string, 0, len(counts))
	for s := range counts {
		shapes = append(shapes, s)
	}
	sort.Slice(shapes, func(i, j int) bool {
		if counts[shapes[i]] != counts[shapes[j]] {
			return counts[shapes[i]] > counts[shapes[j]]
		}
		return shapes[i] < shapes[j]
	})
	var b strings.Builder
	for _, s := range shapes {
		fmt.Fprintf(&b, "  %6d  %s\n", counts[s], s)
	}
	return b.String() + "\n"
}
