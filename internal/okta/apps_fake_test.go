package okta

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedRequest is what the fake saw: enough to assert on paths, queries, headers and bodies.
type recordedRequest struct {
	Method, Path, Query, Accept string
	Body                        map[string]any
}

// fakeApps serves the app, key and metadata endpoints with the wire formats of okta-api.md §2, §2.4, §2.5.
type fakeApps struct {
	t        testing.TB
	mu       sync.Mutex
	apps     map[string]map[string]any
	keys     map[string][]map[string]any // app id -> JWKs
	metadata map[string]string           // kid -> XML
	pageSize int
	seq      int
	requests []recordedRequest
}

func newFakeApps(t testing.TB) *fakeApps {
	return &fakeApps{t: t, apps: map[string]map[string]any{}, keys: map[string][]map[string]any{}, metadata: map[string]string{}, pageSize: 200}
}

func (f *fakeApps) calls() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

func (f *fakeApps) callSummary() string {
	var parts []string
	for _, r := range f.calls() {
		parts = append(parts, r.Method+" "+r.Path)
	}
	return strings.Join(parts, ", ")
}

func writeJSONResponse(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeOktaError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	cs := []any{}
	for _, c := range causes {
		cs = append(cs, map[string]any{"errorSummary": c})
	}
	writeJSONResponse(w, status, map[string]any{"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oaeFake", "errorCauses": cs})
}

func (f *fakeApps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := recordedRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Accept: r.Header.Get("Accept")}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &rec.Body); err != nil {
			f.t.Errorf("request body is not a JSON object: %v", err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, rec)
	if r.Header.Get("Authorization") != "SSWS "+testToken {
		writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	// Handlers may keep or change the body; the recorded one must stay as the client sent it.
	var body map[string]any
	if rec.Body != nil {
		body = deepCopyJSON(rec.Body).(map[string]any)
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/apps"), "/")
	switch {
	case r.URL.Path == "/api/v1/apps" && r.Method == http.MethodGet:
		f.list(w, r)
	case r.URL.Path == "/api/v1/apps" && r.Method == http.MethodPost:
		f.create(w, r, body)
	case len(parts) < 2 || parts[1] == "":
		writeOktaError(w, http.StatusNotFound, "E0000022", "The endpoint does not support the provided HTTP method")
	default:
		app, ok := f.apps[parts[1]]
		if !ok {
			writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+parts[1]+" (AppInstance)")
			return
		}
		f.app(w, r, app, parts[2:], body)
	}
}

func (f *fakeApps) app(w http.ResponseWriter, r *http.Request, app map[string]any, rest []string, body map[string]any) {
	id := app["id"].(string)
	sub := strings.Join(rest, "/")
	switch {
	case sub == "" && r.Method == http.MethodGet:
		writeJSONResponse(w, http.StatusOK, withLinks(app))
	case sub == "" && r.Method == http.MethodPut:
		// PUT is a full replace in which the read-only fields are ignored.
		next := body
		for _, k := range []string{"id", "name", "status", "created"} {
			next[k] = app[k]
		}
		next["lastUpdated"] = "2025-03-14T00:18:02.000Z"
		f.apps[id] = next
		writeJSONResponse(w, http.StatusOK, withLinks(next))
	case sub == "" && r.Method == http.MethodDelete:
		if app["status"] != "INACTIVE" {
			writeOktaError(w, http.StatusForbidden, "E0000056", "Delete application forbidden.")
			return
		}
		delete(f.apps, id)
		w.WriteHeader(http.StatusNoContent)
	case sub == "lifecycle/activate" && r.Method == http.MethodPost:
		app["status"] = "ACTIVE"
		writeJSONResponse(w, http.StatusOK, map[string]any{})
	case sub == "lifecycle/deactivate" && r.Method == http.MethodPost:
		app["status"] = "INACTIVE"
		writeJSONResponse(w, http.StatusOK, map[string]any{})
	case sub == "credentials/keys" && r.Method == http.MethodGet:
		writeJSONResponse(w, http.StatusOK, f.keys[id])
	case sub == "credentials/keys/generate" && r.Method == http.MethodPost:
		years, _ := strconv.Atoi(r.URL.Query().Get("validityYears"))
		if years < 2 || years > 10 {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: generateKey", "Validity years out of range. It should be 2 - 10 years.")
			return
		}
		jwk, _ := newJWK(f.t, fmt.Sprintf("kid-generated-%d", len(f.keys[id])), years)
		f.keys[id] = append(f.keys[id], jwk)
		writeJSONResponse(w, http.StatusCreated, jwk)
	case sub == "sso/saml/metadata" && r.Method == http.MethodGet:
		if !strings.Contains(r.Header.Get("Accept"), "application/xml") {
			writeOktaError(w, http.StatusBadRequest, "E0000019", "Bad request. Accept and/or Content-Type headers likely do not match supported values.")
			return
		}
		kid := r.URL.Query().Get("kid")
		if kid == "" {
			kid = str(child(child(app, "credentials"), "signing"), "kid")
		}
		xml, ok := f.metadata[kid]
		if !ok {
			writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+kid+" (Key)")
			return
		}
		w.Header().Set("Content-Type", "application/xml;charset=ISO-8859-1")
		_, _ = io.WriteString(w, xml)
	default:
		writeOktaError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
	}
}

func (f *fakeApps) create(w http.ResponseWriter, r *http.Request, body map[string]any) {
	f.seq++
	id := fmt.Sprintf("0oafake%013d", f.seq)
	app := body
	app["id"] = id
	if app["name"] == nil {
		app["name"] = fmt.Sprintf("oie-00_%s_%d", strings.ToLower(strings.ReplaceAll(app["label"].(string), " ", "")), f.seq)
	}
	app["status"] = "ACTIVE"
	if r.URL.Query().Get("activate") == "false" {
		app["status"] = "INACTIVE"
	}
	app["created"], app["lastUpdated"] = "2025-03-13T23:50:03.000Z", "2025-03-13T23:50:04.000Z"
	ensure(app, "credentials", "signing")["kid"] = "kid-" + id
	if ensure(app, "settings", "signOn")["idpIssuer"] == nil {
		ensure(app, "settings", "signOn")["idpIssuer"] = "http://www.okta.com/${org.externalKey}"
	}
	f.apps[id] = app
	writeJSONResponse(w, http.StatusOK, withLinks(app))
}

// list serves GET /api/v1/apps: q is startsWith on name or label, cursor paging with one Link header per rel.
func (f *fakeApps) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := strings.ToLower(q.Get("q"))
	ids := make([]string, 0, len(f.apps))
	for id, app := range f.apps {
		if prefix == "" || strings.HasPrefix(strings.ToLower(str(app, "label")), prefix) || strings.HasPrefix(strings.ToLower(str(app, "name")), prefix) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	start := 0
	if after := q.Get("after"); after != "" {
		start, _ = strconv.Atoi(after)
	}
	end := min(start+f.pageSize, len(ids))
	w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="self"`)
	if end < len(ids) {
		q.Set("after", strconv.Itoa(end))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	out := []any{}
	for _, id := range ids[start:end] {
		out = append(out, withLinks(f.apps[id]))
	}
	writeJSONResponse(w, http.StatusOK, out)
}

func withLinks(app map[string]any) map[string]any {
	out := deepCopyJSON(app).(map[string]any)
	id := app["id"].(string)
	out["_links"] = map[string]any{
		"accessPolicy": map[string]any{"href": "https://oie-00.dne-okta.com/api/v1/policies/rst5qwjvlvS3G1WOU1d7"},
		"metadata":     map[string]any{"href": "https://oie-00.dne-okta.com/api/v1/apps/" + id + "/sso/saml/metadata", "type": "application/xml"},
	}
	return out
}

var (
	appKeyOnce sync.Once
	appCertKey *ecdsa.PrivateKey
)

// newJWK returns an app key JWK as Okta serves it, with a fresh self-signed certificate.
func newJWK(t testing.TB, kid string, years int) (map[string]any, *x509.Certificate) {
	t.Helper()
	appKeyOnce.Do(func() {
		var err error
		if appCertKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	now := time.Date(2025, 3, 13, 23, 50, 3, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: kid, Organization: []string{"Okta"}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.AddDate(years, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &appCertKey.PublicKey, appCertKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	sum := sha256.Sum256(der)
	return map[string]any{
		"kty": "EC", "created": now.Format("2006-01-02T15:04:05.000Z"), "lastUpdated": now.Format("2006-01-02T15:04:05.000Z"),
		"expiresAt": now.AddDate(years, 0, 0).Format("2006-01-02T15:04:05.000Z"), "kid": kid, "use": "sig",
		"x5c": []any{base64.StdEncoding.EncodeToString(der)}, "x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:]),
	}, cert
}
