package conns

import (
	"context"
	"strings"
	"sync"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// Caches are the reads that the resources and data sources of one provider configuration share: a plan
// with 40 mappings of one app reads the app's assignments once, bindings over the same groups read each
// group once. They hang on Clients, so every provider configuration (every terraform command) has its own
// and they go with its clients. The zero Caches is empty and ready to use.
//
// The invalidation rule, the only one: a cached read stands until a write made through the same
// configuration changes what it read, and that write forgets it before it returns. The writes that do are
// the writes of assignments and of users: ForgetAppAssignments after writing an app's group assignments,
// ForgetUsers after writing an org's users. Everything else cached is a name or a shape Terraform does not
// change (profiles, roles, permission sets and their groups, group members, app-user schemas) and stands
// for the configuration's life.
type Caches struct {
	Okta OktaReads
	// PlannedRotations holds the IDs of the apps whose plan in this configuration rotates the signing key, so
	// that SSO settings naming the app by app_id alone (planned after it) plan the certificate as unknown.
	PlannedRotations sync.Map
	// PlannedUsers holds, by PlannedUserKey, the Federation IDs of the Salesforce users that user provisioning
	// plans to create or reactivate in this configuration ("*" when it cannot say which), so that a permission-set
	// binding planned after it knows that a member still without a user gets one in the same apply.
	PlannedUsers sync.Map

	mu   sync.Mutex
	orgs map[string]*OrgReads // by org alias
}

// OktaReads are the Okta org's cached reads.
type OktaReads struct {
	AppGroupAssignments Memo[[]okta.AppGroupAssignment] // by app ID (group mappings)
	GroupMembers        Memo[[]okta.GroupMember]        // by group ID (permission set bindings)
	AppUserSchemas      Memo[struct{}]                  // by app ID: schemas known to hold profile and role
	AppUsers            Memo[[]okta.AppUserWithUser]    // by app ID (user provisioning)
	UserSchema          Memo[okta.UserSchema]           // key "": the default user schema (attribute type checks)
}

// OrgReads are one Salesforce org's cached reads.
type OrgReads struct {
	// Names, for the look-ups, group mappings and permission set bindings.
	Profiles            Memo[[]salesforce.Profile]
	Roles               Memo[[]salesforce.Role]
	PermissionSets      Memo[[]salesforce.PermissionSet]
	PermissionSetGroups Memo[[]salesforce.PermissionSetGroup]
	// Provisioning has always read profiles and roles for itself; sharing the two above would save a
	// request per org and command, and so move the request counts the README quotes (a change of its own).
	ProvisioningProfiles Memo[[]salesforce.Profile]
	ProvisioningRoles    Memo[[]salesforce.Role]

	// Users, which provisioning writes.
	FederatedUsers      Memo[[]salesforce.UserRecord] // by field list (user provisioning)
	UsersByFederationID UserLookups                   // permission set bindings
}

// Org returns the reads of the org with alias, made on first use.
func (c *Caches) Org(alias string) *OrgReads {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.orgs == nil {
		c.orgs = map[string]*OrgReads{}
	}
	r, ok := c.orgs[alias]
	if !ok {
		r = new(OrgReads)
		c.orgs[alias] = r
	}
	return r
}

// ForgetAppAssignments is called by whatever writes an app's group assignments, after writing.
func (c *Caches) ForgetAppAssignments(appID string) {
	c.Okta.AppGroupAssignments.Forget(appID)
}

// ForgetUsers is called by whatever creates, updates, deactivates, reactivates or re-federates users of
// org, after writing: the org's user reads go, and with them the Okta app users they were matched with, so
// that a binding or a provisioning applied later in the same run finds the users as they are now.
func (c *Caches) ForgetUsers(org *Org) {
	c.Okta.AppUsers.ForgetAll()
	org.Reads.FederatedUsers.ForgetAll()
	org.Reads.UsersByFederationID.forget()
}

// UserLookups are users looked up by Federation ID, each ID queried once until forgotten.
type UserLookups struct {
	mu    sync.Mutex
	users map[string]*salesforce.FederatedUser // nil value: no such user
}

// Lookup returns the users of the given Federation IDs (matched exactly), querying with query only the IDs
// no earlier call has looked up. One lookup runs at a time, so that two callers never query the same IDs.
func (l *UserLookups) Lookup(ctx context.Context, fids []string,
	query func(context.Context, []string) (map[string]salesforce.FederatedUser, error)) (map[string]salesforce.FederatedUser, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.users == nil {
		l.users = map[string]*salesforce.FederatedUser{}
	}
	var missing []string
	for _, fid := range fids {
		if _, known := l.users[fid]; !known {
			missing = append(missing, fid)
		}
	}
	if len(missing) > 0 {
		found, err := query(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, fid := range missing {
			l.users[fid] = nil
		}
		for fid, u := range found {
			l.users[fid] = &u
		}
	}
	out := make(map[string]salesforce.FederatedUser, len(fids))
	for _, fid := range fids {
		if u := l.users[fid]; u != nil {
			out[fid] = *u
		}
	}
	return out, nil
}

// Len is the number of Federation IDs looked up and kept.
func (l *UserLookups) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
}

// forget drops every lookup; it waits for one in flight, so that its results are dropped too.
func (l *UserLookups) forget() {
	l.mu.Lock()
	l.users = nil
	l.mu.Unlock()
}

// PlannedUserKey is the PlannedUsers key of a Federation ID ("*" for any) in the org with this alias.
func PlannedUserKey(alias, federationID string) string {
	return alias + "\x00" + strings.ToLower(federationID)
}
