package provisioning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/provider"
)

// terraform-plugin-testing's TestStep cannot apply with -target, which keeps the other resources in the
// configuration (with unknown values) while applying a part: tfWorkspace runs the terraform binary itself
// against the provider served in-process (TF_REATTACH_PROVIDERS), one server per command.
type tfWorkspace struct {
	t   *testing.T
	dir string
}

func newTFWorkspace(t *testing.T, config string) *tfWorkspace {
	t.Helper()
	w := &tfWorkspace{t: t, dir: t.TempDir()}
	cfg := "terraform {\n  required_providers {\n    oktasf = { source = \"oktasf/oktasf\" }\n  }\n}\n" + config
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := w.run("init", "-input=false"); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	return w
}

// run runs one terraform command and returns its combined output.
func (w *tfWorkspace) run(args ...string) (string, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reattach, closed, err := serveProvider(ctx)
	if err != nil {
		return "", err
	}
	defer func() { cancel(); <-closed }()
	cmd := exec.CommandContext(context.Background(), "terraform", args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+reattach, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// apply applies with the extra arguments (-target=…) and fails the test on an error.
func (w *tfWorkspace) apply(args ...string) {
	w.t.Helper()
	out, err := w.run(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, args...)...)
	if err != nil {
		w.t.Fatalf("terraform apply %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// expectEmptyPlan fails the test unless a plan finds nothing to change.
func (w *tfWorkspace) expectEmptyPlan(after string) {
	w.t.Helper()
	out, err := w.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		w.t.Fatalf("the plan after %s is not empty:\n%s", after, out)
	default:
		w.t.Fatalf("terraform plan after %s: %v\n%s", after, err, out)
	}
}

func (w *tfWorkspace) destroy() {
	w.t.Helper()
	if out, err := w.run("destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
		w.t.Errorf("terraform destroy: %v\n%s", err, out)
	}
}

// serveProvider serves the provider until ctx ends and returns its TF_REATTACH_PROVIDERS value.
func serveProvider(ctx context.Context) (string, <-chan struct{}, error) {
	config, closed := make(chan *plugin.ReattachConfig, 1), make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve("registry.terraform.io/oktasf/oktasf", providerserver.NewProtocol6(provider.New("test")()),
			tf6server.WithDebug(ctx, config, closed), tf6server.WithoutLogStderrOverride())
	}()
	select {
	case c := <-config:
		b, err := json.Marshal(map[string]any{"registry.terraform.io/oktasf/oktasf": map[string]any{
			"Protocol": string(c.Protocol), "ProtocolVersion": c.ProtocolVersion, "Pid": c.Pid, "Test": true,
			"Addr": map[string]string{"Network": c.Addr.Network(), "String": c.Addr.String()}}})
		return string(b), closed, err
	case err := <-served:
		return "", nil, fmt.Errorf("serve the provider: %v", err)
	case <-time.After(10 * time.Second):
		return "", nil, errors.New("the provider was not served within 10 s")
	}
}

// demoConfig is examples/demo for one org: the app, two group mappings, provisioning referencing them and a
// permission set binding after provisioning.
type demoConfig struct {
	p      provTest
	admins acctest.OktaGroup
	ps     string
	label  string
	// dependsOnly orders provisioning after the mappings with depends_on instead of group_mappings, so that
	// its plan cannot see them.
	dependsOnly bool
}

// demoAddresses are the resources of demoConfig, for -target.
var demoAddresses = []string{"oktasf_saml_app.salesforce", "oktasf_group_mapping.admins", "oktasf_group_mapping.sales",
	"oktasf_user_provisioning.qa", "oktasf_permission_set_binding.sales"}

func newDemoConfig(t *testing.T, p provTest) demoConfig {
	t.Helper()
	d := demoConfig{p: p, label: acctest.RandomName("demo")}
	d.admins = acctest.CreateOktaGroup(t, p.oc, "admins", "demo admins")
	d.ps, _ = acctest.CreatePermissionSet(t, p.sf, "demo", nil)
	return d
}

func (d demoConfig) String() string {
	order := "group_mappings = [oktasf_group_mapping.admins, oktasf_group_mapping.sales]"
	if d.dependsOnly {
		order = "depends_on     = [oktasf_group_mapping.admins, oktasf_group_mapping.sales]"
	}
	return acctest.ProviderConfig(d.p.sb) + fmt.Sprintf(`
resource "oktasf_saml_app" "salesforce" {
  salesforce_org = %[1]q
  label          = %[2]q
}
resource "oktasf_group_mapping" "admins" {
  salesforce_org = %[1]q
  app_id         = oktasf_saml_app.salesforce.id
  group_id       = %[3]q
  priority       = 0
  profile        = %[5]q
}
resource "oktasf_group_mapping" "sales" {
  salesforce_org = %[1]q
  app_id         = oktasf_saml_app.salesforce.id
  group_id       = %[4]q
  priority       = 1
  profile        = %[5]q
  role           = %[6]q
  depends_on     = [oktasf_group_mapping.admins]
}
resource "oktasf_user_provisioning" "qa" {
  salesforce_org = %[1]q
  app_id         = oktasf_saml_app.salesforce.id
  username       = { suffix = %[7]q }
  attributes = {%[8]s
  }
  on_destroy     = "deactivate"
  %[10]s
}
resource "oktasf_permission_set_binding" "sales" {
  salesforce_org = %[1]q
  permission_set = %[9]q
  group_ids      = [%[4]q]
  depends_on     = [oktasf_user_provisioning.qa]
}
`, acctest.PrimaryOrg(), d.label, d.admins.ID, d.p.group.ID, acctest.StandardProfile, d.p.role, usernameSuffix, salesAttributes, d.ps, order)
}

// The demo applied in two parts, the app first (-target) and then the rest, used to fail with "Provider
// produced inconsistent final plan: .synced was known, but now unknown": the plan of provisioning's create
// promised an empty synced, reading an app that no group was assigned to yet.
func TestAccUserProvisioning_targetedAppThenFull(t *testing.T) {
	for _, dependsOnly := range []bool{false, true} {
		t.Run(map[bool]string{false: "group_mappings", true: "depends_on"}[dependsOnly], func(t *testing.T) {
			p := newProvTest(t, acctest.Sandbox(t))
			d := newDemoConfig(t, p)
			d.dependsOnly = dependsOnly
			admin := acctest.CreateOktaUser(t, p.oc, "admin")
			acctest.AddOktaGroupMember(t, p.oc, d.admins, admin)
			acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, admin.Login)
			a, b := p.member(t, "a"), p.member(t, "b")
			w := newTFWorkspace(t, d.String())
			defer w.destroy()
			w.apply("-target=oktasf_saml_app.salesforce")
			w.apply()
			w.expectEmptyPlan("the full apply")
			if err := p.checkProvisioned(t, "Sales", a, b)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Any sequence of targeted applies of the demo followed by a full apply converges in that apply (no
// inconsistent final plan) and leaves an empty plan. Seeded: a failure names the sequence.
func TestAccUserProvisioning_targetedOrdersConverge(t *testing.T) {
	p := newProvTest(t, acctest.Sandbox(t))
	admin := acctest.CreateOktaUser(t, p.oc, "admin")
	a := p.member(t, "a")
	acctest.DeactivateProvisionedUsersAtCleanup(t, p.sf, admin.Login)
	rng := rand.New(rand.NewPCG(20261206, 1))
	for i := range 8 {
		seq := make([]string, 2+rng.IntN(3))
		for j := range seq {
			seq[j] = demoAddresses[rng.IntN(len(demoAddresses))]
		}
		t.Run(fmt.Sprintf("%d_%s", i, strings.Join(shortNames(seq), "+")), func(t *testing.T) {
			d := newDemoConfig(t, p)
			acctest.AddOktaGroupMember(t, p.oc, d.admins, admin)
			w := newTFWorkspace(t, d.String())
			defer w.destroy()
			for _, addr := range seq {
				w.apply("-target=" + addr)
			}
			w.apply()
			w.expectEmptyPlan("targeted applies of " + strings.Join(seq, ", ") + " and a full apply")
			if err := p.checkProvisioned(t, "Sales", a)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func shortNames(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = strings.TrimPrefix(a, "oktasf_")
	}
	return out
}
