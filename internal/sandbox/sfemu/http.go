package sfemu

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Supported REST API versions: Spring '14 (30.0) through Summer '26 (67.0).
const (
	minAPIVersion = 30
	maxAPIVersion = 67
	maxBodyBytes  = 32 << 20
)

var versionPattern = regexp.MustCompile(`^v(\d+)\.0$`)

type ctxKey struct{}

// call is what an authenticated API handler knows about its request.
type call struct {
	version string // "v63.0"
	userID  string
	tooling bool
}

func callFrom(ctx context.Context) *call { c, _ := ctx.Value(ctxKey{}).(*call); return c }

func validVersion(v string) bool {
	m := versionPattern.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return n >= minAPIVersion && n <= maxAPIVersion
}

// routes builds the org's handler. Every route goes through Control.Wrap; API routes also through
// the session check, the daily API counter and the org lock.
func (o *Org) routes() http.Handler {
	mux := http.NewServeMux()
	o.inner = http.NewServeMux()
	plain := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, o.cfg.Control.Wrap(o, pattern, h))
	}
	api := func(pattern string, h http.HandlerFunc) {
		o.inner.Handle(pattern, h)
		mux.Handle(pattern, o.cfg.Control.Wrap(o, pattern, o.authorized(h)))
	}
	plain("POST /services/oauth2/token", o.handleToken)
	plain("GET /services/data", o.handleVersions)
	plain("POST /services/Soap/m/{version}", o.handleSOAP)
	plain("POST /services/Soap/m/{version}/{org}", o.handleSOAP) // the metadataServerUrl form, ending in the org id
	plain("GET /id/{org}/{user}", o.handleIdentity)
	plain("GET /services/oauth2/userinfo", o.handleUserInfo)
	plain("POST /services/oauth2/userinfo", o.handleUserInfo)
	plain("POST /{$}", o.handleACS)
	plain("POST /login", o.handleACS)
	plain("GET /{$}", o.handleLoginPage)
	plain("GET /login", o.handleLoginPage)
	plain("GET /saml/authn-request.jsp", o.handleAuthnRequestStart)
	// Any other page (the landing page, a RelayState target) is answered below, after the routes, so that a GET of
	// an unknown API path keeps its 404 or 405.
	page := o.cfg.Control.Wrap(o, "GET /{page...}", http.HandlerFunc(o.handleLanding))
	o.scimRoutes(plain)
	api("GET /services/data/{version}", o.handleResources)
	api("GET /services/data/{version}/limits", o.handleLimits)
	api("GET /services/data/{version}/sobjects", o.handleDescribeGlobal)
	api("GET /services/data/{version}/sobjects/{type}/describe", o.handleDescribe)
	api("POST /services/data/{version}/sobjects/{type}", o.handleCreate)
	api("GET /services/data/{version}/sobjects/{type}/{id}", o.handleRetrieve)
	api("PATCH /services/data/{version}/sobjects/{type}/{id}", o.handleUpdate)
	api("GET /services/data/{version}/sobjects/{type}", o.handleSObjectInfo)
	api("PATCH /services/data/{version}/sobjects/{type}/{field}/{value}", o.handleUpsert)
	api("DELETE /services/data/{version}/sobjects/{type}/{id}", o.handleDelete)
	api("GET /services/data/{version}/query", o.handleQuery)
	api("GET /services/data/{version}/query/{locator}", o.handleQueryMore)
	// The emulator keeps no deleted or archived rows (no Recycle Bin), so queryAll answers what query does.
	api("GET /services/data/{version}/queryAll", o.handleQuery)
	api("GET /services/data/{version}/queryAll/{locator}", o.handleQueryMore)
	api("GET /services/data/{version}/tooling/sobjects", o.handleDescribeGlobal)
	api("GET /services/data/{version}/tooling", o.handleToolingResources)
	api("GET /services/data/{version}/composite", o.handleCompositeResources)
	api("GET /services/data/{version}/tooling/query", o.handleQuery)
	api("GET /services/data/{version}/tooling/query/{locator}", o.handleQueryMore)
	api("GET /services/data/{version}/tooling/sobjects/{type}/describe", o.handleDescribe)
	api("GET /services/data/{version}/tooling/sobjects/{type}/{id}", o.handleRetrieve)
	api("POST /services/data/{version}/tooling/sobjects/{type}", o.handleCreate)
	api("DELETE /services/data/{version}/tooling/sobjects/{type}/{id}", o.handleDelete)
	api("POST /services/data/{version}/composite/sobjects", o.handleCollectionCreate)
	api("PATCH /services/data/{version}/composite/sobjects", o.handleCollectionUpdate)
	api("DELETE /services/data/{version}/composite/sobjects", o.handleCollectionDelete)
	api("GET /services/data/{version}/composite/sobjects/{type}", o.handleCollectionRetrieve)
	api("PATCH /services/data/{version}/composite/sobjects/{type}/{field}", o.handleCollectionUpsert)
	api("POST /services/data/{version}/composite/sobjects/{type}", o.handleCollectionRetrieveMany)
	api("POST /services/data/{version}/composite", o.handleComposite)
	api("POST /services/data/{version}/composite/batch", o.handleCompositeBatch)
	// Requests no route takes are counted, delayed, fault-injected and journaled like served ones.
	unrouted := o.cfg.Control.WrapUnmatched(o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeUnrouted(w, r, mux) }))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = cleanDoubleSlashes(r)
		// Clients send both /query and /query/, /composite/sobjects and /composite/sobjects/.
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimRight(p, "/")
			r2.URL.RawPath = ""
			r = r2
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			if (r.Method == http.MethodGet || r.Method == http.MethodHead) && isPagePath(r.URL.Path) {
				page.ServeHTTP(w, r)
				return
			}
			unrouted.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// writeUnrouted answers a request no route takes: 405 METHOD_NOT_ALLOWED listing the methods the path
// does take, as Salesforce does, or 404 NOT_FOUND.
func writeUnrouted(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		writeError(w, errNotFound)
		return
	}
	if allowed[0] == http.MethodGet {
		allowed = append([]string{http.MethodHead}, allowed...)
	}
	w.Header().Set("Allow", strings.Join(allowed, ","))
	writeError(w, newError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", fmt.Sprintf("HTTP Method '%s' not allowed. Allowed are %s", r.Method, strings.Join(allowed, ","))))
}

// authorized checks the API version and session, counts the call against the daily allocation, and runs h
// under the org lock; after a mutation it tells the control plane.
func (o *Org) authorized(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version := r.PathValue("version")
		if !validVersion(version) {
			writeError(w, errNotFound)
			return
		}
		o.mu.Lock()
		userID, ok := o.authenticate(bearerToken(r))
		if !ok {
			o.mu.Unlock()
			writeError(w, errSessionInvalid)
			return
		}
		used, allowed := o.countAPICall()
		w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", used, o.cfg.DailyAPILimit))
		if !allowed {
			o.mu.Unlock()
			writeError(w, errLimitExceeded)
			return
		}
		c := &call{version: version, userID: userID, tooling: strings.Contains(r.URL.Path, "/tooling/")}
		o.serveLocked(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)), h)
	})
}

// serveLocked runs h with o.mu held (and released even if h panics), then reports a mutation.
func (o *Org) serveLocked(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	dirty := func() bool {
		defer o.mu.Unlock()
		h(w, r)
		d := o.dirty
		o.dirty = false
		return d
	}()
	if dirty {
		o.cfg.Control.Changed()
	}
}

// countAPICall adds one call to today's usage; false once the allocation is spent. o.mu must be held.
func (o *Org) countAPICall() (int, bool) {
	day := o.now().UTC().Format("2006-01-02")
	if o.data.APIDay != day {
		o.data.APIDay, o.data.APIUsed = day, 0
	}
	if o.data.APIUsed >= o.cfg.DailyAPILimit {
		return o.data.APIUsed, false
	}
	o.data.APIUsed++
	return o.data.APIUsed, true
}

// readBody returns the request body, gunzipped when Content-Encoding says so.
func readBody(r *http.Request) ([]byte, *apiError) {
	if r.Body == nil {
		return nil, nil
	}
	rd := io.LimitReader(r.Body, maxBodyBytes)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		gz, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fieldError("JSON_PARSER_ERROR", "Unable to decompress the request body: "+err.Error())
		}
		defer func() { _ = gz.Close() }()
		rd = io.LimitReader(gz, maxBodyBytes)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fieldError("JSON_PARSER_ERROR", "Unable to read the request body: "+err.Error())
	}
	return b, nil
}

func parseForm(body []byte) (url.Values, error) {
	return url.ParseQuery(string(bytes.TrimSpace(body)))
}

func (o *Org) handleVersions(w http.ResponseWriter, _ *http.Request) {
	out := make([]map[string]string, 0, maxAPIVersion-minAPIVersion+1)
	for v := minAPIVersion; v <= maxAPIVersion; v++ {
		out = append(out, map[string]string{"label": releaseLabel(v), "url": fmt.Sprintf("/services/data/v%d.0", v), "version": fmt.Sprintf("%d.0", v)})
	}
	writeJSON(w, http.StatusOK, out)
}

// releaseLabel names the release of an API version: three releases a year, 30.0 = Spring '14.
func releaseLabel(v int) string {
	seasons := []string{"Spring", "Summer", "Winter"}
	i := v - 30
	year := 14 + (i+1)/3
	return fmt.Sprintf("%s '%02d", seasons[i%3], year)
}

func (o *Org) handleResources(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, o.resources(callFrom(r.Context())))
}

func (o *Org) handleLimits(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, o.limits())
}
