package oktaemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// specNamedSchemas are the component schemas the validator looks up by name, so the trimmed description keeps
// them even when no served operation refers to them.
var specNamedSchemas = []string{"Error", "SalesforceApplication"}

// specAnnotations are the keywords dropped from the trimmed description: text for people, never consulted when a
// body is validated. Keys starting with "x-" (Okta's extensions) are dropped too.
var specAnnotations = map[string]bool{
	"description": true, "summary": true, "title": true, "example": true, "examples": true,
	"externalDocs": true, "tags": true, "servers": true, "requestBody": true,
}

// specNameMaps are the keys whose value maps names (properties, paths, status codes, components) to objects: their
// keys are data, never keywords, so a property called "description" survives the trimming.
var specNameMaps = map[string]bool{
	"properties": true, "paths": true, "schemas": true, "responses": true, "parameters": true, "headers": true,
	"content": true, "requestBodies": true, "securitySchemes": true, "links": true, "callbacks": true,
	"encoding": true, "variables": true, "mapping": true,
}

// specOpaque are the keys whose value is a literal (a default object, an enum list), not description structure.
var specOpaque = map[string]bool{"default": true, "enum": true, "const": true}

var componentRef = regexp.MustCompile(`^#/components/([A-Za-z]+)/([^/]+)$`)

// parseSpecTree reads management.yaml into plain JSON values (string keys, no YAML timestamps) without its
// annotations. Dropping "examples" is also what makes it loadable: the noExamples variant still references
// #/components/examples entries it no longer contains.
func parseSpecTree(raw []byte) (map[string]any, error) {
	var tree any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		return nil, err
	}
	b, err := json.Marshal(stringKeys(tree))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	stripAnnotations(doc, false)
	return doc, nil
}

func stringKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = stringKeys(e)
		}
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = stringKeys(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = stringKeys(e)
		}
	}
	return v
}

func stripAnnotations(v any, names bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if !names && (specAnnotations[k] || strings.HasPrefix(k, "x-")) {
				delete(t, k)
				continue
			}
			if names || !specOpaque[k] {
				stripAnnotations(e, !names && specNameMaps[k])
			}
		}
	case []any:
		for _, e := range t {
			stripAnnotations(e, false)
		}
	}
}

// routeOperations maps each emulator pattern to the operations ("get /api/v1/users/{id}") it serves: each path
// template is instantiated (every parameter becomes "x") and offered to a ServeMux holding the emulator's patterns.
func routeOperations(operations, patterns []string) map[string][]string {
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.Handle(p, http.NotFoundHandler())
	}
	param := regexp.MustCompile(`\{[^}/]+\}`)
	served := map[string][]string{}
	for _, op := range operations {
		method, tmpl, _ := strings.Cut(op, " ")
		req := httptest.NewRequest(strings.ToUpper(method), param.ReplaceAllString(tmpl, "x"), nil)
		if _, pattern := mux.Handler(req); strings.HasPrefix(pattern, strings.ToUpper(method)+" ") {
			served[pattern] = append(served[pattern], op)
		}
	}
	return served
}

// deriveSpec trims management.yaml to the operations the emulator serves and the components they reach, keeping
// what response validation consults (paths, parameters, responses, schemas, enums, required, formats) and each
// operation's security requirement with the schemes and scopes it names.
func deriveSpec(doc map[string]any, patterns []string) ([]byte, error) {
	paths, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)
	if paths == nil || components == nil {
		return nil, fmt.Errorf("management.yaml has no paths or components")
	}
	var operations []string
	for tmpl, item := range paths {
		for method := range item.(map[string]any) {
			switch strings.ToUpper(method) {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				operations = append(operations, method+" "+tmpl)
			}
		}
	}
	keptPaths := map[string]any{}
	for _, ops := range routeOperations(operations, patterns) {
		for _, op := range ops {
			method, tmpl, _ := strings.Cut(op, " ")
			item := paths[tmpl].(map[string]any)
			kept, _ := keptPaths[tmpl].(map[string]any)
			if kept == nil {
				kept = map[string]any{}
				if p, ok := item["parameters"]; ok {
					kept["parameters"] = p
				}
				keptPaths[tmpl] = kept
			}
			kept[method] = item[method]
		}
	}
	if len(keptPaths) == 0 {
		return nil, fmt.Errorf("no operation of management.yaml is served by the emulator")
	}

	keptComponents := map[string]map[string]any{}
	var pending []string
	reach := func(section, name string) error {
		if _, done := keptComponents[section][name]; done {
			return nil
		}
		sec, _ := components[section].(map[string]any)
		obj, ok := sec[name]
		if !ok {
			return fmt.Errorf("reference to missing #/components/%s/%s", section, name)
		}
		if keptComponents[section] == nil {
			keptComponents[section] = map[string]any{}
		}
		keptComponents[section][name] = obj
		pending = append(pending, section+"/"+name)
		return nil
	}
	var refs func(v any) error
	refs = func(v any) error {
		switch t := v.(type) {
		case string:
			if m := componentRef.FindStringSubmatch(t); m != nil {
				return reach(m[1], m[2])
			}
		case map[string]any:
			for _, e := range t {
				if err := refs(e); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range t {
				if err := refs(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := refs(keptPaths); err != nil {
		return nil, err
	}
	for _, name := range specNamedSchemas {
		if err := reach("schemas", name); err != nil {
			return nil, err
		}
	}
	for len(pending) > 0 {
		next := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		section, name, _ := strings.Cut(next, "/")
		if err := refs(keptComponents[section][name]); err != nil {
			return nil, err
		}
	}

	if schemes := keptSecuritySchemes(keptPaths, components); len(schemes) > 0 {
		keptComponents["securitySchemes"] = schemes
	}

	info, _ := doc["info"].(map[string]any)
	out := map[string]any{
		"openapi":    doc["openapi"],
		"info":       map[string]any{"title": info["title"], "version": info["version"], "license": info["license"]},
		"paths":      keptPaths,
		"components": keptComponents,
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Derived from ../shared/reference/okta/openapi/management.yaml (Okta, Apache-2.0) by\n"+
		"# `go generate ./internal/sandbox/oktaemu`: the %d operations the emulator serves and the components they\n"+
		"# reach, without descriptions and examples. Do not edit.\n", countOperations(keptPaths))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// keptSecuritySchemes copies the security schemes the kept operations name, each OAuth flow with only the scopes
// they require.
func keptSecuritySchemes(paths map[string]any, components map[string]any) map[string]any {
	required := map[string]map[string]bool{}
	for _, item := range paths {
		for _, op := range item.(map[string]any) {
			operation, _ := op.(map[string]any)
			reqs, _ := operation["security"].([]any)
			for _, req := range reqs {
				for name, scopes := range req.(map[string]any) {
					if required[name] == nil {
						required[name] = map[string]bool{}
					}
					for _, sc := range scopes.([]any) {
						required[name][fmt.Sprint(sc)] = true
					}
				}
			}
		}
	}
	all, _ := components["securitySchemes"].(map[string]any)
	kept := map[string]any{}
	for name, scopes := range required {
		scheme, ok := all[name].(map[string]any)
		if !ok {
			continue
		}
		copied := map[string]any{}
		for k, v := range scheme {
			copied[k] = v
		}
		if flows, ok := scheme["flows"].(map[string]any); ok {
			keptFlows := map[string]any{}
			for fname, f := range flows {
				flow := map[string]any{}
				for k, v := range f.(map[string]any) {
					flow[k] = v
				}
				keptScopes := map[string]any{}
				for sc, text := range flow["scopes"].(map[string]any) {
					if scopes[sc] {
						keptScopes[sc] = text
					}
				}
				flow["scopes"] = keptScopes
				keptFlows[fname] = flow
			}
			copied["flows"] = keptFlows
		}
		kept[name] = copied
	}
	return kept
}

func countOperations(paths map[string]any) int {
	n := 0
	for _, item := range paths {
		for k := range item.(map[string]any) {
			if k != "parameters" {
				n++
			}
		}
	}
	return n
}

// specVocabulary is every string Okta's description names as an enum member or a default (BUILT_IN, SAML_2_0,
// RSA_SHA256, the SAML name-id format URNs, …) and every literal segment of its path templates: API words, which
// derived recordings keep; everything else a recording's requests carry is test input and becomes a placeholder.
func specVocabulary(doc map[string]any, patterns []string) (values, segments map[string]bool) {
	values, segments = map[string]bool{}, map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if list, ok := t["enum"].([]any); ok {
				for _, e := range list {
					if s, ok := e.(string); ok {
						values[s] = true
					}
				}
			}
			if s, ok := t["default"].(string); ok {
				values[s] = true
			}
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(doc)
	var templates []string
	for _, p := range patterns {
		_, path, _ := strings.Cut(p, " ")
		templates = append(templates, path)
	}
	paths, _ := doc["paths"].(map[string]any)
	for tmpl := range paths {
		templates = append(templates, tmpl)
	}
	for _, tmpl := range templates {
		for _, seg := range strings.Split(tmpl, "/") {
			if seg != "" && !strings.Contains(seg, "{") {
				segments[seg] = true
			}
		}
	}
	return values, segments
}
