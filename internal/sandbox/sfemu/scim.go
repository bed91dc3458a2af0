package sfemu

// This file serves Salesforce's SCIM 2.0 Users endpoint (/services/scim/v2/Users): list with an eq filter and
// startIndex/count paging (at most 200), create, read, replace, patch, and DELETE as deactivation. It maps
// SCIM attributes onto the User sObject and reuses the DML path, so validation matches the REST API.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

const (
	scimUserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimEnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimErrorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimPatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimMaxResults       = 200
)

// scimRoutes registers the SCIM routes on mux; each authenticates with the OAuth session like the REST API.
func (o *Org) scimRoutes(plain func(string, http.HandlerFunc)) {
	plain("GET /services/scim/v2/Users", o.scimAuthorized(o.scimList))
	plain("POST /services/scim/v2/Users", o.scimAuthorized(o.scimCreate))
	plain("GET /services/scim/v2/Users/{id}", o.scimAuthorized(o.scimGet))
	plain("PUT /services/scim/v2/Users/{id}", o.scimAuthorized(o.scimReplace))
	plain("PATCH /services/scim/v2/Users/{id}", o.scimAuthorized(o.scimPatch))
	plain("DELETE /services/scim/v2/Users/{id}", o.scimAuthorized(o.scimDelete))
}

func writeSCIM(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeSCIMError answers RFC 7644's error body; status is a string there.
func writeSCIMError(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeSCIM(w, status, body)
}

// scimAuthorized checks the bearer session and runs h under the org lock.
func (o *Org) scimAuthorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		if _, ok := o.authenticate(bearerToken(r)); !ok {
			o.mu.Unlock()
			writeSCIMError(w, http.StatusUnauthorized, "", "The session ID or OAuth token used has expired or is invalid.")
			return
		}
		o.serveLocked(w, r, h)
	}
}

func (o *Org) scimLocation(id string) string { return o.cfg.BaseURL + "/services/scim/v2/Users/" + id }

// scimUser renders a User row as Salesforce's SCIM User resource.
func (o *Org) scimUser(u soql.Record) map[string]any {
	id := str(u, "Id")
	name := map[string]any{"formatted": str(u, "Name"), "familyName": str(u, "LastName")}
	if v := str(u, "FirstName"); v != "" {
		name["givenName"] = v
	}
	out := map[string]any{
		"schemas":            []string{scimUserSchema, scimEnterpriseSchema},
		"id":                 id,
		"userName":           str(u, "Username"),
		"name":               name,
		"displayName":        str(u, "Name"),
		"nickName":           str(u, "CommunityNickname"),
		"emails":             []any{map[string]any{"type": "work", "primary": true, "value": str(u, "Email")}},
		"userType":           str(u, "UserType"),
		"preferredLanguage":  str(u, "LanguageLocaleKey"),
		"locale":             str(u, "LocaleSidKey"),
		"timezone":           str(u, "TimeZoneSidKey"),
		"active":             u["IsActive"] == true,
		"groups":             []any{},
		scimEnterpriseSchema: map[string]any{"organization": o.keys.OrgID, "department": u["Department"]},
		"meta": map[string]any{"created": metadataTime(str(u, "CreatedDate")), "lastModified": metadataTime(str(u, "LastModifiedDate")),
			"location": o.scimLocation(id), "resourceType": "User", "version": str(u, "SystemModstamp")},
	}
	if v := str(u, "FederationIdentifier"); v != "" {
		out["externalId"] = v
	}
	if v := str(u, "Title"); v != "" {
		out["title"] = v
	}
	if p := o.lookup("Profile", str(u, "ProfileId")); p != nil {
		out["entitlements"] = []any{map[string]any{"value": str(p, "Id"), "display": str(p, "Name"), "type": "Profile", "primary": true}}
	}
	if r := o.lookup("UserRole", str(u, "UserRoleId")); r != nil {
		out["roles"] = []any{map[string]any{"value": str(r, "Id"), "display": str(r, "Name"), "primary": true}}
	}
	return out
}

var scimFilter = regexp.MustCompile(`^\s*(\w+)\s+(?i:eq)\s+"((?:[^"\\]|\\.)*)"\s*$`)

func (o *Org) scimList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, count := 1, scimMaxResults
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeSCIMError(w, http.StatusBadRequest, "invalidValue", "startIndex must be an integer")
			return
		}
		if n > 1 {
			start = n
		}
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeSCIMError(w, http.StatusBadRequest, "invalidValue", "count must be an integer")
			return
		}
		count = min(max(n, 0), scimMaxResults)
	}
	match := func(soql.Record) bool { return true }
	if f := q.Get("filter"); f != "" {
		m := scimFilter.FindStringSubmatch(f)
		if m == nil {
			writeSCIMError(w, http.StatusBadRequest, "invalidFilter", "Unsupported filter: "+f)
			return
		}
		field := map[string]string{"username": "Username", "externalid": "FederationIdentifier", "id": "Id"}[strings.ToLower(m[1])]
		if field == "" {
			writeSCIMError(w, http.StatusBadRequest, "invalidFilter", "Unsupported filter attribute: "+m[1])
			return
		}
		want := strings.ReplaceAll(m[2], `\"`, `"`)
		match = func(u soql.Record) bool {
			if field == "Id" {
				return sameID(str(u, "Id"), to18(key15(want)))
			}
			return strings.EqualFold(str(u, field), want)
		}
	}
	var all []soql.Record
	o.each("User", func(u soql.Record) bool {
		if match(u) {
			all = append(all, u)
		}
		return true
	})
	resources := []any{}
	for i := start - 1; i < len(all) && len(resources) < count; i++ {
		resources = append(resources, o.scimUser(all[i]))
	}
	writeSCIM(w, http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": len(all),
		"itemsPerPage": len(resources), "startIndex": start, "Resources": resources})
}

func (o *Org) scimFind(w http.ResponseWriter, id string) soql.Record {
	if !validID(id) || !hasPrefix(id, prefixUser) {
		writeSCIMError(w, http.StatusNotFound, "", "Resource "+id+" not found")
		return nil
	}
	u := o.lookup("User", id)
	if u == nil {
		writeSCIMError(w, http.StatusNotFound, "", "Resource "+id+" not found")
	}
	return u
}

func (o *Org) scimGet(w http.ResponseWriter, r *http.Request) {
	if u := o.scimFind(w, r.PathValue("id")); u != nil {
		writeSCIM(w, http.StatusOK, o.scimUser(u))
	}
}

func readSCIMBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	b, aerr := readBody(r)
	var body map[string]any
	if aerr != nil || json.Unmarshal(b, &body) != nil {
		writeSCIMError(w, http.StatusBadRequest, "invalidSyntax", "The request body is not a JSON object")
		return nil, false
	}
	return body, true
}

// scimFields maps a SCIM User (or the part of one a PATCH sets) onto User fields.
func (o *Org) scimFields(in map[string]any) (map[string]any, string) {
	out := map[string]any{}
	asString := func(v any) (string, bool) { s, ok := v.(string); return s, ok }
	for k, v := range in {
		switch strings.ToLower(k) {
		case "username":
			out["Username"] = v
		case "externalid":
			out["FederationIdentifier"] = v
		case "nickname":
			out["CommunityNickname"] = v
		case "title":
			out["Title"] = v
		case "preferredlanguage":
			out["LanguageLocaleKey"] = v
		case "locale":
			out["LocaleSidKey"] = v
		case "timezone":
			out["TimeZoneSidKey"] = v
		case "active":
			b, ok := v.(bool)
			if !ok {
				return nil, "active must be a boolean"
			}
			out["IsActive"] = b
		case "name":
			n, _ := v.(map[string]any)
			if s, ok := asString(n["givenName"]); ok {
				out["FirstName"] = s
			}
			if s, ok := asString(n["familyName"]); ok {
				out["LastName"] = s
			}
		case "name.givenname":
			out["FirstName"] = v
		case "name.familyname":
			out["LastName"] = v
		case "emails":
			list, _ := v.([]any)
			for i, e := range list {
				m, _ := e.(map[string]any)
				if m["primary"] == true || i == 0 {
					out["Email"] = m["value"]
				}
			}
		case "entitlements":
			list, _ := v.([]any)
			for i, e := range list {
				m, _ := e.(map[string]any)
				id, _ := asString(m["value"])
				if m["primary"] == true || i == 0 {
					if !hasPrefix(id, prefixProfile) {
						return nil, "entitlements: " + id + " is not a profile id"
					}
					out["ProfileId"] = id
				}
			}
		case "roles":
			list, _ := v.([]any)
			for _, e := range list {
				m, _ := e.(map[string]any)
				out["UserRoleId"] = m["value"]
			}
		case strings.ToLower(scimEnterpriseSchema):
			ext, _ := v.(map[string]any)
			if d, ok := ext["department"]; ok {
				out["Department"] = d
			}
		}
	}
	return out, ""
}

// writeSCIMDMLError maps a DML failure onto SCIM's status and scimType.
func writeSCIMDMLError(w http.ResponseWriter, err *apiError) {
	switch err.Code {
	case "DUPLICATE_USERNAME", "DUPLICATE_VALUE":
		writeSCIMError(w, http.StatusConflict, "uniqueness", err.Message)
	default:
		writeSCIMError(w, http.StatusBadRequest, "invalidValue", err.Code+": "+err.Message)
	}
}

func (o *Org) scimCreate(w http.ResponseWriter, r *http.Request) {
	in, ok := readSCIMBody(w, r)
	if !ok {
		return
	}
	body, problem := o.scimFields(in)
	if problem != "" {
		writeSCIMError(w, http.StatusBadRequest, "invalidValue", problem)
		return
	}
	if body["ProfileId"] == nil {
		writeSCIMError(w, http.StatusBadRequest, "invalidValue", "entitlements: a profile is required to create a user")
		return
	}
	fields := map[string]string{}
	for _, k := range []string{"FirstName", "LastName", "TimeZoneSidKey", "LocaleSidKey", "LanguageLocaleKey", "EmailEncodingKey", "Alias"} {
		fields[k], _ = body[k].(string)
	}
	o.jitDefaults(fields)
	for k, v := range fields {
		if body[k] == nil && v != "" {
			body[k] = v
		}
	}
	rec, err := o.insert(o.objectType("User"), body, apiWrite)
	if err != nil {
		writeSCIMDMLError(w, err)
		return
	}
	w.Header().Set("Location", o.scimLocation(str(rec, "Id")))
	writeSCIM(w, http.StatusCreated, o.scimUser(rec))
}

// scimReplace is PUT: the resource's mutable attributes become the body's; absent optional ones are cleared.
func (o *Org) scimReplace(w http.ResponseWriter, r *http.Request) {
	u := o.scimFind(w, r.PathValue("id"))
	if u == nil {
		return
	}
	in, ok := readSCIMBody(w, r)
	if !ok {
		return
	}
	body, problem := o.scimFields(in)
	if problem != "" {
		writeSCIMError(w, http.StatusBadRequest, "invalidValue", problem)
		return
	}
	for _, k := range []string{"FirstName", "Title", "FederationIdentifier", "Department"} {
		if _, set := body[k]; !set {
			body[k] = nil
		}
	}
	o.scimApply(w, u, body)
}

func (o *Org) scimApply(w http.ResponseWriter, u soql.Record, body map[string]any) {
	id := str(u, "Id")
	if err := o.update(o.objectType("User"), id, body, apiWrite); err != nil {
		writeSCIMDMLError(w, err)
		return
	}
	writeSCIM(w, http.StatusOK, o.scimUser(o.lookup("User", id)))
}

// scimPatch applies a PatchOp: add/replace with a path or with an object value, and remove of optional attributes.
func (o *Org) scimPatch(w http.ResponseWriter, r *http.Request) {
	u := o.scimFind(w, r.PathValue("id"))
	if u == nil {
		return
	}
	in, ok := readSCIMBody(w, r)
	if !ok {
		return
	}
	ops, _ := in["Operations"].([]any)
	if len(ops) == 0 {
		writeSCIMError(w, http.StatusBadRequest, "invalidSyntax", "A PatchOp ("+scimPatchSchema+") needs Operations")
		return
	}
	body := map[string]any{}
	for _, raw := range ops {
		op, _ := raw.(map[string]any)
		verb, _ := op["op"].(string)
		path, _ := op["path"].(string)
		var part map[string]any
		switch strings.ToLower(verb) {
		case "add", "replace":
			if path == "" {
				part, _ = op["value"].(map[string]any)
			} else {
				part = map[string]any{path: op["value"]}
			}
		case "remove":
			if path == "" {
				writeSCIMError(w, http.StatusBadRequest, "noTarget", "remove needs a path")
				return
			}
			part = map[string]any{path: nil}
		default:
			writeSCIMError(w, http.StatusBadRequest, "invalidSyntax", fmt.Sprintf("Unsupported op %q", verb))
			return
		}
		fields, problem := o.scimFields(part)
		if problem != "" {
			writeSCIMError(w, http.StatusBadRequest, "invalidValue", problem)
			return
		}
		if len(fields) == 0 {
			writeSCIMError(w, http.StatusBadRequest, "invalidPath", "Unsupported path "+path)
			return
		}
		for k, v := range fields {
			body[k] = v
		}
	}
	o.scimApply(w, u, body)
}

// scimDelete deactivates: Salesforce never deletes users.
func (o *Org) scimDelete(w http.ResponseWriter, r *http.Request) {
	u := o.scimFind(w, r.PathValue("id"))
	if u == nil {
		return
	}
	if err := o.update(o.objectType("User"), str(u, "Id"), map[string]any{"IsActive": false}, apiWrite); err != nil {
		writeSCIMDMLError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
