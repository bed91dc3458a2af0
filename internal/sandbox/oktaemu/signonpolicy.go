package oktaemu

// This file evaluates an app's sign-in (ACCESS_POLICY) policy at SAML sign-in (logs.go keeps the System Log events
// the sign-in writes). Real Okta learns the network and device from the browser session; the sandbox takes them
// from the request (documented in the README's sandbox section):
//
//	X-Sandbox-Client-IP: 203.0.113.7       the client IP a loopback caller presents (else the connection's address)
//	device_registered=true, device_managed=true, device_platform=MACOS|WINDOWS|IOS|ANDROID|CHROMEOS|OTHER,
//	device_assurance=dae…,dae…            the device context: the device assurance policies the device satisfies
//	factor=123456                          the sandbox test factor: passes a 2FA challenge (SandboxTestFactor)

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

const (
	// SandboxTestFactor is the one-time code the sandbox's test factor accepts at a 2FA challenge.
	SandboxTestFactor = "123456"
	// ClientIPHeader carries the client IP a sign-in request presents to network zone conditions (from a
	// loopback caller only).
	ClientIPHeader = emu.ClientIPHeader
	// multiFactorContext is the AuthnContextClassRef of an assertion after a second factor.
	multiFactorContext = "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor"
)

// signInContext is what the sign-in request declares about the client.
type signInContext struct {
	ip                  netip.Addr
	registered, managed bool
	platform            string
	assurances          map[string]bool
	factor              string
	userAgent           string
}

func signInContextOf(r *http.Request) signInContext {
	q := r.URL.Query()
	c := signInContext{registered: q.Get("device_registered") == "true", managed: q.Get("device_managed") == "true",
		platform: strings.ToUpper(q.Get("device_platform")), assurances: map[string]bool{}, factor: q.Get("factor"),
		userAgent: r.UserAgent()}
	for _, id := range strings.Split(q.Get("device_assurance"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			c.assurances[id] = true
		}
	}
	c.ip = emu.ClientIP(r)
	return c
}

// policyDecision is the outcome of evaluating an app's sign-in policy for one sign-in.
type policyDecision struct {
	policyID, policyName, ruleID, ruleName string
	// result is ALLOW, DENY or CHALLENGE (a second factor is required and was not given or was wrong).
	result string
	mfa    bool
}

// evaluateSignOn walks the app's policy rules in priority order and applies the first that matches. An app
// without an active policy, or whose policy no active rule matches, signs in with one factor. s.mu must be held.
func (s *Server) evaluateSignOn(rec *appRec, u *user, c signInContext) policyDecision {
	p := s.st.Policies[rec.AccessPolicyID]
	if p == nil || p.Body["status"] != "ACTIVE" {
		return policyDecision{result: "ALLOW"}
	}
	d := policyDecision{policyID: p.Body["id"].(string), policyName: fmt.Sprint(p.Body["name"]), result: "ALLOW"}
	for _, rule := range rulesByPriority(p) {
		if rule["status"] != "ACTIVE" || !s.ruleMatches(obj(rule["conditions"]), u, c) {
			continue
		}
		d.ruleID, d.ruleName = rule["id"].(string), fmt.Sprint(rule["name"])
		signOn := obj(obj(rule["actions"])["appSignOn"])
		if signOn["access"] == "DENY" {
			d.result = "DENY"
			return d
		}
		if obj(signOn["verificationMethod"])["factorMode"] == "2FA" {
			if c.factor != SandboxTestFactor {
				d.result = "CHALLENGE"
				return d
			}
			d.mfa = true
		}
		return d
	}
	return d
}

func idList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// includeExcludeMatch applies an include/exclude selector: an empty include matches everything.
func includeExcludeMatch(sel map[string]any, has func(id string) bool) bool {
	include, exclude := idList(sel["include"]), idList(sel["exclude"])
	for _, id := range exclude {
		if has(id) {
			return false
		}
	}
	if len(include) == 0 {
		return true
	}
	for _, id := range include {
		if has(id) {
			return true
		}
	}
	return false
}

// ruleMatches checks people, network, device, platform and user type. elCondition and riskScore are not evaluated
// by the sandbox: they match.
func (s *Server) ruleMatches(conds map[string]any, u *user, c signInContext) bool {
	people := obj(conds["people"])
	if !includeExcludeMatch(obj(people["users"]), func(id string) bool { return id == u.ID }) {
		return false
	}
	if !includeExcludeMatch(obj(people["groups"]), func(id string) bool { g := s.st.Groups[id]; return g != nil && s.isMember(g, u.ID) }) {
		return false
	}
	if !includeExcludeMatch(obj(conds["userType"]), func(id string) bool { return id == s.st.Org.UserTypeID }) {
		return false
	}
	if network := obj(conds["network"]); network["connection"] == "ZONE" &&
		!includeExcludeMatch(network, func(id string) bool { return s.zoneContains(id, c.ip) }) {
		return false
	}
	if device, ok := conds["device"].(map[string]any); ok {
		if device["registered"] == true && !c.registered || device["managed"] == true && !c.managed {
			return false
		}
		if !includeExcludeMatch(obj(device["assurance"]), func(id string) bool { return c.assurances[id] }) {
			return false
		}
	}
	if platform, ok := conds["platform"].(map[string]any); ok {
		onPlatform := func(v any) bool {
			os := fmt.Sprint(obj(obj(v)["os"])["type"])
			return os == c.platform || os == "OTHER" && c.platform != "" && !knownPlatforms[c.platform]
		}
		include, _ := platform["include"].([]any)
		exclude, _ := platform["exclude"].([]any)
		for _, e := range exclude {
			if onPlatform(e) {
				return false
			}
		}
		matched := len(include) == 0
		for _, e := range include {
			matched = matched || onPlatform(e)
		}
		if !matched {
			return false
		}
	}
	return true
}

var knownPlatforms = map[string]bool{"MACOS": true, "WINDOWS": true, "IOS": true, "ANDROID": true, "CHROMEOS": true}

// zoneContains reports whether an ACTIVE IP zone's gateways hold ip; DYNAMIC zones never match in the sandbox.
func (s *Server) zoneContains(id string, ip netip.Addr) bool {
	z := s.st.Zones[id]
	if z == nil || z["status"] != "ACTIVE" || z["type"] != "IP" || !ip.IsValid() {
		return false
	}
	for _, e := range toAnySlice(z["gateways"]) {
		value := fmt.Sprint(obj(e)["value"])
		switch obj(e)["type"] {
		case "CIDR":
			if prefix, err := netip.ParsePrefix(value); err == nil && prefix.Contains(ip) {
				return true
			}
		case "RANGE":
			from, to, _ := strings.Cut(value, "-")
			a, err1 := netip.ParseAddr(from)
			b, err2 := netip.ParseAddr(to)
			if err1 == nil && err2 == nil && a.Compare(ip) <= 0 && ip.Compare(b) <= 0 {
				return true
			}
		}
	}
	return false
}

// toAnySlice reads a stored list, whether built in memory ([]any of maps) or loaded from JSON.
func toAnySlice(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case []map[string]any:
		out := make([]any, len(t))
		for i, m := range t {
			out[i] = m
		}
		return out
	}
	return nil
}
