package entitlement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// The assignments a binding makes, removes and records as its own.

// createdKey is the private state key of the IDs of the assignments a binding created. Destroy removes only
// those: an assignment that existed before the binding (adopted) stays, as it was before the binding.
const createdKey = "created_assignments"

// loadCreated returns the IDs of the assignments the binding created; recorded is false when the state has
// no record (a binding made by a provider version that did not record it).
func loadCreated(ctx context.Context, p privateState) (created map[string]bool, recorded bool, diags diag.Diagnostics) {
	raw, diags := p.GetKey(ctx, createdKey)
	if diags.HasError() || len(raw) == 0 {
		return map[string]bool{}, false, diags
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return map[string]bool{}, false, diags // unreadable: treat as no record, which removes nothing
	}
	created = make(map[string]bool, len(ids))
	for _, id := range ids {
		created[id] = true
	}
	return created, true, diags
}

func saveCreated(ctx context.Context, p privateState, created map[string]bool) diag.Diagnostics {
	raw, _ := json.Marshal(keys(created)) // a []string always marshals
	return p.SetKey(ctx, createdKey, raw)
}

// createdAmong keeps the assignments whose ID the binding recorded as its own.
func createdAmong(as []salesforce.Assignment, created map[string]bool) []salesforce.Assignment {
	var out []salesforce.Assignment
	for _, a := range as {
		if created[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// inactiveAssignments finds the assignments of target held by inactive users with the Federation IDs given:
// ListFederatedAssignments leaves them out, but a removal the plan listed must happen even when the user was
// deactivated after the plan (Salesforce keeps a deactivated user's assignments).
func inactiveAssignments(ctx context.Context, org *conns.Org, t salesforce.AssignmentTarget, fids []string) ([]salesforce.Assignment, error) {
	where := "PermissionSetId = " + salesforce.Quote(t.PermissionSetID)
	if t.PermissionSetGroupID != "" {
		where = "PermissionSetGroupId = " + salesforce.Quote(t.PermissionSetGroupID)
	}
	var out []salesforce.Assignment
	for _, batch := range salesforce.BatchIN(fids, 300, 6000) {
		var rows []struct {
			ID         string `json:"Id"`
			AssigneeID string `json:"AssigneeId"`
			Assignee   *struct {
				FederationIdentifier string `json:"FederationIdentifier"`
			} `json:"Assignee"`
		}
		soql := "SELECT Id, AssigneeId, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE " + where +
			" AND Assignee.FederationIdentifier IN " + salesforce.QuoteList(batch) + " AND Assignee.IsActive = false"
		if err := org.Client.Query(ctx, soql, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Assignee != nil && r.Assignee.FederationIdentifier != "" {
				out = append(out, salesforce.Assignment{ID: r.ID, AssigneeID: r.AssigneeID, FederationID: r.Assignee.FederationIdentifier})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FederationID < out[j].FederationID })
	return out, nil
}

// addAssignments assigns target to the users of fids in Collections calls and returns the Federation
// IDs that hold it afterwards with the IDs of the assignments made (empty for one that was there already);
// every failure is an error naming its Federation ID.
func addAssignments(ctx context.Context, org *conns.Org, target salesforce.AssignmentTarget, fids []string, diags *diag.Diagnostics) (done, created []string) {
	if len(fids) == 0 {
		return nil, nil
	}
	users, err := usersByFederationID(ctx, org, fids)
	if err != nil {
		diags.AddError(framework.Summary("Assign", "Permission Set"), fmt.Sprintf("Looking up the users of %d Federation IDs: %s", len(fids), err))
		return nil, nil
	}
	var ids, forIDs []string
	for _, fid := range fids {
		u, ok := users[fid]
		if !ok || !u.IsActive {
			diags.AddError(framework.Summary("Assign", "Permission Set"), fmt.Sprintf("Federation ID %q: Salesforce has no active user with it any more.", fid))
			continue
		}
		ids, forIDs = append(ids, u.ID), append(forIDs, fid)
	}
	res, err := org.Client.AddAssignments(ctx, target, ids)
	if err != nil {
		diags.AddError(framework.Summary("Assign", "Permission Set"), fmt.Sprintf("Assigning %s to %d users: %s", target, len(ids), err))
	}
	for i, rr := range res {
		if i >= len(forIDs) {
			break
		}
		if err := rr.Err(); err != nil && !errors.Is(err, salesforce.ErrDuplicate) {
			diags.AddError(framework.Summary("Assign", "Permission Set"),
				fmt.Sprintf("Federation ID %q (user %s): %s. The other assignments were made; the next plan shows this one again.", forIDs[i], ids[i], err))
			continue
		}
		id := rr.ID
		if err != nil { // a duplicate: the assignment was there already, made by someone else
			id = ""
		}
		done, created = append(done, forIDs[i]), append(created, id)
	}
	return done, created
}
