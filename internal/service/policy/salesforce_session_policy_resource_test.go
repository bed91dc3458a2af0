package policy_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

const sessionPolicyAddr = "oktasf_salesforce_session_policy.test"

// sessionPolicyConfig is oktasf_salesforce_session_policy.test on profile, with the attributes in body.
func sessionPolicyConfig(sb *sandbox.Sandbox, profile, body string) string {
	return acctest.ProviderConfig(sb) + fmt.Sprintf(`
resource "oktasf_salesforce_session_policy" "test" {
  salesforce_org = %q
  profile        = %q
%s}
`, acctest.PrimaryOrg(), profile, body)
}

const (
	sessionPolicyV1 = `  required_session_level = "HIGH_ASSURANCE"
  session_timeout        = 60
  login_ip_ranges = [
    { start = "203.0.113.0", end = "203.0.113.255", description = "HQ" },
    { start = "2001:db8::", end = "2001:db8::ffff" },
  ]
`
	sessionPolicyV2 = `  required_session_level = "STANDARD"
  login_ip_ranges = [
    { start = "198.51.100.7", end = "198.51.100.7", description = "VPN" },
  ]
`
)

// sessionPolicyProfile creates a custom profile with a description for the test (deleted at cleanup), so that
// tests running at once never share a profile and a write that wipes other settings of the profile shows.
func sessionPolicyProfile(t *testing.T, sf *salesforce.Client) string {
	t.Helper()
	ctx := context.Background()
	var licenses []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(ctx, "SELECT Id FROM UserLicense WHERE Name = 'Salesforce'", &licenses); err != nil || len(licenses) != 1 {
		t.Fatalf("user license: %v %v", licenses, err)
	}
	name := acctest.RandomName("profile")
	res, err := sf.InsertCollection(ctx, "Profile", []map[string]any{{"Name": name, "UserLicenseId": licenses[0].ID, "Description": "kept by every write"}})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("create profile %s: %v", name, err)
	}
	t.Cleanup(func() { _, _ = sf.DeleteCollection(context.Background(), "Profile", []string{res[0].ID}) })
	return name
}

// sessionPolicyExists finds the policy: a profile that holds any restriction; NotFound when it holds none.
func sessionPolicyExists(sf *salesforce.Client) acctest.Finder {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		profile := is.Attributes["profile"]
		ranges, err := sf.ReadProfileLoginIPRanges(ctx, profile)
		if err != nil {
			return err
		}
		s, err := sf.FindProfileSessionSetting(ctx, profile)
		if err != nil {
			return err
		}
		if len(ranges) == 0 && s.RequiredSessionLevel == "" && s.SessionTimeout == 0 {
			return fmt.Errorf("profile %s restricts nothing: %w", profile, salesforce.ErrNotFound)
		}
		return nil
	}
}

// sessionPolicyClear clears every restriction of the profile, as an admin would in Setup: an upsert without ranges
// may keep the last ones (the resource's documented assumption, which the sandbox follows), so in the sandbox they
// go through its Setup action.
func sessionPolicyClear(sf *salesforce.Client, sb *sandbox.Sandbox) acctest.Remover {
	return func(ctx context.Context, is *terraform.InstanceState) error {
		profile := is.Attributes["profile"]
		s, err := sf.FindProfileSessionSetting(ctx, profile)
		if err != nil {
			return err
		}
		s.RequiredSessionLevel, s.SessionTimeout = "", 0
		if err := sf.UpsertProfileSessionSetting(ctx, *s); err != nil {
			return err
		}
		err = sf.SetProfileLoginIPRanges(ctx, profile, nil)
		if errors.Is(err, salesforce.ErrLoginIPRangesKept) && !acctest.Live() {
			err = sb.Org(acctest.PrimaryOrg()).ClearLoginIPRanges(profile)
		}
		return err
	}
}

// checkPolicyDestroyed checks that destroy cleared the profile's level and timeout, and left either no ranges or
// the kept ones (an upsert may not remove the last ranges: unverified, so both outcomes pass in a live org).
func checkPolicyDestroyed(sf *salesforce.Client, profile string, kept ...salesforce.LoginIPRange) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := checkSalesforcePolicy(sf, profile, "", 0)(s); err == nil {
			return nil
		}
		return checkSalesforcePolicy(sf, profile, "", 0, kept...)(s)
	}
}

// profileStamp is the profile's SystemModstamp and description: a metadata write of the profile moves the stamp.
func profileStamp(t *testing.T, sf *salesforce.Client, profile string) (stamp, description string) {
	t.Helper()
	var rows []struct {
		SystemModstamp string `json:"SystemModstamp"`
		Description    string `json:"Description"`
	}
	if err := sf.Query(context.Background(), "SELECT SystemModstamp, Description FROM Profile WHERE Name = "+salesforce.Quote(profile), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("profile %s: %v %v", profile, rows, err)
	}
	return rows[0].SystemModstamp, rows[0].Description
}

func checkProfileDescriptionKept(t *testing.T, sf *salesforce.Client, profile string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, d := profileStamp(t, sf, profile); d != "kept by every write" {
			return fmt.Errorf("the profile's description is %q: a write replaced what the resource does not own", d)
		}
		return nil
	}
}

// checkSalesforcePolicy checks what Salesforce holds, through the Metadata API.
func checkSalesforcePolicy(sf *salesforce.Client, profile, level string, timeout int, ranges ...salesforce.LoginIPRange) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		s, err := sf.FindProfileSessionSetting(ctx, profile)
		if err != nil {
			return err
		}
		if s.RequiredSessionLevel != level || s.SessionTimeout != timeout {
			return fmt.Errorf("Salesforce holds level %q, timeout %d; want %q, %d", s.RequiredSessionLevel, s.SessionTimeout, level, timeout)
		}
		got, err := sf.ReadProfileLoginIPRanges(ctx, profile)
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(ranges) && !(len(got) == 0 && len(ranges) == 0) {
			return fmt.Errorf("Salesforce holds ranges %v; want %v", got, ranges)
		}
		return nil
	}
}

func TestAccSalesforceSessionPolicy_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	profile := sessionPolicyProfile(t, sf)
	cfg := sessionPolicyConfig(sb, profile, sessionPolicyV1)
	var stamp string
	acctest.Test(t, resource.TestCase{
		// Destroy clears level and timeout; the ranges stay in the sandbox (see sessionPolicyClear), with a warning.
		CheckDestroy: resource.ComposeTestCheckFunc(checkPolicyDestroyed(sf, profile, salesforce.LoginIPRange{Start: "203.0.113.0", End: "203.0.113.255", Description: "HQ"},
			salesforce.LoginIPRange{Start: "2001:db8::", End: "2001:db8::ffff"}), checkProfileDescriptionKept(t, sf, profile)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(sessionPolicyAddr, tfjsonpath.New("id"), knownvalue.StringExact(acctest.PrimaryOrg()+"/"+profile)),
					statecheck.ExpectKnownValue(sessionPolicyAddr, tfjsonpath.New("required_session_level"), knownvalue.StringExact("HIGH_ASSURANCE")),
					statecheck.ExpectKnownValue(sessionPolicyAddr, tfjsonpath.New("session_timeout"), knownvalue.Int64Exact(60)),
					statecheck.ExpectKnownValue(sessionPolicyAddr, tfjsonpath.New("login_ip_ranges"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"start": knownvalue.StringExact("203.0.113.0"), "end": knownvalue.StringExact("203.0.113.255"), "description": knownvalue.StringExact("HQ")}),
						knownvalue.ObjectExact(map[string]knownvalue.Check{"start": knownvalue.StringExact("2001:db8::"), "end": knownvalue.StringExact("2001:db8::ffff"), "description": knownvalue.Null()}),
					})),
				},
				Check: resource.ComposeTestCheckFunc(acctest.CheckExists(sessionPolicyAddr, sessionPolicyExists(sf)),
					checkSalesforcePolicy(sf, profile, "HIGH_ASSURANCE", 60, salesforce.LoginIPRange{Start: "203.0.113.0", End: "203.0.113.255", Description: "HQ"},
						salesforce.LoginIPRange{Start: "2001:db8::", End: "2001:db8::ffff"}),
					checkProfileDescriptionKept(t, sf, profile)),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{ResourceName: sessionPolicyAddr, ImportState: true, ImportStateId: acctest.PrimaryOrg() + "/" + profile, ImportStateVerify: true},
			// An import block, then a plan: neither writes to Salesforce (the profile's SystemModstamp stays), and the plan is empty.
			{
				PreConfig:       func() { stamp, _ = profileStamp(t, sf, profile) },
				Config:          cfg,
				ResourceName:    sessionPolicyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   acctest.PrimaryOrg() + "/" + profile,
			},
			{
				Config:   cfg,
				PlanOnly: true,
				Check: func(*terraform.State) error {
					if now, _ := profileStamp(t, sf, profile); now != stamp {
						return fmt.Errorf("the import or the plan wrote the profile (SystemModstamp %s → %s)", stamp, now)
					}
					return nil
				},
			},
		},
	})
}

func TestAccSalesforceSessionPolicy_update(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	profile := sessionPolicyProfile(t, sf)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkSalesforcePolicy(sf, profile, "", 0),
		Steps: append([]resource.TestStep{
			{Config: sessionPolicyConfig(sb, profile, sessionPolicyV1), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				Config: sessionPolicyConfig(sb, profile, sessionPolicyV2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(sessionPolicyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(sessionPolicyAddr, tfjsonpath.New("session_timeout"), knownvalue.Null()),
				},
				Check: resource.ComposeTestCheckFunc(checkSalesforcePolicy(sf, profile, "STANDARD", 0, salesforce.LoginIPRange{Start: "198.51.100.7", End: "198.51.100.7", Description: "VPN"}),
					checkProfileDescriptionKept(t, sf, profile)),
			},
		}, sessionPolicyUnsetSteps(t, sf, sb, profile)...),
	})
}

// sessionPolicyUnsetSteps unset everything: a policy that restricts nothing, kept in the state and planning empty.
// In the sandbox the upsert without ranges keeps the last one (the documented assumption), so the apply fails
// naming it and Setup's way out; once an admin deleted it there, the same configuration applies. A live org runs
// the one apply and passes whichever Salesforce does (kept ranges then fail it with the same message).
func sessionPolicyUnsetSteps(t *testing.T, sf *salesforce.Client, sb *sandbox.Sandbox, profile string) []resource.TestStep {
	unset := sessionPolicyConfig(sb, profile, "  login_ip_ranges = []\n")
	last := resource.TestStep{Config: unset, Check: checkSalesforcePolicy(sf, profile, "", 0), ConfigPlanChecks: acctest.EmptyPlanAfterApply()}
	if acctest.Live() {
		return []resource.TestStep{last}
	}
	last.PreConfig = func() {
		if err := sb.Org(acctest.PrimaryOrg()).ClearLoginIPRanges(profile); err != nil {
			t.Fatal(err)
		}
	}
	return []resource.TestStep{
		{Config: unset, ExpectError: regexp.MustCompile(`(?s)still\s+has\s+login\s+IP\s+ranges\s+198\.51\.100\.7\s+–\s+198\.51\.100\.7.*Setup\s+›\s+Profiles`)},
		last,
	}
}

func TestAccSalesforceSessionPolicy_disappears(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	profile := sessionPolicyProfile(t, sf)
	acctest.Test(t, resource.TestCase{
		Steps: acctest.DisappearsSteps(t, sessionPolicyConfig(sb, profile, sessionPolicyV1), sessionPolicyAddr, sessionPolicyClear(sf, sb), sessionPolicyExists(sf)),
	})
}

// An edit in Salesforce of one setting shows as an update of that setting.
func TestAccSalesforceSessionPolicy_drift(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	profile := sessionPolicyProfile(t, sf)
	cfg := sessionPolicyConfig(sb, profile, sessionPolicyV1)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					ctx := context.Background()
					s, err := sf.FindProfileSessionSetting(ctx, profile)
					if err == nil {
						s.SessionTimeout = 120
						err = sf.UpsertProfileSessionSetting(ctx, *s)
					}
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(sessionPolicyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sessionPolicyAddr, tfjsonpath.New("session_timeout"), knownvalue.Int64Exact(60))},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkSalesforcePolicy(sf, profile, "HIGH_ASSURANCE", 60, salesforce.LoginIPRange{Start: "203.0.113.0", End: "203.0.113.255", Description: "HQ"},
					salesforce.LoginIPRange{Start: "2001:db8::", End: "2001:db8::ffff"}),
			},
		},
	})
}

// A create whose answer was lost left the policy in Salesforce: the next create finds it equal and adopts it
// without writing; one that differs is refused with the differences and the import command.
func TestAccSalesforceSessionPolicy_lostCreateAdopted(t *testing.T) {
	sb := acctest.Sandbox(t)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	profile := sessionPolicyProfile(t, sf)
	ctx := context.Background()
	write := func(level string, timeout int) {
		s, err := sf.FindProfileSessionSetting(ctx, profile)
		if err == nil {
			s.RequiredSessionLevel, s.SessionTimeout = level, timeout
			err = sf.UpsertProfileSessionSetting(ctx, *s)
		}
		if err == nil {
			err = sf.SetProfileLoginIPRanges(ctx, profile, []salesforce.LoginIPRange{{Start: "198.51.100.7", End: "198.51.100.7", Description: "VPN"}})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var stamp string
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { write("STANDARD", 30) },
				Config:      sessionPolicyConfig(sb, profile, sessionPolicyV2),
				ExpectError: regexp.MustCompile(`(?s)Session Policy Already Set.*session_timeout: found 30, planned 0.*terraform import`),
			},
			{
				PreConfig: func() { write("STANDARD", 0); stamp, _ = profileStamp(t, sf, profile) },
				Config:    sessionPolicyConfig(sb, profile, sessionPolicyV2),
				Check: func(*terraform.State) error {
					if now, _ := profileStamp(t, sf, profile); now != stamp {
						return errors.New("the create wrote a policy it should have adopted")
					}
					return nil
				},
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
		},
	})
}

func TestAccSalesforceSessionPolicy_invalidRangeAtPlan(t *testing.T) {
	sb := acctest.Sandbox(t)
	for _, c := range []struct{ ranges, want string }{
		{`{ start = "203.0.113.9", end = "203.0.113.1" }`, `(?s)Login IP Range Ends Before It Starts.*login_ip_ranges: the range 203.0.113.9 – 203.0.113.1 ends before it starts`},
		{`{ start = "203.0.113.1", end = "2001:db8::1" }`, `(?s)Login IP Range Mixes IPv4 and IPv6.*login_ip_ranges: the range 203.0.113.1 – 2001:db8::1`},
		{`{ start = "203.0.113.0/24", end = "203.0.113.255" }`, `(?s)Invalid IP Address.*login_ip_ranges: start "203.0.113.0/24" is not`},
	} {
		acctest.Test(t, resource.TestCase{
			Steps: []resource.TestStep{{
				Config:      sessionPolicyConfig(sb, "Standard User", "  login_ip_ranges = ["+c.ranges+"]\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(c.want),
			}},
		})
	}
}
