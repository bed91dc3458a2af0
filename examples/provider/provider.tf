# One Okta org and two Salesforce orgs. Resources name an org by its alias in salesforce_org.
provider "oktasf" {
  okta = {
    org_url   = "https://acme.okta.com"
    api_token = var.okta_api_token
  }
  salesforce = {
    # JWT bearer flow: the connected app holds the certificate of this key.
    prod = {
      login_url   = "https://acme.my.salesforce.com"
      client_id   = var.prod_client_id
      username    = "terraform@acme.com"
      private_key = var.prod_private_key
    }
    # Client credentials flow: the app's run-as user acts for the provider.
    uat = {
      login_url     = "https://acme--uat.sandbox.my.salesforce.com"
      client_id     = var.uat_client_id
      client_secret = var.uat_client_secret
    }
  }
}

variable "okta_api_token" {
  type      = string
  sensitive = true
}

variable "prod_client_id" {
  type = string
}

variable "prod_private_key" {
  type      = string
  sensitive = true
}

variable "uat_client_id" {
  type = string
}

variable "uat_client_secret" {
  type      = string
  sensitive = true
}
