package entitlement_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

func TestAccOktaGroupDataSource_basic(t *testing.T) {
	if acctest.Live() {
		t.Skip("relies on the sandbox's seeded groups")
	}
	sb := acctest.SharedSandbox(t)
	const addr = "data.oktasf_okta_group.sales"
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + `
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}
data "oktasf_okta_group" "everyone" {
  name = "Everyone"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^00g[A-Za-z0-9]{17}$`))),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("OKTA_GROUP")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Sales reps")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue("data.oktasf_okta_group.everyone", tfjsonpath.New("type"), knownvalue.StringExact("BUILT_IN")),
			},
		}},
	})
}

func TestAccOktaGroupDataSource_notFound(t *testing.T) {
	var cfg string
	if acctest.Live() {
		cfg = acctest.ProviderConfig(nil)
	} else {
		cfg = acctest.ProviderConfig(acctest.SharedSandbox(t))
	}
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			// "Salesforce" is a prefix of several groups: only an exact name may match.
			Config:      cfg + "data \"oktasf_okta_group\" \"x\" {\n  name = \"Salesforce\"\n}\n",
			ExpectError: regexp.MustCompile(`(?s)Okta group not found.*No Okta group is named "Salesforce"`),
		}},
	})
}
