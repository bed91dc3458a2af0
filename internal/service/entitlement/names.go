package entitlement

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// errNotAssignable marks a permission set that exists but cannot be bound: a profile's or a group's.
var errNotAssignable = errors.New("not assignable")

// errAmbiguous marks a name that several objects of the org carry: picking one would be a guess.
var errAmbiguous = errors.New("ambiguous name")

// oktaGroupIDPattern is an Okta group ID: 00g and 17 letters or digits. Checked in the schema, so that no
// other value reaches a URL path.
var oktaGroupIDPattern = regexp.MustCompile(`^00g[A-Za-z0-9]{17}$`)

func oktaGroupIDValidator() validator.String {
	return stringvalidator.RegexMatches(oktaGroupIDPattern, "must be an Okta group ID (00g followed by 17 letters or digits, for example 00g1emaKYZTWRYYRRTSK)")
}

// findProfile returns the profile named name, or a *salesforce.NameNotFoundError with suggestions.
func findProfile(ctx context.Context, org *conns.Org, name string) (*salesforce.Profile, error) {
	all, err := profiles(ctx, org)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	var found []int
	for i, p := range all {
		if p.Name == name {
			found = append(found, i)
		}
		names[i] = p.Name
	}
	switch {
	case len(found) == 1:
		return &all[found[0]], nil
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, f := range found {
			ids[i] = all[f].ID
		}
		return nil, fmt.Errorf("salesforce org %q has %d profiles named %q (%s): rename all but one in Salesforce: %w",
			org.Alias, len(found), name, strings.Join(ids, ", "), errAmbiguous)
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
	var found []int
	for i, r := range all {
		if r.Name == name {
			found = append(found, i)
		}
		names[i] = r.Name
	}
	switch {
	case len(found) == 1:
		return &all[found[0]], nil
	case len(found) > 1:
		candidates := make([]string, len(found))
		for i, f := range found {
			candidates[i] = fmt.Sprintf("%s (%s)", all[f].DeveloperName, all[f].ID)
		}
		return nil, fmt.Errorf("salesforce org %q has %d roles named %q: %s. Name the role by its DeveloperName (API name) instead: %w",
			org.Alias, len(found), name, strings.Join(candidates, ", "), errAmbiguous)
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
	return errors.As(err, &nf) || errors.Is(err, errNotAssignable) || errors.Is(err, errAmbiguous)
}
