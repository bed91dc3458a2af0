# Finds a permission set by API name, or a permission set group by DeveloperName.
data "oktasf_salesforce_permission_set" "bundle" {
  salesforce_org = "prod"
  name           = "Sales_Bundle"
}

output "bundle_is_group" {
  value = data.oktasf_salesforce_permission_set.bundle.is_group
}
