data "oktasf_salesforce_org" "prod" {
  salesforce_org = "prod"
}

# The values an Okta SAML app for this org needs.
output "prod_saml_sp" {
  value = {
    audience = data.oktasf_salesforce_org.prod.sp_entity_id
    acs_url  = data.oktasf_salesforce_org.prod.acs_url
  }
}
