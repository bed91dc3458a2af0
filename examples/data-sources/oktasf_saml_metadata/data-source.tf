# The active signing key of an Okta SAML app: what Salesforce's SSO settings need.
data "oktasf_saml_metadata" "prod" {
  app_id = oktasf_saml_app.prod.id
}

output "prod_idp" {
  value = {
    issuer      = data.oktasf_saml_metadata.prod.entity_id
    login_url   = data.oktasf_saml_metadata.prod.sso_url
    fingerprint = data.oktasf_saml_metadata.prod.certificate_sha256
    expires     = data.oktasf_saml_metadata.prod.certificate_not_after
  }
}

# A specific key, for example a new one staged before a rotation.
data "oktasf_saml_metadata" "next_key" {
  app_id = oktasf_saml_app.prod.id
  key_id = "FZzs5nQXh04iG6QpgvZoQEopRB29rwVvcWQIXsdiSUM"
}
