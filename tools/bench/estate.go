package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// estate sizes the generated configuration of the scale benchmark.
type estate struct {
	Users, Groups, Mappings, Bindings int
	// Provisioning adds oktasf_user_provisioning for the app (-estate-provisioning): the reference
	// estate has it; the README's figures are measured without it.
	Provisioning bool
}

// estateSeed is the sandbox content of the estate: users spread over groups, and one org (qa) where 80% of
// them already have a federated user (seedgen buys the org the seats that takes).
func (e estate) seed() (*sandbox.Seed, error) {
	return generatedSeed(seedgen.Options{Users: e.Users, Groups: e.Groups, Orgs: []string{"qa"}, FederatedShare: 0.8, Seed: 20261129})
}

// generatedSeed generates a sandbox seed with seedgen.
func generatedSeed(opts seedgen.Options) (*sandbox.Seed, error) {
	b, err := seedgen.Generate(opts)
	if err != nil {
		return nil, err
	}
	s, err := sandbox.ParseSeed(b)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// writeConfig writes the estate's configuration into dir: one SAML app, Mappings group mappings and Bindings
// permission-set bindings (each over three groups), with the sandbox's group IDs written in, so that the
// measured plans contain no look-ups.
func (e estate) writeConfig(ctx context.Context, info sandbox.Info, dir string) error {
	ids, err := groupIDs(ctx, info, e.Groups)
	if err != nil {
		return err
	}
	profiles := []string{"Sales User", "Support User", "Read Only", "Standard User"}
	roles := []string{"Sales Rep", "Support Agent", ""}
	var b strings.Builder
	b.WriteString(tfrun.ConfigHeader + `resource "oktasf_saml_app" "bench" {
  salesforce_org = "qa"
  label          = "Salesforce (bench)"
}

locals {
  mappings = {
`)
	for i := 1; i <= e.Mappings; i++ {
		role := "null"
		if r := roles[i%len(roles)]; r != "" {
			role = fmt.Sprintf("%q", r)
		}
		fmt.Fprintf(&b, "    m%03d = { group_id = %q, priority = %d, profile = %q, role = %s }\n", i, ids[(i-1)%e.Groups+1], i-1, profiles[i%len(profiles)], role)
	}
	b.WriteString("  }\n  bindings = {\n")
	for i := 1; i <= e.Bindings; i++ {
		groups := []string{}
		for _, n := range []int{i, i + e.Bindings, i + 2*e.Bindings} {
			groups = append(groups, fmt.Sprintf("%q", ids[(n-1)%e.Groups+1]))
		}
		fmt.Fprintf(&b, "    PS_%03d = [%s]\n", i, strings.Join(groups, ", "))
	}
	b.WriteString(`  }
}

resource "oktasf_group_mapping" "m" {
  for_each       = local.mappings
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.bench.id
  group_id       = each.value.group_id
  priority       = each.value.priority
  profile        = each.value.profile
  role           = each.value.role
}

resource "oktasf_permission_set_binding" "b" {
  for_each       = local.bindings
  salesforce_org = "qa"
  permission_set = each.key
  group_ids      = each.value
`)
	if e.Provisioning { // the users provisioning creates are assigned in the same apply (the binding's docs)
		b.WriteString("  depends_on     = [oktasf_user_provisioning.bench]\n")
	}
	b.WriteString(`}
`)
	if e.Provisioning {
		if err := (provisioning{}).writeProvisioning(dir); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.String()), 0o644)
}

// groupIDs looks up the sandbox's IDs of the generated groups 1 to n; ids[k] is group k's.
func groupIDs(ctx context.Context, info sandbox.Info, n int) ([]string, error) {
	client, err := okta.New(ctx, okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})})
	if err != nil {
		return nil, err
	}
	ids := make([]string, n+1)
	for k := 1; k <= n; k++ {
		g, err := client.FindGroupByName(ctx, seedgen.GroupName(k))
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", seedgen.GroupName(k), err)
		}
		ids[k] = g.ID
	}
	return ids, nil
}
