package entitlement

import (
	"context"
	"errors"
	"fmt"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// errNotAssignable marks a permission set that exists but cannot be bound: a profile's or a group's.
var errNotAssignable = errors.New("not assignable")

// findProfile returns the profile named name, or a *salesforce.NameNotFoundError with suggestions.
func findProfile(ctx context.Context, org *conns.Org, name string) (*salesforce.Profile, error) {
	all, err := profiles(ctx, org)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	for i, p := range all {
		if p.Name == name {
			return &all[i], nil
		}
		names[i] = p.Name
	}
	return nil, org.Client.NewNameNotFoundError("profile", name, names)
}

// findRole returns the role named name (its label, as Setup shows it) or whose DeveloperName is name.
func findRole(ctx context.Context, org *conns.Org, name string) (*salesforce.Role, error) {
	all, err := roles(ctx, org)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	for i, r := range all {
		if r.Name == name {
			return &all[i], nil
		}
		names[i] = r.Name
	}
	for i, r := range all {
		if r.DeveloperName == name {
			return &all[i], nil
		}
	}
	return nil, org.Client.NewNameNotFoundError("role", name, names)
}

// findPermissionSet returns the assignable permission set with API name name. A profile-owned or group
// aggregate set of that name is errNotAssignable; no set is a NameNotFoundError.
func findPermissionSet(ctx context.Context, org *conns.Org, name string) (*salesforce.PermissionSet, error) {
	all, err := permissionSets(ctx, org)
	if err != nil {
		return nil, err
	}
	var names []string
	for i, ps := range all {
		if ps.Name == name {
			switch {
			case ps.IsOwnedByProfile:
				return &all[i], fmt.Errorf("permission set %q (%s) is owned by a profile and changes only with the profile: %w", name, ps.ID, errNotAssignable)
			case ps.PermissionSetGroupID != "":
				return &all[i], fmt.Errorf("permission set %q (%s) is the aggregate of permission set group %s: bind the group with permission_set_group instead: %w",
					name, ps.ID, ps.PermissionSetGroupID, errNotAssignable)
			}
			return &all[i], nil
		}
		if ps.Assignable() {
			names = append(names, ps.Name)
		}
	}
	return nil, org.Client.NewNameNotFoundError("permission set", name, names)
}

// findPermissionSetGroup returns the permission set group with DeveloperName name.
func findPermissionSetGroup(ctx context.Context, org *conns.Org, name string) (*salesforce.PermissionSetGroup, error) {
	all, err := permissionSetGroups(ctx, org)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	for i, g := range all {
		if g.DeveloperName == name {
			return &all[i], nil
		}
		names[i] = g.DeveloperName
	}
	return nil, org.Client.NewNameNotFoundError("permission set group", name, names)
}

// isNameError tells a wrong name (an input problem for the attribute) from a failed read.
func isNameError(err error) bool {
	var nf *salesforce.NameNotFoundError
	return errors.As(err, &nf) || errors.Is(err, errNotAssignable)
}
