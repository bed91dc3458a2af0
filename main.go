// Command terraform-provider-oktasf is the oktasf Terraform provider. Run with the argument "sandbox" it
// starts the local Okta and Salesforce orgs instead (see `terraform-provider-oktasf sandbox -h`).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/oktasf/oktasf",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(fmt.Errorf("serve the provider: %w", err))
	}
}
