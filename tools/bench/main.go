// Command bench is `make bench`: against an in-process sandbox that delays every request, it applies a
// configuration and then plans it again with nothing changed, and prints requests per route and wall time
// for each. It measures examples/demo; a generated estate (by default 40 group mappings and 20
// permission-set bindings over 5,000 users in 60 groups); provisioning of 5,000 users; and how long
// Salesforce lags behind Okta when the app's signing key rotates.
//
// It ends with every figure on one "bench: <key> = <value>" line. The README quotes that block:
// -update-readme writes it there, and -check-readme fails when the README quotes other request counts
// than this run measured, or any figure this run did not produce.
package main

import (
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
	flag.IntVar(&e.Users, "users", 5000, "estate: Okta users (0 skips the estate)")
	flag.IntVar(&e.Groups, "groups", 60, "estate: Okta groups")
	flag.IntVar(&e.Mappings, "mappings", 40, "estate: group mappings")
	flag.IntVar(&e.Bindings, "bindings", 20, "estate: permission-set bindings")
	var p provisioning
	flag.IntVar(&p.Users, "provision-users", 5000, "provisioning: Okta users, none in Salesforce yet (0 skips it)")
	flag.IntVar(&p.Groups, "provision-groups", 10, "provisioning: Okta groups, each mapped to the app")
	rotate := flag.Bool("rotation", true, "measure a signing key rotation")
	readme := flag.String("readme", "README.md", "the README that quotes the figures")
	update := flag.Bool("update-readme", false, "write this run's figures into the README")
	check := flag.Bool("check-readme", false, "fail when the README quotes other request counts than this run, or figures it did not produce")
	verbose := flag.Bool("v", false, "show terraform's output")
	flag.Parse()

	ctx := context.Background()
	b := &bench{provider: *provider, latency: *latency, verbose: *verbose, figures: values{}}
	b.figures["measured"] = measuredLabel(time.Now(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	b.figures.setInt("latency_ms", *latency)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "bench failed: "+err.Error())
		os.Exit(1)
	}
	if *example != "" {
		if err := b.demo(ctx, *example); err != nil {
			fail(err)
		}
	}
	if e.Users > 0 {
		if err := b.estate(ctx, e); err != nil {
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
		if err := checkAgainstREADME(*readme, b.figures); err != nil {
			fail(err)
		}
		fmt.Printf("\n%s quotes this run's figures\n", *readme)
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
	provider string
	latency  int
	verbose  bool
	figures  values
}

// session is one scenario's sandbox and terraform working directory.
type session struct {
	sb  *sandbox.Sandbox
	ws  *tfrun.Workspace
	ctl tfrun.Control
	b   *bench
}

// start starts a sandbox with seed, takes the configuration from configDir (which may write it into the
// directory it is given), and runs terraform init. The sandbox has no latency yet.
func (b *bench) start(ctx context.Context, seed *sandbox.Seed, configDir func(sandbox.Info, string) (string, error)) (*session, func(), error) {
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "oktasf-bench-")
	if err != nil {
		_ = sb.Close()
		return nil, nil, err
	}
	stop := func() { _ = sb.Close(); _ = os.RemoveAll(dir) }
	s, err := b.open(ctx, sb, dir, configDir)
	if err != nil {
		stop()
		return nil, nil, err
	}
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

// measureApply applies and prints the requests it took and its wall time.
func (s *session) measureApply(ctx context.Context, title string, args ...string) (emu.Stats, time.Duration, error) {
	return s.measure(ctx, title, append([]string{"apply", "-auto-approve", "-no-color", "-parallelism=10"}, args...))
}

// measurePlan plans, fails unless the plan is empty, and prints the requests it took and its wall time.
func (s *session) measurePlan(ctx context.Context, title string, args ...string) (emu.Stats, time.Duration, error) {
	stats, wall, err := s.measure(ctx, title, append([]string{"plan", "-detailed-exitcode", "-no-color", "-parallelism=10"}, args...))
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		return stats, wall, fmt.Errorf("%s: the plan after apply is not empty (run with -v to see it)", title)
	}
	return stats, wall, err
}

func (s *session) measure(ctx context.Context, title string, args []string) (emu.Stats, time.Duration, error) {
	if err := s.ctl.ResetStats(ctx); err != nil {
		return emu.Stats{}, 0, err
	}
	wall, err := s.ws.Terraform(ctx, args...)
	if err != nil {
		return emu.Stats{}, wall, err
	}
	stats, err := s.ctl.Stats(ctx)
	if err != nil {
		return emu.Stats{}, wall, err
	}
	fmt.Println(tfrun.FormatStats(title, stats, wall))
	return stats, wall, nil
}

// applyAndPlan measures a first apply and a no-change plan, and records them under prefix.
func (s *session) applyAndPlan(ctx context.Context, prefix string) error {
	stats, wall, err := s.measureApply(ctx, "first apply")
	if err != nil {
		return err
	}
	s.b.figures.setInt(prefix+".apply.requests", stats.Total)
	s.b.figures.setSeconds(prefix+".apply.wall_s", wall)
	if stats, wall, err = s.measurePlan(ctx, "no-change plan"); err != nil {
		return err
	}
	s.b.figures.setInt(prefix+".plan.requests", stats.Total)
	s.b.figures.setSeconds(prefix+".plan.wall_s", wall)
	return nil
}

func (b *bench) heading(title string) {
	fmt.Printf("== %s, %d ms latency per request\n\n", title, b.latency)
}

// demo measures the example configuration.
func (b *bench) demo(ctx context.Context, example string) error {
	s, stop, err := b.start(ctx, nil, func(sandbox.Info, string) (string, error) { return example, nil })
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

// estate measures the generated estate of group mappings and permission-set bindings.
func (b *bench) estate(ctx context.Context, e estate) error {
	seed, err := e.seed()
	if err != nil {
		return err
	}
	s, stop, err := b.start(ctx, seed, func(info sandbox.Info, dir string) (string, error) { return dir, e.writeConfig(ctx, info, dir) })
	if err != nil {
		return err
	}
	defer stop()
	if err := s.withLatency(ctx); err != nil {
		return err
	}
	b.heading(fmt.Sprintf("estate of %d group mappings and %d permission-set bindings over %d users in %d groups", e.Mappings, e.Bindings, e.Users, e.Groups))
	for key, n := range map[string]int{"users": e.Users, "groups": e.Groups, "mappings": e.Mappings, "bindings": e.Bindings} {
		b.figures.setInt("estate."+key, n)
	}
	return s.applyAndPlan(ctx, "estate")
}

// provisioning measures the apply that adds oktasf_user_provisioning to an app whose groups hold the users,
// none of whom has a Salesforce user yet, and a no-change plan after it.
func (b *bench) provisioning(ctx context.Context, p provisioning) error {
	seed, err := p.seed()
	if err != nil {
		return err
	}
	s, stop, err := b.start(ctx, seed, func(info sandbox.Info, dir string) (string, error) { return dir, p.writeConfig(ctx, info, dir) })
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
	stats, wall, err := s.measureApply(ctx, "apply adding oktasf_user_provisioning")
	if err != nil {
		return err
	}
	sf, writes := 0, 0
	for route, n := range stats.Routes {
		if strings.HasPrefix(route, "salesforce") {
			sf += n
			if strings.Contains(route, "/composite/sobjects") && !strings.Contains(route, " GET ") {
				writes += n
			}
		}
	}
	b.figures.setInt("provisioning.users", p.Users)
	b.figures.setInt("provisioning.apply.salesforce_requests", sf)
	b.figures.setInt("provisioning.apply.salesforce_writes", writes)
	b.figures.setSeconds("provisioning.apply.wall_s", wall)
	if stats, wall, err = s.measurePlan(ctx, "no-change plan"); err != nil {
		return err
	}
	b.figures.setInt("provisioning.plan.requests", stats.Total)
	b.figures.setSeconds("provisioning.plan.wall_s", wall)
	return nil
}

// rotation rotates the signing key of an app whose Salesforce SSO settings take the app's certificate, and
// measures, from the sandbox's journal, how long and how many Salesforce calls Salesforce trails Okta.
func (b *bench) rotation(ctx context.Context) error {
	s, stop, err := b.start(ctx, nil, func(_ sandbox.Info, dir string) (string, error) { return dir, writeRotationConfig(dir) })
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
	if _, _, err := s.measureApply(ctx, "apply rotating the key", "-var", "rotation_trigger=second"); err != nil {
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
