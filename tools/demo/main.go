// Command demo is `make demo`: it starts the sandbox, applies examples/demo to it through terraform with the
// local provider build, prints the outputs and the requests it took, and stops the sandbox (whose state
// persists in .sandbox/, so a second run plans no changes).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

func main() {
	provider := flag.String("provider", "bin/terraform-provider-oktasf", "the provider build")
	stateDir := flag.String("state-dir", ".sandbox", "where the sandbox state, the provider mirror and the demo workspace live")
	listen := flag.String("listen", "127.0.0.1:7450", "the sandbox's listen address")
	example := flag.String("example", "examples/demo", "the configuration to apply")
	flag.Parse()
	if err := run(context.Background(), *provider, *stateDir, *listen, *example); err != nil {
		fmt.Fprintln(os.Stderr, "demo: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, provider, stateDir, listen, example string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	info, stop, err := tfrun.StartSandboxProcess(ctx, provider, "--listen", listen, "--state", filepath.Join(stateDir, "state.json"))
	if err != nil {
		return err
	}
	defer func() {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stop the sandbox: "+err.Error())
		}
	}()
	fmt.Printf("sandbox ready: Okta %s, Salesforce orgs %d, control %s\n", info.Okta.OrgURL, len(info.Salesforce), info.ControlURL)

	ws, err := tfrun.NewWorkspace(stateDir, example, filepath.Join(stateDir, "demo"), provider)
	if err != nil {
		return err
	}
	if ws.Env, err = info.TerraformVariables(); err != nil {
		return err
	}
	ctl := tfrun.Control{URL: info.ControlURL}
	if _, err := ws.Terraform(ctx, "init", "-upgrade", "-no-color"); err != nil {
		return err
	}
	if err := ctl.ResetStats(ctx); err != nil {
		return err
	}
	wall, err := ws.Terraform(ctx, "apply", "-auto-approve", "-no-color")
	if err != nil {
		return err
	}
	stats, err := ctl.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Print(tfrun.FormatStats("\napply", stats, wall))
	return nil
}
