# One root per environment, each with its own state and its own credentials: the pipeline of an environment
# holds only that environment's Salesforce credentials, and a plan of qa never reads uat or prod.
#
#   terraform init -backend-config="path=state/qa.tfstate"     # or an S3/GCS key per environment
#   terraform apply -var env=qa                                 # TF_VAR_okta, TF_VAR_salesforce_org: qa's credentials
#
# Promote by applying the same commit with -var env=uat, then -var env=prod.

terraform {
  required_version = ">= 1.6"

  required_providers {
    oktasf = {
      source = "oktasf/oktasf"
    }
  }

  # The state path comes from -backend-config, one file (or bucket key) per environment.
  backend "local" {}
}

variable "env" {
  description = "The environment this state holds: qa, uat or prod."
  type        = string

  validation {
    condition     = contains(["qa", "uat", "prod"], var.env)
    error_message = "env must be qa, uat or prod; got \"${var.env}\"."
  }
}

variable "okta" {
  description = "The Okta org: org_url and api_token (a token that may manage this environment's app)."
  type = object({
    org_url   = string
    api_token = string
  })
  sensitive = true
}

variable "salesforce_org" {
  description = "This environment's Salesforce org only: login_url, client_id, username, private_key and, where the login URL does not show whether the org is a sandbox, jwt_audience."
  type = object({
    login_url    = string
    client_id    = string
    username     = string
    private_key  = string
    jwt_audience = optional(string)
  })
  sensitive = true
}

locals {
  # What differs between environments; the module is the same.
  settings = {
    qa   = { require_mfa = false, office_only = false, provisioning = false }
    uat  = { require_mfa = true, office_only = false, provisioning = true }
    prod = { require_mfa = true, office_only = true, provisioning = false }
  }[var.env]
}

provider "oktasf" {
  okta       = var.okta
  salesforce = { (var.env) = var.salesforce_org }
}

data "oktasf_okta_group" "salesforce_users" {
  name = "Salesforce Users"
}

# In the per-environment layout each state owns its own zone; a zone shared by all environments belongs in a
# state of its own, passed in by ID.
resource "oktasf_network_zone" "office" {
  count    = local.settings.office_only ? 1 : 0
  name     = "Office (${var.env})"
  gateways = ["203.0.113.0/24"]
}

module "salesforce" {
  source = "../../modules/salesforce-federation"

  salesforce_org = var.env
  group_mappings = [{ group_name = "Salesforce Sales", profile = "Sales User", role = "Sales Rep", priority = 0 }]
  provisioning   = { enabled = local.settings.provisioning, username_suffix = var.env == "prod" ? null : ".${var.env}" }

  sign_on_policy = {
    require_mfa       = local.settings.require_mfa
    allowed_group_ids = [data.oktasf_okta_group.salesforce_users.id]
    network_zone_ids  = oktasf_network_zone.office[*].id
  }
}

output "federation" {
  description = "The environment's app, where sign-in starts, and the federation check."
  value = {
    app_id        = module.salesforce.app_id
    sso_url       = module.salesforce.sso_url
    is_sandbox    = module.salesforce.org.is_sandbox
    federation_ok = module.salesforce.federation_check.ok
  }
}
