// Package tfrun drives the terraform binary against a provider build and a sandbox, for `make demo` and
// `make bench`: a local filesystem mirror holds the provider, so `terraform init` works offline.
package tfrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// MirrorVersion is the version the local build is published under in the filesystem mirror.
const MirrorVersion = "0.1.0"

// Workspace is a terraform working directory wired to a local provider build.
type Workspace struct {
	Dir       string
	cliConfig string
	Env       []string
	Stdout    io.Writer
	Stderr    io.Writer
}

// PublishMirror copies providerBinary into the filesystem mirror (or implied local mirror directory, such
// as ~/.terraform.d/plugins) at mirror as oktasf/oktasf MirrorVersion for this platform, in the unpacked
// layout terraform init installs from, and returns the file it wrote.
func PublishMirror(mirror, providerBinary string) (string, error) {
	pkgDir := filepath.Join(mirror, "registry.terraform.io", "oktasf", "oktasf", MirrorVersion, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		return "", err
	}
	bin, err := os.ReadFile(providerBinary)
	if err != nil {
		return "", fmt.Errorf("read the provider build (run make build first): %w", err)
	}
	// Written beside and renamed over: a plugin that is running keeps its file, and no one sees half a binary.
	target := filepath.Join(pkgDir, "terraform-provider-oktasf_v"+MirrorVersion)
	if err := emu.WriteFileAtomic(target, bin, 0o755); err != nil {
		return "", err
	}
	return target, nil
}

// NewWorkspace copies the *.tf files of exampleDir into dir, publishes providerBinary into a filesystem
// mirror under stateDir, and writes a CLI configuration that installs oktasf/oktasf from there only.
func NewWorkspace(stateDir, exampleDir, dir, providerBinary string) (*Workspace, error) {
	mirror, err := filepath.Abs(filepath.Join(stateDir, "mirror"))
	if err != nil {
		return nil, err
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	if _, err := PublishMirror(mirror, providerBinary); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tfFiles, err := filepath.Glob(filepath.Join(exampleDir, "*.tf"))
	if err != nil || len(tfFiles) == 0 {
		return nil, fmt.Errorf("no *.tf files in %s", exampleDir)
	}
	for _, f := range tfFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			return nil, err
		}
	}
	cliConfig, err := filepath.Abs(filepath.Join(stateDir, "terraformrc"))
	if err != nil {
		return nil, err
	}
	rc := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/oktasf/oktasf\"]\n  }\n}\n", mirror)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o644); err != nil {
		return nil, err
	}
	ws := &Workspace{Dir: dir, cliConfig: cliConfig, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := ws.lockMirror(context.Background(), mirror, platform); err != nil {
		return nil, err
	}
	return ws, nil
}

// lockMirror writes the lock file for the mirror's build. A rebuilt provider has a new checksum, so the old
// lock goes; left to init, the new one would come with the warning "Incomplete lock file information for
// providers" on every run, since init computes a mirror's checksums itself. `terraform providers lock`
// records the same checksum without it. Its output is shown only when it fails.
func (w *Workspace) lockMirror(ctx context.Context, mirror, platform string) error {
	_ = os.Remove(filepath.Join(w.Dir, ".terraform.lock.hcl"))
	cmd := exec.CommandContext(ctx, "terraform", "providers", "lock", "-fs-mirror="+mirror, "-platform="+platform)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+w.cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("terraform providers lock -fs-mirror=%s: %w\n%s", mirror, err, out)
	}
	return nil
}

// Terraform runs one terraform command in the workspace and returns its wall time.
func (w *Workspace) Terraform(ctx context.Context, args ...string) (time.Duration, error) {
	t, err := w.TerraformTimed(ctx, args...)
	return t.Wall, err
}

// Timing is what one terraform command took: wall time, and the CPU time (user + system) of the terraform
// process and of the plugin processes it started and waited for. A provider terraform reattached to
// (TF_REATTACH_PROVIDERS) is not its child, so its CPU time is not in CPU.
type Timing struct {
	Wall, CPU time.Duration
}

// TerraformTimed runs one terraform command in the workspace, as Terraform does, and returns its Timing
// (CPU is zero when the command could not start).
func (w *Workspace) TerraformTimed(ctx context.Context, args ...string) (Timing, error) {
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+w.cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	cmd.Env = append(cmd.Env, w.Env...)
	cmd.Stdout, cmd.Stderr = w.Stdout, w.Stderr
	start := time.Now()
	err := cmd.Run()
	t := Timing{Wall: time.Since(start)}
	if ps := cmd.ProcessState; ps != nil {
		t.CPU = ps.UserTime() + ps.SystemTime()
	}
	if err != nil {
		return t, fmt.Errorf("terraform %s: %w", strings.Join(args, " "), err)
	}
	return t, nil
}

// StartSandboxProcess runs `<binary> sandbox` with args and returns its ready line, decoded, and a stop
// function that ends it with SIGINT and waits for it to save its state.
func StartSandboxProcess(ctx context.Context, binary string, args ...string) (sandbox.Info, func() error, error) {
	cmd := exec.CommandContext(ctx, binary, append([]string{"sandbox"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return sandbox.Info{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return sandbox.Info{}, nil, err
	}
	stop := func() error {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			return errors.New("the sandbox did not stop within 10 s; killed it")
		}
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			_ = stop()
			return sandbox.Info{}, nil, errors.New("the sandbox exited before it was ready (see its messages above)")
		}
		var info sandbox.Info
		if err := json.Unmarshal([]byte(line), &info); err != nil {
			_ = stop()
			return sandbox.Info{}, nil, fmt.Errorf("the sandbox's ready line is not JSON: %w", err)
		}
		return info, stop, nil
	case <-time.After(30 * time.Second):
		_ = stop()
		return sandbox.Info{}, nil, errors.New("the sandbox was not ready within 30 s")
	}
}

// Control talks to a sandbox's control API: URL and Token are the control_url and control_token of its
// ready line (Info).
type Control struct{ URL, Token string }

// Stats reads the request counts per route.
func (c Control) Stats(ctx context.Context) (emu.Stats, error) {
	var s emu.Stats
	err := c.do(ctx, http.MethodGet, "/stats", nil, &s)
	return s, err
}

// ResetStats zeroes the counts.
func (c Control) ResetStats(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/stats", nil, nil)
}

// SetLatency delays every request by ms.
func (c Control) SetLatency(ctx context.Context, ms int) error {
	return c.do(ctx, http.MethodPost, "/latency", emu.Latency{Millis: ms}, nil)
}

func (c Control) do(ctx context.Context, method, p string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+p, rd)
	if err != nil {
		return err
	}
	req.Header.Set(emu.ControlTokenHeader, c.Token)
	if body != nil || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %s %s", method, p, resp.Status, b)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

// FormatStats renders counts per route, most requested first, as an aligned table.
func FormatStats(title string, s emu.Stats, wall time.Duration) string {
	type row struct {
		route string
		n     int
	}
	rows := make([]row, 0, len(s.Routes))
	for r, n := range s.Routes {
		rows = append(rows, row{r, n})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].route < rows[j].route
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d requests, wall time %s\n", title, s.Total, wall.Round(time.Millisecond))
	for _, r := range rows {
		fmt.Fprintf(&b, "  %6d  %s\n", r.n, r.route)
	}
	return b.String()
}
