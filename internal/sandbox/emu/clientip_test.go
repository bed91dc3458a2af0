package emu

import (
	"net/http"
	"testing"
)

// The header counts only from a loopback caller: a client elsewhere cannot claim an address inside a zone.
func TestClientIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ remote, header, want string }{
		{"127.0.0.1:5000", "198.51.100.7", "198.51.100.7"},
		{"[::1]:5000", "2001:db8::1", "2001:db8::1"},
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "not-an-ip", "127.0.0.1"},
		{"203.0.113.5:5000", "198.51.100.7", "203.0.113.5"},
	} {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
		r.RemoteAddr = tc.remote
		if tc.header != "" {
			r.Header.Set("X-Sandbox-Client-IP", tc.header)
		}
		if got := ClientIP(r).String(); got != tc.want {
			t.Errorf("ClientIP(%s, %q) = %s, want %s", tc.remote, tc.header, got, tc.want)
		}
	}
}
