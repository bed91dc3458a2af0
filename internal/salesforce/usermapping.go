package salesforce

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// MappingProblem is one thing wrong with a User field mapping: the mapping key (or, for a missing required
// field, the field's API name) and a message that names the fix.
type MappingProblem struct {
	Field, Message string
}

// maxListedValues is how many allowed picklist values a message lists before it cuts the list short.
const maxListedValues = 20

// CheckUserMapping checks a mapping of User fields to Okta expressions against the org's User describe: each
// field exists and is createable, and updateable unless insertOnly lists it (such a field is only ever set
// when the user is created); a string literal ("\"en_US\"" or "'en_US'") given to a picklist field is one
// of its active values and a literal fits the field's length; every field in required is mapped. Empty or
// unknown expressions are left to the caller. Problems come sorted by field.
func CheckUserMapping(d *SObjectDescribe, mapping map[string]string, required []string, insertOnly []string) []MappingProblem {
	object := "User"
	if d != nil && d.Name != "" {
		object = d.Name
	}
	var problems []MappingProblem
	keys := make([]string, 0, len(mapping))
	for k := range mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		f, ok := d.Field(key)
		if !ok {
			problems = append(problems, MappingProblem{Field: key, Message: unknownFieldMessage(d, object, key)})
			continue
		}
		if !f.Createable {
			problems = append(problems, MappingProblem{Field: key, Message: fmt.Sprintf(
				"%s.%s (%s) is not createable: Salesforce sets it itself, so a user cannot be created with it. Remove %q from the mapping.",
				object, f.Name, f.Label, key)})
			continue
		}
		if !f.Updateable && !containsFold(insertOnly, f.Name) {
			problems = append(problems, MappingProblem{Field: key, Message: fmt.Sprintf(
				"%s.%s (%s) is not updateable, so a change in Okta would never reach Salesforce after the user is created. Remove %q from the mapping.",
				object, f.Name, f.Label, key)})
		}
		if literal, ok := stringLiteral(mapping[key]); ok {
			problems = append(problems, checkLiteral(object, key, f, literal)...)
		}
	}
	for _, name := range required {
		if !mappedFold(mapping, name) {
			problems = append(problems, MappingProblem{Field: name, Message: fmt.Sprintf(
				"%s.%s is required to create a user and is not mapped. Add it, for example %s.",
				object, name, exampleMapping(name))})
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Field < problems[j].Field })
	return problems
}

// checkLiteral checks a constant value against the field: picklist membership and length.
func checkLiteral(object, key string, f *FieldDescribe, literal string) []MappingProblem {
	switch f.Type {
	case "picklist", "multipicklist":
		values := []string{literal}
		if f.Type == "multipicklist" {
			values = strings.Split(literal, ";")
		}
		var out []MappingProblem
		for _, v := range values {
			if activePicklistValue(f, v) {
				continue
			}
			hint := ""
			if exact, ok := activePicklistValueFold(f, v); ok {
				hint = fmt.Sprintf(" Picklist values are case-sensitive: did you mean %q?", exact)
			}
			out = append(out, MappingProblem{Field: key, Message: fmt.Sprintf(
				"%q is not an active value of the picklist %s.%s (%s).%s Allowed values: %s.",
				v, object, f.Name, f.Label, hint, allowedValues(f))})
		}
		return out
	case "string", "email", "textarea", "phone", "url":
		if f.Length > 0 && utf8.RuneCountInString(literal) > f.Length {
			return []MappingProblem{{Field: key, Message: fmt.Sprintf(
				"%q is %d characters long; %s.%s (%s) holds at most %d. Shorten the value.",
				literal, utf8.RuneCountInString(literal), object, f.Name, f.Label, f.Length)}}
		}
	}
	return nil
}

// stringLiteral returns the text of an expression that is a single quoted string and nothing else.
func stringLiteral(expr string) (string, bool) {
	s := strings.TrimSpace(expr)
	if len(s) < 2 {
		return "", false
	}
	quote := s[0]
	if (quote != '"' && quote != '\'') || s[len(s)-1] != quote {
		return "", false
	}
	inner := s[1 : len(s)-1]
	if strings.IndexByte(inner, quote) >= 0 { // "a" + "b" is an expression, not one literal
		return "", false
	}
	return inner, true
}

func activePicklistValue(f *FieldDescribe, v string) bool {
	for _, p := range f.PicklistValues {
		if p.Active && p.Value == v {
			return true
		}
	}
	return false
}

func activePicklistValueFold(f *FieldDescribe, v string) (string, bool) {
	for _, p := range f.PicklistValues {
		if p.Active && strings.EqualFold(p.Value, v) {
			return p.Value, true
		}
	}
	return "", false
}

// allowedValues lists the active values, the first maxListedValues of them followed by "…" when there are more.
func allowedValues(f *FieldDescribe) string {
	var active []string
	for _, p := range f.PicklistValues {
		if p.Active {
			active = append(active, p.Value)
		}
	}
	if len(active) == 0 {
		return "none (the picklist has no active values)"
	}
	more := len(active) > maxListedValues
	if more {
		active = active[:maxListedValues]
	}
	list := strings.Join(active, ", ")
	if more {
		list += ", …"
	}
	return list
}

// unknownFieldMessage names the closest field when there is one, and how custom fields are spelt.
func unknownFieldMessage(d *SObjectDescribe, object, key string) string {
	msg := fmt.Sprintf("%s has no field %q.", object, key)
	if strings.HasPrefix(strings.ToLower(key), strings.ToLower(object)+".") {
		return msg + fmt.Sprintf(" Write the field's API name without the %q prefix, for example %q.", object+".", key[len(object)+1:])
	}
	var names []string
	if d != nil {
		for _, f := range d.Fields {
			if f.Createable {
				names = append(names, f.Name)
			}
		}
	}
	var near []string
	for _, n := range Suggest(key, names, 3) {
		if editDistance(strings.ToLower(n), strings.ToLower(key)) <= max(2, len(key)/5) { // a typo, not another field
			near = append(near, n)
		}
	}
	if len(near) > 0 {
		msg += fmt.Sprintf(" Did you mean %s?", quoteAll(near))
	}
	return msg + " Use the field's API name as in Setup → Object Manager → User → Fields; custom fields end in __c."
}

// exampleMapping suggests an Okta expression for a commonly required field.
func exampleMapping(field string) string {
	examples := map[string]string{
		"username": "user.login", "email": "user.email", "lastname": "user.lastName", "firstname": "user.firstName",
		"profileid": "appuser.profile", "federationidentifier": "user.login", "alias": "String.substringBefore(user.email, \"@\")",
		"localesidkey": "\"en_US\"", "languagelocalekey": "\"en_US\"", "timezonesidkey": "\"America/Los_Angeles\"", "emailencodingkey": "\"UTF-8\"",
	}
	if e, ok := examples[strings.ToLower(field)]; ok {
		return fmt.Sprintf("%s = %q", field, e)
	}
	return fmt.Sprintf("%s = <an Okta expression>", field)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " or ")
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func mappedFold(mapping map[string]string, field string) bool {
	for k := range mapping {
		if strings.EqualFold(k, field) {
			return true
		}
	}
	return false
}
