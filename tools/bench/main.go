// Command bench is `make bench`: against an in-process sandbox that delays every request, it applies a
// configuration and then plans it again with nothing changed, and prints requests per route and wall time
// for each. It measures examples/demo, and a generated estate (by default 40 group mappings and 20
// permission-set bindings over 5,000 users in 60 groups).
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

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
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
	verbose := flag.Bool("v", false, "show terraform's output")
	flag.Parse()
	ctx := context.Background()
	run := func(title string, seed *sandbox.Seed, write func(sandbox.Info, string) (string, error)) {
		if err := measure(ctx, title, *provider, seed, write, *latency, *verbose); err != nil {
			fmt.Fprintln(os.Stderr, "bench: "+err.Error())
			os.Exit(1)
		}
	}
	if *example != "" {
		run(*example, nil, func(sandbox.Info, string) (string, error) { return *example, nil })
	}
	if e.Users > 0 {
		seed, err := e.seed()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: "+err.Error())
			os.Exit(1)
		}
		title := fmt.Sprintf("estate of %d group mappings and %d permission-set bindings over %d users in %d groups", e.Mappings, e.Bindings, e.Users, e.Groups)
		run(title, seed, func(info sandbox.Info, dir string) (string, error) { return dir, e.writeConfig(ctx, info, dir) })
	}
}

// measure starts a sandbox with seed, takes the configuration from configDir (which may write it into the
// directory it is given), and times a first apply and a no-change plan with latency injected.
func measure(ctx context.Context, title, provider string, seed *sandbox.Seed, configDir func(sandbox.Info, string) (string, error), latency int, verbose bool) error {
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: seed})
	if err != nil {
		return err
	}
	defer func() { _ = sb.Close() }()
	dir, err := os.MkdirTemp("", "oktasf-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	config := filepath.Join(dir, "config")
	if err := os.MkdirAll(config, 0o755); err != nil {
		return err
	}
	if config, err = configDir(sb.Info(), config); err != nil {
		return err
	}
	ws, err := tfrun.NewWorkspace(dir, config, filepath.Join(dir, "work"), provider)
	if err != nil {
		return err
	}
	if !verbose {
		ws.Stdout = io.Discard
	}
	if ws.Env, err = sb.Info().TerraformVariables(); err != nil {
		return err
	}
	ctl := tfrun.Control{URL: sb.Info().ControlURL}
	if _, err := ws.Terraform(ctx, "init", "-no-color"); err != nil {
		return err
	}
	if err := ctl.SetLatency(ctx, latency); err != nil {
		return err
	}
	fmt.Printf("== %s, %d ms latency per request\n\n", title, latency)
	for _, phase := range []struct {
		title string
		args  []string
	}{
		{"first apply", []string{"apply", "-auto-approve", "-no-color", "-parallelism=10"}},
		{"no-change plan", []string{"plan", "-detailed-exitcode", "-no-color", "-parallelism=10"}},
	} {
		if err := ctl.ResetStats(ctx); err != nil {
			return err
		}
		wall, err := ws.Terraform(ctx, phase.args...)
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			return fmt.Errorf("%s: the plan after apply is not empty (run with -v to see it)", title)
		}
		if err != nil {
			return err
		}
		stats, err := ctl.Stats(ctx)
		if err != nil {
			return err
		}
		fmt.Println(tfrun.FormatStats(phase.title, stats, wall))
	}
	return nil
}
