# Plan-only checks of the module's variable validation: each run gives one invalid input and expects exactly
# that variable's validation to fail. They need a provider configuration (the oktasf provider is configured
# before planning) but change nothing.

provider "oktasf" {
  okta       = var.okta
  salesforce = var.salesforce_orgs
}

variables {
  salesforce_org = "qa"
}

run "valid_inputs_plan" {
  command = plan

  # The federation check reads both sides after the apply; in a plan of a new app its result is not known yet,
  # which terraform test reports as this check's failure.
  expect_failures = [check.federation]

  variables {
    group_mappings = [
      { group_name = "Salesforce Admins", profile = "System Administrator", priority = 0 },
      { group_name = "Salesforce Sales", profile = "Sales User", role = "Sales Rep", priority = 1 },
    ]
    provisioning   = { enabled = true, username_suffix = ".qa" }
    sign_on_policy = { require_mfa = false, reauthenticate_in = "P1D" }
  }

  assert {
    condition     = length(oktasf_group_mapping.this) == 2 && length(oktasf_user_provisioning.this) == 1 && length(oktasf_signon_policy.this) == 1
    error_message = "A valid configuration plans two group mappings, provisioning and a sign-in policy."
  }

  assert {
    condition     = oktasf_signon_policy.this[0].rules[0].verification.factor_mode == "1FA" && oktasf_signon_policy.this[0].rules[0].network == null
    error_message = "require_mfa = false with no zones plans a 1FA rule for any network."
  }
}

run "alias_with_spaces" {
  command = plan
  variables {
    salesforce_org = "Acme QA"
  }
  expect_failures = [var.salesforce_org]
}

run "mapping_with_name_and_id" {
  command = plan
  variables {
    group_mappings = [{ group_name = "Salesforce Sales", group_id = "00g1a2b3c4d5e6f7g8h9", profile = "Sales User" }]
  }
  expect_failures = [var.group_mappings]
}

run "mapping_without_group" {
  command = plan
  variables {
    group_mappings = [{ profile = "Sales User" }]
  }
  expect_failures = [var.group_mappings]
}

run "duplicate_priorities" {
  command = plan
  variables {
    group_mappings = [
      { group_name = "Salesforce Sales", profile = "Sales User", priority = 0 },
      { group_name = "Salesforce Support", profile = "Support User", priority = 0 },
    ]
  }
  expect_failures = [var.group_mappings]
}

run "negative_priority" {
  command = plan
  variables {
    group_mappings = [{ group_name = "Salesforce Sales", profile = "Sales User", priority = -1 }]
  }
  expect_failures = [var.group_mappings]
}

run "statement_with_values_and_group_filter" {
  command = plan
  variables {
    attribute_statements = {
      "Groups" = { values = ["user.email"], group_filter = { type = "STARTS_WITH", value = "Salesforce" } }
    }
  }
  expect_failures = [var.attribute_statements]
}

run "permission_set_label_instead_of_api_name" {
  command = plan
  variables {
    permission_set_bindings = { "Sales Cloud User" = ["00g1a2b3c4d5e6f7g8h9"] }
  }
  expect_failures = [var.permission_set_bindings]
}

run "provisioning_without_required_fields" {
  command = plan
  variables {
    provisioning = { enabled = true, attributes = { FirstName = "user.firstName", LastName = "user.lastName" } }
  }
  expect_failures = [var.provisioning]
}

run "bad_on_destroy" {
  command = plan
  variables {
    provisioning = { enabled = true, on_destroy = "delete" }
  }
  expect_failures = [var.provisioning]
}

run "bad_reauthentication_duration" {
  command = plan
  variables {
    sign_on_policy = { reauthenticate_in = "2 hours" }
  }
  expect_failures = [var.sign_on_policy]
}

run "bad_sso_name" {
  command = plan
  variables {
    sso_name = "Okta__SSO"
  }
  expect_failures = [var.sso_name]
}
