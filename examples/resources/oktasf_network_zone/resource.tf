# The office network: sign-on policy rules can require it (or refuse everything outside it).
resource "oktasf_network_zone" "office" {
  name = "Office"

  # CIDR blocks, ranges (a-b) or single addresses, IPv4 or IPv6. Okta stores a single address as the
  # range "a-a"; it still reads as written, so it never shows as a change.
  gateways = [
    "203.0.113.0/24",
    "198.51.100.10-198.51.100.20",
    "192.0.2.7",
  ]

  # Trusted proxies that forward requests from the gateways (optional).
  proxies = ["192.0.2.50"]
}

# Addresses Okta refuses outright; a blocklist zone has no proxies.
resource "oktasf_network_zone" "blocked" {
  name     = "Blocked"
  usage    = "BLOCKLIST"
  gateways = ["2001:db8:dead::/48"]

  # Kept, but not enforced, while inactive.
  active = false
}
