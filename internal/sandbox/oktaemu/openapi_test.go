package oktaemu

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

type specRoute struct {
	template string
	re       *regexp.Regexp
	params   []string
	literals int
}

type spec struct {
	doc    *openapi3.T
	routes []specRoute
}

var (
	specOnce sync.Once
	specDoc  *spec
	specErr  error
)

// loadSpec parses the trimmed Management API description (testdata/, derived from Okta's management.yaml) once per
// test binary; it is part of the repository, so absence fails. Routes are matched by path template here rather
// than by the spec's servers, which name real Okta hosts.
func loadSpec(t *testing.T) *spec {
	t.Helper()
	specOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(trimmedSpecFile)
		if err != nil {
			specErr = fmt.Errorf("%w (go generate ./internal/sandbox/oktaemu writes it)", err)
			return
		}
		sp := &spec{doc: doc}
		for _, tmpl := range doc.Paths.InMatchingOrder() {
			var params, parts []string
			for _, seg := range strings.Split(tmpl, "/") {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					params = append(params, strings.Trim(seg, "{}"))
					parts = append(parts, "([^/]+)")
					continue
				}
				parts = append(parts, regexp.QuoteMeta(seg))
			}
			sp.routes = append(sp.routes, specRoute{template: tmpl, re: regexp.MustCompile("^" + strings.Join(parts, "/") + "$"),
				params: params, literals: strings.Count(tmpl, "/") - len(params)})
		}
		sort.SliceStable(sp.routes, func(i, j int) bool { return sp.routes[i].literals > sp.routes[j].literals })
		specDoc = sp
	})
	if specErr != nil {
		t.Fatalf("load the trimmed OpenAPI description: %v", specErr)
	}
	return specDoc
}

// pruneNulls removes null members before validation. Exclusion, on purpose: real Okta sends null for
// many optional fields the description does not mark nullable (accessibility.errorRedirectUrl,
// settings.notes.admin, user lastLogin, … — see the recorded cassettes), and the emulator answers as Okta does.
// Required members that are null still fail, because pruning makes them missing.
func pruneNulls(body []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	var prune func(v any)
	prune = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if e == nil {
					delete(t, k)
					continue
				}
				prune(e)
			}
		case []any:
			for _, e := range t {
				prune(e)
			}
		}
	}
	prune(v)
	return json.Marshal(v)
}

// validationExclusions are (method path-template status) triples deliberately not validated, each with its reason.
var validationExclusions = map[string]string{
	"POST /oauth2/v1/token": "the org authorization server is not part of the Management API description",
}

func (sp *spec) find(path string) (*specRoute, map[string]string) {
	for i := range sp.routes {
		r := &sp.routes[i]
		m := r.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		params := map[string]string{}
		for j, name := range r.params {
			params[name] = m[j+1]
		}
		return r, params
	}
	return nil, nil
}

// validateExchanges checks every JSON body served against the Okta Management OpenAPI description.
func validateExchanges(t *testing.T, exchanges []exchange) {
	t.Helper()
	if t.Skipped() {
		return
	}
	sp := loadSpec(t)
	var failures []string
	for _, ex := range exchanges {
		if failure := sp.validate(ex); failure != "" {
			failures = append(failures, failure)
		}
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d responses do not match the Management API description:\n%s", len(failures), len(exchanges), strings.Join(failures, "\n"))
	}
}

func (sp *spec) validate(ex exchange) string {
	if len(bytes.TrimSpace(ex.body)) == 0 {
		return ""
	}
	if _, excluded := validationExclusions[ex.method+" "+ex.path]; excluded {
		return ""
	}
	if browserSSOPath.MatchString(ex.path) {
		return "" // the IdP's browser sign-in answers HTML pages, not API bodies
	}
	where := fmt.Sprintf("%s %s?%s -> %d", ex.method, ex.path, ex.rawQuery, ex.status)
	route, params := sp.find(ex.path)
	if ct := ex.header.Get("Content-Type"); ex.status < 400 && !strings.HasPrefix(ct, "application/json") {
		return sp.validateXML(where, route, ex)
	}
	if route == nil && ex.status >= 400 {
		return sp.validateError(where, ex.body)
	}
	if route == nil {
		return where + ": path not in the spec"
	}
	item := sp.doc.Paths.Find(route.template)
	op := item.GetOperation(ex.method)
	if op == nil {
		if ex.status >= 400 {
			return sp.validateError(where, ex.body)
		}
		return where + ": method not in the spec"
	}
	if ex.status >= 400 && op.Responses.Status(ex.status) == nil && op.Responses.Default() == nil {
		// Okta documents only some error statuses per operation; an undocumented one must still be an Okta Error.
		return sp.validateError(where, ex.body)
	}
	body, err := pruneNulls(ex.body)
	if err != nil {
		return where + ": body is not JSON: " + err.Error()
	}
	if ex.status == http.StatusOK && strings.HasPrefix(route.template, "/api/v1/policies") {
		body = withoutMember(body, "_embedded", "resourceType")
	}
	if ex.status == http.StatusOK && strings.HasPrefix(route.template, "/api/v1/zones") {
		// Okta stores and echoes any proxyType ("", "TorAnonymizer" are recorded); the description's enum lists four.
		body = withoutMember(body, "", "proxyType")
	}
	if ex.status == http.StatusOK && strings.HasPrefix(route.template, "/api/v1/apps") &&
		(bytes.Contains(body, []byte(`"name":"salesforce"`)) || bytes.Contains(body, []byte(`"name":"pagerduty"`))) {
		return sp.validateOINApps(where, body)
	}
	req, _ := http.NewRequest(ex.method, "http://emulator"+ex.path+"?"+ex.rawQuery, nil)
	req.URL, _ = url.Parse("http://emulator" + ex.path + "?" + ex.rawQuery)
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      &routers.Route{Spec: sp.doc, Path: route.template, PathItem: item, Method: ex.method, Operation: op},
		},
		Status: ex.status,
		Header: ex.header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: ex.status != http.StatusTooManyRequests && ex.status < 500,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		msg := err.Error()
		if len(msg) > 1500 {
			msg = msg[:1500] + "…"
		}
		return where + ": " + msg
	}
	return ""
}

// browserSSOPath is the IdP's sign-in endpoint (outsideManagementAPI), whose pages are HTML.
var browserSSOPath = regexp.MustCompile(`^/app/[^/]+/exk[0-9A-Za-z]+/sso/saml$`)

// publicMetadataPath is the unauthenticated IdP metadata URL, which is not part of the Management API description.
var publicMetadataPath = regexp.MustCompile(`^/app/exk[0-9A-Za-z]+/sso/saml/metadata$`)

// validateXML checks a non-JSON success: the operation must document an XML body and the body must be well-formed
// XML. The media type itself is not compared: the description says text/xml, while real Okta answers
// application/xml;charset=ISO-8859-1 (recorded), which the emulator serves.
func (sp *spec) validateXML(where string, route *specRoute, ex exchange) string {
	if route == nil {
		if publicMetadataPath.MatchString(ex.path) {
			return checkWellFormedXML(where, ex.body)
		}
		return where + ": non-JSON body on a path not in the spec"
	}
	op := sp.doc.Paths.Find(route.template).GetOperation(ex.method)
	if op == nil {
		return where + ": method not in the spec"
	}
	resp := op.Responses.Status(ex.status)
	if resp == nil || resp.Value == nil {
		return where + ": status not documented"
	}
	documented := false
	for mt := range resp.Value.Content {
		documented = documented || strings.HasSuffix(mt, "/xml")
	}
	if !documented {
		return where + ": the spec documents no XML body here, served " + ex.header.Get("Content-Type")
	}
	return checkWellFormedXML(where, ex.body)
}

func checkWellFormedXML(where string, body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		if _, err := dec.Token(); err == io.EOF {
			return ""
		} else if err != nil {
			return where + ": body is not well-formed XML: " + err.Error()
		}
	}
}

// withoutMember drops [parent.]member from a body or list items. Used for _embedded.resourceType of policies: the
// description cannot be met there
// (Policy says every _embedded member is an object, AccessPolicy that resourceType is a string), and real Okta
// sends the string (recorded).
func withoutMember(body []byte, parent, member string) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	for _, item := range items {
		m := obj(item)
		if parent != "" {
			m = obj(m[parent])
		}
		delete(m, member)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// deviceAssuranceInUse is the documented 409 body of a device assurance delete, the one Okta error without errorCode.
var deviceAssuranceInUseSummary = "Device assurance is in use and cannot be deleted."

func (sp *spec) validateError(where string, body []byte) string {
	ref := sp.doc.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		return where + ": the spec has no Error schema"
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return where + ": error body is not JSON: " + err.Error()
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		return where + ": error body: " + err.Error()
	}
	if m, ok := v.(map[string]any); ok && m["errorCode"] == nil && m["errorSummary"] == deviceAssuranceInUseSummary && m["errorId"] != nil {
		return ""
	}
	if m, ok := v.(map[string]any); !ok || m["errorCode"] == nil || m["errorId"] == nil {
		return where + ": error body lacks errorCode or errorId"
	}
	return ""
}

// validateOINApps checks app bodies that hold the catalogue salesforce app against SalesforceApplication.
// The Application schema's signOnMode discriminator would pick SamlApplication, whose signOn requires keys
// that OIN apps never carry (the recorded OIN SAML create shows only the OIN override keys). The catalogue
// pagerduty app has no schema of its own: it is checked as a SamlApplication without its settings.signOn, whose
// recorded OIN keys the replay compares (TestReplayTally, TestAccResourceOktaAppSaml_crud).
func (sp *spec) validateOINApps(where string, body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return where + ": " + err.Error()
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	for i, item := range items {
		m, _ := item.(map[string]any)
		schema := "Application"
		switch m["name"] {
		case "salesforce":
			schema = "SalesforceApplication"
		case "pagerduty":
			schema = "SamlApplication"
			if settings, ok := m["settings"].(map[string]any); ok {
				delete(settings, "signOn")
			}
		}
		if err := sp.doc.Components.Schemas[schema].Value.VisitJSON(item); err != nil {
			return fmt.Sprintf("%s: item %d as %s: %v", where, i, schema, err)
		}
	}
	return ""
}

func TestSpecRouteMatching(t *testing.T) {
	t.Parallel()
	sp := loadSpec(t)
	tests := []struct {
		path, want string
	}{
		{"/api/v1/users", "/api/v1/users"},
		{"/api/v1/users/00u1", "/api/v1/users/{id}"},
		{"/api/v1/users/00u1/groups", "/api/v1/users/{id}/groups"},
		{"/api/v1/groups/00g1/users/00u1", "/api/v1/groups/{groupId}/users/{userId}"},
		{"/api/v1/apps/0oa1/lifecycle/activate", "/api/v1/apps/{appId}/lifecycle/activate"},
		{"/api/v1/apps/0oa1/credentials/keys/generate", "/api/v1/apps/{appId}/credentials/keys/generate"},
		{"/api/v1/apps/0oa1/credentials/keys/kid1", "/api/v1/apps/{appId}/credentials/keys/{keyId}"},
		{"/api/v1/apps/0oa1/credentials/keys/kid1/clone", "/api/v1/apps/{appId}/credentials/keys/{keyId}/clone"},
		{"/api/v1/apps/0oa1/sso/saml/metadata", "/api/v1/apps/{appId}/sso/saml/metadata"},
	}
	for _, tt := range tests {
		r, _ := sp.find(tt.path)
		if r == nil || r.template != tt.want {
			t.Errorf("find(%q) = %v, want %q", tt.path, r, tt.want)
		}
	}
}

// TestSpecValidatorCatchesDrift proves the fidelity check can fail: wrong types, enums and error bodies are caught.
func TestSpecValidatorCatchesDrift(t *testing.T) {
	t.Parallel()
	sp := loadSpec(t)
	hdr := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name string
		ex   exchange
		ok   bool
	}{
		{"valid group", exchange{method: "GET", path: "/api/v1/groups/00g1", status: 200, header: hdr,
			body: []byte(`{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"x"},"objectClass":["okta:user_group"]}`)}, true},
		{"group type outside the enum", exchange{method: "GET", path: "/api/v1/groups/00g1", status: 200, header: hdr,
			body: []byte(`{"id":"00g1","type":"TEAM","profile":{"name":"x"}}`)}, false},
		{"user status of the wrong type", exchange{method: "GET", path: "/api/v1/users/00u1", status: 200, header: hdr,
			body: []byte(`{"id":"00u1","status":5,"profile":{"login":"a@b.c"}}`)}, false},
		{"error body without errorCode", exchange{method: "GET", path: "/api/v1/users", status: 400, header: hdr,
			body: []byte(`{"message":"nope"}`)}, false},
		{"JWK with a numeric modulus", exchange{method: "GET", path: "/api/v1/apps/0oa1/credentials/keys/k1", status: 200, header: hdr,
			body: []byte(`{"kty":"RSA","kid":"k1","n":12345}`)}, false},
		{"metadata that is not XML", exchange{method: "GET", path: "/api/v1/apps/0oa1/sso/saml/metadata", status: 200,
			header: http.Header{"Content-Type": {"application/xml;charset=ISO-8859-1"}}, body: []byte(`<md:EntityDescriptor>`)}, false},
		{"XML where the spec documents JSON", exchange{method: "GET", path: "/api/v1/apps/0oa1/credentials/keys", status: 200,
			header: http.Header{"Content-Type": {"application/xml"}}, body: []byte(`<a/>`)}, false},
	}
	for _, tt := range tests {
		if got := sp.validate(tt.ex); (got == "") != tt.ok {
			t.Errorf("%s: validate = %q, want ok=%v", tt.name, got, tt.ok)
		}
	}
}
