package sso_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// jitCustom adds custom User fields of the qa org (default seed) to jitV1: Cost_Center__c is Text(20) filled
// from Okta's base costCenter, Contractor__c a checkbox filled from the custom boolean isContractor.
var jitCustom = strings.Replace(jitV1, "    TimeZoneSidKey", "    Cost_Center__c       = \"user.costCenter\"\n    Contractor__c        = \"user.isContractor\"\n    TimeZoneSidKey", 1)

// A first sign-in creates the Salesforce user just in time with its custom fields set from the Okta profile.
func TestAccSAMLApp_jitLoginCustomFields(t *testing.T) {
	acctest.RequireSandbox(t, "signs in through the sandbox's Okta; uses the custom User fields of the default seed")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("jitcustom"), ssoName("jitcustom")
	okt, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	login := strings.ReplaceAll(acctest.RandomName("jitc"), "-", ".") + "@example.com"
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(okt),
		Steps: []resource.TestStep{{
			Config:           federationConfig(sb, label, name, jitCustom, "  jit_provisioning = true\n"),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			Check: func(s *terraform.State) error {
				ctx := context.Background()
				id, err := appID(s)
				if err != nil {
					return err
				}
				var created struct{ ID string }
				if _, err := okt.Raw(ctx, http.MethodPost, "/api/v1/users?activate=true", map[string]any{"profile": map[string]any{
					"login": login, "email": login, "firstName": "Jit", "lastName": "Custom", "costCenter": "CC-4711", "isContractor": true},
					"credentials": map[string]any{"password": map[string]any{"value": "Correct-Horse-42!"}}}, &created); err != nil {
					return fmt.Errorf("create the Okta user: %w", err)
				}
				if err := okt.EnsureAppUserProperties(ctx, id, "profile"); err != nil {
					return err
				}
				if _, err := okt.Raw(ctx, http.MethodPost, "/api/v1/apps/"+id+"/users", map[string]any{
					"id": created.ID, "scope": "USER", "profile": map[string]any{"profile": "Sales User"}}, nil); err != nil {
					return fmt.Errorf("assign the user to the app: %w", err)
				}
				response, acsURL, err := sb.Okta().SignIn(id, login)
				if err != nil {
					return fmt.Errorf("sign in through Okta: %w", err)
				}
				if err := postToACS(ctx, acsURL, response); err != nil {
					return err
				}
				var users []struct {
					LastName   string
					CostCenter *string `json:"Cost_Center__c"`
					Contractor bool    `json:"Contractor__c"`
				}
				if err := sf.Query(ctx, "SELECT LastName, Cost_Center__c, Contractor__c FROM User WHERE FederationIdentifier = "+salesforce.Quote(login), &users); err != nil {
					return err
				}
				if len(users) != 1 || users[0].CostCenter == nil || *users[0].CostCenter != "CC-4711" || !users[0].Contractor || users[0].LastName != "Custom" {
					return fmt.Errorf("JIT user = %+v, want one with Cost_Center__c CC-4711 and Contractor__c true", users)
				}
				return nil
			},
		}},
	})
}

// jit_attributes whose Okta attribute cannot fill the field fail at plan at the field's path.
func TestAccSAMLApp_jitCustomFieldTypes(t *testing.T) {
	acctest.RequireSandbox(t, "uses the custom User fields and Okta attributes of the default seed")
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("jittypes")
	bad := strings.Replace(jitV1, "    TimeZoneSidKey", "    Contractor__c        = \"user.skills\"\n    TimeZoneSidKey", 1)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      samlAppConfig(sb, label, bad),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Incompatible\s+Attribute\s+Type.*jit_attributes\["Contractor__c"\].*user\.skills\s+is\s+an\s+array\s+of\s+string`),
		}},
	})
}
