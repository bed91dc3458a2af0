package oktaemu

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

func TestSDKNotFound(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	tests := []struct {
		name, id, typ string
		call          func(id string) (*okta.Response, error)
	}{
		{"user", "00uNoSuchUser0000000", "User", func(id string) (*okta.Response, error) {
			_, r, err := c.User.GetUser(ctx, id)
			return r, err
		}},
		{"group", "00gNoSuchGroup000000", "UserGroup", func(id string) (*okta.Response, error) {
			_, r, err := c.Group.GetGroup(ctx, id)
			return r, err
		}},
		{"app", "0oaNoSuchApp00000000", "AppInstance", func(id string) (*okta.Response, error) {
			_, r, err := c.Application.GetApplication(ctx, id, okta.NewSamlApplication(), nil)
			return r, err
		}},
		{"app lifecycle", "0oaNoSuchApp00000000", "AppInstance", func(id string) (*okta.Response, error) {
			return c.Application.ActivateApplication(ctx, id)
		}},
		{"group members", "00gNoSuchGroup000000", "UserGroup", func(id string) (*okta.Response, error) {
			_, r, err := c.Group.ListGroupUsers(ctx, id, nil)
			return r, err
		}},
	}
	for _, tt := range tests {
		resp, err := tt.call(tt.id)
		e := oktaErr(t, err)
		if resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: response %v", tt.name, resp)
			continue
		}
		if e.ErrorCode != "E0000007" || e.ErrorLink != "E0000007" || !strings.HasPrefix(e.ErrorId, "oae") ||
			e.ErrorSummary != "Not found: Resource not found: "+tt.id+" ("+tt.typ+")" {
			t.Errorf("%s: %+v", tt.name, e)
		}
	}
}

// TestSDKHonoursInjectedRateLimit checks the SDK's own 429 retry waits for X-Rate-Limit-Reset and then succeeds.
func TestSDKHonoursInjectedRateLimit(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(1)}))
	c := org.client(t)
	org.ctrl.AddFault(emu.Fault{Service: "okta", Route: "GET /api/v1/users", Kind: emu.FaultRateLimit, Count: 1, ResetSeconds: 1})
	start := time.Now()
	users, resp, err := c.User.ListUsers(context.Background(), nil)
	if err != nil || len(users) != 1 || resp.StatusCode != http.StatusOK {
		t.Fatalf("list after one 429: %v", err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("SDK retried after %v; the reset was 1 s away", elapsed)
	}
	if n := org.ctrl.Stats().Routes["okta GET /api/v1/users"]; n != 2 {
		t.Errorf("route served %d times, want 2 (429 then 200)", n)
	}
	rec := org.recorded()
	first := rec[0]
	if first.status != http.StatusTooManyRequests || first.header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Errorf("first answer %d remaining %q", first.status, first.header.Get("X-Rate-Limit-Remaining"))
	}
	if retry := rec[1].header; retry.Get("X-Rate-Limit-Remaining") == "0" {
		t.Errorf("retry should be within budget")
	}
}

func TestSDKServerErrorFault(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	org.ctrl.AddFault(emu.Fault{Service: "okta", Route: "GET /api/v1/groups", Kind: emu.FaultServerError, Count: 1, Status: 500})
	_, resp, err := c.Group.ListGroups(context.Background(), nil)
	e := oktaErr(t, err)
	if resp.StatusCode != 500 || e.ErrorCode != "E0000009" || !strings.Contains(e.ErrorSummary, "x-okta-request-id=") {
		t.Errorf("500 fault: %d %+v", resp.StatusCode, e)
	}
	if _, _, err := c.Group.ListGroups(context.Background(), nil); err != nil {
		t.Errorf("fault with count 1 must not repeat: %v", err)
	}
}

func TestRateLimitBuckets(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withRateLimit(3))
	for want := 2; want >= 0; want-- {
		resp := org.do(t, http.MethodGet, "/api/v1/users", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(want) ||
			resp.Header.Get("X-Rate-Limit-Limit") != "3" {
			t.Fatalf("request with %d left: %d %v", want, resp.StatusCode, resp.Header)
		}
	}
	resp := org.do(t, http.MethodGet, "/api/v1/users", "")
	var e okta.Error
	decodeJSON(t, resp, &e)
	if resp.StatusCode != http.StatusTooManyRequests || e.ErrorCode != "E0000047" {
		t.Fatalf("exhausted bucket: %d %+v", resp.StatusCode, e)
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err != nil || reset <= time.Now().Unix() || reset > time.Now().Add(61*time.Second).Unix() {
		t.Errorf("X-Rate-Limit-Reset %q is not within the next minute", resp.Header.Get("X-Rate-Limit-Reset"))
	}
	if other := org.do(t, http.MethodGet, "/api/v1/groups", ""); other.StatusCode != http.StatusOK {
		t.Errorf("another bucket must be unaffected, got %d", other.StatusCode)
	}
}

func TestWireConventions(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(1)}))
	tests := []struct {
		name, method, path, body string
		auth                     []string
		wantStatus               int
		wantCode                 string
	}{
		{"no credentials", http.MethodGet, "/api/v1/users", "", []string{""}, 401, "E0000011"},
		{"wrong API token", http.MethodGet, "/api/v1/users", "", []string{"SSWS nope"}, 401, "E0000011"},
		{"unknown bearer token", http.MethodGet, "/api/v1/users", "", []string{"Bearer nope"}, 401, "E0000011"},
		{"method not allowed", http.MethodPatch, "/api/v1/users", "{}", nil, 405, "E0000022"},
		{"unknown path", http.MethodGet, "/api/v1/nothing-here", "", nil, 404, "E0000007"},
		{"malformed user body", http.MethodPost, "/api/v1/users", `{"profile":`, nil, 400, "E0000003"},
		{"malformed group body", http.MethodPost, "/api/v1/groups", `[1,2]`, nil, 400, "E0000003"},
		{"group without name", http.MethodPost, "/api/v1/groups", `{"profile":{}}`, nil, 400, "E0000001"},
		{"ok", http.MethodGet, "/api/v1/groups", "", nil, 200, ""},
	}
	for _, tt := range tests {
		resp := org.do(t, tt.method, tt.path, tt.body, tt.auth...)
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.wantStatus)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", tt.name, resp.Header.Get("Content-Type"))
		}
		if _, err := time.Parse(http.TimeFormat, resp.Header.Get("Date")); err != nil || resp.Header.Get("X-Okta-Request-Id") == "" ||
			resp.Header.Get("X-Rate-Limit-Limit") == "" || resp.Header.Get("X-Rate-Limit-Reset") == "" {
			t.Errorf("%s: missing standard headers %v", tt.name, resp.Header)
		}
		if tt.wantCode != "" {
			var e okta.Error
			decodeJSON(t, resp, &e)
			if e.ErrorCode != tt.wantCode || e.ErrorLink != tt.wantCode || !strings.HasPrefix(e.ErrorId, "oae") || e.ErrorCauses == nil && tt.wantCode == "E0000001" {
				t.Errorf("%s: body %+v", tt.name, e)
			}
		}
	}
	bearer := org.do(t, http.MethodGet, "/api/v1/users", "", "Bearer nope")
	if ch := bearer.Header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) {
		t.Errorf("bearer challenge %q", ch)
	}
	users, _, err := org.client(t).User.ListUsers(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	del := org.do(t, http.MethodDelete, "/api/v1/users/"+users[0].Id, "")
	if del.StatusCode != http.StatusNoContent || del.Header.Get("Content-Type") != "" {
		t.Errorf("204 must carry no Content-Type: %d %q", del.StatusCode, del.Header.Get("Content-Type"))
	}
}
