# Import a permission set by "<salesforce_org>/<API name>", a permission set group by "<salesforce_org>/psg:<DeveloperName>",
# followed by "/<group ID>,<group ID>…" (and "/<federation_id_attribute>" when not login) so that the plan after import is empty.
terraform import oktasf_permission_set_binding.sales_cloud prod/Sales_Cloud_User/00g1emaKYZTWRYYRRTSK,00gak46y5hydV6NdM0g4
terraform import oktasf_permission_set_binding.sales_bundle prod/psg:Sales_Bundle/00g1emaKYZTWRYYRRTSK/email
