# Import by Okta app ID.
terraform import oktasf_saml_app.prod 0oa1b2c3d4e5f6g7h8i9
