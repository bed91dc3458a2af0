// Command testprogress (make test) runs go test and prints each package's result the moment it finishes,
// with a running count and the elapsed time, where plain go test over several packages holds every result
// back until the packages before it are done. A failing package's output follows its FAIL line; packages
// that run long are named every minute. The exit status is go test's.
//
// Usage: go run ./tools/testprogress [go test flags] -- packages
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	flags, pkgs := splitArgs(os.Args[1:])
	if len(pkgs) == 0 {
		fmt.Fprintln(os.Stderr, "usage: testprogress [go test flags] -- packages")
		os.Exit(2)
	}
	os.Exit(run("", flags, pkgs, os.Stdout, os.Stderr, time.Minute))
}

// splitArgs splits the arguments at "--" into go test flags and packages.
func splitArgs(args []string) (flags, pkgs []string) {
	if i := slices.Index(args, "--"); i >= 0 {
		return args[:i], args[i+1:]
	}
	return nil, args
}

// event is one line of go test -json (test2json's TestEvent, and the build events of go test).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

// run runs go test -json in dir (empty: the current directory) and returns the exit status.
func run(dir string, flags, pkgs []string, stdout, stderr io.Writer, heartbeat time.Duration) int {
	total := countTestedPackages(dir, pkgs)
	cmd := exec.Command("go", append(append([]string{"test", "-json"}, flags...), pkgs...)...)
	cmd.Dir = dir
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testprogress:", err)
		return 1
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testprogress:", err)
		return 1
	}
	p := &progress{w: stdout, total: total, start: start, module: modulePath(dir), running: map[string]time.Time{}, output: map[string][]string{}}
	stop := make(chan struct{})
	go p.heartbeat(heartbeat, stop)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			p.print(sc.Text()) // not an event: pass it on as it is
			continue
		}
		p.handle(e)
	}
	close(stop)
	err = cmd.Wait()
	code := 0
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		fmt.Fprintln(stderr, "testprogress:", err)
		code = 1
	}
	if code == 0 && p.failed > 0 {
		code = 1
	}
	p.summary(code)
	return code
}

// countTestedPackages counts the packages with test files among pkgs (0 when go list fails: the count is
// then left out, and go test reports the problem).
func countTestedPackages(dir string, pkgs []string) int {
	cmd := exec.Command("go", append([]string{"list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}x{{end}}"}, pkgs...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return 0
	}
	return strings.Count(string(out), "x")
}

// modulePath is the main module's path, which results leave out of package names ("" when go list fails).
func modulePath(dir string) string {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Path}}")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

type progress struct {
	mu      sync.Mutex
	w       io.Writer
	module  string
	total   int
	start   time.Time
	done    int
	failed  int
	running map[string]time.Time
	output  map[string][]string // package output, printed when it fails
}

func (p *progress) print(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, line)
}

func (p *progress) handle(e event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case e.Action == "build-output":
		fmt.Fprint(p.w, e.Output)
	case e.Action == "start":
		p.running[e.Package] = time.Now()
	case e.Action == "output":
		p.output[e.Package] = append(p.output[e.Package], e.Output)
	case e.Test != "" || e.Package == "":
	case e.Action == "pass" || e.Action == "fail":
		delete(p.running, e.Package)
		p.done++
		status := "ok  "
		if e.Action == "fail" {
			status = "FAIL"
			p.failed++
			for _, line := range p.output[e.Package] {
				fmt.Fprint(p.w, line)
			}
		}
		fmt.Fprintf(p.w, "%s  %-40s %7.1fs  [%s, %s]\n", status, p.name(e.Package), e.Elapsed, p.count(), since(p.start))
		delete(p.output, e.Package)
	case e.Action == "skip": // no test files
		delete(p.running, e.Package)
		delete(p.output, e.Package)
	}
}

// name is pkg relative to the main module: "internal/sandbox", or "." for the module's root.
func (p *progress) name(pkg string) string {
	if pkg == p.module {
		return "."
	}
	if rest, ok := strings.CutPrefix(pkg, p.module+"/"); ok && p.module != "" {
		return rest
	}
	return pkg
}

func (p *progress) count() string {
	if p.total > 0 {
		return fmt.Sprintf("%d/%d packages", p.done, p.total)
	}
	return fmt.Sprintf("%d packages", p.done)
}

// heartbeat names the packages still running, longest first, every interval without a result.
func (p *progress) heartbeat(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		names := make([]string, 0, len(p.running))
		for name := range p.running {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool { return p.running[names[i]].Before(p.running[names[j]]) })
		parts := make([]string, len(names))
		for i, name := range names {
			parts[i] = fmt.Sprintf("%s (%s)", p.name(name), since(p.running[name]))
		}
		if len(parts) > 0 {
			fmt.Fprintf(p.w, "...   running: %s  [%s, %s]\n", strings.Join(parts, ", "), p.count(), since(p.start))
		}
		p.mu.Unlock()
	}
}

func (p *progress) summary(code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	verdict := "ok"
	if code != 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(p.w, "%s: %d packages passed, %d failed, in %s\n", verdict, p.done-p.failed, p.failed, since(p.start))
}

func since(t time.Time) string { return time.Since(t).Round(time.Second).String() }
