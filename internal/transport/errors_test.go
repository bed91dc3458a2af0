package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// A failed call names its method and URL once, redacted. Before: the stack's inner client, the caller's
// client and a library's client each added one, "Post "u": Post "u": Post "u": …", with the query unmasked.
func TestFailedCallNamesURLOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		resetOnce(new(atomic.Int32)).ServeHTTP(w, r) // every connection is reset
	}))
	defer srv.Close()
	target := srv.URL + "/api/v1/things?client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIwb2EifQ.c2lnbmF0dXJl"
	stack := NewHTTPClient(fakeConfig(ServiceOkta, newFakeClock()))
	// A library's client over ours, as go-salesforce and the Okta SDK build.
	library := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) { return stack.Do(r) })}
	for _, tt := range []struct {
		name      string
		client    *http.Client
		ctx       context.Context
		wantCalls int32
		wantTail  string
	}{
		{"not replayed", library, context.Background(), 1, ""},
		{"replayed", library, WithIdempotent(context.Background()), 5, "(5 attempts)"},
		{"our client alone", stack, context.Background(), 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			req, _ := http.NewRequestWithContext(tt.ctx, http.MethodPost, target, strings.NewReader("x"))
			_, err := tt.client.Do(req)
			if err == nil {
				t.Fatal("want an error")
			}
			msg := CleanError(err).Error()
			if n := strings.Count(msg, srv.URL); n != 1 || strings.Count(msg, "Post") != 1 {
				t.Fatalf("%q names the URL %d times, want once", msg, n)
			}
			if !strings.HasPrefix(msg, `Post "`+srv.URL+`/api/v1/things?client_assertion=***"`) || strings.Contains(msg, "eyJ") {
				t.Fatalf("%q: want the method and the redacted URL first", msg)
			}
			if !strings.HasSuffix(msg, tt.wantTail) || calls.Load() != tt.wantCalls {
				t.Fatalf("%q after %d calls; want it to end in %q after %d", msg, calls.Load(), tt.wantTail, tt.wantCalls)
			}
			if !AnswerLost(err) {
				t.Fatalf("AnswerLost(%v) = false, want true for a reset", err)
			}
			var urlErr *url.Error
			if !errors.As(err, &urlErr) {
				t.Fatal("want a *url.Error still")
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAnswerLost(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close() // nothing listens there now: a dial failure
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/x", strings.NewReader("x"))
	_, err := NewHTTPClient(Config{MaxRetries: -1}).Do(req)
	if err == nil || AnswerLost(err) {
		t.Fatalf("AnswerLost(%v) = true, want false for a request that never left", err)
	}
	for _, err := range []error{nil, context.Canceled, errors.New("invalid character '<'"), &url.Error{Op: "Get", URL: "u", Err: context.DeadlineExceeded}} {
		if AnswerLost(err) {
			t.Errorf("AnswerLost(%v) = true", err)
		}
	}
	if !AnswerLost(&url.Error{Op: "Post", URL: "u", Err: io.ErrUnexpectedEOF}) {
		t.Error("AnswerLost(unexpected EOF) = false")
	}
}
