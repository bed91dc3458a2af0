# A device assurance policy made in the Okta Admin Console, for a sign-on policy rule to require.
data "oktasf_device_assurance" "corporate_mac" {
  name = "Corporate Mac"

  # Optional: policies of different platforms may share a name.
  platform = "MACOS"
}

output "corporate_mac" {
  value = "${data.oktasf_device_assurance.corporate_mac.id} requires macOS ${data.oktasf_device_assurance.corporate_mac.os_version_minimum}"
}
