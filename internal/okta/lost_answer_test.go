package okta

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// A create whose answer is lost (the server applied it, then the connection closed) must reach the caller
// once, as a lost answer: the Okta SDK replays any request that ends in io.EOF, POSTs included, and a second
// POST made a second app that nobody owned. GETs are still replayed by the stack.
func TestCreateSAMLApp_lostAnswerIsNotResent(t *testing.T) {
	t.Parallel()
	fake := newFakeApps(t)
	var posts atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/apps" {
			fake.ServeHTTP(w, r)
			return
		}
		if posts.Add(1) > 1 { // a resend is served, so that the test fails on it instead of hanging
			fake.ServeHTTP(w, r)
			return
		}
		fake.ServeHTTP(httptest.NewRecorder(), r) // applied, then the answer is lost
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close() // the client reads io.EOF
	})
	c := newTestClient(t, h)
	_, err := c.CreateSAMLApp(context.Background(), &SAMLApp{Label: "Salesforce QA", SignOn: SAMLSignOn{SSOACSURL: "https://qa.example.com?so=1",
		Audience: "https://qa.example.com"}}, true)
	if got := posts.Load(); got != 1 {
		t.Fatalf("POST /api/v1/apps sent %d times, want 1 (a resend makes a second app); calls: %s", got, fake.callSummary())
	}
	if err == nil || !transport.AnswerLost(err) || errors.Is(err, io.EOF) {
		t.Errorf("error %q: AnswerLost = %v, errors.Is(io.EOF) = %v; want a lost answer that no client above resends",
			err, transport.AnswerLost(err), errors.Is(err, io.EOF))
	}
	fake.mu.Lock()
	n := len(fake.apps)
	fake.mu.Unlock()
	if n != 1 {
		t.Errorf("fake holds %d apps, want the 1 the lost create made", n)
	}
}

// Writes that are safe to repeat (activating an app, a partial app-user schema update) are replayed by the
// stack after a 503, like a GET.
func TestSafeWritesRetriedAfter5xx(t *testing.T) {
	t.Parallel()
	fake := newFakeApps(t)
	m := mustObject(t, customAppJSON)
	delete(m, "_links")
	fake.apps[m["id"].(string)] = m
	var failed sync.Map
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if _, seen := failed.LoadOrStore(r.URL.Path, true); !seen {
				writeOktaError(w, http.StatusServiceUnavailable, "E0000009", "Internal Server Error")
				return
			}
		}
		if strings.HasPrefix(r.URL.Path, "/api/v1/meta/schemas/apps/") {
			writeJSONResponse(w, http.StatusOK, map[string]any{"definitions": map[string]any{
				"base": map[string]any{"properties": map[string]any{}}, "custom": map[string]any{"properties": map[string]any{}}}})
			return
		}
		fake.ServeHTTP(w, r)
	})
	c := newTestClient(t, h)
	ctx := context.Background()
	if err := c.ActivateApp(ctx, "0oakwraz4f7moptnf1d7"); err != nil {
		t.Errorf("ActivateApp after one 503: %v", err)
	}
	if err := c.EnsureAppUserProperties(ctx, "0oakwraz4f7moptnf1d7", "profile"); err != nil {
		t.Errorf("EnsureAppUserProperties after one 503: %v", err)
	}
}
