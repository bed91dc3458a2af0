package entitlement_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// The routes of a mapping's requests, as the sandbox counts them.
const (
	routeAssignments = "okta GET /api/v1/apps/{appId}/groups"
	routeAssignment  = "okta GET /api/v1/apps/{appId}/groups/{groupId}"
	routeAssign      = "okta PUT /api/v1/apps/{appId}/groups/{groupId}"
	routeSchemaGet   = "okta GET /api/v1/meta/schemas/apps/{appId}/default"
	routeSchemaPost  = "okta POST /api/v1/meta/schemas/apps/{appId}/default"
)

// Ten mappings created with their app read nothing of it (a new app has no assignments and no custom
// app-user property): ten PUTs and one schema update. Ten more added to the existing app read its
// assignments once per terraform walk (the plan's refresh and the apply's creates) and its schema once.
func TestAccGroupMapping_requestsOfManyCreates(t *testing.T) {
	acctest.RequireSandbox(t, "counts the requests of an apply")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	label := acctest.RandomName("manymaps")
	var first, all []string
	for i := range 20 {
		g := acctest.CreateOktaGroup(t, oc, fmt.Sprintf("many%02d", i), "mapped")
		extra := fmt.Sprintf("  profile = %q\n", acctest.StandardProfile)
		if i < 10 {
			extra += fmt.Sprintf("  priority = %d\n", i)
		}
		m := groupMapping(fmt.Sprintf("m%02d", i), g, extra)
		if i < 10 {
			first = append(first, m)
		}
		all = append(all, m)
	}
	reset := func() { sb.Control().ResetStats() }
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				PreConfig: reset,
				Config:    mappingConfig(sb, label, first...),
				Check: acctest.RequestsWere(sb, map[string]int{routeAssign: 10, routeAssignment: 0, routeAssignments: 0,
					routeSchemaGet: 0, routeSchemaPost: 1}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
			{
				PreConfig: reset,
				Config:    mappingConfig(sb, label, all...),
				Check: acctest.RequestsWere(sb, map[string]int{routeAssign: 10, routeAssignment: 0, routeAssignments: 2,
					routeSchemaGet: 1, routeSchemaPost: 0}),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			},
		},
	})
}

// The order a create records comes from the app's cached list, kept up to date by the writes, not from a
// list read after each write: a move made in Okta right after the apply, before any refresh, still shows
// as drift, and apply puts the group back.
func TestAccGroupMapping_moveRightAfterCreate(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	ctx := context.Background()
	first, second := acctest.CreateOktaGroup(t, oc, "first", "priority 0"), acctest.CreateOktaGroup(t, oc, "second", "priority 1")
	cfg := mappingConfig(sb, acctest.RandomName("moveafter"),
		groupMapping("test", first, fmt.Sprintf("  priority = 0\n  profile = %q\n", acctest.StandardProfile)),
		groupMapping("second", second, fmt.Sprintf("  priority = 1\n  profile = %q\n  depends_on = [oktasf_group_mapping.test]\n", acctest.AdminProfile)))
	var appID string
	order := func() ([]string, error) {
		all, err := oc.ListAppGroupAssignments(ctx, appID)
		sort.Slice(all, func(i, j int) bool { return all[i].Priority < all[j].Priority })
		var ids []string
		for _, a := range all {
			ids = append(ids, a.GroupID)
		}
		return ids, err
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				// Right after the apply, before any refresh: an admin puts the second group first.
				Check: func(s *terraform.State) (err error) {
					if appID, err = acctest.StateAttr(s, mappingAddr, "app_id"); err != nil {
						return err
					}
					current, err := oc.GetAppGroupAssignment(ctx, appID, second.ID)
					if err != nil {
						return err
					}
					zero := 0
					_, err = oc.SetAppGroupAssignment(ctx, appID, second.ID, &zero, current.Profile)
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config:           cfg,
				ConfigPlanChecks: secondMovedBack(),
				Check: func(*terraform.State) error {
					got, err := order()
					if err != nil {
						return err
					}
					if want := []string{first.ID, second.ID}; strings.Join(got, ",") != strings.Join(want, ",") {
						return fmt.Errorf("Okta's order = %v, want %v", got, want)
					}
					return nil
				},
			},
		},
	})
}

// A role renamed in Salesforce after the apply is reported by the next plan although the mapping did not
// change: names are checked at every plan (they come with the org's facts, in the request the app's plan sends).
func TestAccGroupMapping_unchangedNamesStillChecked(t *testing.T) {
	acctest.RequireSandbox(t, "renames a Salesforce role out of band")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	oc := acctest.OktaClient(t, sb)
	sf := acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "names", "mapped")
	role, roleID := acctest.CreateRole(t, sf, "names", "")
	cfg := mappingConfig(sb, acctest.RandomName("names"), groupMapping("test", group,
		fmt.Sprintf("  profile = %q\n  role = %q\n", acctest.StandardProfile, role)))
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_group_mapping", mappingExists(oc)),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig: func() {
					if _, err := sf.UpdateCollection(context.Background(), "UserRole", []map[string]any{{"Id": roleID, "Name": role + " (renamed)"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Salesforce Role Not Found`),
			},
			{
				PreConfig: func() {
					if _, err := sf.UpdateCollection(context.Background(), "UserRole", []map[string]any{{"Id": roleID, "Name": role}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}
