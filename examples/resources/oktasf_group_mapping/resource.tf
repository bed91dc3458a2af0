data "oktasf_okta_group" "admins" {
  name = "Salesforce Admins"
}

data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}

# Admins come first: a user in both groups gets the admins' profile and role.
resource "oktasf_group_mapping" "admins" {
  app_id         = oktasf_saml_app.prod.id
  group_id       = data.oktasf_okta_group.admins.id
  priority       = 0
  profile        = "System Administrator"
  salesforce_org = "prod"
}

resource "oktasf_group_mapping" "sales" {
  app_id         = oktasf_saml_app.prod.id
  group_id       = data.oktasf_okta_group.sales.id
  priority       = 1
  profile        = "Sales User"
  role           = "Sales Rep"
  salesforce_org = "prod"

  # Okta renumbers priorities densely; creating in order keeps effective_priority equal to priority.
  depends_on = [oktasf_group_mapping.admins]
}
