data "oktasf_okta_group" "admins" {
  name = "Salesforce Admins"
}

# Salesforce admins sign in from the office only, with a phishing-resistant second factor every 2 hours;
# everyone else is denied. The order of rules is their priority.
resource "oktasf_signon_policy" "salesforce" {
  app_id      = oktasf_saml_app.prod.id
  name        = "Salesforce"
  description = "Who may sign in to Salesforce, from where and how"

  rules = [
    {
      name    = "admins-office"
      people  = { groups_include = [data.oktasf_okta_group.admins.id] }
      network = { connection = "ZONE", zones_include = [oktasf_network_zone.office.id] }
      access  = "ALLOW"
      verification = {
        factor_mode        = "2FA"
        reauthenticate_in  = "PT2H"
        phishing_resistant = true
      }
    },
    {
      name   = "everyone-else"
      access = "DENY"
    },
  ]

  # The rule Okta creates with every policy, for sign-ins no rule matches.
  catch_all = { access = "DENY" }
}
