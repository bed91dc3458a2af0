package sfemu

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

var developerNameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_]+`)

func str(r soql.Record, f string) string { s, _ := r[f].(string); return s }

func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05-0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func duplicateValue(field, id string) *apiError {
	return fieldError("DUPLICATE_VALUE", fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", field, id))
}

var profileHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		if other := o.findRow("Profile", "Name", str(rec, "Name")); other != nil {
			return duplicateValue("Name", str(other, "Id"))
		}
		rec["UserType"] = "Standard"
		return nil
	},
	// Every profile owns a hidden permission set holding its permissions.
	afterInsert: func(o *Org, rec soql.Record) {
		id := str(rec, "Id")
		_, _ = o.insert(o.objectType("PermissionSet"), map[string]any{
			"Name": "X" + id[:15], "Label": id[:15], "IsOwnedByProfile": true, "IsCustom": false,
			"ProfileId": id, "LicenseId": rec["UserLicenseId"], "Type": "Profile",
		}, systemWrite)
	},
	beforeDelete: func(o *Org, rec soql.Record) *apiError {
		if o.findRow("User", "ProfileId", str(rec, "Id")) != nil {
			return fieldError("DELETE_FAILED", "Cannot delete this profile because it is assigned to one or more users.")
		}
		return nil
	},
	afterDelete: func(o *Org, rec soql.Record) { o.deleteWhere("PermissionSet", "ProfileId", str(rec, "Id")) },
}

var roleHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		if str(rec, "DeveloperName") == "" {
			rec["DeveloperName"] = strings.Trim(developerNameUnsafe.ReplaceAllString(str(rec, "Name"), "_"), "_")
		}
		return nil
	},
	beforeDelete: func(o *Org, rec soql.Record) *apiError {
		if o.findRow("User", "UserRoleId", str(rec, "Id")) != nil {
			return fieldError("DELETE_FAILED", "Cannot delete a role that is assigned to users.")
		}
		return nil
	},
}

// licenseOf returns the UserLicense row of a profile.
func (o *Org) licenseOf(profileID string) soql.Record {
	p := o.lookup("Profile", profileID)
	if p == nil {
		return nil
	}
	return o.lookup("UserLicense", str(p, "UserLicenseId"))
}

// licenseUsage counts active users per license id, from scratch (after loading state).
func (o *Org) licenseUsage() map[string]int {
	profileLicense := map[string]string{}
	o.each("Profile", func(p soql.Record) bool {
		profileLicense[str(p, "Id")] = str(p, "UserLicenseId")
		return true
	})
	used := map[string]int{}
	o.each("User", func(u soql.Record) bool {
		if u["IsActive"] == true {
			used[profileLicense[str(u, "ProfileId")]]++
		}
		return true
	})
	return used
}

func (o *Org) recountLicenses() {
	used := o.licenseUsage()
	o.each("UserLicense", func(l soql.Record) bool {
		l["UsedLicenses"] = float64(used[str(l, "Id")])
		return true
	})
}

// adjustLicense moves UserLicense.UsedLicenses by delta for an active user's profile; the counter lives
// in the store, so a rollback restores it with everything else.
func (o *Org) adjustLicense(user soql.Record, delta float64) {
	if user["IsActive"] != true {
		return
	}
	if l := o.licenseOf(str(user, "ProfileId")); l != nil {
		used, _ := l["UsedLicenses"].(float64)
		l["UsedLicenses"] = used + delta
	}
}

// checkLicense refuses to make rec an active user of a license with no free seat. old is the row
// before an update (nil on insert); it holds a seat already when active on the same license.
func (o *Org) checkLicense(old, rec soql.Record) *apiError {
	if rec["IsActive"] != true {
		return nil
	}
	l := o.licenseOf(str(rec, "ProfileId"))
	if l == nil {
		return nil
	}
	total, _ := l["TotalLicenses"].(float64)
	used, _ := l["UsedLicenses"].(float64)
	if old != nil && old["IsActive"] == true {
		if ol := o.licenseOf(str(old, "ProfileId")); ol != nil && sameID(str(ol, "Id"), str(l, "Id")) {
			used--
		}
	}
	if used+1 > total {
		return fieldError("LICENSE_LIMIT_EXCEEDED", fmt.Sprintf("License Limit Exceeded: %s", str(l, "Name")))
	}
	return nil
}

func (o *Org) federationIDs() map[string]string {
	return o.index("User:FederationIdentifier", func(add func(key, id string)) {
		o.each("User", func(u soql.Record) bool {
			if fid := str(u, "FederationIdentifier"); fid != "" {
				add(strings.ToLower(fid), str(u, "Id"))
			}
			return true
		})
	})
}

// checkFederationID enforces one user per Federation ID in the org, case-insensitively.
func (o *Org) checkFederationID(rec soql.Record) *apiError {
	fid := str(rec, "FederationIdentifier")
	if fid == "" {
		return nil
	}
	if id, taken := o.federationIDs()[strings.ToLower(fid)]; taken && !sameID(id, str(rec, "Id")) {
		return duplicateValue("FederationIdentifier", id)
	}
	return nil
}

func duplicateUsername() *apiError {
	return fieldError("DUPLICATE_USERNAME", "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the user's email address). ", "Username")
}

var userHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		if _, ok := rec["IsActive"]; !ok || rec["IsActive"] == nil {
			rec["IsActive"] = true
		}
		if err := o.checkFederationID(rec); err != nil {
			return err
		}
		if err := o.checkLicense(nil, rec); err != nil {
			return err
		}
		if str(rec, "CommunityNickname") == "" {
			local, _, _ := strings.Cut(str(rec, "Username"), "@")
			rec["CommunityNickname"] = fmt.Sprintf("%s%d", local, o.data.Counter+1)
		}
		if !o.cfg.Directory.claim(str(rec, "Username"), o.keys.OrgID) {
			return duplicateUsername()
		}
		rec["Name"] = strings.TrimSpace(str(rec, "FirstName") + " " + str(rec, "LastName"))
		rec["UserType"] = "Standard"
		return nil
	},
	afterInsert: func(o *Org, rec soql.Record) {
		o.adjustLicense(rec, 1)
		if fid := str(rec, "FederationIdentifier"); fid != "" {
			o.federationIDs()[strings.ToLower(fid)] = str(rec, "Id")
		}
		if ps := o.findRow("PermissionSet", "ProfileId", str(rec, "ProfileId")); ps != nil {
			_, _ = o.insert(o.objectType("PermissionSetAssignment"), map[string]any{"AssigneeId": rec["Id"], "PermissionSetId": ps["Id"]}, systemWrite)
		}
	},
	beforeUpdate: func(o *Org, old, rec soql.Record) *apiError {
		if err := o.checkFederationID(rec); err != nil {
			return err
		}
		if old["IsActive"] != true || str(old, "ProfileId") != str(rec, "ProfileId") {
			if err := o.checkLicense(old, rec); err != nil {
				return err
			}
		}
		if oldName, newName := str(old, "Username"), str(rec, "Username"); !strings.EqualFold(oldName, newName) {
			if !o.cfg.Directory.claim(newName, o.keys.OrgID) {
				return duplicateUsername()
			}
			o.cfg.Directory.release(oldName, o.keys.OrgID)
		}
		rec["Name"] = strings.TrimSpace(str(rec, "FirstName") + " " + str(rec, "LastName"))
		return nil
	},
	afterUpdate: func(o *Org, old, rec soql.Record) {
		o.adjustLicense(old, -1)
		o.adjustLicense(rec, 1)
		if str(old, "ProfileId") == str(rec, "ProfileId") {
			return
		}
		oldPS := o.findRow("PermissionSet", "ProfileId", str(old, "ProfileId"))
		newPS := o.findRow("PermissionSet", "ProfileId", str(rec, "ProfileId"))
		if oldPS == nil || newPS == nil {
			return
		}
		// The user's own assignments through the assignee index: scanning every assignment here made a
		// profile change on each of n users cost n², which a 50,000-user estate cannot afford.
		for _, a := range o.rowsWith("PermissionSetAssignment", "AssigneeId", rec["Id"]) {
			if sameID(str(a, "PermissionSetId"), str(oldPS, "Id")) {
				o.dropIndexes("PermissionSetAssignment")
				before := maps.Clone(a)
				a["PermissionSetId"] = newPS["Id"]
				o.eqIndexUpdate("PermissionSetAssignment", key15(str(a, "Id")), before, a)
			}
		}
	},
}

var permissionSetHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		if other := o.findRow("PermissionSet", "Name", str(rec, "Name")); other != nil {
			return fieldError("DUPLICATE_DEVELOPER_NAME", "The API Name you entered is already in use by another permission set.", "Name")
		}
		if rec["Type"] == nil {
			rec["Type"], rec["IsCustom"] = "Regular", true
		}
		return nil
	},
	beforeUpdate: func(o *Org, old, rec soql.Record) *apiError {
		if old["IsOwnedByProfile"] == true || str(old, "PermissionSetGroupId") != "" {
			return fieldError("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id")
		}
		return nil
	},
	beforeDelete: func(o *Org, rec soql.Record) *apiError {
		if rec["IsOwnedByProfile"] == true || str(rec, "PermissionSetGroupId") != "" {
			return fieldError("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id")
		}
		return nil
	},
	afterDelete: func(o *Org, rec soql.Record) {
		o.deleteWhere("PermissionSetAssignment", "PermissionSetId", str(rec, "Id"))
		o.deleteWhere("PermissionSetGroupComponent", "PermissionSetId", str(rec, "Id"))
	},
}

var psgHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		if other := o.findRow("PermissionSetGroup", "DeveloperName", str(rec, "DeveloperName")); other != nil {
			return fieldError("DUPLICATE_DEVELOPER_NAME", "The API Name you entered is already in use by another permission set group.", "DeveloperName")
		}
		rec["Status"] = "Updated"
		return nil
	},
	// A group's permissions are aggregated into a permission set of Type Group that points back at it.
	afterInsert: func(o *Org, rec soql.Record) {
		id := str(rec, "Id")
		_, _ = o.insert(o.objectType("PermissionSet"), map[string]any{
			"Name": "X" + id[:15], "Label": str(rec, "MasterLabel"), "IsOwnedByProfile": false, "IsCustom": false,
			"PermissionSetGroupId": id, "Type": "Group",
		}, systemWrite)
	},
	afterDelete: func(o *Org, rec soql.Record) {
		id := str(rec, "Id")
		o.deleteWhere("PermissionSetAssignment", "PermissionSetGroupId", id)
		o.deleteWhere("PermissionSetGroupComponent", "PermissionSetGroupId", id)
		for _, ps := range o.rows("PermissionSet") {
			if sameID(str(ps, "PermissionSetGroupId"), id) {
				o.deleteRow("PermissionSet", str(ps, "Id"))
			}
		}
	},
}

var psgComponentHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		ps := o.lookup("PermissionSet", str(rec, "PermissionSetId"))
		if ps["IsOwnedByProfile"] == true || str(ps, "PermissionSetGroupId") != "" {
			return fieldError("FIELD_INTEGRITY_EXCEPTION", "You can't add a permission set that's owned by a profile or a permission set group to a permission set group.", "PermissionSetId")
		}
		for _, c := range o.rows("PermissionSetGroupComponent") {
			if sameID(str(c, "PermissionSetGroupId"), str(rec, "PermissionSetGroupId")) && sameID(str(c, "PermissionSetId"), str(rec, "PermissionSetId")) {
				return duplicateValue("<unknown>", "<unknown>")
			}
		}
		return nil
	},
}

func assignmentKey(a soql.Record) string {
	head := func(s string) string { return s[:min(len(s), 15)] }
	return head(str(a, "AssigneeId")) + "/" + head(str(a, "PermissionSetId"))
}

// assignmentPairs indexes assignments by assignee and permission set, the pair Salesforce keeps unique.
func (o *Org) assignmentPairs() map[string]string {
	return o.index("PermissionSetAssignment:pair", func(add func(key, id string)) {
		o.each("PermissionSetAssignment", func(a soql.Record) bool {
			add(assignmentKey(a), str(a, "Id"))
			return true
		})
	})
}

var assignmentHooks = hooks{
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		psID, psgID := str(rec, "PermissionSetId"), str(rec, "PermissionSetGroupId")
		switch {
		case psID == "" && psgID == "":
			return requiredError([]string{"PermissionSetId"})
		case psgID != "":
			agg := o.findRow("PermissionSet", "PermissionSetGroupId", psgID)
			if agg == nil {
				return fieldError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
			}
			if psID != "" && !sameID(psID, str(agg, "Id")) {
				return fieldError("FIELD_INTEGRITY_EXCEPTION", "Specify either a permission set or a permission set group, not both.", "PermissionSetId", "PermissionSetGroupId")
			}
			rec["PermissionSetId"] = agg["Id"]
		default:
			ps := o.lookup("PermissionSet", psID)
			if str(ps, "PermissionSetGroupId") != "" {
				return fieldError("FIELD_INTEGRITY_EXCEPTION", "You can't assign a permission set group's aggregate permission set; assign the group instead.", "PermissionSetId")
			}
		}
		if _, duplicate := o.assignmentPairs()[assignmentKey(rec)]; duplicate {
			return duplicateValue("<unknown>", "<unknown>")
		}
		// A permission set tied to a user license can only go to users of that license.
		if lic := str(o.lookup("PermissionSet", str(rec, "PermissionSetId")), "LicenseId"); lic != "" {
			user := o.lookup("User", str(rec, "AssigneeId"))
			if ul := o.licenseOf(str(user, "ProfileId")); ul == nil || !sameID(str(ul, "Id"), lic) {
				return fieldError("FIELD_INTEGRITY_EXCEPTION", "The user license doesn't match the user license of the permission set.", "PermissionSetId")
			}
		}
		rec["IsActive"], rec["IsRevoked"] = true, false
		return nil
	},
	afterInsert: func(o *Org, rec soql.Record) { o.assignmentPairs()[assignmentKey(rec)] = str(rec, "Id") },
	beforeDelete: func(o *Org, rec soql.Record) *apiError {
		if ps := o.lookup("PermissionSet", str(rec, "PermissionSetId")); ps != nil && ps["IsOwnedByProfile"] == true {
			return fieldError("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id")
		}
		return nil
	},
}
