package sfemu

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// handleSObjectInfo serves GET /sobjects/{type}: the basic describe and recently viewed items.
func (o *Org) handleSObjectInfo(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	d := t.describe(callFrom(r.Context()).version)
	delete(d, "fields")
	delete(d, "childRelationships")
	delete(d, "recordTypeInfos")
	writeJSON(w, http.StatusOK, map[string]any{"objectDescribe": d, "recentItems": []any{}})
}

// upsertMatches returns the rows of t whose external-id field f equals value.
func (o *Org) upsertMatches(t *ObjectType, f *Field, value string) []soql.Record {
	var matches []soql.Record
	for _, row := range o.rows(t.Name) {
		v := str(row, f.Name)
		if (f.Type == "id" && key15(v) != "" && key15(v) == key15(value)) || (f.Type != "id" && strings.EqualFold(v, value)) {
			matches = append(matches, row)
		}
	}
	return matches
}

// externalIDField resolves the field of an upsert URL; only idLookup fields (and Id) qualify, as no
// standard field here is an externalId.
func externalIDField(t *ObjectType, name string) (*Field, *apiError) {
	f := t.field(name)
	if f == nil || !f.IDLookup {
		return nil, newError(http.StatusNotFound, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "+name)
	}
	return f, nil
}

// upsertOne inserts (created) or updates the single match; several matches answer 300 with their URLs.
func (o *Org) upsertOne(c *call, t *ObjectType, f *Field, value string, body map[string]any) (id string, created bool, urls []string, err *apiError) {
	matches := o.upsertMatches(t, f, value)
	switch len(matches) {
	case 0:
		if f.Name == "Id" {
			return "", false, nil, errRecordNotFound(t, value)
		}
		body[f.Name] = value
		rec, err := o.insert(t, body, apiWrite)
		if err != nil {
			return "", false, nil, err
		}
		return str(rec, "Id"), true, nil, nil
	case 1:
		id := str(matches[0], "Id")
		return id, false, nil, o.update(t, id, body, apiWrite)
	}
	for _, m := range matches {
		urls = append(urls, o.sobjectURL(c.version, t.Name, str(m, "Id"), c.tooling))
	}
	return "", false, urls, newError(http.StatusMultipleChoices, "MULTIPLE_CHOICES", "more than one record found for external id field")
}

// handleUpsert serves PATCH /sobjects/{type}/{field}/{value}: 201 created, 200 updated, 300 ambiguous.
func (o *Org) handleUpsert(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	f, err := externalIDField(t, r.PathValue("field"))
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := parseRecordBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	c := callFrom(r.Context())
	id, created, urls, err := o.upsertOne(c, t, f, r.PathValue("value"), body)
	switch {
	case urls != nil:
		writeJSON(w, http.StatusMultipleChoices, urls)
	case err != nil:
		writeError(w, err)
	case created:
		w.Header().Set("Location", o.sobjectURL(c.version, t.Name, id, c.tooling))
		writeJSON(w, http.StatusCreated, map[string]any{"id": id, "success": true, "errors": []any{}, "created": true})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "success": true, "errors": []any{}, "created": false})
	}
}

// handleCollectionUpsert serves PATCH /composite/sobjects/{type}/{field}: per-record upsert results.
func (o *Org) handleCollectionUpsert(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	f, err := externalIDField(t, r.PathValue("field"))
	if err != nil {
		writeError(w, err)
		return
	}
	req, ok := o.parseCollection(w, r)
	if !ok {
		return
	}
	c := callFrom(r.Context())
	created := make([]bool, len(req.Records))
	results := o.runCollection(req.AllOrNone, len(req.Records), func(i int) (string, *apiError) {
		body := map[string]any{}
		var value string
		for k, v := range req.Records[i] {
			if strings.EqualFold(k, f.Name) {
				value = fmt.Sprint(v)
				continue
			}
			body[k] = v
		}
		if value == "" {
			return "", fieldError("REQUIRED_FIELD_MISSING", "Required fields are missing: ["+f.Name+"]", f.Name)
		}
		id, isNew, urls, err := o.upsertOne(c, t, f, value, body)
		if urls != nil {
			err = fieldError("DUPLICATE_EXTERNAL_ID", fmt.Sprintf("%s: more than one record found for external id field: %v", f.Label, urls), f.Name)
		}
		created[i] = isNew
		return id, err
	})
	out := make([]map[string]any, len(results))
	for i, res := range results {
		out[i] = map[string]any{"success": res.Success, "errors": res.Errors}
		if res.ID != "" {
			out[i]["id"] = res.ID
		}
		if res.Success {
			out[i]["created"] = created[i]
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleCollectionRetrieve serves GET /composite/sobjects/{type}?ids=&fields=: records in order, null
// where an id matches nothing.
func (o *Org) handleCollectionRetrieve(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) > maxCollectionRecords {
		writeError(w, tooManyRecords())
		return
	}
	o.writeCollectionRecords(w, r, t, ids, strings.Split(r.URL.Query().Get("fields"), ","))
}

// writeCollectionRecords answers the sObject Collections retrieve: the records of ids in order, null
// for an id that names none, with the named fields.
func (o *Org) writeCollectionRecords(w http.ResponseWriter, r *http.Request, t *ObjectType, ids, names []string) {
	var fields []*Field
	for _, name := range names {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		f := t.field(name)
		if f == nil {
			writeError(w, fieldError("INVALID_FIELD", fmt.Sprintf("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", name, t.Name)))
			return
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		writeError(w, fieldError("REQUIRED_FIELD_MISSING", "The fields parameter is required", "fields"))
		return
	}
	c := callFrom(r.Context())
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		if rec := o.lookup(t.Name, strings.TrimSpace(id)); rec != nil && hasPrefix(id, t.KeyPrefix) {
			out = append(out, o.render(t, rec, fields, c.version, c.tooling))
		} else {
			out = append(out, nil)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleIdentity serves the identity URL returned as "id" by the token endpoint.
func (o *Org) handleIdentity(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	userID, ok := o.authenticate(bearerToken(r))
	if !ok || key15(r.PathValue("user")) != key15(userID) || key15(r.PathValue("org")) != key15(o.keys.OrgID) {
		// The identity service answers a bad token with a bare 403 text body, not the REST error array.
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprint(w, "Bad_OAuth_Token")
		return
	}
	u := o.lookup("User", userID)
	base := o.cfg.BaseURL
	writeJSON(w, http.StatusOK, map[string]any{
		"id": base + "/id/" + o.keys.OrgID + "/" + userID, "asserted_user": true, "user_id": userID, "organization_id": o.keys.OrgID,
		"username": u["Username"], "nick_name": u["CommunityNickname"], "display_name": u["Name"], "email": u["Email"],
		"email_verified": true, "first_name": u["FirstName"], "last_name": u["LastName"], "timezone": u["TimeZoneSidKey"],
		"active": u["IsActive"], "user_type": "STANDARD", "language": u["LanguageLocaleKey"], "locale": u["LocaleSidKey"],
		"utcOffset": 0, "last_modified_date": u["LastModifiedDate"], "is_app_installed": true,
		"urls": map[string]string{
			"rest":     base + "/services/data/v{version}/",
			"sobjects": base + "/services/data/v{version}/sobjects/",
			"query":    base + "/services/data/v{version}/query/",
			"metadata": base + "/services/Soap/m/{version}/" + o.keys.OrgID[:15],
			"profile":  base + "/" + userID,
		},
	})
}
