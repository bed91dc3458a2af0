package entitlement

import (
	"context"
	"sync"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// memo holds one value read once per key and shared by every caller; concurrent callers of a key that is
// being read wait for that read instead of issuing their own. Failed reads are not kept.
type memo[V any] struct {
	mu      sync.Mutex
	entries map[string]*memoEntry[V]
}

type memoEntry[V any] struct {
	done chan struct{}
	val  V
	err  error
}

func (m *memo[V]) get(ctx context.Context, key string, read func(context.Context) (V, error)) (V, error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*memoEntry[V]{}
	}
	e, ok := m.entries[key]
	if !ok {
		e = &memoEntry[V]{done: make(chan struct{})}
		m.entries[key] = e
		m.mu.Unlock()
		e.val, e.err = read(ctx)
		if e.err != nil {
			m.mu.Lock()
			if m.entries[key] == e {
				delete(m.entries, key)
			}
			m.mu.Unlock()
		}
		close(e.done)
		return e.val, e.err
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// forget drops key so that the next get reads it again.
func (m *memo[V]) forget(key string) {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
}

// oktaReads are the Okta reads that many resources of one configuration share: a plan with 40 mappings
// of one app reads the app's assignments once, and bindings over the same groups read each group once.
type oktaReads struct {
	assignments memo[[]okta.AppGroupAssignment] // by app ID
	members     memo[[]okta.GroupMember]        // by group ID
	schemas     memo[struct{}]                  // app IDs whose app-user schema has profile and role
}

// salesforceReads are the Salesforce reads shared the same way; names of profiles, roles and permission
// sets do not change while Terraform runs, and users are looked up by Federation ID once each.
type salesforceReads struct {
	profiles memo[[]salesforce.Profile]
	roles    memo[[]salesforce.Role]
	sets     memo[[]salesforce.PermissionSet]
	groups   memo[[]salesforce.PermissionSetGroup]

	usersMu sync.Mutex
	users   map[string]*salesforce.FederatedUser // by Federation ID; nil value = no such user
}

// Caches are keyed by client pointer: every provider configuration (and so every terraform command)
// builds new clients, so nothing read by one run leaks into the next.
var (
	oktaCaches       sync.Map // *okta.Client → *oktaReads
	salesforceCaches sync.Map // *salesforce.Client → *salesforceReads
)

func oktaCache(c *okta.Client) *oktaReads {
	v, _ := oktaCaches.LoadOrStore(c, &oktaReads{})
	return v.(*oktaReads)
}

func salesforceCache(c *salesforce.Client) *salesforceReads {
	v, _ := salesforceCaches.LoadOrStore(c, &salesforceReads{})
	return v.(*salesforceReads)
}

// appAssignments lists all group assignments of an app, once per client until forgotten.
func appAssignments(ctx context.Context, c *okta.Client, appID string) ([]okta.AppGroupAssignment, error) {
	return oktaCache(c).assignments.get(ctx, appID, func(ctx context.Context) ([]okta.AppGroupAssignment, error) {
		return c.ListAppGroupAssignments(ctx, appID)
	})
}

// forgetAppAssignments is called after writing to an app's assignments.
func forgetAppAssignments(c *okta.Client, appID string) { oktaCache(c).assignments.forget(appID) }

// groupMembers lists all members of a group, once per client.
func groupMembers(ctx context.Context, c *okta.Client, groupID string) ([]okta.GroupMember, error) {
	return oktaCache(c).members.get(ctx, groupID, func(ctx context.Context) ([]okta.GroupMember, error) {
		return c.ListGroupMembers(ctx, groupID)
	})
}

// ensureAppUserSchema makes sure the app's user schema has the profile and role properties that group
// assignments carry, once per app and client.
func ensureAppUserSchema(ctx context.Context, c *okta.Client, appID string) error {
	_, err := oktaCache(c).schemas.get(ctx, appID, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.EnsureAppUserProperties(ctx, appID, "profile", "role")
	})
	return err
}

func profiles(ctx context.Context, c *salesforce.Client) ([]salesforce.Profile, error) {
	return salesforceCache(c).profiles.get(ctx, "", c.ListProfiles)
}

func roles(ctx context.Context, c *salesforce.Client) ([]salesforce.Role, error) {
	return salesforceCache(c).roles.get(ctx, "", c.ListRoles)
}

func permissionSets(ctx context.Context, c *salesforce.Client) ([]salesforce.PermissionSet, error) {
	return salesforceCache(c).sets.get(ctx, "", c.ListPermissionSets)
}

func permissionSetGroups(ctx context.Context, c *salesforce.Client) ([]salesforce.PermissionSetGroup, error) {
	return salesforceCache(c).groups.get(ctx, "", c.ListPermissionSetGroups)
}

// usersByFederationID returns the users of the given Federation IDs (matched exactly), querying only the
// IDs no earlier call has looked up.
func usersByFederationID(ctx context.Context, c *salesforce.Client, fids []string) (map[string]salesforce.FederatedUser, error) {
	cache := salesforceCache(c)
	cache.usersMu.Lock()
	defer cache.usersMu.Unlock() // one lookup at a time keeps two bindings from querying the same IDs
	if cache.users == nil {
		cache.users = map[string]*salesforce.FederatedUser{}
	}
	var missing []string
	for _, fid := range fids {
		if _, known := cache.users[fid]; !known {
			missing = append(missing, fid)
		}
	}
	if len(missing) > 0 {
		found, err := c.UsersByFederationID(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, fid := range missing {
			cache.users[fid] = nil
		}
		for fid, u := range found {
			cache.users[fid] = &u
		}
	}
	out := make(map[string]salesforce.FederatedUser, len(fids))
	for _, fid := range fids {
		if u := cache.users[fid]; u != nil {
			out[fid] = *u
		}
	}
	return out, nil
}
