package sfemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Routes and answers that close the fidelity gaps of issue 14. Each one names its source: the REST API
// Developer Guide (resource pages), the Salesforce Help page of the OAuth endpoint, or
// ../shared/reference/salesforce-api.md (§ numbers).

// describeGlobalEntry is one sObject of the Describe Global answer, with the key set the REST API Developer
// Guide's "Get a List of Objects" example shows. The flags the emulator has no model for (layouts, feeds,
// MRU, merge) take the value a setup object has.
func describeGlobalEntry(t *ObjectType, base string) map[string]any {
	sobject := base + "/sobjects/" + t.Name
	return map[string]any{
		"activateable": false, "associateEntityType": nil, "associateParentEntity": nil,
		"createable": t.Createable, "custom": false, "customSetting": false, "deepCloneable": false,
		"deletable": t.Deletable, "deprecatedAndHidden": false, "feedEnabled": false, "hasSubtypes": false,
		"isInterface": false, "isSubtype": false, "keyPrefix": t.KeyPrefix, "label": t.Label,
		"labelPlural": t.LabelPlural, "layoutable": false, "mergeable": false, "mruEnabled": false, "name": t.Name,
		"queryable": true, "replicateable": false, "retrieveable": true, "searchable": false, "triggerable": false,
		"undeletable": false, "updateable": t.Updateable,
		"urls": map[string]string{"sobject": sobject, "describe": sobject + "/describe", "rowTemplate": sobject + "/{ID}"},
	}
}

// describeGlobal renders Describe Global for the REST API or, under /tooling, the Tooling API.
func (o *Org) describeGlobal(c *call) map[string]any {
	base := "/services/data/" + c.version
	if c.tooling {
		base += "/tooling"
	}
	names := make([]string, 0, len(o.schema))
	for k := range o.schema {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		out = append(out, describeGlobalEntry(o.schema[n], base))
	}
	return map[string]any{"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": out}
}

// servedResources are the keys of the Resources by Version answer (GET /services/data/vXX.X) that this
// emulator serves; Salesforce lists more (chatter, wave, …) which would answer 404 here, so they are left out.
var servedResources = []string{"limits", "sobjects", "query", "queryAll", "tooling", "composite"}

// resources renders Resources by Version: relative URLs plus identity, the absolute identity URL of the
// caller (REST API Developer Guide, "List Available REST Resources").
func (o *Org) resources(c *call) map[string]string {
	base := "/services/data/" + c.version
	out := map[string]string{"identity": o.cfg.BaseURL + "/id/" + o.keys.OrgID + "/" + c.userID}
	for _, k := range servedResources {
		out[k] = base + "/" + k
	}
	return out
}

// limits renders /limits: every documented key (docdata/limits.json) with Max and Remaining.
func (o *Org) limits() map[string]any {
	out := map[string]any{}
	for k, max := range documentedLimits() {
		out[k] = map[string]int{"Max": max, "Remaining": max}
	}
	out["DailyApiRequests"] = map[string]int{"Max": o.cfg.DailyAPILimit, "Remaining": o.cfg.DailyAPILimit - o.data.APIUsed}
	return out
}

// handleUserInfo serves the OpenID Connect UserInfo endpoint, GET or POST /services/oauth2/userinfo
// (Salesforce Help, "Query for User Information", remoteaccess_using_userinfo_endpoint.htm): the current
// user's claims and the API endpoints it may call. A bad token gets the identity service's 403.
func (o *Org) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	userID, ok := o.authenticate(bearerToken(r))
	if !ok {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprint(w, "Bad_OAuth_Token")
		return
	}
	u := o.lookup("User", userID)
	base := o.cfg.BaseURL
	offset := 0
	if tz, ok := u["TimeZoneSidKey"].(string); ok {
		if loc, err := time.LoadLocation(tz); err == nil {
			_, secs := o.now().In(loc).Zone()
			offset = secs * 1000
		}
	}
	photo := base + "/profilephoto/005/F"
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": base + "/id/" + o.keys.OrgID + "/" + userID, "user_id": userID, "organization_id": o.keys.OrgID,
		"preferred_username": u["Username"], "nickname": u["CommunityNickname"], "name": u["Name"],
		"email": u["Email"], "email_verified": true, "given_name": u["FirstName"], "family_name": u["LastName"],
		"zoneinfo": u["TimeZoneSidKey"], "photos": map[string]string{"picture": photo, "thumbnail": photo + "/T"},
		"profile": base + "/" + userID, "picture": photo, "address": map[string]any{"country": u["Country"]},
		"is_salesforce_integration_user": false,
		"urls": map[string]string{
			"rest":         base + "/services/data/v{version}/",
			"sobjects":     base + "/services/data/v{version}/sobjects/",
			"query":        base + "/services/data/v{version}/query/",
			"tooling_rest": base + "/services/data/v{version}/tooling/",
			"metadata":     base + "/services/Soap/m/{version}/" + o.keys.OrgID[:15],
			"profile":      base + "/" + userID,
		},
		"active": u["IsActive"], "user_type": "STANDARD", "language": u["LanguageLocaleKey"],
		"locale": u["LocaleSidKey"], "utcOffset": offset, "updated_at": u["LastModifiedDate"], "is_app_installed": true,
	})
}

// maxRetrieveManyIDs is how many ids POST /composite/sobjects/{type} takes (REST API Developer Guide,
// "Get Records Using sObject Collections": up to 2,000 records with a POST body, 200 in the GET query string).
const maxRetrieveManyIDs = 2000

// handleCollectionRetrieveMany serves POST /composite/sobjects/{type} {"ids":[…],"fields":[…]}: the
// same answer as the GET form, for id lists too long for a URL.
func (o *Org) handleCollectionRetrieveMany(w http.ResponseWriter, r *http.Request) {
	t, err := o.typeFromPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req struct {
		IDs    []string `json:"ids"`
		Fields []string `json:"fields"`
	}
	if err := decodeJSON(body, &req); err != nil {
		writeError(w, err)
		return
	}
	if len(req.IDs) == 0 {
		writeError(w, fieldError("REQUIRED_FIELD_MISSING", "The ids parameter is required", "ids"))
		return
	}
	if len(req.IDs) > maxRetrieveManyIDs {
		writeError(w, fieldError("EXCEEDED_ID_LIMIT", fmt.Sprintf("Record limit reached. Id limit is %d", maxRetrieveManyIDs)))
		return
	}
	o.writeCollectionRecords(w, r, t, req.IDs, req.Fields)
}

// batchRequest is the body of POST /composite/batch (REST API Developer Guide, "Batch"): up to 25
// independent subrequests, each committed on its own; haltOnError stops at the first failure.
type batchRequest struct {
	HaltOnError   bool `json:"haltOnError"`
	BatchRequests []struct {
		Method    string          `json:"method"`
		URL       string          `json:"url"`
		RichInput json.RawMessage `json:"richInput"`
	} `json:"batchRequests"`
}

func (o *Org) handleCompositeBatch(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req batchRequest
	if err := decodeJSON(body, &req); err != nil {
		writeError(w, err)
		return
	}
	n := len(req.BatchRequests)
	if n == 0 || n > maxCompositeRequests {
		writeError(w, fieldError("INVALID_BATCH_REQUEST", fmt.Sprintf("A batch must contain between 1 and %d subrequests; this one has %d.", maxCompositeRequests, n)))
		return
	}
	type result struct {
		StatusCode int `json:"statusCode"`
		Result     any `json:"result"`
	}
	out := make([]result, 0, n)
	hasErrors, halted := false, false
	for _, b := range req.BatchRequests {
		if halted {
			out = append(out, result{StatusCode: http.StatusPreconditionFailed, Result: []map[string]string{{"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}}})
			continue
		}
		// Subrequest URLs are relative to /services/data ("v63.0/sobjects/…"); the absolute form is taken too.
		target := b.URL
		if !strings.HasPrefix(target, "/services/data/") {
			target = "/services/data/" + strings.TrimLeft(target, "/")
		}
		resp := o.runSubrequest(r.Context(), subrequest{Method: b.Method, URL: target, Body: b.RichInput}, map[string]any{})
		if resp.HTTPStatusCode >= 400 {
			hasErrors = true
			halted = req.HaltOnError
		}
		out = append(out, result{StatusCode: resp.HTTPStatusCode, Result: resp.Body})
	}
	writeJSON(w, http.StatusOK, map[string]any{"hasErrors": hasErrors, "results": out})
}

// cleanDoubleSlashes collapses runs of slashes in a request path ("//services/data/…"). Go's ServeMux would
// answer such a path with a 307 to a relative Location, which Salesforce does not; the emulator serves the
// cleaned path instead (inferred: how Salesforce treats such paths is not in the reference).
func cleanDoubleSlashes(r *http.Request) *http.Request {
	p := r.URL.Path
	if !strings.Contains(p, "//") {
		return r
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	r2 := r.Clone(r.Context())
	r2.URL = &url.URL{Scheme: r.URL.Scheme, Host: r.URL.Host, Path: p, RawQuery: r.URL.RawQuery}
	return r2
}

// handleCompositeResources serves GET /composite, the list of composite resources (REST API Developer Guide,
// "Composite Resources"), limited to the ones this emulator serves.
func (o *Org) handleCompositeResources(w http.ResponseWriter, r *http.Request) {
	base := "/services/data/" + callFrom(r.Context()).version + "/composite"
	writeJSON(w, http.StatusOK, map[string]string{"batch": base + "/batch", "sobjects": base + "/sobjects"})
}

// handleToolingResources serves GET /tooling, the Tooling API's resource list (Tooling API Developer Guide,
// "Tooling API Resources"), limited to the ones this emulator serves.
func (o *Org) handleToolingResources(w http.ResponseWriter, r *http.Request) {
	base := "/services/data/" + callFrom(r.Context()).version + "/tooling"
	writeJSON(w, http.StatusOK, map[string]string{"sobjects": base + "/sobjects", "query": base + "/query"})
}
