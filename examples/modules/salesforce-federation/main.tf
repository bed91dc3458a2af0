# One Salesforce org federated with Okta: the Okta SAML app, the org's single sign-on settings that trust it,
# who gets the app (group → profile and role), permission sets that follow group membership, optional
# Okta-driven provisioning and sign-in policy, and the federation check of both sides. The caller configures
# the oktasf provider (one Okta, the org among its `salesforce` orgs) and passes the org's alias.

data "oktasf_salesforce_org" "this" {
  salesforce_org = var.salesforce_org
}

resource "oktasf_saml_app" "this" {
  salesforce_org       = var.salesforce_org
  label                = coalesce(var.label, "Salesforce (${data.oktasf_salesforce_org.this.name})")
  attribute_statements = var.attribute_statements

  # Null keeps the key; a new value rotates it, and oktasf_salesforce_sso below trusts the new one in the same apply.
  signing = var.signing_rotation_trigger == null ? null : { rotation_trigger = var.signing_rotation_trigger }
}

resource "oktasf_salesforce_sso" "this" {
  salesforce_org     = var.salesforce_org
  name               = var.sso_name
  app_id             = oktasf_saml_app.this.id
  issuer             = oktasf_saml_app.this.entity_id
  idp_certificate    = oktasf_saml_app.this.certificate
  idp_login_url      = oktasf_saml_app.this.sso_url
  show_on_login_page = var.show_on_login_page
}

locals {
  # Mappings by group name or ID: the key must be known at plan, so pass IDs of groups that already exist
  # (data sources) or names.
  group_mappings = { for m in var.group_mappings : coalesce(m.group_name, m.group_id) => m }
  named_groups   = toset([for m in var.group_mappings : m.group_name if m.group_name != null])
}

data "oktasf_okta_group" "mapped" {
  for_each = local.named_groups
  name     = each.key
}

resource "oktasf_group_mapping" "this" {
  for_each       = local.group_mappings
  salesforce_org = var.salesforce_org
  app_id         = oktasf_saml_app.this.id
  group_id       = each.value.group_id != null ? each.value.group_id : data.oktasf_okta_group.mapped[each.value.group_name].id
  profile        = each.value.profile
  role           = each.value.role
  priority       = each.value.priority
}

resource "oktasf_user_provisioning" "this" {
  count          = var.provisioning.enabled ? 1 : 0
  salesforce_org = var.salesforce_org
  app_id         = oktasf_saml_app.this.id
  username       = { source = "login", suffix = var.provisioning.username_suffix }
  attributes     = var.provisioning.attributes
  on_destroy     = var.provisioning.on_destroy

  # The mappings' groups, profiles and roles: provisioning applies after them, and one apply carries their changes.
  group_mappings = [for m in oktasf_group_mapping.this : { group_id = m.group_id, profile = m.profile, role = m.role }]
}

resource "oktasf_permission_set_binding" "this" {
  for_each       = var.permission_set_bindings
  salesforce_org = var.salesforce_org
  permission_set = each.key
  group_ids      = each.value

  # Members whose Salesforce user provisioning creates in the same apply get the permission set in that apply.
  depends_on = [oktasf_user_provisioning.this]
}

resource "oktasf_signon_policy" "this" {
  count       = var.sign_on_policy == null ? 0 : 1
  app_id      = oktasf_saml_app.this.id
  name        = coalesce(var.sign_on_policy.name, "Salesforce (${var.salesforce_org})")
  description = "Who may sign in to Salesforce ${data.oktasf_salesforce_org.this.name}, from where, and how"

  rules = [
    {
      name   = "allowed"
      access = "ALLOW"
      people = length(var.sign_on_policy.allowed_group_ids) == 0 ? null : { groups_include = var.sign_on_policy.allowed_group_ids }
      network = length(var.sign_on_policy.network_zone_ids) == 0 ? null : {
        connection    = "ZONE"
        zones_include = var.sign_on_policy.network_zone_ids
      }
      verification = {
        factor_mode       = var.sign_on_policy.require_mfa ? "2FA" : "1FA"
        reauthenticate_in = var.sign_on_policy.reauthenticate_in
      }
    },
  ]

  # Every sign-in the rule does not allow is denied.
  catch_all = { access = "DENY" }
}

# Both sides of the federation, checked on every plan. Read after everything that decides what each side
# trusts, who is assigned and who has a Salesforce user: while one of them has a change pending, Terraform
# reads the check during the apply, after the change (a key rotation is checked against the new certificate).
data "oktasf_federation_check" "this" {
  app_id         = oktasf_saml_app.this.id
  salesforce_org = var.salesforce_org
  sso_name       = oktasf_salesforce_sso.this.name

  depends_on = [
    oktasf_saml_app.this,
    oktasf_salesforce_sso.this,
    oktasf_group_mapping.this,
    oktasf_user_provisioning.this,
    oktasf_permission_set_binding.this,
    oktasf_signon_policy.this,
  ]
}

check "federation" {
  assert {
    condition     = data.oktasf_federation_check.this.ok
    error_message = join("\n", [for f in data.oktasf_federation_check.this.findings : "${var.salesforce_org}: ${f.code}: ${f.message} Fix: ${f.fix}" if f.severity == "error"])
  }
}
