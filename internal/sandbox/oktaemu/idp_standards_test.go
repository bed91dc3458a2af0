package oktaemu

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp/samlidptest"
)

// TestSignInResponseIsStandardSAML takes Responses the way a browser gets them (the IdP's HTML form from
// GET /app/{appName}/{exk}/sso/saml) and from SignIn, for an app that signs the Response and the Assertion and sends
// an expression and a group statement, and checks them with tools that share no code with the sandbox: xmllint
// against the OASIS SAML 2.0 schemas and xmlsec1 with the app's certificate as the keys API serves it.
func TestSignInResponseIsStandardSAML(t *testing.T) {
	t.Parallel()
	const login = "user00@example.com"
	org := newTestOrg(t, withSeed(Seed{Users: seedUsers(1), Groups: []SeedGroup{{Name: "Sales", Members: []string{login}}}}))
	c := org.client(t)
	ctx := context.Background()
	app := newSAMLApp("Standard SAML")
	app.Settings.SignOn.AttributeStatements = append(app.Settings.SignOn.AttributeStatements, &okta.SamlAttributeStatement{
		Type: "GROUP", Name: "groups", Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", FilterType: "REGEX", FilterValue: ".*"})
	created, _, err := c.Application.CreateApplication(ctx, app, nil)
	if err != nil {
		t.Fatal(err)
	}
	appID := created.(*okta.SamlApplication).Id
	var users []map[string]any
	decodeJSON(t, org.do(t, "GET", "/api/v1/users", ""), &users)
	if resp := org.do(t, "POST", "/api/v1/apps/"+appID+"/users", fmt.Sprintf(`{"id":%q,"scope":"USER"}`, users[0]["id"])); resp.StatusCode != http.StatusOK {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	keys, _, err := c.Application.ListApplicationKeys(ctx, appID)
	if err != nil || len(keys) == 0 || len(keys[0].X5c) == 0 {
		t.Fatalf("app keys: %v (%d)", err, len(keys))
	}
	der, err := base64.StdEncoding.DecodeString(keys[0].X5c[0])
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	org.srv.mu.Lock()
	rec := org.srv.st.Apps[appID]
	ssoPath := "/app/" + rec.Body["name"].(string) + "/" + rec.ExternalKey + "/sso/saml"
	org.srv.mu.Unlock()

	status, fromForm := signInAt(t, org, ssoPath, login, "198.51.100.9", nil)
	if status != http.StatusOK || fromForm == "" {
		t.Fatalf("sign-in page: %d, SAMLResponse present %v", status, fromForm != "")
	}
	fromSignIn, _, err := org.srv.SignIn(appID, login)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{"the sign-in form": []byte(fromForm), "SignIn": fromSignIn} {
		parsed := etree.NewDocument()
		if err := parsed.ReadFromBytes(doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var values []string
		for _, v := range parsed.FindElements("//AttributeValue") {
			values = append(values, v.Text())
		}
		if got := strings.Join(values, ","); got != "user00@example.com,Everyone,Sales" {
			t.Errorf("%s: attribute values %q, want the email and the groups (Everyone, Sales)", name, got)
		}
		if err := samlidptest.ValidateSchema(t, doc); err != nil {
			t.Errorf("%s: not valid SAML 2.0: %v", name, err)
		}
		ids := samlidptest.SignedIDs(t, doc)
		for _, id := range ids {
			if err := samlidptest.VerifySignature(t, doc, cert, id); err != nil {
				t.Errorf("%s: xmlsec1 does not verify the signature of %s: %v", name, id, err)
			}
		}
		if len(ids) != 2 {
			t.Errorf("%s: %d signed elements, want the Response and the Assertion", name, len(ids))
		}
	}
}
