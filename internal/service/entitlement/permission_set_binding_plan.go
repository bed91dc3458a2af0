package entitlement

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// lookupTarget finds the permission set or group the binding names.
func lookupTarget(ctx context.Context, sf *salesforce.Client, m *bindingModel) (salesforce.AssignmentTarget, error) {
	if !m.PermissionSetGroup.IsNull() {
		g, err := findPermissionSetGroup(ctx, sf, m.PermissionSetGroup.ValueString())
		if err != nil {
			return salesforce.AssignmentTarget{}, err
		}
		return salesforce.AssignmentTarget{PermissionSetGroupID: g.ID}, nil
	}
	ps, err := findPermissionSet(ctx, sf, m.PermissionSet.ValueString())
	if err != nil {
		return salesforce.AssignmentTarget{}, err
	}
	return salesforce.AssignmentTarget{PermissionSetID: ps.ID}, nil
}

// targetDiag reports a lookupTarget error on the attribute that names the target.
func targetDiag(diags *diag.Diagnostics, m *bindingModel, err error) {
	attr := path.Root("permission_set")
	if !m.PermissionSetGroup.IsNull() {
		attr = path.Root("permission_set_group")
	}
	switch {
	case errors.Is(err, errNotAssignable):
		diags.AddAttributeError(attr, "Permission Set Cannot Be Bound", err.Error())
	case isNameError(err):
		diags.AddAttributeError(attr, "Salesforce Permission Set Not Found", err.Error())
	default:
		diags.AddAttributeError(attr, "Unable to Read Salesforce Permission Sets", err.Error())
	}
}

// desiredFederationIDs is the set the groups ask for: the Federation IDs of their entitled members. It
// depends on Okta alone, so the plan made before other resources run (provisioning may create users in the
// same apply) is the plan that apply carries out.
func desiredFederationIDs(ctx context.Context, oc *okta.Client, m *bindingModel, diags *diag.Diagnostics) ([]string, bool) {
	groupIDs, _ := setStrings(m.GroupIDs)
	groups := make([][]okta.GroupMember, 0, len(groupIDs))
	for _, gid := range groupIDs {
		members, err := groupMembers(ctx, oc, gid)
		if errors.Is(err, okta.ErrNotFound) {
			diags.AddAttributeError(path.Root("group_ids"), "Okta Group Not Found", fmt.Sprintf("Okta has no group with ID %q.", gid))
			return nil, false
		}
		if err != nil {
			diags.AddAttributeError(path.Root("group_ids"), "Unable to Read Okta Group Members", fmt.Sprintf("Group %s: %s", gid, err))
			return nil, false
		}
		groups = append(groups, members)
	}
	return memberFederationIDs(groups, m.FederationIDAttribute.ValueString()), true
}

// assignable splits desired into the Federation IDs an active Salesforce user holds (they can be assigned
// now) and the others, which wait for their user (created by provisioning or at first sign-in).
func assignable(ctx context.Context, sf *salesforce.Client, m *bindingModel, desired []string, diags *diag.Diagnostics) (ready, waiting []string, ok bool) {
	users, err := usersByFederationID(ctx, sf, desired)
	if err != nil {
		diags.AddError("Unable to Read Salesforce Users", fmt.Sprintf("Looking up %d Federation IDs in org %q: %s", len(desired), m.SalesforceOrg.ValueString(), err))
		return nil, nil, false
	}
	ready = withActiveUser(desired, users)
	waiting, _ = diffSets(desired, ready)
	return ready, waiting, true
}

// converge makes Salesforce hold the planned assignments and leaves in m what it holds afterwards: a
// record Salesforce refuses is reported with its Federation ID while the others are applied and saved.
func (r *permissionSetBindingResource) converge(ctx context.Context, m *bindingModel, op string, diags *diag.Diagnostics) {
	desired, known := setStrings(m.AssignedFederationIDs)
	m.AssignedFederationIDs = types.SetUnknown(types.StringType)
	_, sf := r.clients.OrgOf(m.SalesforceOrg, diags)
	if sf == nil {
		return
	}
	target, err := lookupTarget(ctx, sf, m)
	if err != nil {
		targetDiag(diags, m, err)
		return
	}
	m.ID = types.StringValue(bindingID(m))
	if !known { // group IDs were unknown at plan time
		oc := r.clients.OktaClient(diags)
		if oc == nil {
			return
		}
		if desired, known = desiredFederationIDs(ctx, oc, m, diags); !known {
			return
		}
	}
	ready, waiting, ok := assignable(ctx, sf, m, desired, diags)
	if !ok {
		return
	}
	current, err := sf.ListFederatedAssignments(ctx, target)
	if err != nil {
		diags.AddError("Unable to "+op+" Permission Set Binding", fmt.Sprintf("Reading the assignments of %s: %s", m.ID.ValueString(), err))
		return
	}
	add, _ := diffSets(ready, assignedIDs(current))
	_, remove := diffSets(desired, assignedIDs(current))
	held := map[string]bool{}
	for _, a := range current {
		held[a.FederationID] = true
	}
	dropping := map[string]bool{}
	for _, fid := range remove {
		dropping[fid] = true
	}
	var stale []salesforce.Assignment
	for _, a := range current {
		if dropping[a.FederationID] {
			stale = append(stale, a)
		}
	}
	for fid := range removeAssignments(ctx, sf, stale, op, diags) {
		delete(held, fid)
	}
	for _, fid := range addAssignments(ctx, sf, target, add, diags) {
		held[fid] = true
	}
	for _, fid := range waiting { // members without a user yet count as bound: nothing to do until they have one
		held[fid] = true
	}
	m.AssignedFederationIDs = stringSet(keys(held))
}

// addAssignments assigns target to the users of fids in Collections calls and returns the Federation
// IDs that hold it afterwards; every failure is an error naming its Federation ID.
func addAssignments(ctx context.Context, sf *salesforce.Client, target salesforce.AssignmentTarget, fids []string, diags *diag.Diagnostics) []string {
	if len(fids) == 0 {
		return nil
	}
	users, err := usersByFederationID(ctx, sf, fids)
	if err != nil {
		diags.AddError("Unable to Assign Permission Set", fmt.Sprintf("Looking up the users of %d Federation IDs: %s", len(fids), err))
		return nil
	}
	var ids, forIDs []string
	for _, fid := range fids {
		u, ok := users[fid]
		if !ok || !u.IsActive {
			diags.AddError("Unable to Assign Permission Set", fmt.Sprintf("Federation ID %q: Salesforce has no active user with it any more.", fid))
			continue
		}
		ids, forIDs = append(ids, u.ID), append(forIDs, fid)
	}
	res, err := sf.AddAssignments(ctx, target, ids)
	if err != nil {
		diags.AddError("Unable to Assign Permission Set", fmt.Sprintf("Assigning %s to %d users: %s", target, len(ids), err))
	}
	var done []string
	for i, rr := range res {
		if i >= len(forIDs) {
			break
		}
		if err := rr.Err(); err != nil && !errors.Is(err, salesforce.ErrDuplicate) {
			diags.AddError("Unable to Assign Permission Set",
				fmt.Sprintf("Federation ID %q (user %s): %s. The other assignments were made; the next plan shows this one again.", forIDs[i], ids[i], err))
			continue
		}
		done = append(done, forIDs[i])
	}
	return done
}

// removeAssignments deletes the assignments and returns the Federation IDs that no longer hold them.
func removeAssignments(ctx context.Context, sf *salesforce.Client, as []salesforce.Assignment, op string, diags *diag.Diagnostics) map[string]bool {
	gone := map[string]bool{}
	if len(as) == 0 {
		return gone
	}
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	res, err := sf.RemoveAssignments(ctx, ids)
	if err != nil {
		diags.AddError("Unable to "+op+" Permission Set Binding", fmt.Sprintf("Removing %d assignments: %s", len(ids), err))
	}
	for i, rr := range res {
		if i >= len(as) {
			break
		}
		if err := rr.Err(); err != nil && !errors.Is(err, salesforce.ErrNotFound) {
			diags.AddError("Unable to Remove Permission Set Assignment",
				fmt.Sprintf("Federation ID %q (assignment %s): %s", as[i].FederationID, as[i].ID, err))
			continue
		}
		gone[as[i].FederationID] = true
	}
	return gone
}

// entitledStatuses are the Okta user statuses that keep Salesforce permissions; deactivated and
// suspended users lose them.
func entitled(status string) bool {
	return status != "DEPROVISIONED" && status != "SUSPENDED"
}

// federationIDOf is the value of the user's attribute that Salesforce holds as Federation ID.
func federationIDOf(m okta.GroupMember, attribute string) string {
	switch attribute {
	case "", "login":
		return m.Login
	case "email":
		if m.Email != "" {
			return m.Email
		}
	}
	if s, ok := m.Profile[attribute].(string); ok {
		return s
	}
	return ""
}

// memberFederationIDs returns the Federation IDs of the entitled members of all groups, each once, sorted.
func memberFederationIDs(groups [][]okta.GroupMember, attribute string) []string {
	seen := map[string]bool{}
	for _, members := range groups {
		for _, m := range members {
			if fid := federationIDOf(m, attribute); fid != "" && entitled(m.Status) {
				seen[fid] = true
			}
		}
	}
	return keys(seen)
}

// withActiveUser keeps the Federation IDs that an active Salesforce user holds exactly.
func withActiveUser(fids []string, users map[string]salesforce.FederatedUser) []string {
	out := []string{}
	for _, fid := range fids {
		if u, ok := users[fid]; ok && u.IsActive && u.FederationID == fid {
			out = append(out, fid)
		}
	}
	return out
}

// diffSets returns what desired has that current lacks, and the reverse, both sorted.
func diffSets(desired, current []string) (add, remove []string) {
	want, have := map[string]bool{}, map[string]bool{}
	for _, v := range desired {
		want[v] = true
	}
	for _, v := range current {
		have[v] = true
	}
	for v := range want {
		if !have[v] {
			add = append(add, v)
		}
	}
	for v := range have {
		if !want[v] {
			remove = append(remove, v)
		}
	}
	sort.Strings(add)
	sort.Strings(remove)
	return add, remove
}

// changeSummary is the plan warning: counts, then the first few Federation IDs of each side.
func changeSummary(id string, add, remove []string, few int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: +%d −%d assignments.", id, len(add), len(remove))
	list := func(label string, ids []string) {
		if len(ids) == 0 {
			return
		}
		shown := ids[:min(len(ids), few)]
		fmt.Fprintf(&b, " %s: %s", label, strings.Join(shown, ", "))
		if len(ids) > few {
			fmt.Fprintf(&b, " and %d more", len(ids)-few)
		}
		b.WriteString(".")
	}
	list("Adds", add)
	list("Removes", remove)
	return b.String()
}

func assignedIDs(as []salesforce.Assignment) []string {
	seen := map[string]bool{}
	for _, a := range as {
		seen[a.FederationID] = true
	}
	return keys(seen)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func stringSet(values []string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}

// setStrings returns a set's strings sorted; known is false for an unknown set or element.
func setStrings(s types.Set) (values []string, known bool) {
	if s.IsUnknown() {
		return nil, false
	}
	for _, e := range s.Elements() {
		str, ok := e.(types.String)
		if !ok || str.IsUnknown() {
			return nil, false
		}
		values = append(values, str.ValueString())
	}
	sort.Strings(values)
	return values, true
}
