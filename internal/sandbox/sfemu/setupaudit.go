package sfemu

// This file holds SetupAuditTrail: the org's record of changes made in Setup, read-only through the API (describe,
// query, retrieve) as in Salesforce (salesforce-session-and-logs.md §5). The emulator writes a row when a change
// that Salesforce audits arrives through the API: users created, activated, deactivated, or given another
// Federation ID, profile or username; permission sets and permission set groups assigned and unassigned; SAML
// single sign-on settings created, changed and deleted; a profile's required session level and login IP ranges.
// The user and permission-set actions and their Sections follow Salesforce's catalogue; the Action and Section
// names of SAML configuration changes are not documented and are inferred.

import (
	"fmt"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

const (
	prefixSetupAuditTrail = "0Ym"
	// maxSetupAuditRows bounds the trail (Salesforce keeps 180 days); the oldest rows go first.
	maxSetupAuditRows = 1000
)

// Sections of the audit rows the emulator writes.
const (
	auditSectionUsers          = "Manage Users"
	auditSectionSingleSignOn   = "Single Sign-On Settings" // inferred
	auditSectionSessionSetting = "Session Settings"
)

// setupAuditTrailType is SetupAuditTrail's describe: created by the org, never by the API.
func setupAuditTrailType() *ObjectType {
	return &ObjectType{Name: "SetupAuditTrail", Label: "Setup Audit Trail", LabelPlural: "Setup Audit Trail", KeyPrefix: prefixSetupAuditTrail,
		Fields: []*Field{
			fd("Id", "id", "dl", 18, "Setup Audit Trail ID"),
			fd("Action", "string", "", 120, "Action"),
			fd("Section", "string", "n", 40, "Section"),
			fd("Display", "string", "n", 1000, "Display"),
			fd("CreatedDate", "datetime", "d", 0, "Created Date"),
			ref("CreatedById", "d", "User", "CreatedBy", "Created By ID"),
			fd("DelegateUser", "string", "n", 80, "Delegate User"),
			fd("CreatedByContext", "string", "n", 80, "Created By Context"),
			fd("CreatedByIssuer", "string", "n", 80, "Created By Issuer"),
			fd("ResponsibleNamespacePrefix", "string", "n", 15, "Source Namespace Prefix"),
			fd("SystemModstamp", "datetime", "d", 0, "System Modstamp"),
		}}
}

// audit records one Setup change, made by the API user. o.mu must be held.
func (o *Org) audit(action, section, display string) {
	t := o.objectType("SetupAuditTrail")
	rec, err := o.insert(t, map[string]any{"Action": action, "Section": section, "Display": truncate(display, 1000)}, systemWrite)
	if err != nil {
		return
	}
	// The store's insert stamps every type with LastModified fields; this type has none.
	delete(rec, "LastModifiedDate")
	delete(rec, "LastModifiedById")
	if tb := o.table(t.Name); len(tb.Order) > maxSetupAuditRows {
		for _, k := range tb.Order[:len(tb.Order)-maxSetupAuditRows] {
			delete(tb.Rows, k)
		}
		tb.Order = append([]string(nil), tb.Order[len(tb.Order)-maxSetupAuditRows:]...)
		o.dropIndexes(t.Name)
	}
}

// auditDML is called by the DML path for every write through the API (REST, Collections, Composite, SCIM, JIT)
// after it succeeded: old is nil on insert, rec nil on delete. It records what Salesforce's trail shows.
func (o *Org) auditDML(t *ObjectType, old, rec soql.Record) {
	switch t.Name {
	case "User":
		o.auditUser(old, rec)
	case "PermissionSetAssignment":
		switch {
		case old == nil && rec != nil:
			o.auditAssignment(rec, "Assign", "assigned to")
		case old != nil && rec == nil:
			o.auditAssignment(old, "Unassign", "unassigned from")
		}
	}
}

// userLabel is how the trail names a user: "Ann Lee (UserID: [005…])".
func userLabel(u soql.Record) string {
	return fmt.Sprintf("%s (UserID: [%s])", str(u, "Name"), str(u, "Id"))
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func (o *Org) auditUser(old, rec soql.Record) {
	if rec == nil {
		return
	}
	if old == nil {
		o.audit("createduser", auditSectionUsers, "Created new user "+userLabel(rec))
		if fid := str(rec, "FederationIdentifier"); fid != "" {
			o.audit("changedfederationid", auditSectionUsers, fmt.Sprintf("Changed federation id for user %s from null to %s", userLabel(rec), fid))
		}
		return
	}
	if was, is := old["IsActive"] == true, rec["IsActive"] == true; was != is {
		if is {
			o.audit("activateduser", auditSectionUsers, "Activated user "+userLabel(rec))
		} else {
			o.audit("deactivateduser", auditSectionUsers, "Deactivated user "+userLabel(rec))
		}
	}
	if a, b := str(old, "FederationIdentifier"), str(rec, "FederationIdentifier"); a != b {
		o.audit("changedfederationid", auditSectionUsers, fmt.Sprintf("Changed federation id for user %s from %s to %s", userLabel(rec), orNull(a), orNull(b)))
	}
	if a, b := str(old, "Username"), str(rec, "Username"); a != b {
		o.audit("changedusername", auditSectionUsers, fmt.Sprintf("Changed username for user %s from %s to %s", userLabel(rec), a, b))
	}
	if a, b := str(old, "ProfileId"), str(rec, "ProfileId"); !sameID(a, b) {
		o.audit("changedprofileforuser", auditSectionUsers, fmt.Sprintf("Changed profile for user %s from %s to %s", userLabel(rec),
			str(o.lookup("Profile", a), "Name"), str(o.lookup("Profile", b), "Name")))
	}
}

// auditAssignment records PermSetAssign/PermSetUnassign or PermSetGroupAssign/PermSetGroupUnassign; the assignment of
// a profile's own permission set is the profile's, not an audited assignment.
func (o *Org) auditAssignment(a soql.Record, verb, phrase string) {
	user := o.lookup("User", str(a, "AssigneeId"))
	if groupID := str(a, "PermissionSetGroupId"); groupID != "" {
		g := o.lookup("PermissionSetGroup", groupID)
		o.audit("PermSetGroup"+verb, auditSectionUsers, fmt.Sprintf("Permission set group %s: %s user %s", str(g, "MasterLabel"), phrase, userLabel(user)))
		return
	}
	ps := o.lookup("PermissionSet", str(a, "PermissionSetId"))
	if ps == nil || ps["IsOwnedByProfile"] == true {
		return
	}
	o.audit("PermSet"+verb, auditSectionUsers, fmt.Sprintf("Permission set %s: %s user %s", str(ps, "Label"), phrase, userLabel(user)))
}

// auditSAMLConfig records a SamlSsoConfig created, changed or deleted through the Metadata API (names inferred).
func (o *Org) auditSAMLConfig(change, name string) {
	verb := map[string]string{"created": "Created", "changed": "Changed", "deleted": "Deleted"}[change]
	o.audit(change+"SamlSsoConfig", auditSectionSingleSignOn, fmt.Sprintf("%s SAML Single Sign-On configuration %s", verb, name))
}

// differs reports whether applying fields to row would change it (an empty string is the stored null).
func differs(row soql.Record, fields map[string]any) bool {
	text := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	for k, v := range fields {
		if text(row[k]) != text(v) {
			return true
		}
	}
	return false
}

// auditRequiredSessionLevel records a change of a profile's "Session security level required at login".
func (o *Org) auditRequiredSessionLevel(profile, from, to string) {
	if from == to {
		return
	}
	label := func(level string) string { // HIGH_ASSURANCE → High Assurance, as Setup shows it
		if level == "" {
			return "None"
		}
		words := strings.Split(strings.ToLower(level), "_")
		for i, w := range words {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
		return strings.Join(words, " ")
	}
	o.audit("requiredSessionLevelForProfile", auditSectionSessionSetting,
		fmt.Sprintf("Changed session security level required at login for profile %s from %s to %s", profile, label(from), label(to)))
}

// auditLoginIPRanges records a change of a profile's login IP ranges.
func (o *Org) auditLoginIPRanges(profile, from, to string) {
	if from != to {
		o.audit("loginIpRange", auditSectionUsers, fmt.Sprintf("Changed login IP ranges of profile %s", profile))
	}
}
