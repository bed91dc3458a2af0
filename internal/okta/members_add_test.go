package okta

import (
	"context"
	"errors"
	"testing"
)

// A custom SAML app just created has no custom app-user property: AddAppUserProperties defines them in one
// partial update the emulator accepts as Okta does, and EnsureAppUserProperties then finds them (a read, no
// write). The catalogue app defines profile and role in its base schema: adding them is refused, which is
// why only a new custom app skips the read.
func TestAddAppUserPropertiesAgainstEmulator(t *testing.T) {
	t.Parallel()
	o := newEmuOrg(t, emuSeed(2, 1))
	c, ctx := o.client, context.Background()
	app, err := c.CreateSAMLApp(ctx, &SAMLApp{Label: "Salesforce QA", UserNameTemplate: "${user.email}", UserNameTemplateType: "CUSTOM",
		SignOn: SAMLSignOn{SSOACSURL: "https://qa.example.com?so=1", Audience: "https://qa.example.com", ResponseSigned: true,
			SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if app.Name == SalesforceOINName {
		t.Fatalf("a custom app was created as the catalogue app %q", app.Name)
	}
	schemaPath := "/api/v1/meta/schemas/apps/" + app.ID + "/default"
	if err := c.AddAppUserProperties(ctx, app.ID, "profile", "role"); err != nil {
		t.Fatal(err)
	}
	if gets, posts := o.count("GET "+schemaPath), o.count("POST "+schemaPath); gets != 0 || posts != 1 {
		t.Fatalf("AddAppUserProperties: %d GET, %d POST of the schema; want 0 and 1", gets, posts)
	}
	if err := c.EnsureAppUserProperties(ctx, app.ID, "profile", "role"); err != nil {
		t.Fatal(err)
	}
	if gets, posts := o.count("GET "+schemaPath), o.count("POST "+schemaPath); gets != 1 || posts != 1 {
		t.Fatalf("EnsureAppUserProperties after the add: %d GET, %d POST in all; want 1 and 1 (nothing missing)", gets, posts)
	}
	if _, err := c.SetAppGroupAssignment(ctx, app.ID, firstGroupID(t, c), nil, map[string]any{"profile": "Sales User", "role": "Rep"}); err != nil {
		t.Fatalf("assigning with the added properties: %v", err)
	}
	if err := c.AddAppUserProperties(ctx, app.ID, " "); !errors.Is(err, ErrValidation) {
		t.Fatalf("empty name: %v, want ErrValidation", err)
	}

	var oin map[string]any
	if _, err := c.Raw(ctx, "POST", "/api/v1/apps", map[string]any{"name": "salesforce", "label": "Salesforce", "signOnMode": "SAML_2_0",
		"settings": map[string]any{"app": map[string]any{"instanceType": "PRODUCTION"}}}, &oin); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAppUserProperties(ctx, oin["id"].(string), "profile", "role"); !errors.Is(err, ErrValidation) {
		t.Fatalf("adding base properties of the catalogue app: %v, want ErrValidation", err)
	}
	if err := c.EnsureAppUserProperties(ctx, oin["id"].(string), "profile", "role"); err != nil {
		t.Fatalf("the catalogue app already has them: %v", err)
	}
}

func firstGroupID(t *testing.T, c *Client) string {
	t.Helper()
	var groups []map[string]any
	if _, err := c.Raw(context.Background(), "GET", "/api/v1/groups?q=SF", nil, &groups); err != nil || len(groups) == 0 {
		t.Fatalf("groups: %v %v", groups, err)
	}
	return groups[0]["id"].(string)
}
