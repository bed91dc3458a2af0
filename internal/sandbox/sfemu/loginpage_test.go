package sfemu

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const toolingBase = "/services/data/v63.0/tooling"

// toolingQuery runs a Tooling SOQL query and returns its records.
func (to *testOrg) toolingQuery(t *testing.T, q string) []map[string]any {
	t.Helper()
	status, _, body := to.do(t, "GET", toolingBase+"/query?q="+url.QueryEscape(q), "")
	if status != 200 {
		t.Fatalf("tooling query %q: %d %s", q, status, body)
	}
	var out struct {
		EntityTypeName string           `json:"entityTypeName"`
		Records        []map[string]any `json:"records"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Records
}

// loginPageWithSamlConfig returns an org with one SamlSsoConfig, the id of that config and of the login page.
func loginPageWithSAMLConfig(t *testing.T) (to *testOrg, samlID, authConfigID string) {
	t.Helper()
	to = startOrg(t, "qa", testSeed(), nil, nil, 0)
	if status, body := to.soap(t, envelope(to.token, upsertBody("http://www.okta.com/exk1", testCertificate(t)))); status != 200 || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert SamlSsoConfig: %d %s", status, body)
	}
	samlID = to.toolingQuery(t, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = 'Okta'")[0]["Id"].(string)
	pages := to.toolingQuery(t, "SELECT Id FROM AuthConfig WHERE Type = 'Org'")
	if len(pages) != 1 {
		t.Fatalf("want exactly one My Domain login page, got %v", pages)
	}
	return to, samlID, pages[0]["Id"].(string)
}

func TestAuthConfigSeeded(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	recs := to.toolingQuery(t, "SELECT Id, DeveloperName, MasterLabel, Type, Url, IsActive, AuthOptionsUsernamePassword, AuthOptionsSaml, AuthOptionsAuthProvider FROM AuthConfig")
	if len(recs) != 1 {
		t.Fatalf("AuthConfig rows: %v", recs)
	}
	r := recs[0]
	if id, _ := r["Id"].(string); !strings.HasPrefix(id, prefixAuthConfig) || len(id) != 18 {
		t.Errorf("Id = %v, want an 18-character 0Au id", r["Id"])
	}
	want := map[string]any{"Type": "Org", "Url": to.srv.URL, "IsActive": true, "AuthOptionsUsernamePassword": true, "AuthOptionsSaml": false, "AuthOptionsAuthProvider": false}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %v, want %v", k, r[k], v)
		}
	}
	if r["DeveloperName"] == "" || r["DeveloperName"] == nil {
		t.Errorf("DeveloperName is empty")
	}
	// The login page itself is Setup data: the API cannot create, change or delete it.
	status, _, body := to.do(t, "POST", toolingBase+"/sobjects/AuthConfig", `{"DeveloperName":"x","Type":"Org"}`)
	if code, _ := errorCode(t, body); status != 400 || code != "INVALID_TYPE_FOR_OPERATION" {
		t.Errorf("create AuthConfig: %d %s", status, body)
	}
	status, _, body = to.do(t, "DELETE", toolingBase+"/sobjects/AuthConfig/"+r["Id"].(string), "")
	if code, _ := errorCode(t, body); status != 405 || code != "METHOD_NOT_ALLOWED" {
		t.Errorf("delete AuthConfig: %d %s", status, body)
	}
}

func TestAuthConfigProvidersLifecycle(t *testing.T) {
	t.Parallel()
	to, samlID, pageID := loginPageWithSAMLConfig(t)
	body := `{"AuthConfigId":"` + pageID + `","AuthProviderId":"` + samlID + `"}`

	status, hdr, resp := to.do(t, "POST", toolingBase+"/sobjects/AuthConfigProviders", body)
	if status != 201 {
		t.Fatalf("create: %d %s", status, resp)
	}
	var created struct {
		ID      string `json:"id"`
		Success bool   `json:"success"`
		Errors  []any  `json:"errors"`
	}
	if err := json.Unmarshal([]byte(resp), &created); err != nil || !created.Success || created.Errors == nil || len(created.Errors) != 0 {
		t.Fatalf("create answer %s", resp)
	}
	if !strings.HasPrefix(created.ID, prefixAuthConfigProviders) {
		t.Errorf("id %s, want a 0Av id", created.ID)
	}
	if loc := hdr.Get("Location"); loc != toolingBase+"/sobjects/AuthConfigProviders/"+created.ID {
		t.Errorf("Location = %q", loc)
	}
	if pages := to.toolingQuery(t, "SELECT AuthOptionsSaml FROM AuthConfig WHERE Id = '"+pageID+"'"); pages[0]["AuthOptionsSaml"] != true {
		t.Errorf("AuthOptionsSaml stays false with a SAML button on the page")
	}
	status, _, resp = to.do(t, "GET", toolingBase+"/sobjects/AuthConfigProviders/"+created.ID, "")
	var row map[string]any
	if status != 200 || json.Unmarshal([]byte(resp), &row) != nil || row["AuthConfigId"] != pageID || row["AuthProviderId"] != samlID {
		t.Fatalf("retrieve: %d %s", status, resp)
	}
	if rows := to.toolingQuery(t, "SELECT Id FROM AuthConfigProviders WHERE AuthProviderId = '"+samlID+"' AND AuthConfig.Type = 'Org'"); len(rows) != 1 {
		t.Errorf("query by provider and page type: %v", rows)
	}

	status, _, resp = to.do(t, "POST", toolingBase+"/sobjects/AuthConfigProviders", body)
	if code, _ := errorCode(t, resp); status != 400 || code != "DUPLICATE_VALUE" || !strings.Contains(resp, created.ID) {
		t.Errorf("second button for the same config: %d %s", status, resp)
	}

	status, _, resp = to.do(t, "DELETE", toolingBase+"/sobjects/AuthConfigProviders/"+created.ID, "")
	if status != 204 || resp != "" {
		t.Fatalf("delete: %d %s", status, resp)
	}
	if pages := to.toolingQuery(t, "SELECT AuthOptionsSaml FROM AuthConfig WHERE Id = '"+pageID+"'"); pages[0]["AuthOptionsSaml"] != false {
		t.Errorf("AuthOptionsSaml stays true with no SAML button left")
	}
	for _, method := range []string{"GET", "DELETE"} {
		status, _, resp = to.do(t, method, toolingBase+"/sobjects/AuthConfigProviders/"+created.ID, "")
		if code, _ := errorCode(t, resp); status != 404 || code != "NOT_FOUND" {
			t.Errorf("%s after delete: %d %s", method, status, resp)
		}
	}
}

func TestAuthConfigProvidersRefusals(t *testing.T) {
	t.Parallel()
	to, samlID, pageID := loginPageWithSAMLConfig(t)
	adminID := to.toolingQuery(t, "SELECT Id FROM User WHERE Username = 'integration@acme.qa'")[0]["Id"].(string)
	cases := []struct {
		name, body, code string
	}{
		{"provider is not a provider or SAML config", `{"AuthConfigId":"` + pageID + `","AuthProviderId":"` + adminID + `"}`, "INVALID_CROSS_REFERENCE_KEY"},
		{"login page does not exist", `{"AuthConfigId":"` + samlID + `","AuthProviderId":"` + samlID + `"}`, "INVALID_CROSS_REFERENCE_KEY"},
		{"malformed id", `{"AuthConfigId":"` + pageID + `","AuthProviderId":"0LEnotanid"}`, "MALFORMED_ID"},
		{"no such field SamlSsoConfigId", `{"AuthConfigId":"` + pageID + `","SamlSsoConfigId":"` + samlID + `"}`, "INVALID_FIELD"},
		{"missing provider", `{"AuthConfigId":"` + pageID + `"}`, "REQUIRED_FIELD_MISSING"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, resp := to.do(t, "POST", toolingBase+"/sobjects/AuthConfigProviders", tc.body)
			if code, _ := errorCode(t, resp); status != 400 || code != tc.code {
				t.Errorf("got %d %s, want 400 %s", status, resp, tc.code)
			}
		})
	}
	// Buttons cannot be edited, only added and removed.
	status, _, resp := to.do(t, "PATCH", toolingBase+"/sobjects/AuthConfigProviders/"+pageID, `{}`)
	if code, _ := errorCode(t, resp); status != 405 || code != "METHOD_NOT_ALLOWED" {
		t.Errorf("PATCH: %d %s", status, resp)
	}
}

// Deleting the SAML settings through the Metadata API takes their login-page button with them.
func TestDeleteMetadataRemovesLoginPageButton(t *testing.T) {
	t.Parallel()
	to, samlID, pageID := loginPageWithSAMLConfig(t)
	status, _, resp := to.do(t, "POST", toolingBase+"/sobjects/AuthConfigProviders", `{"AuthConfigId":"`+pageID+`","AuthProviderId":"`+samlID+`"}`)
	if status != 201 {
		t.Fatalf("create: %d %s", status, resp)
	}
	if status, body := to.soap(t, envelope(to.token, `<met:deleteMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>Okta</met:fullNames></met:deleteMetadata>`)); status != 200 || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("deleteMetadata: %d %s", status, body)
	}
	if rows := to.toolingQuery(t, "SELECT Id FROM AuthConfigProviders"); len(rows) != 0 {
		t.Errorf("buttons left after the config was deleted: %v", rows)
	}
	if pages := to.toolingQuery(t, "SELECT AuthOptionsSaml FROM AuthConfig WHERE Id = '"+pageID+"'"); pages[0]["AuthOptionsSaml"] != false {
		t.Errorf("AuthOptionsSaml stays true after the config was deleted")
	}
}

// A state saved before the emulator knew the login page gains one when loaded.
func TestLoadStateAddsLoginPage(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	to.mu.Lock()
	delete(to.data.Tables, "AuthConfig")
	to.mu.Unlock()
	state, err := to.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if err := to.LoadState(state); err != nil {
		t.Fatal(err)
	}
	if rows := to.toolingQuery(t, "SELECT Id FROM AuthConfig WHERE Type = 'Org'"); len(rows) != 1 {
		t.Errorf("login pages after LoadState: %v", rows)
	}
}
