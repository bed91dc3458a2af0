package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// fakeClock is a deterministic clock whose Sleep advances time instead of blocking.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func fakeConfig(service string, clock *fakeClock) Config {
	return Config{Service: service, Now: clock.Now, Sleep: clock.Sleep, RetryWaitMin: 100 * time.Millisecond, RetryWaitMax: 2 * time.Second}
}

// okta429 writes a real-shaped Okta rate-limit response whose reset is resetIn after date.
func okta429(w http.ResponseWriter, date time.Time, resetIn time.Duration) {
	w.Header().Set("Date", date.UTC().Format(http.TimeFormat))
	w.Header().Set("X-Rate-Limit-Limit", "600")
	w.Header().Set("X-Rate-Limit-Remaining", "0")
	w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(date.Add(resetIn).Unix(), 10))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeAbc","errorCauses":[]}`)
}

func TestOkta429WaitsUntilResetInjected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		skew     time.Duration // server clock minus client clock
		resetIn  time.Duration
		wantWait time.Duration
	}{
		{"in sync", 0, 30 * time.Second, 31 * time.Second},
		{"server an hour ahead", time.Hour, 10 * time.Second, 11 * time.Second},
		{"server behind", -5 * time.Minute, 5 * time.Second, 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					okta429(w, clock.Now().Add(tt.skew), tt.resetIn)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			client := NewHTTPClient(fakeConfig(ServiceOkta, clock))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/groups", strings.NewReader(`{"profile":{"name":"x"}}`))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK || calls.Load() != 2 {
				t.Fatalf("status %d after %d calls, want 200 after 2 (a 429 POST is replayed)", resp.StatusCode, calls.Load())
			}
			if got := clock.Sleeps(); len(got) != 1 || got[0] != tt.wantWait {
				t.Fatalf("sleeps %v, want [%v]", got, tt.wantWait)
			}
		})
	}
}

func TestOkta429BeyondMaxWaitIsError(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		okta429(w, clock.Now(), 10*time.Minute)
	}))
	defer srv.Close()
	cfg := fakeConfig(ServiceOkta, clock)
	cfg.MaxRateLimitWait = 2 * time.Minute
	_, err := NewHTTPClient(cfg).Get(srv.URL + "/api/v1/users")
	var rl *RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want *RateLimitError", err)
	}
	if rl.Wait != 10*time.Minute+time.Second || calls.Load() != 1 || len(clock.Sleeps()) != 0 {
		t.Fatalf("wait %v, calls %d, sleeps %v; want 10m1s, 1, none", rl.Wait, calls.Load(), clock.Sleeps())
	}
}

func TestOkta429RealTime(t *testing.T) {
	t.Parallel()
	const resetIn = 1 * time.Second
	var calls atomic.Int32
	var resetAt atomic.Int64
	var retriedAt atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			now := time.Now()
			resetAt.Store(now.Truncate(time.Second).Add(resetIn).Unix())
			okta429(w, now, resetIn)
			return
		}
		retriedAt.Store(time.Now().UnixNano())
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	start := time.Now()
	resp, err := NewHTTPClient(Config{Service: ServiceOkta}).Get(srv.URL + "/api/v1/groups")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	elapsed := time.Since(start)
	// Reset − Date + 1s, with Date in whole seconds: between N and N+1s plus scheduling slack.
	if elapsed < resetIn || elapsed > resetIn+2*time.Second {
		t.Fatalf("retried after %v, want about %v", elapsed, resetIn+time.Second)
	}
	if time.Unix(0, retriedAt.Load()).Before(time.Unix(resetAt.Load(), 0)) {
		t.Fatalf("retry reached the server before the rate-limit reset")
	}
}

func TestServerErrorRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		retryAfter string
		method     string
		ctx        func(context.Context) context.Context
		wantCalls  int32
		wantStatus int
		check      func(t *testing.T, sleeps []time.Duration)
	}{
		{name: "503 GET backs off exponentially", status: 503, method: http.MethodGet, wantCalls: 3, wantStatus: 200,
			check: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] < 50*time.Millisecond || s[0] > 100*time.Millisecond || s[1] < 100*time.Millisecond || s[1] > 200*time.Millisecond {
					t.Fatalf("sleeps %v, want [50ms..100ms, 100ms..200ms]", s)
				}
			}},
		{name: "503 honours Retry-After", status: 503, retryAfter: "1", method: http.MethodDelete, wantCalls: 3, wantStatus: 200,
			check: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] != time.Second || s[1] != time.Second {
					t.Fatalf("sleeps %v, want [1s 1s]", s)
				}
			}},
		{name: "503 with Retry-After beyond the cap is passed through", status: 503, retryAfter: "3600", method: http.MethodGet, wantCalls: 1, wantStatus: 503},
		{name: "501 is not retried", status: 501, method: http.MethodGet, wantCalls: 1, wantStatus: 501},
		{name: "POST 503 is not replayed", status: 503, method: http.MethodPost, wantCalls: 1, wantStatus: 503},
		{name: "PATCH 500 is not replayed", status: 500, method: http.MethodPatch, wantCalls: 1, wantStatus: 500},
		{name: "idempotent POST 502 is replayed", status: 502, method: http.MethodPost, ctx: WithIdempotent, wantCalls: 3, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			var calls atomic.Int32
			var bodies sync.Map
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				body, _ := io.ReadAll(r.Body)
				bodies.Store(n, string(body))
				if n <= 2 {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					w.WriteHeader(tt.status)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, tt.method, srv.URL+"/services/data/v63.0/sobjects/User", strings.NewReader(`{"a":1}`))
			resp, err := NewHTTPClient(fakeConfig(ServiceSalesforce, clock)).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || calls.Load() != tt.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", resp.StatusCode, calls.Load(), tt.wantStatus, tt.wantCalls)
			}
			for i := int32(1); i <= calls.Load(); i++ {
				if b, _ := bodies.Load(i); b != `{"a":1}` {
					t.Fatalf("attempt %d body %q: body not replayed", i, b)
				}
			}
			if tt.check != nil {
				tt.check(t, clock.Sleeps())
			}
		})
	}
}

// resetOnce aborts the first connection with a TCP RST (SO_LINGER 0), then answers 200.
func resetOnce(calls *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			_, _ = io.ReadAll(r.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
}

func TestConnectionResetReplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		method    string
		ctx       func(context.Context) context.Context
		wantCalls int32
		wantErr   bool
	}{
		{"POST is not replayed", http.MethodPost, nil, 1, true},
		{"PATCH is not replayed", http.MethodPatch, nil, 1, true},
		{"idempotent POST is replayed", http.MethodPost, WithIdempotent, 2, false},
		{"PUT is replayed", http.MethodPut, nil, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(resetOnce(&calls))
			defer srv.Close()
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, tt.method, srv.URL+"/services/Soap/m/63.0", strings.NewReader("<x/>"))
			resp, err := NewHTTPClient(fakeConfig(ServiceSalesforce, newFakeClock())).Do(req)
			if resp != nil {
				_ = resp.Body.Close()
			}
			if (err != nil) != tt.wantErr || calls.Load() != tt.wantCalls {
				t.Fatalf("err %v after %d calls; want error=%v after %d", err, calls.Load(), tt.wantErr, tt.wantCalls)
			}
		})
	}
}

func TestRequestLimitExceededNotRetried(t *testing.T) {
	t.Parallel()
	const body = `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Sforce-Limit-Info", "api-usage=5001/5000; api-bursts=1/750")
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	tr := NewTransport(fakeConfig(ServiceSalesforce, newFakeClock()))
	client := &http.Client{Transport: tr}
	resp, err := client.Get(srv.URL + "/services/data/v63.0/limits")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 403 || string(got) != body || calls.Load() != 1 {
		t.Fatalf("status %d body %q after %d calls; want the 403 passed through after 1 call", resp.StatusCode, got, calls.Load())
	}
	if used, max := tr.SalesforceUsage(); used != 5001 || max != 5000 {
		t.Fatalf("usage %d/%d, want 5001/5000", used, max)
	}
}

func TestCancelDuringRateLimitWait(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		okta429(w, time.Now(), 90*time.Second)
		arrived <- struct{}{}
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/apps", nil)
	start := time.Now()
	_, err := NewHTTPClient(Config{Service: ServiceOkta}).Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("returned after %v; cancel must stop the wait at once", elapsed)
	}
}

func TestPacingAtLowRemaining(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		remaining int
		wantPaced bool
	}{
		{"plenty left: no pacing", 50, false},
		{"below 10%: spread over the window", 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			reset := clock.Now().Add(10 * time.Second)
			var remaining atomic.Int32
			remaining.Store(int32(tt.remaining))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", clock.Now().Format(http.TimeFormat))
				w.Header().Set("X-Rate-Limit-Limit", "100")
				w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(int(remaining.Add(-1))))
				w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			client := NewHTTPClient(fakeConfig(ServiceOkta, clock))
			for _, id := range []string{"00g1emaKYZTWRYYRRTSK", "00g2emaKYZTWRYYRRTSK", "00g3emaKYZTWRYYRRTSK"} {
				resp, err := client.Get(srv.URL + "/api/v1/groups/" + id)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
			}
			sleeps := clock.Sleeps()
			if !tt.wantPaced {
				if len(sleeps) != 0 {
					t.Fatalf("sleeps %v, want none", sleeps)
				}
				return
			}
			// After the first answer (4 left, 10s to reset) the next request goes now and reserves
			// 2.5s for the one after; ids share one bucket.
			if len(sleeps) != 1 || sleeps[0] != 2500*time.Millisecond {
				t.Fatalf("sleeps %v, want [2.5s]", sleeps)
			}
		})
	}
}

func TestBucketKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"GET", "/api/v1/groups/00g1emaKYZTWRYYRRTSK", "GET /api/v1/groups/{id}"},
		{"PUT", "/api/v1/apps/0oa1gjh63g214q0Hq0g4/groups/00g1emaKYZTWRYYRRTSK", "PUT /api/v1/apps/{id}/groups/{id}"},
		{"GET", "/api/v1/groups", "GET /api/v1/groups"},
		{"POST", "/api/v1/apps/0oa1gjh63g214q0Hq0g4/lifecycle/activate", "POST /api/v1/apps/{id}/lifecycle/activate"},
		{"GET", "/api/v1/policies/authenticationpolicies", "GET /api/v1/policies/authenticationpolicies"},
	}
	for _, tt := range tests {
		if got := bucketKey(tt.method, tt.path); got != tt.want {
			t.Errorf("bucketKey(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestParseSforceLimitInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		used, max int
		ok        bool
	}{
		{"api-usage=18/5000", 18, 5000, true},
		{"api-usage=25/15000; api-bursts=1/750", 25, 15000, true},
		{"per-app-api-usage=17/250(appName=sample)", 0, 0, false},
		{"api-usage=", 0, 0, false},
	}
	for _, tt := range tests {
		used, max, ok := parseSforceLimitInfo(tt.in)
		if used != tt.used || max != tt.max || ok != tt.ok {
			t.Errorf("parseSforceLimitInfo(%q) = %d, %d, %v", tt.in, used, max, ok)
		}
	}
}

func TestRequestLoggingMasksSecrets(t *testing.T) {
	t.Parallel()
	const token = "00abcSecretTokenValue123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2ln","instance_url":"https://x"}`)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/services/oauth2/token?client_secret=hunter2secret",
		strings.NewReader("grant_type=password&password=hunter2secret&username=u"))
	req.Header.Set("Authorization", "SSWS "+token)
	resp, err := NewHTTPClient(Config{Service: ServiceSalesforce}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), "eyJhbGciOiJSUzI1NiJ9") {
		t.Fatalf("caller lost the response body: %q", body)
	}
	logs := buf.String()
	for _, want := range []string{`"service":"salesforce"`, `"method":"POST"`, `"status":200`, `"attempt":1`, `"duration_ms"`, "client_secret=***",
		"HTTP request body", "grant_type=password", "HTTP response body", "instance_url"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, secret := range []string{token, "hunter2secret", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks %q:\n%s", secret, logs)
		}
	}
}

func TestSOAPFaultRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faultcode string
		wantCalls int32
	}{
		{"expired session is not replayed", "sf:INVALID_SESSION_ID", 1},
		{"missing permission is not replayed", "sf:INSUFFICIENT_ACCESS", 1},
		{"server fault is replayed", "soapenv:Server", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fault := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>` +
				tt.faultcode + `</faultcode><faultstring>x</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, fault)
			}))
			defer srv.Close()
			cfg := fakeConfig(ServiceSalesforce, newFakeClock())
			cfg.MaxRetries = 2
			req, _ := http.NewRequestWithContext(WithIdempotent(context.Background()), http.MethodPost, srv.URL+"/services/Soap/m/63.0", strings.NewReader("<x/>"))
			resp, err := NewHTTPClient(cfg).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if calls.Load() != tt.wantCalls || string(body) != fault {
				t.Fatalf("%d calls, body %q; want %d calls and the fault intact", calls.Load(), body, tt.wantCalls)
			}
		})
	}
}

func TestIsIdempotent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		marked       bool
		want         bool
	}{
		{"GET", "/api/v1/groups", false, true},
		{"DELETE", "/api/v1/groups/00g1", false, true},
		{"POST", "/api/v1/groups", false, false},
		{"PATCH", "/services/data/v63.0/sobjects/User/005x", false, false},
		{"POST", "/api/v1/groups", true, true},
		{"POST", "/oauth2/v1/token", false, true},
		{"POST", "/oauth2/default/v1/token", false, true},
		{"POST", "/services/oauth2/token", false, true},
		{"POST", "/services/oauth2/token/extra", false, false},
	}
	for _, tt := range tests {
		ctx := context.Background()
		if tt.marked {
			ctx = WithIdempotent(ctx)
		}
		req, _ := http.NewRequestWithContext(ctx, tt.method, "https://x"+tt.path, nil)
		if got := isIdempotent(req); got != tt.want {
			t.Errorf("isIdempotent(%s %s, marked=%v) = %v", tt.method, tt.path, tt.marked, got)
		}
	}
}

// Sforce-Limit-Info drives the guard on the org's daily API allocation: one warning when usage reaches 90%,
// one more at 98%, and from 98% no further API request leaves (token requests still do, they are not
// counted); the refusal says why and what to do.
func TestSalesforceAPIUsageGuard(t *testing.T) {
	t.Parallel()
	usage := []string{"api-usage=50/100", "api-usage=89/100; api-bursts=1/750", "api-usage=90/100", "api-usage=95/100", "api-usage=97/100", "api-usage=98/100"}
	var calls, tokenCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/oauth2/token" {
			tokenCalls.Add(1)
			_, _ = io.WriteString(w, `{"access_token":"x","instance_url":"https://x"}`)
			return
		}
		n := calls.Add(1)
		w.Header().Set("Sforce-Limit-Info", usage[min(int(n), len(usage))-1])
		_, _ = io.WriteString(w, `{"totalSize":0,"done":true,"records":[]}`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	client := NewHTTPClient(fakeConfig(ServiceSalesforce, newFakeClock()))
	get := func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/services/data/v63.0/query?q=SELECT+Id+FROM+User", nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	warnings := func() []string {
		var out []string
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"@level":"warn"`) {
				out = append(out, line)
			}
		}
		return out
	}
	wantWarnings := []int{0, 0, 1, 1, 1, 2} // after each response of usage
	for i, want := range wantWarnings {
		if err := get(); err != nil {
			t.Fatalf("request %d (%s): %v", i+1, usage[i], err)
		}
		if got := warnings(); len(got) != want {
			t.Fatalf("after %s: %d warnings, want %d:\n%s", usage[i], len(got), want, strings.Join(got, "\n"))
		}
	}
	w := warnings()
	for i, want := range []string{`"threshold_percent":90`, `"threshold_percent":98`} {
		if !strings.Contains(w[i], want) || !strings.Contains(w[i], `"api_limit":100`) {
			t.Errorf("warning %d = %s, want %s with the usage", i+1, w[i], want)
		}
	}

	err := get()
	var usageErr *APIUsageError
	if !errors.As(err, &usageErr) || !errors.Is(err, ErrRateLimited) || usageErr.Used != 98 || usageErr.Max != 100 {
		t.Fatalf("err = %v, want an *APIUsageError at 98/100", err)
	}
	for _, want := range []string{"not sent", "98 of its 100 daily API requests", "other integrations", "Last 24 Hours"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := calls.Load(); n != int32(len(usage)) {
		t.Fatalf("%d API requests reached the server, want %d: the refused one must not", n, len(usage))
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/services/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("token request refused: %v", err)
	}
	_ = resp.Body.Close()
	if tokenCalls.Load() != 1 || len(warnings()) != 2 {
		t.Fatalf("%d token requests, %d warnings; want 1 and still 2", tokenCalls.Load(), len(warnings()))
	}
}

// Usage that jumps straight past 98% warns once, and a 403 REQUEST_LIMIT_EXCEEDED (over 100%) stops the
// requests after it.
func TestSalesforceAPIUsageJumpsPastStop(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Sforce-Limit-Info", "api-usage=5001/5000")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	client := NewHTTPClient(fakeConfig(ServiceSalesforce, newFakeClock()))
	for i := range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/services/data/v63.0/limits", nil)
		resp, err := client.Do(req)
		if i == 0 {
			if err != nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("first request: %v, want the 403 passed through", err)
			}
			_ = resp.Body.Close()
			continue
		}
		var usageErr *APIUsageError
		if !errors.As(err, &usageErr) {
			t.Fatalf("second request: err = %v, want *APIUsageError", err)
		}
	}
	if calls.Load() != 1 || strings.Count(logs.String(), `"@level":"warn"`) != 1 {
		t.Fatalf("%d requests sent, %d warnings; want 1 and 1:\n%s", calls.Load(), strings.Count(logs.String(), `"@level":"warn"`), logs.String())
	}
}
