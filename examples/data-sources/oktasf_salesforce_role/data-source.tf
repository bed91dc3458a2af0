data "oktasf_salesforce_role" "sales_rep" {
  salesforce_org = "prod"
  name           = "Sales Rep"
}

output "sales_rep_reports_to" {
  value = data.oktasf_salesforce_role.sales_rep.parent_role_id
}
