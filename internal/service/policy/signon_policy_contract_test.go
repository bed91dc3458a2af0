package policy_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// orgSignonHoldings lists every authentication policy of the org with its rules, and the policy each app given
// is bound to: what a sign-on policy could touch.
func orgSignonHoldings(ctx context.Context, oc *okta.Client, appIDs ...string) ([]string, error) {
	policies, err := oc.ListAccessPolicies(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range policies {
		rules, err := oc.ListAccessRules(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			out = append(out, fmt.Sprintf("policy %s %q rule %q %s %s %s priority %d", p.ID, p.Name, r.Name, r.Access, r.FactorMode, r.ReauthenticateIn, r.Priority))
		}
	}
	for _, id := range appIDs {
		bound, err := oc.AppAccessPolicyID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, "app "+id+" bound to "+bound)
	}
	return out, nil
}

// Apply, import with zero writes, destroy: the org then holds exactly what it held before (the default
// policy and its rules untouched, the app bound to it again), and an import of "<policy_id>/<app_id>" plans
// nothing either.
func TestAccSignonPolicy_contract(t *testing.T) {
	acctest.RequireSandbox(t, "counts the writes of the import plans")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	f := newSignonFixture(t, sb)
	ctx := context.Background()
	before, err := orgSignonHoldings(ctx, f.oc, f.appID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config(sb, acctest.RandomName("salesforce"), []string{f.adminsRule("2FA"), everyoneDenied}, catchAllDeny)
	importSteps := func(id resource.ImportStateIdFunc) []resource.TestStep {
		return []resource.TestStep{
			{PreConfig: func() { sb.Control().ResetStats() }, Config: cfg, ResourceName: signonAddr, ImportState: true,
				ImportStateKind: resource.ImportBlockWithID, ImportStateIdFunc: id},
			{PreConfig: func() {
				if w := acctest.WriteRequests(sb); len(w) > 0 {
					t.Fatalf("the import plan wrote: %v", w)
				}
			}, Config: cfg, PlanOnly: true},
		}
	}
	steps := []resource.TestStep{{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
		Check: checkSignonInOkta(f, "admins-office ALLOW 2FA", "everyone-else DENY", "Catch-all Rule DENY")}}
	steps = append(steps, importSteps(func(s *terraform.State) (string, error) {
		id, err := acctest.StateAttr(s, signonAddr, "id")
		return id + "/" + f.appID, err
	})...)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: func(s *terraform.State) error {
			if err := checkSignonDestroyed(f)(s); err != nil {
				return err
			}
			after, err := orgSignonHoldings(ctx, f.oc, f.appID)
			if err == nil && strings.Join(after, "\n") != strings.Join(before, "\n") {
				err = fmt.Errorf("after destroy the org holds\n  %s\nbefore it held\n  %s", strings.Join(after, "\n  "), strings.Join(before, "\n  "))
			}
			return err
		},
		Steps: steps,
	})
}

// A policy bound to several apps cannot be imported by its ID alone: the error says to name the app.
func TestAccSignonPolicy_importSeveralApps(t *testing.T) {
	sb := acctest.Sandbox(t)
	f, g := newSignonFixture(t, sb), newSignonFixture(t, sb)
	ctx := context.Background()
	name := acctest.RandomName("shared")
	p, err := f.oc.CreateAccessPolicy(ctx, name, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if def, err := f.oc.DefaultAccessPolicy(ctx); err == nil {
			_ = f.oc.BindAppAccessPolicy(ctx, f.appID, def.ID)
			_ = f.oc.BindAppAccessPolicy(ctx, g.appID, def.ID)
		}
		_ = f.oc.DeleteAccessPolicy(ctx, p.ID)
	})
	for _, app := range []string{f.appID, g.appID} {
		if err := f.oc.BindAppAccessPolicy(ctx, app, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
		Config: f.config(sb, name, nil, catchAllDeny), ResourceName: signonAddr, ImportState: true,
		ImportStateKind: resource.ImportBlockWithID, ImportStateId: p.ID,
		ExpectError: regexp.MustCompile(`(?s)bound\s+to\s+2\s+apps.*import\s+it\s+as\s+<policy_id>/<app_id>`),
	}}})
}
