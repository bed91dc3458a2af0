output "app_id" {
  description = "The Okta app ID (0oa…)."
  value       = oktasf_saml_app.this.id
}

output "sso_url" {
  description = "The IdP single sign-on URL, where a browser starts an Okta-initiated sign-in."
  value       = oktasf_saml_app.this.sso_url
}

output "entity_id" {
  description = "The IdP entity ID (issuer) Salesforce trusts."
  value       = oktasf_saml_app.this.entity_id
}

output "certificate" {
  description = "The app's active signing certificate (PEM)."
  value       = oktasf_saml_app.this.certificate
}

output "certificate_sha256" {
  description = "The SHA-256 fingerprint of the app's active signing certificate."
  value       = oktasf_saml_app.this.certificate_sha256
}

output "sso_name" {
  description = "The API name of the org's single sign-on settings."
  value       = oktasf_salesforce_sso.this.name
}

output "sso_certificate_sha256" {
  description = "The SHA-256 fingerprint of the certificate the org's single sign-on settings trust (equals certificate_sha256 when the federation is in order)."
  value       = oktasf_salesforce_sso.this.idp_certificate_sha256
}

output "salesforce_login_url" {
  description = "The org's Salesforce login URL for this configuration (the ACS URL)."
  value       = oktasf_salesforce_sso.this.salesforce_login_url
}

output "org" {
  description = "The org: its ID, name and whether it is a sandbox (read from the org)."
  value = {
    id         = data.oktasf_salesforce_org.this.id
    name       = data.oktasf_salesforce_org.this.name
    is_sandbox = data.oktasf_salesforce_org.this.is_sandbox
  }
}

output "sign_on_policy_id" {
  description = "The app's sign-in policy (rst…), or null on Okta's default policy."
  value       = one(oktasf_signon_policy.this[*].id)
}

output "provisioned_users" {
  description = "Federation IDs of the Salesforce users Okta provisioning manages (empty without provisioning)."
  value       = length(oktasf_user_provisioning.this) == 0 ? tolist([]) : sort(keys(oktasf_user_provisioning.this[0].synced))
}

output "federation_check" {
  description = "The federation check: ok is false when a finding has severity error; findings say what and how to fix."
  value = {
    ok       = data.oktasf_federation_check.this.ok
    findings = [for f in data.oktasf_federation_check.this.findings : { severity = f.severity, code = f.code, message = f.message, fix = f.fix }]
  }
}
