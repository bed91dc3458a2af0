package salesforce

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// userBaseFields are the User fields every provisioning read selects besides the caller's.
var userBaseFields = []string{"Id", "Username", "Email", "FederationIdentifier", "IsActive", "ProfileId", "UserRoleId"}

// UserRecord is one User row: the base fields typed, every selected field (base ones included) in Fields.
type UserRecord struct {
	ID           string
	Username     string
	Email        string
	FederationID string
	IsActive     bool
	Fields       map[string]any
}

// userSelect is the SELECT list of the base fields and extra, without duplicates, in a stable order.
func userSelect(extra []string) string {
	seen := map[string]bool{}
	var cols []string
	for _, f := range append(append([]string{}, userBaseFields...), extra...) {
		if k := strings.ToLower(f); f != "" && !seen[k] {
			seen[k] = true
			cols = append(cols, f)
		}
	}
	return strings.Join(cols, ", ")
}

func userFromRow(row map[string]any) UserRecord {
	str := func(k string) string { s, _ := row[k].(string); return s }
	active, _ := row["IsActive"].(bool)
	delete(row, "attributes")
	return UserRecord{ID: str("Id"), Username: str("Username"), Email: str("Email"), FederationID: str("FederationIdentifier"),
		IsActive: active, Fields: row}
}

// ListFederatedUsers reads every user that has a Federation ID, active or not, with the extra fields, in
// one SOQL query that Salesforce pages (2,000 rows a page).
func (c *Client) ListFederatedUsers(ctx context.Context, fields []string) ([]UserRecord, error) {
	var rows []map[string]any
	soql := "SELECT " + userSelect(fields) + " FROM User WHERE FederationIdentifier != null ORDER BY Id"
	if err := c.Query(ctx, soql, &rows); err != nil {
		return nil, err
	}
	out := make([]UserRecord, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, nil
}

// UsersByID reads the users with the given IDs (with or without a Federation ID), one query per batch.
func (c *Client) UsersByID(ctx context.Context, ids []string, fields []string) ([]UserRecord, error) {
	var out []UserRecord
	for _, batch := range BatchIN(ids, inBatchMaxValues, inBatchMaxChars) {
		var rows []map[string]any
		if err := c.Query(ctx, "SELECT "+userSelect(fields)+" FROM User WHERE Id IN "+QuoteList(batch)+" ORDER BY Id", &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, userFromRow(r))
		}
	}
	return out, nil
}

// FindUnfederatedUsers finds users without a Federation ID whose Username or Email is one of the given
// values (compared case-insensitively, as SOQL does), in one query per batch of values.
func (c *Client) FindUnfederatedUsers(ctx context.Context, usernames, emails []string, fields []string) ([]UserRecord, error) {
	values := dedupeFold(append(append([]string{}, usernames...), emails...))
	seen := map[string]bool{}
	var out []UserRecord
	// Half the usual batch: each value appears in two IN lists of one statement.
	for _, batch := range BatchIN(values, inBatchMaxValues/2, inBatchMaxChars/2) {
		list := QuoteList(batch)
		soql := "SELECT " + userSelect(fields) + " FROM User WHERE FederationIdentifier = null AND (Username IN " + list + " OR Email IN " + list + ") ORDER BY Id"
		var rows []map[string]any
		if err := c.Query(ctx, soql, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			u := userFromRow(r)
			if !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// CreateUsers inserts users, up to WriteBatch per request (InsertCollection), with results in input order. After a 5xx or
// a connection lost mid-call it looks up which of the call's users exist (by Username, and
// FederationIdentifier when the record has one), counts those as created with their Ids, and re-posts only
// the others, at most the transport's MaxRetries times. On an error the results are those of the calls
// completed before it, and the error names the users it leaves unconfirmed.
func (c *Client) CreateUsers(ctx context.Context, records []map[string]any) ([]RecordResult, error) {
	if len(records) == 0 {
		return nil, nil
	}
	return c.create(ctx, c.usersCreate(), records)
}

// UpdateUsers patches users (each record carries "Id" and only the fields to change), up to WriteBatch per request, with
// results in input order. Deactivation and reactivation are updates of IsActive: users are never deleted.
func (c *Client) UpdateUsers(ctx context.Context, records []map[string]any) ([]RecordResult, error) {
	if len(records) == 0 {
		return nil, nil
	}
	res, err := c.UpdateCollection(ctx, "User", records)
	if err == nil && len(res) != len(records) {
		err = fmt.Errorf("salesforce org %q: %d results for %d user updates", c.alias, len(res), len(records))
	}
	return res, err
}

// dedupeFold drops empty values and case-insensitive repeats, and sorts the rest for stable queries.
func dedupeFold(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		if k := strings.ToLower(v); v != "" && !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
