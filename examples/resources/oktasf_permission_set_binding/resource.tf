# Every federated member of the two groups holds Sales_Cloud_User; nobody else with a Federation ID does.
resource "oktasf_permission_set_binding" "sales_cloud" {
  salesforce_org = "prod"
  permission_set = "Sales_Cloud_User"
  group_ids = [
    data.oktasf_okta_group.sales.id,
    data.oktasf_okta_group.admins.id,
  ]
}

# A permission set group, matched by e-mail address instead of login.
resource "oktasf_permission_set_binding" "sales_bundle" {
  salesforce_org          = "prod"
  permission_set_group    = "Sales_Bundle"
  group_ids               = [data.oktasf_okta_group.sales.id]
  federation_id_attribute = "email"
}
