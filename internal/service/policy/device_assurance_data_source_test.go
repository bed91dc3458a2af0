package policy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// createDeviceAssurance creates a device assurance policy as an admin would, deleted when the test ends.
func createDeviceAssurancePolicy(t *testing.T, oc *okta.Client, body map[string]any) string {
	t.Helper()
	ctx := context.Background()
	var created struct{ ID string }
	if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/device-assurances", body, &created); err != nil {
		t.Fatalf("create device assurance policy %v: %v", body["name"], err)
	}
	t.Cleanup(func() {
		_, _ = oc.Raw(ctx, http.MethodDelete, "/api/v1/device-assurances/"+url.PathEscape(created.ID), nil, nil)
	})
	return created.ID
}

func deviceAssuranceConfig(name, extra string) string {
	return fmt.Sprintf(`
data "oktasf_device_assurance" "test" {
  name = %q
%s
}
`, name, extra)
}

func TestAccDeviceAssuranceDataSource_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	mac, phones := acctest.RandomName("mac"), acctest.RandomName("phones")
	macID := createDeviceAssurancePolicy(t, oc, map[string]any{"name": mac, "platform": "MACOS", "osVersion": map[string]any{"minimum": "14.2"},
		"diskEncryptionType": map[string]any{"include": []string{"ALL_INTERNAL_VOLUMES"}},
		"screenLockType":     map[string]any{"include": []string{"PASSCODE", "BIOMETRIC"}}, "secureHardwarePresent": true})
	androidID := createDeviceAssurancePolicy(t, oc, map[string]any{"name": phones, "platform": "ANDROID", "osVersion": map[string]any{"minimum": "12"}, "jailbreak": false})
	iosID := createDeviceAssurancePolicy(t, oc, map[string]any{"name": phones, "platform": "IOS"})
	addr := "data.oktasf_device_assurance.test"
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(sb) + deviceAssuranceConfig(mac, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(macID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("platform"), knownvalue.StringExact("MACOS")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("os_version_minimum"), knownvalue.StringExact("14.2")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("disk_encryption_types"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("ALL_INTERNAL_VOLUMES")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("screen_lock_types"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("PASSCODE"), knownvalue.StringExact("BIOMETRIC")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secure_hardware_present"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("jailbreak"), knownvalue.Null()),
				},
			},
			{
				Config: acctest.ProviderConfig(sb) + deviceAssuranceConfig(phones, `  platform = "ANDROID"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(androidID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("jailbreak"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("screen_lock_types"), knownvalue.Null()),
				},
			},
			{
				// Two policies share the name: the look-up names both and asks for the platform.
				Config:      acctest.ProviderConfig(sb) + deviceAssuranceConfig(phones, ""),
				ExpectError: regexp.MustCompile(`(?s)Device Assurance Policy Name Is Ambiguous.*` + iosID + `.*Set platform`),
			},
			{
				Config:      acctest.ProviderConfig(sb) + deviceAssuranceConfig(mac, `  platform = "WINDOWS"`),
				ExpectError: regexp.MustCompile(`(?s)Device Assurance Policy Not Found.*for platform WINDOWS`),
			},
		},
	})
}
