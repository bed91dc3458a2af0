# Production admins sign in only from the office and the VPN, with a High Assurance session. Sign-ins through
# Okta count as High Assurance once the org puts the Okta SAML configuration in the High Assurance column of
# Setup › Session Settings › Session Security Levels (Setup-only), and Okta's sign-on policy requires MFA.
resource "oktasf_salesforce_session_policy" "prod_admins" {
  salesforce_org         = "prod"
  profile                = "Admin"
  required_session_level = "HIGH_ASSURANCE"
  session_timeout        = 120

  login_ip_ranges = [
    { start = "203.0.113.0", end = "203.0.113.255", description = "HQ" },
    { start = "198.51.100.7", end = "198.51.100.7", description = "VPN egress" },
  ]
}
