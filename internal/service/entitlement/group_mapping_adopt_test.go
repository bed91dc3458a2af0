package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// oneAssignment checks, in Okta, that the app of *appID has exactly one assignment of group, with profile.
func oneAssignment(oc *okta.Client, appID *string, groupID, profile string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		all, err := oc.ListAppGroupAssignments(context.Background(), *appID)
		if err != nil {
			return err
		}
		n := 0
		for _, a := range all {
			if a.GroupID != groupID {
				continue
			}
			n++
			if got, _ := a.Profile["profile"].(string); got != profile {
				return fmt.Errorf("group %s is assigned with profile %q, want %q", groupID, got, profile)
			}
		}
		if n != 1 {
			return fmt.Errorf("app %s has %d assignments of group %s, want exactly 1", *appID, n, groupID)
		}
		return nil
	}
}

func appIDOf(id *string) resource.TestCheckFunc {
	return func(s *terraform.State) (err error) {
		*id, err = acctest.StateAttr(s, "oktasf_saml_app.test", "id")
		return err
	}
}

// The assignment's PUT reached Okta but every answer to it (and to its retries) was lost: the apply fails,
// and the next one adopts the assignment without a write; the plan after it is empty.
func TestAccGroupMapping_lostCreateAnswerAdopted(t *testing.T) {
	acctest.RequireSandbox(t, "loses the answers of the assignment's write and counts the writes of the apply after it")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	label := acctest.RandomName("lostmap")
	cfg := mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  priority = 0\n  profile  = %q\n", acctest.StandardProfile)))
	var appID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{Config: mappingConfig(sb, label), Check: appIDOf(&appID), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					// A PUT is replayed after a lost answer: lose the write's answer and those of its four retries.
					sb.Control().AddFault(emu.Fault{Service: "okta", Route: "PUT /api/v1/apps/{appId}/groups/", Kind: emu.FaultLostResponse, Count: 5})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`Unable to Create Group Mapping`),
			},
			{
				PreConfig: func() {
					if f := sb.Control().Faults(); len(f) != 1 || f[0].Injected == 0 {
						t.Fatalf("no answer was lost: %+v", f)
					}
					if err := oneAssignment(oc, &appID, group.ID, acctest.StandardProfile)(nil); err != nil {
						t.Fatalf("the lost write did not reach Okta: %v", err)
					}
					sb.Control().ClearFaults()
					sb.Control().ResetStats()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(acctest.CheckNoWrites(sb), oneAssignment(oc, &appID, group.ID, acctest.StandardProfile)),
			},
		},
	})
}

// An adopted assignment that Okta holds at another priority is moved to the planned one, as a create
// places a group; its profile is kept.
func TestAccGroupMapping_lostCreateAnswerAdoptedAtPlannedPriority(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	group, first := acctest.CreateOktaGroup(t, oc, "sales", "mapped"), acctest.CreateOktaGroup(t, oc, "first", "assigned before")
	label := acctest.RandomName("lostprio")
	cfg := mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  priority = 0\n  profile  = %q\n", acctest.StandardProfile)))
	var appID string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{Config: mappingConfig(sb, label), Check: appIDOf(&appID), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				// What the lost create wrote, behind a group assigned before it.
				PreConfig: func() {
					ctx := context.Background()
					if err := oc.EnsureAppUserProperties(ctx, appID, "profile", "role"); err != nil {
						t.Fatal(err)
					}
					for _, g := range []acctest.OktaGroup{first, group} {
						if _, err := oc.SetAppGroupAssignment(ctx, appID, g.ID, nil, map[string]any{"profile": acctest.StandardProfile, "role": nil}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mappingAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(oneAssignment(oc, &appID, group.ID, acctest.StandardProfile), func(*terraform.State) error {
					a, err := oc.GetAppGroupAssignment(context.Background(), appID, group.ID)
					if err != nil {
						return err
					}
					if a.Priority != 0 {
						return fmt.Errorf("the adopted assignment stands at priority %d, want the planned 0", a.Priority)
					}
					return nil
				}),
			},
		},
	})
}

// An assignment of the group with another profile is refused, naming the difference and the import
// command; Okta keeps it as it was.
func TestAccGroupMapping_existingDifferentRefused(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	label := acctest.RandomName("othermap")
	var appID string
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: mappingConfig(sb, label), Check: appIDOf(&appID), ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					ctx := context.Background()
					if err := oc.EnsureAppUserProperties(ctx, appID, "profile", "role"); err != nil {
						t.Fatal(err)
					}
					if _, err := oc.SetAppGroupAssignment(ctx, appID, group.ID, nil, map[string]any{"profile": acctest.AdminProfile}); err != nil {
						t.Fatal(err)
					}
				},
				Config: mappingConfig(sb, label, groupMapping("test", group, fmt.Sprintf("  profile = %q\n", acctest.StandardProfile))),
				ExpectError: regexp.MustCompile(`(?s)Group Mapping Already Exists.*profile:\s+found\s+"` + regexp.QuoteMeta(acctest.AdminProfile) +
					`",\s+planned\s+"` + regexp.QuoteMeta(acctest.StandardProfile) + `".*terraform\s+import\s+'<address>'\s+0oa[A-Za-z0-9]+/` + group.ID +
					`.*'oktasf_group_mapping\.this\["prod"\]'.*import\s+\{\s+to\s+=\s+<address>\s+id\s+=\s+"0oa[A-Za-z0-9]+/` + group.ID + `"\s+\}`),
			},
			{Config: mappingConfig(sb, label), Check: oneAssignment(oc, &appID, group.ID, acctest.AdminProfile)},
		},
	})
}
