package sfemu

import (
	"encoding/json"
	"net/http"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// apiError is one Salesforce error. REST bodies name the code errorCode; sObject Collections and
// Composite results name it statusCode, so the two renderings are separate.
type apiError struct {
	Status  int
	Code    string
	Message string
	Fields  []string
}

// newError builds an error whose REST body has no fields key (session, limit, not-found errors).
func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

// fieldError builds a 400 validation error whose body always carries fields, empty or not.
func fieldError(code, msg string, fields ...string) *apiError {
	if fields == nil {
		fields = []string{}
	}
	return &apiError{Status: 400, Code: code, Message: msg, Fields: fields}
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// restBody is the REST error entry, keys in Salesforce's order: {"message","errorCode","fields"}.
func (e *apiError) restBody() *soql.Object {
	o := soql.NewObject()
	o.Set("message", e.Message)
	o.Set("errorCode", e.Code)
	if e.Fields != nil {
		o.Set("fields", e.Fields)
	}
	return o
}

// collectionBody is the sObject Collections error entry: {"statusCode","message","fields"}.
func (e *apiError) collectionBody() map[string]any {
	fields := e.Fields
	if fields == nil {
		fields = []string{}
	}
	return map[string]any{"statusCode": e.Code, "message": e.Message, "fields": fields}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers the JSON array Salesforce returns for every REST error.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, []*soql.Object{e.restBody()})
}

var (
	errSessionInvalid = newError(http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
	errNotFound       = newError(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	// errLimitExceeded is the spent daily allocation; errConcurrentLimit the limit on concurrent long-running
	// requests (over 20 s), which passes as they finish.
	errLimitExceeded   = newError(http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
	errConcurrentLimit = newError(http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
)
