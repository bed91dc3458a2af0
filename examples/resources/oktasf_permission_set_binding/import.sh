# Import a permission set by "<salesforce_org>/<API name>", a permission set group by "<salesforce_org>/psg:<DeveloperName>".
terraform import oktasf_permission_set_binding.sales_cloud prod/Sales_Cloud_User
terraform import oktasf_permission_set_binding.sales_bundle prod/psg:Sales_Bundle
