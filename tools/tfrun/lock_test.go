package tfrun

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// terraform init of a workspace installs the mirror's build without the warning "Incomplete lock file
// information for providers" (make demo used to print it on every run), and the lock holds that build's checksum.
func TestWorkspaceInitHasNoLockFileWarning(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not in PATH")
	}
	stateDir, example := t.TempDir(), t.TempDir()
	// init checks the package's checksum but does not run it, so any file stands in for the build.
	provider := filepath.Join(t.TempDir(), "terraform-provider-oktasf")
	if err := os.WriteFile(provider, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(example, "main.tf"), []byte(ConfigHeader), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := NewWorkspace(stateDir, example, filepath.Join(stateDir, "ws"), provider)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ws.Stdout, ws.Stderr = &out, &out
	for run := 1; run <= 2; run++ { // the second init, with .terraform present, must stay quiet too
		if _, err := ws.Terraform(context.Background(), "init", "-no-color"); err != nil {
			t.Fatalf("init %d: %v\n%s", run, err, out.String())
		}
	}
	if strings.Contains(out.String(), "Incomplete lock file information") {
		t.Errorf("terraform init warns about the lock file:\n%s", out.String())
	}
	lock, err := os.ReadFile(filepath.Join(ws.Dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lock), `version = "`+MirrorVersion+`"`) || !strings.Contains(string(lock), `"h1:`) {
		t.Errorf("lock file lacks the mirror's version or checksum:\n%s", lock)
	}
}
