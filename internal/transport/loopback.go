package transport

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// IsLoopback reports whether host (a URL's Hostname) is localhost or a loopback IP address: the sandbox and
// local emulators listen there without TLS, so these are the only hosts the clients reach over plain http.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckScheme is the one scheme rule of every service URL: https, or plain http to a loopback host only.
// The error quotes the URL and says how to fix it.
func CheckScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q uses plain http to %q, which is not a loopback address; use https:// (http is accepted only for 127.0.0.1, ::1 and localhost)",
			u.String(), u.Hostname())
	default:
		return fmt.Errorf("%q has the scheme %q; use https://", u.String(), u.Scheme)
	}
}
