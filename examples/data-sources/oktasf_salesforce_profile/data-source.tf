data "oktasf_salesforce_profile" "sales" {
  salesforce_org = "prod"
  name           = "Sales User"
}

output "sales_profile" {
  value = "${data.oktasf_salesforce_profile.sales.id} (${data.oktasf_salesforce_profile.sales.user_license} license)"
}
