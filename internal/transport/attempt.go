package transport

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// maxLoggedBody caps how much of a body is copied into a trace log line.
const maxLoggedBody = 16 << 10

// attemptTransport sends one attempt: it waits for the governor, logs, and reads the limit headers.
type attemptTransport struct {
	t    *Transport
	base http.RoundTripper
}

func (a *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cfg := a.t.cfg
	key := bucketKey(req.Method, req.URL.Path)
	if wait := a.t.governor.reserve(key); wait > 0 {
		tflog.Debug(ctx, "HTTP request paced by rate-limit governor", map[string]any{
			"service": cfg.Service, "bucket": key, "wait_ms": wait.Milliseconds(),
		})
		if err := cfg.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	st := stateFrom(ctx)
	fields := map[string]any{
		"service": cfg.Service,
		"method":  req.Method,
		"url":     Redact(req.URL.String()),
		"attempt": st.attempt + 1,
	}
	if tflog.IsTrace(ctx) && req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		tflog.Trace(ctx, "HTTP request body", map[string]any{
			"service": cfg.Service, "method": req.Method, "url": fields["url"], "body": Redact(truncate(body)),
		})
	}
	start := time.Now()
	resp, err := a.base.RoundTrip(req)
	fields["duration_ms"] = time.Since(start).Milliseconds()
	if err != nil {
		fields["error"] = Redact(err.Error())
		tflog.Debug(ctx, "HTTP request failed", fields)
		return nil, err
	}
	fields["status"] = resp.StatusCode
	a.observe(ctx, key, resp)
	tflog.Debug(ctx, "HTTP request", fields)
	if tflog.IsTrace(ctx) && resp.Body != nil {
		// Only a prefix is read for the log; the caller still gets the whole body.
		prefix, readErr := io.ReadAll(io.LimitReader(resp.Body, maxLoggedBody))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(prefix), resp.Body), resp.Body}
		if readErr == nil {
			tflog.Trace(ctx, "HTTP response body", map[string]any{
				"service": cfg.Service, "status": resp.StatusCode, "url": fields["url"], "body": Redact(string(prefix)),
			})
		}
	}
	return resp, nil
}

// observe feeds the governor and the Salesforce API usage guard from the response headers.
func (a *attemptTransport) observe(ctx context.Context, key string, resp *http.Response) {
	h := resp.Header
	if h.Get("X-Rate-Limit-Limit") != "" {
		date, _ := http.ParseTime(h.Get("Date"))
		a.t.governor.observe(key, h.Get("X-Rate-Limit-Limit"), h.Get("X-Rate-Limit-Remaining"), h.Get("X-Rate-Limit-Reset"), date)
	}
	if info := h.Get("Sforce-Limit-Info"); info != "" {
		if used, max, ok := parseSforceLimitInfo(info); ok {
			a.t.usage.observe(ctx, used, max)
		}
	}
}

func truncate(b []byte) string {
	if len(b) > maxLoggedBody {
		return string(b[:maxLoggedBody]) + "…(truncated)"
	}
	return string(b)
}

func logRetry(req *http.Request, service string, st *requestState) {
	tflog.Debug(req.Context(), "HTTP request retry", map[string]any{
		"service": service, "method": req.Method, "url": Redact(req.URL.String()),
		"attempt": st.attempt + 1, "wait_ms": st.wait.Milliseconds(),
	})
}
