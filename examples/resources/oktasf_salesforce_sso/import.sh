# Import by "<salesforce_org>/<API name>" (or just the API name when one org is configured).
terraform import oktasf_salesforce_sso.prod prod/Okta

# An instance of a for_each resource: keep the address in single quotes.
terraform import 'oktasf_salesforce_sso.okta["qa"]' qa/Okta
