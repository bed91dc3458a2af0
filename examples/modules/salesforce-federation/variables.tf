variable "salesforce_org" {
  description = "The alias of the Salesforce org in the provider's `salesforce` map, for example `prod`."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.salesforce_org))
    error_message = "salesforce_org must be an alias of the provider's salesforce map (letters, digits, _ and -), for example \"prod\"; got \"${var.salesforce_org}\"."
  }
}

variable "label" {
  description = "The Okta app's label. Default \"Salesforce (<org name>)\", the name read from the org."
  type        = string
  default     = null

  validation {
    condition     = var.label == null || try(length(trimspace(var.label)) > 0 && length(var.label) <= 100, false)
    error_message = "label must be 1 to 100 characters, or left out for \"Salesforce (<org name>)\"."
  }
}

variable "sso_name" {
  description = "The API name of the org's single sign-on settings (letters, digits and single underscores, starting with a letter)."
  type        = string
  default     = "Okta"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]*$", var.sso_name)) && !strcontains(var.sso_name, "__") && !endswith(var.sso_name, "_")
    error_message = "sso_name must start with a letter and hold only letters, digits and single underscores, not ending in _, for example \"Okta\"; got \"${var.sso_name}\"."
  }
}

variable "attribute_statements" {
  description = "SAML attribute statements by attribute name: `values` (Okta expressions) or a `group_filter` (`type` STARTS_WITH, EQUALS, CONTAINS or REGEX, and `value`)."
  type = map(object({
    values       = optional(list(string))
    group_filter = optional(object({ type = string, value = string }))
    namespace    = optional(string)
  }))
  default = {
    "User.Email"     = { values = ["user.email"] }
    "User.FirstName" = { values = ["user.firstName"] }
    "User.LastName"  = { values = ["user.lastName"] }
  }

  validation {
    condition     = alltrue([for s in var.attribute_statements : (s.values == null) != (s.group_filter == null)])
    error_message = "attribute_statements: give each statement either values or group_filter, not both and not neither (${join(", ", [for n, s in var.attribute_statements : n if(s.values == null) == (s.group_filter == null)])})."
  }

  validation {
    condition     = alltrue([for s in var.attribute_statements : s.group_filter == null || contains(["STARTS_WITH", "EQUALS", "CONTAINS", "REGEX"], try(s.group_filter.type, ""))])
    error_message = "attribute_statements: group_filter.type must be STARTS_WITH, EQUALS, CONTAINS or REGEX."
  }
}

variable "group_mappings" {
  description = "Okta groups assigned to the app with the Salesforce profile and role their members get: `group_name` or `group_id` (one of them), `profile`, optional `role` and `priority` (0 first; a user in several groups gets the lowest number's)."
  type = list(object({
    group_name = optional(string)
    group_id   = optional(string)
    profile    = string
    role       = optional(string)
    priority   = optional(number)
  }))
  default = []

  validation {
    condition     = alltrue([for m in var.group_mappings : (m.group_name == null) != (m.group_id == null)])
    error_message = "group_mappings: give each mapping exactly one of group_name (the Okta group's exact name) and group_id (00g…)."
  }

  validation {
    condition     = alltrue([for m in var.group_mappings : length(trimspace(m.profile)) > 0])
    error_message = "group_mappings: profile must name a Salesforce profile, for example \"Sales User\"."
  }

  validation {
    condition     = alltrue([for m in var.group_mappings : m.priority == null || try(m.priority >= 0 && floor(m.priority) == m.priority, false)])
    error_message = "group_mappings: priority must be a whole number from 0 (first), or left out to append the group after the others."
  }

  validation {
    condition     = length(distinct([for m in var.group_mappings : coalesce(m.group_name, m.group_id, "-")])) == length(var.group_mappings)
    error_message = "group_mappings: each Okta group may be mapped once (Okta keeps one profile and role per group and app); remove the duplicate."
  }

  validation {
    condition     = length(compact([for m in var.group_mappings : m.priority == null ? "" : tostring(m.priority)])) == length(distinct(compact([for m in var.group_mappings : m.priority == null ? "" : tostring(m.priority)])))
    error_message = "group_mappings: two mappings have the same priority; give each group its own number."
  }
}

variable "permission_set_bindings" {
  description = "Salesforce permission set API name → the Okta group IDs whose members get it, for example `{ Sales_Cloud_User = [data.oktasf_okta_group.sales.id] }`."
  type        = map(set(string))
  default     = {}

  validation {
    condition     = alltrue([for ps in keys(var.permission_set_bindings) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", ps))])
    error_message = "permission_set_bindings: keys are permission set API names (letters, digits and underscores, starting with a letter), for example Sales_Cloud_User, not labels such as \"Sales Cloud User\"."
  }

  validation {
    condition     = alltrue([for ids in values(var.permission_set_bindings) : length(ids) > 0])
    error_message = "permission_set_bindings: give each permission set at least one Okta group ID, or remove it."
  }
}

variable "provisioning" {
  description = "Okta-driven user provisioning: `enabled` (default false), `username_suffix` appended to the Okta login for new Salesforce usernames (usernames are unique across all Salesforce orgs, for example \".uat\"), `attributes` (Salesforce User field → Okta expression), and `on_destroy` (`keep` or `deactivate`)."
  type = object({
    enabled         = optional(bool, false)
    username_suffix = optional(string)
    attributes = optional(map(string), {
      FirstName = "user.firstName"
      LastName  = "user.lastName"
      Email     = "user.email"
      Alias     = "user.lastName"
    })
    on_destroy = optional(string, "keep")
  })
  default  = {}
  nullable = false

  validation {
    condition     = !var.provisioning.enabled || length(setsubtract(["LastName", "Email", "Alias"], keys(var.provisioning.attributes))) == 0
    error_message = "provisioning.attributes must map LastName, Email and Alias (Salesforce requires them); missing: ${join(", ", setsubtract(["LastName", "Email", "Alias"], keys(var.provisioning.attributes)))}."
  }

  validation {
    condition     = var.provisioning.username_suffix == null || can(regex("^[.A-Za-z0-9_-]+$", var.provisioning.username_suffix))
    error_message = "provisioning.username_suffix must be letters, digits, dots, _ or - (for example \".uat\"): it is appended to the Okta login to make the Salesforce username."
  }

  validation {
    condition     = contains(["keep", "deactivate"], var.provisioning.on_destroy)
    error_message = "provisioning.on_destroy must be \"keep\" or \"deactivate\"; got \"${var.provisioning.on_destroy}\"."
  }
}

variable "sign_on_policy" {
  description = "The app's Okta sign-in policy; null (default) leaves the app on Okta's default policy. One rule allows `allowed_group_ids` (empty: everyone) from `network_zone_ids` (empty: anywhere), with a second factor when `require_mfa` (default true), verified again after `reauthenticate_in`; every other sign-in is denied."
  type = object({
    name              = optional(string)
    require_mfa       = optional(bool, true)
    network_zone_ids  = optional(set(string), [])
    allowed_group_ids = optional(set(string), [])
    reauthenticate_in = optional(string, "PT12H")
  })
  default = null

  validation {
    condition     = var.sign_on_policy == null || try(can(regex("^P(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?)?$", var.sign_on_policy.reauthenticate_in)) && !contains(["P", "PT"], var.sign_on_policy.reauthenticate_in), false)
    error_message = "sign_on_policy.reauthenticate_in must be an ISO-8601 duration in days, hours or minutes, for example \"PT2H\" or \"P1D\"."
  }
}

variable "show_on_login_page" {
  description = "Show a button for Okta on the org's My Domain login page (SP-initiated sign-in)."
  type        = bool
  default     = true
  nullable    = false
}

variable "signing_rotation_trigger" {
  description = "Any value; changing it from one value to another generates a new signing key in Okta, and the same apply makes Salesforce trust it. Null (default) keeps the key."
  type        = string
  default     = null
}
