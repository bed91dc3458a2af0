package sfemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// decodeJSON parses a request body into v, answering JSON_PARSER_ERROR the way Salesforce words it.
func decodeJSON(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return fieldError("JSON_PARSER_ERROR", "No content to map due to end-of-input at [line:1, column:0]")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := position(body, syn.Offset)
			return fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Unexpected character ('%s'): %s at [line:%d, column:%d]", charAt(body, syn.Offset), syn.Error(), line, col))
		case errors.As(err, &typ):
			line, col := position(body, typ.Offset)
			return fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of %s out of %s token at [line:%d, column:%d]", typ.Type, typ.Value, line, col))
		}
		return fieldError("JSON_PARSER_ERROR", err.Error())
	}
	return nil
}

func position(b []byte, off int64) (int, int) {
	line, col := 1, 1
	for i := int64(0); i < off && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func charAt(b []byte, off int64) string {
	if off <= 0 || off > int64(len(b)) {
		return ""
	}
	return string(b[off-1])
}

// typeFromPath resolves the {type} path value, case-insensitively as Salesforce does.
func (o *Org) typeFromPath(r *http.Request) (*ObjectType, *apiError) {
	t := o.objectType(r.PathValue("type"))
	if t == nil {
		return nil, errNotFound
	}
	return t, nil
}

func (o *Org) sobjectURL(version, typ, id string, tooling bool) string {
	if tooling {
		return "/services/data/" + version + "/tooling/sobjects/" + typ + "/" + id
	}
	return "/services/data/" + version + "/sobjects/" + typ + "/" + id
}

func (o *Org) handleDescribeGlobal(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, o.describeGlobal(callFrom(r.Context())))
}

func (o *Org) handleDescribe(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t.describe(callFrom(r.Context()).version))
}

// parseRecordBody reads one JSON record, refusing arrays and scalars as Salesforce does.
func parseRecordBody(r *http.Request) (map[string]any, *apiError) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var rec map[string]any
	if err := decodeJSON(body, &rec); err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, fieldError("JSON_PARSER_ERROR", "Cannot deserialize instance of SObject out of VALUE_NULL token")
	}
	return rec, nil
}

func (o *Org) handleCreate(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := parseRecordBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	rec, err := o.insert(t, body, apiWrite)
	if err != nil {
		writeError(w, err)
		return
	}
	c := callFrom(r.Context())
	w.Header().Set("Location", o.sobjectURL(c.version, t.Name, str(rec, "Id"), c.tooling))
	writeJSON(w, http.StatusCreated, map[string]any{"id": rec["Id"], "success": true, "errors": []any{}})
}

// render projects a stored row as the sObject Rows resource does: attributes first, then fields in
// describe order (or the ?fields= selection).
func (o *Org) render(t *ObjectType, rec soql.Record, fields []*Field, version string, tooling bool) *soql.Object {
	out := soql.NewObject()
	attrs := soql.NewObject()
	attrs.Set("type", t.Name)
	attrs.Set("url", o.sobjectURL(version, t.Name, str(rec, "Id"), tooling))
	out.Set("attributes", attrs)
	if fields == nil {
		fields = t.Fields
	}
	for _, f := range fields {
		out.Set(f.Name, rec[f.Name])
	}
	return out
}

func (o *Org) handleRetrieve(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	id := r.PathValue("id")
	rec := o.lookup(t.Name, id)
	if rec == nil || !hasPrefix(id, t.KeyPrefix) {
		writeError(w, errRecordNotFound(t, id))
		return
	}
	var fields []*Field
	if sel := r.URL.Query().Get("fields"); sel != "" {
		for _, name := range strings.Split(sel, ",") {
			name = strings.TrimSpace(name)
			f := t.field(name)
			if f == nil {
				writeError(w, fieldError("INVALID_FIELD", fmt.Sprintf("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", name, t.Name)))
				return
			}
			fields = append(fields, f)
		}
	}
	c := callFrom(r.Context())
	writeJSON(w, http.StatusOK, o.render(t, rec, fields, c.version, c.tooling))
}

func (o *Org) handleUpdate(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := parseRecordBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	id := r.PathValue("id")
	if !hasPrefix(id, t.KeyPrefix) {
		writeError(w, errRecordNotFound(t, id))
		return
	}
	if err := o.update(t, id, body, apiWrite); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (o *Org) handleDelete(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	id := r.PathValue("id")
	if !t.Deletable {
		w.Header().Set("Allow", strings.TrimPrefix(errNotDeletable(t).Message, "HTTP Method 'DELETE' not allowed. Allowed are "))
		writeError(w, errNotDeletable(t))
		return
	}
	if !hasPrefix(id, t.KeyPrefix) {
		writeError(w, errRecordNotFound(t, id))
		return
	}
	if err := o.remove(t, id, apiWrite); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
