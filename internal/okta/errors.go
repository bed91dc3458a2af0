package okta

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Error categories; every *APIError unwraps to one of them (5xx and unknown statuses to none).
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrValidation  = errors.New("invalid request")
	ErrRateLimited = errors.New("rate limited")
	ErrAuth        = errors.New("authentication failed")
	ErrForbidden   = errors.New("forbidden")
)

// APIError is an Okta error response: {"errorCode","errorSummary","errorId","errorCauses"} or an OAuth error.
type APIError struct {
	StatusCode int
	Code       string
	Summary    string
	ErrorID    string
	Causes     []string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("okta")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " %d", e.StatusCode)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	b.WriteString(": ")
	if e.Summary != "" {
		b.WriteString(e.Summary)
	} else {
		b.WriteString(http.StatusText(e.StatusCode))
	}
	if len(e.Causes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Causes, "; "))
	}
	if e.ErrorID != "" {
		fmt.Fprintf(&b, " [errorId %s]", e.ErrorID)
	}
	return b.String()
}

// Unwrap returns the category sentinel so callers can use errors.Is(err, ErrNotFound).
func (e *APIError) Unwrap() error {
	switch e.Code {
	case "E0000007":
		return ErrNotFound
	case "E0000047":
		return ErrRateLimited
	case "E0000055", "E0000062":
		return ErrConflict
	case "E0000004", "E0000011", "invalid_client", "invalid_grant", "invalid_token", "unauthorized_client", "invalid_dpop_proof":
		return ErrAuth
	case "invalid_scope", "insufficient_scope", "access_denied":
		return ErrForbidden
	case "E0000001", "E0000003", "E0000019", "invalid_request", "unsupported_grant_type":
		return ErrValidation
	}
	switch {
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusConflict:
		return ErrConflict
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.StatusCode == http.StatusUnauthorized:
		return ErrAuth
	case e.StatusCode == http.StatusForbidden:
		return ErrForbidden
	case e.StatusCode >= 400 && e.StatusCode < 500:
		return ErrValidation
	}
	return nil
}

// wwwAuthScope reads the scope parameter of a WWW-Authenticate challenge (not error_description's text).
var wwwAuthScope = regexp.MustCompile(`(?:^|[\s,])scope="([^"]*)"`)

// insufficientScope returns the scope an Okta 403 insufficient_scope challenge names, or "".
func insufficientScope(resp *oktasdk.Response) string {
	if resp == nil || resp.Response == nil || resp.StatusCode != http.StatusForbidden {
		return ""
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	if !strings.Contains(challenge, `error="insufficient_scope"`) {
		return ""
	}
	if m := wwwAuthScope.FindStringSubmatch(challenge); m != nil {
		return m[1]
	}
	return ""
}

// ConvertError turns what the SDK returns into an *APIError (or a wrapped category) and leaves other
// errors, such as a cancelled context, as they are.
func ConvertError(resp *oktasdk.Response, err error) error {
	if err == nil {
		return nil
	}
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	var sdkErr *oktasdk.Error
	if errors.As(err, &sdkErr) {
		apiErr := &APIError{StatusCode: status, Code: sdkErr.ErrorCode, Summary: sdkErr.ErrorSummary, ErrorID: sdkErr.ErrorId}
		if apiErr.Code == "" && sdkErr.ErrorMessage != "" {
			// OAuth shape: {"error","error_description"} from the token endpoint or WWW-Authenticate.
			apiErr.Code = sdkErr.ErrorMessage
		}
		if sdkErr.ErrorDescription != "" {
			apiErr.Summary = sdkErr.ErrorDescription
		}
		// The SDK appends ", x-okta-request-id=..." to 500 summaries; keep it, it helps support.
		for _, cause := range sdkErr.ErrorCauses {
			if s, ok := cause["errorSummary"].(string); ok && s != "" {
				apiErr.Causes = append(apiErr.Causes, s)
			}
		}
		if apiErr.StatusCode == 0 && apiErr.Code == "" && apiErr.Summary == "" {
			apiErr.Summary = "the API returned an unknown error"
		}
		if scope := insufficientScope(resp); scope != "" {
			// The SDK keeps only error_description; the scope Okta names in WWW-Authenticate is the fix.
			apiErr.Summary = strings.TrimSuffix(apiErr.Summary, ".") + ": the route needs " + scope +
				"; grant it to the service app in Okta and add it to okta.scopes"
		}
		return apiErr
	}
	var rl *transport.RateLimitError
	if errors.As(err, &rl) {
		return &APIError{StatusCode: http.StatusTooManyRequests, Code: "E0000047", Summary: rl.Error()}
	}
	// The SDK's own 429 loop ends with this bare error and no response.
	if err.Error() == "too many requests" {
		return &APIError{StatusCode: http.StatusTooManyRequests, Code: "E0000047", Summary: "API call exceeded rate limit due to too many requests."}
	}
	// One *url.Error naming the request, its URL redacted: the token call puts its client_assertion there,
	// and the SDK's client over ours (and the token-call bound) would each name the request again.
	return transport.CleanError(err)
}
