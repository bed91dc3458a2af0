package okta

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// DeviceAssurance is the part of an Okta device assurance policy (OIE, okta-api.md §10) the provider reads.
// v2 has no type for it; the fields below are common to the platforms, or absent on those without them.
type DeviceAssurance struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Platform  string `json:"platform"` // WINDOWS, MACOS, CHROMEOS, IOS or ANDROID
	OSVersion *struct {
		Minimum string `json:"minimum"`
	} `json:"osVersion"`
	DiskEncryptionType *struct {
		Include []string `json:"include"`
	} `json:"diskEncryptionType"`
	ScreenLockType *struct {
		Include []string `json:"include"`
	} `json:"screenLockType"`
	SecureHardwarePresent *bool `json:"secureHardwarePresent"`
	Jailbreak             *bool `json:"jailbreak"`
}

// OSVersionMinimum is the minimum OS version the policy requires, "" when it requires none.
func (d *DeviceAssurance) OSVersionMinimum() string {
	if d.OSVersion == nil {
		return ""
	}
	return d.OSVersion.Minimum
}

// DiskEncryptionTypes are the accepted disk encryption types, nil when the policy requires none.
func (d *DeviceAssurance) DiskEncryptionTypes() []string {
	if d.DiskEncryptionType == nil {
		return nil
	}
	return d.DiskEncryptionType.Include
}

// ScreenLockTypes are the accepted screen lock types, nil when the policy requires none.
func (d *DeviceAssurance) ScreenLockTypes() []string {
	if d.ScreenLockType == nil {
		return nil
	}
	return d.ScreenLockType.Include
}

// FindDeviceAssuranceByName returns the device assurance policy named exactly name and, unless platform is
// "", for that platform. Okta's list has no filter, so every page is read; none is ErrNotFound, several are
// ErrConflict naming them.
func (c *Client) FindDeviceAssuranceByName(ctx context.Context, name, platform string) (*DeviceAssurance, error) {
	firstPage := func(ctx context.Context) ([]*DeviceAssurance, *oktasdk.Response, error) {
		var page []*DeviceAssurance
		resp, err := c.Raw(ctx, http.MethodGet, "/api/v1/device-assurances", nil, &page)
		return page, resp, err
	}
	var matches []*DeviceAssurance
	err := eachPage(ctx, firstPage, func(page []*DeviceAssurance) error {
		for _, d := range page {
			if d.Name == name && (platform == "" || d.Platform == platform) {
				matches = append(matches, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list okta device assurance policies: %w", err)
	}
	switch len(matches) {
	case 0:
		if platform != "" {
			return nil, fmt.Errorf("okta device assurance policy named %q for platform %s: %w", name, platform, ErrNotFound)
		}
		return nil, fmt.Errorf("okta device assurance policy named %q: %w", name, ErrNotFound)
	case 1:
		return matches[0], nil
	default:
		ids := make([]string, len(matches))
		for i, d := range matches {
			ids[i] = d.ID + " (" + d.Platform + ")"
		}
		return nil, fmt.Errorf("okta device assurance policy name %q is ambiguous: %d policies have it (%s): %w",
			name, len(matches), strings.Join(ids, ", "), ErrConflict)
	}
}
