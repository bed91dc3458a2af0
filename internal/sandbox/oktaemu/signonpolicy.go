package oktaemu

// This file evaluates an app's sign-in (ACCESS_POLICY) policy at SAML sign-in and keeps the System Log events the
// sign-in writes. Real Okta learns the network and device from the browser session; the sandbox takes them from the
// request (documented in the README's sandbox section):
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
	"time"

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
	maxLogEvents       = 1000
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

// logSignIn records policy.evaluate_sign_on and user.authentication.sso for one sign-in. s.mu must be held.
func (s *Server) logSignIn(rec *appRec, u *user, c signInContext, d policyDecision, success bool) {
	now := s.now().UTC()
	txn := randomString(27)
	login := fmt.Sprint(u.Profile["login"])
	actor := map[string]any{"id": u.ID, "type": "User", "alternateId": login,
		"displayName": strings.TrimSpace(fmt.Sprint(u.Profile["firstName"]) + " " + fmt.Sprint(u.Profile["lastName"]))}
	appTarget := map[string]any{"id": rec.Body["id"], "type": "AppInstance", "alternateId": rec.Body["label"],
		"displayName": rec.Body["name"], "detailEntry": map[string]any{"signOnModeType": rec.Body["signOnMode"]}}
	event := func(eventType, display, result, reason string, targets []any) map[string]any {
		outcome := map[string]any{"result": result}
		if reason != "" {
			outcome["reason"] = reason
		}
		return map[string]any{
			"uuid": newUUID(), "published": fmtTime(now), "eventType": eventType, "version": "0", "severity": "INFO",
			"displayMessage": display, "legacyEventType": nil, "actor": actor, "outcome": outcome, "target": targets,
			"client": map[string]any{"ipAddress": c.ip.String(), "userAgent": map[string]any{"rawUserAgent": c.userAgent,
				"os": "Unknown", "browser": "UNKNOWN"}, "zone": "null", "device": "Unknown"},
			"authenticationContext": map[string]any{"authenticationStep": 0, "externalSessionId": "trs" + txn[:20]},
			"securityContext":       map[string]any{},
			"debugContext":          map[string]any{"debugData": map[string]any{"requestUri": "/app/" + fmt.Sprint(rec.Body["name"]) + "/" + rec.ExternalKey + "/sso/saml"}},
			"transaction":           map[string]any{"type": "WEB", "id": txn, "detail": map[string]any{}},
			"request":               map[string]any{"ipChain": []any{map[string]any{"ip": c.ip.String(), "version": ipVersion(c.ip)}}},
		}
	}
	targets := []any{appTarget}
	if d.policyID != "" {
		targets = append(targets, map[string]any{"id": d.policyID, "type": "Policy", "alternateId": "unknown", "displayName": d.policyName,
			"detailEntry": map[string]any{"policyType": accessPolicyType}})
	}
	if d.ruleID != "" {
		targets = append(targets, map[string]any{"id": d.ruleID, "type": "Rule", "alternateId": "unknown", "displayName": d.ruleName,
			"detailEntry": map[string]any{"policyRuleFactorMode": map[bool]string{true: "2FA", false: "1FA"}[d.mfa]}})
	}
	s.appendLog(event("policy.evaluate_sign_on", "Evaluation of sign-on policy", d.result, d.ruleName, targets))
	result, reason := "SUCCESS", ""
	if !success {
		result, reason = "FAILURE", map[string]string{"DENY": "Sign-on policy denied access", "CHALLENGE": "Verification of a second factor required"}[d.result]
	}
	s.appendLog(event("user.authentication.sso", "User single sign on to app", result, reason, []any{appTarget}))
}

func ipVersion(ip netip.Addr) string {
	if ip.Is6() && !ip.Is4In6() {
		return "V6"
	}
	return "V4"
}

func newUUID() string {
	b := []byte(randomString(32))
	const hex = "0123456789abcdef"
	for i := range b {
		b[i] = hex[int(b[i])%16]
	}
	s := string(b)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func (s *Server) appendLog(e map[string]any) {
	s.st.Logs = append(s.st.Logs, e)
	if len(s.st.Logs) > maxLogEvents {
		s.st.Logs = s.st.Logs[len(s.st.Logs)-maxLogEvents:]
	}
}

// listLogs serves GET /api/v1/logs minimally: since/until bound published, filter sees the event object,
// sortOrder ASCENDING (default) or DESCENDING, limit (default 100, at most 1000). No cursor: every page is the last.
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	filters, ok := parseListExpressions(w, r, "filter")
	if !ok {
		return
	}
	q := r.URL.Query()
	var since, until time.Time
	for name, dst := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "E0000030", "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.")
				return
			}
			*dst = t
		}
	}
	limit := pageLimit(r, 100, 1000)
	s.locked(w, func(w http.ResponseWriter) bool {
		out := []any{}
		for _, e := range s.st.Logs {
			published, _ := time.Parse(timeFormat, fmt.Sprint(e["published"]))
			if !since.IsZero() && published.Before(since) || !until.IsZero() && !published.Before(until) || !matchesAll(filters, e) {
				continue
			}
			out = append(out, deepCopy(e))
		}
		if q.Get("sortOrder") == "DESCENDING" {
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
		if len(out) > limit {
			out = out[:limit]
		}
		w.Header().Add("Link", "<"+s.cfg.BaseURL+r.URL.RequestURI()+`>; rel="self"`)
		writeJSON(w, http.StatusOK, out)
		return false
	})
}
