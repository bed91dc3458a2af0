package provisioning

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// readmeFigure is a request count from the README's bench block ("bench: <key> = <value>", written by
// `make bench-readme` and checked against a run by `make docs-check`), so that the scale test's budgets are
// the figures the README quotes.
func readmeFigure(t *testing.T, key string) int {
	t.Helper()
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^bench: ` + regexp.QuoteMeta(key) + ` = (\d+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("README.md's bench block has no %s (make bench-readme writes it)", key)
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
