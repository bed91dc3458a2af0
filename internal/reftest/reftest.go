// Package reftest locates ../shared/reference (the read-only vendor reference kept beside the repository) for
// tests. A user's clone does not have it: tests that need it skip there with a message, but under CI=true a
// missing reference fails the test, so that CI can never pass by skipping what it is meant to check.
package reftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Path returns ../shared/reference/<rel> beside the module root, or ends the test through Missing.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			Missing(t, "go.mod not found above %s; cannot locate ../shared/reference", dir)
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "reference", rel)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "reference data %s is absent (../shared/reference is not part of the repository): %v", p, err)
	}
	return p
}

// Read returns the content of ../shared/reference/<rel>, or ends the test through Missing.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Missing skips the test with the message, or fails it when CI is true.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (CI=true: a missing input fails)", fmt.Sprintf(format, args...))
	}
	t.Skipf(format, args...)
}

// Required reports whether missing reference data must fail tests (CI=true).
func Required() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}
