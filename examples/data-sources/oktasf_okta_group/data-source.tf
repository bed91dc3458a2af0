data "oktasf_okta_group" "sales" {
  name = "Salesforce Sales"
}

output "sales_group" {
  value = "${data.oktasf_okta_group.sales.id} has ${data.oktasf_okta_group.sales.member_count} members"
}
