// Command terraform-provider-oktasf is the oktasf Terraform provider. Run with the argument "sandbox" it
// starts the local Okta and Salesforce orgs instead (see `terraform-provider-oktasf sandbox -h`).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/provider"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/cli"
)

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(cli.Run(context.Background(), os.Args[2:], os.Stdout, os.Stderr))
	}
	var debug bool
	var cpuProfile string
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file until the provider stops")
	flag.Parse()
	if !debug {
		quietLogs()
	}
	stopProfile, err := startCPUProfile(cpuProfile)
	if err != nil {
		log.Fatal(err)
	}
	err = providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/oktasf/oktasf",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	stopProfile()
	if err != nil {
		log.Fatal(fmt.Errorf("serve the provider: %w", err))
	}
}

// quietLogs turns the SDK's and the provider's logs off when Terraform does not collect them
// (framework.QuietLogs). In debug mode the developer reads the provider's output, and it stays as it is.
func quietLogs() {
	for _, kv := range framework.QuietLogs(os.Environ()) {
		name, value, _ := strings.Cut(kv, "=")
		_ = os.Setenv(name, value) // a valid name and value: no error
	}
}

// startCPUProfile profiles the process into path (nothing when path is empty) and returns what flushes the
// profile. Serve returns when Terraform shuts the plugin down and, with -debug, on SIGINT; SIGTERM would end
// the process without returning, so it flushes the profile first.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile %s: %w", path, err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				log.Printf("-cpuprofile %s: %v", path, err)
			}
		})
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		stop()
		os.Exit(128 + int(syscall.SIGTERM))
	}()
	return stop, nil
}
