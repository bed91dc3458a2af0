package entitlement_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

func TestAccOktaGroupDataSource_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	members := []acctest.OktaUser{acctest.CreateOktaUser(t, oc, "a"), acctest.CreateOktaUser(t, oc, "b"), acctest.CreateOktaUser(t, oc, "c")}
	group := acctest.CreateOktaGroup(t, oc, "sales", "Sales reps", members...)
	const addr = "data.oktasf_okta_group.sales"
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + fmt.Sprintf(`
data "oktasf_okta_group" "sales" {
  name = %q
}
data "oktasf_okta_group" "everyone" {
  name = "Everyone"
}
`, group.Name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(group.ID)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("OKTA_GROUP")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Sales reps")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue("data.oktasf_okta_group.everyone", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^00g[A-Za-z0-9]{17}$`))),
				statecheck.ExpectKnownValue("data.oktasf_okta_group.everyone", tfjsonpath.New("type"), knownvalue.StringExact("BUILT_IN")),
			},
		}},
	})
}

func TestAccOktaGroupDataSource_notFound(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	// Okta's group search matches prefixes: only an exact name may match.
	group := acctest.CreateOktaGroup(t, oc, "prefix", "its name's prefix names no group")
	prefix := group.Name[:len(group.Name)-2]
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig(sb) + fmt.Sprintf("data \"oktasf_okta_group\" \"x\" {\n  name = %q\n}\n", prefix),
			ExpectError: regexp.MustCompile(`(?s)Okta group not found.*No Okta group is named "` + regexp.QuoteMeta(prefix) + `"`),
		}},
	})
}
