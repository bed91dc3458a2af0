package tfrun

// ConfigHeader is the provider requirement, the sandbox's variables (TerraformVariables) and the provider
// block of every configuration the tools generate (bench, chaos).
const ConfigHeader = `terraform {
  required_providers {
    oktasf = { source = "oktasf/oktasf" }
  }
}

variable "okta" {
  type      = object({ org_url = string, api_token = string })
  sensitive = true
}

variable "salesforce_orgs" {
  type      = map(object({ login_url = string, client_id = string, username = string, private_key = string, jwt_audience = optional(string) }))
  sensitive = true
}

provider "oktasf" {
  okta       = var.okta
  salesforce = var.salesforce_orgs
}

`
