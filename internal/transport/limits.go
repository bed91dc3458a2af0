package transport

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// RequestLimit is which Salesforce limit a REQUEST_LIMIT_EXCEEDED answer names. Salesforce uses the one
// code for limits with opposite remedies: the concurrent limit refuses a request without processing it
// and frees up within seconds (retry with backoff, whatever the method), while the daily allocation frees
// up over hours (retrying only spends what is left of it).
type RequestLimit int

const (
	// NoRequestLimit: the answer is not REQUEST_LIMIT_EXCEEDED.
	NoRequestLimit RequestLimit = iota
	// DailyRequestLimit is the org's rolling 24-hour API allocation ("TotalRequests Limit exceeded.").
	DailyRequestLimit
	// ConcurrentRequestLimit is the org's cap on long-running requests in flight
	// ("ConcurrentPerOrgLongTxn Limit exceeded.", "ConcurrentRequests (Concurrent API Requests) Limit exceeded.").
	ConcurrentRequestLimit
	// OtherRequestLimit is REQUEST_LIMIT_EXCEEDED with a message naming neither; like the daily limit it is
	// reported, not retried.
	OtherRequestLimit
)

func (l RequestLimit) String() string {
	switch l {
	case DailyRequestLimit:
		return "daily API request limit"
	case ConcurrentRequestLimit:
		return "concurrent request limit"
	case OtherRequestLimit:
		return "request limit"
	}
	return ""
}

// ClassifyRequestLimit tells the limit of a Salesforce error from its code and message (REST errorCode and
// message, or SOAP faultcode and faultstring).
func ClassifyRequestLimit(code, message string) RequestLimit {
	if !strings.HasSuffix(code, "REQUEST_LIMIT_EXCEEDED") {
		return NoRequestLimit
	}
	return classifyLimitMessage(message)
}

func classifyLimitMessage(message string) RequestLimit {
	switch lower := strings.ToLower(message); {
	case strings.Contains(lower, "concurrent"):
		return ConcurrentRequestLimit
	case strings.Contains(lower, "totalrequests"):
		return DailyRequestLimit
	}
	return OtherRequestLimit
}

// requestLimitMessage finds the message of a REQUEST_LIMIT_EXCEEDED error in a REST JSON body or a SOAP fault.
var requestLimitMessage = regexp.MustCompile(`"errorCode"\s*:\s*"REQUEST_LIMIT_EXCEEDED"|<faultcode>[^<]*REQUEST_LIMIT_EXCEEDED</faultcode>`)

// requestLimit peeks at a refused Salesforce answer (403 with a JSON array, or a SOAP fault with 500) and
// tells which limit it names; the body is handed on intact.
func requestLimit(resp *http.Response) RequestLimit {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusInternalServerError {
		return NoRequestLimit
	}
	peek, err := peekBody(resp)
	if err != nil || !requestLimitMessage.Match(peek) {
		return NoRequestLimit
	}
	// The body holds one error: its message (or faultstring) is the only other text that names a limit.
	return classifyLimitMessage(string(peek))
}

// peekBody reads up to 64 KiB of resp's body and puts it back, so that the caller still gets all of it.
func peekBody(resp *http.Response) ([]byte, error) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, nil
	}
	peek, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
	return peek, err
}
