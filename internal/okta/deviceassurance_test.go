package okta

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestFindDeviceAssuranceByName(t *testing.T) {
	t.Parallel()
	// Recorded shapes (okta-api.md §10): Android with jailbreak, macOS with disk encryption and screen lock.
	policies := []map[string]any{
		{"id": "daeandroid00000000001", "name": "Managed phones", "platform": "ANDROID", "osVersion": map[string]any{"minimum": "12"},
			"jailbreak": false, "displayRemediationMode": "HIDE", "createdDate": "2024-01-01T00:00:00.000Z", "lastUpdate": "2024-01-01T00:00:00.000Z"},
		{"id": "daemacos0000000000001", "name": "Corporate Mac", "platform": "MACOS", "osVersion": map[string]any{"minimum": "14.2"},
			"diskEncryptionType": map[string]any{"include": []string{"ALL_INTERNAL_VOLUMES"}},
			"screenLockType":     map[string]any{"include": []string{"PASSCODE", "BIOMETRIC"}}, "secureHardwarePresent": true},
		{"id": "daeios000000000000001", "name": "Shared", "platform": "IOS"},
		{"id": "daeandroid00000000002", "name": "Shared", "platform": "ANDROID"},
	}
	list := &fakeList{path: "/api/v1/device-assurances", items: policies, def: 2, max: 2}
	c := newTestClient(t, list)
	ctx := context.Background()

	mac, err := c.FindDeviceAssuranceByName(ctx, "Corporate Mac", "")
	if err != nil {
		t.Fatal(err)
	}
	if mac.ID != "daemacos0000000000001" || mac.Platform != "MACOS" || mac.OSVersionMinimum() != "14.2" ||
		!slices.Equal(mac.DiskEncryptionTypes(), []string{"ALL_INTERNAL_VOLUMES"}) || !slices.Equal(mac.ScreenLockTypes(), []string{"PASSCODE", "BIOMETRIC"}) ||
		mac.SecureHardwarePresent == nil || !*mac.SecureHardwarePresent || mac.Jailbreak != nil {
		t.Errorf("Corporate Mac = %+v", mac)
	}
	phone, err := c.FindDeviceAssuranceByName(ctx, "Managed phones", "")
	if err != nil || phone.Jailbreak == nil || *phone.Jailbreak || phone.ScreenLockTypes() != nil || phone.SecureHardwarePresent != nil {
		t.Errorf("Managed phones = %+v, %v", phone, err)
	}
	if _, err := c.FindDeviceAssuranceByName(ctx, "Shared", ""); !errors.Is(err, ErrConflict) ||
		!strings.Contains(err.Error(), "daeios000000000000001 (IOS)") || !strings.Contains(err.Error(), "daeandroid00000000002 (ANDROID)") {
		t.Errorf("Shared without platform: %v, want a conflict naming both", err)
	}
	if shared, err := c.FindDeviceAssuranceByName(ctx, "Shared", "ANDROID"); err != nil || shared.ID != "daeandroid00000000002" {
		t.Errorf("Shared on ANDROID = %+v, %v", shared, err)
	}
	for _, tc := range []struct{ name, platform string }{{"corporate mac", ""}, {"Corporate Mac", "WINDOWS"}} {
		if _, err := c.FindDeviceAssuranceByName(ctx, tc.name, tc.platform); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q on %q: %v, want ErrNotFound", tc.name, tc.platform, err)
		}
	}
}

// A token without okta.deviceAssurance.read gets Okta's 403, whose challenge names the scope.
func TestFindDeviceAssuranceByName_scope(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="http://x/oauth2/v1/authorize", realm="http://x", scope="okta.deviceAssurance.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/device-assurances"`)
		writeOktaError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
	}))
	_, err := c.FindDeviceAssuranceByName(context.Background(), "x", "")
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "okta.deviceAssurance.read") {
		t.Errorf("error %v: want a 403 naming okta.deviceAssurance.read", err)
	}
}
