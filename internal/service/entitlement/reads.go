package entitlement

import (
	"context"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// The reads that mappings, bindings and look-ups share through the configuration's caches (conns.Caches,
// which also says when they are forgotten).

// appAssignments lists all group assignments of an app (one this configuration created starts with none,
// see conns.Caches.NoteNewApp).
func appAssignments(ctx context.Context, c *conns.Clients, appID string) ([]okta.AppGroupAssignment, error) {
	return c.Caches.Okta.AppGroupAssignments.Get(ctx, appID, func(ctx context.Context) ([]okta.AppGroupAssignment, error) {
		return c.Okta.ListAppGroupAssignments(ctx, appID)
	})
}

// beginWrite records the priority a write of a group's assignment asks for (see conns.AssignmentWrites),
// judged against the app's cached list, which the look before the write read. Call end when the write has
// its answer.
func beginWrite(ctx context.Context, c *conns.Clients, appID, groupID string, priority *int) (end func()) {
	all, err := appAssignments(ctx, c, appID)
	if err != nil { // nothing to judge by: take the list as stale
		c.Caches.AssignmentWrites.NoteRenumbering(appID)
	}
	highest := -1
	for _, a := range all {
		highest = max(highest, a.Priority)
	}
	held := func(p int) bool {
		for _, a := range all {
			if a.GroupID != groupID && a.Priority == p {
				return true
			}
		}
		return false
	}
	return c.Caches.AssignmentWrites.Begin(appID, priority, held, highest)
}

// assignmentsAfterWrite lists the app's assignments as they stand after a write of this configuration: the
// cached list, which every write updates with its answer, while no write may have made Okta renumber the
// app's groups (then the numbers it holds are Okta's, and so is the order); otherwise a list read after
// the write.
func assignmentsAfterWrite(ctx context.Context, c *conns.Clients, appID string) ([]okta.AppGroupAssignment, error) {
	if c.Caches.AssignmentWrites.Renumbering(appID) {
		c.Caches.ForgetAppAssignments(appID)
	}
	return appAssignments(ctx, c, appID)
}

// noteAssignment puts what Okta answered to a write of one group's assignment into the app's cached list,
// so that the other mappings of the app need not list it again. A write that took a priority another
// group held renumbered the others, which the answer does not show: the list is then forgotten.
func noteAssignment(c *conns.Clients, appID string, written okta.AppGroupAssignment) {
	c.Caches.Snapshots.ForgetAll() // the app's users may have changed
	c.Caches.Okta.AppGroupAssignments.Update(appID, func(all []okta.AppGroupAssignment) ([]okta.AppGroupAssignment, bool) {
		out := make([]okta.AppGroupAssignment, 0, len(all)+1)
		for _, a := range all {
			switch {
			case a.GroupID == written.GroupID:
				continue
			case a.Priority == written.Priority:
				c.Caches.AssignmentWrites.NoteRenumbering(appID)
				return nil, false
			}
			out = append(out, a)
		}
		return append(out, written), true
	})
}

// noteUnassigned takes a group out of the app's cached list after its assignment was deleted (Okta leaves
// the other priorities as they are).
func noteUnassigned(c *conns.Clients, appID, groupID string) {
	c.Caches.Snapshots.ForgetAll() // the app's users may have changed
	c.Caches.Okta.AppGroupAssignments.Update(appID, func(all []okta.AppGroupAssignment) ([]okta.AppGroupAssignment, bool) {
		out := make([]okta.AppGroupAssignment, 0, len(all))
		for _, a := range all {
			if a.GroupID != groupID {
				out = append(out, a)
			}
		}
		return out, true
	})
}

// ensureAppUserSchema makes sure the app's user schema has the profile and role properties that group
// assignments carry, once per app.
func ensureAppUserSchema(ctx context.Context, c *conns.Clients, appID string) error {
	_, err := c.Caches.Okta.AppUserSchemas.Get(ctx, appID, func(ctx context.Context) (struct{}, error) {
		if app, created := c.Caches.CreatedApp(appID); created && app.Custom { // nothing to read: it has no custom property yet
			return struct{}{}, c.Okta.AddAppUserProperties(ctx, appID, keyProfile, keyRole)
		}
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
// IDs no earlier call has looked up, or listing every federated user once when that costs about as much
// (judged by the user count of the run's user marker, when read).
func usersByFederationID(ctx context.Context, org *conns.Org, fids []string) (map[string]salesforce.FederatedUser, error) {
	return org.Reads.UsersByFederationID.Lookup(ctx, fids, conns.UserQueries{
		ByFederationID: org.Client.UsersByFederationID,
		All:            org.Client.AllUsersByFederationID,
		UserCount: func() (int, bool) {
			m, ok := org.Reads.UserMarker.Peek("")
			return m.Count, ok
		},
	})
}
