data "oktasf_federation_check" "prod" {
  app_id         = oktasf_saml_app.prod.id
  salesforce_org = "prod"
  sso_name       = oktasf_salesforce_sso.prod.name

  certificate_expiry_days = 45 # warn this long before the signing certificate expires
  sign_in_failure_hours   = 24 # report failed sign-ins of the last day
}

# Warn on every plan and apply while the federation has errors.
check "federation" {
  assert {
    condition = data.oktasf_federation_check.prod.ok
    error_message = join("\n", [
      for f in data.oktasf_federation_check.prod.findings :
      "${f.severity} ${f.code}: ${f.message} Fix: ${f.fix}" if f.severity == "error"
    ])
  }
}

# Or stop the run instead: a postcondition fails the plan.
output "federation_findings" {
  value = data.oktasf_federation_check.prod.findings

  precondition {
    condition     = data.oktasf_federation_check.prod.ok
    error_message = "The Okta–Salesforce federation of org prod has errors; see the findings."
  }
}
