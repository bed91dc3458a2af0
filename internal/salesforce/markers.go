package salesforce

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"
)

// Change markers: aggregates whose values move whenever the rows they cover change, so that a caller that
// read the rows before re-reads them only when a marker moved. Their values are Salesforce's own (no
// local clock is compared with them).

// Marker is a count and the latest SystemModstamp of some rows.
type Marker struct {
	Count int    `json:"count"`
	Max   string `json:"max"`
	// AtMax counts the rows whose SystemModstamp is Max (users only): a row changed after the marker was
	// read, within the same second as Max, moves it when Count and Max stay.
	AtMax int `json:"at_max,omitempty"`
}

// DatedMarker is a marker with Salesforce's clock when it was read (the Date header of its query's
// answer; zero when Salesforce sent none).
type DatedMarker struct {
	Marker
	Date time.Time
}

// AssignmentMarkerSet are the assignment markers of every target, by TargetKey, read at Date. Partial:
// the aggregate reached the row limit of an aggregate query, so a target may be missing from ByTarget and
// none of them can be trusted for this run.
type AssignmentMarkerSet struct {
	ByTarget map[string]Marker
	Date     time.Time
	Partial  bool
}

// aggregateRowLimit is how many rows an aggregate query may return: Salesforce cannot page aggregate
// results and fails past it without a LIMIT.
const aggregateRowLimit = 2000

// queryDated is Query returning also Salesforce's clock when it answered the first page.
func (c *Client) queryDated(ctx context.Context, soql string, out any) (time.Time, error) {
	var first queryPage
	date, err := c.getJSONDated(ctx, "/query/?q="+url.QueryEscape(soql), &first)
	if err != nil {
		return time.Time{}, err
	}
	records, err := c.restOfPages(ctx, first)
	if err != nil {
		return time.Time{}, err
	}
	return date, c.decodeRecords(records, out)
}

// markerRow is an AggregateResult row of COUNT(Id) n, MAX(SystemModstamp) last.
type markerRow struct {
	PermissionSetID      string `json:"PermissionSetId"`
	PermissionSetGroupID string `json:"PermissionSetGroupId"`
	N                    int    `json:"n"`
	Last                 string `json:"last"`
}

// UserMarker is the count and latest SystemModstamp of the org's users, and how many have that
// SystemModstamp (users are deactivated, never deleted, so a change of a user moves one of them), in two
// queries, with Salesforce's clock at the first.
func (c *Client) UserMarker(ctx context.Context) (DatedMarker, error) {
	var rows []markerRow
	date, err := c.queryDated(ctx, "SELECT COUNT(Id) n, MAX(SystemModstamp) last FROM User", &rows)
	if err != nil {
		return DatedMarker{}, fmt.Errorf("salesforce org %q user marker: %w", c.alias, err)
	}
	if len(rows) != 1 {
		return DatedMarker{}, fmt.Errorf("salesforce org %q user marker: %d rows, want 1", c.alias, len(rows))
	}
	m := Marker{Count: rows[0].N, Max: rows[0].Last}
	t, err := ParseDateTime(m.Max)
	if err != nil {
		return DatedMarker{}, fmt.Errorf("salesforce org %q user marker: %w", c.alias, err)
	}
	rows = nil
	if err := c.Query(ctx, "SELECT COUNT(Id) n FROM User WHERE SystemModstamp = "+t.UTC().Format("2006-01-02T15:04:05Z"), &rows); err != nil {
		return DatedMarker{}, fmt.Errorf("salesforce org %q user marker: %w", c.alias, err)
	}
	if len(rows) != 1 {
		return DatedMarker{}, fmt.Errorf("salesforce org %q user marker: %d rows, want 1", c.alias, len(rows))
	}
	m.AtMax = rows[0].N
	return DatedMarker{Marker: m, Date: date}, nil
}

// AssignmentMarkers are the count and latest SystemModstamp of the assignments of every permission set
// and permission set group not owned by a profile (profiles' own sets are never bound, and there is one per
// profile), in one aggregate query, by TargetKey. A removal lowers the count, an addition raises it and moves
// the latest SystemModstamp. An aggregate cannot be paged: at aggregateRowLimit rows the set is Partial.
func (c *Client) AssignmentMarkers(ctx context.Context) (AssignmentMarkerSet, error) {
	var rows []markerRow
	soql := "SELECT PermissionSetId, PermissionSetGroupId, COUNT(Id) n, MAX(SystemModstamp) last FROM PermissionSetAssignment " +
		"WHERE PermissionSet.IsOwnedByProfile = false GROUP BY PermissionSetId, PermissionSetGroupId LIMIT " + fmt.Sprint(aggregateRowLimit)
	date, err := c.queryDated(ctx, soql, &rows)
	if err != nil {
		return AssignmentMarkerSet{}, fmt.Errorf("salesforce org %q assignment markers: %w", c.alias, err)
	}
	out := AssignmentMarkerSet{ByTarget: make(map[string]Marker, len(rows)), Date: date, Partial: len(rows) >= aggregateRowLimit}
	for _, r := range rows {
		out.ByTarget[TargetKey(AssignmentTarget{PermissionSetID: r.PermissionSetID, PermissionSetGroupID: r.PermissionSetGroupID})] = Marker{Count: r.N, Max: canonicalStamp(r.Last)}
	}
	return out, nil
}

// TargetKey names an assignment target in AssignmentMarkers: its group's ID when it has one (an assignment
// of a group also names the group's aggregate permission set), else its permission set's; 15-character IDs.
func TargetKey(t AssignmentTarget) string {
	id15 := func(id string) string { return id[:min(len(id), 15)] }
	if t.PermissionSetGroupID != "" {
		return "psg:" + id15(t.PermissionSetGroupID)
	}
	return "ps:" + id15(t.PermissionSetID)
}

// ModifiedUser is a user whose SystemModstamp is at or after a given time.
type ModifiedUser struct {
	ID             string
	FederationID   string
	IsActive       bool
	SystemModstamp time.Time
}

// UsersModifiedSince lists the users whose SystemModstamp is at or after since (a SystemModstamp as
// Salesforce wrote it), compared to the second: re-reading a user is harmless, missing one is not.
func (c *Client) UsersModifiedSince(ctx context.Context, since string) ([]ModifiedUser, error) {
	t, err := ParseDateTime(since)
	if err != nil {
		return nil, err
	}
	t = t.Truncate(time.Second)
	var rows []struct {
		ID                   string `json:"Id"`
		FederationIdentifier string `json:"FederationIdentifier"`
		IsActive             bool   `json:"IsActive"`
		SystemModstamp       string `json:"SystemModstamp"`
	}
	soql := "SELECT Id, FederationIdentifier, IsActive, SystemModstamp FROM User WHERE SystemModstamp >= " + t.UTC().Format("2006-01-02T15:04:05Z")
	if err := c.Query(ctx, soql, &rows); err != nil {
		return nil, fmt.Errorf("salesforce org %q users modified since %s: %w", c.alias, since, err)
	}
	out := make([]ModifiedUser, 0, len(rows))
	for _, r := range rows {
		stamp, err := ParseDateTime(r.SystemModstamp)
		if err != nil {
			return nil, err
		}
		out = append(out, ModifiedUser{ID: r.ID, FederationID: r.FederationIdentifier, IsActive: r.IsActive, SystemModstamp: stamp})
	}
	return out, nil
}

// UserAssignment is one assignment of a user, to a permission set or (with PermissionSetGroupID) a group.
type UserAssignment struct {
	AssigneeID string
	Target     AssignmentTarget
}

// AssignmentsOfUsers lists every assignment of the given users (by user ID), one query per batch of 300.
func (c *Client) AssignmentsOfUsers(ctx context.Context, userIDs []string) ([]UserAssignment, error) {
	var out []UserAssignment
	for _, batch := range BatchIN(userIDs, inBatchMaxValues, inBatchMaxChars) {
		var rows []struct {
			AssigneeID           string `json:"AssigneeId"`
			PermissionSetID      string `json:"PermissionSetId"`
			PermissionSetGroupID string `json:"PermissionSetGroupId"`
		}
		soql := "SELECT AssigneeId, PermissionSetId, PermissionSetGroupId FROM PermissionSetAssignment WHERE AssigneeId IN " + QuoteList(batch)
		if err := c.Query(ctx, soql, &rows); err != nil {
			return nil, fmt.Errorf("salesforce org %q assignments of %d users: %w", c.alias, len(batch), err)
		}
		for _, r := range rows {
			out = append(out, UserAssignment{AssigneeID: r.AssigneeID,
				Target: AssignmentTarget{PermissionSetID: r.PermissionSetID, PermissionSetGroupID: r.PermissionSetGroupID}})
		}
	}
	return out, nil
}

// SameID compares Salesforce IDs, of 15 or 18 characters: the first 15 are the ID, case-sensitive.
func SameID(a, b string) bool {
	if len(a) >= 15 && len(b) >= 15 {
		return a[:15] == b[:15]
	}
	return a == b
}

// FederatedAssignmentsAndMarker reads t's assignments in one query and returns, from that one snapshot,
// what ListFederatedAssignments returns (the assignments of active users with a Federation ID) and t's
// marker as AssignmentMarkers has it under TargetKey(t): counted over exactly the rows that aggregate
// groups there, so that the next comparison with it says whether anything moved since this list.
func (c *Client) FederatedAssignmentsAndMarker(ctx context.Context, t AssignmentTarget) ([]Assignment, Marker, error) {
	snap, err := c.FederatedAssignmentsSnapshot(ctx, t, -1)
	return snap.Assignments, snap.Marker, err
}

// AssignmentSnapshot is what FederatedAssignmentsSnapshot read of a target in one query.
type AssignmentSnapshot struct {
	Assignments []Assignment // of active users with a Federation ID
	Others      []string     // the assignees (user IDs) of the target's other assignments
	Marker      Marker       // as AssignmentMarkers has it for the target
	Date        time.Time    // Salesforce's clock when it answered
	// Recent are the IDs of the assignments the marker counts whose SystemModstamp is within the margin
	// asked for before the marker's latest: a later read that finds an assignment stamped there that is not
	// among them knows the target changed even when its count and latest stamp did not.
	Recent []string
}

// FederatedAssignmentsSnapshot is FederatedAssignmentsAndMarker with Salesforce's clock at the answer and
// the IDs of the assignments stamped within margin before the second of the marker's latest SystemModstamp
// (0: in that second; negative: none).
func (c *Client) FederatedAssignmentsSnapshot(ctx context.Context, t AssignmentTarget, margin time.Duration) (AssignmentSnapshot, error) {
	where := "PermissionSetId = " + Quote(t.PermissionSetID) // as ListFederatedAssignments selects
	if t.PermissionSetGroupID != "" {
		where = "PermissionSetGroupId = " + Quote(t.PermissionSetGroupID)
	}
	var rows []struct {
		ID                   string `json:"Id"`
		AssigneeID           string `json:"AssigneeId"`
		PermissionSetGroupID string `json:"PermissionSetGroupId"`
		SystemModstamp       string `json:"SystemModstamp"`
		Assignee             *struct {
			FederationIdentifier string `json:"FederationIdentifier"`
			IsActive             bool   `json:"IsActive"`
		} `json:"Assignee"`
	}
	soql := "SELECT Id, AssigneeId, PermissionSetGroupId, SystemModstamp, Assignee.FederationIdentifier, Assignee.IsActive " +
		"FROM PermissionSetAssignment WHERE " + where
	date, err := c.queryDated(ctx, soql, &rows)
	if err != nil {
		return AssignmentSnapshot{}, fmt.Errorf("salesforce org %q assignments of %s: %w", c.alias, t, err)
	}
	snap := AssignmentSnapshot{Date: date}
	var last time.Time
	stamps := map[string]time.Time{} // of the counted rows, by ID
	for _, r := range rows {
		// A group's assignment names the group's aggregate permission set: the aggregate counts it under
		// the group, not under the set.
		if t.PermissionSetGroupID != "" || r.PermissionSetGroupID == "" {
			stamp, err := ParseDateTime(r.SystemModstamp)
			if err != nil {
				return AssignmentSnapshot{}, fmt.Errorf("salesforce org %q assignment %s: %w", c.alias, r.ID, err)
			}
			stamps[r.ID] = stamp
			snap.Marker.Count++
			if snap.Marker.Count == 1 || stamp.After(last) {
				last, snap.Marker.Max = stamp, canonicalStamp(r.SystemModstamp)
			}
		}
		if r.Assignee != nil && r.Assignee.FederationIdentifier != "" && r.Assignee.IsActive {
			snap.Assignments = append(snap.Assignments, Assignment{ID: r.ID, AssigneeID: r.AssigneeID, FederationID: r.Assignee.FederationIdentifier})
		} else {
			snap.Others = append(snap.Others, r.AssigneeID)
		}
	}
	if margin >= 0 {
		for id, stamp := range stamps {
			if !stamp.Before(last.Truncate(time.Second).Add(-margin)) {
				snap.Recent = append(snap.Recent, id)
			}
		}
		sort.Strings(snap.Recent)
	}
	return snap, nil
}

// ModifiedAssignment is an assignment whose SystemModstamp is at or after a given time.
type ModifiedAssignment struct {
	ID             string
	Target         AssignmentTarget
	SystemModstamp time.Time
}

// AssignmentsModifiedSince lists the assignments of permission sets and groups not owned by a profile whose
// SystemModstamp is at or after since (to the second), in one query that Salesforce pages.
func (c *Client) AssignmentsModifiedSince(ctx context.Context, since time.Time) ([]ModifiedAssignment, error) {
	var rows []struct {
		ID                   string `json:"Id"`
		PermissionSetID      string `json:"PermissionSetId"`
		PermissionSetGroupID string `json:"PermissionSetGroupId"`
		SystemModstamp       string `json:"SystemModstamp"`
	}
	soql := "SELECT Id, PermissionSetId, PermissionSetGroupId, SystemModstamp FROM PermissionSetAssignment WHERE SystemModstamp >= " +
		since.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z") + " AND PermissionSet.IsOwnedByProfile = false"
	if err := c.Query(ctx, soql, &rows); err != nil {
		return nil, fmt.Errorf("salesforce org %q assignments modified since %s: %w", c.alias, since.UTC().Format(time.RFC3339), err)
	}
	out := make([]ModifiedAssignment, 0, len(rows))
	for _, r := range rows {
		stamp, err := ParseDateTime(r.SystemModstamp)
		if err != nil {
			return nil, fmt.Errorf("salesforce org %q assignment %s: %w", c.alias, r.ID, err)
		}
		out = append(out, ModifiedAssignment{ID: r.ID, SystemModstamp: stamp,
			Target: AssignmentTarget{PermissionSetID: r.PermissionSetID, PermissionSetGroupID: r.PermissionSetGroupID}})
	}
	return out, nil
}

// canonicalStamp writes a SystemModstamp in Salesforce's wire form for dateTimes (to the millisecond, UTC),
// so that a marker's latest stamp compares equal whether the aggregate returned it or it was taken from a
// row, should the two forms ever differ (the sandbox writes both alike). A value that does not parse stays.
func canonicalStamp(s string) string {
	t, err := ParseDateTime(s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02T15:04:05.000+0000")
}
