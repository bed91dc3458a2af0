package transport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const (
	concurrentLimitJSON = `[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`
	dailyLimitJSON      = `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`
)

func limitFault(message string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode><faultstring>REQUEST_LIMIT_EXCEEDED: ` + message + `</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
}

// Salesforce's concurrent limit refuses a request without processing it, so it is replayed with backoff
// whatever the method; the daily allocation is never replayed. Before: every REQUEST_LIMIT_EXCEEDED was
// passed through after one attempt (and a concurrent refusal failed the apply).
func TestRequestLimitRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		refusals    int32
		wantCalls   int32
		wantStatus  int
	}{
		{"concurrent limit, REST POST", 403, "application/json;charset=UTF-8", concurrentLimitJSON, 2, 3, 200},
		{"concurrent requests message", 403, "application/json;charset=UTF-8",
			`[{"message":"ConcurrentRequests (Concurrent API Requests) Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, 2, 3, 200},
		{"concurrent limit, SOAP fault", 500, "text/xml;charset=UTF-8", limitFault("ConcurrentPerOrgLongTxn Limit exceeded."), 2, 3, 200},
		{"concurrent limit beyond MaxRetries is passed through", 403, "application/json;charset=UTF-8", concurrentLimitJSON, 100, 4, 403},
		{"daily limit, REST", 403, "application/json;charset=UTF-8", dailyLimitJSON, 100, 1, 403},
		{"daily limit, SOAP fault", 500, "text/xml;charset=UTF-8", limitFault("TotalRequests Limit exceeded."), 100, 1, 500},
		{"unknown limit message", 403, "application/json;charset=UTF-8", `[{"message":"Some Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, 100, 1, 403},
		{"other 403 is not replayed", 403, "application/json;charset=UTF-8", `[{"message":"no","errorCode":"INSUFFICIENT_ACCESS"}]`, 100, 1, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if body, _ := io.ReadAll(r.Body); string(body) != `{"a":1}` {
					t.Errorf("attempt %d body %q: not replayed intact", calls.Load()+1, body)
				}
				if calls.Add(1) <= tt.refusals {
					w.Header().Set("Content-Type", tt.contentType)
					w.WriteHeader(tt.status)
					_, _ = io.WriteString(w, tt.body)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			clock := newFakeClock()
			cfg := fakeConfig(ServiceSalesforce, clock)
			cfg.MaxRetries = 3
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/services/data/v63.0/composite/sobjects/", strings.NewReader(`{"a":1}`))
			resp, err := NewHTTPClient(cfg).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || calls.Load() != tt.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", resp.StatusCode, calls.Load(), tt.wantStatus, tt.wantCalls)
			}
			if tt.wantStatus != 200 && string(got) != tt.body {
				// The final answer must still say which limit it was.
				t.Fatalf("body %q, want the refusal intact", got)
			}
			if sleeps := clock.Sleeps(); len(sleeps) != int(tt.wantCalls-1) {
				t.Fatalf("sleeps %v: want a backoff before each of %d replays", sleeps, tt.wantCalls-1)
			}
		})
	}
}

func TestClassifyRequestLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, message string
		want          RequestLimit
	}{
		{"REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", DailyRequestLimit},
		{"sf:REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.", DailyRequestLimit},
		{"REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", ConcurrentRequestLimit},
		{"REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded.", ConcurrentRequestLimit},
		{"REQUEST_LIMIT_EXCEEDED", "Something else", OtherRequestLimit},
		{"LICENSE_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", NoRequestLimit},
	}
	for _, tt := range tests {
		if got := ClassifyRequestLimit(tt.code, tt.message); got != tt.want {
			t.Errorf("ClassifyRequestLimit(%q, %q) = %v, want %v", tt.code, tt.message, got, tt.want)
		}
	}
}
