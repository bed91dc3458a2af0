package okta

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// customAppJSON is a custom SAML_2_0 app as Okta returns it (okta-api.md §2.1), plus the fields the
// provider does not model and must never drop: SLO, assertion lifetime, encryption, ACS endpoints, hooks.
const customAppJSON = `{"id":"0oakwraz4f7moptnf1d7","orn":"orn:oktapreview:idp:00o5:apps:oie-00_sf_13:0oakwraz4f7moptnf1d7",
 "name":"oie-00_sf_13","label":"Salesforce QA","status":"ACTIVE","lastUpdated":"2025-03-13T23:50:04.000Z","created":"2025-03-13T23:50:03.000Z",
 "accessibility":{"selfService":false,"errorRedirectUrl":null,"loginRedirectUrl":"https://portal.example.com"},
 "visibility":{"autoLaunch":false,"autoSubmitToolbar":true,"hide":{"iOS":true,"web":false},"appLinks":{"oie-00_sf_13_link":true}},
 "features":[],"signOnMode":"SAML_2_0",
 "credentials":{"userNameTemplate":{"template":"${source.login}","type":"BUILT_IN","pushStatus":"DONT_PUSH"},"signing":{"kid":"FZzs5nQXh04iG6QpgvZoQEopRB29rwVvcWQIXsdiSUM","rotationMode":"AUTO"}},
 "settings":{"app":{"customKey":"keep me","nested":{"a":1}},"notifications":{"vpn":{"network":{"connection":"DISABLED"},"message":null,"helpUrl":null}},
  "manualProvisioning":false,"implicitAssignment":false,"notes":{"admin":"owned by IAM","enduser":"call the helpdesk"},
  "signOn":{"defaultRelayState":null,"ssoAcsUrl":"https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001","idpIssuer":"http://www.okta.com/${org.externalKey}",
   "audience":"https://acme--qa.sandbox.my.salesforce.com","recipient":"https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001",
   "destination":"https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001","subjectNameIdTemplate":"${user.userName}",
   "subjectNameIdFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress","responseSigned":true,"assertionSigned":true,
   "signatureAlgorithm":"RSA_SHA256","digestAlgorithm":"SHA256","honorForceAuthn":false,
   "authnContextClassRef":"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport","spIssuer":null,"requestCompressed":false,
   "attributeStatements":[{"type":"EXPRESSION","name":"email","namespace":"urn:oasis:names:tc:SAML:2.0:attrname-format:basic","values":["${user.email}"]},
    {"type":"GROUP","name":"groups","namespace":"urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified","filterType":"REGEX","filterValue":".*"}],
   "inlineHooks":[{"id":"calz8cc5ciFSBVxBv0g4"}],"assertionEncryption":{"enabled":true,"encryptionAlgorithm":"AES256_GCM","keyTransportAlgorithm":"RSA_OAEP","x5c":["MIIC"]},
   "allowMultipleAcsEndpoints":true,"acsEndpoints":[{"url":"https://a.example.com/acs","index":0},{"url":"https://b.example.com/acs","index":1}],
   "samlSignedRequestEnabled":false,"slo":{"enabled":true,"issuer":"https://acme.my.salesforce.com","logoutUrl":"https://acme.my.salesforce.com/services/auth/sp/saml2/logout"},
   "participateSlo":{"enabled":true,"logoutRequestUrl":"https://acme.my.salesforce.com/logout","sessionIndexRequired":true,"bindingType":"POST"},
   "samlAssertionLifetimeSeconds":3600,"configuredAttributeStatements":[]}},
 "_links":{"accessPolicy":{"href":"https://oie-00.dne-okta.com/api/v1/policies/rst5qwjvlvS3G1WOU1d7"},"deactivate":{"href":"https://oie-00.dne-okta.com/api/v1/apps/0oakwraz4f7moptnf1d7/lifecycle/deactivate"}}}`

// oinAppJSON is the OIN salesforce app with Okta's full settings.app key set (okta-api.md §2.3).
const oinAppJSON = `{"id":"0oaoin0000000000001","name":"salesforce","label":"Salesforce Prod","status":"ACTIVE","signOnMode":"SAML_2_0",
 "lastUpdated":"2025-03-13T23:50:04.000Z","created":"2025-03-13T23:50:03.000Z","licensing":{"seatCount":0},
 "credentials":{"scheme":"EDIT_USERNAME_AND_PASSWORD","userNameTemplate":{"template":"${source.login}","type":"BUILT_IN"},"signing":{"kid":"k1"}},
 "settings":{"app":{"integrationType":"STANDARD","siteURL":null,"loginUrl":"https://acme.my.salesforce.com","logoutUrl":null,"instanceType":"PRODUCTION","portalID":null,"myDomain":null,"orgID":null,"customDomain":null},
  "signOn":{"defaultRelayState":null,"ssoAcsUrlOverride":null,"audienceOverride":null,"recipientOverride":null,"destinationOverride":null,"attributeStatements":[],"samlAssertionLifetimeSeconds":300}},
 "_links":{"accessPolicy":{"href":"https://oie-00.dne-okta.com/api/v1/policies/rstDefault"}}}`

func mustObject(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func seededClient(t *testing.T, apps ...string) (*Client, *fakeApps) {
	t.Helper()
	fake := newFakeApps(t)
	for _, a := range apps {
		m := mustObject(t, a)
		delete(m, "_links") // the fake derives them
		fake.apps[m["id"].(string)] = m
	}
	return newTestClient(t, fake), fake
}

func TestGetSAMLApp(t *testing.T) {
	t.Parallel()
	c, _ := seededClient(t, customAppJSON, oinAppJSON)
	app, err := c.GetSAMLApp(context.Background(), "0oakwraz4f7moptnf1d7")
	if err != nil {
		t.Fatal(err)
	}
	want := &SAMLApp{
		ID: "0oakwraz4f7moptnf1d7", Name: "oie-00_sf_13", Label: "Salesforce QA", Status: "ACTIVE", SignOnMode: "SAML_2_0",
		LastUpdated:      time.Date(2025, 3, 13, 23, 50, 4, 0, time.UTC),
		UserNameTemplate: "${source.login}", UserNameTemplateType: "BUILT_IN", SigningKID: "FZzs5nQXh04iG6QpgvZoQEopRB29rwVvcWQIXsdiSUM",
		AppSettings:    map[string]any{"customKey": "keep me", "nested": map[string]any{"a": float64(1)}},
		AccessPolicyID: "rst5qwjvlvS3G1WOU1d7",
		SignOn: SAMLSignOn{
			SSOACSURL: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001", Recipient: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001",
			Destination: "https://acme--qa.sandbox.my.salesforce.com?so=00D000000000001", Audience: "https://acme--qa.sandbox.my.salesforce.com",
			IDPIssuer: "http://www.okta.com/${org.externalKey}", SubjectNameIDTemplate: "${user.userName}",
			SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
			AuthnContextClassRef: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
			ResponseSigned:       true, AssertionSigned: true, AllowMultipleACSEndpoints: true,
			AttributeStatements: []AttributeStatement{
				{Type: "EXPRESSION", Name: "email", Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", Values: []string{"${user.email}"}},
				{Type: "GROUP", Name: "groups", Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified", FilterType: "REGEX", FilterValue: ".*"},
			},
		},
	}
	if !reflect.DeepEqual(app, want) {
		t.Fatalf("decoded app:\n got %+v\nwant %+v", app, want)
	}
	oin, err := c.GetSAMLApp(context.Background(), "0oaoin0000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if oin.Name != "salesforce" || oin.AppSettings["loginUrl"] != "https://acme.my.salesforce.com" || oin.AppSettings["instanceType"] != "PRODUCTION" ||
		oin.SignOn.DefaultRelayState != "" || oin.AccessPolicyID != "rst5qwjvlvS3G1WOU1d7" {
		t.Fatalf("decoded OIN app: %+v", oin)
	}
	_, err = c.GetSAMLApp(context.Background(), "0oamissing0000000001")
	var apiErr *APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code != "E0000007" || !strings.Contains(err.Error(), "(AppInstance)") {
		t.Fatalf("missing app: err = %v, want ErrNotFound carrying Okta's E0000007", err)
	}
}

func TestUpdateSAMLApp_writesOnlyOwnedFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		seed    string
		id      string
		change  func(*SAMLApp) error
		expect  func(body map[string]any) // applies the expected edits to the GET body
		wantErr error
		noPUT   bool
	}{
		{name: "label", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(a *SAMLApp) error { a.Label = "Salesforce QA 2"; return nil },
			expect: func(b map[string]any) { b["label"] = "Salesforce QA 2" }},
		{name: "sign-on strings, bools and an override", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(a *SAMLApp) error {
				a.SignOn.Audience = "https://acme.my.salesforce.com"
				a.SignOn.AssertionSigned = false
				a.SignOn.HonorForceAuthn = true
				a.SignOn.SSOACSURLOverride = "https://proxy.example.com/acs"
				return nil
			},
			expect: func(b map[string]any) {
				s := child(child(b, "settings"), "signOn")
				s["audience"], s["assertionSigned"], s["honorForceAuthn"] = "https://acme.my.salesforce.com", false, true
				s["ssoAcsUrlOverride"] = "https://proxy.example.com/acs"
			}},
		{name: "attribute statements replace the list", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(a *SAMLApp) error {
				a.SignOn.AttributeStatements = append(a.SignOn.AttributeStatements[:1], AttributeStatement{Type: "EXPRESSION", Name: "federationId", Values: []string{"${user.login}"}})
				return nil
			},
			expect: func(b map[string]any) {
				s := child(child(b, "settings"), "signOn")
				s["attributeStatements"] = []any{s["attributeStatements"].([]any)[0], map[string]any{"type": "EXPRESSION", "name": "federationId", "values": []any{"${user.login}"}}}
			}},
		{name: "rotate the signing key and the username template", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(a *SAMLApp) error {
				a.SigningKID, a.UserNameTemplate, a.UserNameTemplateType = "newKid", "${user.email}", "CUSTOM"
				return nil
			},
			expect: func(b map[string]any) {
				creds := child(b, "credentials")
				child(creds, "signing")["kid"] = "newKid"
				child(creds, "userNameTemplate")["template"], child(creds, "userNameTemplate")["type"] = "${user.email}", "CUSTOM"
			}},
		{name: "one settings.app key of the OIN app; null keys survive", seed: oinAppJSON, id: "0oaoin0000000000001",
			change: func(a *SAMLApp) error {
				a.AppSettings["logoutUrl"] = "https://acme.my.salesforce.com/logout"
				a.SignOn.DefaultRelayState = "/home"
				return nil
			},
			expect: func(b map[string]any) {
				child(child(b, "settings"), "app")["logoutUrl"] = "https://acme.my.salesforce.com/logout"
				child(child(b, "settings"), "signOn")["defaultRelayState"] = "/home"
			}},
		{name: "no change sends no PUT", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(a *SAMLApp) error { a.Label = a.Label + ""; return nil }, noPUT: true},
		{name: "change fails: no PUT", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(*SAMLApp) error { return errBoom }, wantErr: errBoom, noPUT: true},
		{name: "status is not an update", seed: customAppJSON, id: "0oakwraz4f7moptnf1d7",
			change: func(a *SAMLApp) error { a.Status = "INACTIVE"; return nil }, wantErr: ErrValidation, noPUT: true},
		{name: "missing app", seed: customAppJSON, id: "0oamissing0000000001",
			change: func(*SAMLApp) error { t.Error("change called for a missing app"); return nil }, wantErr: ErrNotFound, noPUT: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := seededClient(t, tt.seed)
			got, err := c.UpdateSAMLApp(context.Background(), tt.id, tt.change)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			calls := fake.calls()
			if tt.noPUT {
				if len(calls) != 1 || calls[0].Method != "GET" {
					t.Fatalf("requests: %s; want only the GET", fake.callSummary())
				}
				return
			}
			if len(calls) != 2 || calls[0].Method != "GET" || calls[1].Method != "PUT" || calls[1].Path != "/api/v1/apps/"+tt.id {
				t.Fatalf("requests: %s; want GET then PUT of the app", fake.callSummary())
			}
			want := mustObject(t, tt.seed)
			delete(want, "_links")
			tt.expect(want)
			if put := calls[1].Body; !reflect.DeepEqual(put, want) {
				gotJSON, _ := json.MarshalIndent(put, "", " ")
				wantJSON, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("PUT body differs from the GET body with only the owned edits:\n got %s\nwant %s", gotJSON, wantJSON)
			}
			if got.ID != tt.id || got.LastUpdated.Format(time.RFC3339) != "2025-03-14T00:18:02Z" {
				t.Fatalf("returned %+v, want the PUT response", got)
			}
		})
	}
}

var errBoom = errors.New("boom")

func TestCreateSAMLApp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		app      SAMLApp
		activate bool
		check    func(t *testing.T, body map[string]any)
		status   string
	}{
		{name: "custom app", activate: true, status: "ACTIVE",
			app: SAMLApp{Label: "Salesforce QA", UserNameTemplate: "${user.email}", UserNameTemplateType: "CUSTOM",
				SignOn: SAMLSignOn{SSOACSURL: "https://qa.example.com?so=1", Audience: "https://qa.example.com", ResponseSigned: true,
					SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
					AttributeStatements: []AttributeStatement{{Type: "GROUP", Name: "groups", FilterType: "STARTS_WITH", FilterValue: "SF_"}}}},
			check: func(t *testing.T, body map[string]any) {
				if _, ok := body["name"]; ok {
					t.Error("a custom app must not send a name (Okta generates it)")
				}
				s := child(child(body, "settings"), "signOn")
				if s["ssoAcsUrl"] != "https://qa.example.com?so=1" || s["responseSigned"] != true || s["assertionSigned"] != false {
					t.Errorf("signOn = %v", s)
				}
				if _, ok := s["recipient"]; ok {
					t.Error("empty strings must be left out, not sent as \"\"")
				}
				if got := s["attributeStatements"].([]any)[0].(map[string]any); got["filterValue"] != "SF_" || got["values"] != nil {
					t.Errorf("GROUP statement = %v", got)
				}
				if tmpl := child(child(body, "credentials"), "userNameTemplate"); tmpl["template"] != "${user.email}" || tmpl["type"] != "CUSTOM" {
					t.Errorf("userNameTemplate = %v", tmpl)
				}
			}},
		{name: "OIN salesforce app, inactive", activate: false, status: "INACTIVE",
			app: SAMLApp{Name: "salesforce", Label: "Salesforce Prod",
				AppSettings: map[string]any{"instanceType": "PRODUCTION", "integrationType": "STANDARD", "loginUrl": "https://acme.my.salesforce.com"},
				SignOn:      SAMLSignOn{SSOACSURL: "ignored for OIN", DefaultRelayState: "/home", ResponseSigned: true}},
			check: func(t *testing.T, body map[string]any) {
				s := child(child(body, "settings"), "signOn")
				if body["name"] != "salesforce" || s["defaultRelayState"] != "/home" {
					t.Errorf("body = %v", body)
				}
				for k := range s {
					if !oinSignOnKeys[k] {
						t.Errorf("OIN app got sign-on key %q, which the OIN definition does not accept", k)
					}
				}
				if child(child(body, "settings"), "app")["loginUrl"] != "https://acme.my.salesforce.com" {
					t.Error("settings.app not sent")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := seededClient(t)
			got, err := c.CreateSAMLApp(context.Background(), &tt.app, tt.activate)
			if err != nil {
				t.Fatal(err)
			}
			calls := fake.calls()
			if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "/api/v1/apps" {
				t.Fatalf("requests: %s", fake.callSummary())
			}
			if want := "activate=" + map[bool]string{true: "true", false: "false"}[tt.activate]; calls[0].Query != want {
				t.Fatalf("query %q, want %q", calls[0].Query, want)
			}
			if calls[0].Body["label"] != tt.app.Label || calls[0].Body["signOnMode"] != "SAML_2_0" {
				t.Fatalf("body = %v", calls[0].Body)
			}
			tt.check(t, calls[0].Body)
			if got.ID == "" || got.Status != tt.status || got.SigningKID != "kid-"+got.ID || got.AccessPolicyID != "rst5qwjvlvS3G1WOU1d7" || got.Label != tt.app.Label {
				t.Fatalf("created app decoded as %+v", got)
			}
		})
	}
	c, fake := seededClient(t)
	if _, err := c.CreateSAMLApp(context.Background(), &SAMLApp{}, true); !errors.Is(err, ErrValidation) || len(fake.calls()) != 0 {
		t.Fatalf("no label: err = %v after %d requests, want ErrValidation before any request", err, len(fake.calls()))
	}
}

func TestDeleteApp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  string
		id      string
		want    string
		wantErr error
	}{
		{"active app is deactivated first", "ACTIVE", "0oakwraz4f7moptnf1d7", "GET /api/v1/apps/0oakwraz4f7moptnf1d7, POST /api/v1/apps/0oakwraz4f7moptnf1d7/lifecycle/deactivate, DELETE /api/v1/apps/0oakwraz4f7moptnf1d7", nil},
		{"inactive app is deleted at once", "INACTIVE", "0oakwraz4f7moptnf1d7", "GET /api/v1/apps/0oakwraz4f7moptnf1d7, DELETE /api/v1/apps/0oakwraz4f7moptnf1d7", nil},
		{"gone already", "ACTIVE", "0oamissing0000000001", "GET /api/v1/apps/0oamissing0000000001", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := seededClient(t, strings.Replace(customAppJSON, `"status":"ACTIVE"`, `"status":"`+tt.status+`"`, 1))
			err := c.DeleteApp(context.Background(), tt.id)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := fake.callSummary(); got != tt.want {
				t.Fatalf("requests: %s\nwant:     %s", got, tt.want)
			}
			if tt.wantErr == nil {
				if _, err := c.GetSAMLApp(context.Background(), tt.id); !errors.Is(err, ErrNotFound) {
					t.Fatalf("after delete: %v, want ErrNotFound", err)
				}
			}
		})
	}
}

func TestActivateDeactivateApp(t *testing.T) {
	t.Parallel()
	c, fake := seededClient(t, customAppJSON)
	ctx := context.Background()
	const id = "0oakwraz4f7moptnf1d7"
	if err := c.DeactivateApp(ctx, id); err != nil {
		t.Fatal(err)
	}
	if app, _ := c.GetSAMLApp(ctx, id); app.Status != "INACTIVE" {
		t.Fatalf("status %s after deactivate", app.Status)
	}
	if err := c.ActivateApp(ctx, id); err != nil {
		t.Fatal(err)
	}
	if app, _ := c.GetSAMLApp(ctx, id); app.Status != "ACTIVE" {
		t.Fatalf("status %s after activate", app.Status)
	}
	if err := c.ActivateApp(ctx, "0oamissing0000000001"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("activate missing: %v", err)
	}
	if calls := fake.calls(); calls[0].Method != "POST" || calls[0].Path != "/api/v1/apps/"+id+"/lifecycle/deactivate" {
		t.Fatalf("first request %s %s", calls[0].Method, calls[0].Path)
	}
}

func TestFindAppsByLabel(t *testing.T) {
	t.Parallel()
	apps := []string{
		strings.NewReplacer(`"0oakwraz4f7moptnf1d7"`, `"0oa1"`, `"Salesforce QA"`, `"Salesforce"`).Replace(customAppJSON),
		strings.NewReplacer(`"0oakwraz4f7moptnf1d7"`, `"0oa2"`, `"Salesforce QA"`, `"Salesforce QA"`).Replace(customAppJSON),
		strings.NewReplacer(`"0oakwraz4f7moptnf1d7"`, `"0oa3"`, `"Salesforce QA"`, `"salesforce"`).Replace(customAppJSON),
		strings.NewReplacer(`"0oakwraz4f7moptnf1d7"`, `"0oa4"`, `"Salesforce QA"`, `"Salesforce"`).Replace(customAppJSON),
		strings.NewReplacer(`"0oakwraz4f7moptnf1d7"`, `"0oa5"`, `"Salesforce QA"`, `"Workday"`).Replace(customAppJSON),
	}
	tests := []struct {
		label   string
		wantIDs []string
		pages   int
	}{
		{"Salesforce", []string{"0oa1", "0oa4"}, 2},
		{"Salesforce QA", []string{"0oa2"}, 1},
		{"Sales", nil, 2},
		{"Nothing", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			t.Parallel()
			c, fake := seededClient(t, apps...)
			fake.pageSize = 2
			got, err := c.FindAppsByLabel(context.Background(), tt.label)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range got {
				ids = append(ids, a.ID)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Fatalf("ids %v, want %v", ids, tt.wantIDs)
			}
			calls := fake.calls()
			if len(calls) != tt.pages {
				t.Fatalf("%d requests (%s), want %d pages", len(calls), fake.callSummary(), tt.pages)
			}
			if !strings.Contains(calls[0].Query, "limit=200") || !strings.Contains(calls[0].Query, "q="+strings.ReplaceAll(tt.label, " ", "+")) {
				t.Fatalf("first query %q", calls[0].Query)
			}
		})
	}
}
