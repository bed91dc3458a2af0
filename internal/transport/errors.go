package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// AttemptsError is the last failure of a request the stack sent more than once.
type AttemptsError struct {
	Attempts int
	Err      error
}

func (e *AttemptsError) Error() string { return fmt.Sprintf("%v (%d attempts)", e.Err, e.Attempts) }

// Unwrap returns the last attempt's failure.
func (e *AttemptsError) Unwrap() error { return e.Err }

// bareCause drops the *url.Error layers around err: every http.Client a request passes through wraps its
// failure in one more ("Post "u": Post "u": …"), so the stack hands back only the cause and leaves naming
// the request to the caller's client.
func bareCause(err error) error {
	for {
		urlErr, ok := err.(*url.Error) //nolint:errorlint // the outer layers only, not a *url.Error inside the cause
		if !ok {
			return err
		}
		err = urlErr.Err
	}
}

// CleanError makes a failed call's error name its method and URL once, with the URL redacted (a query can
// carry a credential, such as the Okta SDK's client_assertion): the *url.Error layers that stacked
// http.Clients add (a library's client over ours) are folded into the outermost one. Clients call it on
// every error an http.Client returns; it changes that error in place and returns it.
func CleanError(err error) error {
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		return err
	}
	urlErr.URL = Redact(urlErr.URL)
	urlErr.Err = bareCause(urlErr.Err)
	return err
}

// AnswerLost reports whether a failed request may nevertheless have been applied: its connection broke
// after the request was sent (a reset, an early EOF, a read timeout). A request that never left (a dial
// failure), one cancelled by its caller, and one the stack refused to send are not.
func AnswerLost(err error) bool {
	var lost *LostAnswerError
	if errors.As(err, &lost) {
		return true
	}
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || neverSent(err) {
		return false
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Replays is the bound and the pacing of the stack's own replays, for a write that a client replays
// itself because it must first look at what the lost attempt did (look-before-retry): that loop then
// stops where the stack would.
type Replays struct {
	// MaxRetries is how many times one call may be replayed.
	MaxRetries int
	t          *Transport
}

// ReplaysOf returns the replay policy of hc's stack, or the default stack's when hc has another transport.
func ReplaysOf(hc *http.Client) Replays {
	t, ok := hc.Transport.(*Transport)
	if !ok {
		t = &Transport{cfg: withDefaults(Config{})}
	}
	return Replays{MaxRetries: t.cfg.MaxRetries, t: t}
}

// Wait sleeps the backoff before replay number n (1 for the first replay); a cancelled ctx ends it early
// with ctx's error.
func (r Replays) Wait(ctx context.Context, n int) error {
	return r.t.cfg.Sleep(ctx, r.t.backoff(n))
}

// LostAnswerError is the failure of a write that is not safe to repeat, whose connection broke after it was
// sent: the server may have applied it. It deliberately does not unwrap to its cause, so that no client
// above the stack resends the write on an io.EOF (the Okta SDK does); AnswerLost recognises it.
type LostAnswerError struct {
	Method string
	Err    error
}

func (e *LostAnswerError) Error() string {
	return fmt.Sprintf("%v; the %s was sent but its answer was lost, so it may have been applied", e.Err, e.Method)
}
