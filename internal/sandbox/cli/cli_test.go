package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/cli"
)

// runSandbox runs the command with args until stop is called, and returns its ready line.
func runSandbox(t *testing.T, args ...string) (sandbox.Info, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, w := io.Pipe()
	var stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- cli.Run(ctx, args, w, &stderr)
		_ = w.Close()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("sandbox %s: no ready line (%v): %s", strings.Join(args, " "), err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	var info sandbox.Info
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("sandbox exited %d: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("the sandbox did not stop")
		}
	}
	t.Cleanup(stop)
	return info, stop
}

// --tfvars and --env write the connection, owner-only, before the ready line; started again from the same
// state file without --listen, the sandbox has the same URLs, so the files it writes are the same.
func TestSandboxWritesVariablesAndKeepsItsPorts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state, tfvars, env := filepath.Join(dir, "state.json"), filepath.Join(dir, "sandbox.auto.tfvars"), filepath.Join(dir, "sandbox.env")
	info1, stop := runSandbox(t, "--listen", "127.0.0.1:0", "--state", state, "--tfvars", tfvars, "--env", env)
	wantEnv, err := info1.TerraformVariablesEnv()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{tfvars: info1.TerraformVariablesFile(), env: wantEnv} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600 (it holds credentials)", filepath.Base(path), fi.Mode().Perm())
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Errorf("%s:\n%s\nwant\n%s", filepath.Base(path), got, want)
		}
	}
	tf, _ := os.ReadFile(tfvars)
	if !strings.Contains(string(tf), "okta = {") || !strings.Contains(string(tf), "salesforce_orgs = {") || !strings.Contains(string(tf), info1.Okta.APIToken) {
		t.Errorf("tfvars lacks okta, salesforce_orgs or the API token:\n%s", tf)
	}
	stop()
	firstTfvars := tf

	if err := os.Chmod(tfvars, 0o644); err != nil { // rewritten owner-only even when it was not
		t.Fatal(err)
	}
	info2, _ := runSandbox(t, "--state", state, "--tfvars", tfvars)
	if info2.Okta.OrgURL != info1.Okta.OrgURL {
		t.Errorf("Okta URL after a restart without --listen: %s, want %s", info2.Okta.OrgURL, info1.Okta.OrgURL)
	}
	for alias, o := range info1.Salesforce {
		if got := info2.Salesforce[alias].LoginURL; got != o.LoginURL {
			t.Errorf("org %s URL after a restart: %s, want %s", alias, got, o.LoginURL)
		}
	}
	if got, _ := os.ReadFile(tfvars); !bytes.Equal(got, firstTfvars) {
		t.Errorf("tfvars changed across the restart:\n%s\nwas\n%s", got, firstTfvars)
	}
	if fi, err := os.Stat(tfvars); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tfvars after the restart: %v, %v; want mode 0600", fi.Mode().Perm(), err)
	}
}
