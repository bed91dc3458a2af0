# The prod org trusts the Okta app: issuer, certificate and login URL come from the app, so a certificate
# rotation or a new issuer in Okta plans an update here and reaches Salesforce in the same apply.
resource "oktasf_salesforce_sso" "prod" {
  salesforce_org  = "prod"
  name            = "Okta"
  issuer          = oktasf_saml_app.prod.entity_id
  idp_certificate = oktasf_saml_app.prod.certificate
  idp_login_url   = oktasf_saml_app.prod.sso_url

  identity_type     = "FederationId"
  identity_location = "SubjectNameId"
  jit_provisioning  = false
}
