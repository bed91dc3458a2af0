package sso_test

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

func TestAccSalesforceOrgDataSource_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	const addr = "data.oktasf_salesforce_org.this"
	alias := acctest.PrimaryOrg()
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("salesforce_org"), knownvalue.StringExact(alias)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^00D[A-Za-z0-9]{15}$`))),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.NotNull()),
	}
	if sb != nil {
		org := sb.Info().Salesforce[alias]
		checks = append(checks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(org.OrgID)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Acme QA")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("is_sandbox"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("my_domain_url"), knownvalue.StringExact(org.LoginURL)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("sp_entity_id"), knownvalue.StringExact(org.LoginURL)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("acs_url"), knownvalue.StringExact(org.LoginURL+"?so="+org.OrgID[:15])),
		)
	}
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            acctest.ProviderConfig(sb) + fmt.Sprintf("data \"oktasf_salesforce_org\" \"this\" {\n  salesforce_org = %q\n}\n", alias),
			ConfigStateChecks: checks,
		}},
	})
}

func TestAccSalesforceOrgDataSource_production(t *testing.T) {
	acctest.RequireSandbox(t, "needs a production org next to the sandbox orgs; a live run configures one org, \"default\"")
	sb := acctest.Sandbox(t)
	org := sb.Info().Salesforce["prod"]
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + "data \"oktasf_salesforce_org\" \"prod\" {\n  salesforce_org = \"prod\"\n}\n",
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.oktasf_salesforce_org.prod", tfjsonpath.New("is_sandbox"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.oktasf_salesforce_org.prod", tfjsonpath.New("id"), knownvalue.StringExact(org.OrgID)),
			},
		}},
	})
}

func TestAccSalesforceOrgDataSource_orgChoiceErrors(t *testing.T) {
	acctest.RequireSandbox(t, "needs several configured orgs; a live run configures one org, \"default\"")
	sb := acctest.Sandbox(t)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(sb) + "data \"oktasf_salesforce_org\" \"x\" {\n  salesforce_org = \"staging\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)Unknown Salesforce org alias.*salesforce_org is "staging".*configured: prod, qa, uat`),
			},
			{
				Config:      acctest.ProviderConfig(sb) + "data \"oktasf_salesforce_org\" \"x\" {}\n",
				ExpectError: regexp.MustCompile(`(?s)Salesforce org not chosen.*3 Salesforce orgs \(prod, qa, uat\)`),
			},
		},
	})
}
