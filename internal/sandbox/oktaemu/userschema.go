package oktaemu

// This file serves the default user schema (GET/POST /api/v1/meta/schemas/user/{schemaId}) and checks user
// profiles against it on create and update, as Okta does: a profile attribute the schema does not define, a
// value of the wrong type, too long, or outside the property's enum is refused with 400 E0000001.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// userSchema is what the org's default user schema adds to its fixed base: the #custom properties.
type userSchema struct {
	Custom      map[string]any `json:"custom"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// baseUserProperties are Okta's #base user profile properties (UserSchemaBaseProperties in the OpenAPI) with
// the lengths Okta documents for the required four; the others are plain strings.
func baseUserProperties() map[string]any {
	props := map[string]any{}
	for _, name := range []string{"city", "costCenter", "countryCode", "department", "displayName", "division",
		"employeeNumber", "honorificPrefix", "honorificSuffix", "locale", "manager", "managerId", "middleName",
		"mobilePhone", "nickName", "organization", "postalAddress", "preferredLanguage", "primaryPhone", "profileUrl",
		"secondEmail", "state", "streetAddress", "timezone", "title", "userType", "zipCode"} {
		props[name] = baseUserAttr(name, nil)
	}
	props["login"] = baseUserAttr("login", map[string]any{"required": true, "minLength": 5, "maxLength": 100, "pattern": ".+"})
	props["email"] = baseUserAttr("email", map[string]any{"required": true, "format": "email", "minLength": 5, "maxLength": 100})
	props["firstName"] = baseUserAttr("firstName", map[string]any{"required": true, "minLength": 1, "maxLength": 50})
	props["lastName"] = baseUserAttr("lastName", map[string]any{"required": true, "minLength": 1, "maxLength": 50})
	return props
}

func baseUserAttr(name string, extra map[string]any) map[string]any {
	out := map[string]any{"title": name, "type": "string", "mutability": "READ_WRITE", "scope": "NONE",
		"permissions": []any{map[string]any{"principal": "SELF", "action": "READ_WRITE"}},
		"master":      map[string]any{"type": "PROFILE_MASTER"}}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// customUserProperties returns the org's custom user properties (nil when none are defined).
func (st *state) customUserProperties() map[string]any {
	if st.UserSchema == nil {
		return nil
	}
	return st.UserSchema.Custom
}

// userProfileCauses lists what Okta refuses in a user profile: undefined attributes, wrong types, values too long
// or too short, and values outside an enum. The cause texts are inferred from Okta's E0000001 answers, not
// verified against a recorded response.
func (st *state) userProfileCauses(profile map[string]any) []string {
	base, custom := baseUserProperties(), st.customUserProperties()
	var causes []string
	for _, name := range sortedKeys(profile) {
		v := profile[name]
		def, ok := custom[name].(map[string]any)
		if b, inBase := base[name].(map[string]any); inBase {
			def, ok = b, true
		}
		if !ok {
			causes = append(causes, "Property name '"+name+"' is not defined in profile")
			continue
		}
		if v == nil {
			continue
		}
		causes = append(causes, valueCauses(name, def, v)...)
	}
	return causes
}

// valueCauses checks one non-null value against its property definition.
func valueCauses(name string, def map[string]any, v any) []string {
	typ, _ := def["type"].(string)
	if !valueHasType(typ, v) {
		return []string{fmt.Sprintf("%s: The value must be of type %s", name, typ)}
	}
	var causes []string
	switch typ {
	case "string":
		s := v.(string)
		n := utf8.RuneCountInString(s)
		if maxLen, ok := intOf(def["maxLength"]); ok && n > maxLen {
			causes = append(causes, fmt.Sprintf("%s: The field is too long", name))
		}
		if minLen, ok := intOf(def["minLength"]); ok && n < minLen && n > 0 {
			causes = append(causes, fmt.Sprintf("%s: The field is too short", name))
		}
		if !inEnum(def["enum"], v) {
			causes = append(causes, fmt.Sprintf("%s: Does not match required enum values", name))
		}
	case "integer", "number":
		if !inEnum(def["enum"], v) {
			causes = append(causes, fmt.Sprintf("%s: Does not match required enum values", name))
		}
	case "array":
		items, _ := def["items"].(map[string]any)
		itemType, _ := items["type"].(string)
		for _, e := range v.([]any) {
			if itemType != "" && !valueHasType(itemType, e) {
				causes = append(causes, fmt.Sprintf("%s: The value must be an array of %s", name, itemType))
				break
			}
			if !inEnum(items["enum"], e) {
				causes = append(causes, fmt.Sprintf("%s: Does not match required enum values", name))
				break
			}
		}
	}
	return causes
}

// valueHasType reports whether a decoded JSON value (numbers as json.Number or float64) has the schema type.
func valueHasType(typ string, v any) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := numberOf(v)
		return ok
	case "integer":
		f, ok := numberOf(v)
		return ok && f == math.Trunc(f)
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func intOf(v any) (int, bool) {
	f, ok := numberOf(v)
	return int(f), ok
}

// inEnum reports whether v is one of enum's values; a missing or null enum allows anything.
func inEnum(enum any, v any) bool {
	values, ok := enum.([]any)
	if !ok || len(values) == 0 {
		return true
	}
	for _, e := range values {
		if fmt.Sprint(e) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

func (s *Server) userSchemaJSON() map[string]any {
	st := s.st
	custom := map[string]any{}
	lastUpdated := time.Time{}
	if st.UserSchema != nil {
		custom = deepCopy(st.UserSchema.Custom).(map[string]any)
		lastUpdated = st.UserSchema.LastUpdated
	}
	created := fmtTime(time.Unix(0, 0).UTC())
	if lastUpdated.IsZero() {
		lastUpdated = time.Unix(0, 0).UTC()
	}
	return map[string]any{
		"id":          s.cfg.BaseURL + "/meta/schemas/user/" + st.Org.UserSchemaID,
		"$schema":     "http://json-schema.org/draft-04/schema#",
		"name":        "user",
		"title":       "User",
		"description": "Okta user profile template with default permission settings",
		"created":     created,
		"lastUpdated": fmtTime(lastUpdated),
		"definitions": map[string]any{
			"base": map[string]any{"id": "#base", "type": "object", "properties": baseUserProperties(),
				"required": []any{"login", "firstName", "lastName", "email"}},
			"custom": map[string]any{"id": "#custom", "type": "object", "properties": custom, "required": []any{}},
		},
		"type": "object",
		"properties": map[string]any{"profile": map[string]any{"allOf": []any{
			map[string]any{"$ref": "#/definitions/custom"}, map[string]any{"$ref": "#/definitions/base"},
		}}},
		"_links": map[string]any{
			"self": s.href("/api/v1/meta/schemas/user/" + st.Org.UserSchemaID),
			"type": s.href("/api/v1/meta/types/user/" + st.Org.UserTypeID),
		},
	}
}

// knownUserSchema reports whether id names the org's default user schema ("default" or its osc id).
func (s *Server) knownUserSchema(w http.ResponseWriter, id string) bool {
	if id == "default" || id == s.st.Org.UserSchemaID {
		return true
	}
	writeNotFound(w, id, "UserSchema")
	return false
}

func (s *Server) getUserSchema(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if s.knownUserSchema(w, r.PathValue("schemaId")) {
			writeJSON(w, http.StatusOK, s.userSchemaJSON())
		}
		return false
	})
}

// propertyDefinitionCauses checks one custom property definition as Okta does on a schema update.
func propertyDefinitionCauses(name string, def map[string]any) []string {
	var causes []string
	if t, _ := def["title"].(string); strings.TrimSpace(t) == "" {
		causes = append(causes, name+".title: The field cannot be left blank")
	}
	typ, _ := def["type"].(string)
	if !schemaTypes[typ] {
		return append(causes, name+".type: Does not match required pattern")
	}
	if typ == "array" {
		items, _ := def["items"].(map[string]any)
		if it, _ := items["type"].(string); !schemaTypes[it] || it == "array" {
			causes = append(causes, name+".items.type: Does not match required pattern")
		}
	}
	if def["maxLength"] != nil || def["minLength"] != nil {
		maxLen, okMax := intOf(def["maxLength"])
		minLen, okMin := intOf(def["minLength"])
		switch {
		case typ != "string":
			causes = append(causes, name+": maxLength and minLength apply only to string properties")
		case (def["maxLength"] != nil && (!okMax || maxLen < 1)) || (def["minLength"] != nil && (!okMin || minLen < 0)):
			causes = append(causes, name+": maxLength and minLength must be non-negative integers")
		case okMax && okMin && minLen > maxLen:
			causes = append(causes, name+": minLength cannot be greater than maxLength")
		}
	}
	if values, ok := def["enum"].([]any); ok {
		seen := map[string]bool{}
		for _, v := range values {
			if !valueHasType(typ, v) {
				causes = append(causes, fmt.Sprintf("%s.enum: %v is not a valid %s", name, v, typ))
				break
			}
			if seen[fmt.Sprint(v)] {
				causes = append(causes, name+".enum: The enum values must be unique")
				break
			}
			seen[fmt.Sprint(v)] = true
		}
	}
	return causes
}

// updateUserSchema is Okta's partial update: definitions.custom.properties members are added or replaced, a
// null member removes the property, and base properties cannot be redefined as custom ones.
func (s *Server) updateUserSchema(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	props, _ := obj(obj(body["definitions"])["custom"])["properties"].(map[string]any)
	s.locked(w, func(w http.ResponseWriter) bool {
		if !s.knownUserSchema(w, r.PathValue("schemaId")) {
			return false
		}
		if causes := customPropertiesCauses(props); len(causes) > 0 {
			writeValidation(w, "definitions", causes...)
			return false
		}
		s.st.setCustomUserProperties(props, s.now().UTC())
		writeJSON(w, http.StatusOK, s.userSchemaJSON())
		return true
	})
}

// customPropertiesCauses validates custom property definitions (null members, which remove, are fine).
func customPropertiesCauses(props map[string]any) []string {
	base := baseUserProperties()
	var causes []string
	for _, name := range sortedKeys(props) {
		if _, clash := base[name]; clash || strings.TrimSpace(name) == "" {
			causes = append(causes, name+": An object with this field already exists in the current schema")
			continue
		}
		if props[name] == nil {
			continue
		}
		def, isObj := props[name].(map[string]any)
		if !isObj {
			causes = append(causes, name+": The property definition must be an object")
			continue
		}
		causes = append(causes, propertyDefinitionCauses(name, def)...)
	}
	return causes
}

// setCustomUserProperties applies validated custom property definitions (null removes one, and its values).
func (st *state) setCustomUserProperties(props map[string]any, now time.Time) {
	if st.UserSchema == nil {
		st.UserSchema = &userSchema{Custom: map[string]any{}}
	}
	for name, v := range props {
		if v == nil {
			delete(st.UserSchema.Custom, name)
			for _, u := range st.Users { // Okta drops a deleted attribute's values from every profile (inferred, not verified)
				delete(u.Profile, name)
			}
			continue
		}
		def := deepCopy(v).(map[string]any)
		for k, dv := range map[string]any{"scope": "NONE", "mutability": "READ_WRITE",
			"master":      map[string]any{"type": "PROFILE_MASTER"},
			"permissions": []any{map[string]any{"principal": "SELF", "action": "READ_WRITE"}}} {
			if def[k] == nil {
				def[k] = dv
			}
		}
		st.UserSchema.Custom[name] = def
	}
	st.UserSchema.LastUpdated = now
}

// seedUserSchema declares the seed's custom user properties; an invalid definition fails the seed.
func (st *state) seedUserSchema(props map[string]any, now time.Time) error {
	if len(props) == 0 {
		return nil
	}
	props = normalizeNumbers(deepCopy(props).(map[string]any))
	if causes := customPropertiesCauses(props); len(causes) > 0 {
		return fmt.Errorf("oktaemu: seed userSchema: %s", strings.Join(causes, "; "))
	}
	st.setCustomUserProperties(props, now)
	return nil
}

// schemaRefuses answers 400 E0000001 when the profile breaks the user schema; the summary names the request
// object ("newUser" on create, "user" on update) — inferred from Okta's answers, not a recorded response.
func (s *Server) schemaRefuses(w http.ResponseWriter, object string, profile map[string]any) bool {
	causes := s.st.userProfileCauses(profile)
	if len(causes) == 0 {
		return false
	}
	writeValidation(w, object, causes...)
	return true
}
