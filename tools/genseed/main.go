// Command genseed writes a large sandbox seed for benchmarks:
//
//	go run ./tools/genseed -users 5000 -groups 60 -out bench_seed.json
//
// and the sandbox starts from it with `terraform-provider-oktasf sandbox --seed bench_seed.json`.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

func main() {
	users := flag.Int("users", 5000, "number of Okta users")
	groups := flag.Int("groups", 60, "number of Okta groups (each user is in 1 to 3)")
	orgs := flag.String("orgs", "qa,uat,prod", "comma-separated Salesforce org aliases (prod is production, the rest sandboxes)")
	share := flag.Float64("federated-share", 0.6, "share of Okta users with a user in each Salesforce org (0 to 1)")
	seed := flag.Int64("seed", 1, "random seed; the same flags always write the same file")
	out := flag.String("out", "", "file to write (- for standard output)")
	flag.Parse()
	if err := run(*out, seedgen.Options{Users: *users, Groups: *groups, Orgs: splitOrgs(*orgs), FederatedShare: *share, Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "genseed: "+err.Error())
		os.Exit(1)
	}
}

func splitOrgs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func run(out string, opts seedgen.Options) error {
	if out == "" {
		return fmt.Errorf("-out is required (a file, or - for standard output)")
	}
	b, err := seedgen.Generate(opts)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	// Write beside the target and rename, so a failed run never leaves half a seed.
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
