// Package oktaemu is the sandbox's emulator of one Okta org: the Management API subset the provider uses
// (users, groups, apps with their signing keys and SAML metadata) and the org authorization server's token
// endpoint, answering with the status codes, JSON shapes, error bodies, pagination and rate-limit headers the
// real service sends.
package oktaemu

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// Config wires the emulator into the sandbox process.
type Config struct {
	// BaseURL is the external base URL of this org without a trailing slash, e.g. "http://127.0.0.1:41234";
	// it appears in _links, Link headers and the OAuth audience.
	BaseURL string
	// Control counts, delays and fault-injects every route and is told about every state change.
	// Nil gives the emulator a private control plane (handy in unit tests).
	Control *emu.Control
	// RateLimitPerMinute is the request budget of each rate-limit bucket per minute; 0 means 1200.
	RateLimitPerMinute int
}

// Seed is the org content New and Reset start from.
type Seed struct {
	// Users are created in order, before the groups.
	Users []SeedUser `json:"users"`
	// Groups are OKTA_GROUP groups; the BUILT_IN "Everyone" group always exists and is not listed here.
	Groups []SeedGroup `json:"groups"`
	// Pipeline is the org's authentication pipeline as /.well-known/okta-organization reports it: "idx"
	// (Identity Engine, the default) or "v1" (a Classic Engine org, which has no ACCESS_POLICY policies,
	// device assurance or OIE-only zone rules).
	Pipeline string `json:"pipeline,omitempty"`
	// UserSchema declares the custom properties of the default user schema, by name, as Okta defines them
	// (title, type, maxLength, enum, items …); seed users may set only base and declared attributes.
	UserSchema map[string]any `json:"userSchema,omitempty"`
	// Created is when the seeded users, groups and policies were created and last changed (their created,
	// lastUpdated and lastMembershipUpdated): the org's start when empty or not in the past. A generated estate
	// stands for an org whose users were not all changed a minute ago, which is what change-marker searches
	// (search=lastUpdated gt "…") see.
	Created time.Time `json:"created,omitzero"`
}

// SeedUser is one seeded Okta user.
type SeedUser struct {
	// Login is profile.login (unique, case-insensitive).
	Login string `json:"login"`
	// Email is profile.email.
	Email string `json:"email"`
	// FirstName is profile.firstName.
	FirstName string `json:"firstName"`
	// LastName is profile.lastName.
	LastName string `json:"lastName"`
	// Status is the lifecycle status: ACTIVE (default), STAGED, PROVISIONED, SUSPENDED or DEPROVISIONED.
	Status string `json:"status,omitempty"`
	// Profile holds extra profile attributes (e.g. "department"); it cannot override the four above.
	Profile map[string]any `json:"profile,omitempty"`
}

// SeedGroup is one seeded OKTA_GROUP.
type SeedGroup struct {
	// Name is profile.name.
	Name string `json:"name"`
	// Description is profile.description.
	Description string `json:"description"`
	// Members are the logins of seeded users that belong to the group.
	Members []string `json:"members"`
}

// Credentials are what a client needs to call this org: an API token and an OAuth service app.
type Credentials struct {
	// OrgURL is the org's base URL (Config.BaseURL).
	OrgURL string
	// APIToken is sent as "Authorization: SSWS <token>".
	APIToken string
	// ClientID is the service app's client id for client_credentials with private_key_jwt.
	ClientID string
	// PrivateKeyPEM is the service app's key as PKCS#1 "RSA PRIVATE KEY" (okta-sdk-golang v2 requires PKCS#1).
	PrivateKeyPEM string
	// PrivateKeyID is the kid of the service app's public JWK.
	PrivateKeyID string
	// Scopes are the scopes granted to the service app: every scope the emulator knows unless GrantScopes narrowed them.
	Scopes []string
}

// Server is one emulated Okta org. It is safe for concurrent use.
type Server struct {
	cfg     Config
	ctrl    *emu.Control
	seed    Seed
	limiter *rateLimiter
	now     func() time.Time

	mu sync.Mutex
	st *state
}

var _ emu.Service = (*Server)(nil)

// New builds an org from seed with fresh credentials.
func New(cfg Config, seed Seed) (*Server, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("oktaemu: BaseURL is required")
	}
	for len(cfg.BaseURL) > 0 && cfg.BaseURL[len(cfg.BaseURL)-1] == '/' {
		cfg.BaseURL = cfg.BaseURL[:len(cfg.BaseURL)-1]
	}
	if cfg.RateLimitPerMinute <= 0 {
		cfg.RateLimitPerMinute = 1200
	}
	if cfg.Control == nil {
		cfg.Control = emu.NewControl()
	}
	// SAML apps each need an RSA key; start generating a few ahead while the org boots.
	warmKeyPool()
	s := &Server{cfg: cfg, ctrl: cfg.Control, seed: seed, now: time.Now}
	s.limiter = newRateLimiter(cfg.RateLimitPerMinute, func() time.Time { return s.now() })
	creds, err := newOrgCredentials(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	st, err := buildState(creds, seed, s.now())
	if err != nil {
		return nil, err
	}
	s.st = st
	cfg.Control.Register(s)
	return s, nil
}

// Name is the control plane's name for this service.
func (s *Server) Name() string { return "okta" }

// Credentials returns the org's API token and OAuth service app.
func (s *Server) Credentials() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.Creds
	return Credentials{
		OrgURL:        s.cfg.BaseURL,
		APIToken:      c.APIToken,
		ClientID:      c.ClientID,
		PrivateKeyPEM: c.PrivateKeyPEM,
		PrivateKeyID:  c.PrivateKeyID,
		Scopes:        append([]string(nil), c.Scopes...),
	}
}

// ExpireSessions revokes every OAuth access token issued so far; the SSWS token stays valid.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	s.st.Tokens = map[string]issuedToken{}
	s.mu.Unlock()
	s.ctrl.Changed()
}

// WriteRateLimited answers 429 E0000047 with the X-Rate-Limit-* headers Okta sends, resetting at reset.
func (s *Server) WriteRateLimited(w http.ResponseWriter, r *http.Request, reset time.Time, _ string) {
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", fmt.Sprint(s.cfg.RateLimitPerMinute))
	h.Set("X-Rate-Limit-Remaining", "0")
	h.Set("X-Rate-Limit-Reset", fmt.Sprint(reset.Unix()))
	h.Set("Date", s.now().UTC().Format(http.TimeFormat))
	writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
}

// WriteServerError answers a 5xx with Okta's E0000009 body.
func (s *Server) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	writeError(w, status, "E0000009", "Internal Server Error")
}

// Handler serves every Okta route of this org (the control API is served by emu.Control).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		var h http.Handler = rt.handler
		if rt.scope != noScope {
			h = s.authorize(rt.scope, rt.handler)
		}
		mux.Handle(rt.pattern, s.ctrl.Wrap(s, rt.pattern, h))
	}
	// Requests no route takes are counted, delayed, fault-injected and journaled like served ones.
	unmatched := s.ctrl.WrapUnmatched(s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if methodAllowedElsewhere(mux, r) {
			writeError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
			return
		}
		writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path+" ("+r.Method+")")
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Okta-Request-Id", randomString(27))
		h.Set("Date", s.now().UTC().Format(http.TimeFormat))
		limit, remaining, reset, ok := s.limiter.take(bucketOf(r))
		h.Set("X-Rate-Limit-Limit", fmt.Sprint(limit))
		h.Set("X-Rate-Limit-Remaining", fmt.Sprint(remaining))
		h.Set("X-Rate-Limit-Reset", fmt.Sprint(reset.Unix()))
		if !ok {
			writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
			// Refused before routing, so Wrap never saw it: count and journal it here.
			_, pattern := mux.Handler(r)
			s.ctrl.Refused(s, r, pattern, http.StatusTooManyRequests)
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			unmatched.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// methodAllowedElsewhere reports whether the path is served for some other method (405 rather than 404).
func methodAllowedElsewhere(mux *http.ServeMux, r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" {
			return true
		}
	}
	return false
}

// route is one served endpoint; scope is the OAuth scope a Bearer token needs for it, as the operation's
// security requirement in Okta's OpenAPI description names it (a .manage scope also covers .read).
type route struct {
	pattern string
	scope   string
	handler http.HandlerFunc
}

// noScope marks an endpoint that authenticates on its own (the token endpoint) or not at all (SAML).
const noScope = ""

func (s *Server) routes() []route {
	return []route{
		{"POST /oauth2/v1/token", noScope, s.handleToken},

		{"GET /api/v1/users", "okta.users.read", s.listUsers},
		{"POST /api/v1/users", "okta.users.manage", s.createUser},
		{"GET /api/v1/users/{id}", "okta.users.read", s.getUser},
		{"POST /api/v1/users/{id}", "okta.users.manage", s.partialUpdateUser},
		{"PUT /api/v1/users/{id}", "okta.users.manage", s.replaceUser},
		{"DELETE /api/v1/users/{id}", "okta.users.manage", s.deleteUser},
		{"POST /api/v1/users/{id}/lifecycle/{op}", "okta.users.manage", s.userLifecycle},
		{"GET /api/v1/users/{id}/groups", "okta.users.read", s.listUserGroups},

		{"GET /api/v1/groups", "okta.groups.read", s.listGroups},
		{"POST /api/v1/groups", "okta.groups.manage", s.createGroup},
		{"GET /api/v1/groups/{groupId}", "okta.groups.read", s.getGroup},
		{"PUT /api/v1/groups/{groupId}", "okta.groups.manage", s.replaceGroup},
		{"DELETE /api/v1/groups/{groupId}", "okta.groups.manage", s.deleteGroup},
		{"GET /api/v1/groups/{groupId}/users", "okta.groups.read", s.listGroupMembers},
		{"PUT /api/v1/groups/{groupId}/users/{userId}", "okta.groups.manage", s.addGroupMember},
		{"DELETE /api/v1/groups/{groupId}/users/{userId}", "okta.groups.manage", s.removeGroupMember},
		{"GET /api/v1/groups/{groupId}/apps", "okta.groups.read", s.listGroupApps},
		{"GET /api/v1/groups/{groupId}/owners", "okta.groups.read", s.listGroupOwners},

		{"GET /api/v1/apps", "okta.apps.read", s.listApps},
		{"POST /api/v1/apps", "okta.apps.manage", s.createApp},
		{"GET /api/v1/apps/{appId}", "okta.apps.read", s.getApp},
		{"PUT /api/v1/apps/{appId}", "okta.apps.manage", s.replaceApp},
		{"DELETE /api/v1/apps/{appId}", "okta.apps.manage", s.deleteApp},
		{"POST /api/v1/apps/{appId}/lifecycle/{op}", "okta.apps.manage", s.appLifecycle},
		{"GET /api/v1/apps/{appId}/credentials/keys", "okta.apps.read", s.listAppKeys},
		{"GET /api/v1/apps/{appId}/credentials/secrets", "okta.apps.read", s.listClientSecrets},
		{"GET /api/v1/apps/{appId}/credentials/keys/{keyId}", "okta.apps.read", s.getAppKey},
		{"POST /api/v1/apps/{appId}/credentials/keys/generate", "okta.apps.manage", s.generateAppKey},
		{"POST /api/v1/apps/{appId}/credentials/keys/{keyId}/clone", "okta.apps.manage", s.cloneAppKey},
		{"GET /api/v1/apps/{appId}/sso/saml/metadata", "okta.apps.read", s.appMetadata},
		{"GET /api/v1/apps/{appId}/groups", "okta.apps.read", s.listAppGroups},
		{"GET /api/v1/apps/{appId}/groups/{groupId}", "okta.apps.read", s.getAppGroup},
		{"PUT /api/v1/apps/{appId}/groups/{groupId}", "okta.apps.manage", s.putAppGroup},
		{"DELETE /api/v1/apps/{appId}/groups/{groupId}", "okta.apps.manage", s.deleteAppGroup},
		{"GET /api/v1/apps/{appId}/users", "okta.apps.read", s.listAppUsers},
		{"POST /api/v1/apps/{appId}/users", "okta.apps.manage", s.assignAppUser},
		{"GET /api/v1/apps/{appId}/users/{userId}", "okta.apps.read", s.getAppUser},
		{"POST /api/v1/apps/{appId}/users/{userId}", "okta.apps.manage", s.updateAppUser},
		{"DELETE /api/v1/apps/{appId}/users/{userId}", "okta.apps.manage", s.unassignAppUser},
		{"GET /api/v1/meta/schemas/apps/{appId}/default", "okta.schemas.read", s.getAppUserSchema},
		{"POST /api/v1/meta/schemas/apps/{appId}/default", "okta.schemas.manage", s.updateAppUserSchema},
		{"GET /api/v1/meta/schemas/user/{schemaId}", "okta.schemas.read", s.getUserSchema},
		{"GET /api/v1/meta/types/user", "okta.userTypes.read", s.listUserTypes},
		{"POST /api/v1/meta/types/user", "okta.userTypes.manage", s.createUserType},
		{"GET /api/v1/meta/types/user/{typeId}", "okta.userTypes.read", s.getUserType},
		{"POST /api/v1/meta/types/user/{typeId}", "okta.userTypes.manage", s.updateUserType},
		{"PUT /api/v1/meta/types/user/{typeId}", "okta.userTypes.manage", s.replaceUserType},
		{"DELETE /api/v1/meta/types/user/{typeId}", "okta.userTypes.manage", s.deleteUserType},
		{"POST /api/v1/meta/schemas/user/{schemaId}", "okta.schemas.manage", s.updateUserSchema},

		{"PUT /api/v1/apps/{appId}/policies/{policyId}", "okta.apps.manage", s.assignAppPolicy},

		{"GET /api/v1/policies", "okta.policies.read", s.listPolicies},
		{"POST /api/v1/policies", "okta.policies.manage", s.createPolicy},
		{"GET /api/v1/policies/{policyId}", "okta.policies.read", s.getPolicy},
		{"PUT /api/v1/policies/{policyId}", "okta.policies.manage", s.replacePolicy},
		{"DELETE /api/v1/policies/{policyId}", "okta.policies.manage", s.deletePolicy},
		{"POST /api/v1/policies/{policyId}/lifecycle/{op}", "okta.policies.manage", s.policyLifecycle},
		{"GET /api/v1/policies/{policyId}/app", "okta.policies.read", s.listPolicyApps},
		{"GET /api/v1/policies/{policyId}/mappings", "okta.policies.read", s.listPolicyMappings},
		{"GET /api/v1/policies/{policyId}/mappings/{mappingId}", "okta.policies.read", s.getPolicyMapping},
		{"GET /api/v1/policies/{policyId}/rules", "okta.policies.read", s.listRules},
		{"POST /api/v1/policies/{policyId}/rules", "okta.policies.manage", s.createRule},
		{"GET /api/v1/policies/{policyId}/rules/{ruleId}", "okta.policies.read", s.getRule},
		{"PUT /api/v1/policies/{policyId}/rules/{ruleId}", "okta.policies.manage", s.replaceRule},
		{"DELETE /api/v1/policies/{policyId}/rules/{ruleId}", "okta.policies.manage", s.deleteRule},
		{"POST /api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/{op}", "okta.policies.manage", s.ruleLifecycle},

		{"GET /api/v1/zones", "okta.networkZones.read", s.listZones},
		{"POST /api/v1/zones", "okta.networkZones.manage", s.createZone},
		{"GET /api/v1/zones/{zoneId}", "okta.networkZones.read", s.getZone},
		{"PUT /api/v1/zones/{zoneId}", "okta.networkZones.manage", s.replaceZone},
		{"DELETE /api/v1/zones/{zoneId}", "okta.networkZones.manage", s.deleteZone},
		{"POST /api/v1/zones/{zoneId}/lifecycle/{op}", "okta.networkZones.manage", s.zoneLifecycle},

		{"GET /api/v1/device-assurances", "okta.deviceAssurance.read", s.listDeviceAssurances},
		{"POST /api/v1/device-assurances", "okta.deviceAssurance.manage", s.createDeviceAssurance},
		{"GET /api/v1/device-assurances/{deviceAssuranceId}", "okta.deviceAssurance.read", s.getDeviceAssurance},
		{"PUT /api/v1/device-assurances/{deviceAssuranceId}", "okta.deviceAssurance.manage", s.replaceDeviceAssurance},
		{"DELETE /api/v1/device-assurances/{deviceAssuranceId}", "okta.deviceAssurance.manage", s.deleteDeviceAssurance},

		{"GET /api/v1/logs", "okta.logs.read", s.listLogs},

		{"GET /.well-known/okta-organization", noScope, s.wellKnownOrganization},
		{"GET /app/{exk}/sso/saml/metadata", noScope, s.publicMetadata},
		{"GET /app/{appName}/{exk}/sso/saml", noScope, s.handleSSO},
		{"POST /app/{appName}/{exk}/sso/saml", noScope, s.handleSSO}, // HTTP-POST binding and the sign-in pages' forms
	}
}
