// Command install (make install) publishes the provider build where terraform init finds it for any
// configuration: the implied local mirror directory ~/.terraform.d/plugins, as oktasf/oktasf
// tfrun.MirrorVersion for this platform. Terraform searches that directory when the CLI configuration has no
// provider_installation block, and installs from it alone what it finds there.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

func main() {
	provider := flag.String("provider", "bin/terraform-provider-oktasf", "the provider build to install")
	dir := flag.String("dir", "", "the plugin directory (default: ~/.terraform.d/plugins)")
	flag.Parse()
	if *dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			fmt.Fprintf(os.Stderr, "install: %v (pass -dir)\n", err)
			os.Exit(1)
		}
		*dir = filepath.Join(home, ".terraform.d", "plugins")
	}
	target, err := tfrun.PublishMirror(*dir, *provider)
	if err != nil {
		fmt.Fprintf(os.Stderr, "install: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("installed %s\n", target)
	fmt.Printf("terraform init finds oktasf/oktasf %s there for any configuration that requires source = \"oktasf/oktasf\"\n", tfrun.MirrorVersion)
	fmt.Println("(unless a CLI configuration, ~/.terraformrc or TF_CLI_CONFIG_FILE, has a provider_installation block: then add a filesystem_mirror for that directory).")
	fmt.Println("A configuration initialised with an earlier build has that build's checksum in .terraform.lock.hcl: delete the file there and run terraform init again.")
}
