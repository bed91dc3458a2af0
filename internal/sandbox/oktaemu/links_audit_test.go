package oktaemu

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

// lifecycleOps are the {op} values each lifecycle route serves; any other op answers 404.
var lifecycleOps = map[string][]string{
	"POST /api/v1/users/{id}/lifecycle/{op}": userLifecycleOps,
}

// knownUnserved are advertised links (as "METHOD path pattern") the emulator does not serve, each with the reason.
var knownUnserved = map[string]string{
	"POST /api/v1/apps/{id}/logo": "uploadLogo (multipart image upload): the emulator keeps no logos; Okta advertises it on every app",
	"POST /api/v1/policies/{id}/mappings": "mapResourceToPolicy maps an ACCESS_POLICY resource; the description does not say what that " +
		"changes, and apps are bound with PUT /apps/{id}/policies/{policyId}, which is served",
}

// TestEveryAdvertisedLinkIsServed collects every _links href the emulator emits for the org's kinds of objects,
// in every state that changes them, and checks that a route serves each one with the advertised method (the
// hints' allow list, the link's method, or GET). Links to pages and images outside the API are left out.
func TestEveryAdvertisedLinkIsServed(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: []SeedUser{{Login: "ann@example.com", Email: "ann@example.com", FirstName: "Ann", LastName: "Lee"}},
		Groups: []SeedGroup{{Name: "Sales", Members: []string{"ann@example.com"}}}}))
	c := org.client(t)
	ctx := context.Background()
	saml := createSAMLApp(t, c, "Audit SAML")
	created, _, err := c.Application.CreateApplication(ctx, newOIDCApp("Audit OIDC"), nil)
	if err != nil {
		t.Fatal(err)
	}
	oidc := created.(*okta.OpenIdConnectApplication)
	bm := okta.NewBookmarkApplication()
	bm.Label = "Audit bookmark"
	bm.Settings = &okta.BookmarkApplicationSettings{App: &okta.BookmarkApplicationSettingsApplication{Url: "https://wiki.example.com/"}}
	if _, _, err := c.Application.CreateApplication(ctx, bm, nil); err != nil {
		t.Fatal(err)
	}
	var groups []map[string]any
	decodeJSON(t, org.do(t, http.MethodGet, "/api/v1/groups?expand=stats", ""), &groups)
	var sales string
	for _, g := range groups {
		if g["profile"].(map[string]any)["name"] == "Sales" {
			sales = g["id"].(string)
		}
	}
	users, _, err := c.User.ListUsers(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	uid := users[0].Id
	if _, _, err := c.Application.CreateApplicationGroupAssignment(ctx, saml.Id, sales, okta.ApplicationGroupAssignment{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Application.DeactivateApplication(ctx, oidc.Id); err != nil {
		t.Fatal(err)
	}

	for path, body := range map[string]string{
		"/api/v1/zones":             `{"type":"IP","name":"Office","gateways":[{"type":"CIDR","value":"192.0.2.0/24"}]}`,
		"/api/v1/device-assurances": `{"name":"Mac","platform":"MACOS","osVersion":{"minimum":"14.0"}}`,
	} {
		if r := org.do(t, http.MethodPost, path, body); r.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d", path, r.StatusCode)
		}
	}
	paths := []string{
		"/api/v1/users", "/api/v1/users/me", "/api/v1/groups", "/api/v1/groups/" + sales, "/api/v1/apps",
		"/api/v1/apps/" + saml.Id + "/groups", "/api/v1/apps/" + saml.Id + "/users", "/api/v1/groups/" + sales + "/apps",
		"/api/v1/apps/" + saml.Id + "/credentials/keys", "/api/v1/policies?type=ACCESS_POLICY", "/api/v1/zones",
		"/api/v1/meta/schemas/apps/" + saml.Id + "/default", "/api/v1/meta/types/user",
		"/api/v1/policies/" + org.srv.st.Org.DefaultAccessPolicyID + "/mappings",
		"/api/v1/apps/" + oidc.Id + "/credentials/secrets", "/api/v1/device-assurances",
		"/api/v1/policies/" + org.srv.st.Org.DefaultAccessPolicyID + "/rules",
	}
	links := map[string]bool{}
	// Each user lifecycle state advertises its own transitions.
	for _, step := range []string{"", "suspend", "unsuspend", "deactivate"} {
		if step != "" {
			if r := org.do(t, http.MethodPost, "/api/v1/users/"+uid+"/lifecycle/"+step, ""); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", step, r.StatusCode)
			}
		}
		paths = append(paths, "/api/v1/users/"+uid)
		collectLinks(t, org, paths, links)
		paths = nil
	}
	mux := http.NewServeMux()
	for _, p := range routePatterns() {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	var unserved []string
	for link := range links {
		method, href, _ := strings.Cut(link, " ")
		u, err := url.Parse(href)
		if err != nil || u.Host != strings.TrimPrefix(org.http.URL, "http://") {
			continue // images on Okta's CDN
		}
		if strings.HasPrefix(u.Path, "/home/") || strings.Contains(u.Path, "/setup/help/") {
			continue // the end-user dashboard and the admin help page are browser pages, not API routes
		}
		if strings.Contains(u.Path, "/lifecycle/") {
			method = http.MethodPost // lifecycle operations are POST, also where Okta's link names no method
		}
		req, _ := http.NewRequest(method, href, nil)
		_, pattern := mux.Handler(req)
		served := pattern != ""
		if ops, ok := lifecycleOps[pattern]; ok {
			served = contains(ops, u.Path[strings.LastIndex(u.Path, "/")+1:])
		}
		if !served {
			// A link may be the base a child id is appended to (the app's policies link: PUT …/policies/{policyId}).
			child, _ := http.NewRequest(method, href+"/x", nil)
			_, childPattern := mux.Handler(child)
			served = childPattern != "" && strings.HasSuffix(childPattern, "}")
		}
		if _, known := knownUnserved[method+" "+idPattern.ReplaceAllString(u.Path, "/{id}")]; !served && !known {
			unserved = append(unserved, method+" "+u.Path)
		}
	}
	sort.Strings(unserved)
	t.Logf("%d distinct advertised links (method and href) audited", len(links))
	if len(links) < 30 {
		t.Fatalf("collected only %d links: the audit saw too little", len(links))
	}
	if len(unserved) > 0 {
		t.Errorf("%d of %d advertised links have no route:\n  %s", len(unserved), len(links), strings.Join(unserved, "\n  "))
	}
}

// idPattern matches an Okta object id path segment.
var idPattern = regexp.MustCompile(`/(0oa|00u|00g|rst|rul|nzo|dae|oty|osc)[0-9A-Za-z]{17}`)

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// collectLinks GETs each path and records every _links href found anywhere in the body as "METHOD href".
func collectLinks(t *testing.T, org *testOrg, paths []string, links map[string]bool) {
	t.Helper()
	for _, p := range paths {
		r := org.do(t, http.MethodGet, p, "")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, r.StatusCode)
		}
		var body any
		decodeJSON(t, r, &body)
		walkLinks(body, false, func(l map[string]any) {
			href, _ := l["href"].(string)
			if href == "" {
				return
			}
			methods := []string{http.MethodGet}
			if m, _ := l["method"].(string); m != "" {
				methods = []string{m}
			}
			if allow, ok := obj(l["hints"])["allow"].([]any); ok {
				methods = nil
				for _, m := range allow {
					methods = append(methods, m.(string))
				}
			}
			for _, m := range methods {
				links[m+" "+href] = true
			}
		})
	}
}

// walkLinks calls f on every link object under a _links member.
func walkLinks(v any, inLinks bool, f func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		if inLinks {
			if _, ok := t["href"]; ok {
				f(t)
				return
			}
		}
		for k, e := range t {
			walkLinks(e, inLinks || k == "_links", f)
		}
	case []any:
		for _, e := range t {
			walkLinks(e, inLinks, f)
		}
	}
}
