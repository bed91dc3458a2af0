package sfemu

// This file adds an org's custom User fields (declared in its seed, as an admin would create them in Setup) to
// the User describe, and validates values written to them the way Salesforce does for each field type.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// CustomFieldSeed declares one custom User field, in the terms of Setup's "New Custom Field" (Metadata API
// FieldType names).
type CustomFieldSeed struct {
	// Name is the API name and must end in "__c", e.g. "Cost_Center__c".
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	// Type is Text, TextArea, LongTextArea, Email, Phone, Url, Checkbox, Number, Currency, Percent, Date,
	// Picklist or MultiselectPicklist.
	Type string `json:"type"`
	// Length is the maximum length of a text field (Text: 1–255, default 255).
	Length int `json:"length,omitempty"`
	// Precision and Scale are a number's total digits (1–18) and digits after the point.
	Precision int `json:"precision,omitempty"`
	Scale     int `json:"scale,omitempty"`
	// Values are the picklist values; Restricted refuses any other value.
	Values     []string `json:"values,omitempty"`
	Restricted bool     `json:"restricted,omitempty"`
	// Required makes the field required on create (Checkbox fields never are).
	Required bool `json:"required,omitempty"`
}

// CustomField is the metadata a custom field has beyond Field: its number precision and scale.
type CustomField struct {
	Precision int
	Scale     int
}

// customFieldTypes maps Metadata API field types to describe types and their fixed lengths (0: from the seed).
var customFieldTypes = map[string]struct {
	describe string
	length   int
}{
	"text": {"string", 0}, "textarea": {"textarea", 255}, "longtextarea": {"textarea", 0}, "email": {"email", 80},
	"phone": {"phone", 40}, "url": {"url", 255}, "checkbox": {"boolean", 0}, "number": {"double", 0},
	"currency": {"currency", 0}, "percent": {"percent", 0}, "date": {"date", 0}, "picklist": {"picklist", 255},
	"multiselectpicklist": {"multipicklist", 4099},
}

// customUserField builds the Field of one seeded custom User field.
func customUserField(s CustomFieldSeed) (*Field, error) {
	if !strings.HasSuffix(s.Name, "__c") || len(s.Name) < 4 || strings.Contains(strings.TrimSuffix(s.Name, "__c"), "__") {
		return nil, fmt.Errorf("custom field %q: the API name must end in __c (e.g. Cost_Center__c)", s.Name)
	}
	kind, ok := customFieldTypes[strings.ToLower(s.Type)]
	if !ok {
		return nil, fmt.Errorf("custom field %s: unknown type %q", s.Name, s.Type)
	}
	label := s.Label
	if label == "" {
		label = strings.ReplaceAll(strings.TrimSuffix(s.Name, "__c"), "_", " ")
	}
	flags := "cun"
	if s.Required && kind.describe != "boolean" {
		flags = "cu"
	}
	f := fd(s.Name, kind.describe, flags, kind.length, label)
	f.Custom = &CustomField{}
	switch kind.describe {
	case "string", "textarea":
		if f.Length == 0 {
			f.Length = s.Length
			if f.Length == 0 {
				f.Length = 255
			}
		}
		if f.Length < 1 || (kind.describe == "string" && f.Length > 255) || f.Length > 131072 {
			return nil, fmt.Errorf("custom field %s: length %d is out of range", s.Name, f.Length)
		}
	case "boolean":
		f.Nillable, f.DefaultedOnCreate = false, true
	case "double", "currency", "percent":
		f.Custom.Precision, f.Custom.Scale = s.Precision, s.Scale
		if f.Custom.Precision == 0 {
			f.Custom.Precision = 18
		}
		if f.Custom.Precision > 18 || f.Custom.Scale < 0 || f.Custom.Scale > f.Custom.Precision {
			return nil, fmt.Errorf("custom field %s: precision %d and scale %d are out of range", s.Name, s.Precision, s.Scale)
		}
	case "picklist", "multipicklist":
		if len(s.Values) == 0 {
			return nil, fmt.Errorf("custom field %s: a picklist needs values", s.Name)
		}
		f.Picklist, f.Restricted = append([]string(nil), s.Values...), s.Restricted
	}
	return f, nil
}

// addCustomUserFields appends the seed's custom fields to the org's User type.
func (o *Org) addCustomUserFields(seeds []CustomFieldSeed) error {
	if len(seeds) == 0 {
		return nil
	}
	t := o.objectType("User")
	for _, s := range seeds {
		f, err := customUserField(s)
		if err != nil {
			return fmt.Errorf("sfemu: seed: %w", err)
		}
		if t.field(f.Name) != nil {
			return fmt.Errorf("sfemu: seed: custom field %s is declared twice", f.Name)
		}
		t.Fields = append(t.Fields, f)
		t.index()
	}
	return nil
}

// describeCustom completes a custom field's describe entry.
func describeCustom(f *Field, entry map[string]any) {
	if f.Custom == nil {
		return
	}
	entry["custom"] = true
	entry["precision"], entry["scale"], entry["digits"] = 0, 0, 0
	switch f.Type {
	case "double", "currency", "percent":
		entry["precision"], entry["scale"], entry["length"] = f.Custom.Precision, f.Custom.Scale, 0
		entry["soapType"] = "xsd:double"
	case "boolean":
		entry["defaultValue"] = false
	case "multipicklist":
		entry["sortable"], entry["groupable"] = false, false
	}
}

// coerceCustom converts a value written to a custom field, with Salesforce's errors. Strings are accepted for
// numbers, checkboxes and dates (JIT and Collections callers send them); one that does not parse is
// INVALID_TYPE_ON_FIELD_IN_RECORD, the message inferred from Salesforce's "value not of required type" answers.
func coerceCustom(f *Field, v any) (any, *apiError) {
	notOfType := func() *apiError {
		return fieldError("INVALID_TYPE_ON_FIELD_IN_RECORD", fmt.Sprintf("%s: value not of required type: %v", f.Label, v), f.Name)
	}
	if v == nil {
		if f.Type == "boolean" {
			return false, nil // a checkbox cleared is unchecked
		}
		return nil, nil
	}
	switch v.(type) {
	case map[string]any, []any:
		return nil, fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of %s from %s value or request may be missing a required field", f.Type, jsonKind(v)))
	}
	switch f.Type {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, notOfType()
	case "double", "currency", "percent":
		n, ok := v.(float64)
		if s, isStr := v.(string); isStr {
			if s == "" {
				return nil, nil
			}
			p, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			n, ok = p, err == nil && !math.IsInf(p, 0) && !math.IsNaN(p)
		}
		if !ok {
			return nil, notOfType()
		}
		scale := math.Pow(10, float64(f.Custom.Scale))
		n = math.Round(n*scale) / scale
		if math.Abs(n) >= math.Pow(10, float64(f.Custom.Precision-f.Custom.Scale)) {
			return nil, fieldError("NUMBER_OUTSIDE_VALID_RANGE", fmt.Sprintf("%s: value outside of valid range on numeric field: %v", f.Label, v), f.Name)
		}
		return n, nil
	}
	s, ok := v.(string)
	if !ok {
		if _, isBool := v.(bool); !isBool && f.Type != "string" && f.Type != "textarea" {
			return nil, notOfType()
		}
		s = fmt.Sprint(v)
	}
	if s == "" {
		return nil, nil
	}
	switch f.Type {
	case "date":
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			if t, ok := parseDateTime(s); ok {
				return t.UTC().Format("2006-01-02"), nil
			}
			return nil, fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize value of type `java.util.Date` from String \"%s\": not a valid representation", s))
		}
		return d.Format("2006-01-02"), nil
	case "email":
		if !emailPattern.MatchString(s) {
			return nil, fieldError("INVALID_EMAIL_ADDRESS", fmt.Sprintf("%s: invalid email address: %s", f.Label, s), f.Name)
		}
	case "picklist":
		if f.Restricted && !containsFold(f.Picklist, s) {
			return nil, fieldError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fmt.Sprintf("%s: bad value for restricted picklist field: %s", f.Label, s), f.Name)
		}
	case "multipicklist":
		// Salesforce keeps the selected values in the picklist's order, values outside it (unrestricted) last.
		chosen := map[string]bool{}
		var extra []string
		for _, part := range strings.Split(s, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !containsFold(f.Picklist, part) {
				if f.Restricted {
					return nil, fieldError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fmt.Sprintf("%s: bad value for restricted picklist field: %s", f.Label, part), f.Name)
				}
				if !containsFold(extra, part) {
					extra = append(extra, part)
				}
				continue
			}
			chosen[strings.ToLower(part)] = true
		}
		var kept []string
		for _, p := range f.Picklist {
			if chosen[strings.ToLower(p)] {
				kept = append(kept, p)
			}
		}
		s = strings.Join(append(kept, extra...), ";")
	}
	if f.Length > 0 && len([]rune(s)) > f.Length {
		return nil, fieldError("STRING_TOO_LONG", fmt.Sprintf("%s: data value too large: %s (max length=%d)", f.Label, s, f.Length), f.Name)
	}
	return s, nil
}

// jitValue is the value a SAML attribute with several values gives a User field: a multi-select picklist takes
// them all (";"-joined), any other field the first.
func jitValue(f *Field, values []string) string {
	if f.Type == "multipicklist" {
		return strings.Join(values, ";")
	}
	return values[0]
}
