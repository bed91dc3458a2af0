// Package provisioning implements oktasf_user_provisioning: Okta is the system of record for the Salesforce
// users of an app. Each apply creates, updates, deactivates and reactivates Salesforce users so that they
// match the app's Okta users, matched by Federation ID; Salesforce users are never deleted.
package provisioning

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/attrcheck"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// The app-user profile keys oktasf_group_mapping sets; Okta resolves them by group priority.
const (
	appUserProfileKey = "profile"
	appUserRoleKey    = "role"
)

// emptyAppUser is what mapping expressions are checked against at plan, before any user is read.
var emptyAppUser = okta.AppUserWithUser{}

// localeDefaults fill the four locale fields Salesforce requires on create when the mapping leaves them out.
var localeDefaults = map[string]string{
	"TimeZoneSidKey":    "America/Los_Angeles",
	"LocaleSidKey":      "en_US",
	"LanguageLocaleKey": "en_US",
	"EmailEncodingKey":  "UTF-8",
}

// activeOktaStatuses are the Okta user statuses whose users should hold an active Salesforce user.
var activeOktaStatuses = map[string]bool{"ACTIVE": true, "PROVISIONED": true, "RECOVERY": true, "PASSWORD_EXPIRED": true, "LOCKED_OUT": true, "": true}

// settings is the resource configuration in the terms the reconciliation needs.
type settings struct {
	AppID              string
	Attributes         map[string]string // Salesforce User field → expression
	UsernameSource     string
	UsernameSuffix     string
	FederationIDSource string
	DefaultProfile     string
	Create, Update     bool
	Deactivate         bool
	Reactivate         bool
	Adopt              bool
	// SCIM limits the written and compared fields to those SCIM carries.
	SCIM bool
	// RemovedGroups are the groups of group_mappings this plan removes: their members leave unless another
	// assigned group holds them.
	RemovedGroups []string
}

// fields are the User fields provisioning writes and compares, sorted: the mapped ones, the locale
// defaults, the profile and role, and the Federation ID (whose case follows Okta).
func (s settings) fields() []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[strings.ToLower(f)] {
			seen[strings.ToLower(f)] = true
			out = append(out, f)
		}
	}
	for f := range s.Attributes {
		add(f)
	}
	for f := range localeDefaults {
		add(f)
	}
	for _, f := range []string{"ProfileId", "UserRoleId", "FederationIdentifier"} {
		add(f)
	}
	if s.SCIM {
		kept := out[:0]
		for _, f := range out {
			if salesforce.SCIMWritable(f) {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	sort.Strings(out)
	return out
}

// inputs are the reads one reconciliation works from.
type inputs struct {
	AppUsers    []okta.AppUserWithUser
	Federated   []salesforce.UserRecord // users with a Federation ID
	Unfederated []salesforce.UserRecord // adoption candidates (adopt_existing only)
	Unlinked    []salesforce.UserRecord // managed users found by username without a Federation ID (cleared out of band)
	Profiles    []salesforce.Profile
	Roles       []salesforce.Role
	Describe    *salesforce.SObjectDescribe // the User describe: values are fitted to and checked against its fields
	Managed     map[string]bool             // lower-cased Federation IDs the resource manages already (state's synced keys)
}

// desiredUser is what one Okta app user should be in Salesforce.
type desiredUser struct {
	FederationID string
	Login        string
	Username     string
	Fields       map[string]any
	Active       bool
	Problem      string // why the user cannot be written as configured, if it cannot
	// FieldProblems are the mapped fields whose value Salesforce would refuse, with why (also in Problem).
	FieldProblems map[string]string
}

// change is one write: a record for sObject Collections and the Federation ID it is for.
type change struct {
	FederationID  string
	Record        map[string]any
	Problem       string
	FieldProblems map[string]string
}

// outcome is a reconciliation: the writes it needs and the users it manages afterwards.
type outcome struct {
	Creates, Updates, Deactivates, Reactivates []change
	// Managed maps the lower-cased Federation ID of every managed user found in Salesforce to the hash of
	// its compared fields there.
	Managed   map[string]string
	Conflicts []string // Federation IDs claimed by two Okta users, described
	Skipped   []string // app users without a Federation ID, described
}

// pending lists the Federation IDs of each kind of change, sorted.
func (o outcome) pending() (create, update, deactivate, reactivate []string) {
	ids := func(cs []change) []string {
		out := make([]string, 0, len(cs))
		for _, c := range cs {
			out = append(out, c.FederationID)
		}
		sort.Strings(out)
		return out
	}
	return ids(o.Creates), ids(o.Updates), ids(o.Deactivates), ids(o.Reactivates)
}

// empty reports whether nothing needs to be written.
func (o outcome) empty() bool {
	return len(o.Creates)+len(o.Updates)+len(o.Deactivates)+len(o.Reactivates) == 0
}

// reconcile compares the app's Okta users with the org's users and lists the writes that make Salesforce match.
func reconcile(s settings, in inputs) outcome {
	out := outcome{Managed: map[string]string{}}
	desired, conflicts, skipped := desiredUsers(s, in)
	out.Conflicts, out.Skipped = conflicts, skipped
	fields := s.fields()

	byFID := map[string]*salesforce.UserRecord{}
	for i := range in.Federated {
		byFID[strings.ToLower(in.Federated[i].FederationID)] = &in.Federated[i]
	}
	adopt := newAdoptionIndex(in.Unfederated)
	unlinked := map[string]*salesforce.UserRecord{}
	for i := range in.Unlinked {
		unlinked[strings.ToLower(in.Unlinked[i].Username)] = &in.Unlinked[i]
	}
	keys := make([]string, 0, len(desired))
	for k := range desired {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		d := desired[key]
		if !d.Active {
			continue // handled with the users who left the app
		}
		current := byFID[key]
		if u := unlinked[strings.ToLower(d.Username)]; current == nil && in.Managed[key] && u != nil {
			current = u // ours, its Federation ID cleared out of band: set it back (drift repair), not a create
		}
		if current == nil && s.Adopt {
			current = adopt.match(d)
		}
		switch {
		case current == nil:
			if !s.Create {
				continue
			}
			rec := map[string]any{"Username": d.Username}
			for f, v := range d.Fields {
				rec[f] = v
			}
			out.Creates = append(out.Creates, change{FederationID: d.FederationID, Record: rec, Problem: d.Problem, FieldProblems: d.FieldProblems})
		default:
			out.Managed[key] = hashFields(current, fields)
			rec := diffFields(d, current, fields)
			switch {
			case !current.IsActive:
				if !s.Reactivate {
					continue
				}
				if !s.Update {
					rec = map[string]any{}
				}
				if current.FederationID == "" {
					rec["FederationIdentifier"] = d.FederationID
				}
				rec["Id"], rec["IsActive"] = current.ID, true
				out.Reactivates = append(out.Reactivates, change{FederationID: d.FederationID, Record: rec, Problem: d.Problem, FieldProblems: d.FieldProblems})
			case len(rec) > 0 && (s.Update || current.FederationID == ""):
				if !s.Update { // adoption sets the Federation ID even when updates are off
					rec = map[string]any{"FederationIdentifier": d.FederationID}
				}
				rec["Id"] = current.ID
				out.Updates = append(out.Updates, change{FederationID: d.FederationID, Record: rec, Problem: d.Problem, FieldProblems: d.FieldProblems})
			}
		}
	}
	// Managed users who are no longer active app users are deactivated.
	for key, u := range byFID {
		d, wanted := desired[key]
		if wanted && d.Active {
			continue
		}
		if !in.Managed[key] {
			continue // never ours: other apps' and integration users are left alone
		}
		out.Managed[key] = hashFields(u, fields)
		if u.IsActive && s.Deactivate {
			out.Deactivates = append(out.Deactivates, change{FederationID: u.FederationID, Record: map[string]any{"Id": u.ID, "IsActive": false}})
		}
	}
	sort.Slice(out.Deactivates, func(i, j int) bool { return out.Deactivates[i].FederationID < out.Deactivates[j].FederationID })
	return out
}

// desiredUsers evaluates the mapping for every app user, keyed by lower-cased Federation ID.
func desiredUsers(s settings, in inputs) (map[string]desiredUser, []string, []string) {
	profileIDs := map[string]string{}
	for _, p := range in.Profiles {
		profileIDs[strings.ToLower(p.Name)] = p.ID
	}
	roleIDs := map[string]string{}
	for _, r := range in.Roles {
		roleIDs[strings.ToLower(r.Name)] = r.ID
	}
	out := map[string]desiredUser{}
	logins := map[string]string{}
	var conflicts, skipped []string
	for _, au := range in.AppUsers {
		login, _ := au.UserProfile["login"].(string)
		if login == "" {
			login = au.ID
		}
		fid := valueString(au.UserProfile[s.FederationIDSource])
		if fid == "" {
			skipped = append(skipped, fmt.Sprintf("%s has no %q attribute to take the Federation ID from", login, s.FederationIDSource))
			continue
		}
		key := strings.ToLower(fid)
		if other, dup := logins[key]; dup {
			conflicts = append(conflicts, fmt.Sprintf("Okta users %s and %s both map to Federation ID %q", other, login, fid))
			continue
		}
		logins[key] = login
		d := desiredUser{FederationID: fid, Login: login, Active: activeOktaStatuses[au.UserStatus], Fields: map[string]any{}}
		d.Username = valueString(au.UserProfile[s.UsernameSource]) + s.UsernameSuffix
		var problems []string
		for f, def := range localeDefaults {
			d.Fields[f] = def
		}
		for f, expr := range s.Attributes {
			v, err := evaluate(expr, au)
			if err != nil {
				problems = append(problems, fmt.Sprintf("attributes[%q]: %s", f, err))
				continue
			}
			if strings.EqualFold(f, "Alias") {
				// Salesforce caps Alias at 8 characters, as its own UI does when it derives one.
				if s, ok := v.(string); ok && len(s) > 8 {
					v = s[:8]
				}
			}
			if fd, ok := in.Describe.Field(f); ok {
				fitted, problem := attrcheck.FitValue(fd, v)
				if problem != "" {
					problems = append(problems, fmt.Sprintf("attributes[%q]: %s", f, problem))
					if d.FieldProblems == nil {
						d.FieldProblems = map[string]string{}
					}
					d.FieldProblems[f] = problem
					continue
				}
				v = fitted
			}
			d.Fields[f] = v
		}
		profile := valueString(au.Profile[appUserProfileKey])
		if profile == "" {
			profile = s.DefaultProfile
		}
		switch id, ok := profileIDs[strings.ToLower(profile)]; {
		case profile == "":
			problems = append(problems, "no Salesforce profile: the app user has no profile and default_profile is not set")
		case !ok:
			problems = append(problems, fmt.Sprintf("Salesforce profile %q does not exist in the org", profile))
		default:
			d.Fields["ProfileId"] = id
		}
		if !s.SCIM { // a SCIM PatchOp cannot remove a role, so over SCIM only a named role is managed
			d.Fields["UserRoleId"] = nil
		}
		if role := valueString(au.Profile[appUserRoleKey]); role != "" {
			if id, ok := roleIDs[strings.ToLower(role)]; ok {
				d.Fields["UserRoleId"] = id
			} else {
				problems = append(problems, fmt.Sprintf("Salesforce role %q does not exist in the org", role))
			}
		}
		d.Fields["FederationIdentifier"] = fid
		d.Problem = strings.Join(problems, "; ")
		out[key] = d
	}
	sort.Strings(conflicts)
	sort.Strings(skipped)
	return out, conflicts, skipped
}

// evaluate resolves one mapping expression against an app user.
func evaluate(expr string, au okta.AppUserWithUser) (any, error) {
	e := strings.TrimSpace(expr)
	if lit, ok := literal(e); ok {
		return lit, nil
	}
	src, attr, ok := strings.Cut(e, ".")
	switch {
	case ok && src == "user":
		return au.UserProfile[attr], nil
	case ok && src == "appuser":
		return au.Profile[attr], nil
	}
	return nil, fmt.Errorf("%q is not user.<attribute>, appuser.<attribute> or a quoted string", expr)
}

// literal unquotes "text" or 'text'.
func literal(e string) (string, bool) {
	if len(e) >= 2 && (e[0] == '"' || e[0] == '\'') && e[len(e)-1] == e[0] {
		return e[1 : len(e)-1], true
	}
	return "", false
}

// diffFields lists the fields whose Salesforce value differs from the desired one.
func diffFields(d desiredUser, u *salesforce.UserRecord, fields []string) map[string]any {
	rec := map[string]any{}
	for _, f := range fields {
		want, ok := d.Fields[f]
		if !ok {
			continue
		}
		have := u.Fields[f]
		if f == "Email" || f == "Username" {
			if strings.EqualFold(valueString(want), valueString(have)) {
				continue
			}
		} else if valueString(want) == valueString(have) {
			continue
		}
		rec[f] = want
	}
	return rec
}

// hashFields is a short digest of the compared fields and the active flag as Salesforce holds them.
func hashFields(u *salesforce.UserRecord, fields []string) string {
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%s=%s\x00", f, valueString(u.Fields[f]))
	}
	fmt.Fprintf(h, "IsActive=%t", u.IsActive)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// valueString renders a JSON value for comparison; null and absent are the empty string.
func valueString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", t), "0"), ".")
	default:
		return fmt.Sprint(t)
	}
}

// adoptionIndex finds unfederated users by username first, then by email.
type adoptionIndex struct {
	byUsername map[string]*salesforce.UserRecord
	byEmail    map[string][]*salesforce.UserRecord
	taken      map[string]bool
}

func newAdoptionIndex(users []salesforce.UserRecord) *adoptionIndex {
	ix := &adoptionIndex{byUsername: map[string]*salesforce.UserRecord{}, byEmail: map[string][]*salesforce.UserRecord{}, taken: map[string]bool{}}
	for i := range users {
		u := &users[i]
		ix.byUsername[strings.ToLower(u.Username)] = u
		ix.byEmail[strings.ToLower(u.Email)] = append(ix.byEmail[strings.ToLower(u.Email)], u)
	}
	return ix
}

// match returns the user to adopt for d: one with d's username, else the only one with d's email.
func (ix *adoptionIndex) match(d desiredUser) *salesforce.UserRecord {
	if u := ix.byUsername[strings.ToLower(d.Username)]; u != nil && !ix.taken[u.ID] {
		ix.taken[u.ID] = true
		return u
	}
	if same := ix.byEmail[strings.ToLower(valueString(d.Fields["Email"]))]; len(same) == 1 && !ix.taken[same[0].ID] {
		ix.taken[same[0].ID] = true
		return same[0]
	}
	return nil
}
