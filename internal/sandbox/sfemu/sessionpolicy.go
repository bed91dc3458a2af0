package sfemu

// This file holds what a profile requires of a sign-in: the Metadata API's ProfileSessionSetting (session level
// required at login, session timeout) and the Profile's loginIpRanges, and the per-login-method session level that
// Salesforce only lets an admin set in Setup (Session Settings › Session Security Levels; no Metadata field carries
// it), which the ACS reads to decide whether a SAML sign-in is High Assurance.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// Session security levels (Metadata enum SessionSecurityLevel).
const (
	levelLow           = "LOW"
	levelStandard      = "STANDARD"
	levelHighAssurance = "HIGH_ASSURANCE"
)

// profileSettingsTable keeps per-profile metadata that has no sObject field: it is not in the schema, so
// REST and SOQL never see it; rows are keyed by the profile's 15-character id and persist with the org.
const profileSettingsTable = "__ProfileSettings"

// loginMethodLevelsTable keeps the Setup-only level of each SamlSsoConfig, keyed by its 15-character id.
const loginMethodLevelsTable = "__LoginMethodLevels"

// sessionTimeouts are the minutes ProfileSessionSetting accepts; 0 is "None" (the org's timeout applies).
var sessionTimeouts = map[int]bool{0: true, 15: true, 30: true, 60: true, 90: true, 120: true, 240: true, 480: true, 720: true, 1440: true}

// sessionPolicyFields are the elements of ProfileSessionSetting and Profile that upsertMetadata reads.
type sessionPolicyFields struct {
	Profile              string           `xml:"profile"`
	RequiredSessionLevel string           `xml:"requiredSessionLevel"`
	SessionTimeout       string           `xml:"sessionTimeout"`
	Description          *string          `xml:"description"` // nil: not sent (a Profile upsert keeps it)
	Custom               string           `xml:"custom"`
	UserLicense          string           `xml:"userLicense"`
	LoginIPRanges        []profileIPRange `xml:"loginIpRanges"`
}

// profileIPRange is ProfileLoginIpRange.
type profileIPRange struct {
	Description  string `xml:"description,omitempty" json:"description,omitempty"`
	EndAddress   string `xml:"endAddress" json:"endAddress"`
	StartAddress string `xml:"startAddress" json:"startAddress"`
}

// metadataItem is one <metadata> of upsertMetadata: the union of the types the emulator serves, told apart by xsi:type.
type metadataItem struct {
	samlMetadata
	sessionPolicyFields
}

func metadataType(xsiType string) string {
	if _, local, ok := strings.Cut(xsiType, ":"); ok {
		return local
	}
	return xsiType
}

// profileSettings returns the side row of a profile, created with Salesforce's defaults (no required level, no
// timeout, no ranges) when absent.
func (o *Org) profileSettings(profile soql.Record) soql.Record {
	t := o.table(profileSettingsTable)
	k := key15(str(profile, "Id"))
	if r := t.Rows[k]; r != nil {
		return r
	}
	r := soql.Record{"ProfileId": str(profile, "Id"), "RequiredSessionLevel": "", "SessionTimeout": "0", "LoginIpRanges": "[]"}
	t.Rows[k] = r
	t.Order = append(t.Order, k)
	return r
}

func (o *Org) profileRanges(profile soql.Record) []profileIPRange {
	var out []profileIPRange
	_ = json.Unmarshal([]byte(str(o.profileSettings(profile), "LoginIpRanges")), &out)
	return out
}

// sessionSettingName is the generated fullName Salesforce gives a retrieved ProfileSessionSetting
// (<name>_profileSessionSetting<epoch ms>); callers match on <profile>, not on it.
var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func sessionSettingName(profile soql.Record) string {
	ms := int64(0)
	if t, ok := parseDateTime(str(profile, "CreatedDate")); ok {
		ms = t.UnixMilli()
	}
	return strings.Trim(nonWord.ReplaceAllString(str(profile, "Name"), "_"), "_") + "_profileSessionSetting" + strconv.FormatInt(ms, 10)
}

func (o *Org) profileBySessionSettingName(name string) soql.Record {
	var found soql.Record
	o.each("Profile", func(p soql.Record) bool {
		if sessionSettingName(p) == name {
			found = p
		}
		return found == nil
	})
	return found
}

func (o *Org) saveProfileSessionSetting(m metadataItem) (bool, *saveError) {
	if m.FullName == "" {
		return false, &saveError{"REQUIRED_FIELD_MISSING", "Required field is missing: fullName"}
	}
	if m.Profile == "" {
		return false, &saveError{"REQUIRED_FIELD_MISSING", "Required field is missing: profile"}
	}
	if m.SessionTimeout == "" {
		return false, &saveError{"REQUIRED_FIELD_MISSING", "Required field is missing: sessionTimeout"}
	}
	profile := o.findRow("Profile", "Name", m.Profile)
	if profile == nil {
		return false, &saveError{"INVALID_CROSS_REFERENCE_KEY", fmt.Sprintf("In field: profile - no Profile named %s found", m.Profile)}
	}
	// One setting per profile: a fullName that names another profile's setting is refused.
	if other := o.profileBySessionSettingName(m.FullName); other != nil && !sameID(str(other, "Id"), str(profile, "Id")) {
		return false, &saveError{"FIELD_INTEGRITY_EXCEPTION", fmt.Sprintf("%s is the session setting of profile %s, not of %s", m.FullName, str(other, "Name"), m.Profile)}
	}
	minutes, err := strconv.Atoi(m.SessionTimeout)
	if err != nil || !sessionTimeouts[minutes] {
		return false, &saveError{"FIELD_INTEGRITY_EXCEPTION", fmt.Sprintf("Invalid session timeout value: %s. Valid values are 15, 30, 60, 90, 120, 240, 480, 720 and 1440 minutes.", m.SessionTimeout)}
	}
	row := o.profileSettings(profile)
	oldLevel := str(row, "RequiredSessionLevel")
	row["RequiredSessionLevel"], row["SessionTimeout"] = m.RequiredSessionLevel, strconv.Itoa(minutes)
	// The profile's session settings are part of the profile: its LastModifiedDate and SystemModstamp move.
	if err := o.update(o.objectType("Profile"), str(profile, "Id"), map[string]any{}, systemWrite); err != nil {
		return false, &saveError{err.Code, err.Message}
	}
	o.auditRequiredSessionLevel(m.Profile, oldLevel, m.RequiredSessionLevel)
	o.dirty = true
	return false, nil
}

// saveProfile applies a Profile component as an overlay: an element sent replaces the profile's (the ranges sent
// replace the whole list), an element left out is kept. The Metadata API guide says Profile deployment overlays the
// profile in the org; that upsertMetadata does the same, and that an upsert without loginIpRanges keeps the ranges
// (so none can remove the last one), is the assumption the client and the resource document (unverified).
func (o *Org) saveProfile(m metadataItem) (bool, *saveError) {
	profile := o.findRow("Profile", "Name", m.FullName)
	if profile == nil {
		return false, &saveError{"INVALID_CROSS_REFERENCE_KEY", fmt.Sprintf("In field: fullName - no Profile named %s found", m.FullName)}
	}
	for i, r := range m.LoginIPRanges {
		if msg := checkIPRange(r.StartAddress, r.EndAddress); msg != "" {
			return false, &saveError{"FIELD_INTEGRITY_EXCEPTION", fmt.Sprintf("loginIpRanges[%d]: %s", i, msg)}
		}
	}
	// Saving the component is a change of the profile: its LastModifiedDate and SystemModstamp move.
	fields := map[string]any{}
	if m.Description != nil {
		fields["Description"] = nilIfEmpty(*m.Description)
	}
	if err := o.update(o.objectType("Profile"), str(profile, "Id"), fields, systemWrite); err != nil {
		return false, &saveError{err.Code, err.Message}
	}
	if len(m.LoginIPRanges) > 0 {
		b, _ := json.Marshal(m.LoginIPRanges)
		o.auditLoginIPRanges(m.FullName, str(o.profileSettings(profile), "LoginIpRanges"), string(b))
		o.profileSettings(profile)["LoginIpRanges"] = string(b)
	}
	o.dirty = true
	return false, nil
}

// ClearLoginIPRanges deletes every login IP range of the profile named profile, as an admin does in Setup › Profiles
// › Login IP Ranges (an upsert without ranges keeps them, see saveProfile).
func (o *Org) ClearLoginIPRanges(profile string) error {
	o.mu.Lock()
	p := o.findRow("Profile", "Name", profile)
	if p == nil {
		o.mu.Unlock()
		return fmt.Errorf("sfemu: %s has no profile named %s", o.Name(), profile)
	}
	o.profileSettings(p)["LoginIpRanges"] = "[]"
	o.mu.Unlock()
	o.cfg.Control.Changed()
	return nil
}

// standardProfiles are the standard profiles every org has (the seed adds them); the others are custom.
var standardProfiles = map[string]bool{"System Administrator": true, "Standard User": true}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkIPRange applies Salesforce's rules for a login IP range: both ends addresses of one family, start ≤ end.
func checkIPRange(start, end string) string {
	s, err1 := netip.ParseAddr(strings.TrimSpace(start))
	e, err2 := netip.ParseAddr(strings.TrimSpace(end))
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("Invalid IP address range %s - %s: both ends must be IP addresses", start, end)
	}
	s, e = s.Unmap(), e.Unmap()
	if s.Is4() != e.Is4() {
		return fmt.Sprintf("Invalid IP address range %s - %s: the start and end addresses must both be IPv4 or both be IPv6", start, end)
	}
	if e.Less(s) {
		return fmt.Sprintf("Invalid IP address range %s - %s: the start address must not be greater than the end address", start, end)
	}
	return ""
}

func (o *Org) writeProfileSessionSetting(b *bytes.Buffer, profile soql.Record) {
	row := o.profileSettings(profile)
	element(b, "fullName", sessionSettingName(profile))
	element(b, "profile", str(profile, "Name"))
	element(b, "requiredSessionLevel", str(row, "RequiredSessionLevel"))
	element(b, "sessionTimeout", str(row, "SessionTimeout"))
}

func (o *Org) writeProfileMetadata(b *bytes.Buffer, profile soql.Record) {
	element(b, "fullName", str(profile, "Name"))
	element(b, "custom", strconv.FormatBool(!standardProfiles[str(profile, "Name")]))
	element(b, "description", str(profile, "Description"))
	for _, r := range o.profileRanges(profile) {
		b.WriteString("<loginIpRanges>")
		element(b, "description", r.Description)
		element(b, "endAddress", r.EndAddress)
		element(b, "startAddress", r.StartAddress)
		b.WriteString("</loginIpRanges>")
	}
	if lic := o.lookup("UserLicense", str(profile, "UserLicenseId")); lic != nil {
		element(b, "userLicense", str(lic, "Name"))
	}
}

// readSessionPolicyMetadata answers readMetadata for ProfileSessionSetting and Profile.
func (o *Org) readSessionPolicyMetadata(typ string, names []string) []byte {
	var b bytes.Buffer
	b.WriteString("<result>")
	for _, n := range names {
		var profile soql.Record
		if typ == "Profile" {
			profile = o.findRow("Profile", "Name", n)
		} else {
			profile = o.profileBySessionSettingName(n)
		}
		if profile == nil {
			b.WriteString(`<records xsi:nil="true"/>`)
			continue
		}
		b.WriteString(`<records xsi:type="` + typ + `">`)
		if typ == "Profile" {
			o.writeProfileMetadata(&b, profile)
		} else {
			o.writeProfileSessionSetting(&b, profile)
		}
		b.WriteString("</records>")
	}
	b.WriteString("</result>")
	return b.Bytes()
}

// listProfileSessionSettings writes FileProperties for every profile's session setting.
func (o *Org) listProfileSessionSettings(b *bytes.Buffer) {
	o.each("Profile", func(p soql.Record) bool {
		name := sessionSettingName(p)
		b.WriteString("<result>")
		element(b, "createdById", str(p, "CreatedById"))
		element(b, "createdDate", metadataTime(str(p, "CreatedDate")))
		element(b, "fileName", "profileSessionSettings/"+name+".profileSessionSetting")
		element(b, "fullName", name)
		element(b, "lastModifiedById", str(p, "LastModifiedById"))
		element(b, "lastModifiedDate", metadataTime(str(p, "LastModifiedDate")))
		element(b, "manageableState", "unmanaged")
		element(b, "type", "ProfileSessionSetting")
		b.WriteString("</result>")
		return true
	})
}

// SetLoginMethodLevel moves the SAML single sign-on configuration named fullName to the Standard or High Assurance
// column of Session Settings › Session Security Levels, as an admin does in Setup (Salesforce offers no API for
// it). Sign-ins through a High Assurance configuration get a High Assurance session.
func (o *Org) SetLoginMethodLevel(fullName, level string) error {
	if level != levelStandard && level != levelHighAssurance {
		return fmt.Errorf("sfemu: session level %q is not STANDARD or HIGH_ASSURANCE", level)
	}
	o.mu.Lock()
	cfg := o.findRow("SamlSsoConfig", "DeveloperName", fullName)
	if cfg == nil {
		o.mu.Unlock()
		return fmt.Errorf("sfemu: %s has no SamlSsoConfig named %s", o.Name(), fullName)
	}
	t := o.table(loginMethodLevelsTable)
	k := key15(str(cfg, "Id"))
	if t.Rows[k] == nil {
		t.Order = append(t.Order, k)
	}
	t.Rows[k] = soql.Record{"Id": str(cfg, "Id"), "Level": level}
	o.mu.Unlock()
	o.cfg.Control.Changed()
	return nil
}

// signInLevel is the session level of a sign-in through cfg: its Session Security Levels column, as set with
// SetLoginMethodLevel or else by the seed's high_assurance_sso (SAML defaults to Standard). o.mu must be held.
func (o *Org) signInLevel(cfg soql.Record) string {
	if r := o.data.Tables[loginMethodLevelsTable]; r != nil {
		if row := r.Rows[key15(str(cfg, "Id"))]; row != nil && row["Id"] == str(cfg, "Id") {
			return str(row, "Level")
		}
	}
	for _, name := range o.seed.HighAssuranceSSO {
		if strings.EqualFold(name, str(cfg, "DeveloperName")) {
			return levelHighAssurance
		}
	}
	return levelStandard
}

var levelRank = map[string]int{"": 0, levelLow: 0, levelStandard: 1, levelHighAssurance: 2}

// checkProfilePolicy refuses a sign-in of user through cfg from sourceIP that the user's profile does not allow:
// outside its login IP ranges ("Restricted IP"), or below its required session level. o.mu must be held.
func (o *Org) checkProfilePolicy(user, cfg soql.Record, sourceIP string) *ssoFailure {
	profile := o.lookup("Profile", str(user, "ProfileId"))
	if profile == nil {
		return nil
	}
	if ranges := o.profileRanges(profile); len(ranges) > 0 && !inRanges(sourceIP, ranges) {
		return &ssoFailure{status: statusRestrictedIP, detail: "the sign-in came from " + sourceIP + ", outside the login IP ranges of profile " + str(profile, "Name"), user: user}
	}
	required := str(o.profileSettings(profile), "RequiredSessionLevel")
	if got := o.signInLevel(cfg); levelRank[got] < levelRank[required] {
		return &ssoFailure{status: statusSessionLevel, user: user,
			detail: fmt.Sprintf("profile %s requires a %s session; sign-ins through %s are %s", str(profile, "Name"), required, str(cfg, "DeveloperName"), got)}
	}
	return nil
}

func inRanges(ip string, ranges []profileIPRange) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, r := range ranges {
		s, err1 := netip.ParseAddr(r.StartAddress)
		e, err2 := netip.ParseAddr(r.EndAddress)
		if err1 != nil || err2 != nil {
			continue
		}
		s, e = s.Unmap(), e.Unmap()
		if s.Is4() == a.Is4() && !a.Less(s) && !e.Less(a) {
			return true
		}
	}
	return false
}
