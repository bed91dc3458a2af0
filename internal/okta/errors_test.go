package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

func sdkResp(status int) *oktasdk.Response {
	return &oktasdk.Response{Response: &http.Response{StatusCode: status}}
}

// challengeResp is a 403 carrying an OAuth WWW-Authenticate challenge.
func challengeResp(challenge string) *oktasdk.Response {
	r := sdkResp(http.StatusForbidden)
	r.Header = http.Header{"Www-Authenticate": []string{challenge}}
	return r
}

func TestConvertError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		resp       *oktasdk.Response
		err        error
		want       error // category sentinel, nil for none
		wantStatus int
		wantCode   string
		wantCauses int
		wantText   string
	}{
		{name: "404 resource not found", resp: sdkResp(404),
			err:  &oktasdk.Error{ErrorCode: "E0000007", ErrorSummary: "Not found: Resource not found: 00gabc (UserGroup)", ErrorLink: "E0000007", ErrorId: "oaezx_8VD9"},
			want: ErrNotFound, wantStatus: 404, wantCode: "E0000007", wantText: "okta 404 E0000007: Not found: Resource not found: 00gabc (UserGroup) [errorId oaezx_8VD9]"},
		{name: "400 validation with causes", resp: sdkResp(400),
			err: &oktasdk.Error{ErrorCode: "E0000001", ErrorSummary: "Api validation failed: name",
				ErrorCauses: []map[string]interface{}{{"errorSummary": "name: An object with this field already exists in the current organization"}}},
			want: ErrValidation, wantStatus: 400, wantCode: "E0000001", wantCauses: 1},
		{name: "409 duplicate group", resp: sdkResp(409), err: &oktasdk.Error{ErrorCode: "E0000055", ErrorSummary: "Duplicate group."}, want: ErrConflict, wantStatus: 409, wantCode: "E0000055"},
		{name: "401 invalid token", resp: sdkResp(401), err: &oktasdk.Error{ErrorCode: "E0000011", ErrorSummary: "Invalid token provided"}, want: ErrAuth, wantStatus: 401},
		{name: "403 no permission", resp: sdkResp(403), err: &oktasdk.Error{ErrorCode: "E0000006", ErrorSummary: "You do not have permission to perform the requested action"}, want: ErrForbidden, wantStatus: 403},
		{name: "403 delete active app", resp: sdkResp(403), err: &oktasdk.Error{ErrorCode: "E0000056", ErrorSummary: "Delete application forbidden."}, want: ErrForbidden, wantStatus: 403},
		{name: "429 response", resp: sdkResp(429), err: &oktasdk.Error{ErrorCode: "E0000047", ErrorSummary: "API call exceeded rate limit due to too many requests."}, want: ErrRateLimited, wantStatus: 429},
		{name: "500 has no category", resp: sdkResp(500), err: &oktasdk.Error{ErrorCode: "E0000009", ErrorSummary: "Internal Server Error, x-okta-request-id=abc"}, want: nil, wantStatus: 500},
		{name: "oauth token endpoint error without response", resp: nil,
			err:  &oktasdk.Error{ErrorMessage: "invalid_client", ErrorDescription: "The client_assertion signature is invalid."},
			want: ErrAuth, wantCode: "invalid_client", wantText: "okta invalid_client: The client_assertion signature is invalid."},
		{name: "oauth insufficient scope via WWW-Authenticate", resp: sdkResp(403),
			err: &oktasdk.Error{ErrorSummary: "The access token provided does not contain the required scopes."}, want: ErrForbidden, wantStatus: 403},
		{name: "oauth insufficient scope names the scope", resp: challengeResp(`Bearer authorization_uri="https://acme.okta.com/oauth2/v1/authorize", realm="IdpError", scope="okta.schemas.manage", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/meta/schemas/apps/0oa1/default"`),
			err: &oktasdk.Error{ErrorSummary: "The access token provided does not contain the required scopes."}, want: ErrForbidden, wantStatus: 403,
			wantText: "okta 403: The access token provided does not contain the required scopes: the route needs okta.schemas.manage; grant it to the service app in Okta and add it to okta.scopes"},
		{name: "403 challenge of another kind names no scope", resp: challengeResp(`Bearer realm="IdpError", scope="okta.users.read", error="invalid_token"`),
			err: &oktasdk.Error{ErrorCode: "E0000006", ErrorSummary: "You do not have permission to perform the requested action"}, want: ErrForbidden, wantStatus: 403,
			wantText: "okta 403 E0000006: You do not have permission to perform the requested action"},
		{name: "sdk too many requests", resp: nil, err: errors.New("too many requests"), want: ErrRateLimited, wantStatus: 429},
		{name: "transport rate limit", resp: nil,
			err:  &url.Error{Op: "Get", URL: "https://x/api/v1/groups", Err: &transport.RateLimitError{Service: "okta", Method: "GET", URL: "https://x/api/v1/groups"}},
			want: ErrRateLimited, wantStatus: 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ConvertError(tt.resp, tt.err)
			var apiErr *APIError
			if !errors.As(got, &apiErr) {
				t.Fatalf("ConvertError = %T %v, want *APIError", got, got)
			}
			for _, sentinel := range []error{ErrNotFound, ErrConflict, ErrValidation, ErrRateLimited, ErrAuth, ErrForbidden} {
				if errors.Is(got, sentinel) != (sentinel == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", got, sentinel, !(sentinel == tt.want))
				}
			}
			if apiErr.StatusCode != tt.wantStatus {
				t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, tt.wantStatus)
			}
			if tt.wantCode != "" && apiErr.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", apiErr.Code, tt.wantCode)
			}
			if len(apiErr.Causes) != tt.wantCauses {
				t.Errorf("Causes = %v, want %d", apiErr.Causes, tt.wantCauses)
			}
			if tt.wantText != "" && apiErr.Error() != tt.wantText {
				t.Errorf("Error() = %q, want %q", apiErr.Error(), tt.wantText)
			}
		})
	}
}

func TestConvertErrorPassesThroughOthers(t *testing.T) {
	t.Parallel()
	for _, err := range []error{context.Canceled, fmt.Errorf("dial: %w", context.DeadlineExceeded)} {
		if got := ConvertError(nil, err); got != err {
			t.Errorf("ConvertError(%v) = %v, want it unchanged", err, got)
		}
	}
	if ConvertError(sdkResp(200), nil) != nil {
		t.Error("ConvertError(nil) must be nil")
	}
}

func TestConvertErrorRedactsURL(t *testing.T) {
	t.Parallel()
	err := ConvertError(nil, &url.Error{Op: "Post", URL: "https://acme.okta.com/oauth2/v1/token?client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIwb2EifQ.c2lnbmF0dXJl&scope=okta.groups.read",
		Err: errors.New("connection refused")})
	if strings.Contains(err.Error(), "eyJhbGciOiJSUzI1NiJ9") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error = %v", err)
	}
}

// The SDK's client over ours names the request again; the error names it once. Before: "Post "u": Post "u": …".
func TestConvertErrorNamesURLOnce(t *testing.T) {
	t.Parallel()
	const u = "https://acme.okta.com/oauth2/v1/token?client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIwb2EifQ.c2lnbmF0dXJl"
	err := ConvertError(nil, &url.Error{Op: "Post", URL: u, Err: &url.Error{Op: "Post", URL: u, Err: errors.New("connection reset by peer")}})
	if got, want := err.Error(), `Post "https://acme.okta.com/oauth2/v1/token?client_assertion=***": connection reset by peer`; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
}
