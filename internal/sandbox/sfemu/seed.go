package sfemu

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// OrgSeed is the initial content of one org, as written in the sandbox's seed file. The Organization
// row and the "System Administrator" and "Standard User" profiles exist even when not listed.
type OrgSeed struct {
	Name                string                   `json:"name"`                            // Organization.Name
	OrgID               string                   `json:"org_id,omitempty"`                // 15 or 18 characters, 00D…; generated when empty
	IsSandbox           bool                     `json:"is_sandbox"`                      // sandbox orgs expect JWT aud https://test.salesforce.com
	InstanceName        string                   `json:"instance_name,omitempty"`         // e.g. "NA224", "CS42"
	AdminUsername       string                   `json:"admin_username"`                  // the integration/API user, System Administrator
	Profiles            []ProfileSeed            `json:"profiles,omitempty"`              // extra profiles
	Roles               []RoleSeed               `json:"roles,omitempty"`                 // role hierarchy
	PermissionSets      []PermissionSetSeed      `json:"permission_sets,omitempty"`       // assignable permission sets
	PermissionSetGroups []PermissionSetGroupSeed `json:"permission_set_groups,omitempty"` // groups of the sets above
	Users               []UserSeed               `json:"users,omitempty"`                 // users besides the admin
	// HighAssuranceSSO names (API names) the SAML SSO configurations in the High Assurance column of Session
	// Security Levels, a Setup-only setting: sign-ins through them get a High Assurance session.
	HighAssuranceSSO []string `json:"high_assurance_sso,omitempty"`
	// CustomUserFields are the org's custom User fields (customfields.go).
	CustomUserFields []CustomFieldSeed `json:"custom_user_fields,omitempty"`
	// Licenses sets seat counts (UserLicense.TotalLicenses) by license name, e.g. {"Salesforce": 60000}: an org
	// holds the seats it bought, 10,000 of each license when not given.
	Licenses map[string]int `json:"licenses,omitempty"`
	// Created is when the seeded records were created and last modified (CreatedDate, SystemModstamp …): when
	// the org starts if empty or not in the past. A generated estate stands for an org in use for months, not
	// one whose every user changed a minute ago (what SystemModstamp change markers see).
	Created time.Time `json:"created,omitzero"`
}

// ProfileSeed is one profile; UserLicense names a license ("Salesforce" when empty).
type ProfileSeed struct {
	Name        string `json:"name"`
	UserLicense string `json:"user_license,omitempty"`
}

// RoleSeed is one role; Parent names another role.
type RoleSeed struct {
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

// PermissionSetSeed is one permission set; License names a user license it requires.
type PermissionSetSeed struct {
	Name    string `json:"name"`
	Label   string `json:"label,omitempty"`
	License string `json:"license,omitempty"`
}

// PermissionSetGroupSeed is one permission set group and the permission sets (by Name) in it.
type PermissionSetGroupSeed struct {
	DeveloperName  string   `json:"developer_name"`
	Label          string   `json:"label,omitempty"`
	PermissionSets []string `json:"permission_sets,omitempty"`
}

// UserSeed is one user. Profile and Role are names; PermissionSets names permission sets or groups.
type UserSeed struct {
	Username       string   `json:"username"`
	Email          string   `json:"email,omitempty"`
	FirstName      string   `json:"first_name,omitempty"`
	LastName       string   `json:"last_name"`
	Alias          string   `json:"alias,omitempty"`
	FederationID   string   `json:"federation_id,omitempty"`
	Profile        string   `json:"profile,omitempty"` // "Standard User" when empty
	Role           string   `json:"role,omitempty"`
	IsActive       *bool    `json:"is_active,omitempty"` // true when absent
	PermissionSets []string `json:"permission_sets,omitempty"`
	// Fields sets other User fields by API name, e.g. the org's custom fields {"Cost_Center__c": "CC-1"}.
	Fields map[string]any `json:"fields,omitempty"`
}

// standardLicenses exist in every org, with their license definition keys and seat counts.
var standardLicenses = []struct {
	name, key string
	total     float64
}{
	{"Salesforce", "SFDC", 10000},
	{"Salesforce Platform", "AUL", 10000},
	{"Identity", "PID_IDENTITY", 10000},
}

// applySeedLocked rebuilds the store from the seed. o.mu must be held.
func (o *Org) applySeedLocked() error {
	s := o.seed
	if !s.Created.IsZero() && s.Created.Before(o.now()) {
		o.seedTime = s.Created.UTC()
		defer func() { o.seedTime = time.Time{} }()
	}
	o.cfg.Directory.releaseOrg(o.keys.OrgID)
	o.data = &store{Tables: map[string]*table{}}
	o.cursors, o.cursorN = map[string]*cursor{}, nil
	if o.sessions == nil {
		o.sessions = map[string]session{}
	}
	o.adminID = o.nextID(prefixUser)
	fail := func(what string, err *apiError) error {
		return fmt.Errorf("sfemu: seed of %s: %s: %s", o.Name(), what, err.Message)
	}
	name, instance, edition := s.Name, s.InstanceName, "Enterprise Edition"
	if name == "" {
		name = "Sandbox Org " + o.cfg.Alias
	}
	if instance == "" {
		instance = "NA224"
		if s.IsSandbox {
			instance = "CS42"
		}
	}
	if _, err := o.insert(o.objectType("Organization"), map[string]any{
		"Id": o.keys.OrgID, "Name": name, "IsSandbox": s.IsSandbox, "InstanceName": instance, "OrganizationType": edition,
		"LanguageLocaleKey": "en_US", "TimeZoneSidKey": "America/Los_Angeles", "DefaultLocaleSidKey": "en_US",
	}, systemWrite); err != nil {
		return fail("organization", err)
	}
	licenses := map[string]string{}
	addLicense := func(name, key string, total float64) error {
		if _, ok := licenses[strings.ToLower(name)]; ok {
			return nil
		}
		if seats, ok := s.Licenses[name]; ok {
			if seats < 0 {
				return fmt.Errorf("sfemu: seed of %s: licenses: %q has %d seats; give a count of 0 or more", o.Name(), name, seats)
			}
			total = float64(seats)
		}
		rec, err := o.insert(o.objectType("UserLicense"), map[string]any{
			"Name": name, "MasterLabel": name, "LicenseDefinitionKey": key, "Status": "Active", "TotalLicenses": total, "UsedLicenses": 0.0,
		}, systemWrite)
		if err != nil {
			return fail("license "+name, err)
		}
		licenses[strings.ToLower(name)] = str(rec, "Id")
		return nil
	}
	for _, l := range standardLicenses {
		if err := addLicense(l.name, l.key, l.total); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Licenses)) { // bought seats of licenses no profile names yet
		if err := addLicense(name, strings.ToUpper(developerNameUnsafe.ReplaceAllString(name, "_")), 0); err != nil {
			return err
		}
	}
	licenseID := func(name string) (string, error) {
		if name == "" {
			name = "Salesforce"
		}
		if err := addLicense(name, strings.ToUpper(developerNameUnsafe.ReplaceAllString(name, "_")), 10000); err != nil {
			return "", err
		}
		return licenses[strings.ToLower(name)], nil
	}
	profiles := append([]ProfileSeed{{Name: "System Administrator"}, {Name: "Standard User"}}, s.Profiles...)
	for _, p := range profiles {
		if o.findRow("Profile", "Name", p.Name) != nil {
			continue
		}
		lid, err := licenseID(p.UserLicense)
		if err != nil {
			return err
		}
		if _, err := o.insert(o.objectType("Profile"), map[string]any{"Name": p.Name, "UserLicenseId": lid}, systemWrite); err != nil {
			return fail("profile "+p.Name, err)
		}
	}
	for _, r := range s.Roles {
		if _, err := o.insert(o.objectType("UserRole"), map[string]any{"Name": r.Name}, systemWrite); err != nil {
			return fail("role "+r.Name, err)
		}
	}
	for _, r := range s.Roles {
		if r.Parent == "" {
			continue
		}
		parent := o.findRow("UserRole", "Name", r.Parent)
		if parent == nil {
			return fmt.Errorf("sfemu: seed of %s: role %s: no parent role %q", o.Name(), r.Name, r.Parent)
		}
		o.findRow("UserRole", "Name", r.Name)["ParentRoleId"] = parent["Id"]
	}
	for _, ps := range s.PermissionSets {
		body := map[string]any{"Name": ps.Name, "Label": ps.Label}
		if ps.Label == "" {
			body["Label"] = ps.Name
		}
		if ps.License != "" {
			lid, err := licenseID(ps.License)
			if err != nil {
				return err
			}
			body["LicenseId"] = lid
		}
		if _, err := o.insert(o.objectType("PermissionSet"), body, systemWrite); err != nil {
			return fail("permission set "+ps.Name, err)
		}
	}
	for _, g := range s.PermissionSetGroups {
		label := g.Label
		if label == "" {
			label = g.DeveloperName
		}
		rec, err := o.insert(o.objectType("PermissionSetGroup"), map[string]any{"DeveloperName": g.DeveloperName, "MasterLabel": label}, systemWrite)
		if err != nil {
			return fail("permission set group "+g.DeveloperName, err)
		}
		for _, psName := range g.PermissionSets {
			ps := o.findRow("PermissionSet", "Name", psName)
			if ps == nil {
				return fmt.Errorf("sfemu: seed of %s: permission set group %s: no permission set %q", o.Name(), g.DeveloperName, psName)
			}
			if _, err := o.insert(o.objectType("PermissionSetGroupComponent"), map[string]any{"PermissionSetGroupId": rec["Id"], "PermissionSetId": ps["Id"]}, systemWrite); err != nil {
				return fail("permission set group "+g.DeveloperName, err)
			}
		}
	}
	admin := s.AdminUsername
	if admin == "" {
		admin = "admin@" + strings.ToLower(developerNameUnsafe.ReplaceAllString(o.cfg.Alias, "")) + ".sandbox.oktasf.test"
	}
	users := append([]UserSeed{{Username: admin, FirstName: "Integration", LastName: "User", Alias: "integ", Profile: "System Administrator"}}, s.Users...)
	for i, u := range users {
		if err := o.seedUser(u, i == 0); err != nil {
			return err
		}
	}
	if err := o.ensureLoginPage(); err != nil {
		return fail("login page", err)
	}
	o.recountLicenses()
	// Ids are deterministic per seed, so sessions of users that exist again after a reset stay valid:
	// clients without automatic re-authentication (the Metadata SOAP path) keep working.
	for token, s := range o.sessions {
		if u := o.lookup("User", s.UserID); u == nil || u["IsActive"] != true {
			delete(o.sessions, token)
		}
	}
	o.dirty = true
	return nil
}

func (o *Org) seedUser(u UserSeed, isAdmin bool) error {
	fail := func(err *apiError) error {
		return fmt.Errorf("sfemu: seed of %s: user %s: %s", o.Name(), u.Username, err.Message)
	}
	profileName := u.Profile
	if profileName == "" {
		profileName = "Standard User"
	}
	profile := o.findRow("Profile", "Name", profileName)
	if profile == nil {
		return fmt.Errorf("sfemu: seed of %s: user %s: no profile %q", o.Name(), u.Username, profileName)
	}
	email, alias := u.Email, u.Alias
	if email == "" {
		email = u.Username
	}
	if alias == "" {
		alias = strings.ToLower(u.LastName)
		if len(alias) > 8 {
			alias = alias[:8]
		}
	}
	body := map[string]any{
		"Username": u.Username, "Email": email, "FirstName": u.FirstName, "LastName": u.LastName, "Alias": alias,
		"FederationIdentifier": u.FederationID, "ProfileId": profile["Id"], "IsActive": u.IsActive == nil || *u.IsActive,
		"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
	}
	if isAdmin {
		body["Id"] = o.adminID
	}
	for k, v := range u.Fields {
		body[k] = v
	}
	if u.Role != "" {
		role := o.findRow("UserRole", "Name", u.Role)
		if role == nil {
			return fmt.Errorf("sfemu: seed of %s: user %s: no role %q", o.Name(), u.Username, u.Role)
		}
		body["UserRoleId"] = role["Id"]
	}
	rec, err := o.insert(o.objectType("User"), body, systemWrite)
	if err != nil {
		return fail(err)
	}
	for _, name := range u.PermissionSets {
		a := map[string]any{"AssigneeId": rec["Id"]}
		if ps := o.findRow("PermissionSet", "Name", name); ps != nil && ps["IsOwnedByProfile"] != true {
			a["PermissionSetId"] = ps["Id"]
		} else if g := o.findRow("PermissionSetGroup", "DeveloperName", name); g != nil {
			a["PermissionSetGroupId"] = g["Id"]
		} else {
			return fmt.Errorf("sfemu: seed of %s: user %s: no permission set or group %q", o.Name(), u.Username, name)
		}
		if _, err := o.insert(o.objectType("PermissionSetAssignment"), a, systemWrite); err != nil {
			return fail(err)
		}
	}
	return nil
}
