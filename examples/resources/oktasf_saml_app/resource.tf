# A custom SAML 2.0 app for the prod org: audience, ACS URL, recipient and destination come from the org.
resource "oktasf_saml_app" "prod" {
  salesforce_org = "prod"
  label          = "Salesforce (prod)"

  # The subject Salesforce matches to the user's Federation ID.
  name_id = {
    format   = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    template = "user.login"
  }

  # Salesforce just-in-time provisioning: User field = Okta expression, sent as "User.<field>" attributes.
  # Plan checks every field and picklist value against the org's User object, every value as an Okta
  # expression (a constant is a quoted string), and a constant ProfileId against the org's profiles.
  jit_attributes = {
    Username             = "user.login"
    Email                = "user.email"
    FirstName            = "user.firstName"
    LastName             = "user.lastName"
    Alias                = "String.substring(user.login, 0, 8)"
    FederationIdentifier = "user.login" # must equal name_id.template
    ProfileId            = "appuser.profile"
    LocaleSidKey         = "\"en_US\""
    LanguageLocaleKey    = "\"en_US\""
    TimeZoneSidKey       = "\"America/Los_Angeles\""
    EmailEncodingKey     = "\"UTF-8\""
  }

  # Other attributes, keyed by attribute name, so their order never shows as a change.
  attribute_statements = {
    "groups" = { group_filter = { type = "STARTS_WITH", value = "Salesforce" } }
  }

  # Change rotation_trigger to rotate the signing key; oktasf_salesforce_sso follows in the same apply.
  signing = {
    validity_years   = 2
    rotation_trigger = "2026-11"
  }
}
