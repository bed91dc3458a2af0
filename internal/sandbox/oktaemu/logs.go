package oktaemu

// This file is the org's System Log: the events sign-ins and admin actions write, and GET /api/v1/logs as Okta
// serves it (okta-api.md §11, the OpenAPI listLogEvents operation):
//
//	since    lower bound of published (RFC 3339); default until − 7 days
//	until    upper bound (exclusive); absent with sortOrder ASCENDING makes a polling request
//	after    the opaque cursor of a next link; the SDK also resends since/until with it, so both are accepted
//	filter   SCIM-like expression over event fields; on a list (target) a comparison holds when any element
//	         matches, as `target.id eq "…" and target.id eq "…"` in Okta's examples; `published` is refused
//	q        up to 10 space-separated keywords of at most 40 characters, each found in some string of the event
//	limit    100 by default, at most 1000
//	sortOrder ASCENDING (default) or DESCENDING by published
//
// A bounded request has a next link while more events follow the page; a polling request always has one, even
// on an empty page, and its cursor moves with persistence order (the order events were written).

import (
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	// maxLogEvents is how many events the sandbox keeps (real Okta keeps 90 days); the oldest go first.
	maxLogEvents = 1000
	// logSeqKey holds an event's persistence sequence in the stored event; it is never served.
	logSeqKey = "_seq"
	// defaultLogWindow is how far back since reaches when absent.
	defaultLogWindow = 7 * 24 * time.Hour
)

// logActor is the actor object of an event done by user u.
func logActor(u *user) map[string]any {
	return map[string]any{"id": u.ID, "type": "User", "alternateId": fmt.Sprint(u.Profile["login"]),
		"displayName": strings.TrimSpace(fmt.Sprint(u.Profile["firstName"]) + " " + fmt.Sprint(u.Profile["lastName"])), "detailEntry": nil}
}

// appLogTarget is an app as a System Log target.
func appLogTarget(rec *appRec) map[string]any {
	return map[string]any{"id": rec.Body["id"], "type": "AppInstance", "alternateId": rec.Body["label"],
		"displayName": rec.Body["name"], "detailEntry": map[string]any{"signOnModeType": rec.Body["signOnMode"]}}
}

// newLogEvent builds an event in the LogEvent shape the v2 SDK decodes (version, zone and postalCode strings).
func (s *Server) newLogEvent(eventType, display, result, reason string, actor map[string]any, targets []any, ip netip.Addr, userAgent, requestURI string) map[string]any {
	outcome := map[string]any{"result": result, "reason": nil}
	if reason != "" {
		outcome["reason"] = reason
	}
	txn := randomString(27)
	var ipAddress, ipChain any = nil, []any{}
	if ip.IsValid() {
		ipAddress = ip.String()
		ipChain = []any{map[string]any{"ip": ip.String(), "version": ipVersion(ip)}}
	}
	if targets == nil {
		targets = []any{}
	}
	return map[string]any{
		"uuid": newUUID(), "published": fmtTime(s.now()), "eventType": eventType, "version": "0", "severity": "INFO",
		"displayMessage": display, "legacyEventType": nil, "actor": actor, "outcome": outcome, "target": targets,
		"client": map[string]any{"ipAddress": ipAddress, "userAgent": map[string]any{"rawUserAgent": userAgent,
			"os": "Unknown", "browser": "UNKNOWN"}, "zone": "null", "device": "Unknown"},
		"authenticationContext": map[string]any{"authenticationStep": 0, "externalSessionId": "trs" + txn[:20]},
		"securityContext":       map[string]any{},
		"debugContext":          map[string]any{"debugData": map[string]any{"requestUri": requestURI}},
		"transaction":           map[string]any{"type": "WEB", "id": txn, "detail": map[string]any{}},
		"request":               map[string]any{"ipChain": ipChain},
	}
}

// logSignIn records policy.evaluate_sign_on and user.authentication.sso for one sign-in. s.mu must be held.
func (s *Server) logSignIn(rec *appRec, u *user, c signInContext, d policyDecision, success bool) {
	actor, appTarget := logActor(u), appLogTarget(rec)
	uri := "/app/" + fmt.Sprint(rec.Body["name"]) + "/" + rec.ExternalKey + "/sso/saml"
	targets := []any{appTarget}
	if d.policyID != "" {
		targets = append(targets, map[string]any{"id": d.policyID, "type": "Policy", "alternateId": "unknown", "displayName": d.policyName,
			"detailEntry": map[string]any{"policyType": accessPolicyType}})
	}
	if d.ruleID != "" {
		targets = append(targets, map[string]any{"id": d.ruleID, "type": "Rule", "alternateId": "unknown", "displayName": d.ruleName,
			"detailEntry": map[string]any{"policyRuleFactorMode": map[bool]string{true: "2FA", false: "1FA"}[d.mfa]}})
	}
	s.appendLog(s.newLogEvent("policy.evaluate_sign_on", "Evaluation of sign-on policy", d.result, d.ruleName, actor, targets, c.ip, c.userAgent, uri))
	result, reason := "SUCCESS", ""
	if !success {
		result, reason = "FAILURE", map[string]string{"DENY": "Sign-on policy denied access", "CHALLENGE": "Verification of a second factor required"}[d.result]
	}
	s.appendLog(s.newLogEvent("user.authentication.sso", "User single sign on to app", result, reason, actor, []any{appTarget}, c.ip, c.userAgent, uri))
}

// logAdminEvent records an action done through the Management API. Real Okta names the API token's owner (or the
// OAuth service app) as actor; the sandbox names its service app. s.mu must be held.
func (s *Server) logAdminEvent(r *http.Request, eventType, display string, targets ...any) {
	actor := map[string]any{"id": s.st.Creds.ClientID, "type": "PublicClientApp", "alternateId": s.st.Creds.ClientID,
		"displayName": "Sandbox API client", "detailEntry": nil}
	s.appendLog(s.newLogEvent(eventType, display, "SUCCESS", "", actor, targets, clientAddr(r), r.UserAgent(), r.URL.RequestURI()))
}

// userLogTarget is a user as a System Log target (the same object as the user as actor).
func userLogTarget(u *user) map[string]any { return logActor(u) }

func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
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

// logSeq is an event's persistence sequence (1, 2, …); events stored before sequences existed get theirs here.
func (s *Server) logSeq(i int) int64 {
	if n, ok := toFloat(s.st.Logs[i][logSeqKey]); ok {
		return int64(n)
	}
	var prev int64
	if i > 0 {
		prev = s.logSeq(i - 1)
	}
	s.st.Logs[i][logSeqKey] = float64(prev + 1)
	return prev + 1
}

// appendLog stores an event, dropping the oldest beyond maxLogEvents. s.mu must be held.
func (s *Server) appendLog(e map[string]any) {
	var seq int64 = 1
	if n := len(s.st.Logs); n > 0 {
		seq = s.logSeq(n-1) + 1
	}
	e[logSeqKey] = float64(seq)
	s.st.Logs = append(s.st.Logs, e)
	if len(s.st.Logs) > maxLogEvents {
		s.st.Logs = s.st.Logs[len(s.st.Logs)-maxLogEvents:]
	}
}

// logKey orders events: published first (bounded requests), then persistence sequence (polling, ties).
type logKey struct {
	published int64 // Unix milliseconds
	seq       int64
}

func (a logKey) less(b logKey) bool {
	return a.published < b.published || a.published == b.published && a.seq < b.seq
}

// cursor is the opaque after value, shaped like Okta's "<published ms>_<n>".
func (a logKey) cursor() string {
	return strconv.FormatInt(a.published, 10) + "_" + strconv.FormatInt(a.seq, 10)
}

// parseLogCursor reads an after value: the position, and the lower bound of a DESCENDING read when the cursor
// carries one (see descendingCursor); sinceMS is -1 when it does not.
func parseLogCursor(s string) (k logKey, sinceMS int64, ok bool) {
	parts := strings.Split(s, "_")
	if len(parts) != 2 && len(parts) != 3 {
		return logKey{}, -1, false
	}
	a, err1 := strconv.ParseInt(parts[0], 10, 64)
	b, err2 := strconv.ParseInt(parts[1], 10, 64)
	sinceMS = -1
	var err3 error
	if len(parts) == 3 {
		sinceMS, err3 = strconv.ParseInt(parts[2], 10, 64)
	}
	return logKey{a, b}, sinceMS, err1 == nil && err2 == nil && err3 == nil && b >= 0
}

// descendingCursor is the after value of a DESCENDING page: the position and the request's since. Okta says
// since and after are mutually exclusive, so the next link has no since and the opaque cursor has to carry the
// lower bound (how Okta's cursor does it is not documented; this shape is the emulator's).
func descendingCursor(k logKey, since time.Time) string {
	return k.cursor() + "_" + strconv.FormatInt(since.UnixMilli(), 10)
}

// logQuery is a parsed GET /api/v1/logs request.
type logQuery struct {
	since, until time.Time
	polling      bool
	descending   bool
	filter       expr
	keywords     []string
	limit        int
	after        *logKey
}

// parseLogQuery reads the request's parameters or writes Okta's 400 and returns false.
func (s *Server) parseLogQuery(w http.ResponseWriter, r *http.Request) (logQuery, bool) {
	q := r.URL.Query()
	// until is exclusive; its default, now, takes in the events of this millisecond.
	lq := logQuery{limit: pageLimit(r, 100, 1000), until: s.now().Add(time.Millisecond)}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &lq.since}, {"until", &lq.until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: '"+p.name+"': The date format in your query is not recognized. Please enter dates using ISO8601 string format.",
					"'"+p.name+"': The date format in your query is not recognized. Please enter dates using ISO8601 string format.")
				return lq, false
			}
			*p.dst = t
		}
	}
	if q.Get("since") == "" && q.Get("after") == "" {
		lq.since = lq.until.Add(-defaultLogWindow)
	}
	switch order := q.Get("sortOrder"); order {
	case "", "ASCENDING":
	case "DESCENDING":
		lq.descending = true
	default:
		writeValidation(w, "sortOrder", "sortOrder: must be ASCENDING or DESCENDING")
		return lq, false
	}
	lq.polling = q.Get("until") == "" && !lq.descending
	if v := q.Get("filter"); v != "" {
		e, err := parseFilter(v)
		if err == nil && mentionsPath(e, "published") {
			err = fmt.Errorf("published cannot be filtered; use since and until")
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", "filter: "+err.Error())
			return lq, false
		}
		lq.filter = e
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		lq.keywords = strings.Fields(strings.ToLower(v))
		// The limits are the spec's; the error Okta answers beyond them is inferred.
		if len(lq.keywords) > 10 {
			writeValidation(w, "q", "q: at most 10 keywords are allowed")
			return lq, false
		}
		for _, k := range lq.keywords {
			if len([]rune(k)) > 40 {
				writeValidation(w, "q", "q: a keyword is at most 40 characters long")
				return lq, false
			}
		}
	}
	if v := q.Get("after"); v != "" {
		k, sinceMS, ok := parseLogCursor(v)
		if !ok {
			writeValidation(w, "after", "after: not a cursor of a next link")
			return lq, false
		}
		lq.after = &k
		// A next link has no since (Okta: since and after are mutually exclusive), but the okta-sdk-golang v2
		// client resends the first request's query, so a since given with after is still taken. Without one, an
		// ascending read is bounded below by the cursor itself and a descending one by the since it carries.
		if q.Get("since") == "" {
			switch {
			case sinceMS >= 0:
				lq.since = time.UnixMilli(sinceMS).UTC()
			case lq.descending:
				lq.since = lq.until.Add(-defaultLogWindow)
			}
		}
	}
	return lq, true
}

// listLogs serves GET /api/v1/logs.
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	lq, ok := s.parseLogQuery(w, r)
	if !ok {
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		type hit struct {
			key   logKey
			event map[string]any
		}
		var hits []hit
		var lastSeq int64
		for i, e := range s.st.Logs {
			seq := s.logSeq(i)
			lastSeq = seq
			published, _ := time.Parse(timeFormat, fmt.Sprint(e["published"]))
			k := logKey{published.UnixMilli(), seq}
			if published.Before(lq.since) || !published.Before(lq.until) || !s.logMatches(lq, e) {
				continue
			}
			if lq.after != nil {
				switch {
				case lq.polling && seq <= lq.after.seq,
					!lq.polling && !lq.descending && !lq.after.less(k),
					lq.descending && !k.less(*lq.after):
					continue
				}
			}
			hits = append(hits, hit{k, e})
		}
		if !lq.polling {
			sort.SliceStable(hits, func(i, j int) bool { return hits[i].key.less(hits[j].key) })
		}
		if lq.descending {
			for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
				hits[i], hits[j] = hits[j], hits[i]
			}
		}
		more := len(hits) > lq.limit
		if more {
			hits = hits[:lq.limit]
		}
		out := make([]any, 0, len(hits))
		for _, h := range hits {
			e := deepCopy(h.event).(map[string]any)
			delete(e, logSeqKey)
			out = append(out, e)
		}
		w.Header().Add("Link", "<"+s.cfg.BaseURL+r.URL.RequestURI()+`>; rel="self"`)
		var next *logKey
		switch {
		case len(hits) > 0 && (more || lq.polling):
			next = &hits[len(hits)-1].key
		case lq.polling && lq.after != nil:
			next = lq.after
		case lq.polling:
			// Nothing new yet: the next poll starts after everything written so far.
			next = &logKey{lq.since.UnixMilli(), lastSeq}
		}
		if next != nil {
			q := r.URL.Query()
			q.Del("since") // Okta: since and after are mutually exclusive
			if lq.descending {
				q.Set("after", descendingCursor(*next, lq.since))
			} else {
				q.Set("after", next.cursor())
			}
			q.Set("limit", strconv.Itoa(lq.limit))
			w.Header().Add("Link", "<"+s.cfg.BaseURL+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

// logMatches applies the filter and the q keywords to one event.
func (s *Server) logMatches(lq logQuery, e map[string]any) bool {
	if lq.filter != nil && !matchEvent(lq.filter, e) {
		return false
	}
	if len(lq.keywords) == 0 {
		return true
	}
	var text []string
	collectStrings(e, &text)
	joined := strings.ToLower(strings.Join(text, "\n"))
	for _, k := range lq.keywords {
		if !strings.Contains(joined, k) {
			return false
		}
	}
	return true
}

func collectStrings(v any, out *[]string) {
	switch t := v.(type) {
	case string:
		*out = append(*out, t)
	case map[string]any:
		for k, x := range t {
			if k != logSeqKey {
				collectStrings(x, out)
			}
		}
	default:
		for _, x := range toAnySlice(v) {
			collectStrings(x, out)
		}
	}
}

// matchEvent evaluates a filter over an event: a comparison whose path crosses a list holds when it holds for
// any element.
func matchEvent(e expr, o map[string]any) bool {
	switch x := e.(type) {
	case andExpr:
		return matchEvent(x.l, o) && matchEvent(x.r, o)
	case orExpr:
		return matchEvent(x.l, o) || matchEvent(x.r, o)
	case notExpr:
		return !matchEvent(x.e, o)
	case cmpExpr:
		values := fanOut(o, strings.Split(x.path, "."))
		probe := cmpExpr{path: "v", op: x.op, value: x.value}
		if len(values) == 0 {
			return probe.match(map[string]any{})
		}
		for _, v := range values {
			if probe.match(map[string]any{"v": v}) {
				return true
			}
		}
		return false
	}
	return e.match(o)
}

// fanOut returns the values at path below v, one per list element crossed.
func fanOut(v any, path []string) []any {
	if len(path) == 0 {
		return []any{v}
	}
	if m, ok := v.(map[string]any); ok {
		child, present := m[path[0]]
		if !present {
			return nil
		}
		return fanOut(child, path[1:])
	}
	var out []any
	for _, x := range toAnySlice(v) {
		out = append(out, fanOut(x, path)...)
	}
	return out
}

// mentionsPath reports whether a filter compares the attribute name.
func mentionsPath(e expr, name string) bool {
	switch x := e.(type) {
	case andExpr:
		return mentionsPath(x.l, name) || mentionsPath(x.r, name)
	case orExpr:
		return mentionsPath(x.l, name) || mentionsPath(x.r, name)
	case notExpr:
		return mentionsPath(x.e, name)
	case cmpExpr:
		return strings.EqualFold(x.path, name)
	}
	return false
}
