package entitlement_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

func TestAccSalesforceLookupDataSources_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	top, topID := acctest.CreateRole(t, sf, "top", "")
	rep, _ := acctest.CreateRole(t, sf, "rep", topID)
	ps, _ := acctest.CreatePermissionSet(t, sf, "lookup", map[string]any{"Label": "Lookup Test Set"})
	_, partID := acctest.CreatePermissionSet(t, sf, "part", nil)
	psg, _ := acctest.CreatePermissionSetGroup(t, sf, "bundle", partID)
	org := acctest.PrimaryOrg()
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + fmt.Sprintf(`
data "oktasf_salesforce_profile" "standard" {
  salesforce_org = %[1]q
  name           = %[2]q
}
data "oktasf_salesforce_role" "rep" {
  salesforce_org = %[1]q
  name           = %[3]q
}
data "oktasf_salesforce_role" "top" {
  salesforce_org = %[1]q
  name           = %[4]q
}
data "oktasf_salesforce_permission_set" "ps" {
  salesforce_org = %[1]q
  name           = %[5]q
}
data "oktasf_salesforce_permission_set" "psg" {
  salesforce_org = %[1]q
  name           = %[6]q
}
`, org, acctest.StandardProfile, rep, top, ps, psg),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.oktasf_salesforce_profile.standard", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^00e`))),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_profile.standard", tfjsonpath.New("user_license"), knownvalue.StringExact("Salesforce")),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.rep", tfjsonpath.New("parent_role_id"), knownvalue.StringExact(topID)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.rep", tfjsonpath.New("developer_name"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.top", tfjsonpath.New("parent_role_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.ps", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0PS`))),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.ps", tfjsonpath.New("label"), knownvalue.StringExact("Lookup Test Set")),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.ps", tfjsonpath.New("is_group"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.psg", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0PG`))),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.psg", tfjsonpath.New("is_group"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.psg", tfjsonpath.New("label"), knownvalue.StringExact(strings.ReplaceAll(psg, "_", " "))),
			},
		}},
	})
}

// A wrong name fails with the closest names.
func TestAccSalesforceLookupDataSources_notFound(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	role, _ := acctest.CreateRole(t, sf, "rep", "")
	_, partID := acctest.CreatePermissionSet(t, sf, "part", nil)
	psg, _ := acctest.CreatePermissionSetGroup(t, sf, "bundle", partID)
	cases := []struct{ name, dataSource, lookup, want string }{
		{"profile", "oktasf_salesforce_profile", "Standard Usr", `(?s)Not Found in Salesforce.*no profile named "Standard Usr".*did you mean "Standard User"`},
		{"role", "oktasf_salesforce_role", typo(role), fmt.Sprintf(`(?s)no role named %q.*did you mean %q`, typo(role), role)},
		{"permission set", "oktasf_salesforce_permission_set", typo(psg), fmt.Sprintf(`(?s)no permission set or permission set group named %q.*did you mean %q`, typo(psg), psg)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      acctest.ProviderConfig(sb) + fmt.Sprintf("data %q \"x\" {\n  salesforce_org = %q\n  name           = %q\n}\n", tc.dataSource, acctest.PrimaryOrg(), tc.lookup),
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)), // Terraform wraps long lines
			}}})
		})
	}
}
