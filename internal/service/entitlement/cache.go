package entitlement

import (
	"context"
	"runtime"
	"sync"
	"weak"

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
	done    chan struct{} // closed when val and err are set
	val     V
	err     error
	waiters int                // callers waiting on done; when the last one gives up, the read is cancelled
	cancel  context.CancelFunc // cancels the read
}

// get returns key's value, reading it with read if no earlier or concurrent caller has. The read runs on its
// own, under the first caller's context values but not its cancellation: a caller whose context ends stops
// waiting and gets its context's error without failing the others, and the read is cancelled only once no
// caller waits for it.
func (m *memo[V]) get(ctx context.Context, key string, read func(context.Context) (V, error)) (V, error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*memoEntry[V]{}
	}
	e, ok := m.entries[key]
	if !ok {
		readCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		e = &memoEntry[V]{done: make(chan struct{}), cancel: cancel}
		m.entries[key] = e
		go m.run(readCtx, key, e, read)
	}
	e.waiters++
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		m.leave(key, e)
		var zero V
		return zero, ctx.Err()
	}
}

// run reads key's value for e and publishes it to e's waiters.
func (m *memo[V]) run(ctx context.Context, key string, e *memoEntry[V], read func(context.Context) (V, error)) {
	val, err := read(ctx)
	m.mu.Lock()
	e.val, e.err = val, err
	if err != nil && m.entries[key] == e {
		delete(m.entries, key)
	}
	close(e.done)
	m.mu.Unlock()
	e.cancel()
}

// leave records that a waiter gave up; the last one to leave a read still in flight cancels it and drops it,
// so that the next caller starts a read of its own.
func (m *memo[V]) leave(key string, e *memoEntry[V]) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.waiters--
	select {
	case <-e.done:
		return
	default:
	}
	if e.waiters == 0 {
		if m.entries[key] == e {
			delete(m.entries, key)
		}
		e.cancel()
	}
}

// forget drops key so that the next get reads it again.
func (m *memo[V]) forget(key string) {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
}

// perClient holds one value per client for as long as the client lives. Every provider configuration builds
// its own clients, so a value is never shared by two configurations (or two terraform commands), and it is
// dropped when the configuration's clients are collected. Keys are weak so that the registry itself keeps
// no client, and no value, alive.
type perClient[C, V any] struct {
	values sync.Map // weak.Pointer[C] → *V
}

func (p *perClient[C, V]) of(c *C) *V {
	key := weak.Make(c)
	if v, ok := p.values.Load(key); ok {
		return v.(*V)
	}
	v, loaded := p.values.LoadOrStore(key, new(V))
	if !loaded {
		runtime.AddCleanup(c, func(key weak.Pointer[C]) { p.values.Delete(key) }, key)
	}
	return v.(*V)
}

// oktaReads are the Okta reads that many resources of one configuration share: a plan with 40 mappings
// of one app reads the app's assignments once, and bindings over the same groups read each group once.
type oktaReads struct {
	assignments memo[[]okta.AppGroupAssignment] // by app ID
	members     memo[[]okta.GroupMember]        // by group ID
	schemas     memo[struct{}]                  // app IDs whose app-user schema has profile and role
}

// salesforceReads are the Salesforce reads shared the same way; names of profiles, roles and permission
// sets do not change while Terraform runs, and users are looked up by Federation ID once each until
// something that writes users (oktasf_user_provisioning) forgets them.
type salesforceReads struct {
	profiles memo[[]salesforce.Profile]
	roles    memo[[]salesforce.Role]
	sets     memo[[]salesforce.PermissionSet]
	groups   memo[[]salesforce.PermissionSetGroup]

	usersMu sync.Mutex
	users   map[string]*salesforce.FederatedUser // by Federation ID; nil value = no such user
}

// ForgetSalesforceUsers drops the users looked up through c. Whatever creates, reactivates, deactivates or
// re-federates users through c calls it after writing, so that a binding applied later in the same run
// finds the users as they are now, not as an earlier lookup found them (missing, or inactive).
func ForgetSalesforceUsers(c *salesforce.Client) {
	cache := salesforceCache(c)
	cache.usersMu.Lock() // waits for a lookup in flight, so that its results are dropped too
	cache.users = nil
	cache.usersMu.Unlock()
}

// The reads of each client; a client is one provider configuration's connection to Okta or to one org.
var (
	oktaCaches       perClient[okta.Client, oktaReads]
	salesforceCaches perClient[salesforce.Client, salesforceReads]
)

func oktaCache(c *okta.Client) *oktaReads { return oktaCaches.of(c) }

func salesforceCache(c *salesforce.Client) *salesforceReads { return salesforceCaches.of(c) }

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
