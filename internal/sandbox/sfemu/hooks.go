package sfemu

import (
	"fmt"
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

// licenseUsage counts active users per license id (15-character key), except the user with id except.
func (o *Org) licenseUsage(except string) map[string]int {
	profileLicense := map[string]string{}
	for _, p := range o.rows("Profile") {
		profileLicense[key15(str(p, "Id"))] = key15(str(p, "UserLicenseId"))
	}
	used := map[string]int{}
	for _, u := range o.rows("User") {
		if u["IsActive"] != true || (except != "" && key15(str(u, "Id")) == key15(except)) {
			continue
		}
		used[profileLicense[key15(str(u, "ProfileId"))]]++
	}
	return used
}

func (o *Org) checkLicense(rec soql.Record) *apiError {
	if rec["IsActive"] != true {
		return nil
	}
	l := o.licenseOf(str(rec, "ProfileId"))
	if l == nil {
		return nil
	}
	total, _ := l["TotalLicenses"].(float64)
	if float64(o.licenseUsage(str(rec, "Id"))[key15(str(l, "Id"))]+1) > total {
		return fieldError("LICENSE_LIMIT_EXCEEDED", fmt.Sprintf("License Limit Exceeded: %s", str(l, "Name")))
	}
	return nil
}

func (o *Org) recountLicenses() {
	used := o.licenseUsage("")
	for _, l := range o.rows("UserLicense") {
		l["UsedLicenses"] = float64(used[key15(str(l, "Id"))])
	}
}

func (o *Org) checkFederationID(rec soql.Record) *apiError {
	fid := str(rec, "FederationIdentifier")
	if fid == "" {
		return nil
	}
	for _, u := range o.rows("User") {
		if strings.EqualFold(str(u, "FederationIdentifier"), fid) && key15(str(u, "Id")) != key15(str(rec, "Id")) {
			return duplicateValue("FederationIdentifier", str(u, "Id"))
		}
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
		if err := o.checkLicense(rec); err != nil {
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
		o.recountLicenses()
		if ps := o.findRow("PermissionSet", "ProfileId", str(rec, "ProfileId")); ps != nil {
			_, _ = o.insert(o.objectType("PermissionSetAssignment"), map[string]any{"AssigneeId": rec["Id"], "PermissionSetId": ps["Id"]}, systemWrite)
		}
	},
	beforeUpdate: func(o *Org, old, rec soql.Record) *apiError {
		if err := o.checkFederationID(rec); err != nil {
			return err
		}
		if old["IsActive"] != true || str(old, "ProfileId") != str(rec, "ProfileId") {
			if err := o.checkLicense(rec); err != nil {
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
		o.recountLicenses()
		if str(old, "ProfileId") == str(rec, "ProfileId") {
			return
		}
		oldPS := o.findRow("PermissionSet", "ProfileId", str(old, "ProfileId"))
		newPS := o.findRow("PermissionSet", "ProfileId", str(rec, "ProfileId"))
		for _, a := range o.rows("PermissionSetAssignment") {
			if oldPS != nil && newPS != nil && key15(str(a, "AssigneeId")) == key15(str(rec, "Id")) && key15(str(a, "PermissionSetId")) == key15(str(oldPS, "Id")) {
				a["PermissionSetId"] = newPS["Id"]
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
			if key15(str(ps, "PermissionSetGroupId")) == key15(id) {
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
			if key15(str(c, "PermissionSetGroupId")) == key15(str(rec, "PermissionSetGroupId")) && key15(str(c, "PermissionSetId")) == key15(str(rec, "PermissionSetId")) {
				return duplicateValue("<unknown>", "<unknown>")
			}
		}
		return nil
	},
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
			if psID != "" && key15(psID) != key15(str(agg, "Id")) {
				return fieldError("FIELD_INTEGRITY_EXCEPTION", "Specify either a permission set or a permission set group, not both.", "PermissionSetId", "PermissionSetGroupId")
			}
			rec["PermissionSetId"] = agg["Id"]
		default:
			ps := o.lookup("PermissionSet", psID)
			if str(ps, "PermissionSetGroupId") != "" {
				return fieldError("FIELD_INTEGRITY_EXCEPTION", "You can't assign a permission set group's aggregate permission set; assign the group instead.", "PermissionSetId")
			}
		}
		for _, a := range o.rows("PermissionSetAssignment") {
			if key15(str(a, "AssigneeId")) == key15(str(rec, "AssigneeId")) && key15(str(a, "PermissionSetId")) == key15(str(rec, "PermissionSetId")) {
				return duplicateValue("<unknown>", "<unknown>")
			}
		}
		// A permission set tied to a user license can only go to users of that license.
		if lic := str(o.lookup("PermissionSet", str(rec, "PermissionSetId")), "LicenseId"); lic != "" {
			user := o.lookup("User", str(rec, "AssigneeId"))
			if ul := o.licenseOf(str(user, "ProfileId")); ul == nil || key15(str(ul, "Id")) != key15(lic) {
				return fieldError("FIELD_INTEGRITY_EXCEPTION", "The user license doesn't match the user license of the permission set.", "PermissionSetId")
			}
		}
		rec["IsActive"], rec["IsRevoked"] = true, false
		return nil
	},
	beforeDelete: func(o *Org, rec soql.Record) *apiError {
		if ps := o.lookup("PermissionSet", str(rec, "PermissionSetId")); ps != nil && ps["IsOwnedByProfile"] == true {
			return fieldError("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id")
		}
		return nil
	},
}
