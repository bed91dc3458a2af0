package examplestest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// repoRoot is the module root, from this package's directory.
var repoRoot = filepath.Join("..", "..", "..")

// moduleDir is the reusable module, relative to the repository root; examples refer to it as
// ../modules/salesforce-federation, so it is copied beside them.
const moduleDir = "examples/modules/salesforce-federation"

var (
	buildOnce   sync.Once
	buildDir    string
	buildBinary string
	buildErr    error
)

// TestMain removes the provider build when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// requireTerraform skips the test when the terraform binary is missing or -short is set.
func requireTerraform(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs terraform against a sandbox; skipped with -short")
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH")
	}
}

// providerBinary builds the provider once for the package's tests (without -race: terraform runs it).
func providerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "oktasf-examples-"); buildErr != nil {
			return
		}
		buildBinary = filepath.Join(buildDir, "terraform-provider-oktasf")
		cmd := exec.Command("go", "build", "-o", buildBinary, ".")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build the provider: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBinary
}

// startSandbox starts a sandbox of the test's own on loopback ports, closed when the test ends.
func startSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("start the sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// workspace is a copy of an example and the module, wired to the provider build and a sandbox.
type workspace struct {
	Dir  string   // the example's copy, where terraform runs
	root string   // the copy of the repository's tree the example and the module sit in
	env  []string // the CLI configuration and the sandbox's TF_VAR_okta and TF_VAR_salesforce_orgs
}

// newWorkspace copies the module and the example at rel (a directory under the repository root) into a
// temporary tree of the same shape, so that the example's "../modules/…" source resolves; publishes the
// provider build in a filesystem mirror there with a CLI configuration that installs oktasf/oktasf from it
// only (as tools/tfrun does for the demo; a configuration with a module needs a mirror, dev_overrides fail
// its init); and runs terraform init.
func newWorkspace(t *testing.T, sb *sandbox.Sandbox, rel string) *workspace {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{moduleDir, rel} {
		if err := copyTree(filepath.Join(repoRoot, d), filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	mirror := filepath.Join(root, ".terraform-home", "mirror")
	pkg := filepath.Join(mirror, "registry.terraform.io", "oktasf", "oktasf", tfrun.MirrorVersion, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(providerBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "terraform-provider-oktasf_v"+tfrun.MirrorVersion), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(root, ".terraform-home", "terraformrc")
	cfg := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/oktasf/oktasf\"]\n  }\n}\n", mirror)
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	vars, err := sb.Info().TerraformVariables()
	if err != nil {
		t.Fatal(err)
	}
	w := &workspace{Dir: filepath.Join(root, rel), root: root}
	w.env = append([]string{"TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0"}, vars...)
	w.mustRun(t, "init", "-input=false", "-no-color")
	return w
}

// run runs one terraform command and returns its combined output.
func (w *workspace) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "terraform", args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(), w.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("terraform %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// mustRun is run, failing the test with terraform's output when the command fails.
func (w *workspace) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := w.run(t, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// change is one planned change of a plan's resource_changes.
type change struct {
	Address string
	Module  string
	Type    string
	Mode    string
	Actions []string
}

// plan plans with the given extra arguments and returns the changes that are not no-ops, managed
// resources and data source reads apart.
func (w *workspace) plan(t *testing.T, args ...string) (managed, reads []change) {
	t.Helper()
	w.mustRun(t, append([]string{"plan", "-input=false", "-no-color", "-out=tfplan"}, args...)...)
	js := w.mustRun(t, "show", "-json", "tfplan")
	var p struct {
		ResourceChanges []struct {
			Address       string `json:"address"`
			ModuleAddress string `json:"module_address"`
			Type          string `json:"type"`
			Mode          string `json:"mode"`
			Change        struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	for _, rc := range p.ResourceChanges {
		if len(rc.Change.Actions) == 1 && rc.Change.Actions[0] == "no-op" {
			continue
		}
		c := change{Address: rc.Address, Module: rc.ModuleAddress, Type: rc.Type, Mode: rc.Mode, Actions: rc.Change.Actions}
		if rc.Mode == "data" {
			reads = append(reads, c)
		} else {
			managed = append(managed, c)
		}
	}
	return managed, reads
}

// copyTree copies the regular files under src to dst, leaving out what terraform leaves behind in a
// working directory (.terraform, state, lock file, plans).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || strings.Contains(name, ".tfstate") || name == ".terraform.lock.hcl" || name == "tfplan" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}
