package policy_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// The org's default policy is shared by every app: a configuration that matches it (its name and description, no
// rule yet in it) is refused instead of adopted, and an import of it is refused, both with the fix; its rules stay
// as they were.
func TestAccSignonPolicy_systemPolicyRefused(t *testing.T) {
	acctest.RequireSandbox(t, "would, unfixed, adopt and rewrite the org's default policy")
	sb := acctest.NewSandbox(t, sandbox.Options{}) // its own: unfixed, this rewrites the policy every app falls back to
	f := newSignonFixture(t, sb)
	ctx := context.Background()
	def, err := f.oc.DefaultAccessPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, err := rulesInOkta(ctx, f.oc, def.ID)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func() {
		after, err := rulesInOkta(ctx, f.oc, def.ID)
		if err != nil || strings.Join(after, "; ") != strings.Join(before, "; ") {
			t.Errorf("the default policy's rules are %v (%v), were %v", after, err, before)
		}
	}
	fix := `is\s+one\s+of\s+the\s+org's\s+system\s+policies.*Give\s+this\s+resource\s+another\s+name\s+so\s+that\s+it\s+creates\s+a\s+policy\s+for\s+the\s+app`
	cfg := strings.Replace(f.config(sb, def.Name, []string{everyoneDenied}, catchAllDeny),
		"  rules ", fmt.Sprintf("  description = %q\n  rules ", def.Description), 1)
	acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{
		{Config: cfg, ExpectError: regexp.MustCompile(`(?s)Sign-On Policy Name Taken By A System Policy.*` + def.ID + `.*` + fix)},
		{
			PreConfig: unchanged, Config: cfg, ResourceName: signonAddr, ImportState: true,
			ImportStateId: def.ID + "/" + f.appID, ExpectError: regexp.MustCompile(`(?s)Cannot Import A System Sign-On Policy.*` + fix),
		},
	}})
	unchanged()
	if bound, err := f.oc.AppAccessPolicyID(ctx, f.appID); err != nil || bound != def.ID {
		t.Errorf("the app is bound to %q (%v), want the default policy %s as before", bound, err, def.ID)
	}
}

// ruleStatus is the Okta status of the policy's rule of that name.
func ruleStatus(ctx context.Context, oc *okta.Client, policyID, name string) (string, error) {
	rules, err := oc.ListAccessRules(ctx, policyID)
	if err != nil {
		return "", err
	}
	for _, r := range rules {
		if r.Name == name {
			return r.Status, nil
		}
	}
	return "", fmt.Errorf("policy %s has no rule %q", policyID, name)
}

// A rule deactivated in Okta no longer applies to sign-ins: plan shows an update, and apply activates it.
func TestAccSignonPolicy_inactiveRuleReactivated(t *testing.T) {
	sb := acctest.Sandbox(t)
	f := newSignonFixture(t, sb)
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	var id string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(), Check: func(s *terraform.State) (err error) {
				id, err = acctest.StateAttr(s, signonAddr, "id")
				return err
			}},
			{
				PreConfig: func() {
					ctx := context.Background()
					rules, err := f.oc.ListAccessRules(ctx, id)
					for _, r := range rules {
						if err == nil && r.Name == "everyone-else" {
							_, err = f.oc.Raw(ctx, "POST", "/api/v1/policies/"+url.PathEscape(id)+"/rules/"+url.PathEscape(r.ID)+"/lifecycle/deactivate", nil, nil)
						}
					}
					if status, e := ruleStatus(ctx, f.oc, id, "everyone-else"); err != nil || e != nil || status != okta.RuleInactive {
						t.Fatalf("deactivate the rule: %v %v, status %q", err, e, status)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(signonAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					checkSignonInOkta(f, "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY"),
					func(*terraform.State) error {
						status, err := ruleStatus(context.Background(), f.oc, id, "everyone-else")
						if err == nil && status != "ACTIVE" {
							err = fmt.Errorf("rule everyone-else is %s after apply, want ACTIVE", status)
						}
						return err
					}),
			},
		},
	})
}

// Renaming a DENY rule writes the new rule in its place before deleting the old one, so that no sign-in
// falls through between the two: in the sandbox's journal the DELETE comes after every rule POST and PUT.
func TestAccSignonPolicy_rulesWrittenBeforeDelete(t *testing.T) {
	acctest.RequireSandbox(t, "reads the sandbox's request journal")
	sb := acctest.NewSandbox(t, sandbox.Options{}) // its own: the journal's routes do not name the policy
	f := newSignonFixture(t, sb)
	name := acctest.RandomName("salesforce")
	blocked := func(rule string) string {
		return fmt.Sprintf(`{
    name    = %q
    network = { connection = "ZONE", zones_include = [%q] }
    access  = "DENY"
  }`, rule, f.zone)
	}
	var since time.Time
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSignonDestroyed(f),
		Steps: []resource.TestStep{
			{Config: f.config(sb, name, []string{blocked("block-office"), f.adminsRule("2FA"), everyoneDenied}, catchAllDeny),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig:        func() { since = time.Now() },
				Config:           f.config(sb, name, []string{blocked("block-office-renamed"), f.adminsRule("2FA"), everyoneDenied}, catchAllDeny),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: resource.ComposeTestCheckFunc(
					checkSignonInOkta(f, "block-office-renamed DENY", "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY"),
					func(*terraform.State) error {
						var writes []string
						for _, e := range sb.Control().Journal() {
							if e.Start.After(since) && strings.Contains(e.Route, "/rules") && !strings.HasPrefix(e.Route, "GET ") {
								writes = append(writes, e.Route)
							}
						}
						deleteAt := -1
						for i, w := range writes {
							if strings.HasPrefix(w, "DELETE ") {
								deleteAt = i
							}
						}
						if deleteAt < 0 || deleteAt != len(writes)-1 || !strings.HasPrefix(writes[0], "POST ") {
							return fmt.Errorf("the rename's rule writes were %v; want the new rule's POST first and the old rule's DELETE last", writes)
						}
						return nil
					}),
			},
		},
	})
}
