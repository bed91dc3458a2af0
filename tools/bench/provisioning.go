package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// provisioning sizes the provisioning benchmark: Users Okta users in Groups groups, every group mapped to
// one app, and no Salesforce user yet (the shape of the provisioning package's scale test).
type provisioning struct {
	Users, Groups int
}

func (p provisioning) seed() (*sandbox.Seed, error) {
	return generatedSeed(seedgen.Options{Users: p.Users, Groups: p.Groups, Orgs: []string{"qa"}, Seed: 7})
}

// writeConfig writes the app and one group mapping per group into dir; writeProvisioning adds the
// provisioning later, so that its apply is measured alone.
func (p provisioning) writeConfig(ctx context.Context, info sandbox.Info, dir string) error {
	ids, err := groupIDs(ctx, info, p.Groups)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(tfrun.ConfigHeader + `resource "oktasf_saml_app" "bench" {
  salesforce_org = "qa"
  label          = "Salesforce (provisioning bench)"
}

locals {
  groups = {
`)
	for n := 1; n <= p.Groups; n++ {
		fmt.Fprintf(&b, "    g%03d = { group_id = %q, priority = %d }\n", n, ids[n], n-1)
	}
	b.WriteString(`  }
}

resource "oktasf_group_mapping" "m" {
  for_each       = local.groups
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.bench.id
  group_id       = each.value.group_id
  priority       = each.value.priority
  profile        = "Sales User"
}
`)
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.String()), 0o644)
}

// writeProvisioning adds oktasf_user_provisioning for the app to the working directory dir.
func (p provisioning) writeProvisioning(dir string) error {
	return os.WriteFile(filepath.Join(dir, "provisioning.tf"), []byte(`resource "oktasf_user_provisioning" "bench" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.bench.id
  username       = { source = "login", suffix = ".prov" }
  attributes = {
    FirstName  = "user.firstName"
    LastName   = "user.lastName"
    Email      = "user.email"
    Alias      = "user.lastName"
    Department = "'Bench'"
  }
  depends_on = [oktasf_group_mapping.m]
}
`), 0o644)
}
