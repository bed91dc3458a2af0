package oktaemu

// This file serves the app user schema (GET/POST /api/v1/meta/schemas/apps/{appId}/default) and checks
// assignment profiles against it.

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// appSchema is what an app's user schema adds to its fixed base: the #custom properties.
type appSchema struct {
	Custom      map[string]any `json:"custom"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// oktaMappedProperties are base app-user properties Okta's default mappings fill from the Okta user profile.
var oktaMappedProperties = []string{"firstName", "lastName", "email", "mobilePhone", "secondEmail"}

// attr builds a schema attribute as Okta renders base properties.
func attr(title, typ string, extra map[string]any) map[string]any {
	out := map[string]any{"title": title, "type": typ, "scope": "NONE", "master": map[string]any{"type": "PROFILE_MASTER"}}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// baseSchemaProperties are the #base properties of an app's user schema: userName for every SAML app;
// the catalogue salesforce app adds the Okta-mapped name and contact attributes and its own profile, role
// and salesforceGroups.
func baseSchemaProperties(rec *appRec) map[string]any {
	props := map[string]any{"userName": attr("Username", "string", map[string]any{"required": true, "maxLength": 100})}
	if rec.Custom || rec.Body["name"] != "salesforce" {
		return props
	}
	titles := map[string]string{"firstName": "First name", "lastName": "Last name", "email": "Email", "mobilePhone": "Mobile phone", "secondEmail": "Secondary email"}
	for _, p := range oktaMappedProperties {
		props[p] = attr(titles[p], "string", map[string]any{"master": map[string]any{"type": "OKTA"}})
	}
	props["profile"] = attr("Profile", "string", nil)
	props["role"] = attr("Role", "string", nil)
	props["salesforceGroups"] = attr("Groups", "array", map[string]any{"items": map[string]any{"type": "string"}})
	return props
}

// mappedProperties are the base properties an app user's profile takes from the Okta user.
func mappedProperties(rec *appRec) []string {
	if rec.Custom || rec.Body["name"] != "salesforce" {
		return nil
	}
	return oktaMappedProperties
}

func (s *Server) customProperties(appID string) map[string]any {
	if sc := s.st.AppSchemas[appID]; sc != nil {
		return sc.Custom
	}
	return nil
}

// unknownProperties lists the profile keys the app's schema lacks, as Okta's causes name them.
func (s *Server) unknownProperties(rec *appRec, profile map[string]any) []string {
	base := baseSchemaProperties(rec)
	custom := s.customProperties(rec.Body["id"].(string))
	var causes []string
	for _, k := range sortedKeys(profile) {
		_, inBase := base[k]
		_, inCustom := custom[k]
		if !inBase && !inCustom {
			causes = append(causes, "Property '"+k+"' not found")
		}
	}
	return causes
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) appSchemaJSON(rec *appRec) map[string]any {
	id := rec.Body["id"].(string)
	lastUpdated := rec.Body["created"]
	custom := map[string]any{}
	if sc := s.st.AppSchemas[id]; sc != nil {
		custom = deepCopy(sc.Custom).(map[string]any)
		lastUpdated = fmtTime(sc.LastUpdated)
	}
	label, _ := rec.Body["label"].(string)
	return map[string]any{
		"id":          s.cfg.BaseURL + "/meta/schemas/apps/" + id + "/default",
		"$schema":     "http://json-schema.org/draft-04/schema#",
		"name":        rec.Body["name"],
		"title":       label + " User",
		"created":     rec.Body["created"],
		"lastUpdated": lastUpdated,
		"definitions": map[string]any{
			"base":   map[string]any{"id": "#base", "type": "object", "properties": baseSchemaProperties(rec), "required": []any{"userName"}},
			"custom": map[string]any{"id": "#custom", "type": "object", "properties": custom, "required": []any{}},
		},
		"type": "object",
		"properties": map[string]any{"profile": map[string]any{"allOf": []any{
			map[string]any{"$ref": "#/definitions/base"}, map[string]any{"$ref": "#/definitions/custom"},
		}}},
		"_links": map[string]any{"self": s.href("/api/v1/meta/schemas/apps/" + id + "/default")},
	}
}

func (s *Server) getAppUserSchema(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if rec := s.findApp(w, r.PathValue("appId")); rec != nil {
			writeJSON(w, http.StatusOK, s.appSchemaJSON(rec))
		}
		return false
	})
}

var schemaTypes = map[string]bool{"string": true, "boolean": true, "integer": true, "number": true, "array": true}

// updateAppUserSchema is Okta's partial update: definitions.custom.properties members are added or replaced,
// a null member removes the property, and base properties cannot be redefined.
func (s *Server) updateAppUserSchema(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	props, _ := obj(obj(body["definitions"])["custom"])["properties"].(map[string]any)
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		base := baseSchemaProperties(rec)
		var causes []string
		for _, name := range sortedKeys(props) {
			if _, clash := base[name]; clash || strings.TrimSpace(name) == "" {
				causes = append(causes, name+": An object with this field already exists in the current schema")
				continue
			}
			if props[name] == nil {
				continue
			}
			a, isObj := props[name].(map[string]any)
			if !isObj {
				causes = append(causes, name+": The property definition must be an object")
				continue
			}
			if t, _ := a["title"].(string); strings.TrimSpace(t) == "" {
				causes = append(causes, name+".title: The field cannot be left blank")
			}
			if t, _ := a["type"].(string); !schemaTypes[t] {
				causes = append(causes, name+".type: Does not match required pattern")
			}
		}
		if len(causes) > 0 {
			writeValidation(w, "definitions", causes...)
			return false
		}
		id := rec.Body["id"].(string)
		if s.st.AppSchemas == nil {
			s.st.AppSchemas = map[string]*appSchema{}
		}
		sc := s.st.AppSchemas[id]
		if sc == nil {
			sc = &appSchema{Custom: map[string]any{}}
			s.st.AppSchemas[id] = sc
		}
		for name, v := range props {
			if v == nil {
				delete(sc.Custom, name)
				continue
			}
			a := deepCopy(v).(map[string]any)
			if a["scope"] == nil {
				a["scope"] = "NONE"
			}
			if a["master"] == nil {
				a["master"] = map[string]any{"type": "PROFILE_MASTER"}
			}
			sc.Custom[name] = a
		}
		sc.LastUpdated = s.now().UTC()
		writeJSON(w, http.StatusOK, s.appSchemaJSON(rec))
		return true
	})
}
