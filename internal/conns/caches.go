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
// configuration changes what it read, and that write updates or forgets it before it returns. The writes
// that do are the writes of apps, of assignments and of users: a write of an app puts what Okta answered
// into the org's apps list, and a write of one group assignment into the app's cached list (each forgets its
// list when the answer cannot say what it now holds); ForgetAppAssignments after other writes of an app's
// group assignments, ForgetUsers after writing an org's users. Everything else cached is a name or a shape
// Terraform does not change (profiles, roles, permission sets and their groups, group members, app-user
// schemas) and stands for the configuration's life.
type Caches struct {
	Okta OktaReads
	// PlannedRotations holds the IDs of the apps whose plan in this configuration rotates the signing key, so
	// that SSO settings naming the app by app_id alone (planned after it) plan the certificate as unknown.
	PlannedRotations sync.Map
	// PlannedUsers holds, by PlannedUserKey, the Federation IDs of the Salesforce users that user provisioning
	// plans to create or reactivate in this configuration ("*" when it cannot say which), so that a permission-set
	// binding planned after it knows that a member still without a user gets one in the same apply.
	PlannedUsers sync.Map
	// PlannedAssignments holds the IDs of the apps whose group assignments a group mapping plans to create or
	// change in this configuration, so that user provisioning planned after it (without group_mappings) knows
	// that the app's users will change before it applies.
	PlannedAssignments sync.Map
	// NewApps holds the IDs of the apps this configuration created (not adopted), each with a NewApp: what
	// Okta gives an app it creates is known without reading it (no group assignments, no custom app-user
	// properties), so the app's mappings need not read it.
	NewApps sync.Map
	// AssignmentWrites are the priorities the group mappings' writes ask for, by app.
	AssignmentWrites AssignmentWrites
	// Snapshots are what a resource that re-reads only what moved established in this run, by the resource's
	// own key and of its own type (user provisioning's read of an app and org): Read and ModifyPlan of one
	// command share it; any write of users or assignments forgets them all.
	Snapshots Memo[any]

	mu   sync.Mutex
	orgs map[string]*OrgReads // by org alias
}

// OktaReads are the Okta org's cached reads.
type OktaReads struct {
	// Apps is every app of the org (key ""): a new app's plan check and its create's look before create
	// read it once; each write of an app updates it (or forgets it) when it returns.
	Apps                Memo[[]*okta.SAMLApp]
	AppGroupAssignments Memo[[]okta.AppGroupAssignment] // by app ID (group mappings)
	GroupMembers        Memo[[]okta.GroupMember]        // by group ID (permission set bindings)
	AppUserSchemas      Memo[struct{}]                  // by app ID: schemas known to hold profile and role
	UserSchema          Memo[okta.UserSchema]           // key "": the default user schema (attribute type checks)
	OrgPipeline         Memo[string]                    // key "": the org's engine, "v1" (Classic) or "idx" (Identity Engine)

	// Change markers of permission set bindings: the groups list (key ""), the members of the groups
	// bindings read after it (their own memo, so that no member list read before the markers is taken
	// for one read after), and the users changed since a time.
	GroupMarkers       Memo[okta.GroupMarkers]
	MarkedGroupMembers Memo[[]okta.GroupMember]
	ChangedUsers       SinceCache[okta.ChangedUser]
}

// OrgReads are one Salesforce org's cached reads.
type OrgReads struct {
	// Names, for the look-ups, group mappings, permission set bindings and user provisioning. The client's
	// first read of any of them (or of its Facts) fetches all of them in one Composite request, from which
	// each memo's read takes its answer (salesforce/names.go).
	Profiles            Memo[[]salesforce.Profile]
	Roles               Memo[[]salesforce.Role]
	PermissionSets      Memo[[]salesforce.PermissionSet]
	PermissionSetGroups Memo[[]salesforce.PermissionSetGroup]

	// Users, which provisioning writes.
	FederatedUsers      Memo[[]salesforce.UserRecord] // by field list (user provisioning)
	UsersByFederationID UserLookups                   // permission set bindings

	// Change markers of permission set bindings (key ""), the users modified since a time, the
	// assignments of those users (by their IDs, comma-joined), and the assignments modified since a time
	// (whether a target whose marker was read close to its latest stamp changed without moving it).
	UserMarker              Memo[salesforce.DatedMarker]
	AssignmentMarkers       Memo[salesforce.AssignmentMarkerSet]
	ModifiedUsers           SinceCache[salesforce.ModifiedUser]
	ModifiedUserAssignments Memo[[]salesforce.UserAssignment]
	ModifiedAssignments     SinceCache[salesforce.ModifiedAssignment]
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
	c.Snapshots.ForgetAll()
}

// NewApp is what a configuration knows of an app it created.
type NewApp struct {
	Custom bool // a custom SAML app (not the catalogue app, whose app-user schema has properties of its own)
}

// NoteNewApp records that this configuration created the app with id, which has no group assignment yet.
func (c *Caches) NoteNewApp(id string, app NewApp) {
	c.NewApps.Store(id, app)
	_, _ = c.Okta.AppGroupAssignments.Get(context.Background(), id, func(context.Context) ([]okta.AppGroupAssignment, error) {
		return []okta.AppGroupAssignment{}, nil
	})
}

// CreatedApp returns what this configuration knows of the app it created with id, and false for any other.
func (c *Caches) CreatedApp(id string) (NewApp, bool) {
	v, ok := c.NewApps.Load(id)
	if !ok {
		return NewApp{}, false
	}
	return v.(NewApp), true
}

// ForgetUsers is called by whatever creates, updates, deactivates, reactivates or re-federates users of
// org, after writing: the org's user reads go, and with them the Okta app users they were matched with, so
// that a binding or a provisioning applied later in the same run finds the users as they are now.
func (c *Caches) ForgetUsers(org *Org) {
	c.Snapshots.ForgetAll()
	org.Reads.FederatedUsers.ForgetAll()
	org.Reads.UsersByFederationID.forget()
	org.Reads.UserMarker.ForgetAll()
	org.Reads.ModifiedUsers.Forget()
	org.Reads.ModifiedUserAssignments.ForgetAll()
}

// PlannedUserKey is the PlannedUsers key of a Federation ID ("*" for any) in the org with this alias.
func PlannedUserKey(alias, federationID string) string {
	return alias + "\x00" + strings.ToLower(federationID)
}
