# Apply runs against a live Okta and Salesforce org (in `make test`, the sandbox): the federation works, and a
# key rotation reaches Salesforce in the same apply. terraform test destroys what the runs created at the end.

provider "oktasf" {
  okta       = var.okta
  salesforce = var.salesforce_orgs
}

variables {
  salesforce_org           = "uat"
  sso_name                 = "Okta_Test"
  signing_rotation_trigger = "2026-01"
  group_mappings = [
    { group_name = "Salesforce Sales", profile = "Sales User", role = "Sales Rep", priority = 0 },
  ]
  sign_on_policy = { name = "Salesforce (module test)", require_mfa = true }
}

run "federates" {
  assert {
    condition     = output.federation_check.ok
    error_message = "The federation check failed: ${jsonencode(output.federation_check.findings)}"
  }

  assert {
    condition     = oktasf_salesforce_sso.this.idp_certificate_sha256 == oktasf_saml_app.this.certificate_sha256
    error_message = "Salesforce trusts ${oktasf_salesforce_sso.this.idp_certificate_sha256}, the app signs with ${oktasf_saml_app.this.certificate_sha256}."
  }

  assert {
    condition     = oktasf_salesforce_sso.this.issuer == oktasf_saml_app.this.entity_id && oktasf_salesforce_sso.this.idp_login_url == output.sso_url
    error_message = "Salesforce's issuer and login URL must be the app's entity ID and SSO URL."
  }

  assert {
    condition     = output.org.is_sandbox && startswith(output.app_id, "0oa")
    error_message = "uat is a sandbox org and the app an Okta app (0oa…): got ${jsonencode(output.org)} and ${output.app_id}."
  }

  assert {
    condition     = oktasf_group_mapping.this["Salesforce Sales"].effective_priority == 0
    error_message = "The sales group is the app's first group."
  }
}

run "rotation" {
  variables {
    signing_rotation_trigger = "2026-07"
  }

  assert {
    condition     = oktasf_saml_app.this.certificate_sha256 != run.federates.certificate_sha256
    error_message = "Changing signing_rotation_trigger must give the app a new signing certificate."
  }

  assert {
    condition     = oktasf_salesforce_sso.this.idp_certificate_sha256 == oktasf_saml_app.this.certificate_sha256
    error_message = "After the rotation's apply Salesforce trusts ${oktasf_salesforce_sso.this.idp_certificate_sha256}, not the new certificate ${oktasf_saml_app.this.certificate_sha256}."
  }

  assert {
    condition     = output.federation_check.ok
    error_message = "The federation check after the rotation failed: ${jsonencode(output.federation_check.findings)}"
  }
}
