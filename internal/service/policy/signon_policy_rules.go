package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// maxRules is how many rules besides the catch-all a policy holds: Okta numbers them 1–98, the catch-all 99.
const maxRules = 98

// writeRules makes the policy's rules those of m, in m's order, with as few writes as Okta's numbering
// allows: Okta keeps rule priorities dense and shifts the others when a rule is placed at a priority
// (okta-provider-lessons.md, #2953), so a rule is written only when its content changed or it is not at its
// place once the rules before it are; a swap of two rules is one write. Rules deactivated in Okta are
// activated again. Rules Okta holds that m does not name are deleted last, once the configured rules hold
// their places before them: deleting first would leave a window (a renamed DENY rule gone, its successor not
// yet written) in which sign-ins fall through to later rules. The catch-all rule is only ever updated.
func (r *signonPolicyResource) writeRules(ctx context.Context, client *okta.Client, m *signonPolicyModel, summary string, diags *diag.Diagnostics) {
	id := m.ID.ValueString()
	current, err := client.ListAccessRules(ctx, id)
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("Reading the rules of authentication policy %s: %s", id, err))
		return
	}
	wanted := map[string]bool{}
	for _, rm := range m.Rules {
		wanted[rm.Name.ValueString()] = true
	}
	byName := map[string]*okta.AccessRule{}
	var catchAll *okta.AccessRule
	var unlisted []*okta.AccessRule // not configured, or a second rule of a name: deleted last
	var order []string              // the IDs of the rules but the catch-all, in Okta's order, as writes move them
	for _, rule := range current {
		switch {
		case rule.System:
			catchAll = rule
			continue
		case !wanted[rule.Name] || byName[rule.Name] != nil:
			unlisted = append(unlisted, rule)
		default:
			byName[rule.Name] = rule
		}
		order = append(order, rule.ID)
	}
	// Room for the new rules: only when the unlisted ones would push the policy past Okta's limit are some of
	// them, the last matched first, deleted before the writes.
	creates := 0
	for _, rm := range m.Rules {
		if byName[rm.Name.ValueString()] == nil {
			creates++
		}
	}
	for excess := len(order) + creates - maxRules; excess > 0 && len(unlisted) > 0; excess-- {
		last := unlisted[len(unlisted)-1]
		tflog.Debug(ctx, "deleting an unlisted rule before the writes to make room", map[string]any{"policy_id": id, "rule": last.Name})
		if !r.deleteRule(ctx, client, id, last, summary, diags) {
			return
		}
		unlisted = unlisted[:len(unlisted)-1]
		order = slices.DeleteFunc(order, func(x string) bool { return x == last.ID })
	}
	moved := false
	for i := range m.Rules {
		rm := &m.Rules[i]
		name := rm.Name.ValueString()
		at := path.Root("rules").AtListIndex(i)
		existing := byName[name]
		want := expandRule(ctx, rm, i+1, existing)
		var written *okta.AccessRule
		var err error
		switch {
		case existing == nil:
			written, err = client.CreateAccessRule(ctx, id, want)
		case i < len(order) && order[i] == existing.ID && sameRule(existing, want):
			written = existing
		default:
			written, err = client.UpdateAccessRule(ctx, id, want)
		}
		if err == nil && existing != nil && existing.Status == okta.RuleInactive {
			err = client.ActivateAccessRule(ctx, id, existing.ID)
		}
		if err != nil {
			diags.AddAttributeError(at, summary, fmt.Sprintf("Rule %q (rules[%d]): %s", name, i, err))
			return
		}
		if existing != nil {
			written = existing // the ID Okta answered with is the same; a create's is new
		}
		if i >= len(order) || order[i] != written.ID {
			moved = true
			order = slices.DeleteFunc(order, func(x string) bool { return x == written.ID })
			order = slices.Insert(order, min(i, len(order)), written.ID)
		}
	}
	if catchAll != nil && m.CatchAll != nil {
		if want := expandCatchAll(m.CatchAll, catchAll); !sameRule(catchAll, want) {
			if _, err := client.UpdateAccessRule(ctx, id, want); err != nil {
				diags.AddAttributeError(path.Root("catch_all"), summary, fmt.Sprintf("Setting the action of the catch-all rule: %s", err))
				return
			}
		}
	}
	for _, rule := range unlisted {
		if !r.deleteRule(ctx, client, id, rule, summary, diags) {
			return
		}
	}
	if moved {
		r.checkOrder(ctx, client, m, summary, diags)
	}
}

// deleteRule deletes a rule the configuration does not name; false when that failed (the error is in diags).
func (r *signonPolicyResource) deleteRule(ctx context.Context, client *okta.Client, policyID string, rule *okta.AccessRule, summary string, diags *diag.Diagnostics) bool {
	if err := client.DeleteAccessRule(ctx, policyID, rule.ID); err != nil && !errors.Is(err, okta.ErrNotFound) {
		diags.AddError(summary, fmt.Sprintf("Deleting rule %q, which the configuration does not name: %s", rule.Name, err))
		return false
	}
	return true
}

// checkOrder reads the rules back after a move and places, once more, any that Okta numbered otherwise than
// expected; the order is what users configure, so it must hold.
func (r *signonPolicyResource) checkOrder(ctx context.Context, client *okta.Client, m *signonPolicyModel, summary string, diags *diag.Diagnostics) {
	id := m.ID.ValueString()
	rules, err := client.ListAccessRules(ctx, id)
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("Reading the rules of authentication policy %s back: %s", id, err))
		return
	}
	var got []*okta.AccessRule
	for _, rule := range rules {
		if !rule.System {
			got = append(got, rule)
		}
	}
	for i := range m.Rules {
		if i < len(got) && got[i].Name == m.Rules[i].Name.ValueString() {
			continue
		}
		tflog.Warn(ctx, "Okta numbered the rules otherwise than expected; placing each again", map[string]any{"policy_id": id})
		for j := range m.Rules {
			for _, rule := range got {
				if rule.Name != m.Rules[j].Name.ValueString() {
					continue
				}
				if _, err := client.UpdateAccessRule(ctx, id, expandRule(ctx, &m.Rules[j], j+1, rule)); err != nil {
					diags.AddAttributeError(path.Root("rules").AtListIndex(j), summary, fmt.Sprintf("Rule %q (rules[%d]): %s", rule.Name, j, err))
					return
				}
			}
		}
		return
	}
}

// findCreated looks, before a create, for a policy of the planned name. One that holds what an earlier create
// of this plan made when its answer never reached the state is adopted (true): the planned description, the
// first of the planned rules as planned (a create writes them in order), and a catch-all rule as planned or as
// Okta made it. One that differs is refused with the differences and how to import it.
func (r *signonPolicyResource) findCreated(ctx context.Context, client *okta.Client, plan *signonPolicyModel, diags *diag.Diagnostics) (*okta.AccessPolicy, bool) {
	name := plan.Name.ValueString()
	policies, err := client.ListAccessPolicies(ctx, name)
	if err != nil {
		diags.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Looking for an authentication policy named %q before creating one: %s", name, err))
		return nil, false
	}
	var found *okta.AccessPolicy
	for _, p := range policies {
		if p.Name == name {
			found = p
			break
		}
	}
	if found == nil {
		return nil, false
	}
	if found.System {
		diags.AddAttributeError(path.Root("name"), "Sign-On Policy Name Taken By A System Policy", systemPolicyRefusal(found))
		return nil, false
	}
	rules, err := client.ListAccessRules(ctx, found.ID)
	if err != nil {
		diags.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Reading the rules of authentication policy %s (%q): %s", found.ID, name, err))
		return nil, false
	}
	if d := policyDifferences(ctx, plan, found, rules); len(d) > 0 {
		diags.AddAttributeError(path.Root("name"), "Sign-On Policy Already Exists",
			fmt.Sprintf("An authentication policy named %q already exists (%s) and differs from the plan, so it is not what an earlier apply of this configuration made:%s\n%s",
				name, found.ID, d, framework.ImportHint("oktasf_signon_policy", found.ID, "rename or delete that policy in Okta")))
		return nil, false
	}
	tflog.Info(ctx, "adopting the authentication policy an earlier create made (it holds what the plan creates first)", map[string]any{"id": found.ID, "name": name})
	return found, true
}

// systemPolicyRefusal says why a system policy (the org's default, or a preset) is neither adopted nor imported:
// the apply would delete every rule the configuration does not list for every app bound to it, and destroy could
// not remove it.
func systemPolicyRefusal(p *okta.AccessPolicy) string {
	return fmt.Sprintf("Authentication policy %s (%q) is one of the org's system policies, shared by every app bound to it "+
		"(the default policy is every new app's). Managing it here would replace its rules for all of those apps, and "+
		"destroy could not delete it. Give this resource another name so that it creates a policy for the app: the app "+
		"is bound to that policy, and destroy binds it back to the default policy.", p.ID, p.Name)
}

// policyDifferences lists what a policy found at create holds other than what a create of the plan makes.
func policyDifferences(ctx context.Context, plan *signonPolicyModel, found *okta.AccessPolicy, rules []*okta.AccessRule) framework.Differences {
	var d framework.Differences
	d.Add("description", found.Description, plan.Description.ValueString())
	var names, planned []string
	var own []*okta.AccessRule
	for _, rule := range rules {
		switch {
		case !rule.System:
			names = append(names, rule.Name)
			own = append(own, rule)
		case plan.CatchAll != nil && (rule.Created == "" || rule.Created != rule.LastUpdated): // changed since Okta made it
			d.Add("catch_all", ruleSummary(rule), ruleSummary(expandCatchAll(plan.CatchAll, rule)))
		}
	}
	for _, rm := range plan.Rules {
		planned = append(planned, rm.Name.ValueString())
	}
	if len(names) > len(planned) || !slices.Equal(names, planned[:len(names)]) {
		d.Add("rules (names in order)", strings.Join(names, ", "), strings.Join(planned, ", "))
		return d
	}
	for i, rule := range own {
		d.Add(fmt.Sprintf("rules[%d] (%s)", i, planned[i]), ruleSummary(rule), ruleSummary(expandRule(ctx, &plan.Rules[i], i+1, rule)))
	}
	return d
}
