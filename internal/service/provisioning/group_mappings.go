package provisioning

// What provisioning knows of the app's oktasf_group_mapping resources (group_mappings): the profile and role
// of each group as configured. Plan compares them with Okta's assignments: when a mapping is about to change
// Okta (created, re-created or given a new profile or role) the users' outcome is left to apply, which
// Terraform orders after the mappings it references; a mapping removed from group_mappings has its members
// (unless another assigned group holds them) counted as leavers, as they are once its destroy follows.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// groupMappingModel is one element of group_mappings.
type groupMappingModel struct {
	GroupID types.String `tfsdk:"group_id"`
	Profile types.String `tfsdk:"profile"`
	Role    types.String `tfsdk:"role"`
}

// groupMappingsOf reads group_mappings; known is false while any element is unknown (a mapping being created).
func groupMappingsOf(ctx context.Context, set types.Set) (mappings []groupMappingModel, known bool, diags diag.Diagnostics) {
	if set.IsUnknown() {
		return nil, false, nil
	}
	if set.IsNull() {
		return nil, true, nil
	}
	diags.Append(set.ElementsAs(ctx, &mappings, false)...)
	for _, m := range mappings {
		if m.GroupID.IsUnknown() || m.Profile.IsUnknown() || m.Role.IsUnknown() {
			return nil, false, diags
		}
	}
	return mappings, true, diags
}

// removedGroups are the group IDs of prior's group_mappings that plan no longer lists, sorted.
func removedGroups(ctx context.Context, prior, plan types.Set) []string {
	before, _, _ := groupMappingsOf(ctx, prior)
	after, known, _ := groupMappingsOf(ctx, plan)
	if !known || len(before) == 0 {
		return nil
	}
	kept := map[string]bool{}
	for _, m := range after {
		kept[m.GroupID.ValueString()] = true
	}
	var out []string
	for _, m := range before {
		if !kept[m.GroupID.ValueString()] {
			out = append(out, m.GroupID.ValueString())
		}
	}
	sort.Strings(out)
	return out
}

// mappingChanges describes each mapping whose group Okta does not yet assign to the app as configured.
func (e *engine) mappingChanges(ctx context.Context, appID string, mappings []groupMappingModel) ([]string, error) {
	if len(mappings) == 0 {
		return nil, nil
	}
	assigned, err := e.assignments(ctx, appID)
	if err != nil {
		return nil, fmt.Errorf("listing the group assignments of Okta app %s: %w", appID, err)
	}
	byGroup := map[string]okta.AppGroupAssignment{}
	for _, a := range assigned {
		byGroup[a.GroupID] = a
	}
	var out []string
	for _, m := range mappings {
		a, ok := byGroup[m.GroupID.ValueString()]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("group %s is not assigned to the app yet", m.GroupID.ValueString()))
		case !strings.EqualFold(valueString(a.Profile[appUserProfileKey]), m.Profile.ValueString()) ||
			!strings.EqualFold(valueString(a.Profile[appUserRoleKey]), m.Role.ValueString()):
			out = append(out, fmt.Sprintf("group %s changes from profile %q, role %q to profile %q, role %q", m.GroupID.ValueString(),
				valueString(a.Profile[appUserProfileKey]), valueString(a.Profile[appUserRoleKey]), m.Profile.ValueString(), m.Role.ValueString()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// withoutRemovedGroups drops the app users assigned only through groups being removed: group-scoped app users
// who are members of no other group assigned to the app. It reads memberships only when a removed group is
// still assigned.
func (e *engine) withoutRemovedGroups(ctx context.Context, appID string, removed []string, users []okta.AppUserWithUser) ([]okta.AppUserWithUser, error) {
	if len(removed) == 0 {
		return users, nil
	}
	assigned, err := e.assignments(ctx, appID)
	if err != nil {
		return nil, fmt.Errorf("listing the group assignments of Okta app %s: %w", appID, err)
	}
	gone := map[string]bool{}
	for _, g := range removed {
		gone[g] = true
	}
	stillAssigned := false
	kept := map[string]bool{} // user IDs of the members of the groups that stay
	for _, a := range assigned {
		if gone[a.GroupID] {
			stillAssigned = true
			continue
		}
		members, err := e.groupMembers(ctx, a.GroupID)
		if err != nil {
			return nil, fmt.Errorf("listing the members of Okta group %s: %w", a.GroupID, err)
		}
		for _, m := range members {
			kept[m.ID] = true
		}
	}
	if !stillAssigned {
		return users, nil
	}
	out := make([]okta.AppUserWithUser, 0, len(users))
	for _, u := range users {
		if strings.EqualFold(u.Scope, "GROUP") && !kept[u.ID] {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// assignments and groupMembers share the mappings' reads through the configuration's caches.
func (e *engine) assignments(ctx context.Context, appID string) ([]okta.AppGroupAssignment, error) {
	return e.clients.Caches.Okta.AppGroupAssignments.Get(ctx, appID, func(ctx context.Context) ([]okta.AppGroupAssignment, error) {
		return e.clients.Okta.ListAppGroupAssignments(ctx, appID)
	})
}

func (e *engine) groupMembers(ctx context.Context, groupID string) ([]okta.GroupMember, error) {
	return e.clients.Caches.Okta.GroupMembers.Get(ctx, groupID, func(ctx context.Context) ([]okta.GroupMember, error) {
		return e.clients.Okta.ListGroupMembers(ctx, groupID)
	})
}
