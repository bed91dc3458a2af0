package oktaemu

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/reftest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// referenceDir finds ../shared/reference/<rel>, or skips the test (fails it under CI).
func referenceDir(t *testing.T, rel string) string {
	t.Helper()
	return reftest.Path(t, rel)
}

// exchange is one served request/response, kept for OpenAPI validation.
type exchange struct {
	method, path, rawQuery string
	status                 int
	header                 http.Header
	body                   []byte
}

type recordingWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (rw *recordingWriter) WriteHeader(code int) {
	rw.status = code
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recordingWriter) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	rw.buf.Write(b)
	return rw.ResponseWriter.Write(b)
}

// testOrg is an emulator behind an httptest server whose every response is validated against the spec at cleanup.
type testOrg struct {
	srv  *Server
	http *httptest.Server
	ctrl *emu.Control

	handler atomic.Pointer[http.Handler]

	mu        sync.Mutex
	exchanges []exchange
}

// serve puts srv behind the org's URL, as the sandbox does after a restart.
func (o *testOrg) serve(srv *Server) {
	h := srv.Handler()
	o.srv = srv
	o.handler.Store(&h)
}

type orgOption func(*Config, *Seed)

func withRateLimit(n int) orgOption { return func(c *Config, _ *Seed) { c.RateLimitPerMinute = n } }
func withSeed(s Seed) orgOption     { return func(_ *Config, seed *Seed) { *seed = s } }

func newTestOrg(t *testing.T, opts ...orgOption) *testOrg {
	t.Helper()
	o := &testOrg{ctrl: emu.NewControl()}
	o.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recordingWriter{ResponseWriter: w}
		(*o.handler.Load()).ServeHTTP(rw, r)
		o.mu.Lock()
		o.exchanges = append(o.exchanges, exchange{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery,
			status: rw.status, header: w.Header().Clone(), body: rw.buf.Bytes()})
		o.mu.Unlock()
	}))
	t.Cleanup(o.http.Close)
	cfg := Config{BaseURL: o.http.URL, Control: o.ctrl}
	var seed Seed
	for _, opt := range opts {
		opt(&cfg, &seed)
	}
	srv, err := New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	o.ctrl.Register(srv)
	o.serve(srv)
	t.Cleanup(func() { validateExchanges(t, o.recorded()) })
	return o
}

func (o *testOrg) recorded() []exchange {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]exchange(nil), o.exchanges...)
}

// client is an SDK client in SSWS mode with the cache off and quick 429 retries.
func (o *testOrg) client(t *testing.T) *okta.Client {
	t.Helper()
	_, c, err := okta.NewClient(context.Background(),
		okta.WithOrgUrl(o.http.URL), okta.WithToken(o.srv.Credentials().APIToken),
		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false),
		okta.WithRateLimitMaxRetries(2), okta.WithRateLimitMaxBackOff(5))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// privateKeyClient is an SDK client in PrivateKey (OAuth service app) mode asking for scopes.
func (o *testOrg) privateKeyClient(t *testing.T, scopes []string) *okta.Client {
	t.Helper()
	cr := o.srv.Credentials()
	_, c, err := okta.NewClient(context.Background(),
		okta.WithOrgUrl(o.http.URL), okta.WithAuthorizationMode("PrivateKey"),
		okta.WithClientId(cr.ClientID), okta.WithScopes(scopes),
		okta.WithPrivateKey(cr.PrivateKeyPEM), okta.WithPrivateKeyId(cr.PrivateKeyID),
		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false), okta.WithRateLimitMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do sends a raw request with the API token unless auth is given ("" sends none).
func (o *testOrg) do(t *testing.T, method, path, body string, auth ...string) *http.Response {
	t.Helper()
	var rd *bytes.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, o.http.URL+path, rd)
	} else {
		req, err = http.NewRequest(method, o.http.URL+path, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if len(auth) == 0 {
		req.Header.Set("Authorization", "SSWS "+o.srv.Credentials().APIToken)
	} else if auth[0] != "" {
		req.Header.Set("Authorization", auth[0])
	}
	resp, err := o.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func oktaErr(t *testing.T, err error) *okta.Error {
	t.Helper()
	var e *okta.Error
	if err == nil {
		t.Fatal("expected an *okta.Error, got nil")
	}
	e, ok := err.(*okta.Error)
	if !ok {
		t.Fatalf("expected *okta.Error, got %T: %v", err, err)
	}
	return e
}

func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s body: %v", resp.Request.URL.Path, err)
	}
}

// presetPolicyID finds an ACCESS_POLICY by name through the API.
func presetPolicyID(t *testing.T, o *testOrg, name string) string {
	t.Helper()
	var list []map[string]any
	decodeJSON(t, o.do(t, http.MethodGet, "/api/v1/policies?type=ACCESS_POLICY", ""), &list)
	for _, p := range list {
		if p["name"] == name {
			return p["id"].(string)
		}
	}
	t.Fatalf("no ACCESS_POLICY named %q", name)
	return ""
}
