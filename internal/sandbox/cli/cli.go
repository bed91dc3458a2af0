// Package cli is the `terraform-provider-oktasf sandbox` command: flags, the ready line, and signals.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// ExitKilled is the exit status after a crash (a kill rule or POST /__sandbox/crash): that of a process
// killed by SIGKILL, which is what the crash stands for.
const ExitKilled = 137

// Run runs the sandbox until ctx ends or SIGINT/SIGTERM arrives, and returns the exit code; after a crash it
// returns ExitKilled at once, with no further save.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:7450", "address of the Okta org and the control API; Salesforce orgs take the following ports (port 0: the ports the state file records, else free ones; without --listen: the recorded ports, else 127.0.0.1:7450)")
	statePath := fs.String("state", "", "file the sandbox state persists to (created if missing; empty: memory only)")
	seedPath := fs.String("seed", "", "seed file (JSON) for a fresh state; default: the built-in seed with orgs qa, uat and prod")
	tfvarsPath := fs.String("tfvars", "", "also write the URLs and credentials as a Terraform variables file (okta, salesforce_orgs), e.g. sandbox.auto.tfvars; mode 0600")
	envPath := fs.String("env", "", "also write them as shell lines (export TF_VAR_okta=...; source the file); mode 0600")
	allowedHosts := fs.String("allowed-hosts", "", "comma-separated Host header values answered besides the listen addresses (host for any port, or host:port), e.g. for a proxy in front of the sandbox; other Hosts get 421")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: terraform-provider-oktasf sandbox [--listen ADDR] [--state FILE] [--seed FILE] [--tfvars FILE] [--env FILE] [--allowed-hosts HOST[:PORT],...]")
		fmt.Fprintln(stderr, "Serves a local Okta org and Salesforce orgs; prints one JSON line with URLs and credentials when ready.")
		fmt.Fprintln(stderr, "The state file records the ports: started again with it and port 0 (or no --listen), the sandbox takes them again, so URLs stay the same.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	listenSet := false
	fs.Visit(func(f *flag.Flag) { listenSet = listenSet || f.Name == "listen" })
	if !listenSet && *statePath != "" && sandbox.RecordedPorts(*statePath) {
		*listen = "127.0.0.1:0" // port 0 with a state file: the ports it records
	}
	opts := sandbox.Options{Listen: *listen, StatePath: *statePath}
	if *allowedHosts != "" {
		opts.AllowedHosts = strings.Split(*allowedHosts, ",")
	}
	if *seedPath != "" {
		b, err := os.ReadFile(*seedPath)
		if err != nil {
			fmt.Fprintf(stderr, "sandbox: read seed: %v\n", err)
			return 1
		}
		seed, err := sandbox.ParseSeed(b)
		if err != nil {
			fmt.Fprintf(stderr, "sandbox: %s: %v\n", *seedPath, err)
			return 1
		}
		opts.Seed = &seed
	}
	if *statePath != "" {
		if err := os.MkdirAll(filepath.Dir(*statePath), 0o700); err != nil {
			fmt.Fprintf(stderr, "sandbox: %v\n", err)
			return 1
		}
	}
	sb, err := sandbox.Start(opts)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return 1
	}
	line, err := json.Marshal(sb.Info())
	if err == nil {
		err = writeVariables(sb.Info(), *tfvarsPath, *envPath)
	}
	if err != nil {
		_ = sb.Close()
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(line))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-sb.Killed():
		return ExitKilled
	case <-ctx.Done():
	}
	if err := sb.Close(); err != nil {
		fmt.Fprintf(stderr, "sandbox: save state: %v\n", err)
		return 1
	}
	return 0
}

// writeVariables writes the --tfvars and --env files (those named), readable by the owner only since they
// hold credentials, before the ready line: a script that waits for the line finds them complete.
func writeVariables(info sandbox.Info, tfvarsPath, envPath string) error {
	if tfvarsPath != "" {
		if err := emu.WriteFileAtomic(tfvarsPath, info.TerraformVariablesFile(), 0o600); err != nil {
			return fmt.Errorf("--tfvars %s: %w", tfvarsPath, err)
		}
	}
	if envPath != "" {
		b, err := info.TerraformVariablesEnv()
		if err == nil {
			err = emu.WriteFileAtomic(envPath, b, 0o600)
		}
		if err != nil {
			return fmt.Errorf("--env %s: %w", envPath, err)
		}
	}
	return nil
}
