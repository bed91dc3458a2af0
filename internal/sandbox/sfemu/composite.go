package sfemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

const (
	maxCollectionRecords = 200
	maxCompositeRequests = 25
	maxCompositeQueries  = 5
)

type collectionRequest struct {
	AllOrNone bool             `json:"allOrNone"`
	Records   []map[string]any `json:"records"`
}

type recordResult struct {
	ID      string           `json:"id,omitempty"`
	Success bool             `json:"success"`
	Errors  []map[string]any `json:"errors"`
}

var errRolledBack = fieldError("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records were valid and the request was using AllOrNone header")

func tooManyRecords() *apiError {
	return fieldError("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
}

// runCollection applies op to each item; with allOrNone a single failure restores the store and marks
// every other item ALL_OR_NONE_OPERATION_ROLLED_BACK.
func (o *Org) runCollection(allOrNone bool, n int, op func(i int) (string, *apiError)) []recordResult {
	var snapshot *store
	if allOrNone {
		snapshot = o.data.clone()
	}
	results := make([]recordResult, n)
	failed := false
	for i := 0; i < n; i++ {
		id, err := op(i)
		if err != nil {
			failed = true
			results[i] = recordResult{ID: id, Errors: []map[string]any{err.collectionBody()}}
			continue
		}
		results[i] = recordResult{ID: id, Success: true, Errors: []map[string]any{}}
	}
	if allOrNone && failed {
		o.data = snapshot
		o.syncDirectory()
		for i := range results {
			if results[i].Success {
				results[i] = recordResult{ID: results[i].ID, Errors: []map[string]any{errRolledBack.collectionBody()}}
			}
		}
	}
	return results
}

func (o *Org) recordType(rec map[string]any) (*ObjectType, *apiError) {
	attrs, _ := rec["attributes"].(map[string]any)
	name, _ := attrs["type"].(string)
	t := o.objectType(name)
	if t == nil {
		return nil, fieldError("INVALID_TYPE", "Must send a concrete entity type.")
	}
	return t, nil
}

func (o *Org) parseCollection(w http.ResponseWriter, r *http.Request) (*collectionRequest, bool) {
	body, err := readBody(r)
	if err == nil {
		var req collectionRequest
		if err = decodeJSON(body, &req); err == nil {
			if len(req.Records) > maxCollectionRecords {
				err = tooManyRecords()
			} else {
				return &req, true
			}
		}
	}
	writeError(w, err)
	return nil, false
}

func (o *Org) handleCollectionCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := o.parseCollection(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, o.runCollection(req.AllOrNone, len(req.Records), func(i int) (string, *apiError) {
		t, err := o.recordType(req.Records[i])
		if err != nil {
			return "", err
		}
		rec, err := o.insert(t, req.Records[i], apiWrite)
		if err != nil {
			return "", err
		}
		return str(rec, "Id"), nil
	}))
}

func (o *Org) handleCollectionUpdate(w http.ResponseWriter, r *http.Request) {
	req, ok := o.parseCollection(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, o.runCollection(req.AllOrNone, len(req.Records), func(i int) (string, *apiError) {
		rec := req.Records[i]
		id, _ := rec["Id"].(string)
		if id == "" {
			id, _ = rec["id"].(string)
		}
		if id == "" {
			return "", fieldError("MISSING_ARGUMENT", "Id not specified in an update call")
		}
		t, err := o.recordType(rec)
		if err != nil {
			return id, err
		}
		body := make(map[string]any, len(rec))
		for k, v := range rec {
			if !strings.EqualFold(k, "Id") {
				body[k] = v
			}
		}
		if !validID(id) {
			return id, fieldError("MALFORMED_ID", "malformed id "+id)
		}
		if err := o.update(t, id, body, apiWrite); err != nil {
			if err.Status == http.StatusNotFound {
				err = fieldError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
			}
			return id, err
		}
		return id, nil
	}))
}

func (o *Org) typeByPrefix(id string) *ObjectType {
	for _, t := range o.schema {
		if hasPrefix(id, t.KeyPrefix) {
			return t
		}
	}
	return nil
}

func (o *Org) handleCollectionDelete(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if raw := r.URL.Query().Get("ids"); raw != "" {
		ids = strings.Split(raw, ",")
	}
	if len(ids) > maxCollectionRecords {
		writeError(w, tooManyRecords())
		return
	}
	allOrNone, _ := strconv.ParseBool(r.URL.Query().Get("allOrNone"))
	writeJSON(w, http.StatusOK, o.runCollection(allOrNone, len(ids), func(i int) (string, *apiError) {
		id := strings.TrimSpace(ids[i])
		if !validID(id) {
			return id, fieldError("MALFORMED_ID", "malformed id "+id)
		}
		t := o.typeByPrefix(id)
		if t == nil || o.lookup(t.Name, id) == nil {
			return id, fieldError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
		}
		if !t.Deletable {
			return id, fieldError("INVALID_TYPE_FOR_OPERATION", fmt.Sprintf("entity type %s does not support delete", t.Name))
		}
		if err := o.remove(t, id, apiWrite); err != nil {
			return id, err
		}
		return id, nil
	}))
}

type subrequest struct {
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ReferenceID string            `json:"referenceId"`
	Body        json.RawMessage   `json:"body"`
	HTTPHeaders map[string]string `json:"httpHeaders"`
}

type compositeRequest struct {
	AllOrNone         bool         `json:"allOrNone"`
	CollateSubrequest bool         `json:"collateSubrequests"`
	CompositeRequest  []subrequest `json:"compositeRequest"`
}

type subresponse struct {
	Body           any               `json:"body"`
	HTTPHeaders    map[string]string `json:"httpHeaders"`
	HTTPStatusCode int               `json:"httpStatusCode"`
	ReferenceID    string            `json:"referenceId"`
}

var (
	referencePattern = regexp.MustCompile(`@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}`)
	referenceIDValid = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

func halted(msg string) []map[string]any {
	return []map[string]any{{"errorCode": "PROCESSING_HALTED", "message": msg}}
}

// handleComposite runs up to 25 subrequests in order, in one transaction when allOrNone is set, resolving
// @{referenceId.path} against earlier results.
func (o *Org) handleComposite(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req compositeRequest
	if err := decodeJSON(body, &req); err != nil {
		writeError(w, err)
		return
	}
	subs := req.CompositeRequest
	if len(subs) == 0 || len(subs) > maxCompositeRequests {
		writeError(w, fieldError("INVALID_FIELD", fmt.Sprintf("Invalid number of subrequests: %d. A composite request must have between 1 and %d subrequests.", len(subs), maxCompositeRequests)))
		return
	}
	queries, seen := 0, map[string]bool{}
	for _, s := range subs {
		if !referenceIDValid.MatchString(s.ReferenceID) || seen[s.ReferenceID] {
			writeError(w, fieldError("INVALID_FIELD", fmt.Sprintf("Invalid reference id: %s. Reference ids must be unique and may contain only alphanumeric characters and underscores, and must start with a letter.", s.ReferenceID)))
			return
		}
		seen[s.ReferenceID] = true
		if strings.Contains(s.URL, "/query") || strings.Contains(s.URL, "/composite/sobjects") {
			queries++
		}
	}
	if queries > maxCompositeQueries {
		writeError(w, fieldError("INVALID_FIELD", fmt.Sprintf("Invalid number of query or sObject Collections subrequests: %d. The maximum is %d.", queries, maxCompositeQueries)))
		return
	}
	var snapshot *store
	if req.AllOrNone {
		snapshot = o.data.clone()
	}
	results := map[string]any{}
	out := make([]subresponse, 0, len(subs))
	for i, s := range subs {
		resp := o.runSubrequest(r.Context(), s, results)
		out = append(out, resp)
		if resp.HTTPStatusCode < 400 {
			results[s.ReferenceID] = resp.Body
			if resp.Body == nil {
				results[s.ReferenceID] = map[string]any{}
			}
			continue
		}
		if req.AllOrNone {
			o.data = snapshot
			o.syncDirectory()
			o.dirty = true
			for j := range out[:i] {
				out[j] = subresponse{Body: halted("The transaction was rolled back since another operation in the same transaction failed."), HTTPHeaders: map[string]string{}, HTTPStatusCode: 400, ReferenceID: out[j].ReferenceID}
			}
			for _, rest := range subs[i+1:] {
				out = append(out, subresponse{Body: halted("The transaction was rolled back since another operation in the same transaction failed."), HTTPHeaders: map[string]string{}, HTTPStatusCode: 400, ReferenceID: rest.ReferenceID})
			}
			break
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"compositeResponse": out})
}

// runSubrequest dispatches one subrequest to the API routes in-process (already authenticated and locked).
func (o *Org) runSubrequest(ctx context.Context, s subrequest, results map[string]any) subresponse {
	resp := subresponse{HTTPHeaders: map[string]string{}, ReferenceID: s.ReferenceID}
	resolve := func(text string) (string, string) {
		var missing string
		return referencePattern.ReplaceAllStringFunc(text, func(m string) string {
			parts := referencePattern.FindStringSubmatch(m)
			v, ok := lookupReference(results[parts[1]], parts[2])
			if !ok {
				missing = parts[1] + parts[2]
				return m
			}
			return v
		}), missing
	}
	// References inside a query string arrive percent-encoded as often as not.
	target, missing := resolve(strings.NewReplacer("%40%7B", "@{", "%40%7b", "@{", "%7D", "}", "%7d", "}").Replace(s.URL))
	body := string(s.Body)
	if missing == "" {
		body, missing = resolve(body)
	}
	if missing != "" {
		ref, _, _ := strings.Cut(missing, ".")
		resp.HTTPStatusCode, resp.Body = 400, halted(fmt.Sprintf("Invalid reference specified. No value for %s found in %s. Provided referenceId ('%s') is not found or refers to a failed subrequest.", missing, ref, ref))
		return resp
	}
	var rdr *bytes.Reader
	if body != "" && body != "null" {
		rdr = bytes.NewReader([]byte(body))
	} else {
		rdr = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(strings.ToUpper(s.Method), "http://composite.local"+target, rdr)
	req.URL.Path = strings.TrimRight(req.URL.Path, "/")
	version := ""
	if rest, ok := strings.CutPrefix(req.URL.Path, "/services/data/"); ok {
		version, _, _ = strings.Cut(rest, "/")
	}
	if !validVersion(version) || strings.Contains(req.URL.Path, "/composite") && !strings.Contains(req.URL.Path, "/composite/sobjects") {
		resp.HTTPStatusCode, resp.Body = 404, []*soql.Object{errNotFound.restBody()}
		return resp
	}
	c := &call{version: version, userID: callFrom(ctx).userID, tooling: strings.Contains(req.URL.Path, "/tooling/")}
	rec := httptest.NewRecorder()
	sub := req.WithContext(context.WithValue(ctx, ctxKey{}, c))
	o.inner.ServeHTTP(rec, sub)
	route := sub.Pattern // set by the mux that served it
	if route == "" {
		route = emu.UnmatchedRoute(sub.Method)
	}
	o.cfg.Control.CountSubrequest(o, route)
	resp.HTTPStatusCode = rec.Code
	if loc := rec.Header().Get("Location"); loc != "" {
		resp.HTTPHeaders["Location"] = loc
	}
	if rec.Body.Len() > 0 {
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err == nil {
			resp.Body = v
		}
	}
	return resp
}

var pathStep = regexp.MustCompile(`\.([A-Za-z0-9_]+)|\[(\d+)\]`)

// lookupReference walks a JSON value along .field and [index] steps and renders the leaf as text.
func lookupReference(v any, path string) (string, bool) {
	if v == nil {
		return "", false
	}
	for _, m := range pathStep.FindAllStringSubmatch(path, -1) {
		switch cur := v.(type) {
		case map[string]any:
			if m[1] == "" {
				return "", false
			}
			v = cur[m[1]]
		case []any:
			if m[2] == "" {
				return "", false
			}
			i, _ := strconv.Atoi(m[2])
			if i >= len(cur) {
				return "", false
			}
			v = cur[i]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64, bool:
		return fmt.Sprint(x), true
	}
	return "", false
}
