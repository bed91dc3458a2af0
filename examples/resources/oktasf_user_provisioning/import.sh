# Import by "<salesforce_org>/<app_id>".
terraform import oktasf_user_provisioning.prod prod/0oa1b2c3d4e5f6g7h8i9
