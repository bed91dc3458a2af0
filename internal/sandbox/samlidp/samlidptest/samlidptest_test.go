package samlidptest

import (
	"os/exec"
	"testing"
)

// endT records how Tool ended the test instead of ending the real one.
type endT struct {
	testing.TB
	skipped, failed bool
}

type ended struct{}

func (f *endT) Helper()               {}
func (f *endT) Skipf(string, ...any)  { f.skipped = true; panic(ended{}) }
func (f *endT) Fatalf(string, ...any) { f.failed = true; panic(ended{}) }

func toolEnding(name string) (f *endT, path string) {
	f = &endT{}
	defer func() {
		if r := recover(); r != nil && r != (ended{}) {
			panic(r)
		}
	}()
	return f, Tool(f, name, "no-such-package")
}

// A missing tool skips the test on a developer's machine and fails it under CI, which installs the tools.
func TestTool_missing(t *testing.T) {
	const absent = "oktasf-no-such-tool"
	if _, err := exec.LookPath(absent); err == nil {
		t.Fatalf("%s exists on PATH", absent)
	}
	t.Setenv("CI", "")
	t.Setenv("OKTASF_REQUIRE_TEST_TOOLS", "")
	if f, _ := toolEnding(absent); !f.skipped || f.failed {
		t.Errorf("CI unset: skipped %v, failed %v; want a skip", f.skipped, f.failed)
	}
	t.Setenv("CI", "true")
	if f, _ := toolEnding(absent); f.skipped || !f.failed {
		t.Errorf("CI=true: skipped %v, failed %v; want a failure", f.skipped, f.failed)
	}
	t.Setenv("CI", "")
	t.Setenv("OKTASF_REQUIRE_TEST_TOOLS", "1")
	if f, _ := toolEnding(absent); f.skipped || !f.failed {
		t.Errorf("OKTASF_REQUIRE_TEST_TOOLS=1: skipped %v, failed %v; want a failure", f.skipped, f.failed)
	}
	t.Setenv("OKTASF_REQUIRE_TEST_TOOLS", "")
	if f, path := toolEnding("sh"); f.skipped || f.failed || path == "" {
		t.Errorf("sh: skipped %v, failed %v, path %q; want its path", f.skipped, f.failed, path)
	}
}
