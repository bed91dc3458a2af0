package sandbox_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/oktasf/terraform-provider-oktasf/"

// deps lists the non-standard packages the given packages build from (tests excluded), by go list.
func deps(t *testing.T, pkgs ...string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", pkgs, err)
	}
	set := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		set[p] = true
	}
	return set
}

// TestSandbox_independentOfProvider checks that the sandbox's SAML halves are its own: no sandbox package builds from
// provider code (in particular internal/saml, the provider's decoder), and the ACS's validator (sfemu, crewjam) and
// the IdP's builder (samlidp) share no SAML code, so a sign-in exercises two independent implementations and a bug in
// one cannot be mirrored by the other.
func TestSandbox_independentOfProvider(t *testing.T) {
	t.Parallel()
	all := deps(t, "./...")
	if !all[module+"internal/sandbox/sfemu"] || !all[module+"internal/sandbox/samlidp"] {
		t.Fatalf("go list did not list the sandbox packages: %v", all)
	}
	for p := range all {
		if strings.HasPrefix(p, module) && !strings.HasPrefix(p, module+"internal/sandbox") {
			t.Errorf("the sandbox builds from provider code: %s", p)
		}
	}
	acs := deps(t, "./sfemu")
	if !acs["github.com/crewjam/saml"] {
		t.Error("the sandbox ACS does not validate with crewjam/saml")
	}
	if acs[module+"internal/sandbox/samlidp"] {
		t.Error("the sandbox ACS builds from the sandbox IdP's response builder")
	}
	if idp := deps(t, "./samlidp"); idp["github.com/crewjam/saml"] {
		t.Error("the sandbox IdP's builder builds from crewjam/saml, the ACS's validator")
	}
}
