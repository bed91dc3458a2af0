package sso_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Contract tests (issue 9): per resource, through terraform against a sandbox of the test's own: apply →
// empty plan; a change of configuration → one apply → empty plan, and the sandbox holds what the plan showed
// (read from Okta and Salesforce, not from the state); import → empty plan and no write request; destroy →
// each org holds exactly what it held before.

// capturePlanned is a plan check that records the planned values (Change.After) of addr, failing when addr
// is not updated in place.
type capturePlanned struct {
	addr    string
	after   *map[string]any
	unknown []string // the attributes that may be unknown until apply
}

// unknownPaths lists the paths of an AfterUnknown value that are unknown.
func unknownPaths(prefix string, v any) []string {
	switch v := v.(type) {
	case bool:
		if v {
			return []string{prefix}
		}
	case map[string]any:
		var out []string
		for k, x := range v {
			out = append(out, unknownPaths(strings.TrimPrefix(prefix+"."+k, "."), x)...)
		}
		return out
	case []any:
		var out []string
		for i, x := range v {
			out = append(out, unknownPaths(fmt.Sprintf("%s[%d]", prefix, i), x)...)
		}
		return out
	}
	return nil
}

func (c capturePlanned) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		if !rc.Change.Actions.Update() {
			resp.Error = fmt.Errorf("%s: planned %v, want an update in place", c.addr, rc.Change.Actions)
			return
		}
		for _, p := range unknownPaths("", rc.Change.AfterUnknown) {
			if !slices.Contains(c.unknown, p) {
				resp.Error = fmt.Errorf("%s: %s planned as unknown until apply", c.addr, p)
				return
			}
		}
		after, _ := rc.Change.After.(map[string]any)
		*c.after = after
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.addr)
}

// oktaHoldings lists the Okta org's apps (ID, label, status) and each app's group assignments.
func oktaHoldings(ctx context.Context, c *okta.Client) ([]string, error) {
	var apps []struct {
		ID     string `json:"id"`
		Label  string `json:"label"`
		Status string `json:"status"`
	}
	if _, err := c.Raw(ctx, http.MethodGet, "/api/v1/apps?limit=200", nil, &apps); err != nil {
		return nil, fmt.Errorf("list the Okta apps: %w", err)
	}
	out := []string{}
	for _, a := range apps {
		out = append(out, fmt.Sprintf("app %s %q %s", a.ID, a.Label, a.Status))
		groups, err := c.ListAppGroupAssignments(ctx, a.ID)
		if err != nil {
			return nil, fmt.Errorf("list the group assignments of %s: %w", a.ID, err)
		}
		for _, g := range groups {
			out = append(out, fmt.Sprintf("assignment %s/%s %v", a.ID, g.GroupID, g.Profile))
		}
	}
	sort.Strings(out)
	return out, nil
}

// salesforceHoldings lists the org's SAML SSO settings (ID, API name, issuer) and login page buttons.
func salesforceHoldings(ctx context.Context, sf *salesforce.Client) ([]string, error) {
	var configs []struct {
		ID            string `json:"Id"`
		DeveloperName string `json:"DeveloperName"`
		Issuer        string `json:"Issuer"`
	}
	if err := sf.ToolingQuery(ctx, "SELECT Id, DeveloperName, Issuer FROM SamlSsoConfig", &configs); err != nil {
		return nil, fmt.Errorf("list the SAML SSO settings: %w", err)
	}
	out := []string{}
	for _, c := range configs {
		out = append(out, fmt.Sprintf("sso %s %s %s", c.ID, c.DeveloperName, c.Issuer))
		buttons, err := sf.LoginPageProviders(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, b := range buttons {
			out = append(out, fmt.Sprintf("button %s of %s", b, c.ID))
		}
	}
	sort.Strings(out)
	return out, nil
}

// holdings snapshots what the sandbox's Okta org and primary Salesforce org hold.
type holdings struct {
	okta       *okta.Client
	sf         *salesforce.Client
	before     []string
	taken      bool
	t          *testing.T
	mustHaveIn string // something the snapshot must show, so that it cannot pass by reading nothing
}

func (h *holdings) read(ctx context.Context) ([]string, error) {
	o, err := oktaHoldings(ctx, h.okta)
	if err != nil {
		return nil, err
	}
	s, err := salesforceHoldings(ctx, h.sf)
	if err != nil {
		return nil, err
	}
	return append(o, s...), nil
}

func (h *holdings) snapshot() {
	h.t.Helper()
	got, err := h.read(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	if !strings.Contains(strings.Join(got, "\n"), h.mustHaveIn) {
		h.t.Fatalf("the snapshot does not show %q: %v", h.mustHaveIn, got)
	}
	h.before, h.taken = got, true
	h.t.Logf("the orgs hold before: %v", got)
}

// checkUnchanged is a CheckDestroy: the orgs hold exactly what they held at the snapshot.
func (h *holdings) checkUnchanged(*terraform.State) error {
	if !h.taken {
		return fmt.Errorf("no snapshot taken")
	}
	got, err := h.read(context.Background())
	if err != nil {
		return err
	}
	if !slices.Equal(got, h.before) {
		return fmt.Errorf("after destroy the orgs hold\n  %v\nbefore the resource they held\n  %v", got, h.before)
	}
	return nil
}

// existingSSO creates SSO settings that no test configuration manages, deleted when the test ends, so that
// a destroy that removes more than its own shows.
func existingSSO(t *testing.T, sf *salesforce.Client) string {
	t.Helper()
	name := ssoName("bystander")
	block, _ := pem.Decode([]byte(testCertificatePEM(t)))
	if _, err := sf.UpsertSAMLSSOConfig(context.Background(), salesforce.SAMLSSOConfig{FullName: name, Name: name,
		Issuer: "http://www.okta.com/exkBystander", ValidationCert: base64.StdEncoding.EncodeToString(block.Bytes),
		IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLEntityID: "https://bystander.example",
		SAMLVersion: "SAML2_0", RequestSignatureMethod: "RSA-SHA256", LoginURL: "https://idp.example/sso"}); err != nil {
		t.Fatalf("create the bystander SSO settings: %v", err)
	}
	t.Cleanup(func() { _ = sf.DeleteSAMLSSOConfig(context.Background(), name) })
	return name
}

// existingApp creates an Okta app that no test configuration manages, deleted when the test ends.
func existingApp(t *testing.T, c *okta.Client) string {
	t.Helper()
	label := acctest.RandomName("bystander")
	created, err := c.CreateSAMLApp(context.Background(), &okta.SAMLApp{Label: label, SignOn: okta.SAMLSignOn{
		SSOACSURL: "https://bystander.example/acs", Recipient: "https://bystander.example/acs", Destination: "https://bystander.example/acs",
		Audience: "https://bystander.example", SubjectNameIDTemplate: "${user.userName}",
		SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
		ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatalf("create the bystander app: %v", err)
	}
	t.Cleanup(func() {
		_ = c.DeactivateApp(context.Background(), created.ID)
		_ = c.DeleteApp(context.Background(), created.ID)
	})
	return label
}

const contractStatementsV2 = `
  name_id = { format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", template = "user.email" }
  attribute_statements = {
    "User.Email"     = { values = ["user.email"] }
    "User.LastName"  = { values = ["user.lastName"] }
    "User.FirstName" = { values = ["user.firstName"], namespace = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic" }
    "groups" = { group_filter = { type = "STARTS_WITH", value = "Sales" } }
  }
`

// checkAppAsPlanned compares the planned name_id and attribute_statements with what Okta holds.
func checkAppAsPlanned(c *okta.Client, planned *map[string]any) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		p := *planned
		if p == nil {
			return fmt.Errorf("no planned values captured")
		}
		id, err := appID(s)
		if err != nil {
			return err
		}
		app, err := c.GetSAMLApp(context.Background(), id)
		if err != nil {
			return err
		}
		nameID, _ := p["name_id"].(map[string]any)
		if want := fmt.Sprint(nameID["format"]); app.SignOn.SubjectNameIDFormat != want {
			return fmt.Errorf("Okta holds NameID format %q, the plan showed %q", app.SignOn.SubjectNameIDFormat, want)
		}
		if want := "${" + fmt.Sprint(nameID["template"]) + "}"; app.SignOn.SubjectNameIDTemplate != want {
			return fmt.Errorf("Okta holds NameID template %q, the plan showed %q", app.SignOn.SubjectNameIDTemplate, want)
		}
		statements, _ := p["attribute_statements"].(map[string]any)
		if len(app.SignOn.AttributeStatements) != len(statements) {
			return fmt.Errorf("Okta holds %d attribute statements, the plan showed %d: %+v", len(app.SignOn.AttributeStatements), len(statements), app.SignOn.AttributeStatements)
		}
		for _, got := range app.SignOn.AttributeStatements {
			w, ok := statements[got.Name].(map[string]any)
			if !ok {
				return fmt.Errorf("Okta holds statement %q, which the plan did not show", got.Name)
			}
			if f, _ := w["group_filter"].(map[string]any); f != nil {
				if got.Type != "GROUP" || got.FilterType != f["type"] || got.FilterValue != f["value"] {
					return fmt.Errorf("Okta holds statement %+v, the plan showed %v", got, w)
				}
				continue
			}
			var values []string
			for _, v := range w["values"].([]any) {
				values = append(values, fmt.Sprint(v))
			}
			if got.Type != "EXPRESSION" || !reflect.DeepEqual(got.Values, values) {
				return fmt.Errorf("Okta holds statement %+v, the plan showed %v", got, w)
			}
			if ns, _ := w["namespace"].(string); ns != "" && got.Namespace != ns {
				return fmt.Errorf("Okta holds statement %q in namespace %q, the plan showed %q", got.Name, got.Namespace, ns)
			}
		}
		return nil
	}
}

func TestAccSAMLApp_contract(t *testing.T) {
	acctest.RequireSandbox(t, "reads the sandbox's stats and state")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client := acctest.OktaClient(t, sb)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	bystander := existingApp(t, client)
	existingSSO(t, sf)
	h := &holdings{okta: client, sf: sf, t: t, mustHaveIn: bystander}
	h.snapshot()

	label := acctest.RandomName("contract")
	v1 := samlAppConfig(sb, label, statementsV1)
	v2 := samlAppConfig(sb, label, contractStatementsV2)
	final := acctest.ProviderConfig(sb) + appBlock("test", label, contractStatementsV2)
	var planned map[string]any
	var id string
	w := &writeCounter{sb: sb, sf: sf}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkAppGone(client), h.checkUnchanged),
		Steps: []resource.TestStep{
			{
				Config:           v1,
				Check:            acctest.CheckExists(appAddr, samlAppExists(client)),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config: v2,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{capturePlanned{appAddr, &planned, []string{"metadata"}}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(checkAppAsPlanned(client, &planned),
					func(s *terraform.State) (err error) { id, err = appID(s); return err }),
			},
			{Config: acctest.ProviderConfig(sb) + forget(appAddr)},
			{
				PreConfig:          w.start,
				Config:             final,
				ResourceName:       appAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
			},
			{
				Config: final,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(w.checkNone(t), checkAppAsPlanned(client, &planned)),
			},
		},
	})
}

// checkSSOAsPlanned compares the planned settings with what Salesforce holds.
func checkSSOAsPlanned(sf *salesforce.Client, name string, planned *map[string]any) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		p := *planned
		if p == nil {
			return fmt.Errorf("no planned values captured")
		}
		ctx := context.Background()
		cfg, err := sf.ReadSAMLSSOConfig(ctx, name)
		if err != nil {
			return err
		}
		if want := p["jit_provisioning"] == true; cfg.UserProvisioning != want {
			return fmt.Errorf("Salesforce holds UserProvisioning %v, the plan showed jit_provisioning %v", cfg.UserProvisioning, p["jit_provisioning"])
		}
		if cfg.IdentityLocation != p["identity_location"] || cfg.AttributeName != p["attribute_name"] || cfg.IdentityMapping != p["identity_type"] {
			return fmt.Errorf("Salesforce holds identity %s/%s/%q, the plan showed %v/%v/%v", cfg.IdentityMapping, cfg.IdentityLocation, cfg.AttributeName,
				p["identity_type"], p["identity_location"], p["attribute_name"])
		}
		if cfg.RequestSignatureMethod != p["request_signature_method"] {
			return fmt.Errorf("Salesforce holds request signature method %s, the plan showed %v", cfg.RequestSignatureMethod, p["request_signature_method"])
		}
		var rows []struct {
			ID string `json:"Id"`
		}
		if err := sf.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = "+salesforce.Quote(name), &rows); err != nil || len(rows) != 1 {
			return fmt.Errorf("find the settings %s: %v (%d rows)", name, err, len(rows))
		}
		buttons, err := sf.LoginPageProviders(ctx, rows[0].ID)
		if err != nil {
			return err
		}
		if want := p["show_on_login_page"] == true; (len(buttons) == 1) != want || len(buttons) > 1 {
			return fmt.Errorf("the login page shows %d buttons of %s, the plan showed show_on_login_page %v", len(buttons), name, p["show_on_login_page"])
		}
		return nil
	}
}

func TestAccSalesforceSSO_contract(t *testing.T) {
	acctest.RequireSandbox(t, "reads the sandbox's stats and state")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	client := acctest.OktaClient(t, sb)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	bystander := existingSSO(t, sf)
	h := &holdings{okta: client, sf: sf, t: t, mustHaveIn: bystander}
	h.snapshot()

	label, name := acctest.RandomName("ssocontract"), ssoName("contract")
	v1 := federationConfig(sb, label, name, "", "")
	v2Extra := `
  identity_location  = "Attribute"
  attribute_name     = "User.FederationIdentifier"
  jit_provisioning   = true
  show_on_login_page = true
`
	v2 := federationConfig(sb, label, name, "", v2Extra)
	app := samlAppConfig(sb, label, "")
	var planned map[string]any
	w := &writeCounter{sb: sb, sf: sf, ssoName: name}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: resource.ComposeTestCheckFunc(checkSSOGone(sf), checkAppGone(client), h.checkUnchanged),
		Steps: []resource.TestStep{
			{
				Config:           v1,
				Check:            resource.ComposeTestCheckFunc(acctest.CheckExists(ssoAddr, ssoExists(sf)), checkSalesforceTrustsApp(t, sb, name)),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				Config: v2,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{capturePlanned{addr: ssoAddr, after: &planned}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(checkSSOAsPlanned(sf, name, &planned), checkSalesforceTrustsApp(t, sb, name)),
			},
			{Config: app + forget(ssoAddr)},
			{
				PreConfig:          w.start,
				Config:             v2,
				ResourceName:       ssoAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateId:      acctest.PrimaryOrg() + "/" + name,
			},
			{
				Config: v2,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(w.checkNone(t), checkSSOAsPlanned(sf, name, &planned)),
			},
		},
	})
}
