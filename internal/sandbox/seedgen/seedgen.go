// Package seedgen generates large sandbox seeds for benchmarks: thousands of Okta users spread over many
// groups and, per Salesforce org, the default profiles, roles and permission sets plus generated permission
// sets, permission set groups and federated users. It writes the seed file format of internal/sandbox
// without importing it (the sandbox's tests use this package).
package seedgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
)

// Options size the seed; the same options always give the same seed.
type Options struct {
	// Users is the number of Okta users, user00001@bench.example onwards.
	Users int
	// Groups is the number of Okta groups, "SF Group 001" onwards; every user is in 1 to 3 of them.
	Groups int
	// Orgs are the Salesforce org aliases; "prod" is a production org, every other alias a sandbox. Empty means qa, uat, prod.
	Orgs []string
	// FederatedShare is the share (0 to 1) of Okta users that have a user in each Salesforce org.
	FederatedShare float64
	// Seed drives every random choice.
	Seed int64
}

// Generated sizes of every Salesforce org.
const (
	GeneratedPermissionSets      = 20
	GeneratedPermissionSetGroups = 5
	// assignedShare is the share of Salesforce users seeded with permission set assignments.
	assignedShare = 0.3
)

// The default profiles, roles and permission sets of every org, as in the sandbox's default seed.
var (
	defaultProfiles = []string{"Sales User", "Support User", "Read Only"}
	defaultRoles    = []role{{Name: "CEO"}, {Name: "VP Sales", Parent: "CEO"}, {Name: "Sales Rep", Parent: "VP Sales"},
		{Name: "VP Support", Parent: "CEO"}, {Name: "Support Agent", Parent: "VP Support"}}
	defaultPermissionSets = []permissionSet{{Name: "Sales_Cloud_User", Label: "Sales Cloud User"},
		{Name: "Service_Cloud_User", Label: "Service Cloud User"}, {Name: "Report_Builder", Label: "Report Builder"},
		{Name: "API_Only", Label: "API Only Integration"}}
	firstNames = []string{"Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Max", "Nia", "Oli", "Pia"}
)

// The JSON shapes below mirror oktaemu.Seed and sfemu.OrgSeed (kept in step by this package's tests).
type seed struct {
	Okta       oktaSeed           `json:"okta"`
	Salesforce map[string]orgSeed `json:"salesforce"`
}

type oktaSeed struct {
	Users   []oktaUser  `json:"users"`
	Groups  []oktaGroup `json:"groups"`
	Created string      `json:"created"`
}

// seedCreated is when a generated estate's Okta users and groups and Salesforce records were made and last
// changed: an estate in use for months, not one whose every user changed a minute ago (what change markers
// — Okta's lastUpdated searches, Salesforce's SystemModstamp — see).
const seedCreated = "2026-01-05T09:00:00Z"

type oktaUser struct {
	Login     string `json:"login"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

type oktaGroup struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []string `json:"members"`
}

type orgSeed struct {
	Name                string               `json:"name"`
	IsSandbox           bool                 `json:"is_sandbox"`
	InstanceName        string               `json:"instance_name"`
	AdminUsername       string               `json:"admin_username"`
	Profiles            []profile            `json:"profiles"`
	Roles               []role               `json:"roles"`
	PermissionSets      []permissionSet      `json:"permission_sets"`
	PermissionSetGroups []permissionSetGroup `json:"permission_set_groups"`
	Users               []sfUser             `json:"users"`
	Licenses            map[string]int       `json:"licenses,omitempty"`
	Created             string               `json:"created"`
}

type profile struct {
	Name        string `json:"name"`
	UserLicense string `json:"user_license"`
}

type role struct {
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

type permissionSet struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

type permissionSetGroup struct {
	DeveloperName  string   `json:"developer_name"`
	Label          string   `json:"label"`
	PermissionSets []string `json:"permission_sets"`
}

type sfUser struct {
	Username       string   `json:"username"`
	Email          string   `json:"email"`
	FirstName      string   `json:"first_name"`
	LastName       string   `json:"last_name"`
	Alias          string   `json:"alias"`
	FederationID   string   `json:"federation_id"`
	Profile        string   `json:"profile"`
	Role           string   `json:"role,omitempty"`
	IsActive       bool     `json:"is_active"`
	PermissionSets []string `json:"permission_sets,omitempty"`
}

// Login is the Okta login of user n (1-based), e.g. user00001@bench.example.
func Login(n int) string { return fmt.Sprintf("user%05d@bench.example", n) }

// GroupName is the name of group n (1-based), e.g. "SF Group 001".
func GroupName(n int) string { return fmt.Sprintf("SF Group %03d", n) }

// Generate builds the seed file for opts as indented JSON.
func Generate(opts Options) ([]byte, error) {
	if opts.Users < 0 || opts.Groups < 1 && opts.Users > 0 {
		return nil, errors.New("seedgen: users need at least one group")
	}
	if opts.FederatedShare < 0 || opts.FederatedShare > 1 {
		return nil, fmt.Errorf("seedgen: federated share %v is outside 0..1", opts.FederatedShare)
	}
	orgs := opts.Orgs
	if len(orgs) == 0 {
		orgs = []string{"qa", "uat", "prod"}
	}
	seen := map[string]bool{}
	for _, a := range orgs {
		if a == "" || seen[a] {
			return nil, fmt.Errorf("seedgen: org alias %q is empty or repeated", a)
		}
		seen[a] = true
	}
	// One stream per part, so adding an org does not reshuffle the Okta users.
	rng := func(part uint64) *rand.Rand { return rand.New(rand.NewPCG(uint64(opts.Seed), part)) }
	s := seed{Okta: oktaUsers(opts, rng(0)), Salesforce: map[string]orgSeed{}}
	for i, alias := range orgs {
		s.Salesforce[alias] = salesforceOrg(opts, alias, i, rng(uint64(i)+1))
	}
	return json.MarshalIndent(s, "", " ")
}

func oktaUsers(opts Options, r *rand.Rand) oktaSeed {
	out := oktaSeed{Users: make([]oktaUser, 0, opts.Users), Groups: make([]oktaGroup, opts.Groups), Created: seedCreated}
	for g := range out.Groups {
		out.Groups[g] = oktaGroup{Name: GroupName(g + 1), Description: fmt.Sprintf("Benchmark group %d", g+1), Members: []string{}}
	}
	for n := 1; n <= opts.Users; n++ {
		login := Login(n)
		out.Users = append(out.Users, oktaUser{Login: login, Email: login, FirstName: firstNames[r.IntN(len(firstNames))], LastName: fmt.Sprintf("User%05d", n)})
		k := min(1+r.IntN(3), opts.Groups)
		for _, g := range r.Perm(opts.Groups)[:k] {
			out.Groups[g].Members = append(out.Groups[g].Members, login)
		}
	}
	return out
}

func salesforceOrg(opts Options, alias string, index int, r *rand.Rand) orgSeed {
	org := orgSeed{
		Name: "Bench " + alias, IsSandbox: alias != "prod", InstanceName: fmt.Sprintf("CS%d", 100+index),
		AdminUsername: "integration@bench.example." + alias, Roles: defaultRoles, Created: seedCreated,
		PermissionSets: append([]permissionSet(nil), defaultPermissionSets...),
	}
	if !org.IsSandbox {
		org.InstanceName = "NA301"
	}
	for _, p := range defaultProfiles {
		org.Profiles = append(org.Profiles, profile{Name: p, UserLicense: "Salesforce"})
	}
	generated := make([]string, GeneratedPermissionSets)
	for i := range generated {
		generated[i] = fmt.Sprintf("PS_%03d", i+1)
		org.PermissionSets = append(org.PermissionSets, permissionSet{Name: generated[i], Label: fmt.Sprintf("Permission Set %03d", i+1)})
	}
	for i := 0; i < GeneratedPermissionSetGroups; i++ {
		// Group i bundles four consecutive generated sets, so the groups cover all twenty.
		members := generated[(i*4)%GeneratedPermissionSets : (i*4)%GeneratedPermissionSets+4]
		org.PermissionSetGroups = append(org.PermissionSetGroups, permissionSetGroup{DeveloperName: fmt.Sprintf("PSG_%03d", i+1),
			Label: fmt.Sprintf("Permission Set Group %03d", i+1), PermissionSets: append([]string(nil), members...)})
	}
	profiles := append([]string{"Standard User"}, defaultProfiles...)
	for n := 1; n <= opts.Users; n++ {
		// Every draw happens for every user, so a user's choices do not depend on other users' outcomes.
		federated := r.Float64() < opts.FederatedShare
		prof, roleIdx, assigned, k := profiles[r.IntN(len(profiles))], r.IntN(len(defaultRoles)+1), r.Float64() < assignedShare, 1+r.IntN(2)
		perm := r.Perm(GeneratedPermissionSets)
		if !federated {
			continue
		}
		login := Login(n)
		u := sfUser{Username: login + "." + alias, Email: login, FirstName: "Bench", LastName: fmt.Sprintf("User%05d", n),
			Alias: fmt.Sprintf("u%05d", n), FederationID: login, Profile: prof, IsActive: true}
		if roleIdx < len(defaultRoles) {
			u.Role = defaultRoles[roleIdx].Name
		}
		if assigned {
			for _, i := range perm[:k] {
				u.PermissionSets = append(u.PermissionSets, generated[i])
			}
			sort.Strings(u.PermissionSets)
		}
		org.Users = append(org.Users, u)
	}
	// A large org buys a seat for every Okta user, so that provisioning the estate's users who have none yet
	// does not run out of seats (the bench's estate with provisioning), with room for more.
	if opts.Users > defaultSeats-1000 {
		org.Licenses = map[string]int{"Salesforce": opts.Users + 1000}
	}
	return org
}

// defaultSeats is the sandbox org's seat count of a license when the seed gives none.
const defaultSeats = 10000
