# Okta is the system of record for the Salesforce users of the prod app: every app user (here through the
# group mappings) gets a Salesforce user, leavers are deactivated and returning users reactivated.
# Destroying this resource leaves every Salesforce user as it is unless on_destroy = "deactivate".
resource "oktasf_user_provisioning" "prod" {
  salesforce_org  = "prod"
  app_id          = oktasf_saml_app.prod.id
  default_profile = "Read Only"

  # Usernames are unique across all Salesforce orgs: sandboxes use a suffix such as ".qa".
  username = {
    source = "login"
    suffix = ""
  }

  attributes = {
    FirstName      = "user.firstName"
    LastName       = "user.lastName"
    Email          = "user.email"
    Alias          = "user.firstName" # cut to 8 characters
    Title          = "user.title"
    Department     = "user.department"
    TimeZoneSidKey = "'Europe/Berlin'"
  }

  # Match people who already have a Salesforce user without a Federation ID, by username and then email.
  adopt_existing = true

  # Profile and role come from the app user's highest-priority group. Listing the mappings orders this
  # resource after them and lets one apply carry a mapping's new profile or role (or its removal) to the users.
  group_mappings = [oktasf_group_mapping.admins, oktasf_group_mapping.sales]

  # "keep" (default) leaves the users active on destroy; "deactivate" deactivates those this resource manages.
  on_destroy = "deactivate"
}
