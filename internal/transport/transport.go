// Package transport is the one HTTP stack shared by the Okta and Salesforce clients: retries with
// jittered backoff on go-retryablehttp (idempotent requests after a 5xx or a lost connection; any request
// refused by a 429 or by Salesforce's concurrent request limit, never by its daily one), a rate-limit
// governor that paces on Okta X-Rate-Limit-*, a guard on the Salesforce org's daily API allocation
// (Sforce-Limit-Info: a warning at 90%, no further API requests from 98%), context-aware waits, request
// logging with secrets masked, and errors that name a failed request once, its URL redacted.
package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Service names that select the rate-limit rules.
const (
	ServiceOkta       = "okta"
	ServiceSalesforce = "salesforce"
)

// Config tunes the stack; zero values take the documented defaults.
type Config struct {
	// Service is "okta" or "salesforce": it selects the rate-limit rules and is a log field.
	Service string
	// MaxRetries is how many times one request may be replayed (default 4).
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the jittered exponential backoff (defaults 250ms, 20s).
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRateLimitWait is the longest wait for an Okta X-Rate-Limit-Reset (default 2m); a longer one
	// returns the 429 as a *RateLimitError.
	MaxRateLimitWait time.Duration
	// Now and Sleep are injectable for tests; Sleep must return ctx.Err() when ctx ends first.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Base is the RoundTripper that sends each attempt (default: a pooled cleanhttp transport).
	Base http.RoundTripper
}

// ErrRateLimited is the category of every rate-limit failure returned by the stack.
var ErrRateLimited = errors.New("rate limited")

// RateLimitError is a 429 the stack would not (or could no longer) wait out.
type RateLimitError struct {
	Service string
	Method  string
	URL     string
	// Wait is how long the server asked us to wait; zero when unknown.
	Wait time.Duration
}

func (e *RateLimitError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("%s %s %s: too many requests (rate limit resets in %s)", e.Service, e.Method, e.URL, e.Wait.Round(time.Second))
	}
	return fmt.Sprintf("%s %s %s: too many requests", e.Service, e.Method, e.URL)
}

// Unwrap makes errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

type idempotentKey struct{}

// WithIdempotent marks the requests made with ctx as safe to replay even when their method is POST or PATCH.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// Transport is the RoundTripper of clients built by NewHTTPClient.
type Transport struct {
	cfg      Config
	retry    *retryablehttp.Client
	governor *governor
	usage    apiUsage
}

// NewHTTPClient returns an *http.Client whose Transport is the retrying, governed, logging stack.
func NewHTTPClient(cfg Config) *http.Client {
	return &http.Client{Transport: NewTransport(cfg)}
}

// NewTransport builds the stack; most callers want NewHTTPClient.
func NewTransport(cfg Config) *Transport {
	cfg = withDefaults(cfg)
	t := &Transport{cfg: cfg, governor: newGovernor(cfg.Now)}
	attempts := &attemptTransport{t: t, base: cfg.Base}
	t.retry = &retryablehttp.Client{
		// Redirects are left to the outer http.Client so they are not followed twice.
		HTTPClient: &http.Client{
			Transport:     attempts,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryMax:     cfg.MaxRetries,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		CheckRetry:   t.checkRetry,
		// The wait is decided in checkRetry and slept in prepareRetry, where Sleep and ctx are at hand.
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		PrepareRetry: t.prepareRetry,
		ErrorHandler: t.giveUp,
	}
	return t
}

func withDefaults(cfg Config) Config {
	if cfg.Service == "" {
		cfg.Service = "http"
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 250 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 20 * time.Second
	}
	if cfg.MaxRateLimitWait <= 0 {
		cfg.MaxRateLimitWait = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	if cfg.Base == nil {
		cfg.Base = cleanhttp.DefaultPooledTransport()
	}
	return cfg
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// requestState travels in the request context across the attempts of one logical request.
type requestState struct {
	idempotent bool
	attempt    int
	wait       time.Duration
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	if st == nil {
		return &requestState{}
	}
	return st
}

// RoundTrip runs one logical request through the retry loop. Every line logged for it, here or in any
// layer below, is masked (MaskLogs): Terraform gives each RPC its own context, so masks set in the
// provider's Configure never reach a resource's or data source's requests, while every request passes here.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.usage.refuse(req); err != nil {
		return nil, err
	}
	ctx := MaskLogs(req.Context())
	st := &requestState{idempotent: isIdempotent(req)}
	ctx = context.WithValue(ctx, stateKey{}, st)
	rreq, err := retryablehttp.FromRequest(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	resp, err := t.retry.Do(rreq)
	if err != nil {
		err = bareCause(err)
		if !st.idempotent && AnswerLost(err) {
			// A client above must not resend a write the server may have applied: the Okta SDK replays any
			// request whose connection ended in io.EOF, POSTs included, which made a second app when a
			// create's answer was lost. Whether to look and retry is the caller's call (look-before-retry).
			return nil, &LostAnswerError{Method: req.Method, Err: err}
		}
		return nil, err
	}
	return resp, nil
}

func isIdempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	if marked, _ := req.Context().Value(idempotentKey{}).(bool); marked {
		return true
	}
	// An OAuth token request creates no server state; replaying it is always safe.
	return tokenPath.MatchString(req.URL.Path)
}

// tokenPath matches Okta org and custom authorization server token endpoints and Salesforce's.
var tokenPath = regexp.MustCompile(`(?:/oauth2/(?:[^/]+/)?v1/token|/services/oauth2/token)$`)

// checkRetry decides whether to replay and records how long to wait first.
func (t *Transport) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateFrom(ctx)
	st.attempt++
	st.wait = 0
	if err != nil {
		if retryable, _ := retryablehttp.ErrorPropagatedRetryPolicy(ctx, nil, err); !retryable {
			return false, nil
		}
		// A request that never left (dial failure) is safe to replay whatever its method.
		if !neverSent(err) && !st.idempotent {
			return false, nil
		}
		st.wait = t.backoff(st.attempt)
		return true, nil
	}
	req := resp.Request
	switch limit := requestLimit(resp); limit {
	case ConcurrentRequestLimit:
		// Refused before any processing, like a 429, so any method may be replayed; the limit counts
		// requests in flight, which end within seconds.
		return t.waitAndRetry(resp, st)
	case DailyRequestLimit, OtherRequestLimit:
		// The daily allocation frees up over hours: a replay would only spend what is left of it.
		return false, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		// A 429 means the request was not processed, so any method may be replayed.
		wait, known := t.rateLimitWait(resp)
		if wait > t.cfg.MaxRateLimitWait {
			return false, &RateLimitError{Service: t.cfg.Service, Method: req.Method, URL: Redact(req.URL.String()), Wait: wait}
		}
		if !known {
			wait = t.backoff(st.attempt)
		}
		st.wait = wait
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		if !st.idempotent || isDeterministicSOAPFault(resp) {
			return false, nil
		}
		return t.waitAndRetry(resp, st)
	}
	return false, nil
}

// waitAndRetry replays after the server's Retry-After, or after the backoff when it names none.
func (t *Transport) waitAndRetry(resp *http.Response, st *requestState) (bool, error) {
	if d, ok := retryAfter(resp, t.cfg.Now()); ok {
		if d > t.cfg.MaxRateLimitWait {
			// The server asked for a longer pause than we are willing to block for.
			return false, nil
		}
		st.wait = d
	} else {
		st.wait = t.backoff(st.attempt)
	}
	return true, nil
}

func neverSent(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// soapFaultCode finds the faultcode of a SOAP fault, e.g. "sf:INVALID_SESSION_ID".
var soapFaultCode = regexp.MustCompile(`<faultcode>([^<]*)</faultcode>`)

// isDeterministicSOAPFault reports a SOAP fault other than a server-side outage: SOAP services answer
// every fault (expired session, missing permission, bad input) with HTTP 500, and replaying those
// cannot succeed. The body is peeked and handed on intact.
func isDeterministicSOAPFault(resp *http.Response) bool {
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		return false
	}
	peek, err := peekBody(resp)
	if err != nil {
		return false
	}
	m := soapFaultCode.FindSubmatch(peek)
	if m == nil {
		return false
	}
	code := string(m[1])
	return !strings.HasSuffix(code, "Server") && !strings.HasSuffix(code, "SERVER_UNAVAILABLE") && !strings.HasSuffix(code, "UNKNOWN_EXCEPTION")
}

// rateLimitWait is Okta's rule: X-Rate-Limit-Reset minus the response Date (cancelling clock skew) plus 1s.
func (t *Transport) rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if t.cfg.Service == ServiceOkta {
		if reset, ok := parseEpoch(resp.Header.Get("X-Rate-Limit-Reset")); ok {
			now := t.cfg.Now()
			if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				now = date
			}
			wait := reset.Sub(now.Truncate(time.Second)) + time.Second
			return max(wait, 0), true
		}
	}
	if d, ok := retryAfter(resp, t.cfg.Now()); ok {
		return d, true
	}
	return 0, false
}

// retryAfter reads Retry-After in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// backoff is exponential in the attempt number with "equal jitter": half fixed, half random.
func (t *Transport) backoff(attempt int) time.Duration {
	d := t.cfg.RetryWaitMin << min(max(attempt-1, 0), 30)
	if d <= 0 || d > t.cfg.RetryWaitMax {
		d = t.cfg.RetryWaitMax
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// prepareRetry sleeps the wait chosen by checkRetry; a cancelled context ends the request at once.
func (t *Transport) prepareRetry(req *http.Request) error {
	st := stateFrom(req.Context())
	logRetry(req, t.cfg.Service, st)
	return t.cfg.Sleep(req.Context(), st.wait)
}

// giveUp shapes the final outcome: errors without a dangling body, 429s as *RateLimitError, and a failed
// connection as its cause and the number of attempts; the caller's http.Client names the request once.
func (t *Transport) giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err == nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		wait, _ := t.rateLimitWait(resp)
		err = &RateLimitError{Service: t.cfg.Service, Method: resp.Request.Method, URL: Redact(resp.Request.URL.String()), Wait: wait}
	}
	if err != nil {
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
		}
		var urlErr *url.Error
		if errors.As(err, &urlErr) && attempts > 1 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, &AttemptsError{Attempts: attempts, Err: bareCause(err)}
		}
		return nil, bareCause(err)
	}
	return resp, nil
}
