# Debug what Okta posts to Salesforce: paste the SAMLResponse form value captured in the browser
# (developer tools, network tab, the POST to https://<my-domain>.my.salesforce.com?so=<org id>).
variable "saml_response" {
  type      = string
  sensitive = true
}

locals {
  idp = provider::oktasf::parse_saml_metadata(file("${path.module}/idp-metadata.xml"))
  # The optional third argument is the time the certificate must be valid at; plantimestamp() gives plan and
  # apply the same answer. Without it the certificate is checked as of now.
  sso = provider::oktasf::decode_saml_response(var.saml_response, local.idp.certificate, plantimestamp())
}

# The top-level values are null unless the signature verified; signature_error says why it did not, and
# unverified holds what the document claims, for debugging only.
output "assertion" {
  sensitive = true
  value = {
    signature_valid = local.sso.signature_valid
    signature_error = local.sso.signature_error
    issuer          = local.sso.issuer
    subject         = local.sso.subject
    audience        = local.sso.audience
    jit_email       = try(local.sso.attributes["User.Email"][0], null)
    expires         = local.sso.not_on_or_after
    claimed_subject = local.sso.unverified.subject
  }
}
