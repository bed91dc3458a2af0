// Package attrcheck checks that Okta user attributes can fill Salesforce User fields: by type at plan (from
// the Okta user schema and the User describe), and value by value before a write (length, restricted
// picklists, number range), so that a user whose values Salesforce would refuse is reported, not sent.
package attrcheck

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// simpleUserRef is the only expression shape whose type is known: user.<attribute>.
var simpleUserRef = regexp.MustCompile(`^\s*user\.([A-Za-z_][A-Za-z0-9_]*)\s*$`)

// UserAttribute returns the Okta user attribute a simple `user.<attribute>` expression names.
func UserAttribute(expr string) (string, bool) {
	m := simpleUserRef.FindStringSubmatch(expr)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Problem is one finding about a mapping; Warning problems do not stop the plan.
type Problem struct {
	Summary string
	Detail  string
	Warning bool
}

// compatible lists, by Okta attribute type, the Salesforce field types it can fill.
var compatible = map[string][]string{
	"string":  {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox", "encryptedstring", "date", "datetime", "reference", "id"},
	"boolean": {"boolean", "string", "textarea"},
	"integer": {"double", "currency", "percent", "int", "string", "textarea"},
	"number":  {"double", "currency", "percent", "string", "textarea"},
	"array":   {"multipicklist"},
}

// fieldKind names a Salesforce field type as Setup does.
func fieldKind(f *salesforce.FieldDescribe) string {
	switch f.Type {
	case "string":
		return fmt.Sprintf("text (length %d)", f.Length)
	case "boolean":
		return "checkbox"
	case "double", "int":
		return fmt.Sprintf("number (precision %d, scale %d)", f.Precision, f.Scale)
	case "multipicklist":
		return "multi-select picklist"
	case "textarea":
		return "text area"
	}
	return f.Type
}

// attrKind names an Okta attribute type as the Profile Editor does.
func attrKind(p okta.UserSchemaProperty) string {
	if p.Type == "array" && p.ItemsType != "" {
		return p.Type + " of " + p.ItemsType
	}
	return p.Type
}

// CheckMapping checks that expr can fill the Salesforce field: an unknown Okta attribute is an error with
// suggestions, an incompatible type is an error naming both types and the fix, and values the Okta schema
// allows but Salesforce would refuse (longer strings, enum values outside a restricted picklist) are warnings.
// Expressions other than user.<attribute> cannot be typed and are not checked; nor is a field describe lacks.
func CheckMapping(schema okta.UserSchema, d *salesforce.SObjectDescribe, field, expr string) []Problem {
	attr, ok := UserAttribute(expr)
	if !ok || schema == nil {
		return nil
	}
	p, known := schema[attr]
	if !known {
		msg := fmt.Sprintf("The Okta user profile has no attribute %q (expression %q).", attr, strings.TrimSpace(expr))
		var near []string
		for _, n := range salesforce.Suggest(attr, schema.Names(), 3) {
			if editDistance(strings.ToLower(n), strings.ToLower(attr)) <= max(2, len(attr)/4) { // a typo, not another attribute
				near = append(near, "user."+n)
			}
		}
		if len(near) > 0 {
			msg += fmt.Sprintf(" Did you mean %s?", strings.Join(near, " or "))
		}
		return []Problem{{Summary: "Unknown Okta User Attribute", Detail: msg +
			" Add the attribute in Okta (Directory → Profile Editor → User (default)) or map an existing one."}}
	}
	f, found := d.Field(field)
	if !found {
		return nil
	}
	if !contains(compatible[p.Type], f.Type) {
		return []Problem{{Summary: "Incompatible Attribute Type", Detail: fmt.Sprintf(
			"The Okta attribute user.%s is %s and the Salesforce field User.%s is a %s: Salesforce would refuse every value. %s",
			attr, article(attrKind(p)), f.Name, fieldKind(f), fix(p, f))}}
	}
	var out []Problem
	if !p.Custom && !f.Custom {
		return nil // Okta's base attributes and Salesforce's standard fields: values are checked user by user
	}
	switch {
	// Without a maxLength in Okta only the values tell: plan checks them user by user.
	case p.Type == "string" && (f.Type == "string" || f.Type == "textarea") && f.Length > 0 && p.MaxLength > f.Length:
		out = append(out, Problem{Warning: true, Summary: "Okta Values May Be Too Long", Detail: fmt.Sprintf(
			"The Okta attribute user.%s allows %d characters and User.%s holds %d: users with longer values are reported and not written. "+
				"Set maxLength %d on the Okta attribute, or lengthen the field.", attr, p.MaxLength, f.Name, f.Length, f.Length)})
	case f.RestrictedPicklist && (f.Type == "picklist" || f.Type == "multipicklist"):
		enum := p.Enum
		if p.Type == "array" {
			enum = p.ItemsEnum
		}
		var outside []string
		for _, v := range enum {
			if !activeValue(f, v) {
				outside = append(outside, strconv.Quote(v))
			}
		}
		if len(outside) > 0 {
			out = append(out, Problem{Warning: true, Summary: "Okta Values Outside the Restricted Picklist", Detail: fmt.Sprintf(
				"The Okta attribute user.%s allows %s, which the restricted picklist User.%s does not have: users with those values are "+
					"reported and not written. Add the values to the picklist or remove them from the Okta enum.", attr, strings.Join(outside, ", "), f.Name)})
		}
	}
	return out
}

func fix(p okta.UserSchemaProperty, f *salesforce.FieldDescribe) string {
	want := map[string]string{"string": "a text, email, phone, picklist or date field", "boolean": "a checkbox field",
		"integer": "a number field", "number": "a number field", "array": "a multi-select picklist field"}[p.Type]
	return fmt.Sprintf("Map user.%s to %s, or map User.%s from an Okta attribute of a matching type.", p.Name, want, f.Name)
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func activeValue(f *salesforce.FieldDescribe, v string) bool {
	for _, pv := range f.PicklistValues {
		if pv.Active && strings.EqualFold(pv.Value, v) {
			return true
		}
	}
	return false
}

// FitValue converts an Okta value to what the Salesforce field holds (an array becomes a multi-select
// picklist's ";"-joined values in picklist order, a number is rounded to the field's scale, a cleared checkbox
// is false) and says why Salesforce would refuse it, if it would. A nil field leaves v as it is.
func FitValue(f *salesforce.FieldDescribe, v any) (any, string) {
	if f == nil {
		return v, ""
	}
	if v == nil {
		if f.Type == "boolean" {
			return false, ""
		}
		return nil, ""
	}
	switch f.Type {
	case "multipicklist":
		return fitMultiSelect(f, v)
	case "boolean":
		switch t := v.(type) {
		case bool:
			return t, ""
		case string:
			if b, err := strconv.ParseBool(t); err == nil {
				return b, ""
			}
		}
		return v, fmt.Sprintf("%v is not a checkbox value (true or false)", v)
	case "double", "currency", "percent", "int":
		return fitNumber(f, v)
	}
	if _, isArray := v.([]any); isArray {
		return v, fmt.Sprintf("an array cannot fill %s", article(fieldKind(f)))
	}
	s, isString := v.(string)
	if !isString {
		return v, ""
	}
	switch f.Type {
	case "picklist":
		if f.RestrictedPicklist && s != "" && !activeValue(f, s) {
			return v, fmt.Sprintf("%q is not a value of the restricted picklist", s)
		}
	case "date":
		if _, err := time.Parse("2006-01-02", s); err != nil && s != "" {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return t.UTC().Format("2006-01-02"), ""
			}
			return v, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", s)
		}
	case "datetime":
		// Written as Salesforce reads it back (UTC, milliseconds, +0000), so an unchanged value plans no diff.
		if s == "" {
			break
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return v, fmt.Sprintf("%q is not a date-time (RFC 3339, e.g. 2026-02-01T10:00:00Z)", s)
		}
		return t.UTC().Format(salesforceDateTime), ""
	}
	if n := len([]rune(s)); f.Length > 0 && n > f.Length && f.Type != "picklist" {
		return v, fmt.Sprintf("%d characters, longer than the field's length %d", n, f.Length)
	}
	return v, ""
}

// salesforceDateTime is how Salesforce's REST API writes a dateTime field.
const salesforceDateTime = "2006-01-02T15:04:05.000+0000"

func fitMultiSelect(f *salesforce.FieldDescribe, v any) (any, string) {
	var values []string
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if e != nil {
				values = append(values, fmt.Sprint(e))
			}
		}
	case string:
		values = strings.Split(t, ";")
	default:
		values = []string{fmt.Sprint(t)}
	}
	chosen := map[string]bool{}
	var extra []string
	for _, s := range values {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case activeValue(f, s):
			chosen[strings.ToLower(s)] = true
		case f.RestrictedPicklist:
			return v, fmt.Sprintf("%q is not a value of the restricted picklist", s)
		case !contains(extra, s):
			extra = append(extra, s)
		}
	}
	var kept []string
	for _, pv := range f.PicklistValues {
		if chosen[strings.ToLower(pv.Value)] {
			kept = append(kept, pv.Value)
		}
	}
	kept = append(kept, extra...)
	if len(kept) == 0 {
		return nil, ""
	}
	return strings.Join(kept, ";"), ""
}

func fitNumber(f *salesforce.FieldDescribe, v any) (any, string) {
	var n float64
	switch t := v.(type) {
	case float64:
		n = t
	case int:
		n = float64(t)
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return v, fmt.Sprintf("%q is not a number", t)
		}
		n = p
	default:
		return v, fmt.Sprintf("%v is not a number", v)
	}
	if f.Precision > 0 {
		scale := math.Pow(10, float64(f.Scale))
		n = math.Round(n*scale) / scale
		if math.Abs(n) >= math.Pow(10, float64(f.Precision-f.Scale)) {
			return v, fmt.Sprintf("%v is outside the field's range (precision %d, scale %d)", v, f.Precision, f.Scale)
		}
	}
	return n, ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
