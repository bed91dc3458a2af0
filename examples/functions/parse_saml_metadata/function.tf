# Metadata downloaded from an identity provider, for example Okta's
# https://acme.okta.com/app/exk.../sso/saml/metadata.
locals {
  idp = provider::oktasf::parse_saml_metadata(file("${path.module}/idp-metadata.xml"))
}

output "idp" {
  value = {
    issuer      = local.idp.entity_id
    login_url   = local.idp.sso_url
    certificate = local.idp.certificate
    fingerprint = local.idp.certificate_sha256
    expires     = local.idp.certificate_not_after
  }
}
