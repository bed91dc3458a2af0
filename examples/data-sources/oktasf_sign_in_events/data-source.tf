# The refused sign-ins to prod through its Okta app in the last 24 hours, Okta's and Salesforce's on one time line.
data "oktasf_sign_in_events" "prod_failures" {
  app_id         = oktasf_saml_app.prod.id
  salesforce_org = "prod"
  since          = "24h"
  outcome        = "FAILURE"
  limit          = 50
}

output "prod_refused_sign_ins" {
  value = [
    for e in data.oktasf_sign_in_events.prod_failures.events :
    "${e.time} ${e.source} ${e.type} ${e.actor} from ${e.ip_address}: ${e.reason}"
  ]
}

# Everything in a fixed window: sign-ins, sign-on policy decisions, app assignments and the Setup changes
# (Federation IDs, profiles, permission sets, SSO settings) that decide who can sign in.
data "oktasf_sign_in_events" "prod_incident" {
  app_id         = oktasf_saml_app.prod.id
  salesforce_org = "prod"
  since          = "2026-05-01T08:00:00Z"
  until          = "2026-05-01T10:00:00Z"
}
