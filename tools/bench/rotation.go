package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// writeRotationConfig writes one app in qa and qa's SSO settings trusting its certificate; the variable
// rotation_trigger rotates the app's signing key.
func writeRotationConfig(dir string) error {
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tfrun.ConfigHeader+`variable "rotation_trigger" {
  type = string
}

resource "oktasf_saml_app" "bench" {
  salesforce_org = "qa"
  label          = "Salesforce (rotation bench)"
  signing        = { rotation_trigger = var.rotation_trigger }
}

resource "oktasf_salesforce_sso" "bench" {
  salesforce_org  = "qa"
  name            = "Okta_rotation_bench"
  issuer          = oktasf_saml_app.bench.entity_id
  idp_certificate = oktasf_saml_app.bench.certificate
  idp_login_url   = oktasf_saml_app.bench.sso_url
}
`), 0o644)
}

// rotationWindow is the time from the end of the Okta call that switched the app's key to the end of the
// Salesforce call that stored the new certificate (the second Metadata SOAP call after it: the update reads
// the settings, then writes them), and how many calls to the org ended in that window. It reads the journal
// as TestAccFederation_certificateRotation does.
func rotationWindow(journal []emu.Entry, org string) (time.Duration, int, error) {
	var switched time.Time
	for _, e := range journal {
		if e.Service == "okta" && e.Route == "PUT /api/v1/apps/{appId}" && e.Status == 200 {
			switched = e.End
		}
	}
	if switched.IsZero() {
		return 0, 0, fmt.Errorf("rotation: no app update in the sandbox's journal")
	}
	var trusted time.Time
	soap := 0
	for _, e := range journal {
		if e.Service == "salesforce:"+org && strings.HasPrefix(e.Route, "POST /services/Soap/m/") && e.Start.After(switched) {
			if soap++; soap == 2 {
				trusted = e.End
			}
		}
	}
	if trusted.IsZero() {
		return 0, 0, fmt.Errorf("rotation: no Salesforce settings write after the key switch")
	}
	calls := 0
	for _, e := range journal {
		if e.Service == "salesforce:"+org && e.Start.After(switched) && !e.End.After(trusted) {
			calls++
		}
	}
	return trusted.Sub(switched), calls, nil
}
