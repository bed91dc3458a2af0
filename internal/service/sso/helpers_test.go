package sso_test

import (
	"context"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
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
