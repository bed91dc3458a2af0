package oktaemu

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

type mdEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

// mdEntity is the part of IdP metadata a Salesforce SSO setup reads.
type mdEntity struct {
	XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	IDP      struct {
		WantAuthnRequestsSigned string `xml:"WantAuthnRequestsSigned,attr"`
		Protocols               string `xml:"protocolSupportEnumeration,attr"`
		Key                     struct {
			Use  string `xml:"use,attr"`
			Cert string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
		SLO           []mdEndpoint `xml:"SingleLogoutService"`
		NameIDFormats []string     `xml:"NameIDFormat"`
		SSO           []mdEndpoint `xml:"SingleSignOnService"`
	} `xml:"IDPSSODescriptor"`

	raw         string
	contentType string
}

// cert is the certificate without the 76-column line breaks.
func (m mdEntity) cert() string { return strings.ReplaceAll(m.IDP.Key.Cert, "\n", "") }

// fetchMetadata reads metadata through the SDK's request executor, which decodes application/xml into md.
func fetchMetadata(t *testing.T, c *okta.Client, appID, kid string) mdEntity {
	t.Helper()
	url := "/api/v1/apps/" + appID + "/sso/saml/metadata"
	if kid != "" {
		url += query.NewQueryParams(query.WithKid(kid)).String()
	}
	re := c.CloneRequestExecutor()
	req, err := re.WithAccept("application/xml").NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	var md mdEntity
	resp, err := re.Do(context.Background(), req, &md)
	if err != nil {
		t.Fatalf("metadata %s: %v", url, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	md.raw, md.contentType = string(raw), resp.Header.Get("Content-Type")
	return md
}

func TestSDKMetadata(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Metadata")
	keys, _, err := c.Application.ListApplicationKeys(ctx, app.Id)
	if err != nil {
		t.Fatal(err)
	}

	md := fetchMetadata(t, c, app.Id, app.Credentials.Signing.Kid)
	if md.contentType != "application/xml;charset=ISO-8859-1" {
		t.Errorf("Content-Type %q", md.contentType)
	}
	m := regexp.MustCompile(`^http://www\.okta\.com/(exk[0-9A-Za-z]{17})$`).FindStringSubmatch(md.EntityID)
	if m == nil {
		t.Fatalf("entityID %q", md.EntityID)
	}
	exk := m[1]
	sso := org.http.URL + "/app/" + app.Name + "/" + exk + "/sso/saml"
	if md.IDP.WantAuthnRequestsSigned != "false" || md.IDP.Protocols != "urn:oasis:names:tc:SAML:2.0:protocol" || md.IDP.Key.Use != "signing" ||
		len(md.IDP.SSO) != 2 || md.IDP.SSO[0] != (mdEndpoint{bindingPOST, sso}) || md.IDP.SSO[1] != (mdEndpoint{bindingRedirect, sso}) || len(md.IDP.SLO) != 0 {
		t.Errorf("metadata %+v", md.IDP)
	}
	if md.cert() != keys[0].X5c[0] {
		t.Error("metadata certificate is not the app's signing key")
	}
	for _, line := range strings.Split(md.IDP.Key.Cert, "\n") {
		if len(line) > 76 {
			t.Errorf("certificate line of %d characters", len(line))
		}
	}
	if strings.Count(md.raw, "\n") != strings.Count(md.IDP.Key.Cert, "\n") || !strings.HasPrefix(md.raw, `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor `) {
		t.Error("metadata must be one line apart from the wrapped certificate")
	}
	if want := []string{nameIDUnspecified, nameIDEmail}; strings.Join(md.IDP.NameIDFormats, " ") != strings.Join(want, " ") {
		t.Errorf("NameIDFormat %v, want %v", md.IDP.NameIDFormats, want)
	}

	// The SDK's own metadata call answers the same document.
	resp, err := c.Application.PreviewSAMLAppMetadata(ctx, app.Id, query.NewQueryParams(query.WithKid(app.Credentials.Signing.Kid)))
	if err != nil {
		t.Fatal(err)
	}
	if preview, _ := io.ReadAll(resp.Body); string(preview) != md.raw {
		t.Error("PreviewSAMLAppMetadata body differs from the executor's")
	}

	generated, _, err := c.Application.GenerateApplicationKey(ctx, app.Id, query.NewQueryParams(query.WithValidityYears(2)))
	if err != nil {
		t.Fatal(err)
	}
	if md := fetchMetadata(t, c, app.Id, generated.Kid); md.cert() != generated.X5c[0] {
		t.Error("?kid= must select that key's certificate")
	}
	if md := fetchMetadata(t, c, app.Id, ""); md.cert() != keys[0].X5c[0] {
		t.Error("without kid the active key's certificate is served")
	}

	// The settings that show in metadata follow a PUT.
	got, _, err := c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
	if err != nil {
		t.Fatal(err)
	}
	put := got.(*okta.SamlApplication)
	put.Settings.SignOn.SamlSignedRequestEnabled = boolPtr(true)
	put.Settings.SignOn.SubjectNameIdFormat = nameIDEmail
	put.Settings.SignOn.Slo = &okta.SingleLogout{Enabled: boolPtr(true), Issuer: "https://acme.my.salesforce.com", LogoutUrl: "https://acme.my.salesforce.com/services/auth/sp/saml2/logout"}
	if _, _, err := c.Application.UpdateApplication(ctx, app.Id, put); err != nil {
		t.Fatal(err)
	}
	md = fetchMetadata(t, c, app.Id, "")
	slo := org.http.URL + "/app/" + app.Name + "/" + exk + "/slo/saml"
	if md.IDP.WantAuthnRequestsSigned != "true" || len(md.IDP.NameIDFormats) != 1 || md.IDP.NameIDFormats[0] != nameIDEmail ||
		len(md.IDP.SLO) != 2 || md.IDP.SLO[0] != (mdEndpoint{bindingPOST, slo}) || md.IDP.SLO[1] != (mdEndpoint{bindingRedirect, slo}) {
		t.Errorf("metadata after PUT %+v", md.IDP)
	}

	// The public, unauthenticated copy serves the same document.
	public := org.do(t, http.MethodGet, "/app/"+exk+"/sso/saml/metadata", "", "")
	body, _ := io.ReadAll(public.Body)
	if public.StatusCode != http.StatusOK || string(body) != md.raw || public.Header.Get("Content-Type") != "application/xml;charset=ISO-8859-1" {
		t.Errorf("public metadata %d %q", public.StatusCode, public.Header.Get("Content-Type"))
	}
}

func TestMetadataNegotiationAndErrors(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	app := createSAMLApp(t, org.client(t), "Negotiate")
	path := "/api/v1/apps/" + app.Id + "/sso/saml/metadata"
	token := "SSWS " + org.srv.Credentials().APIToken
	tests := []struct {
		name, path, accept, auth string
		status                   int
		contentType, code        string
	}{
		{"xml", path, "application/xml", token, http.StatusOK, "application/xml;charset=ISO-8859-1", ""},
		{"text xml", path, "text/xml", token, http.StatusOK, "text/xml;charset=ISO-8859-1", ""},
		{"browser", path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", token, http.StatusOK, "application/xml;charset=ISO-8859-1", ""},
		{"json only", path, "application/json", token, http.StatusBadRequest, "application/json", "E0000019"},
		{"unknown app", "/api/v1/apps/0oaNoSuchApp00000000/sso/saml/metadata", "application/xml", token, http.StatusNotFound, "application/json", "E0000007"},
		{"unknown kid", path + "?kid=nosuchkid", "application/xml", token, http.StatusNotFound, "application/json", "E0000007"},
		{"no credentials", path, "application/xml", "", http.StatusUnauthorized, "application/json", "E0000011"},
		{"unknown public key", "/app/exkNoSuchApp00000000/sso/saml/metadata", "application/xml", "", http.StatusNotFound, "application/json", "E0000007"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, org.http.URL+tt.path, nil)
		req.Header.Set("Accept", tt.accept)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := org.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.contentType {
			t.Errorf("%s: %d %q: %s", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if tt.code != "" && !strings.Contains(string(body), `"errorCode":"`+tt.code+`"`) {
			t.Errorf("%s: body %s, want %s", tt.name, body, tt.code)
		}
		if tt.code == "" {
			var md mdEntity
			if err := xml.Unmarshal(body, &md); err != nil || md.cert() == "" {
				t.Errorf("%s: not metadata: %v", tt.name, err)
			}
		}
	}
}

// TestRefreshBudget: the provider's refresh reads one app and its metadata, so each must be exactly one request.
func TestRefreshBudget(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	app := createSAMLApp(t, c, "Budget")
	before := len(org.recorded())
	if _, _, err := c.Application.GetApplication(context.Background(), app.Id, okta.NewSamlApplication(), nil); err != nil {
		t.Fatal(err)
	}
	fetchMetadata(t, c, app.Id, app.Credentials.Signing.Kid)
	if n := len(org.recorded()) - before; n != 2 {
		t.Errorf("app GET + metadata took %d requests, want 2", n)
	}
}
