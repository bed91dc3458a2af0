package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// Two roles with one name: the look-up and a mapping fail with both candidates (DeveloperName and ID) and
// say to name the role by its DeveloperName, which then finds the one meant.
func TestAccSalesforceLookupDataSources_ambiguousRole(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	name, firstID := acctest.CreateRole(t, sf, "twin", "")
	secondDev := acctest.RandomDeveloperName("twin")
	res, err := sf.InsertCollection(context.Background(), "UserRole", []map[string]any{{"Name": name, "DeveloperName": secondDev}})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("create a second role named %s: %v", name, err)
	}
	secondID := res[0].ID
	t.Cleanup(func() { _, _ = sf.DeleteCollection(context.Background(), "UserRole", []string{secondID}) })
	lookup := func(n string) string {
		return acctest.ProviderConfig(sb) + fmt.Sprintf("data \"oktasf_salesforce_role\" \"x\" {\n  salesforce_org = %q\n  name           = %q\n}\n", acctest.PrimaryOrg(), n)
	}
	both := strings.ReplaceAll(fmt.Sprintf(`has 2 roles named %q:.*\(%s\).*\(%s\).*DeveloperName`, name, firstID, secondID), " ", `\s+`) // Terraform wraps long lines
	group := acctest.CreateOktaGroup(t, oc, "sales", "mapped")
	acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{
		{Config: lookup(name), ExpectError: regexp.MustCompile(`(?s)Ambiguous Name.*` + both)},
		{
			Config:      mappingConfig(sb, acctest.RandomName("twin"), groupMapping("test", group, fmt.Sprintf("  profile = %q\n  role = %q\n", acctest.StandardProfile, name))),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Salesforce Role Name Is Ambiguous.*` + both),
		},
		{
			Config: lookup(secondDev),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.oktasf_salesforce_role.x", tfjsonpath.New("id"), knownvalue.StringExact(secondID)),
			},
		},
	}})
}

// Group IDs are checked in the schema: a path such as ../apps/<id> never reaches a URL.
func TestAccPermissionSetBinding_groupIDValidated(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	group := acctest.CreateOktaGroup(t, oc, "bound", "bound")
	ps, _ := acctest.CreatePermissionSet(t, sf, "bound", nil)
	bad := acctest.OktaGroup{ID: "../groups/" + group.ID}
	want := regexp.MustCompile(`(?s)Invalid Attribute Value Match.*must\s+be\s+an\s+Okta\s+group\s+ID`)
	acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{
		{Config: bindingConfig(sb, fmt.Sprintf("permission_set = %q", ps), bad), PlanOnly: true, ExpectError: want},
		{Config: mappingConfig(sb, acctest.RandomName("bad"), groupMapping("test", bad, fmt.Sprintf("  profile = %q\n", acctest.StandardProfile))), PlanOnly: true, ExpectError: want},
	}})
}

// The Okta client escapes IDs in URL paths: a group ID that walks to another path finds nothing rather than
// reading the endpoint it points at.
func TestAccOktaClient_pathEscaped(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	a := acctest.CreateOktaUser(t, oc, "a")
	group := acctest.CreateOktaGroup(t, oc, "escaped", "one member", a)
	ctx := context.Background()
	if members, err := oc.ListGroupMembers(ctx, group.ID); err != nil || len(members) != 1 {
		t.Fatalf("the group's own members: %v, %v", members, err)
	}
	members, err := oc.ListGroupMembers(ctx, "../groups/"+group.ID)
	if !errors.Is(err, okta.ErrNotFound) {
		t.Fatalf("ListGroupMembers(../groups/%s) = %d members, %v; want ErrNotFound", group.ID, len(members), err)
	}
	if _, err := oc.GetAppGroupAssignment(ctx, "../apps/x", "../"+group.ID); !errors.Is(err, okta.ErrNotFound) {
		t.Fatalf("GetAppGroupAssignment with ../ IDs: %v; want ErrNotFound", err)
	}
}
