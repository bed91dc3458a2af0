package sfemu

// This file is standard (not Apex-handler) SAML just-in-time provisioning: User.* attributes create the user on
// first sign-in and update it on later ones. Username and FederationIdentifier are insert-only.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// jitError is a provisioning failure; its message is what the SSO error page and LoginHistory report.
type jitError struct{ msg string }

func (e *jitError) Error() string { return e.msg }

// jitRequired are the attributes a first sign-in must carry (ProvisionVersion aside).
var jitRequired = []string{"Username", "Email", "LastName", "ProfileId"}

// jitFields collects the User.* attributes as field → first value, with canonical field names.
func (o *Org) jitFields(resp *samlClaims) (map[string]string, *jitError) {
	t := o.objectType("User")
	out := map[string]string{}
	for _, a := range resp.attributes {
		name, ok := strings.CutPrefix(a.name, "User.")
		if !ok || len(a.values) == 0 {
			continue
		}
		f := t.field(name)
		if f == nil {
			return nil, &jitError{fmt.Sprintf("Invalid field: %s", a.name)}
		}
		out[f.Name] = jitValue(f, a.values)
	}
	return out, nil
}

// jitBody converts attribute strings to the values DML takes, resolving ProfileId and UserRoleId given by name.
func (o *Org) jitBody(fields map[string]string) (map[string]any, *jitError) {
	t := o.objectType("User")
	body := map[string]any{}
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := fields[n]
		switch f := t.field(n); {
		case f.Type == "boolean":
			switch strings.ToLower(v) {
			case "true", "1":
				body[n] = true
			case "false", "0":
				body[n] = false
			default:
				return nil, &jitError{fmt.Sprintf("Invalid value for %s: %s", n, v)}
			}
		case n == "ProfileId":
			id := o.resolveByName("Profile", v)
			if id == "" {
				return nil, &jitError{"Invalid Profile: " + v}
			}
			body[n] = id
		case n == "UserRoleId":
			id := o.resolveByName("UserRole", v)
			if id == "" {
				return nil, &jitError{"Invalid Role: " + v}
			}
			body[n] = id
		default:
			body[n] = v
		}
	}
	return body, nil
}

// resolveByName accepts an id of typ or the Name of a typ row (case-insensitive), as JIT does for profiles.
func (o *Org) resolveByName(typ, v string) string {
	if validID(v) && o.lookup(typ, v) != nil {
		return to18(key15(v))
	}
	var id string
	o.each(typ, func(r soql.Record) bool {
		if strings.EqualFold(str(r, "Name"), v) {
			id = str(r, "Id")
		}
		return id == ""
	})
	return id
}

// jitCreate inserts a user from the assertion. subject is the mapped identity (FederationIdentifier when the
// config maps FederationId). o.mu must be held.
func (o *Org) jitCreate(resp *samlClaims, mapping, subject string) (soql.Record, *jitError) {
	fields, jerr := o.jitFields(resp)
	if jerr != nil {
		return nil, jerr
	}
	var missing []string
	for _, r := range jitRequired {
		if fields[r] == "" {
			missing = append(missing, "User."+r)
		}
	}
	if len(missing) > 0 {
		return nil, &jitError{"Missing required field(s): " + strings.Join(missing, ", ")}
	}
	if mapping == "FederationId" {
		// An attribute that disagrees with the subject is replaced by the subject.
		fields["FederationIdentifier"] = subject
	}
	o.jitDefaults(fields)
	body, jerr := o.jitBody(fields)
	if jerr != nil {
		return nil, jerr
	}
	rec, err := o.insert(o.objectType("User"), body, apiWrite)
	if err != nil {
		return nil, &jitError{err.Message}
	}
	return rec, nil
}

// jitDefaults fills what Salesforce derives when the assertion leaves it out: Alias from the names, the
// locale settings from the org's defaults, UTF-8 e-mail encoding. CommunityNickname is the insert hook's.
func (o *Org) jitDefaults(fields map[string]string) {
	if fields["Alias"] == "" {
		first, last := []rune(fields["FirstName"]), []rune(fields["LastName"])
		alias := ""
		if len(first) > 0 {
			alias = string(first[:1])
		}
		if len(last) > 4 {
			last = last[:4]
		}
		fields["Alias"] = strings.ToLower(alias + string(last))
	}
	org := o.lookup("Organization", o.keys.OrgID)
	defaults := map[string]string{
		"TimeZoneSidKey": str(org, "TimeZoneSidKey"), "LocaleSidKey": str(org, "DefaultLocaleSidKey"),
		"LanguageLocaleKey": str(org, "LanguageLocaleKey"), "EmailEncodingKey": "UTF-8",
	}
	for k, v := range defaults {
		if fields[k] == "" && v != "" {
			fields[k] = v
		}
	}
}

// jitUpdate applies the assertion's User.* attributes to an existing user, never its Username or
// FederationIdentifier. o.mu must be held.
func (o *Org) jitUpdate(user soql.Record, resp *samlClaims) *jitError {
	fields, jerr := o.jitFields(resp)
	if jerr != nil {
		return jerr
	}
	delete(fields, "Username")
	delete(fields, "FederationIdentifier")
	if len(fields) == 0 {
		return nil
	}
	body, jerr := o.jitBody(fields)
	if jerr != nil {
		return jerr
	}
	if err := o.update(o.objectType("User"), str(user, "Id"), body, apiWrite); err != nil {
		return &jitError{err.Message}
	}
	return nil
}
