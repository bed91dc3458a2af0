package examplestest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestModuleTerraformTest runs the salesforce-federation module's terraform test files against a sandbox:
// plan-only runs of its variable validation, and apply runs of a working federation and a key rotation that
// reaches Salesforce in the same apply. Every run block must pass; none may be skipped.
func TestModuleTerraformTest(t *testing.T) {
	requireTerraform(t)
	t.Parallel()
	sb := startSandbox(t)
	w := newWorkspace(t, sb, moduleDir)

	want := 0
	files, err := filepath.Glob(filepath.Join(w.Dir, "tests", "*.tftest.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tests/*.tftest.hcl in the module (%v)", err)
	}
	runBlock := regexp.MustCompile(`(?m)^run "`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want += len(runBlock.FindAll(b, -1))
	}

	out := w.mustRun(t, "test", "-no-color")
	m := regexp.MustCompile(`Success! (\d+) passed, 0 failed\.`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("terraform test did not succeed:\n%s", out)
	}
	if passed, _ := strconv.Atoi(m[1]); passed != want {
		t.Fatalf("terraform test passed %d runs, the files hold %d (skipped runs?):\n%s", passed, want, out)
	}
	if strings.Contains(out, "tearing down") && strings.Contains(out, "Error") {
		t.Fatalf("terraform test reported an error while destroying what it created:\n%s", out)
	}
}
