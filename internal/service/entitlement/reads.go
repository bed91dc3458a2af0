package entitlement

import (
	"context"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// The reads that mappings, bindings and look-ups share through the configuration's caches (conns.Caches,
// which also says when they are forgotten).

// appAssignments lists all group assignments of an app.
func appAssignments(ctx context.Context, c *conns.Clients, appID string) ([]okta.AppGroupAssignment, error) {
	return c.Caches.Okta.AppGroupAssignments.Get(ctx, appID, func(ctx context.Context) ([]okta.AppGroupAssignment, error) {
		return c.Okta.ListAppGroupAssignments(ctx, appID)
	})
}

// groupMembers lists all members of a group.
func groupMembers(ctx context.Context, c *conns.Clients, groupID string) ([]okta.GroupMember, error) {
	return c.Caches.Okta.GroupMembers.Get(ctx, groupID, func(ctx context.Context) ([]okta.GroupMember, error) {
		return c.Okta.ListGroupMembers(ctx, groupID)
	})
}

// ensureAppUserSchema makes sure the app's user schema has the profile and role properties that group
// assignments carry, once per app.
func ensureAppUserSchema(ctx context.Context, c *conns.Clients, appID string) error {
	_, err := c.Caches.Okta.AppUserSchemas.Get(ctx, appID, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.Okta.EnsureAppUserProperties(ctx, appID, keyProfile, keyRole)
	})
	return err
}

func profiles(ctx context.Context, org *conns.Org) ([]salesforce.Profile, error) {
	return org.Reads.Profiles.Get(ctx, "", org.Client.ListProfiles)
}

func roles(ctx context.Context, org *conns.Org) ([]salesforce.Role, error) {
	return org.Reads.Roles.Get(ctx, "", org.Client.ListRoles)
}

func permissionSets(ctx context.Context, org *conns.Org) ([]salesforce.PermissionSet, error) {
	return org.Reads.PermissionSets.Get(ctx, "", org.Client.ListPermissionSets)
}

func permissionSetGroups(ctx context.Context, org *conns.Org) ([]salesforce.PermissionSetGroup, error) {
	return org.Reads.PermissionSetGroups.Get(ctx, "", org.Client.ListPermissionSetGroups)
}

// usersByFederationID returns the users of the given Federation IDs (matched exactly), querying only the
// IDs no earlier call has looked up.
func usersByFederationID(ctx context.Context, org *conns.Org, fids []string) (map[string]salesforce.FederatedUser, error) {
	return org.Reads.UsersByFederationID.Lookup(ctx, fids, org.Client.UsersByFederationID)
}
