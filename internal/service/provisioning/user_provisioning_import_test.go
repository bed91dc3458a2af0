package provisioning_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// provImportID is the import ID of provisioning configured as p.config(…, salesAttributes, extra) with
// settings: <salesforce_org>/<app_id>/<settings>.
func provImportID(appID string, settings url.Values) string {
	return acctest.PrimaryOrg() + "/" + appID + "/" + settings.Encode()
}

// salesSettings are the settings of salesAttributes and usernameSuffix in the import ID's form.
func salesSettings() url.Values {
	v := url.Values{}
	for k, e := range map[string]string{"LastName": "user.lastName", "FirstName": "user.firstName", "Email": "user.email",
		"Alias": "user.firstName", "Department": "'Sales'"} {
		v.Set("attributes."+k, e)
	}
	v.Set("username.suffix", usernameSuffix)
	return v
}

// renamed is cfg with the provisioning resource under name instead of test, and cfg without it.
func renamed(cfg, name string) (withName, without string) {
	i := strings.Index(cfg, `resource "oktasf_user_provisioning" "test"`)
	return strings.Replace(cfg, `"oktasf_user_provisioning" "test"`, fmt.Sprintf("%q %q", "oktasf_user_provisioning", name), 1), cfg[:i]
}

// forget is a removed block that takes addr out of the state and leaves the Salesforce users where they are.
func forget(addr string) string {
	return fmt.Sprintf("\nremoved {\n  from = %s\n  lifecycle {\n    destroy = false\n  }\n}\n", addr)
}

// importPlansEmptySteps apply cfg under another address, then reimportSteps.
func importPlansEmptySteps(sb *sandbox.Sandbox, cfg string, check resource.TestCheckFunc, idFunc func(appID string) string) []resource.TestStep {
	orig, _ := renamed(cfg, "orig")
	return append([]resource.TestStep{{Config: orig, Check: resource.ComposeTestCheckFunc(check, acctest.CheckWritesCounted(sb)), ConfigPlanChecks: acctest.EmptyPlanAfterApply()}},
		reimportSteps(sb, cfg, "orig", check, idFunc)...)
}

// reimportSteps forget oktasf_user_provisioning.<from> of the configuration applied, import it as provAddr
// with the ID idFunc makes of the app's ID, and apply cfg: the plan after the import is empty and its apply
// writes nothing.
func reimportSteps(sb *sandbox.Sandbox, cfg, from string, check resource.TestCheckFunc, idFunc func(appID string) string) []resource.TestStep {
	_, base := renamed(cfg, from)
	return []resource.TestStep{
		{Config: base + forget("oktasf_user_provisioning."+from)},
		{
			Config:             cfg,
			ResourceName:       provAddr,
			ImportState:        true,
			ImportStatePersist: true,
			ImportStateIdFunc: func(s *terraform.State) (string, error) {
				appID, err := acctest.StateAttr(s, "oktasf_saml_app.test", "id")
				return idFunc(appID), err
			},
		},
		{
			PreConfig: func() { sb.Control().ResetStats() },
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(check, acctest.CheckNoWrites(sb)),
		},
	}
}

// Provisioning imported with its settings in the ID (<salesforce_org>/<app_id>/<settings>) into the same
// configuration plans nothing, and the apply writes nothing: the mapping, username suffix and on_destroy come
// from the ID, group_mappings' profiles and roles from Okta's group assignments, synced from both orgs.
func TestAccUserProvisioning_importPlansEmpty(t *testing.T) {
	acctest.RequireSandbox(t, "counts the write requests of the apply after an import")
	p := newProvTest(t, acctest.NewSandbox(t, sandbox.Options{}))
	a, b := p.member(t, "a"), p.member(t, "b")
	cfg := p.config(acctest.RandomName("prov"), salesAttributes, `  on_destroy     = "deactivate"
  group_mappings = [oktasf_group_mapping.test]`)
	settings := salesSettings()
	settings.Set("on_destroy", "deactivate")
	settings.Set("group_mappings", p.group.ID)
	refused := func(bad url.Values, want string) resource.TestStep {
		return resource.TestStep{
			Config:       cfg,
			ResourceName: provAddr,
			ImportState:  true,
			ImportStateIdFunc: func(s *terraform.State) (string, error) {
				appID, err := acctest.StateAttr(s, "oktasf_saml_app.test", "id")
				return provImportID(appID, bad), err
			},
			ExpectError: regexp.MustCompile(strings.ReplaceAll(want, " ", `\s+`)), // terraform wraps the message
		}
	}
	acctest.Test(t, resource.TestCase{
		Steps: append(importPlansEmptySteps(p.sb, cfg, p.checkProvisioned(t, "Sales", a, b), func(appID string) string {
			return provImportID(appID, settings)
		}),
			refused(url.Values{"attributes.LastName": {"user.lastName"}, "ondestroy": {"keep"}}, `(?s)Invalid Import ID.*name "ondestroy"`),
			refused(url.Values{"on_destroy": {"delete"}}, `(?s)Invalid Import ID.*on_destroy="delete", not one of keep, deactivate`),
			refused(url.Values{"create_users": {"yes please"}}, `(?s)Invalid Import ID.*create_users="yes please", not true or false`),
			refused(url.Values{"group_mappings": {"00gNotAssigned"}}, `(?s)group 00gNotAssigned in group_mappings, but Okta\s+does not assign it`),
		),
	})
}
