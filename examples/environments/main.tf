# QA, UAT and production from one module: one Okta org, three Salesforce orgs (the provider's `salesforce` map
# holds qa, uat and prod), the same module applied to each with the differences in var.environments.
# Against the sandbox: TF_VAR_okta and TF_VAR_salesforce_orgs hold its connection (see README.md).

terraform {
  required_version = ">= 1.6"

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
  description = "The Salesforce orgs by alias (qa, uat, prod): login_url, client_id, username and private_key (JWT bearer flow), and jwt_audience where the login URL does not show whether the org is a sandbox."
  type = map(object({
    login_url    = string
    client_id    = string
    username     = string
    private_key  = string
    jwt_audience = optional(string)
  }))
  sensitive = true
}

variable "environments" {
  description = "Per environment (a key of salesforce_orgs): Okta group name → Salesforce profile, role and priority; permission set API name → group names; whether Okta provisions users (and the username suffix); whether sign-in needs a second factor and must come from the office."
  type = map(object({
    groups = map(object({
      profile  = string
      role     = optional(string)
      priority = number
    }))
    permission_sets = optional(map(list(string)), {})
    provisioning    = optional(bool, false)
    username_suffix = optional(string)
    require_mfa     = bool
    office_only     = optional(bool, false)
  }))

  default = {
    qa = {
      groups = {
        "Salesforce Admins" = { profile = "System Administrator", priority = 0 }
        "Salesforce Sales"  = { profile = "Sales User", role = "Sales Rep", priority = 1 }
      }
      permission_sets = { Sales_Cloud_User = ["Salesforce Sales"] }
      require_mfa     = false # testers sign in with one factor, from anywhere
    }
    uat = {
      groups = {
        "Salesforce Sales"   = { profile = "Sales User", role = "Sales Rep", priority = 0 }
        "Salesforce Support" = { profile = "Support User", role = "Support Agent", priority = 1 }
      }
      permission_sets = { Sales_Cloud_User = ["Salesforce Sales"] }
      provisioning    = true # Okta creates the UAT users (usernames end in .uat)
      username_suffix = ".uat"
      require_mfa     = true
    }
    prod = {
      groups = {
        "Salesforce Sales" = { profile = "Sales User", role = "Sales Rep", priority = 0 }
      }
      require_mfa = true
      office_only = true # production: two factors, from the office network only
    }
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : alltrue([for gs in values(e.permission_sets) : length(setsubtract(gs, keys(e.groups))) == 0])])
    error_message = "environments: a permission set may only be bound to groups the environment maps in groups (the app's users); add the group to groups or remove it from permission_sets."
  }
}

provider "oktasf" {
  okta       = var.okta
  salesforce = var.salesforce_orgs
}

# Every group an environment maps or binds a permission set to, looked up once.
data "oktasf_okta_group" "group" {
  for_each = toset(flatten([for e in values(var.environments) : keys(e.groups)]))
  name     = each.key
}

data "oktasf_okta_group" "salesforce_users" {
  name = "Salesforce Users"
}

# 203.0.113.0/24 is a documentation range (RFC 5737): the office's gateways.
resource "oktasf_network_zone" "office" {
  name     = "Office"
  gateways = ["203.0.113.0/24"]
}

module "salesforce" {
  source   = "../modules/salesforce-federation"
  for_each = var.environments

  salesforce_org = each.key
  sso_name       = "Okta"

  group_mappings = [
    for name, g in each.value.groups : { group_name = name, profile = g.profile, role = g.role, priority = g.priority }
  ]

  permission_set_bindings = {
    for ps, groups in each.value.permission_sets : ps => [for g in groups : data.oktasf_okta_group.group[g].id]
  }

  provisioning = {
    enabled         = each.value.provisioning
    username_suffix = each.value.username_suffix
  }

  sign_on_policy = {
    name              = "Salesforce (${each.key})"
    require_mfa       = each.value.require_mfa
    allowed_group_ids = [data.oktasf_okta_group.salesforce_users.id]
    network_zone_ids  = each.value.office_only ? [oktasf_network_zone.office.id] : []
    reauthenticate_in = each.value.require_mfa ? "PT2H" : "PT12H"
  }
}

# Whether an org is a sandbox is read from the org, not from its alias: an org that is not a sandbox gets
# production's sign-in rules, whatever its key.
check "production_sign_in" {
  assert {
    condition     = alltrue([for env, m in module.salesforce : m.org.is_sandbox || (var.environments[env].require_mfa && var.environments[env].office_only)])
    error_message = "A production org (is_sandbox false) must require a second factor from the office: set require_mfa and office_only for ${join(", ", [for env, m in module.salesforce : env if !m.org.is_sandbox && !(var.environments[env].require_mfa && var.environments[env].office_only)])}."
  }
}

output "environments" {
  description = "Per environment: the org, the Okta app, where sign-in starts, the sign-in policy and the federation check."
  value = {
    for env, m in module.salesforce : env => {
      org_id            = m.org.id
      is_sandbox        = m.org.is_sandbox
      app_id            = m.app_id
      entity_id         = m.entity_id
      sso_url           = m.sso_url
      sign_on_policy_id = m.sign_on_policy_id
      provisioned_users = m.provisioned_users
      federation_ok     = m.federation_check.ok
    }
  }
}
