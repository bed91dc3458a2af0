package entitlement_test

import (
	"context"
	"fmt"
	"net/http"
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

// planned records the planned values (Change.After) of addr, which must be updated in place with every
// value known.
type planned struct {
	addr  string
	after map[string]any
}

func (p *planned) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != p.addr {
			continue
		}
		if !rc.Change.Actions.Update() {
			resp.Error = fmt.Errorf("%s: planned %v, want an update in place", p.addr, rc.Change.Actions)
			return
		}
		for k, v := range rc.Change.AfterUnknown.(map[string]any) {
			if v == true && k != "effective_priority" { // where Okta puts the group is known after apply
				resp.Error = fmt.Errorf("%s: %s planned as unknown until apply", p.addr, k)
				return
			}
		}
		p.after, _ = rc.Change.After.(map[string]any)
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", p.addr)
}

// orgHoldings lists what the orgs hold that a mapping could touch: every Okta app and its group assignments
// (profile, role, priority), the members of groups, and the Salesforce users with a Federation ID (profile,
// role, active).
func orgHoldings(ctx context.Context, oc *okta.Client, sf *salesforce.Client, groups ...acctest.OktaGroup) ([]string, error) {
	var apps []struct {
		ID     string `json:"id"`
		Label  string `json:"label"`
		Status string `json:"status"`
	}
	if _, err := oc.Raw(ctx, http.MethodGet, "/api/v1/apps?limit=200", nil, &apps); err != nil {
		return nil, fmt.Errorf("list the Okta apps: %w", err)
	}
	out := []string{}
	for _, a := range apps {
		out = append(out, fmt.Sprintf("app %s %q %s", a.ID, a.Label, a.Status))
		as, err := oc.ListAppGroupAssignments(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		for _, g := range as {
			out = append(out, fmt.Sprintf("assignment %s/%s priority %d %v", a.ID, g.GroupID, g.Priority, g.Profile))
		}
	}
	for _, g := range groups {
		members, err := oc.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			out = append(out, fmt.Sprintf("member %s of %s", m.ID, g.ID))
		}
	}
	var users []struct {
		ID                   string `json:"Id"`
		FederationIdentifier string `json:"FederationIdentifier"`
		ProfileID            string `json:"ProfileId"`
		UserRoleID           string `json:"UserRoleId"`
		IsActive             bool   `json:"IsActive"`
	}
	if err := sf.Query(ctx, "SELECT Id, FederationIdentifier, ProfileId, UserRoleId, IsActive FROM User WHERE FederationIdentifier != null", &users); err != nil {
		return nil, fmt.Errorf("list the Salesforce users: %w", err)
	}
	for _, u := range users {
		out = append(out, fmt.Sprintf("sf user %s %s profile %s role %s active %v", u.ID, u.FederationIdentifier, u.ProfileID, u.UserRoleID, u.IsActive))
	}
	sort.Strings(out)
	return out, nil
}

// TestAccGroupMapping_contract: apply → empty plan; profile and role changed → one apply → empty plan, and
// Okta's assignment holds what the plan showed; import → empty plan, no write; destroy → the orgs hold
// exactly what they held before (the group's assignment to another app, its members, the Salesforce user).
func TestAccGroupMapping_contract(t *testing.T) {
	acctest.RequireSandbox(t, "reads the sandbox's stats and state")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	member := newPerson(t, oc, sf, "member")
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped", member.OktaUser)
	rep, _ := acctest.CreateRole(t, sf, "rep", "")
	manager, _ := acctest.CreateRole(t, sf, "manager", "")

	// Another app, which no configuration manages, has the same group assigned: destroy must leave it.
	ctx := context.Background()
	other, err := oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: acctest.RandomName("bystander"), SignOn: okta.SAMLSignOn{
		SSOACSURL: "https://bystander.example/acs", Recipient: "https://bystander.example/acs", Destination: "https://bystander.example/acs",
		Audience: "https://bystander.example", SubjectNameIDTemplate: "${user.userName}",
		SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256",
		ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatalf("create the bystander app: %v", err)
	}
	t.Cleanup(func() { _ = oc.DeactivateApp(ctx, other.ID); _ = oc.DeleteApp(ctx, other.ID) })
	if _, err := oc.SetAppGroupAssignment(ctx, other.ID, group.ID, nil, nil); err != nil {
		t.Fatalf("assign the group to the bystander app: %v", err)
	}
	before, err := orgHoldings(ctx, oc, sf, group)
	if err != nil {
		t.Fatal(err)
	}
	if joined := strings.Join(before, "\n"); !strings.Contains(joined, "assignment "+other.ID+"/"+group.ID) || !strings.Contains(joined, "member "+member.ID) ||
		!strings.Contains(joined, member.SalesforceID) {
		t.Fatalf("the snapshot misses the bystanders: %v", before)
	}
	t.Logf("the orgs hold before: %v", before)

	label := acctest.RandomName("mapping")
	v1 := mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  priority = 0\n  profile = %q\n  role = %q\n", acctest.StandardProfile, rep)))
	v2 := mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  priority = 0\n  profile = %q\n  role = %q\n", acctest.AdminProfile, manager)))
	change := &planned{addr: mappingAddr}
	var appID string
	asPlanned := func(s *terraform.State) error {
		if change.after == nil {
			return fmt.Errorf("no planned values captured")
		}
		profile, _ := change.after["profile"].(string)
		role, _ := change.after["role"].(string)
		if profile != acctest.AdminProfile || role != manager {
			return fmt.Errorf("the plan showed profile %q and role %q, not the configuration's", profile, role)
		}
		if err := checkOktaAssignment(oc, mappingAddr, profile, role)(s); err != nil {
			return err
		}
		a, err := oc.GetAppGroupAssignment(ctx, appID, group.ID)
		if err != nil {
			return err
		}
		if want := change.after["priority"]; fmt.Sprint(a.Priority) != fmt.Sprint(want) {
			return fmt.Errorf("Okta holds priority %d, the plan showed priority %v", a.Priority, want)
		}
		return nil
	}
	// allButApp is what the orgs hold, apart from the app of the configuration, which outlives the mapping.
	allButApp := func() ([]string, error) {
		got, err := orgHoldings(ctx, oc, sf, group)
		return slices.DeleteFunc(got, func(s string) bool { return strings.Contains(s, appID) }), err
	}
	steps := []resource.TestStep{
		{
			Config: v1,
			Check: resource.ComposeTestCheckFunc(checkOktaAssignment(oc, mappingAddr, acctest.StandardProfile, rep),
				func(s *terraform.State) (err error) {
					appID, err = acctest.StateAttr(s, mappingAddr, "app_id")
					return err
				}),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
		},
		{
			Config: v2,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{change},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: asPlanned,
		},
	}
	steps = append(steps, importPlansEmptySteps(t, sb, v2, mappingAddr, func(*terraform.State) (string, error) { return appID + "/" + group.ID, nil })...)
	steps = append(steps, resource.TestStep{
		// Destroy the mapping alone: the app keeps no assignment and everything else is as before.
		Config: mappingConfig(sb, label),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionDestroy)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		Check: checkRemote(func(ctx context.Context) error {
			if _, err := oc.GetAppGroupAssignment(ctx, appID, group.ID); !acctest.IsNotFound(err) {
				return fmt.Errorf("group %s is still assigned to app %s after destroy (%v)", group.ID, appID, err)
			}
			got, err := allButApp()
			if err != nil {
				return err
			}
			if !slices.Equal(got, before) {
				return fmt.Errorf("after destroying the mapping the orgs hold\n  %v\nbefore it they held\n  %v", got, before)
			}
			return nil
		}),
	})
	acctest.Test(t, resource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			got, err := orgHoldings(ctx, oc, sf, group)
			if err != nil {
				return err
			}
			if !slices.Equal(got, before) {
				return fmt.Errorf("after destroy the orgs hold\n  %v\nbefore they held\n  %v", got, before)
			}
			return nil
		},
		Steps: steps,
	})
}
