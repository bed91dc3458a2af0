package sfemu

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// writeMode tells the DML path who is writing: API callers get every check, the seeder and the
// emulator's own bookkeeping (profile-owned permission sets and assignments) skip the access checks.
type writeMode int

const (
	apiWrite writeMode = iota
	systemWrite
)

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// normalize checks body against the describe metadata and returns it keyed by canonical field names.
func (o *Org) normalize(t *ObjectType, body map[string]any, insert bool, mode writeMode) (soql.Record, *apiError) {
	out := soql.Record{}
	names := make([]string, 0, len(body))
	for k := range body {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := body[k]
		if k == "attributes" {
			continue
		}
		f := t.field(k)
		if f == nil {
			return nil, fieldError("INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", k, t.Name))
		}
		if f.Name == "Id" && mode == apiWrite {
			if insert {
				return nil, fieldError("INVALID_FIELD", "cannot specify Id in an insert call")
			}
			continue
		}
		if mode == apiWrite && ((insert && !f.Createable) || (!insert && !f.Updateable)) {
			return nil, fieldError("INVALID_FIELD_FOR_INSERT_UPDATE", fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", f.Name), f.Name)
		}
		cv, err := coerce(o, f, v)
		if err != nil {
			return nil, err
		}
		out[f.Name] = cv
	}
	return out, nil
}

// coerce converts one JSON value to the field's stored form, with Salesforce's per-type errors.
func coerce(o *Org, f *Field, v any) (any, *apiError) {
	if f.Custom != nil {
		return coerceCustom(f, v)
	}
	if v == nil {
		return nil, nil
	}
	switch f.Type {
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of boolean from %s value %v or request may be missing a required field", jsonKind(v), v))
		}
		return b, nil
	case "int", "double":
		n, ok := v.(float64)
		if !ok {
			return nil, fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of %s from %s value %v or request may be missing a required field", f.Type, jsonKind(v), v))
		}
		return n, nil
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64, bool:
		s = fmt.Sprint(x)
	default:
		return nil, fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of string from %s value or request may be missing a required field", jsonKind(v)))
	}
	if s == "" {
		return nil, nil
	}
	switch f.Type {
	case "reference":
		if !validID(s) {
			return nil, fieldError("MALFORMED_ID", fmt.Sprintf("%s: id value of incorrect type: %s", f.Label, s), f.Name)
		}
		if !o.referenced(f, s) {
			return nil, fieldError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
		}
		return to18(key15(s)), nil
	case "email":
		if !emailPattern.MatchString(s) {
			return nil, fieldError("INVALID_EMAIL_ADDRESS", fmt.Sprintf("%s: invalid email address: %s", f.Label, s), f.Name)
		}
	case "picklist":
		if f.Restricted && !containsFold(f.Picklist, s) {
			return nil, fieldError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fmt.Sprintf("%s: bad value for restricted picklist field: %s", f.Label, s), f.Name)
		}
	case "datetime":
		if _, ok := parseDateTime(s); !ok {
			return nil, fieldError("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize value of type `java.util.Date` from String \"%s\": not a valid representation", s))
		}
		t, _ := parseDateTime(s)
		return timestamp(t), nil
	}
	if f.Length > 0 && len([]rune(s)) > f.Length {
		return nil, fieldError("STRING_TOO_LONG", fmt.Sprintf("%s: data value too large: %s (max length=%d)", f.Label, s, f.Length), f.Name)
	}
	return s, nil
}

// referenced reports whether id names a row of one of the types f refers to (several for polymorphic fields).
func (o *Org) referenced(f *Field, id string) bool {
	for _, target := range f.ReferenceTo {
		if o.lookup(target, id) != nil {
			return true
		}
	}
	return false
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "VALUE_STRING"
	case float64:
		return "VALUE_NUMBER_INT"
	case bool:
		return "VALUE_TRUE"
	case map[string]any:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	}
	return "VALUE_NULL"
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// missingRequired lists required fields that rec leaves empty, in describe order.
func missingRequired(t *ObjectType, rec soql.Record) []string {
	var missing []string
	for _, f := range t.Fields {
		if !f.required() {
			continue
		}
		if v, ok := rec[f.Name]; !ok || v == nil || v == "" {
			missing = append(missing, f.Name)
		}
	}
	return missing
}

func requiredError(missing []string) *apiError {
	return fieldError("REQUIRED_FIELD_MISSING", "Required fields are missing: ["+strings.Join(missing, ", ")+"]", missing...)
}

// insert validates body and stores a new row; the row (with Id) is returned.
func (o *Org) insert(t *ObjectType, body map[string]any, mode writeMode) (soql.Record, *apiError) {
	if mode == apiWrite && !t.Createable {
		return nil, fieldError("INVALID_TYPE_FOR_OPERATION", fmt.Sprintf("entity type %s does not support insert", t.Name))
	}
	rec, err := o.normalize(t, body, true, mode)
	if err != nil {
		return nil, err
	}
	if missing := missingRequired(t, rec); len(missing) > 0 {
		return nil, requiredError(missing)
	}
	if t.hooks.beforeInsert != nil {
		if err := t.hooks.beforeInsert(o, rec); err != nil {
			return nil, err
		}
	}
	// Hooks set the defaulted booleans (User.IsActive is true); the rest default to false.
	for _, f := range t.Fields {
		if f.Type == "boolean" && rec[f.Name] == nil {
			rec[f.Name] = false
		}
	}
	id, _ := rec["Id"].(string)
	if id == "" {
		id = o.nextID(t.KeyPrefix)
	}
	now := timestamp(o.stampTime())
	rec["Id"] = id
	rec["CreatedDate"], rec["LastModifiedDate"], rec["SystemModstamp"] = now, now, now
	rec["CreatedById"], rec["LastModifiedById"] = o.actorID(), o.actorID()
	for _, f := range t.Fields {
		if _, ok := rec[f.Name]; !ok {
			rec[f.Name] = nil
		}
	}
	tb := o.table(t.Name)
	tb.Order = append(tb.Order, key15(id))
	tb.Rows[key15(id)] = rec
	o.eqIndexInsert(t.Name, key15(id), rec)
	o.dirty = true
	if t.hooks.afterInsert != nil {
		t.hooks.afterInsert(o, rec)
	}
	if mode == apiWrite {
		o.auditDML(t, nil, rec)
	}
	return rec, nil
}

// actorID is who the emulator records as creator and modifier: the admin (API) user.
func (o *Org) actorID() any {
	if o.adminID == "" {
		return nil
	}
	return o.adminID
}

// errRecordNotFound is Salesforce's answer for a URL id that matches nothing: ids of another type or
// garbage are read as external ids, real ids of this type that no longer exist as plain NOT_FOUND.
func errRecordNotFound(t *ObjectType, id string) *apiError {
	if !validID(id) || !hasPrefix(id, t.KeyPrefix) {
		return newError(http.StatusNotFound, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "+id)
	}
	return errNotFound
}

// update applies a partial body to an existing row.
func (o *Org) update(t *ObjectType, id string, body map[string]any, mode writeMode) *apiError {
	old := o.lookup(t.Name, id)
	if old == nil {
		return errRecordNotFound(t, id)
	}
	if mode == apiWrite && !t.Updateable {
		return fieldError("INVALID_TYPE_FOR_OPERATION", fmt.Sprintf("entity type %s does not support update", t.Name))
	}
	changes, err := o.normalize(t, body, false, mode)
	if err != nil {
		return err
	}
	rec := make(soql.Record, len(old))
	for k, v := range old {
		rec[k] = v
	}
	for k, v := range changes {
		rec[k] = v
	}
	if missing := missingRequired(t, rec); len(missing) > 0 {
		return requiredError(missing)
	}
	if t.hooks.beforeUpdate != nil {
		if err := t.hooks.beforeUpdate(o, old, rec); err != nil {
			return err
		}
	}
	rec["LastModifiedDate"], rec["SystemModstamp"], rec["LastModifiedById"] = timestamp(o.stampTime()), timestamp(o.stampTime()), o.actorID()
	o.data.Tables[t.Name].Rows[key15(id)] = rec
	o.eqIndexUpdate(t.Name, key15(id), old, rec)
	o.dropChangedIndexes(t.Name, old, rec)
	o.dirty = true
	if t.hooks.afterUpdate != nil {
		t.hooks.afterUpdate(o, old, rec)
	}
	if mode == apiWrite {
		o.auditDML(t, old, rec)
	}
	return nil
}

// errNotDeletable is what the REST API answers for DELETE on a type that does not support delete
// (User, Organization, SamlSsoConfig): 405 METHOD_NOT_ALLOWED listing the allowed methods.
func errNotDeletable(t *ObjectType) *apiError {
	allowed := "HEAD,GET"
	if t.Updateable {
		allowed += ",PATCH"
	}
	return newError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", fmt.Sprintf("HTTP Method 'DELETE' not allowed. Allowed are %s", allowed))
}

// remove deletes a row.
func (o *Org) remove(t *ObjectType, id string, mode writeMode) *apiError {
	if mode == apiWrite && !t.Deletable {
		return errNotDeletable(t)
	}
	rec := o.lookup(t.Name, id)
	if rec == nil {
		return errRecordNotFound(t, id)
	}
	if mode == apiWrite && t.hooks.beforeDelete != nil {
		if err := t.hooks.beforeDelete(o, rec); err != nil {
			return err
		}
	}
	o.deleteRow(t.Name, id)
	if t.hooks.afterDelete != nil {
		t.hooks.afterDelete(o, rec)
	}
	if mode == apiWrite {
		o.auditDML(t, rec, nil)
	}
	return nil
}

func (o *Org) deleteRow(typ, id string) {
	tb := o.data.Tables[typ]
	k := key15(id)
	if tb == nil || tb.Rows[k] == nil {
		return
	}
	o.eqIndexDelete(typ, k, tb.Rows[k])
	delete(tb.Rows, k)
	o.dropIndexes(typ)
	for i, v := range tb.Order {
		if v == k {
			tb.Order = append(tb.Order[:i], tb.Order[i+1:]...)
			break
		}
	}
	o.dirty = true
}

// deleteWhere removes every row of typ whose field holds id (cascades).
func (o *Org) deleteWhere(typ, field, id string) {
	for _, r := range o.rows(typ) {
		if v, _ := r[field].(string); sameID(v, id) {
			rid, _ := r["Id"].(string)
			t := o.objectType(typ)
			o.deleteRow(typ, rid)
			if t.hooks.afterDelete != nil {
				t.hooks.afterDelete(o, r)
			}
		}
	}
}

// findRow returns the first row of typ whose field equals value (case-insensitively).
func (o *Org) findRow(typ, field, value string) soql.Record {
	var found soql.Record
	o.each(typ, func(r soql.Record) bool {
		if s, ok := r[field].(string); ok && strings.EqualFold(s, value) {
			found = r
		}
		return found == nil
	})
	return found
}

// index returns the derived index name ("Type:purpose"), building it with build when absent.
func (o *Org) index(name string, build func(add func(key, id string))) map[string]string {
	if o.data.indexes == nil {
		o.data.indexes = map[string]map[string]string{}
	}
	idx := o.data.indexes[name]
	if idx == nil {
		idx = map[string]string{}
		build(func(key, id string) { idx[key] = id })
		o.data.indexes[name] = idx
	}
	return idx
}

// dropChangedIndexes forgets the derived indexes of typ that an update from old to rec may change: an index
// named after a field ("User:FederationIdentifier") only when that field changed, any other always — so that
// updating many users does not rebuild the Federation ID index once per user.
func (o *Org) dropChangedIndexes(typ string, old, rec soql.Record) {
	for name := range o.data.indexes {
		t, field, _ := strings.Cut(name, ":")
		if t != typ {
			continue
		}
		if _, isField := rec[field]; isField && fmt.Sprint(old[field]) == fmt.Sprint(rec[field]) {
			continue
		}
		delete(o.data.indexes, name)
	}
}

// dropIndexes forgets the derived indexes of typ after a change they do not track.
func (o *Org) dropIndexes(typ string) {
	for name := range o.data.indexes {
		if strings.HasPrefix(name, typ+":") {
			delete(o.data.indexes, name)
		}
	}
}

// syncDirectory re-registers this org's usernames after a rollback replaced the store.
func (o *Org) syncDirectory() {
	o.cfg.Directory.releaseOrg(o.keys.OrgID)
	for _, u := range o.rows("User") {
		name, _ := u["Username"].(string)
		o.cfg.Directory.claim(name, o.keys.OrgID)
	}
}
