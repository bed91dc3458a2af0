package salesforce_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// Assigning and removing 450 users takes one request each (a Composite request of three Collections calls),
// and every record keeps its own result: an unknown ID among the removals fails alone.
func TestAssignmentWritesInOneComposite(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, entitlementSeed(450))
	ctx := context.Background()
	target, ids := fullCRMAndUsers(t, c, 450)
	sb.Control().ResetStats()
	res, err := c.AddAssignments(ctx, target, ids)
	if err != nil || len(res) != len(ids) {
		t.Fatalf("add: %d results for %d users, %v", len(res), len(ids), err)
	}
	for i, r := range res {
		if r.Err() != nil || r.ID == "" {
			t.Fatalf("assignment %d: %v", i, r.Err())
		}
	}
	const composite = "salesforce:qa POST /services/data/{version}/composite"
	if routes := sb.Control().Stats().Routes; routes[composite] != 1 || len(routes) != 1 {
		t.Errorf("assigning %d users: routes %v, want one Composite request", len(ids), routes)
	}
	if subs := sb.Control().Stats().Subrequests; subs["salesforce:qa POST /services/data/{version}/composite/sobjects"] != 3 || len(subs) != 1 {
		t.Errorf("assigning %d users: subrequests %v, want three Collections creates", len(ids), subs)
	}
	got, err := c.ListFederatedAssignments(ctx, target)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("listed %d assignments, want %d (%v)", len(got), len(ids), err)
	}
	gone := []string{}
	for _, a := range got {
		gone = append(gone, a.ID)
	}
	gone = append(gone[:300], append([]string{"0Pa000000000000AAA"}, gone[300:]...)...) // unknown, in the second call
	sb.Control().ResetStats()
	// The first answer is a 503: a delete by Id can be sent again, and is.
	sb.Control().AddFault(emu.Fault{Service: "salesforce", Route: "POST /services/data/{version}/composite", Kind: emu.FaultServerError, Count: 1})
	del, err := c.RemoveAssignments(ctx, gone)
	if err != nil || len(del) != len(gone) {
		t.Fatalf("remove: %d results for %d, %v", len(del), len(gone), err)
	}
	for i, r := range del {
		if (i == 300) != (r.Err() != nil) {
			t.Errorf("removal %d: %v", i, r.Err())
		}
	}
	var apiErr *salesforce.APIError
	if !errors.As(del[300].Err(), &apiErr) || apiErr.Code == "" {
		t.Errorf("removing an unknown ID: %v, want Salesforce's error for that record", del[300].Err())
	}
	if routes := sb.Control().Stats().Routes; routes[composite] != 2 || len(routes) != 1 {
		t.Errorf("removing %d assignments: routes %v, want one Composite request and its replay", len(gone), routes)
	}
	if left, err := c.ListFederatedAssignments(ctx, target); err != nil || len(left) != 0 {
		t.Errorf("%d assignments left (%v), want none", len(left), err)
	}
}

// A Composite create whose answer is lost (Salesforce saved the assignments) is settled on replay: each
// assignment exists once and every record reports success with its Id.
func TestCompositeCreateLostAnswer(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, entitlementSeed(450))
	ctx := context.Background()
	target, ids := fullCRMAndUsers(t, c, 450)
	sb.Control().AddFault(emu.Fault{Service: "salesforce", Route: "POST /services/data/{version}/composite", Kind: emu.FaultLostResponse, Count: 1})
	res, err := c.AddAssignments(ctx, target, ids)
	if err != nil || len(res) != len(ids) {
		t.Fatalf("add: %d results for %d users, %v", len(res), len(ids), err)
	}
	for i, r := range res {
		if r.Err() != nil || r.ID == "" {
			t.Fatalf("assignment %d: %v (Id %q)", i, r.Err(), r.ID)
		}
	}
	got, err := c.ListFederatedAssignments(ctx, target)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("listed %d assignments, want each of the %d once (%v)", len(got), len(ids), err)
	}
}

// fullCRMAndUsers returns the Full_CRM permission set of an entitlementSeed org and the Ids of its first n users.
func fullCRMAndUsers(t *testing.T, c *salesforce.Client, n int) (salesforce.AssignmentTarget, []string) {
	t.Helper()
	ctx := context.Background()
	fids := make([]string, n)
	for i := range fids {
		fids[i] = fmt.Sprintf("u%04d@acme.com", i)
	}
	users, err := c.UsersByFederationID(ctx, fids)
	if err != nil {
		t.Fatal(err)
	}
	sets, err := c.ListPermissionSets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var target salesforce.AssignmentTarget
	for _, s := range sets {
		if s.Name == "Full_CRM" {
			target.PermissionSetID = s.ID
		}
	}
	ids := make([]string, n)
	for i, fid := range fids {
		ids[i] = users[fid].ID
	}
	return target, ids
}
