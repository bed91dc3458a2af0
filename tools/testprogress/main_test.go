package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// triggerWriter collects output and creates file once it holds trigger.
type triggerWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	file    string
}

func (w *triggerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, _ := w.buf.Write(p)
	if w.trigger != "" && strings.Contains(w.buf.String(), w.trigger) {
		w.trigger = ""
		if err := os.WriteFile(w.file, nil, 0o644); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (w *triggerWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

// A fast package's result is printed while a slow one still runs (the slow one waits until it is, so the
// test fails rather than hangs if results are held back), a failing package's output follows its FAIL line,
// and the exit status is go test's.
func TestResultsAppearAsPackagesFinish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seen := filepath.Join(dir, "fast-seen")
	files := map[string]string{
		"go.mod": "module progress.test\n\ngo 1.22\n",
		"slow/a_test.go": `package slow
import ("os"; "testing"; "time")
func TestWaitsForTheFastResult(t *testing.T) {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(` + "`" + seen + "`" + `); err == nil {
			return
		}
	}
	t.Fatal("the fast package's result was not printed while this package ran")
}
`,
		"fast/b_test.go":   "package fast\nimport \"testing\"\nfunc TestFast(t *testing.T) {}\n",
		"broken/c_test.go": "package broken\nimport \"testing\"\nfunc TestBroken(t *testing.T) { t.Log(\"the reason it broke\"); t.Fail() }\n",
		"notests/d.go":     "package notests\n",
	}
	for name, text := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := &triggerWriter{trigger: "ok    fast ", file: seen}
	var stderr bytes.Buffer
	code := run(dir, []string{"-count=1"}, []string{"./..."}, out, &stderr, time.Hour)
	got := out.String()
	if code == 0 {
		t.Errorf("exit status 0 with a failing package; output:\n%s", got)
	}
	for _, want := range []string{"ok    slow ", "FAIL  broken ", "the reason it broke", "[3/3 packages, ", "FAIL: 2 packages passed, 1 failed, in "} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s\nstderr:\n%s", want, got, stderr.String())
		}
	}
	if strings.Contains(got, "notests") {
		t.Errorf("a package without tests is listed:\n%s", got)
	}
	if fast, slow := strings.Index(got, "ok    fast "), strings.Index(got, "ok    slow "); fast < 0 || fast > slow {
		t.Errorf("the fast package is not listed before the slow one:\n%s", got)
	}
}
