# Import by the policy ID; the app bound to it is read back.
terraform import oktasf_signon_policy.salesforce rst1a2b3c4d5e6f7g8h9

# When several apps are bound to the policy, name the app: "<policy_id>/<app_id>".
terraform import oktasf_signon_policy.salesforce rst1a2b3c4d5e6f7g8h9/0oa1b2c3d4e5f6g7h8i9
