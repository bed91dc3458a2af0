package salesforce_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// startOrg runs a sandbox whose only Salesforce org is seed, and returns a client of it.
func startOrg(t *testing.T, seed sfemu.OrgSeed) (*sandbox.Sandbox, *salesforce.Client) {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: &sandbox.Seed{Salesforce: map[string]sfemu.OrgSeed{"qa": seed}}})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	o := sb.Info().Salesforce["qa"]
	c, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: o.LoginURL, ClientID: o.ClientID, Username: o.Username,
		PrivateKey: o.PrivateKey, JWTAudience: o.JWTAudience, HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"})})
	if err != nil {
		t.Fatal(err)
	}
	return sb, c
}

func entitlementSeed(users int) sfemu.OrgSeed {
	s := sfemu.OrgSeed{
		Name: "QA", IsSandbox: true, AdminUsername: "integration@acme.qa",
		Profiles:       []sfemu.ProfileSeed{{Name: "Sales User"}, {Name: "Support User"}, {Name: "Platform User", UserLicense: "Salesforce Platform"}},
		Roles:          []sfemu.RoleSeed{{Name: "CEO"}, {Name: "VP Sales", Parent: "CEO"}},
		PermissionSets: []sfemu.PermissionSetSeed{{Name: "Sales_Cloud_User", Label: "Sales Cloud User"}, {Name: "Report_Builder"}, {Name: "Full_CRM", License: "Salesforce"}},
		PermissionSetGroups: []sfemu.PermissionSetGroupSeed{
			{DeveloperName: "Sales_Bundle", Label: "Sales Bundle", PermissionSets: []string{"Sales_Cloud_User", "Report_Builder"}}},
		Users: []sfemu.UserSeed{
			{Username: "etl@acme.qa", LastName: "Bot", PermissionSets: []string{"Sales_Cloud_User"}},
			{Username: "platform@acme.qa", LastName: "Plat", FederationID: "platform@acme.com", Profile: "Platform User"},
		},
	}
	for i := range users {
		s.Users = append(s.Users, sfemu.UserSeed{Username: fmt.Sprintf("u%04d@acme.qa", i), LastName: "U", Alias: "u",
			FederationID: fmt.Sprintf("u%04d@acme.com", i), Profile: "Sales User"})
	}
	return s
}

func TestLookups(t *testing.T) {
	t.Parallel()
	_, c := startOrg(t, entitlementSeed(0))
	ctx := context.Background()
	profiles, err := c.ListProfiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]salesforce.Profile{}
	for _, p := range profiles {
		byName[p.Name] = p
	}
	if p := byName["Platform User"]; !strings.HasPrefix(p.ID, "00e") || p.UserLicense != "Salesforce Platform" {
		t.Errorf("Platform User = %+v, want an 00e id and license Salesforce Platform", p)
	}
	roles, err := c.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ceo, vp salesforce.Role
	for _, r := range roles {
		switch r.Name {
		case "CEO":
			ceo = r
		case "VP Sales":
			vp = r
		}
	}
	if ceo.ID == "" || vp.ParentRoleID != ceo.ID || ceo.ParentRoleID != "" || vp.DeveloperName == "" {
		t.Errorf("roles CEO %+v, VP Sales %+v: want VP Sales under CEO with a developer name", ceo, vp)
	}
	sets, err := c.ListPermissionSets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var assignable, profileOwned, aggregate int
	for _, s := range sets {
		switch {
		case s.Assignable():
			assignable++
		case s.IsOwnedByProfile:
			profileOwned++
		default:
			aggregate++
		}
	}
	if assignable != 3 || profileOwned == 0 || aggregate != 1 {
		t.Errorf("permission sets: %d assignable, %d profile-owned, %d aggregate; want 3, >0, 1", assignable, profileOwned, aggregate)
	}
	groups, err := c.ListPermissionSetGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].DeveloperName != "Sales_Bundle" || groups[0].Label != "Sales Bundle" {
		t.Errorf("groups = %+v", groups)
	}
	nf := c.NewNameNotFoundError("profile", "Sales Usr", []string{"Sales User", "Support User", "System Administrator"})
	if !errors.Is(nf, salesforce.ErrNotFound) || !strings.Contains(nf.Error(), `did you mean "Sales User"`) {
		t.Errorf("NotFound = %v", nf)
	}
}

// Users are found in batches, assignments of users without a Federation ID stay out of sight, and a
// record that Salesforce refuses does not hide the others' results.
func TestAssignmentsRoundTrip(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, entitlementSeed(450))
	ctx := context.Background()
	var fids []string
	for i := range 450 {
		fids = append(fids, fmt.Sprintf("u%04d@acme.com", i))
	}
	fids = append(fids, "platform@acme.com", "nobody@acme.com")
	sb.Control().ResetStats()
	users, err := c.UsersByFederationID(ctx, fids)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 451 || users["nobody@acme.com"].ID != "" || !users["u0007@acme.com"].IsActive {
		t.Fatalf("found %d users (want 451, all active, nobody missing)", len(users))
	}
	if queries := countRoutes(sb, "/query"); queries != 2 {
		t.Errorf("%d query requests for 452 ids, want 2 batches", queries)
	}

	sets, err := c.ListPermissionSets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target := salesforce.AssignmentTarget{}
	for _, s := range sets {
		if s.Name == "Full_CRM" {
			target.PermissionSetID = s.ID
		}
	}
	ids := []string{users["u0001@acme.com"].ID, users["platform@acme.com"].ID, users["u0002@acme.com"].ID}
	res, err := c.AddAssignments(ctx, target, ids)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err() != nil || res[2].Err() != nil {
		t.Errorf("valid assignments failed: %v, %v", res[0].Err(), res[2].Err())
	}
	var apiErr *salesforce.APIError
	if !errors.As(res[1].Err(), &apiErr) || apiErr.Code != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("the platform user's assignment: %v, want FIELD_INTEGRITY_EXCEPTION (license mismatch)", res[1].Err())
	}
	got, err := c.ListFederatedAssignments(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if fidsOf(got) != "u0001@acme.com,u0002@acme.com" {
		t.Errorf("assignments = %s", fidsOf(got))
	}
	del, err := c.RemoveAssignments(ctx, []string{got[0].ID, "0Pa000000000000AAA"})
	if err != nil {
		t.Fatal(err)
	}
	if del[0].Err() != nil || del[1].Err() == nil {
		t.Errorf("delete results %v, %v: want the first to succeed and the unknown id to fail", del[0].Err(), del[1].Err())
	}

	// The integration user holds Sales_Cloud_User without a Federation ID: invisible to the binding.
	var sales salesforce.AssignmentTarget
	for _, s := range sets {
		if s.Name == "Sales_Cloud_User" {
			sales.PermissionSetID = s.ID
		}
	}
	if got, err := c.ListFederatedAssignments(ctx, sales); err != nil || len(got) != 0 {
		t.Errorf("federated assignments of Sales_Cloud_User = %v, %v; want none", got, err)
	}
}

func TestPermissionSetGroupAssignments(t *testing.T) {
	t.Parallel()
	_, c := startOrg(t, entitlementSeed(2))
	ctx := context.Background()
	groups, err := c.ListPermissionSetGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := c.UsersByFederationID(ctx, []string{"u0000@acme.com", "u0001@acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	target := salesforce.AssignmentTarget{PermissionSetGroupID: groups[0].ID}
	res, err := c.AddAssignments(ctx, target, []string{users["u0000@acme.com"].ID})
	if err != nil || res[0].Err() != nil {
		t.Fatalf("assign the group: %v %v", err, res)
	}
	got, err := c.ListFederatedAssignments(ctx, target)
	if err != nil || fidsOf(got) != "u0000@acme.com" {
		t.Fatalf("group assignments = %s, %v", fidsOf(got), err)
	}
}

func countRoutes(sb *sandbox.Sandbox, contains string) int {
	n := 0
	for route, count := range sb.Control().Stats().Routes {
		if strings.Contains(route, contains) {
			n += count
		}
	}
	return n
}

func fidsOf(as []salesforce.Assignment) string {
	var out []string
	for _, a := range as {
		out = append(out, a.FederationID)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestBatchIN(t *testing.T) {
	t.Parallel()
	many := make([]string, 7)
	for i := range many {
		many[i] = fmt.Sprintf("v%d", i)
	}
	cases := []struct {
		name      string
		values    []string
		maxValues int
		maxChars  int
		want      []int // batch sizes
	}{
		{"empty", nil, 3, 100, nil},
		{"by count", many, 3, 1000, []int{3, 3, 1}},
		{"by characters", many, 100, 10, []int{2, 2, 2, 1}}, // 'vN', is 5 characters
		{"oversized value alone", []string{strings.Repeat("x", 50), "a"}, 10, 20, []int{1, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			batches := salesforce.BatchIN(tc.values, tc.maxValues, tc.maxChars)
			var sizes []int
			var flat []string
			for _, b := range batches {
				sizes = append(sizes, len(b))
				flat = append(flat, b...)
			}
			if !slices.Equal(sizes, tc.want) {
				t.Errorf("batch sizes = %v, want %v", sizes, tc.want)
			}
			if !slices.Equal(flat, tc.values) {
				t.Errorf("batches lose or reorder values: %v", flat)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := []string{"Sales User", "Support User", "System Administrator", "Standard User", "Read Only"}
	cases := []struct {
		name string
		want []string
	}{
		{"Sales Usr", []string{"Sales User", "Standard User", "Support User"}}, // ties sort by name
		{"read only", []string{"Read Only"}},
		{"Sytem Administrator", []string{"System Administrator"}}, //nolint:misspell // a typo is the input under test
		{"Zzzzzzzzzzzzzzzzzzzzzz", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := salesforce.Suggest(tc.name, names, 3); !slices.Equal(got, tc.want) {
				t.Errorf("Suggest(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
