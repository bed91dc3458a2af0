package oktaemu

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strings"
	"time"
)

// timeFormat is how Okta renders every timestamp.
const timeFormat = "2006-01-02T15:04:05.000Z"

// state is everything the org knows; it is marshalled whole so a restart keeps ids and tokens.
// Apps are stored as JSON objects (not a narrow struct) so later issues can add settings the server fills.
type state struct {
	Creds orgCredentials `json:"credentials"`
	// Tokens maps issued OAuth access tokens to their grant.
	Tokens map[string]issuedToken `json:"tokens"`
	Org    orgInfo                `json:"org"`
	// Seq feeds the time-ordered part of new ids, so sorting by id is sorting by creation.
	Seq        uint64 `json:"seq"`
	AppCounter int    `json:"appCounter"`

	Users  map[string]*user   `json:"users"`
	Groups map[string]*group  `json:"groups"`
	Apps   map[string]*appRec `json:"apps"`
	// Keys are app signing key credentials by app id.
	Keys map[string][]*signingKey `json:"keys"`
	// AppGroups are app group assignments by app id, then group id.
	AppGroups map[string]map[string]*groupAssignment `json:"appGroups,omitempty"`
	// AppUsers are direct (USER-scoped) app assignments by app id, then user id; GROUP-scoped app users are derived.
	AppUsers map[string]map[string]*directAppUser `json:"appUsers,omitempty"`
	// AppSchemas are the custom app-user schema properties by app id.
	AppSchemas map[string]*appSchema `json:"appSchemas,omitempty"`
	// UserSchema holds the custom properties of the default user schema (nil: none).
	UserSchema *userSchema `json:"userSchema,omitempty"`
	// Policies are the ACCESS_POLICY (app sign-in) policies with their rules, by policy id.
	Policies map[string]*policyRec `json:"policies,omitempty"`
	// Zones are the network zones as served (without _links), by zone id.
	Zones map[string]map[string]any `json:"zones,omitempty"`
	// DeviceAssurances are the device assurance policies as served (without _links), by id.
	DeviceAssurances map[string]map[string]any `json:"deviceAssurances,omitempty"`
	// UserTypes are the user types made through the API (not the default type), as served (without _links), by id.
	UserTypes map[string]map[string]any `json:"userTypes,omitempty"`
	// Logs are the System Log events the org wrote (sign-ins), oldest first, at most maxLogEvents.
	Logs []map[string]any `json:"logs,omitempty"`

	// sortedUsers caches the user ids in order; creating or deleting a user drops it.
	sortedUsers []string
}

// userIDs returns every user id in order from the cache; callers must not modify the slice.
func (st *state) userIDs() []string {
	if st.sortedUsers == nil {
		st.sortedUsers = sortedIDs(st.Users)
	}
	return st.sortedUsers
}

// orgInfo holds fixed ids the org exposes in bodies and links.
type orgInfo struct {
	ID                        string `json:"id"`
	Subdomain                 string `json:"subdomain"`
	UserTypeID                string `json:"userTypeId"`
	UserSchemaID              string `json:"userSchemaId"`
	RealmID                   string `json:"realmId"`
	DefaultAccessPolicyID     string `json:"defaultAccessPolicyId"`
	ProfileEnrollmentPolicyID string `json:"profileEnrollmentPolicyId"`
	// Pipeline is what /.well-known/okta-organization reports: "idx" (Identity Engine) or "v1" (Classic).
	Pipeline string `json:"pipeline,omitempty"`
	// AdminUserID is the admin behind the API token, named in createdBy / lastUpdatedBy.
	AdminUserID string `json:"adminUserId,omitempty"`
}

type issuedToken struct {
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Expires  time.Time `json:"expires"`
}

type user struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Created         time.Time      `json:"created"`
	Activated       *time.Time     `json:"activated,omitempty"`
	StatusChanged   *time.Time     `json:"statusChanged,omitempty"`
	LastLogin       *time.Time     `json:"lastLogin,omitempty"`
	LastUpdated     time.Time      `json:"lastUpdated"`
	PasswordChanged *time.Time     `json:"passwordChanged,omitempty"`
	Profile         map[string]any `json:"profile"`
	// PasswordHash is set when the user has an Okta password (only its presence is ever shown).
	PasswordHash string `json:"passwordHash,omitempty"`
	ProviderType string `json:"providerType"`
	ProviderName string `json:"providerName"`
}

type group struct {
	ID                    string          `json:"id"`
	Type                  string          `json:"type"`
	Created               time.Time       `json:"created"`
	LastUpdated           time.Time       `json:"lastUpdated"`
	LastMembershipUpdated time.Time       `json:"lastMembershipUpdated"`
	Profile               map[string]any  `json:"profile"`
	Members               map[string]bool `json:"members,omitempty"`

	// sorted caches the member ids in order; every membership change drops it.
	sorted []string
}

// appRec is one app instance: Body is the JSON object served (without _links); the rest is server-side only.
type appRec struct {
	Body           map[string]any `json:"body"`
	AccessPolicyID string         `json:"accessPolicyId"`
	AppLinkID      string         `json:"appLinkId"`
	ExternalKey    string         `json:"externalKey"`
	// Custom marks an org-defined app (generated name) as opposed to a catalogue (OIN) app.
	Custom bool `json:"custom"`
}

func (st *state) newID(prefix string) string {
	st.Seq++
	return prefix + base62(st.Seq, 8) + randomString(6) + "1d7"
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62 renders n in fixed width with an ASCII-ordered alphabet so lexical order equals numeric order.
func base62(n uint64, width int) string {
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = base62Alphabet[n%62]
		n /= 62
	}
	return string(b)
}

func randomString(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(base62Alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = base62Alphabet[v.Int64()]
	}
	return string(b)
}

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

// orgSubdomain is the first label of the org host, used in generated app names ("acme" for acme.okta.com).
func orgSubdomain(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return "sandbox"
	}
	host := u.Hostname()
	if host[0] >= '0' && host[0] <= '9' || host == "localhost" {
		return "sandbox"
	}
	return strings.SplitN(host, ".", 2)[0]
}

// buildState creates the seeded org around existing credentials and org ids.
func buildState(creds orgCredentials, seed Seed, now time.Time) (*state, error) {
	st := &state{
		Creds:  creds,
		Tokens: map[string]issuedToken{},
		Users:  map[string]*user{},
		Groups: map[string]*group{},
		Apps:   map[string]*appRec{},
		Keys:   map[string][]*signingKey{},
	}
	st.Org = orgInfo{
		ID:                        st.newID("00o"),
		Subdomain:                 orgSubdomain(creds.OrgURL),
		UserTypeID:                st.newID("oty"),
		UserSchemaID:              st.newID("osc"),
		RealmID:                   st.newID("guo"),
		DefaultAccessPolicyID:     st.newID("rst"),
		ProfileEnrollmentPolicyID: st.newID("rst"),
		Pipeline:                  seedPipeline(seed),
		AdminUserID:               st.newID("00u"),
	}
	return st, st.applySeed(seed, now)
}

func (st *state) applySeed(seed Seed, now time.Time) error {
	if !seed.Created.IsZero() && seed.Created.Before(now) {
		now = seed.Created.UTC()
	}
	st.seedPolicies(now)
	if err := st.seedUserSchema(seed.UserSchema, now); err != nil {
		return err
	}
	everyone := &group{ID: st.newID("00g"), Type: "BUILT_IN", Created: now, LastUpdated: now, LastMembershipUpdated: now,
		Profile: map[string]any{"name": "Everyone", "description": "All users in your organization"}}
	st.Groups[everyone.ID] = everyone
	logins := map[string]string{}
	for _, su := range seed.Users {
		if su.Login == "" {
			return fmt.Errorf("oktaemu: seed user without login")
		}
		key := strings.ToLower(su.Login)
		if _, dup := logins[key]; dup {
			return fmt.Errorf("oktaemu: duplicate seed login %q", su.Login)
		}
		profile := baseProfile()
		for k, v := range su.Profile {
			profile[k] = v
		}
		profile["login"], profile["email"], profile["firstName"], profile["lastName"] = su.Login, su.Email, su.FirstName, su.LastName
		if causes := st.userProfileCauses(profile); len(causes) > 0 {
			return fmt.Errorf("oktaemu: seed user %q: %s (declare custom attributes in userSchema)", su.Login, strings.Join(causes, "; "))
		}
		status := su.Status
		if status == "" {
			status = "ACTIVE"
		}
		switch status {
		case "ACTIVE", "STAGED", "PROVISIONED", "SUSPENDED", "DEPROVISIONED":
		default:
			return fmt.Errorf("oktaemu: seed user %q has unsupported status %q", su.Login, status)
		}
		u := &user{ID: st.newID("00u"), Status: status, Created: now, LastUpdated: now, Profile: profile,
			ProviderType: "OKTA", ProviderName: "OKTA"}
		if status != "STAGED" {
			u.Activated, u.StatusChanged = &now, &now
		}
		st.Users[u.ID] = u
		logins[key] = u.ID
	}
	for _, sg := range seed.Groups {
		if sg.Name == "" {
			return fmt.Errorf("oktaemu: seed group without name")
		}
		g := &group{ID: st.newID("00g"), Type: "OKTA_GROUP", Created: now, LastUpdated: now, LastMembershipUpdated: now,
			Profile: map[string]any{"name": sg.Name, "description": sg.Description}, Members: map[string]bool{}}
		for _, m := range sg.Members {
			id, ok := logins[strings.ToLower(m)]
			if !ok {
				return fmt.Errorf("oktaemu: seed group %q lists unknown member %q", sg.Name, m)
			}
			g.Members[id] = true
		}
		st.Groups[g.ID] = g
	}
	return nil
}

// baseProfile holds the attributes Okta always returns, null when unset.
func baseProfile() map[string]any {
	return map[string]any{"firstName": nil, "lastName": nil, "mobilePhone": nil, "secondEmail": nil, "login": nil, "email": nil}
}

// sortedIDs returns map keys in id (= creation) order.
func sortedIDs[T any](m map[string]T) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// MarshalState serialises the whole org, credentials and issued tokens included.
func (s *Server) MarshalState() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(s.st)
}

// LoadState replaces the org with one produced by MarshalState.
func (s *Server) LoadState(b []byte) error {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("oktaemu: load state: %w", err)
	}
	if st.Creds.APIToken == "" || st.Creds.PrivateKeyPEM == "" {
		return fmt.Errorf("oktaemu: load state: credentials missing")
	}
	if st.Tokens == nil {
		st.Tokens = map[string]issuedToken{}
	}
	if st.Users == nil {
		st.Users = map[string]*user{}
	}
	if st.Groups == nil {
		st.Groups = map[string]*group{}
	}
	if st.Apps == nil {
		st.Apps = map[string]*appRec{}
	}
	if st.Keys == nil {
		st.Keys = map[string][]*signingKey{}
	}
	st.initPolicyMaps()
	if st.Org.Pipeline == "" {
		// A state saved before policies existed: an Identity Engine org, given its preset policies and zones.
		st.Org.Pipeline = pipelineIdentityEngine
		st.seedPolicies(time.Now())
	}
	if err := st.Creds.parse(); err != nil {
		return err
	}
	if st.UserSchema == nil {
		// A state saved before the user schema existed: it gets the seed's custom properties.
		if err := st.seedUserSchema(s.seed.UserSchema, time.Now()); err != nil {
			return fmt.Errorf("oktaemu: load state: %w", err)
		}
	}
	for _, keys := range st.Keys {
		for _, k := range keys {
			if _, err := k.certificate(); err != nil {
				return fmt.Errorf("oktaemu: load state: %w", err)
			}
		}
	}
	s.mu.Lock()
	s.st = &st
	s.mu.Unlock()
	return nil
}

// Reset restores the seeded org and fresh rate-limit windows, keeping credentials, issued tokens and fixed org ids.
func (s *Server) Reset() error {
	s.mu.Lock()
	old := s.st
	st := &state{Creds: old.Creds, Tokens: old.Tokens, Org: old.Org, Seq: old.Seq,
		Users: map[string]*user{}, Groups: map[string]*group{}, Apps: map[string]*appRec{}, Keys: map[string][]*signingKey{}}
	seed := s.seed
	seed.Created = time.Time{} // what a reset restores is made now: markers read before it must see it move
	err := st.applySeed(seed, s.now())
	if err == nil {
		s.st = st
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.limiter.reset()
	s.ctrl.Changed()
	return nil
}
