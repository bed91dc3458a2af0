package oktaemu

import (
	"context"
	"net/http"
	"path"
	"regexp"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func boolPtr(b bool) *bool { return &b }

func newSAMLApp(label string) *okta.SamlApplication {
	app := okta.NewSamlApplication()
	app.Label = label
	app.Settings = &okta.SamlApplicationSettings{
		App: &okta.ApplicationSettingsApplication{},
		SignOn: &okta.SamlApplicationSettingsSignOn{
			SsoAcsUrl:             "https://acme.my.salesforce.com?so=00D000000000001",
			Audience:              "https://acme.my.salesforce.com",
			Recipient:             "https://acme.my.salesforce.com?so=00D000000000001",
			Destination:           "https://acme.my.salesforce.com?so=00D000000000001",
			SubjectNameIdTemplate: "${user.login}",
			SubjectNameIdFormat:   "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
			ResponseSigned:        boolPtr(true),
			AssertionSigned:       boolPtr(true),
			SignatureAlgorithm:    "RSA_SHA256",
			DigestAlgorithm:       "SHA256",
			HonorForceAuthn:       boolPtr(false),
			AttributeStatements: []*okta.SamlAttributeStatement{
				{Type: "EXPRESSION", Name: "email", Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified", Values: []string{"${user.email}"}},
			},
		},
	}
	return app
}

func links(t *testing.T, app *okta.SamlApplication) map[string]any {
	t.Helper()
	l, ok := app.Links.(map[string]any)
	if !ok {
		t.Fatalf("_links = %T", app.Links)
	}
	return l
}

func TestSDKSAMLAppLifecycle(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()

	created, _, err := c.Application.CreateApplication(ctx, newSAMLApp("Salesforce Prod"), nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.(*okta.SamlApplication)
	if ok, _ := regexp.MatchString(`^sandbox_salesforceprod_\d+$`, app.Name); !ok {
		t.Errorf("generated name %q", app.Name)
	}
	if app.Status != "ACTIVE" || len(app.Id) != 20 || app.Id[:3] != "0oa" {
		t.Errorf("app %s status %s", app.Id, app.Status)
	}
	if kid := app.Credentials.Signing.Kid; len(kid) != 43 {
		t.Errorf("signing kid %q is not a 43-char base64url thumbprint", kid)
	}
	so := app.Settings.SignOn
	if so.IdpIssuer != "http://www.okta.com/${org.externalKey}" || so.AttributeStatements[0].Values[0] != "${user.email}" ||
		so.RequestCompressed == nil || *so.RequestCompressed {
		t.Errorf("signOn defaults/echo wrong: %+v", so)
	}
	l := links(t, app)
	if _, ok := l["deactivate"]; !ok {
		t.Error("ACTIVE app must link deactivate")
	}
	policyHref := l["accessPolicy"].(map[string]any)["href"].(string)
	if ok, _ := regexp.MatchString(`^rst[0-9A-Za-z]{17}$`, path.Base(policyHref)); !ok {
		t.Errorf("accessPolicy href %q", policyHref)
	}

	got, _, err := c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fetched := got.(*okta.SamlApplication)
	fetched.Label = "Salesforce Production"
	fetched.Settings.SignOn.Audience = "https://acme-new.my.salesforce.com"
	// The SDK serialises unset overrides as "" and the id/status/created it read; the server must ignore them.
	updated, _, err := c.Application.UpdateApplication(ctx, app.Id, fetched)
	if err != nil {
		t.Fatal(err)
	}
	up := updated.(*okta.SamlApplication)
	if up.Label != "Salesforce Production" || up.Settings.SignOn.Audience != "https://acme-new.my.salesforce.com" ||
		up.Name != app.Name || up.Credentials.Signing.Kid != app.Credentials.Signing.Kid || up.Status != "ACTIVE" {
		t.Errorf("updated app %+v", up)
	}
	if up.Settings.SignOn.AudienceOverride != "" {
		t.Errorf("empty overrides must not be stored, got %q", up.Settings.SignOn.AudienceOverride)
	}

	list, _, err := c.Application.ListApplications(ctx, &query.Params{Filter: `status eq "ACTIVE"`, Q: "salesforce"})
	if err != nil || len(list) != 1 {
		t.Fatalf("list apps = %d, %v", len(list), err)
	}

	_, err = c.Application.DeleteApplication(ctx, app.Id)
	if e := oktaErr(t, err); e.ErrorCode != "E0000056" {
		t.Errorf("deleting an ACTIVE app: %+v", e)
	}
	resp, err := c.Application.DeactivateApplication(ctx, app.Id)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("deactivate: %v", err)
	}
	got, _, err = c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
	if err != nil {
		t.Fatal(err)
	}
	inactive := got.(*okta.SamlApplication)
	if _, ok := links(t, inactive)["activate"]; inactive.Status != "INACTIVE" || !ok {
		t.Errorf("deactivated app status %s links %v", inactive.Status, inactive.Links)
	}
	if _, err := c.Application.ActivateApplication(ctx, app.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Application.DeactivateApplication(ctx, app.Id); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Application.DeleteApplication(ctx, app.Id); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete inactive app: %v", err)
	}
	_, resp, err = c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorSummary != "Not found: Resource not found: "+app.Id+" (AppInstance)" {
		t.Errorf("deleted app: %+v", e)
	}
}

func TestSDKAppCreateVariants(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()

	inactive, _, err := c.Application.CreateApplication(ctx, newSAMLApp("Staged"), query.NewQueryParams(query.WithActivate(false)))
	if err != nil {
		t.Fatal(err)
	}
	if s := inactive.(*okta.SamlApplication).Status; s != "INACTIVE" {
		t.Errorf("activate=false status %s", s)
	}

	sf := okta.NewSamlApplication()
	sf.Name, sf.Label = "salesforce", "Salesforce UAT"
	sf.Settings = &okta.SamlApplicationSettings{
		App:    &okta.ApplicationSettingsApplication{"instanceType": "SANDBOX", "integrationType": "STANDARD", "loginUrl": "https://acme--uat.sandbox.my.salesforce.com"},
		SignOn: &okta.SamlApplicationSettingsSignOn{},
	}
	created, _, err := c.Application.CreateApplication(ctx, sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	oin := created.(*okta.SamlApplication)
	settings := *oin.Settings.App
	if oin.Name != "salesforce" || settings["instanceType"] != "SANDBOX" || settings["loginUrl"] != "https://acme--uat.sandbox.my.salesforce.com" {
		t.Errorf("OIN salesforce app %+v", settings)
	}
	if _, present := settings["orgID"]; !present {
		t.Errorf("OIN salesforce settings.app must carry every catalogue key, got %v", settings)
	}

	tests := []struct {
		name, body, wantCode string
		wantStatus           int
	}{
		{"malformed JSON", `{"label":`, "E0000003", http.StatusBadRequest},
		{"missing label", `{"signOnMode":"SAML_2_0","settings":{"signOn":{"ssoAcsUrl":"https://x","audience":"https://y"}}}`, "E0000001", http.StatusBadRequest},
		{"unknown catalogue app", `{"name":"nosuchapp","label":"x","signOnMode":"SAML_2_0"}`, "E0000001", http.StatusBadRequest},
		{"SAML app without ACS URL", `{"label":"x","signOnMode":"SAML_2_0","settings":{"signOn":{"audience":"https://y"}}}`, "E0000001", http.StatusBadRequest},
		{"bad salesforce instanceType", `{"name":"salesforce","label":"x","signOnMode":"SAML_2_0","settings":{"app":{"instanceType":"MOON"}}}`, "E0000001", http.StatusBadRequest},
	}
	for _, tt := range tests {
		resp := org.do(t, http.MethodPost, "/api/v1/apps", tt.body)
		var e okta.Error
		decodeJSON(t, resp, &e)
		if resp.StatusCode != tt.wantStatus || e.ErrorCode != tt.wantCode {
			t.Errorf("%s: %d %+v", tt.name, resp.StatusCode, e)
		}
	}
}

// TestAppReplaceIgnoresReadOnlyAndNulls sends what terraform-provider-okta and the v2 SDK send on PUT:
// read-only fields, "" and null overrides; the server keeps its own values and drops the empty overrides.
func TestAppReplaceIgnoresReadOnlyAndNulls(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	created, _, err := org.client(t).Application.CreateApplication(context.Background(), newSAMLApp("Put Target"), nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.(*okta.SamlApplication)
	body := `{"id":"0oaSomethingElse0000","status":"INACTIVE","created":"2001-01-01T00:00:00.000Z","name":"other","label":"Put Target 2",
		"signOnMode":"SAML_2_0","_links":{"self":{"href":"x"}},
		"settings":{"app":null,"notes":null,"signOn":{"ssoAcsUrl":"https://a.example.com","audience":"https://b.example.com",
		"defaultRelayState":null,"audienceOverride":null,"recipientOverride":"","destinationOverride":null,"ssoAcsUrlOverride":"",
		"attributeStatements":null,"allowMultipleAcsEndpoints":true,"acsEndpoints":[{"url":"https://a.example.com","index":0},{"url":"https://c.example.com","index":1}]}}}`
	resp := org.do(t, http.MethodPut, "/api/v1/apps/"+app.Id, body)
	var got map[string]any
	decodeJSON(t, resp, &got)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %v", resp.StatusCode, got)
	}
	if got["id"] != app.Id || got["status"] != "ACTIVE" || got["name"] != app.Name || got["label"] != "Put Target 2" ||
		got["created"] != app.Created.UTC().Format(timeFormat) {
		t.Errorf("read-only fields must be ignored: %v", got)
	}
	signOn := got["settings"].(map[string]any)["signOn"].(map[string]any)
	for _, k := range []string{"audienceOverride", "recipientOverride", "destinationOverride", "ssoAcsUrlOverride"} {
		if _, present := signOn[k]; present {
			t.Errorf("empty override %s must not be served", k)
		}
	}
	if n := len(signOn["acsEndpoints"].([]any)); n != 2 || len(signOn["attributeStatements"].([]any)) != 0 {
		t.Errorf("acsEndpoints %d, attributeStatements %v", n, signOn["attributeStatements"])
	}
	if idx := signOn["acsEndpoints"].([]any)[1].(map[string]any)["index"]; idx != float64(1) {
		t.Errorf("acs index %v must stay a JSON number", idx)
	}
}
