package oktaemu

import (
	"net/http"
	"regexp"
	"sort"
)

// maxUserTypes is how many user types an org may add to its default one ("You may add up to nine additional user
// types", createUserType in ../shared/reference/okta/openapi/management.yaml).
const maxUserTypes = 9

// userTypeName is the documented form of UserType.name: "must start with A-Z or a-z and contain only A-Z, a-z,
// 0-9, or underscore (_) characters".
var userTypeName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// userTypeLinks are a user type's _links as recorded: its schema and itself, each with rel and method.
func (s *Server) userTypeLinks(id, schemaID string) map[string]any {
	link := func(rel, path string) map[string]any {
		return map[string]any{"rel": rel, "href": s.cfg.BaseURL + path, "method": "GET"}
	}
	return map[string]any{
		"schema": link("schema", "/api/v1/meta/schemas/user/"+schemaID),
		"self":   link("self", "/api/v1/meta/types/user/"+id),
	}
}

// defaultUserTypeJSON is the org's default "user" type, every user's type.id and _links.type, shaped as recorded
// (GET /api/v1/meta/types/user in TestAccResourceOktaAppSignOnPolicyRule_crud).
func (s *Server) defaultUserTypeJSON() map[string]any {
	st := s.st
	return map[string]any{
		"id": st.Org.UserTypeID, "displayName": "User", "name": "user",
		"description": "Okta user profile template with default permission settings",
		"createdBy":   st.Org.AdminUserID, "lastUpdatedBy": st.Org.AdminUserID,
		"created": fmtTime(adminCreated), "lastUpdated": fmtTime(adminCreated), "default": true,
		"_links": s.userTypeLinks(st.Org.UserTypeID, st.Org.UserSchemaID),
	}
}

// userTypeJSON is a created user type as served: the stored members with its _links. Its schema id shares the
// type id's suffix (osc… for oty…), as in the recording; the emulator serves no schema under that id (inferred:
// Okta makes a schema per type, which the provider does not read).
func (s *Server) userTypeJSON(t map[string]any) map[string]any {
	out := make(map[string]any, len(t)+1)
	for k, v := range t {
		out[k] = v
	}
	id, _ := t["id"].(string)
	out["_links"] = s.userTypeLinks(id, "osc"+id[3:])
	return out
}

// listUserTypes serves GET /api/v1/meta/types/user (listUserTypes): the default type, then the others by id.
func (s *Server) listUserTypes(w http.ResponseWriter, _ *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		out := []any{s.defaultUserTypeJSON()}
		ids := make([]string, 0, len(s.st.UserTypes))
		for id := range s.st.UserTypes {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			out = append(out, s.userTypeJSON(s.st.UserTypes[id]))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// isDefaultUserType reports whether id names the default type ("default" or its id).
func (s *Server) isDefaultUserType(id string) bool {
	return id == s.st.Org.UserTypeID || id == "default"
}

// getUserType serves GET /api/v1/meta/types/user/{typeId} (getUserType); "default" names the default type.
func (s *Server) getUserType(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		id := r.PathValue("typeId")
		if s.isDefaultUserType(id) {
			writeJSON(w, http.StatusOK, s.defaultUserTypeJSON())
		} else if t := s.st.UserTypes[id]; t != nil {
			writeJSON(w, http.StatusOK, s.userTypeJSON(t))
		} else {
			writeNotFound(w, id, "UserType")
		}
		return false
	})
}

// userTypeText reads an optional string member; ok is false when it is present but not a string.
func userTypeText(body map[string]any, key string) (v string, present, ok bool) {
	raw, present := body[key]
	if !present || raw == nil {
		return "", present, true
	}
	v, ok = raw.(string)
	return v, present, ok
}

// createUserType serves POST /api/v1/meta/types/user (createUserType): name and displayName are required, the
// name follows the documented pattern and is unique, and at most maxUserTypes types are added.
func (s *Server) createUserType(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	name, _, nameOK := userTypeText(body, "name")
	display, _, displayOK := userTypeText(body, "displayName")
	desc, descPresent, descOK := userTypeText(body, "description")
	switch {
	case !nameOK || name == "":
		writeValidation(w, "name", "name: The field cannot be left blank")
		return
	case !userTypeName.MatchString(name):
		writeValidation(w, "name", "name: The name must start with a letter and contain only letters, digits and underscores")
		return
	case !displayOK || display == "":
		writeValidation(w, "displayName", "displayName: The field cannot be left blank")
		return
	case !descOK:
		writeValidation(w, "description", "description: The value must be a string")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		if name == "user" {
			writeValidation(w, "name", "name: A user type with this name already exists")
			return false
		}
		for _, t := range s.st.UserTypes {
			if t["name"] == name {
				writeValidation(w, "name", "name: A user type with this name already exists")
				return false
			}
		}
		if len(s.st.UserTypes) >= maxUserTypes {
			writeValidation(w, "name", "name: An org can have at most 10 user types, including the default one")
			return false
		}
		now := fmtTime(s.now().UTC())
		id := s.st.newID("oty")
		t := map[string]any{
			"id": id, "name": name, "displayName": display, "description": nil,
			"createdBy": s.st.Org.AdminUserID, "lastUpdatedBy": s.st.Org.AdminUserID,
			"created": now, "lastUpdated": now, "default": false,
		}
		if descPresent {
			t["description"] = desc
		}
		if s.st.UserTypes == nil {
			s.st.UserTypes = map[string]map[string]any{}
		}
		s.st.UserTypes[id] = t
		writeJSON(w, http.StatusOK, s.userTypeJSON(t))
		return true
	})
}

// updateUserType serves POST /api/v1/meta/types/user/{typeId} (updateUserType): a partial update of displayName
// and description.
func (s *Server) updateUserType(w http.ResponseWriter, r *http.Request) {
	s.changeUserType(w, r, false)
}

// replaceUserType serves PUT /api/v1/meta/types/user/{typeId} (replaceUserType): name (unchanged), displayName
// and description are all required.
func (s *Server) replaceUserType(w http.ResponseWriter, r *http.Request) {
	s.changeUserType(w, r, true)
}

func (s *Server) changeUserType(w http.ResponseWriter, r *http.Request, replace bool) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	name, namePresent, nameOK := userTypeText(body, "name")
	display, displayPresent, displayOK := userTypeText(body, "displayName")
	desc, descPresent, descOK := userTypeText(body, "description")
	switch {
	case replace && (!nameOK || name == ""):
		writeValidation(w, "name", "name: The field cannot be left blank")
		return
	case !displayOK || displayPresent && display == "" || replace && !displayPresent:
		writeValidation(w, "displayName", "displayName: The field cannot be left blank")
		return
	case !descOK || replace && !descPresent:
		writeValidation(w, "description", "description: The field cannot be left blank")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		id := r.PathValue("typeId")
		t := s.st.UserTypes[id]
		if t == nil {
			if s.isDefaultUserType(id) {
				// Inferred: the default type is the org's profile template; the emulator keeps it fixed.
				writeError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
			} else {
				writeNotFound(w, id, "UserType")
			}
			return false
		}
		if namePresent && name != t["name"] {
			writeValidation(w, "name", "name: The name of an existing user type cannot be changed")
			return false
		}
		if displayPresent {
			t["displayName"] = display
		}
		if descPresent {
			t["description"] = desc
			if body["description"] == nil {
				t["description"] = nil
			}
		}
		t["lastUpdated"], t["lastUpdatedBy"] = fmtTime(s.now().UTC()), s.st.Org.AdminUserID
		writeJSON(w, http.StatusOK, s.userTypeJSON(t))
		return true
	})
}

// deleteUserType serves DELETE /api/v1/meta/types/user/{typeId} (deleteUserType). The default type cannot be
// deleted; a type assigned to users cannot either, but every emulated user has the default type.
func (s *Server) deleteUserType(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		id := r.PathValue("typeId")
		if s.isDefaultUserType(id) {
			// The status and code are inferred: the reference documents the rule, not Okta's answer to it.
			writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: default", "default: The default user type cannot be deleted")
			return false
		}
		if s.st.UserTypes[id] == nil {
			writeNotFound(w, id, "UserType")
			return false
		}
		delete(s.st.UserTypes, id)
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}
