# A custom SAML 2.0 app for the prod org: audience, ACS URL, recipient and destination come from the org.
resource "oktasf_saml_app" "prod" {
  salesforce_org = "prod"
  label          = "Salesforce (prod)"

  # The subject Salesforce matches to the user's Federation ID.
  name_id = {
    format   = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    template = "user.login"
  }

  # Keyed by attribute name, so their order never shows as a change.
  attribute_statements = {
    "User.Email"     = { values = ["user.email"] }
    "User.FirstName" = { values = ["user.firstName"] }
    "User.LastName"  = { values = ["user.lastName"] }
    "groups"         = { group_filter = { type = "STARTS_WITH", value = "Salesforce" } }
  }

  # Change rotation_trigger to rotate the signing key; oktasf_salesforce_sso follows in the same apply.
  signing = {
    validity_years   = 2
    rotation_trigger = "2026-11"
  }
}
