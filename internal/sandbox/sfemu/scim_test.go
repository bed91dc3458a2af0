package sfemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func decodeSCIM(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return m
}

func TestSCIMUsers_list(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	cases := []struct {
		name, query       string
		status, total     int
		perPage           int
		firstUserName     string
		wantErrorSCIMType string
	}{
		{name: "all", query: "", status: 200, total: 4, perPage: 4, firstUserName: "integration@acme.qa"},
		{name: "userName eq, case-insensitive", query: `filter=userName eq "ADA@acme.qa"`, status: 200, total: 1, perPage: 1, firstUserName: "ada@acme.qa"},
		{name: "externalId eq", query: `filter=externalId eq "bob@acme.com"`, status: 200, total: 1, perPage: 1, firstUserName: "bob@acme.qa"},
		{name: "no match", query: `filter=userName eq "nobody@acme.qa"`, status: 200, total: 0, perPage: 0},
		{name: "paging", query: "startIndex=2&count=2", status: 200, total: 4, perPage: 2, firstUserName: "ada@acme.qa"},
		{name: "count capped at 200", query: "count=5000", status: 200, total: 4, perPage: 4, firstUserName: "integration@acme.qa"},
		{name: "unsupported operator", query: `filter=userName co "a"`, status: 400, wantErrorSCIMType: "invalidFilter"},
		{name: "unsupported attribute", query: `filter=title eq "x"`, status: 400, wantErrorSCIMType: "invalidFilter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := url.Values{}
			for _, kv := range strings.Split(tc.query, "&") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					q.Set(k, v)
				}
			}
			status, hdr, body := to.do(t, "GET", "/services/scim/v2/Users?"+q.Encode(), "")
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			m := decodeSCIM(t, body)
			if tc.wantErrorSCIMType != "" {
				if m["scimType"] != tc.wantErrorSCIMType || m["status"] != "400" || m["schemas"].([]any)[0] != scimErrorSchema || m["detail"] == "" {
					t.Errorf("error body %s", body)
				}
				return
			}
			if !strings.HasPrefix(hdr.Get("Content-Type"), "application/scim+json") {
				t.Errorf("Content-Type %q", hdr.Get("Content-Type"))
			}
			res, _ := m["Resources"].([]any)
			if int(m["totalResults"].(float64)) != tc.total || int(m["itemsPerPage"].(float64)) != tc.perPage || len(res) != tc.perPage {
				t.Fatalf("totals in %s", body)
			}
			if tc.perPage > 0 && res[0].(map[string]any)["userName"] != tc.firstUserName {
				t.Errorf("first = %v, want %s", res[0].(map[string]any)["userName"], tc.firstUserName)
			}
		})
	}
}

func TestSCIMUsers_lifecycle(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	profiles := to.query(t, "SELECT Id FROM Profile WHERE Name = 'Sales Rep'")["records"].([]any)
	profileID := profiles[0].(map[string]any)["Id"].(string)

	status, hdr, body := to.do(t, "POST", "/services/scim/v2/Users", `{"schemas":["`+scimUserSchema+`"],"userName":"neo@acme.qa",
		"externalId":"neo@acme.com","name":{"givenName":"Thomas","familyName":"Anderson"},"emails":[{"value":"neo@acme.com","primary":true}],
		"entitlements":[{"value":"`+profileID+`"}],"`+scimEnterpriseSchema+`":{"department":"R&D"}}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	u := decodeSCIM(t, body)
	id := u["id"].(string)
	ent := u["entitlements"].([]any)[0].(map[string]any)
	if hdr.Get("Location") != to.srv.URL+"/services/scim/v2/Users/"+id || u["active"] != true || u["externalId"] != "neo@acme.com" ||
		ent["value"] != profileID || ent["display"] != "Sales Rep" || u["timezone"] != "America/Los_Angeles" ||
		u[scimEnterpriseSchema].(map[string]any)["department"] != "R&D" || u["name"].(map[string]any)["formatted"] != "Thomas Anderson" {
		t.Errorf("created %s", body)
	}
	rows := to.query(t, "SELECT Alias, EmailEncodingKey FROM User WHERE FederationIdentifier = 'neo@acme.com'")["records"].([]any)
	if r := rows[0].(map[string]any); r["Alias"] != "tande" || r["EmailEncodingKey"] != "UTF-8" {
		t.Errorf("defaults %v", r)
	}

	steps := []struct {
		name, method, body string
		status             int
		check              func(m map[string]any) bool
	}{
		{"duplicate userName", "POST", `{"userName":"neo@acme.qa","name":{"familyName":"X"},"emails":[{"value":"x@acme.com"}],"entitlements":[{"value":"` + profileID + `"}]}`, 409,
			func(m map[string]any) bool { return m["scimType"] == "uniqueness" }},
		{"create without a profile", "POST", `{"userName":"p@acme.qa","name":{"familyName":"X"},"emails":[{"value":"x@acme.com"}]}`, 400,
			func(m map[string]any) bool { return strings.Contains(m["detail"].(string), "profile") }},
		{"patch title and email", "PATCH", `{"schemas":["` + scimPatchSchema + `"],"Operations":[{"op":"replace","path":"title","value":"The One"},{"op":"replace","value":{"emails":[{"value":"neo@matrix.io"}]}}]}`, 200,
			func(m map[string]any) bool {
				return m["title"] == "The One" && m["emails"].([]any)[0].(map[string]any)["value"] == "neo@matrix.io"
			}},
		{"patch a bad picklist value", "PATCH", `{"Operations":[{"op":"replace","path":"timezone","value":"Mars/Olympus"}]}`, 400,
			func(m map[string]any) bool {
				return strings.Contains(m["detail"].(string), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
			}},
		{"put clears the title", "PUT", `{"userName":"neo@acme.qa","externalId":"neo@acme.com","name":{"givenName":"Thomas","familyName":"Anderson"},"emails":[{"value":"neo@matrix.io"}],"entitlements":[{"value":"` + profileID + `"}]}`, 200,
			func(m map[string]any) bool { _, has := m["title"]; return !has }},
		{"delete deactivates", "DELETE", "", 204, nil},
		{"still readable, inactive", "GET", "", 200, func(m map[string]any) bool { return m["active"] == false }},
	}
	for _, s := range steps { // in order: each step builds on the previous one
		path := "/services/scim/v2/Users/" + id
		if s.method == "POST" {
			path = "/services/scim/v2/Users"
		}
		status, _, body := to.do(t, s.method, path, s.body)
		if status != s.status {
			t.Fatalf("%s: %d, want %d: %s", s.name, status, s.status, body)
		}
		if s.check != nil && !s.check(decodeSCIM(t, body)) {
			t.Errorf("%s: %s", s.name, body)
		}
	}
	if status, _, body := to.do(t, "GET", "/services/scim/v2/Users/005000000000000AAA", ""); status != 404 || decodeSCIM(t, body)["status"] != "404" {
		t.Errorf("unknown id: %d %s", status, body)
	}
	to.token = "bogus"
	if status, _, _ := to.do(t, "GET", "/services/scim/v2/Users", ""); status != 401 {
		t.Errorf("bad token: %d", status)
	}
}
