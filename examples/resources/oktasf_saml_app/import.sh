# Import by Okta app ID.
terraform import oktasf_saml_app.prod 0oa1b2c3d4e5f6g7h8i9

# With signing.rotation_trigger in the configuration, give its value after the ID, so that it is recorded as
# already applied and the plan after the import is empty (without it, that plan records the trigger; it never
# rotates the key).
terraform import oktasf_saml_app.prod '0oa1b2c3d4e5f6g7h8i9/rotation_trigger=2026-01'

# An instance of a for_each resource: keep the address in single quotes.
terraform import 'oktasf_saml_app.salesforce["qa"]' 0oa1b2c3d4e5f6g7h8i9
