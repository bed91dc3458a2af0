# Import by the Okta zone ID.
terraform import oktasf_network_zone.office nzo1a2b3c4d5e6f7g8h9

# An instance of a for_each resource: keep the address in single quotes.
terraform import 'oktasf_network_zone.office["hq"]' nzo1a2b3c4d5e6f7g8h9
