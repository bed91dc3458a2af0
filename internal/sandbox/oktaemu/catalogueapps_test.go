package oktaemu

import (
	"net/http"
	"testing"
)

// TestCatalogueSAMLApps: the recorded catalogue apps pagerduty (SAML 2.0) and sharepoint_onpremise (SAML 1.1)
// are created with their catalogue settings.app keys, their one sign-on mode and a signing key; a name outside
// the catalogue is still refused.
func TestCatalogueSAMLApps(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	create := func(body string, want int) map[string]any {
		t.Helper()
		resp := org.do(t, http.MethodPost, "/api/v1/apps?activate=true", body)
		var out map[string]any
		decodeJSON(t, resp, &out)
		if resp.StatusCode != want {
			t.Fatalf("%s: %d %v", body, resp.StatusCode, out)
		}
		return out
	}
	pd := create(`{"name":"pagerduty","label":"PD","signOnMode":"SAML_2_0","settings":{"app":{"subdomain":"acme","baseUrl":"https://acme.example"}}}`, http.StatusOK)
	app := obj(obj(pd["settings"])["app"])
	if app["subdomain"] != "acme" || app["baseUrl"] != "https://acme.example" || app["adminUserId"] != nil || len(app) != 3 {
		t.Errorf("pagerduty settings.app: %v", app)
	}
	if kid, _ := obj(obj(pd["credentials"])["signing"])["kid"].(string); kid == "" {
		t.Errorf("pagerduty has no signing key: %v", pd["credentials"])
	}
	if _, ok := obj(pd["_links"])["metadata"]; !ok {
		t.Errorf("pagerduty links no metadata")
	}

	create(`{"name":"sharepoint_onpremise","label":"SP","signOnMode":"SAML_2_0"}`, http.StatusBadRequest)
	sp := create(`{"name":"sharepoint_onpremise","label":"SP","signOnMode":"SAML_1_1","settings":{"app":{"siteURL":"http://sp.example","groupFilter":"app1.*"}}}`, http.StatusOK)
	signOn := obj(obj(sp["settings"])["signOn"])
	if _, has := signOn["attributeStatements"]; has || len(signOn) != 4 {
		t.Errorf("SAML 1.1 signOn keys: %v", signOn)
	}
	if kid, _ := obj(obj(sp["credentials"])["signing"])["kid"].(string); kid == "" {
		t.Fatalf("sharepoint_onpremise has no signing key: %v", sp["credentials"])
	}
	if _, ok := obj(sp["_links"])["metadata"]; ok {
		t.Errorf("a SAML 1.1 app links metadata (the recording does not)")
	}
	kid := obj(obj(sp["credentials"])["signing"])["kid"].(string)
	if resp, _ := send(t, org, http.MethodGet, "/api/v1/apps/"+sp["id"].(string)+"/sso/saml/metadata?kid="+kid, "",
		"SSWS "+org.srv.Credentials().APIToken, "application/xml"); resp.StatusCode != http.StatusOK {
		t.Errorf("SAML 1.1 metadata: %d", resp.StatusCode)
	}

	if e := create(`{"name":"not_in_catalogue","label":"X","signOnMode":"SAML_2_0"}`, http.StatusBadRequest); e["errorCode"] != "E0000001" {
		t.Errorf("unknown catalogue name: %v", e)
	}
}
