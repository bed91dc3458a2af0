data "oktasf_okta_user_schema" "this" {}

# Map the Okta custom attribute salesRegion to a custom User field only when the Okta org has it.
locals {
  region_mapping = contains(data.oktasf_okta_user_schema.this.custom_properties, "salesRegion") ? {
    Sales_Region__c = "user.salesRegion"
  } : {}
}

output "sales_region_values" {
  value = data.oktasf_okta_user_schema.this.properties["salesRegion"].enum
}
