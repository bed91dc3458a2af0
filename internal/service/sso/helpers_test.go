package sso_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// samlAppExists finds an oktasf_saml_app's app in Okta by ID.
func samlAppExists(c *okta.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		_, err := c.GetSAMLApp(ctx, is.ID)
		return err
	}
}

// deleteSAMLApp deletes an oktasf_saml_app's app in Okta, as an admin would.
func deleteSAMLApp(c *okta.Client) acctest.Remover {
	return func(ctx context.Context, is *terraform.InstanceState) error { return c.DeleteApp(ctx, is.ID) }
}

// ssoExists finds an oktasf_salesforce_sso's SamlSsoConfig in Salesforce by name (the Metadata API's key).
func ssoExists(sf *salesforce.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		_, err := sf.ReadSAMLSSOConfig(ctx, is.Attributes["name"])
		return err
	}
}

// deleteSSO deletes an oktasf_salesforce_sso's SamlSsoConfig in Salesforce, as an admin would.
func deleteSSO(sf *salesforce.Client) acctest.Remover {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		return sf.DeleteSAMLSSOConfig(ctx, is.Attributes["name"])
	}
}

// checkAppGone is the CheckDestroy of tests with SAML apps.
func checkAppGone(c *okta.Client) resource.TestCheckFunc {
	return acctest.CheckDestroy("oktasf_saml_app", samlAppExists(c))
}

// checkSSOGone is the CheckDestroy of tests with SSO settings.
func checkSSOGone(sf *salesforce.Client) resource.TestCheckFunc {
	return acctest.CheckDestroy("oktasf_salesforce_sso", ssoExists(sf))
}

// checkRemote is a TestCheckFunc that asks the real clients, not the state.
func checkRemote(f func(ctx context.Context) error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f(context.Background()) }
}

// signInNewUser creates an active Okta user with login (and the given name), assigns it to app appID with
// the app-user profile "Sales User", signs it in through the sandbox's Okta and posts the response to the
// Salesforce ACS, as a first sign-in through the browser would.
func signInNewUser(ctx context.Context, sb *sandbox.Sandbox, okt *okta.Client, appID, login, firstName, lastName string) error {
	var created struct{ ID string }
	if _, err := okt.Raw(ctx, http.MethodPost, "/api/v1/users?activate=true", map[string]any{"profile": map[string]any{
		"login": login, "email": login, "firstName": firstName, "lastName": lastName},
		"credentials": map[string]any{"password": map[string]any{"value": "Correct-Horse-42!"}}}, &created); err != nil { // with a password Okta activates the user at once
		return fmt.Errorf("create the Okta user: %w", err)
	}
	if err := okt.EnsureAppUserProperties(ctx, appID, "profile"); err != nil {
		return err
	}
	if _, err := okt.Raw(ctx, http.MethodPost, "/api/v1/apps/"+appID+"/users", map[string]any{
		"id": created.ID, "scope": "USER", "profile": map[string]any{"profile": "Sales User"}}, nil); err != nil {
		return fmt.Errorf("assign the user to the app: %w", err)
	}
	response, acsURL, err := sb.Okta().SignIn(appID, login)
	if err != nil {
		return fmt.Errorf("sign in through Okta: %w", err)
	}
	return postToACS(ctx, acsURL, response)
}
