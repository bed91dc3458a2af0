# Import by "<app_id>/<group_id>".
terraform import oktasf_group_mapping.sales 0oa1b2c3d4e5f6g7h8i9/00g1a2b3c4d5e6f7g8h9

# An instance of a for_each resource: keep the address in single quotes.
terraform import 'oktasf_group_mapping.sales["qa"]' 0oa1b2c3d4e5f6g7h8i9/00g1a2b3c4d5e6f7g8h9
