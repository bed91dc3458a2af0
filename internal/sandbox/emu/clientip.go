package emu

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIPHeader lets a loopback caller (tests, the sandbox's own tools) present the address of the browser it
// plays, for network zones, login IP ranges and LoginHistory; a caller from another address cannot.
const ClientIPHeader = "X-Sandbox-Client-IP"

// ClientIP is the address a sign-in request comes from: the connection's, or ClientIPHeader when the
// connection is a loopback one and the header holds an address.
func ClientIP(r *http.Request) netip.Addr {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	ip, _ := netip.ParseAddr(host)
	ip = ip.Unmap()
	if ip.IsLoopback() {
		if v, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get(ClientIPHeader))); err == nil {
			return v
		}
	}
	return ip
}
