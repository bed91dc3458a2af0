package emu

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// HostPolicy is the set of Host header values one sandbox listener answers: the address it listens on, the
// names a loopback (or wildcard) address goes by, and an operator's allow-list. Refusing every other Host keeps
// a web page that points its own host name at 127.0.0.1 (DNS rebinding) from reaching the emulators.
type HostPolicy struct {
	exact   map[string]bool // lower-case "host:port" (IPv6 in brackets)
	anyPort map[string]bool // lower-case host names of the allow-list given without a port
}

// NewHostPolicy returns the policy of a listener at listenAddr (its real address, e.g. l.Addr().String()) with
// the allow-list allowed: entries are "host" (any port) or "host:port", as ParseAllowedHosts accepts them.
func NewHostPolicy(listenAddr string, allowed []string) (*HostPolicy, error) {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", listenAddr, err)
	}
	p := &HostPolicy{exact: map[string]bool{}, anyPort: map[string]bool{}}
	add := func(h string) { p.exact[strings.ToLower(net.JoinHostPort(h, port))] = true }
	add(host)
	ip := net.ParseIP(host)
	if strings.EqualFold(host, "localhost") || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		add("127.0.0.1")
		add("localhost")
		add("::1")
	}
	if ip != nil && ip.IsUnspecified() {
		// A wildcard listener is reached at any address of the machine; an IP literal cannot be rebound.
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					add(n.IP.String())
				}
			}
		}
	}
	hosts, err := ParseAllowedHosts(allowed)
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		if hh, _, err := net.SplitHostPort(h); err == nil && hh != "" {
			p.exact[h] = true
		} else {
			p.anyPort[h] = true
		}
	}
	return p, nil
}

// ParseAllowedHosts checks and normalises an allow-list of Host values: each entry a host name or IP address,
// with or without a port ("sandbox.internal", "sandbox.internal:8443", "[fd00::1]:7450"), no scheme or path.
// Entries come back lower-case, IPv6 addresses in brackets when a port follows.
func ParseAllowedHosts(entries []string) ([]string, error) {
	var out []string
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if strings.ContainsAny(e, "/?#@* \t") {
			return nil, fmt.Errorf("allowed host %q: give a host name or host:port (e.g. sandbox.internal:8443), without scheme, path or wildcard", e)
		}
		host, port, err := net.SplitHostPort(e)
		if err != nil {
			// No port: a name, an IPv4 address, or an IPv6 address with or without brackets.
			host, port = strings.TrimSuffix(strings.TrimPrefix(e, "["), "]"), ""
			if strings.Contains(host, ":") && net.ParseIP(host) == nil {
				return nil, fmt.Errorf("allowed host %q: give a host name or host:port (an IPv6 address with a port in brackets: [fd00::1]:7450)", e)
			}
		}
		if host == "" {
			return nil, fmt.Errorf("allowed host %q: the host name is empty", e)
		}
		if port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("allowed host %q: the port must be a number from 1 to 65535", e)
			}
			out = append(out, net.JoinHostPort(host, port))
			continue
		}
		out = append(out, host)
	}
	return out, nil
}

// Allows reports whether a request with Host header host is for this listener. A Host without a port means
// port 80, as in a URL.
func (p *HostPolicy) Allows(host string) bool {
	host = strings.ToLower(host)
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), "80"
	}
	return p.exact[net.JoinHostPort(name, port)] || p.anyPort[name]
}

// Hosts lists what the policy answers, sorted, for messages.
func (p *HostPolicy) Hosts() []string {
	out := make([]string, 0, len(p.exact)+len(p.anyPort))
	for h := range p.exact {
		out = append(out, h)
	}
	for h := range p.anyPort {
		out = append(out, h+" (any port)")
	}
	sort.Strings(out)
	return out
}

// GuardHost answers 421 Misdirected Request to a request whose Host p does not allow, and passes every other
// to h. It wraps a whole listener (emulated API, sign-in pages and control API alike).
func GuardHost(p *HostPolicy, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.Allows(r.Host) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusMisdirectedRequest)
			fmt.Fprintf(w, "sandbox: refused Host %q: this listener answers only %s. A proxy in front of the sandbox must "+
				"pass the original Host on, or be named with --allowed-hosts (sandbox.Options.AllowedHosts).\n",
				r.Host, strings.Join(p.Hosts(), ", "))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ControlTokenHeader carries the control token on control API calls; "Authorization: Bearer <token>" does too.
const ControlTokenHeader = "X-Sandbox-Control-Token"

// newControlToken returns 128 random bits, hex-encoded.
func newControlToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if the system source does)
	return hex.EncodeToString(b)
}

// guardControl refuses, before h sees them, the control calls a web page or another local program could
// make: a cross-origin request (Origin present and not the request's own origin), a mutating call whose body
// is not declared application/json (what an HTML form or a "simple" fetch sends without a CORS preflight),
// and a mutating call without the control token. Reads (GET, HEAD) need no token. The Host was checked by
// GuardHost around the listener, so the request's own origin is the sandbox's.
func (c *Control) guardControl(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin, sent := r.Header["Origin"]; sent {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			own := scheme + "://" + r.Host
			if len(origin) != 1 || !strings.EqualFold(origin[0], own) {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": fmt.Sprintf(
					"cross-origin control call refused: Origin %q is not the sandbox's own origin %q; the control API does not answer web pages",
					strings.Join(origin, ", "), own)})
				return
			}
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		// Every POST, PUT and PATCH declares JSON, even without a body: a form or text/plain POST from a page
		// needs no preflight, so its content type is what tells it apart. A DELETE is checked only with a body.
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch || r.ContentLength != 0 {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": fmt.Sprintf(
					"control call %s %s refused: Content-Type %q is not application/json; send the body (or an empty one) as Content-Type: application/json",
					r.Method, r.URL.Path, r.Header.Get("Content-Type"))})
				return
			}
		}
		token := r.Header.Get(ControlTokenHeader)
		if token == "" {
			if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				token = strings.TrimSpace(value)
			}
		}
		if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(c.Token())) != 1 {
			msg := "control call %s %s refused: no control token; send the control_token of the sandbox's ready line in the " + ControlTokenHeader + " header (or Authorization: Bearer)"
			if token != "" {
				msg = "control call %s %s refused: wrong control token; use the control_token of this sandbox's ready line (each sandbox start makes a new one)"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="sandbox control"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": fmt.Sprintf(msg, r.Method, r.URL.Path)})
			return
		}
		h.ServeHTTP(w, r)
	})
}
