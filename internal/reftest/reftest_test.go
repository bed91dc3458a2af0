package reftest

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeT records how a helper ended the test instead of ending the real one.
type fakeT struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Skipf(string, ...any)  { f.skipped = true; panic(f) }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic(f) }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic(f) }
func run(f *fakeT, fn func(testing.TB)) {
	defer func() {
		if r := recover(); r != nil && r != f {
			panic(r)
		}
	}()
	fn(f)
}

func TestPath_missing(t *testing.T) {
	// Not parallel: it changes the working directory and CI.
	wd, _ := os.Getwd()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chdir(wd) })
	for _, tc := range []struct {
		ci                    string
		wantSkipped, wantFail bool
	}{{"", true, false}, {"false", true, false}, {"true", false, true}} {
		t.Setenv("CI", tc.ci)
		f := &fakeT{TB: t}
		run(f, func(tb testing.TB) { Path(tb, "okta/nothing.yaml") })
		if f.skipped != tc.wantSkipped || f.failed != tc.wantFail {
			t.Errorf("CI=%q: skipped=%v failed=%v, want %v/%v", tc.ci, f.skipped, f.failed, tc.wantSkipped, tc.wantFail)
		}
	}
}
