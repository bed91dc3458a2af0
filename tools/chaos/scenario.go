package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// Scenario is one configuration the suite applies under chaos, with what the sandbox must hold once it
// has converged.
type Scenario struct {
	Name string
	// Seed is the sandbox's starting content (nil: the default seed).
	Seed func() (*sandbox.Seed, error)
	// WriteConfig writes the configuration's *.tf files into dir.
	WriteConfig func(dir string) error
	Want        Expectation
	// Requests and Writes are about how many requests, and writes among them, a clean first apply makes;
	// the points where terraform is killed or the sandbox crashes are drawn below them.
	Requests, Writes int
}

// Expectation is what the configuration asks the sandbox to hold, by names rather than IDs, so that it can
// be checked against the sandbox without trusting Terraform's state.
type Expectation struct {
	Apps         []WantApp
	SSO          []WantSSO
	Mappings     []WantMappings
	Provisioning []WantProvisioning
	Bindings     []WantBinding
	Zones        []string     // Okta network zones by name
	Policies     []WantPolicy // Okta app sign-in policies
}

// WantPolicy is one Okta app sign-in policy (ACCESS_POLICY), bound to the app labelled AppLabel, with Rules
// (by name, in order) before its catch-all rule.
type WantPolicy struct {
	Name, AppLabel string
	Rules          []string
}

// WantApp is one Okta SAML app for a Salesforce org.
type WantApp struct{ Org, Label string }

// WantSSO is one Salesforce SAML single sign-on setting.
type WantSSO struct{ Org, DeveloperName string }

// WantMappings are the group assignments of one app, highest priority first.
type WantMappings struct {
	AppLabel string
	Groups   []WantMapping
}

// WantMapping is one Okta group assigned to the app with its Salesforce profile and role ("" for none).
type WantMapping struct{ Group, Profile, Role string }

// WantProvisioning is the provisioning of every user of an app into a Salesforce org.
type WantProvisioning struct {
	Org, AppLabel  string
	UsernameSuffix string // appended to the Okta login for users the provisioning creates
}

// WantBinding is a permission set held by exactly the federated members of some Okta groups.
type WantBinding struct {
	Org, PermissionSet string
	Groups             []string
}

// DemoScenario is examples/demo (exampleDir) against the default seed.
func DemoScenario(exampleDir string) (*Scenario, error) {
	seed, err := sandbox.DefaultSeed()
	if err != nil {
		return nil, err
	}
	s := &Scenario{
		Name: "demo",
		WriteConfig: func(dir string) error {
			files, err := filepath.Glob(filepath.Join(exampleDir, "*.tf"))
			if err != nil || len(files) == 0 {
				return fmt.Errorf("no *.tf files in %s", exampleDir)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
		Requests: 80, Writes: 20,
	}
	for _, alias := range []string{"prod", "qa", "uat"} {
		org, ok := seed.Salesforce[alias]
		if !ok {
			return nil, fmt.Errorf("the default seed has no org %q", alias)
		}
		s.Want.Apps = append(s.Want.Apps, WantApp{Org: alias, Label: "Salesforce (" + org.Name + ")"})
		s.Want.SSO = append(s.Want.SSO, WantSSO{Org: alias, DeveloperName: "Okta"})
	}
	qaLabel := "Salesforce (" + seed.Salesforce["qa"].Name + ")"
	prodLabel := "Salesforce (" + seed.Salesforce["prod"].Name + ")"
	s.Want.Mappings = []WantMappings{{AppLabel: qaLabel, Groups: []WantMapping{
		{Group: "Salesforce Admins", Profile: "System Administrator"},
		{Group: "Salesforce Sales", Profile: "Sales User", Role: "Sales Rep"},
	}}, {AppLabel: prodLabel, Groups: []WantMapping{{Group: "Salesforce Sales", Profile: "Sales User", Role: "Sales Rep"}}}}
	s.Want.Zones = []string{"Office"}
	s.Want.Policies = []WantPolicy{{Name: "Salesforce (prod)", AppLabel: prodLabel, Rules: []string{"users-office-2fa"}}}
	s.Want.Provisioning = []WantProvisioning{{Org: "qa", AppLabel: qaLabel, UsernameSuffix: ".qa"}}
	s.Want.Bindings = []WantBinding{{Org: "qa", PermissionSet: "Sales_Cloud_User", Groups: []string{"Salesforce Sales"}}}
	return s, nil
}

// Estate sizes the generated estate: Users Okta users spread over Groups groups (each user in one to
// three), every group mapped to the app with a profile, all of them provisioned into qa, and the members
// of the first BindingGroups groups bound to a permission set.
type Estate struct {
	Users, Groups, BindingGroups int
}

// estateLabel is the label of the estate's app.
const estateLabel = "Salesforce (chaos estate)"

// EstateScenario is a generated estate with no Salesforce user yet, so that its first apply creates them all.
func EstateScenario(e Estate) *Scenario {
	profiles := []string{"Sales User", "Support User", "Read Only", "Standard User"}
	roles := []string{"Sales Rep", "Support Agent", ""}
	mappings := make([]WantMapping, e.Groups)
	for n := 1; n <= e.Groups; n++ {
		mappings[n-1] = WantMapping{Group: seedgen.GroupName(n), Profile: profiles[n%len(profiles)], Role: roles[n%len(roles)]}
	}
	binding := WantBinding{Org: "qa", PermissionSet: "Sales_Cloud_User"}
	for n := 1; n <= e.BindingGroups; n++ {
		binding.Groups = append(binding.Groups, seedgen.GroupName(n))
	}
	return &Scenario{
		Name: fmt.Sprintf("estate(%d users)", e.Users),
		Seed: func() (*sandbox.Seed, error) {
			b, err := seedgen.Generate(seedgen.Options{Users: e.Users, Groups: e.Groups, Orgs: []string{"qa"}, Seed: 20261206})
			if err != nil {
				return nil, err
			}
			s, err := sandbox.ParseSeed(b)
			return &s, err
		},
		WriteConfig: func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(estateConfig(mappings, binding)), 0o644)
		},
		Want: Expectation{
			Apps:         []WantApp{{Org: "qa", Label: estateLabel}},
			SSO:          []WantSSO{{Org: "qa", DeveloperName: "Okta"}},
			Mappings:     []WantMappings{{AppLabel: estateLabel, Groups: mappings}},
			Provisioning: []WantProvisioning{{Org: "qa", AppLabel: estateLabel, UsernameSuffix: ".chaos"}},
			Bindings:     []WantBinding{binding},
		},
		Requests: 60 + e.Users/100, Writes: 20 + e.Users/200,
	}
}

// estateConfig is the estate's configuration; groups are looked up by name, as a real configuration would.
func estateConfig(mappings []WantMapping, binding WantBinding) string {
	var b strings.Builder
	b.WriteString(tfrun.ConfigHeader)
	fmt.Fprintf(&b, `resource "oktasf_saml_app" "estate" {
  salesforce_org = "qa"
  label          = %q
}

resource "oktasf_salesforce_sso" "okta" {
  salesforce_org  = "qa"
  name            = "Okta"
  issuer          = oktasf_saml_app.estate.entity_id
  idp_certificate = oktasf_saml_app.estate.certificate
  idp_login_url   = oktasf_saml_app.estate.sso_url
}

locals {
  mappings = {
`, estateLabel)
	for i, m := range mappings {
		role := "null"
		if m.Role != "" {
			role = fmt.Sprintf("%q", m.Role)
		}
		fmt.Fprintf(&b, "    m%03d = { group = %q, priority = %d, profile = %q, role = %s }\n", i+1, m.Group, i, m.Profile, role)
	}
	b.WriteString(`  }
}

data "oktasf_okta_group" "g" {
  for_each = local.mappings
  name     = each.value.group
}

resource "oktasf_group_mapping" "m" {
  for_each       = local.mappings
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.estate.id
  group_id       = data.oktasf_okta_group.g[each.key].id
  priority       = each.value.priority
  profile        = each.value.profile
  role           = each.value.role
}

resource "oktasf_user_provisioning" "estate" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.estate.id
  username       = { source = "login", suffix = ".chaos" }
  attributes = {
    FirstName = "user.firstName"
    LastName  = "user.lastName"
    Email     = "user.email"
    Alias     = "user.lastName"
  }
  group_mappings = values(oktasf_group_mapping.m)
}

`)
	var groups []string
	for i := range binding.Groups {
		groups = append(groups, fmt.Sprintf("data.oktasf_okta_group.g[\"m%03d\"].id", i+1))
	}
	fmt.Fprintf(&b, `resource "oktasf_permission_set_binding" "estate" {
  salesforce_org = %q
  permission_set = %q
  group_ids      = [%s]
  depends_on     = [oktasf_user_provisioning.estate]
}
`, binding.Org, binding.PermissionSet, strings.Join(groups, ", "))
	return b.String()
}
