// Command bench is `make bench`: against an in-process sandbox that delays every request, it applies a
// configuration and then plans it again with nothing changed, and prints requests per route and wall time
// for each. It measures examples/demo; a generated estate (by default 40 group mappings and 20
// permission-set bindings over users in 60 groups) at each size of -scale, with a plan after one membership
// change and one after one profile change; the estate's 40 mappings without bindings; provisioning of 5,000
// users; and how long Salesforce lags behind Okta when the app's signing key rotates.
//
// Each scenario runs one provider process in debug mode that every terraform command of the scenario
// reattaches to, so that the provider's CPU time (from /proc) is measured apart from terraform's (its
// rusage) and the sandbox's (this process's rusage, since the sandbox runs in it).
//
// It ends with every figure on one "bench: <key> = <value>" line. The README quotes that block:
// -update-readme writes it there, and -check-readme fails when the README quotes other request counts
// than this run measured, or any figure this run did not produce; figures of estate sizes the run left out
// of -scale are listed as not checked.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

func main() {
	provider := flag.String("provider", "bin/terraform-provider-oktasf", "the provider build")
	example := flag.String("example", "examples/demo", "the example configuration to measure first (empty: skip)")
	latency := flag.Int("latency-ms", 20, "latency injected into every sandbox request")
	var e estate
	scaleFlag := flag.String("scale", joinSizes(scaleSizes), "estate: the numbers of Okta users to measure the estate at, comma-separated (empty skips the estate)")
	flag.IntVar(&e.Groups, "groups", 60, "estate: Okta groups")
	flag.IntVar(&e.Mappings, "mappings", 40, "estate: group mappings")
	flag.IntVar(&e.Bindings, "bindings", 20, "estate: permission-set bindings")
	flag.BoolVar(&e.Provisioning, "estate-provisioning", false, "estate: add oktasf_user_provisioning for the app (not how the README's figures are measured: leave -update-readme and -check-readme out)")
	mappingUsers := flag.Int("mappings-users", 5000, "the estate's group mappings without bindings: Okta users (0 skips it)")
	var p provisioning
	flag.IntVar(&p.Users, "provision-users", 5000, "provisioning: Okta users, none in Salesforce yet (0 skips it)")
	flag.IntVar(&p.Groups, "provision-groups", 10, "provisioning: Okta groups, each mapped to the app")
	rotate := flag.Bool("rotation", true, "measure a signing key rotation")
	profileDir := flag.String("cpuprofile-dir", "", "write a CPU profile of the provider per scenario into this directory (<scenario>.pprof, for go tool pprof); needs a provider build with -cpuprofile")
	readme := flag.String("readme", "README.md", "the README that quotes the figures")
	update := flag.Bool("update-readme", false, "write this run's figures into the README")
	check := flag.Bool("check-readme", false, "fail when the README quotes other request counts than this run, or figures it did not produce (figures of sizes not in -scale are listed, not checked)")
	verbose := flag.Bool("v", false, "show terraform's output")
	soqlShapes := flag.Bool("soql", false, "after each measured command, list the SOQL it sent by shape (literals left out)")
	flag.Parse()

	ctx := context.Background()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "bench failed: "+err.Error())
		os.Exit(1)
	}
	if e.Provisioning && (*update || *check) {
		fail(fmt.Errorf("-estate-provisioning measures another estate than the README's figures: leave -update-readme and -check-readme out"))
	}
	sizes, err := parseSizes(*scaleFlag)
	if err != nil {
		fail(err)
	}
	b := &bench{provider: *provider, latency: *latency, verbose: *verbose, soql: *soqlShapes, figures: values{}, scope: newScope(sizes)}
	if *profileDir != "" {
		if !providerTakesCPUProfile(ctx, *provider) {
			fail(fmt.Errorf("-cpuprofile-dir: %s has no -cpuprofile flag (its -h does not list it); build a provider that has one, or leave -cpuprofile-dir out", *provider))
		}
		if err := os.MkdirAll(*profileDir, 0o755); err != nil {
			fail(err)
		}
		b.profileDir = *profileDir
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		b.scope.providerCPU = false
		fmt.Printf("note: no /proc here (%v): the provider's CPU time is not measured, its column stays empty\n\n", err)
	}
	b.figures["measured"] = measuredLabel(time.Now(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	b.figures.setInt("latency_ms", *latency)
	if *example != "" {
		if err := b.demo(ctx, *example); err != nil {
			fail(err)
		}
	}
	if len(sizes) > 0 {
		if err := b.scale(ctx, e, sizes); err != nil {
			fail(err)
		}
	}
	if *mappingUsers > 0 {
		if err := b.mappings(ctx, estate{Users: *mappingUsers, Groups: e.Groups, Mappings: e.Mappings}); err != nil {
			fail(err)
		}
	}
	if p.Users > 0 {
		if err := b.provisioning(ctx, p); err != nil {
			fail(err)
		}
	}
	if *rotate {
		if err := b.rotation(ctx); err != nil {
			fail(err)
		}
	}
	fmt.Print("== figures\n\n" + b.figures.block())
	if *check {
		notChecked, err := checkAgainstREADME(*readme, b.figures, b.scope)
		if err != nil {
			fail(err)
		}
		fmt.Printf("\n%s quotes this run's figures\n", *readme)
		if len(notChecked) > 0 {
			fmt.Printf("not checked (this run did not measure them):\n  %s\n", strings.Join(notChecked, "\n  "))
		}
	}
	if *update {
		if err := writeREADME(*readme, b.figures); err != nil {
			fail(err)
		}
		fmt.Printf("\nwrote the figures into %s\n", *readme)
	}
}

// bench runs the scenarios and collects their figures.
type bench struct {
	provider   string
	profileDir string // where the provider writes a CPU profile per scenario; empty: none
	latency    int
	verbose    bool
	soql       bool
	figures    values
	scope      scope
}

// session is one scenario's sandbox, terraform working directory and provider process.
type session struct {
	sb       *sandbox.Sandbox
	ws       *tfrun.Workspace
	ctl      tfrun.Control
	provider *debugProvider
	b        *bench
	// How long the set-up took: starting the sandbox, and writing the configuration and terraform init.
	sandboxStart, configure time.Duration
}

// start starts a sandbox with seed, takes the configuration from configDir (which may write it into the
// directory it is given), runs terraform init, and starts the scenario's provider process (name names its
// CPU profile). The sandbox has no latency yet.
func (b *bench) start(ctx context.Context, name string, seed *sandbox.Seed, configDir func(sandbox.Info, string) (string, error)) (*session, func(), error) {
	began := time.Now()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	// A seed without a created time (the default seed) makes its Okta groups as the sandbox starts. Change
	// markers read a group changed in the second of their read again at the next plan (it may still change
	// in that second unseen), so a first apply within that second would add a read to the no-change plan
	// that belongs to the set-up, by timing: the measured commands start two seconds later (Okta's Date header
	// counts whole seconds, so one second after the change may still be read as within its second).
	time.Sleep(2100 * time.Millisecond)
	sandboxStart := time.Since(began)
	dir, err := os.MkdirTemp("", "oktasf-bench-")
	if err != nil {
		_ = sb.Close()
		return nil, nil, err
	}
	var s *session
	stop := func() {
		if s != nil && s.provider != nil {
			if err := s.provider.stop(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s: stopping the provider: %v\n", name, err)
			}
		}
		_ = sb.Close()
		_ = os.RemoveAll(dir)
	}
	began = time.Now()
	if s, err = b.open(ctx, sb, dir, configDir); err != nil {
		stop()
		return nil, nil, err
	}
	s.sandboxStart, s.configure = sandboxStart, time.Since(began)
	profile := ""
	if b.profileDir != "" {
		profile = filepath.Join(b.profileDir, name+".pprof")
	}
	// The provider logs at trace level whatever happens (terraform filters what a provider started by it
	// writes); its stderr is shown with -v only. Formatting those logs is part of its CPU time either way.
	logs := io.Discard
	if b.verbose {
		logs = os.Stderr
	}
	if s.provider, err = startDebugProvider(ctx, b.provider, profile, logs); err != nil {
		stop()
		return nil, nil, err
	}
	s.ws.Env = append(s.ws.Env, s.provider.env())
	return s, stop, nil
}

func (b *bench) open(ctx context.Context, sb *sandbox.Sandbox, dir string, configDir func(sandbox.Info, string) (string, error)) (*session, error) {
	config := filepath.Join(dir, "config")
	if err := os.MkdirAll(config, 0o755); err != nil {
		return nil, err
	}
	config, err := configDir(sb.Info(), config)
	if err != nil {
		return nil, err
	}
	ws, err := tfrun.NewWorkspace(dir, config, filepath.Join(dir, "work"), b.provider)
	if err != nil {
		return nil, err
	}
	if !b.verbose {
		ws.Stdout = io.Discard
	}
	if ws.Env, err = sb.Info().TerraformVariables(); err != nil {
		return nil, err
	}
	s := &session{sb: sb, ws: ws, ctl: tfrun.Control{URL: sb.Info().ControlURL, Token: sb.Info().ControlToken}, b: b}
	if _, err := ws.Terraform(ctx, "init", "-no-color"); err != nil {
		return nil, err
	}
	return s, nil
}

// withLatency injects the bench's latency into every request from now on.
func (s *session) withLatency(ctx context.Context) error { return s.ctl.SetLatency(ctx, s.b.latency) }

// apply runs an apply that is not measured (the setup of a scenario).
func (s *session) apply(ctx context.Context, args ...string) error {
	_, err := s.ws.Terraform(ctx, append([]string{"apply", "-auto-approve", "-no-color", "-parallelism=10"}, args...)...)
	return err
}

// measurement is one measured terraform command.
type measurement struct {
	stats emu.Stats
	wall  time.Duration
	// CPU time during the command: the provider process's (from /proc; providerMeasured false where there
	// is none), terraform's (with reattach, the provider is not its child), and this process's, which hosts
	// the sandbox.
	providerCPU, terraformCPU, sandboxCPU time.Duration
	providerMeasured                      bool
	// output is what terraform printed.
	output string
}

// measureApply applies and prints the requests it took and its wall time.
func (s *session) measureApply(ctx context.Context, title string, args ...string) (measurement, error) {
	return s.measure(ctx, title, append([]string{"apply", "-auto-approve", "-no-color", "-parallelism=10"}, args...))
}

// measurePlan plans, fails unless the plan is empty, and prints the requests it took and its wall time.
func (s *session) measurePlan(ctx context.Context, title string, args ...string) (measurement, error) {
	m, err := s.measure(ctx, title, append([]string{"plan", "-detailed-exitcode", "-no-color", "-parallelism=10"}, args...))
	if planExitCode(err) == 2 {
		return m, fmt.Errorf("%s: the plan is not empty:\n%s", title, planSummary(m.output))
	}
	return m, err
}

// planExitCode is the exit code of a plan -detailed-exitcode that returned err: 0 (empty), 2 (changes) or 1.
func planExitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		return 1
	}
}

// measure runs one terraform command and prints the requests it took, its wall time and CPU times. A plan
// that exits 2 (-detailed-exitcode: changes) is measured too; its error is returned for the caller to judge.
func (s *session) measure(ctx context.Context, title string, args []string) (measurement, error) {
	if err := s.ctl.ResetStats(ctx); err != nil {
		return measurement{}, err
	}
	var out bytes.Buffer
	shown := s.ws.Stdout
	s.ws.Stdout = io.MultiWriter(&out, shown)
	defer func() { s.ws.Stdout = shown }()
	provider0, ok0 := s.provider.cpu()
	self0 := selfCPU()
	began := time.Now()
	t, runErr := s.ws.TerraformTimed(ctx, args...)
	self1 := selfCPU()
	provider1, ok1 := s.provider.cpu()
	m := measurement{wall: t.Wall, terraformCPU: t.CPU, sandboxCPU: self1 - self0, output: out.String()}
	if ok0 && ok1 {
		m.providerCPU, m.providerMeasured = provider1-provider0, true
	}
	if runErr != nil && planExitCode(runErr) != 2 {
		return m, runErr
	}
	stats, err := s.ctl.Stats(ctx)
	if err != nil {
		return m, err
	}
	m.stats = stats
	fmt.Print(tfrun.FormatStats(title, stats, m.wall))
	fmt.Printf("  CPU: provider %s, terraform %s, sandbox %s\n\n", m.providerCPUText(), seconds(m.terraformCPU, 2), seconds(m.sandboxCPU, 2))
	if s.b.soql {
		fmt.Print(soqlShapes(s.sb.Control().Journal(), began))
	}
	return m, runErr
}

func (m measurement) providerCPUText() string {
	if !m.providerMeasured {
		return "-"
	}
	return seconds(m.providerCPU, 2)
}

// seconds renders d in seconds with the given decimals, as the figures do.
func seconds(d time.Duration, decimals int) string {
	return fmt.Sprintf("%.*f s", decimals, d.Seconds())
}

// planSummary is what a plan's output says it would change: its "# <address> will be …" lines and the
// "Plan: …" line.
func planSummary(output string) string {
	var lines []string
	for _, l := range strings.Split(output, "\n") {
		t := strings.TrimSpace(l)
		if (strings.HasPrefix(t, "# ") && (strings.Contains(t, " will be ") || strings.Contains(t, " must be "))) || strings.HasPrefix(t, "Plan: ") {
			lines = append(lines, "  "+t)
		}
	}
	if len(lines) == 0 {
		return "  (no summary in the output; run with -v to see it)"
	}
	return strings.Join(lines, "\n")
}

// applyAndPlan measures a first apply and a no-change plan, and records them under prefix.
func (s *session) applyAndPlan(ctx context.Context, prefix string) error {
	m, err := s.measureApply(ctx, "first apply")
	if err != nil {
		return err
	}
	s.b.figures.setInt(prefix+".apply.requests", m.stats.Total)
	s.b.figures.setSeconds(prefix+".apply.wall_s", m.wall)
	if m, err = s.measurePlan(ctx, "no-change plan"); err != nil {
		return err
	}
	s.b.figures.setInt(prefix+".plan.requests", m.stats.Total)
	s.b.figures.setSeconds(prefix+".plan.wall_s", m.wall)
	return nil
}

func (b *bench) heading(title string) {
	fmt.Printf("== %s, %d ms latency per request\n\n", title, b.latency)
}

// demo measures the example configuration.
func (b *bench) demo(ctx context.Context, example string) error {
	s, stop, err := b.start(ctx, "demo", nil, func(sandbox.Info, string) (string, error) { return example, nil })
	if err != nil {
		return err
	}
	defer stop()
	if err := s.withLatency(ctx); err != nil {
		return err
	}
	b.heading(example)
	return s.applyAndPlan(ctx, "demo")
}

// provisioning measures the apply that adds oktasf_user_provisioning to an app whose groups hold the users,
// none of whom has a Salesforce user yet, and a no-change plan after it.
func (b *bench) provisioning(ctx context.Context, p provisioning) error {
	seed, err := p.seed()
	if err != nil {
		return err
	}
	s, stop, err := b.start(ctx, "provisioning", seed, func(info sandbox.Info, dir string) (string, error) { return dir, p.writeConfig(ctx, info, dir) })
	if err != nil {
		return err
	}
	defer stop()
	if err := s.apply(ctx); err != nil { // the app and its group mappings, not measured
		return err
	}
	if err := p.writeProvisioning(s.ws.Dir); err != nil {
		return err
	}
	if err := s.withLatency(ctx); err != nil {
		return err
	}
	b.heading(fmt.Sprintf("provisioning of %d users in %d groups mapped to one app", p.Users, p.Groups))
	m, err := s.measureApply(ctx, "apply adding oktasf_user_provisioning")
	if err != nil {
		return err
	}
	sf := 0
	for route, n := range m.stats.Routes {
		if strings.HasPrefix(route, "salesforce") {
			sf += n
		}
	}
	b.figures.setInt("provisioning.users", p.Users)
	b.figures.setInt("provisioning.apply.salesforce_requests", sf)
	b.figures.setSeconds("provisioning.apply.wall_s", m.wall)
	// Okta brings the app's new group assignments to its users in the background: until a read finds them
	// settled (some minutes on), provisioning lists the app's users at every plan. That plan first, then the
	// plan as it is later: Okta's clock ten minutes on, and one refresh that saves the settled reads.
	if m, err = s.measurePlan(ctx, "no-change plan right after"); err != nil {
		return err
	}
	b.figures.setInt("provisioning.first_plan.requests", m.stats.Total)
	s.sb.Okta().SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	if _, err := s.measure(ctx, "refresh ten minutes later", []string{"apply", "-refresh-only", "-auto-approve", "-no-color", "-parallelism=10"}); err != nil {
		return err
	}
	if m, err = s.measurePlan(ctx, "no-change plan"); err != nil {
		return err
	}
	b.figures.setInt("provisioning.plan.requests", m.stats.Total)
	b.figures.setSeconds("provisioning.plan.wall_s", m.wall)
	return nil
}

// rotation rotates the signing key of an app whose Salesforce SSO settings take the app's certificate, and
// measures, from the sandbox's journal, how long and how many Salesforce calls Salesforce trails Okta.
func (b *bench) rotation(ctx context.Context) error {
	s, stop, err := b.start(ctx, "rotation", nil, func(_ sandbox.Info, dir string) (string, error) { return dir, writeRotationConfig(dir) })
	if err != nil {
		return err
	}
	defer stop()
	if err := s.apply(ctx, "-var", "rotation_trigger=first"); err != nil {
		return err
	}
	if err := s.withLatency(ctx); err != nil {
		return err
	}
	b.heading("signing key rotation of one app trusted by qa")
	if _, err := s.measureApply(ctx, "apply rotating the key", "-var", "rotation_trigger=second"); err != nil {
		return err
	}
	window, calls, err := rotationWindow(s.sb.Control().Journal(), "qa")
	if err != nil {
		return err
	}
	if window < time.Duration(calls*b.latency)*time.Millisecond {
		return fmt.Errorf("rotation window %s is shorter than %d calls of %d ms: the journal is not what the bench expects", window, calls, b.latency)
	}
	fmt.Printf("rotation window (Okta signs with the new key, Salesforce does not trust it yet): %s, %d Salesforce calls\n\n", window.Round(time.Millisecond), calls)
	b.figures.setInt("rotation.salesforce_calls", calls)
	b.figures.setMillis("rotation.window_ms", window)
	return nil
}
