# The demo: one Okta org and the Salesforce orgs qa, uat and prod, all served by the local sandbox.
# `make demo` passes the sandbox's URLs and credentials in TF_VAR_okta and TF_VAR_salesforce_orgs.

terraform {
  required_providers {
    oktasf = {
      source = "oktasf/oktasf"
    }
  }
}

variable "okta" {
  description = "The Okta org: org_url and api_token."
  type = object({
    org_url   = string
    api_token = string
  })
  sensitive = true
}

variable "salesforce_orgs" {
  description = "The Salesforce orgs by alias: login_url, client_id, username and private_key (JWT bearer flow), and jwt_audience where the login URL does not show whether the org is a sandbox."
  type = map(object({
    login_url    = string
    client_id    = string
    username     = string
    private_key  = string
    jwt_audience = optional(string)
  }))
  sensitive = true
}

provider "oktasf" {
  okta       = var.okta
  salesforce = var.salesforce_orgs
}

# What each org offers an Okta SAML app: its entity ID and assertion consumer service URL.
data "oktasf_salesforce_org" "org" {
  for_each       = nonsensitive(toset(keys(var.salesforce_orgs)))
  salesforce_org = each.key
}

# One Okta SAML app per org, its URLs derived from the org.
resource "oktasf_saml_app" "salesforce" {
  for_each       = data.oktasf_salesforce_org.org
  salesforce_org = each.key
  label          = "Salesforce (${each.value.name})"

  attribute_statements = {
    "User.Email"     = { values = ["user.email"] }
    "User.FirstName" = { values = ["user.firstName"] }
    "User.LastName"  = { values = ["user.lastName"] }
  }
}

# Each org trusts its app: issuer, certificate and login URL come from the app.
resource "oktasf_salesforce_sso" "okta" {
  for_each        = oktasf_saml_app.salesforce
  salesforce_org  = each.key
  name            = "Okta"
  issuer          = each.value.entity_id
  idp_certificate = each.value.certificate
  idp_login_url   = each.value.sso_url

  # A "Okta" button on the org's login page: a user who opens Salesforce first signs in through Okta (SP-initiated).
  show_on_login_page = true
}

# The Okta group whose members get Salesforce.
data "oktasf_okta_group" "salesforce_users" {
  name = "Salesforce Users"
}

output "salesforce_orgs" {
  description = "Per org: its ID, whether it is a sandbox, and the SAML service-provider values."
  value = {
    for alias, org in data.oktasf_salesforce_org.org : alias => {
      org_id       = org.id
      name         = org.name
      is_sandbox   = org.is_sandbox
      sp_entity_id = org.sp_entity_id
      acs_url      = org.acs_url
    }
  }
}

# In qa, Okta decides who gets Salesforce and with what: groups map to profiles and roles, Okta-driven
# provisioning creates the users, and a permission set follows group membership.
data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}

data "oktasf_okta_group" "admins" {
  name = "Salesforce Admins"
}

resource "oktasf_group_mapping" "qa_admins" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.salesforce["qa"].id
  group_id       = data.oktasf_okta_group.admins.id
  priority       = 0
  profile        = "System Administrator"
}

resource "oktasf_group_mapping" "qa_sales" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.salesforce["qa"].id
  group_id       = data.oktasf_okta_group.sales.id
  priority       = 1
  profile        = "Sales User"
  role           = "Sales Rep"
  depends_on     = [oktasf_group_mapping.qa_admins]
}

resource "oktasf_user_provisioning" "qa" {
  salesforce_org = "qa"
  app_id         = oktasf_saml_app.salesforce["qa"].id
  username       = { source = "login", suffix = ".qa" }
  attributes = {
    FirstName = "user.firstName"
    LastName  = "user.lastName"
    Email     = "user.email"
    Alias     = "user.lastName"
    # Custom User fields of qa, checked at plan against the Okta user schema and the org's describe (type, length,
    # restricted picklist values): a base Okta attribute and a custom one.
    Cost_Center__c  = "user.costCenter"
    Sales_Region__c = "user.salesRegion"
  }
  # The mappings' group, profile and role: provisioning applies after them, and one apply carries their changes.
  group_mappings = [oktasf_group_mapping.qa_admins, oktasf_group_mapping.qa_sales]
}

resource "oktasf_permission_set_binding" "qa_sales_cloud" {
  salesforce_org = "qa"
  permission_set = "Sales_Cloud_User"
  group_ids      = [data.oktasf_okta_group.sales.id]
  depends_on     = [oktasf_user_provisioning.qa]
}

output "qa_provisioning" {
  description = "The qa users Okta manages (Federation IDs) and who holds Sales_Cloud_User."
  value = {
    users            = sort(keys(oktasf_user_provisioning.qa.synced))
    sales_cloud_user = sort(oktasf_permission_set_binding.qa_sales_cloud.assigned_federation_ids)
  }
}

output "federation" {
  description = "Per org: the Okta app, its signing certificate's expiry, and the Salesforce login URL that trusts it (null until the org's SSO settings are in the state)."
  value = {
    for alias, app in oktasf_saml_app.salesforce : alias => {
      app_id              = app.id
      issuer              = app.entity_id
      certificate_expires = app.certificate_not_after
      # try(): an app imported alone (terraform import 'oktasf_saml_app.salesforce["qa"]' 0oa…) has no SSO settings in the state yet.
      salesforce_login_url = try(oktasf_salesforce_sso.okta[alias].salesforce_login_url, null)
    }
  }
}

output "salesforce_users_group" {
  description = "The Okta group that grants Salesforce, and how many members it has."
  value = {
    id           = data.oktasf_okta_group.salesforce_users.id
    member_count = data.oktasf_okta_group.salesforce_users.member_count
  }
}

# In prod, Okta decides who may sign in, from where and how: the app's sign-in policy lets members of
# "Salesforce Users" in from the office network only, with a second factor, and denies everything else.
# Okta signs in only users the app is assigned to, so the sales group gets it; prod has no provisioning here, and
# the user a sign-in reaches is one prod already has with the Okta login as Federation ID (Alice, in the seed).
resource "oktasf_group_mapping" "prod_sales" {
  salesforce_org = "prod"
  app_id         = oktasf_saml_app.salesforce["prod"].id
  group_id       = data.oktasf_okta_group.sales.id
  priority       = 0
  profile        = "Sales User"
  role           = "Sales Rep"
}

# 203.0.113.0/24 is a documentation range (RFC 5737): the office's gateways.
resource "oktasf_network_zone" "office" {
  name     = "Office"
  gateways = ["203.0.113.0/24"]
}

resource "oktasf_signon_policy" "prod" {
  app_id      = oktasf_saml_app.salesforce["prod"].id
  name        = "Salesforce (prod)"
  description = "Salesforce users sign in to prod from the office with a second factor"

  rules = [
    {
      name    = "users-office-2fa"
      people  = { groups_include = [data.oktasf_okta_group.salesforce_users.id] }
      network = { connection = "ZONE", zones_include = [oktasf_network_zone.office.id] }
      access  = "ALLOW"
      verification = {
        factor_mode       = "2FA"
        reauthenticate_in = "PT2H"
      }
    },
  ]

  # Everyone else, and every sign-in from outside the office, is denied.
  catch_all = { access = "DENY" }
}

output "prod_signon_policy" {
  description = "Who may sign in to prod, from where and how; sso_url is where a browser starts a sign-in (make demo plays two)."
  value = {
    policy_id = oktasf_signon_policy.prod.id
    allowed   = "${data.oktasf_okta_group.salesforce_users.name} from ${join(", ", oktasf_network_zone.office.gateways)} with ${oktasf_signon_policy.prod.rules[0].verification.factor_mode}"
    otherwise = oktasf_signon_policy.prod.catch_all.access
    sso_url   = oktasf_saml_app.salesforce["prod"].sso_url
  }
}

# Both sides of each org's federation, checked on every plan: certificates, issuer and URLs, NameID format,
# the attributes JIT needs, duplicate Federation IDs, users on one side only, recent sign-in failures. While the
# SSO settings have a change pending, Terraform reads it at apply; `terraform plan -refresh-only` reads it at
# once and shows what a change made outside Terraform breaks.
data "oktasf_federation_check" "org" {
  for_each       = oktasf_saml_app.salesforce
  app_id         = each.value.id
  salesforce_org = each.key
  sso_name       = oktasf_salesforce_sso.okta[each.key].name

  # Read after everything that decides who is assigned and who has a Salesforce user.
  depends_on = [oktasf_group_mapping.prod_sales, oktasf_user_provisioning.qa, oktasf_permission_set_binding.qa_sales_cloud]
}

check "federation" {
  assert {
    condition = alltrue([for c in data.oktasf_federation_check.org : c.ok])
    error_message = join("\n", flatten([
      for alias, c in data.oktasf_federation_check.org : [
        for f in c.findings : "${alias}: ${f.code}: ${f.message} Fix: ${f.fix}" if f.severity == "error"
      ]
    ]))
  }
}

output "federation_check" {
  description = "Per org: whether the federation check passed, and its findings."
  value = {
    for alias, c in data.oktasf_federation_check.org : alias => {
      ok       = c.ok
      findings = [for f in c.findings : "${f.severity} ${f.code}: ${f.message}"]
    }
  }
}
