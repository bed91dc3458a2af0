# One state, one provider configuration per environment: each alias holds only its org's credentials (for
# example a token per environment from a secret store), and each module call is given its environment's
# provider. Terraform cannot choose a module's provider per for_each instance, so each environment has a
# module block of its own.

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
  description = "The Salesforce orgs qa, uat and prod: login_url, client_id, username, private_key and optional jwt_audience."
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
  alias      = "qa"
  okta       = var.okta
  salesforce = { qa = var.salesforce_orgs["qa"] }
}

provider "oktasf" {
  alias      = "uat"
  okta       = var.okta
  salesforce = { uat = var.salesforce_orgs["uat"] }
}

provider "oktasf" {
  alias      = "prod"
  okta       = var.okta
  salesforce = { prod = var.salesforce_orgs["prod"] }
}

module "qa" {
  source    = "../../modules/salesforce-federation"
  providers = { oktasf = oktasf.qa }

  salesforce_org = "qa"
  group_mappings = [{ group_name = "Salesforce Sales", profile = "Sales User", role = "Sales Rep", priority = 0 }]
  sign_on_policy = { require_mfa = false }
}

module "uat" {
  source    = "../../modules/salesforce-federation"
  providers = { oktasf = oktasf.uat }

  salesforce_org = "uat"
  group_mappings = [{ group_name = "Salesforce Sales", profile = "Sales User", role = "Sales Rep", priority = 0 }]
  provisioning   = { enabled = true, username_suffix = ".uat" }
  sign_on_policy = { require_mfa = true }
}

module "prod" {
  source    = "../../modules/salesforce-federation"
  providers = { oktasf = oktasf.prod }

  salesforce_org = "prod"
  group_mappings = [{ group_name = "Salesforce Sales", profile = "Sales User", role = "Sales Rep", priority = 0 }]
  sign_on_policy = { require_mfa = true, network_zone_ids = [oktasf_network_zone.office.id] }
}

# The office zone is Okta-wide; any of the providers can manage it.
resource "oktasf_network_zone" "office" {
  provider = oktasf.prod
  name     = "Office"
  gateways = ["203.0.113.0/24"]
}

output "app_ids" {
  description = "The Okta app of each environment."
  value       = { qa = module.qa.app_id, uat = module.uat.app_id, prod = module.prod.app_id }
}
