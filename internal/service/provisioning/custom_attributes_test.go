package provisioning_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// customAttributes maps the seed's custom Okta attributes onto the qa org's custom User fields (default seed):
// Cost_Center__c is Text(20), Sales_Region__c a restricted picklist (EMEA, AMER, APAC), Contractor__c a
// checkbox and Skills__c a multi-select picklist.
const customAttributes = salesAttributes + `
    Cost_Center__c  = "user.costCenter"
    Sales_Region__c = "user.department"
    Contractor__c   = "user.isContractor"
    Skills__c       = "user.skills"`

type customFields struct {
	CostCenter  *string `json:"Cost_Center__c"`
	SalesRegion *string `json:"Sales_Region__c"`
	Contractor  bool    `json:"Contractor__c"`
	Skills      *string `json:"Skills__c"`
}

func (c customFields) String() string {
	s := func(p *string) string {
		if p == nil {
			return "<null>"
		}
		return *p
	}
	return fmt.Sprintf("%s|%s|%v|%s", s(c.CostCenter), s(c.SalesRegion), c.Contractor, s(c.Skills))
}

func customFieldsOf(t *testing.T, sf *salesforce.Client, fid string) ([]customFields, error) {
	t.Helper()
	var rows []customFields
	err := sf.Query(context.Background(), "SELECT Cost_Center__c, Sales_Region__c, Contractor__c, Skills__c FROM User WHERE FederationIdentifier = "+salesforce.Quote(fid), &rows)
	return rows, err
}

// expectCustomFields checks, in Salesforce, the custom fields of each user (want "" = no Salesforce user).
func (p provTest) expectCustomFields(t *testing.T, want map[string]string) resource.TestCheckFunc {
	return checkUsers(func() error {
		for fid, w := range want {
			rows, err := customFieldsOf(t, p.sf, fid)
			if err != nil {
				return err
			}
			switch {
			case w == "" && len(rows) != 0:
				return fmt.Errorf("%s has a Salesforce user (%v); want it skipped", fid, rows)
			case w != "" && (len(rows) != 1 || rows[0].String() != w):
				return fmt.Errorf("custom fields of %s = %v, want %s", fid, rows, w)
			}
		}
		return nil
	})
}

func (p provTest) customMember(t *testing.T, what string, profile map[string]any) acctest.OktaUser {
	t.Helper()
	login := acctest.RandomName(what) + "@example.com"
	full := map[string]any{"login": login, "email": login, "firstName": "Tf" + what, "lastName": "Acc"}
	for k, v := range profile {
		full[k] = v
	}
	u := acctest.CreateOktaUserWithProfile(t, p.oc, full)
	p.add(t, u)
	return u
}

// Okta custom attributes fill custom User fields: text, restricted picklist, checkbox from a boolean and
// multi-select from an array. A user whose cost centre (25 characters) is longer than the field's 20, or whose
// department is not in the restricted picklist, is skipped and left pending while the others are provisioned;
// once the values are fixed in Okta the next apply provisions them.
func TestAccUserProvisioning_customAttributes(t *testing.T) {
	acctest.RequireSandbox(t, "uses the custom User fields and Okta attributes of the sandbox's default seed")
	p := newProvTest(t, acctest.Sandbox(t))
	a := p.customMember(t, "ca", map[string]any{"costCenter": "CC-1001", "department": "EMEA", "isContractor": true, "skills": []any{"CPQ", "Forecasting"}})
	long := p.customMember(t, "cl", map[string]any{"costCenter": strings.Repeat("C", 25), "department": "AMER"})
	region := p.customMember(t, "cr", map[string]any{"costCenter": "CC-3", "department": "Marketing"})
	cfg := p.config(acctest.RandomName("prov"), customAttributes, "")
	acctest.Test(t, resource.TestCase{
		CheckDestroy: p.checkUsersLeftActive(t, a),
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ExpectNonEmptyPlan: true, // the two refused users are still to create
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("pending_create"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact(long.Login), knownvalue.StringExact(region.Login)})),
				},
				Check: p.expectCustomFields(t, map[string]string{
					a.Login:      "CC-1001|EMEA|true|Forecasting;CPQ", // picklist order
					long.Login:   "",
					region.Login: "",
				}),
			},
			{
				PreConfig: func() {
					for id, profile := range map[string]map[string]any{long.ID: {"costCenter": "CC-1002"}, region.ID: {"department": "APAC"}} {
						if _, err := p.oc.Raw(context.Background(), http.MethodPost, "/api/v1/users/"+id, map[string]any{"profile": profile}, nil); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				ConfigStateChecks: append(nothingPending(),
					statecheck.ExpectKnownValue(provAddr, tfjsonpath.New("synced"), knownvalue.MapSizeExact(3))),
				Check: p.expectCustomFields(t, map[string]string{
					a.Login:      "CC-1001|EMEA|true|Forecasting;CPQ",
					long.Login:   "CC-1002|AMER|false|<null>",
					region.Login: "CC-3|APAC|false|<null>",
				}),
			},
		},
	})
}

// A mapping whose Okta attribute cannot fill the field fails at plan at its path, naming both types; an
// Okta attribute the user schema lacks fails with a suggestion.
func TestAccUserProvisioning_customAttributeTypes(t *testing.T) {
	acctest.RequireSandbox(t, "uses the custom User fields and Okta attributes of the sandbox's default seed")
	p := newProvTest(t, acctest.Sandbox(t))
	label := acctest.RandomName("prov")
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      p.config(label, salesAttributes+"\n    Contractor__c = \"user.skills\"", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Incompatible\s+Attribute\s+Type.*attributes\["Contractor__c"\].*user\.skills\s+is\s+an\s+array\s+of\s+string.*User\.Contractor__c\s+is\s+a\s+checkbox.*Map\s+user\.skills\s+to\s+a\s+multi-select\s+picklist\s+field`),
			},
			{
				Config:      p.config(label, salesAttributes+"\n    Cost_Center__c = \"user.costCentre\"", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unknown\s+Okta\s+User\s+Attribute.*attributes\["Cost_Center__c"\].*no\s+attribute\s+"costCentre".*Did\s+you\s+mean\s+user\.costCenter`),
			},
		},
	})
}
