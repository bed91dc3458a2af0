package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp/samlidptest"
)

// step is one fenced block of the README's walkthrough, with the kind its marker comment gives it.
type step struct {
	kind string // shell (run, must succeed), sandbox (run in the background until ready), file (write it)
	arg  string // file: the path
	text string
}

var markerRE = regexp.MustCompile("(?m)^<!-- walkthrough: (shell|sandbox|file) ?(\\S*) -->\n```[a-z]*\n((?s:.*?))```\n")

// walkthrough returns the steps of the README section "Use it from your own configuration", in order.
func walkthrough(t *testing.T, readme string) []step {
	t.Helper()
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n### Use it from your own configuration\n")
	if start < 0 {
		t.Fatal(`README.md has no section "### Use it from your own configuration"`)
	}
	section := text[start+1:]
	if end := regexp.MustCompile(`\n#{1,3} `).FindStringIndex(section[4:]); end != nil {
		section = section[:end[0]+4]
	}
	var steps []step
	for _, m := range markerRE.FindAllStringSubmatch(section, -1) {
		steps = append(steps, step{kind: m[1], arg: m[2], text: m[3]})
	}
	return steps
}

// The README's own-configuration walkthrough, run as written with a fresh home directory: make install,
// the sandbox on free ports, main.tf, init, apply and an empty plan; then the sandbox restarted with the same
// command (same state file, so the same ports) and the plan still empty.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider and runs terraform")
	}
	for _, tool := range []string{"terraform", "make", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			if samlidptest.ToolsRequired() {
				t.Fatalf("%s is not in PATH (CI installs it)", tool)
			}
			t.Skipf("%s is not in PATH", tool)
		}
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	steps := walkthrough(t, filepath.Join(repo, "README.md"))
	var kinds []string
	for _, s := range steps {
		kinds = append(kinds, s.kind)
	}
	if got := strings.Join(kinds, ","); got != "shell,sandbox,file,shell" {
		t.Fatalf("walkthrough steps %s, want shell,sandbox,file,shell (make install, the sandbox, main.tf, terraform)", got)
	}
	home := t.TempDir()
	env := cleanEnv(t, home)

	var sandboxCmd string
	var stopSandbox func()
	var last string
	for _, s := range steps {
		switch s.kind {
		case "shell":
			last = runShell(t, repo, env, s.text)
		case "sandbox":
			sandboxCmd = s.text
			stopSandbox = startSandbox(t, repo, env, s.text)
		case "file":
			path := s.arg
			if rest, ok := strings.CutPrefix(path, "~/"); ok {
				path = filepath.Join(home, rest)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(s.text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !strings.Contains(last, "No changes.") {
		t.Fatalf("the walkthrough's last plan is not empty:\n%s", last)
	}
	installed := filepath.Join(home, ".terraform.d", "plugins", "registry.terraform.io", "oktasf", "oktasf")
	if _, err := os.Stat(installed); err != nil {
		t.Errorf("make install did not write into the home directory's plugin directory: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(home, "oktasf-try", "sandbox.auto.tfvars")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sandbox.auto.tfvars: %v; want mode 0600", err)
	}

	// Stopped and started again with the same command, the sandbox has the same URLs: nothing to change.
	stopSandbox()
	startSandbox(t, repo, env, sandboxCmd)
	if out := runShell(t, repo, env, "cd ~/oktasf-try\nterraform plan -detailed-exitcode\n"); !strings.Contains(out, "No changes.") {
		t.Fatalf("plan after restarting the sandbox is not empty:\n%s", out)
	}
}

// cleanEnv is the environment of a machine with nothing set up for Terraform: HOME is home, and no TF_
// variable (a CLI configuration would hide the implied mirror directory). Go keeps its caches, or make
// install would download and build everything again.
func cleanEnv(t *testing.T, home string) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOENV", "GOFLAGS", "GOTOOLCHAIN").Output()
	if err != nil {
		t.Fatal(err)
	}
	goEnv := strings.Split(string(out), "\n") // one line each, empty when unset
	if len(goEnv) < 6 {
		t.Fatalf("go env printed %q", out)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "HOME" || strings.HasPrefix(name, "TF_") {
			continue
		}
		env = append(env, kv)
	}
	// The machine's Go settings (its go env file, flags and toolchain choice) and git configuration (safe.directory
	// for a checkout owned by another user) stay what they are outside the fresh home.
	env = append(env, "HOME="+home, "GOCACHE="+goEnv[0], "GOMODCACHE="+goEnv[1], "GOPATH="+goEnv[2], "GOENV="+goEnv[3],
		"GOFLAGS="+goEnv[4], "GOTOOLCHAIN="+goEnv[5], "CHECKPOINT_DISABLE=1")
	if realHome, err := os.UserHomeDir(); err == nil && os.Getenv("GIT_CONFIG_GLOBAL") == "" {
		env = append(env, "GIT_CONFIG_GLOBAL="+filepath.Join(realHome, ".gitconfig"))
	}
	return env
}

func runShell(t *testing.T, dir string, env []string, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.TrimSpace(script), err, out)
	}
	return string(out)
}

// startSandbox runs the sandbox command in the background until its ready line, and returns a function
// that stops it with SIGINT (Ctrl-C) and waits for it to save its state; cleanup stops it too.
func startSandbox(t *testing.T, dir string, env []string, script string) func() {
	t.Helper()
	cmd := exec.Command("bash", "-c", "exec "+strings.TrimSpace(script))
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		r := bufio.NewReader(out)
		_, err := r.ReadString('\n')
		ready <- err == nil
		_, _ = io.Copy(io.Discard, r)
		done <- cmd.Wait()
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case err := <-done:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("sandbox: %v", err)
			} else if err != nil {
				t.Errorf("sandbox exited %d: %s", exit.ExitCode(), stderr.String())
			}
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Error("the sandbox did not stop within 15 s of SIGINT")
		}
	}
	t.Cleanup(stop)
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("%s: exited before it was ready: %s", strings.TrimSpace(script), stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: not ready within 60 s: %s", strings.TrimSpace(script), stderr.String())
	}
	return stop
}
