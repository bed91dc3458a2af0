package salesforce

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Error categories; every *APIError unwraps to at most one of them.
var (
	ErrNotFound      = errors.New("not found")
	ErrDuplicate     = errors.New("duplicate")
	ErrValidation    = errors.New("invalid request")
	ErrLimitExceeded = errors.New("limit exceeded")
	ErrAuth          = errors.New("authentication failed")
	ErrSession       = errors.New("session expired or invalid")
	ErrForbidden     = errors.New("insufficient access")
)

// APIError is one Salesforce error: REST errorCode, collections statusCode, OAuth error or SOAP fault.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	Fields     []string
}

func (e *APIError) Error() string {
	// No "salesforce" prefix: callers wrap it with the org alias.
	var head []string
	if e.StatusCode != 0 {
		head = append(head, fmt.Sprint(e.StatusCode))
	}
	if e.Code != "" {
		head = append(head, e.Code)
	}
	var b strings.Builder
	if len(head) > 0 {
		b.WriteString(strings.Join(head, " ") + ": ")
	}
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if msg == "" {
		msg = "unknown error"
	}
	b.WriteString(msg)
	if len(e.Fields) > 0 {
		fmt.Fprintf(&b, " (fields: %s)", strings.Join(e.Fields, ", "))
	}
	if advice := limitAdvice[e.Limit()]; advice != "" {
		if !strings.HasSuffix(b.String(), ".") {
			b.WriteString(".")
		}
		b.WriteString(" " + advice)
	}
	return b.String()
}

// Limit tells which limit a REQUEST_LIMIT_EXCEEDED error names (transport.NoRequestLimit for other errors).
func (e *APIError) Limit() transport.RequestLimit {
	return transport.ClassifyRequestLimit(e.Code, e.Message)
}

// limitAdvice says what each REQUEST_LIMIT_EXCEEDED means and what to do: the code alone does not tell.
var limitAdvice = map[transport.RequestLimit]string{
	transport.DailyRequestLimit: "The org's daily API request allocation is spent (a rolling 24-hour count shared by every " +
		"integration of the org), so the provider did not retry: run again when usage has dropped (Setup > Company Information > " +
		"API Requests, Last 24 Hours), or ask Salesforce for a larger allocation.",
	transport.ConcurrentRequestLimit: "The org has too many long-running requests in flight (its concurrent request limit); " +
		"the provider retried with backoff and was still refused: run again, or lower terraform -parallelism.",
}

var codeCategories = map[string]error{
	"NOT_FOUND":                                     ErrNotFound,
	"ENTITY_IS_DELETED":                             ErrNotFound,
	"DUPLICATE_VALUE":                               ErrDuplicate,
	"DUPLICATE_USERNAME":                            ErrDuplicate,
	"DUPLICATE_EXTERNAL_ID":                         ErrDuplicate,
	"DUPLICATES_DETECTED":                           ErrDuplicate,
	"DUPLICATE_DEVELOPER_NAME":                      ErrDuplicate,
	"REQUEST_LIMIT_EXCEEDED":                        ErrLimitExceeded,
	"LICENSE_LIMIT_EXCEEDED":                        ErrLimitExceeded,
	"STORAGE_LIMIT_EXCEEDED":                        ErrLimitExceeded,
	"INVALID_SESSION_ID":                            ErrSession,
	"invalid_grant":                                 ErrAuth,
	"invalid_client":                                ErrAuth,
	"invalid_client_id":                             ErrAuth,
	"invalid_client_credentials":                    ErrAuth,
	"unauthorized_client":                           ErrAuth,
	"inactive_user":                                 ErrAuth,
	"inactive_org":                                  ErrAuth,
	"unsupported_grant_type":                        ErrAuth,
	"invalid_request":                               ErrAuth,
	"INVALID_LOGIN":                                 ErrAuth,
	"INSUFFICIENT_ACCESS":                           ErrForbidden,
	"INSUFFICIENT_ACCESS_OR_READONLY":               ErrForbidden,
	"INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": ErrForbidden,
	"API_DISABLED_FOR_ORG":                          ErrForbidden,
	"API_CURRENTLY_DISABLED":                        ErrForbidden,
	"FUNCTIONALITY_NOT_ENABLED":                     ErrForbidden,
}

// Unwrap returns the category sentinel for errors.Is.
func (e *APIError) Unwrap() error {
	if cat, ok := codeCategories[e.Code]; ok {
		return cat
	}
	switch {
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusUnauthorized:
		return ErrSession
	case e.StatusCode == http.StatusForbidden:
		return ErrForbidden
	case e.StatusCode == http.StatusConflict:
		return ErrDuplicate
	case e.StatusCode >= 400 && e.StatusCode < 500:
		return ErrValidation
	case e.Code != "" && e.StatusCode == 0:
		// Per-record and SOAP <errors> carry no HTTP status; an unknown code there is a data problem.
		return ErrValidation
	}
	return nil
}

// restError is both the REST error shape and the collections per-record error shape.
type restError struct {
	Message    string   `json:"message"`
	ErrorCode  string   `json:"errorCode"`
	StatusCode string   `json:"statusCode"`
	Fields     []string `json:"fields"`
}

func (r restError) apiError(status int) *APIError {
	code := r.ErrorCode
	if code == "" {
		code = r.StatusCode
	}
	return &APIError{StatusCode: status, Code: code, Message: r.Message, Fields: r.Fields}
}

// ParseError reads any Salesforce error body: a REST JSON array, an OAuth object, or a SOAP fault.
// Only the first error of an array is returned (Salesforce sends one in practice).
func ParseError(status int, body []byte) *APIError {
	trimmed := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(trimmed, "["):
		var errs []restError
		if json.Unmarshal(body, &errs) == nil && len(errs) > 0 {
			return errs[0].apiError(status)
		}
	case strings.HasPrefix(trimmed, "{"):
		var oauth struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
			restError
		}
		if json.Unmarshal(body, &oauth) == nil {
			if oauth.Error != "" {
				return &APIError{StatusCode: status, Code: oauth.Error, Message: oauth.ErrorDescription}
			}
			if oauth.ErrorCode != "" || oauth.StatusCode != "" {
				return oauth.restError.apiError(status)
			}
		}
	case strings.HasPrefix(trimmed, "<"):
		if fault := parseSOAPFault(body); fault != nil {
			fault.StatusCode = status
			return fault
		}
	}
	msg := trimmed
	if len(msg) > 300 || strings.HasPrefix(msg, "<") {
		// HTML error pages are long and say little; the status is the useful part.
		msg = http.StatusText(status)
	}
	return &APIError{StatusCode: status, Message: msg}
}

// parseSOAPFault returns the fault of a SOAP envelope, or nil if there is none.
func parseSOAPFault(body []byte) *APIError {
	var env struct {
		Body struct {
			Fault *soapFault `xml:"Fault"`
		} `xml:"Body"`
	}
	if xml.Unmarshal(body, &env) != nil || env.Body.Fault == nil {
		return nil
	}
	return env.Body.Fault.apiError()
}

type soapFault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
}

func (f *soapFault) apiError() *APIError {
	code := f.Code
	if i := strings.LastIndex(code, ":"); i >= 0 {
		code = code[i+1:]
	}
	return &APIError{Code: code, Message: f.String}
}

// convertLibraryError interprets an error from go-salesforce, which is either the raw error body
// (e.g. `[{"message":…,"errorCode":…}]`) or an error of its own.
func convertLibraryError(status int, body []byte, err error) error {
	if err == nil {
		return nil
	}
	if len(body) > 0 {
		return ParseError(status, body)
	}
	text := err.Error()
	if strings.HasPrefix(strings.TrimSpace(text), "[") {
		if apiErr := ParseError(status, []byte(text)); apiErr.Code != "" {
			return apiErr
		}
	}
	if strings.Contains(text, "unable to refresh session") {
		return &APIError{StatusCode: http.StatusUnauthorized, Code: "INVALID_SESSION_ID", Message: "Session expired or invalid"}
	}
	return err
}

// answerError names the request whose answer could not be read, as http.Client names one that failed
// before it (transport.CleanError redacts the URL).
func answerError(req *http.Request, err error) error {
	op := req.Method
	if len(op) > 1 {
		op = op[:1] + strings.ToLower(op[1:])
	}
	return &url.Error{Op: op, URL: req.URL.String(), Err: err}
}
