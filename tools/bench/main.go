// Command bench is `make bench`: it applies a configuration to an in-process sandbox that delays every
// request, then plans it again with nothing changed, and prints requests per route and wall time for each.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

func main() {
	provider := flag.String("provider", "bin/terraform-provider-oktasf", "the provider build")
	example := flag.String("example", "examples/demo", "the configuration to apply")
	latency := flag.Int("latency-ms", 20, "latency injected into every sandbox request")
	verbose := flag.Bool("v", false, "show terraform's output")
	flag.Parse()
	if err := run(context.Background(), *provider, *example, *latency, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "bench: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, provider, example string, latency int, verbose bool) error {
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer func() { _ = sb.Close() }()
	dir, err := os.MkdirTemp("", "oktasf-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ws, err := tfrun.NewWorkspace(dir, example, dir+"/work", provider)
	if err != nil {
		return err
	}
	if !verbose {
		ws.Stdout, ws.Stderr = io.Discard, os.Stderr
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
	fmt.Printf("benchmark of %s against the sandbox with %d ms latency per request\n\n", example, latency)
	for _, phase := range []struct {
		title string
		args  []string
	}{
		{"first apply", []string{"apply", "-auto-approve", "-no-color"}},
		{"no-change plan", []string{"plan", "-detailed-exitcode", "-no-color"}},
	} {
		if err := ctl.ResetStats(ctx); err != nil {
			return err
		}
		wall, err := ws.Terraform(ctx, phase.args...)
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
