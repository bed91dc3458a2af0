# Import by "<salesforce_org>/<profile>" (or just the profile when one org is configured).
terraform import oktasf_salesforce_session_policy.prod_admins prod/Admin
