package entitlement_test

import (
	"context"
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
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded profiles, roles and permission sets")
	}
	sb := acctest.SharedSandbox(t)
	sf := acctest.SalesforceClient(t, sb, "qa")
	var ceo []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(context.Background(), "SELECT Id FROM UserRole WHERE Name = 'VP Sales'", &ceo); err != nil || len(ceo) != 1 {
		t.Fatalf("find the VP Sales role: %v", err)
	}
	test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + `
data "oktasf_salesforce_profile" "sales" {
  salesforce_org = "qa"
  name           = "Sales User"
}
data "oktasf_salesforce_role" "rep" {
  salesforce_org = "qa"
  name           = "Sales Rep"
}
data "oktasf_salesforce_role" "ceo" {
  salesforce_org = "qa"
  name           = "CEO"
}
data "oktasf_salesforce_permission_set" "ps" {
  salesforce_org = "qa"
  name           = "Sales_Cloud_User"
}
data "oktasf_salesforce_permission_set" "psg" {
  salesforce_org = "qa"
  name           = "Sales_Bundle"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.oktasf_salesforce_profile.sales", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^00e`))),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_profile.sales", tfjsonpath.New("user_license"), knownvalue.StringExact("Salesforce")),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.rep", tfjsonpath.New("parent_role_id"), knownvalue.StringExact(ceo[0].ID)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.rep", tfjsonpath.New("developer_name"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.ceo", tfjsonpath.New("parent_role_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.ps", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0PS`))),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.ps", tfjsonpath.New("label"), knownvalue.StringExact("Sales Cloud User")),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.ps", tfjsonpath.New("is_group"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.psg", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^0PG`))),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.psg", tfjsonpath.New("is_group"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_permission_set.psg", tfjsonpath.New("label"), knownvalue.StringExact("Sales Bundle")),
			},
		}},
	})
}

// A wrong name fails with the closest names; a profile's permission set is found but refused.
func TestAccSalesforceLookupDataSources_notFound(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded names")
	}
	sb := acctest.SharedSandbox(t)
	cases := []struct{ name, config, want string }{
		{"profile", `data "oktasf_salesforce_profile" "x" {
  salesforce_org = "qa"
  name           = "Sales Usr"
}`,
			`(?s)Not Found in Salesforce.*no profile named "Sales Usr".*did you mean "Sales User"`},
		{"role", `data "oktasf_salesforce_role" "x" {
  salesforce_org = "qa"
  name           = "Sales Reps"
}`,
			`(?s)no role named "Sales Reps".*did you mean "Sales Rep"`},
		{"permission set", `data "oktasf_salesforce_permission_set" "x" {
  salesforce_org = "qa"
  name           = "Sales_Bundel"
}`,
			`(?s)no permission set or permission set group named "Sales_Bundel".*did you mean "Sales_Bundle"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      acctest.ProviderConfig(sb) + fmt.Sprintf("%s\n", tc.config),
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)), // Terraform wraps long lines
			}}})
		})
	}
}
