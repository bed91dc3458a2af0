package salesforce

import (
	"context"
	"fmt"
)

// Limits of one IN (…) list: Salesforce caps a SOQL statement at 100,000 characters and a GET URI at
// about 16,000, so batches stay well inside the URI limit once URL-encoded.
const (
	inBatchMaxValues = 300
	inBatchMaxChars  = 6000
)

// FederatedUser is a Salesforce user found by its Federation ID.
type FederatedUser struct {
	ID           string
	FederationID string
	Username     string
	IsActive     bool
}

// UsersByFederationID finds the users whose FederationIdentifier is one of ids, with one query per batch
// of at most a few hundred ids. The result is keyed by the exact FederationIdentifier Salesforce holds;
// SOQL compares strings case-insensitively, so a caller that needs an exact match looks its key up.
func (c *Client) UsersByFederationID(ctx context.Context, ids []string) (map[string]FederatedUser, error) {
	out := make(map[string]FederatedUser, len(ids))
	for _, batch := range BatchIN(ids, inBatchMaxValues, inBatchMaxChars) {
		var rows []struct {
			ID                   string `json:"Id"`
			Username             string `json:"Username"`
			FederationIdentifier string `json:"FederationIdentifier"`
			IsActive             bool   `json:"IsActive"`
		}
		soql := "SELECT Id, Username, FederationIdentifier, IsActive FROM User WHERE FederationIdentifier IN " + QuoteList(batch)
		if err := c.Query(ctx, soql, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.FederationIdentifier] = FederatedUser{ID: r.ID, FederationID: r.FederationIdentifier, Username: r.Username, IsActive: r.IsActive}
		}
	}
	return out, nil
}

// AssignmentTarget is what PermissionSetAssignments point at: a permission set or a permission set group.
type AssignmentTarget struct {
	PermissionSetID      string
	PermissionSetGroupID string
}

func (t AssignmentTarget) String() string {
	if t.PermissionSetGroupID != "" {
		return "permission set group " + t.PermissionSetGroupID
	}
	return "permission set " + t.PermissionSetID
}

// Assignment is one PermissionSetAssignment of an active federated user.
type Assignment struct {
	ID           string
	AssigneeID   string
	FederationID string
}

// ListFederatedAssignments reads the assignments of t held by active users that have a Federation ID,
// in one query (paged by Salesforce). Assignments of other users, such as integration users, are not
// returned: nothing that works from this list can touch them.
func (c *Client) ListFederatedAssignments(ctx context.Context, t AssignmentTarget) ([]Assignment, error) {
	where := "PermissionSetId = " + Quote(t.PermissionSetID)
	if t.PermissionSetGroupID != "" {
		where = "PermissionSetGroupId = " + Quote(t.PermissionSetGroupID)
	}
	var rows []struct {
		ID         string `json:"Id"`
		AssigneeID string `json:"AssigneeId"`
		Assignee   *struct {
			FederationIdentifier string `json:"FederationIdentifier"`
		} `json:"Assignee"`
	}
	soql := "SELECT Id, AssigneeId, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE " + where +
		" AND Assignee.FederationIdentifier != null AND Assignee.IsActive = true"
	if err := c.Query(ctx, soql, &rows); err != nil {
		return nil, err
	}
	out := make([]Assignment, 0, len(rows))
	for _, r := range rows {
		if r.Assignee == nil || r.Assignee.FederationIdentifier == "" {
			continue
		}
		out = append(out, Assignment{ID: r.ID, AssigneeID: r.AssigneeID, FederationID: r.Assignee.FederationIdentifier})
	}
	return out, nil
}

// AddAssignments assigns t to the users, up to WriteBatch per request; results are in input order
// and a failed record never hides the outcome of the others. After a 5xx or a connection lost mid-call the
// call is replayed (at most the transport's MaxRetries times): an assignment is unique per user and target,
// so the replay answers DUPLICATE_VALUE for those the lost attempt saved, which count as created, with their
// Ids. A DUPLICATE_VALUE on the first attempt stays an error: that assignment was there before.
func (c *Client) AddAssignments(ctx context.Context, t AssignmentTarget, userIDs []string) ([]RecordResult, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	records := make([]map[string]any, len(userIDs))
	for i, id := range userIDs {
		rec := map[string]any{"AssigneeId": id}
		if t.PermissionSetGroupID != "" {
			rec["PermissionSetGroupId"] = t.PermissionSetGroupID
		} else {
			rec["PermissionSetId"] = t.PermissionSetID
		}
		records[i] = rec
	}
	return c.create(ctx, c.assignmentsCreate(t), records)
}

// RemoveAssignments deletes assignments by ID, up to WriteBatch per request, with per-record results in input order.
func (c *Client) RemoveAssignments(ctx context.Context, assignmentIDs []string) ([]RecordResult, error) {
	res, err := c.DeleteCollection(ctx, "PermissionSetAssignment", assignmentIDs)
	if err != nil {
		return res, err
	}
	if len(res) != len(assignmentIDs) {
		return res, fmt.Errorf("salesforce org %q: %d results for %d deletions", c.alias, len(res), len(assignmentIDs))
	}
	return res, nil
}

// BatchIN splits values into batches for SOQL IN lists: each holds at most maxValues values and, once
// quoted, at most about maxChars characters (a single longer value still gets a batch of its own).
func BatchIN(values []string, maxValues, maxChars int) [][]string {
	var out [][]string
	var cur []string
	size := 0
	for _, v := range values {
		cost := len(Quote(v)) + 1
		if len(cur) > 0 && (len(cur) >= maxValues || size+cost > maxChars) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, v)
		size += cost
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
