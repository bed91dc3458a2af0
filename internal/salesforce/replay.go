package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Creates are the writes the transport cannot replay by itself: after a 5xx or a connection lost once the
// request was sent, Salesforce may or may not have saved the records, and a blind replay can create them
// twice. The client replays them here, after finding out what the lost attempt did, within the
// transport's own bound (MaxRetries) and backoff.

// lostAnswer reports whether a failed write may have been applied: the connection broke after it was sent,
// or Salesforce answered 5xx (other than 501), which does not say whether anything was saved.
func lostAnswer(err error) bool {
	if refused := (*RefusedCall)(nil); errors.As(err, &refused) {
		err = refused.Cause
	}
	if apiErr := (*APIError)(nil); errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500 && apiErr.StatusCode != http.StatusNotImplemented
	}
	return transport.AnswerLost(err)
}

// keyedCreate is an sObject Collections create of records that a key identifies.
type keyedCreate struct {
	sobject string
	// find returns, in order, the Id of each record that exists already, or "" for one that does not.
	find func(ctx context.Context, records []map[string]any) ([]string, error)
	// lookFirst: after a lost answer, look up which records exist and re-post only the others, because a
	// record posted twice would be created twice. Without it the batch is re-posted as it is: the object
	// refuses a second copy (DUPLICATE_VALUE), and such an answer on a replay is looked up and counted as created.
	lookFirst bool
	// name is how an error lists a record: the key's field and its value, e.g. "Username", "ada@acme.example".
	name func(record map[string]any) (field, value string)
}

// create posts records in requests of up to WriteBatch (InsertCollection), replaying each as k allows; results are in input
// order. On an error, the results are those of the requests completed before it, and the error names the
// records of the failed call that are not known to exist.
func (c *Client) create(ctx context.Context, k keyedCreate, records []map[string]any) ([]RecordResult, error) {
	out := make([]RecordResult, 0, len(records))
	for start := 0; start < len(records); start += WriteBatch {
		res, err := c.createBatch(ctx, k, records[start:min(start+WriteBatch, len(records))])
		if err != nil {
			return out, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func (c *Client) createBatch(ctx context.Context, k keyedCreate, batch []map[string]any) ([]RecordResult, error) {
	replays := transport.ReplaysOf(c.http)
	results := make([]RecordResult, len(batch))
	pending := make([]int, len(batch)) // indexes into batch of the records not known to exist
	for i := range pending {
		pending[i] = i
	}
	for attempt := 1; ; attempt++ {
		res, err := c.InsertCollection(ctx, k.sobject, pick(batch, pending))
		if err == nil && len(res) != len(pending) {
			err = fmt.Errorf("salesforce org %q: %d results for %d new %s records", c.alias, len(res), len(pending), k.sobject)
		}
		var lost []int // records whose Composite subrequest answered 5xx: created or not, nobody knows
		if err == nil {
			var duplicates []int
			for j, r := range res {
				results[pending[j]] = r
				if attempt > 1 && errors.Is(r.Err(), ErrDuplicate) {
					duplicates = append(duplicates, pending[j])
				}
				if lostAnswer(r.Err()) {
					lost = append(lost, pending[j])
				}
			}
			// A duplicate on a replay is most likely the lost attempt's own record.
			if len(duplicates) > 0 {
				if ids, err := k.find(ctx, pick(batch, duplicates)); err == nil {
					settle(results, duplicates, ids)
				}
			}
			if len(lost) == 0 || attempt > replays.MaxRetries {
				return results, nil // the lost ones keep their 5xx: the next plan shows them again
			}
			pending = lost
		} else if !lostAnswer(err) || attempt > replays.MaxRetries {
			return nil, c.createError(k, batch, pending, attempt, err)
		}
		if werr := replays.Wait(ctx, attempt); werr != nil {
			return nil, werr
		}
		if k.lookFirst {
			ids, ferr := k.find(ctx, pick(batch, pending))
			if ferr != nil && err == nil {
				return results, nil // the records of the lost subrequests keep their 5xx
			}
			if ferr != nil {
				return nil, fmt.Errorf("%w (looking up which records it created failed too: %v)", c.createError(k, batch, pending, attempt, err), ferr)
			}
			pending = settle(results, pending, ids)
			if len(pending) == 0 {
				return results, nil
			}
		}
	}
}

// settle marks the records of idx that have an Id as created and returns the others.
func settle(results []RecordResult, idx []int, ids []string) []int {
	var rest []int
	for j, i := range idx {
		if j < len(ids) && ids[j] != "" {
			results[i] = RecordResult{ID: ids[j], Success: true}
		} else {
			rest = append(rest, i)
		}
	}
	return rest
}

func pick(batch []map[string]any, idx []int) []map[string]any {
	out := make([]map[string]any, len(idx))
	for j, i := range idx {
		out[j] = batch[i]
	}
	return out
}

// maxListedRecords is how many records a failed call's error names before it says how many more.
const maxListedRecords = 10

// createError is the one error of a failed create call: which records it leaves unconfirmed, after how
// many attempts, and why.
func (c *Client) createError(k keyedCreate, batch []map[string]any, pending []int, attempts int, err error) error {
	names := make([]string, 0, min(len(pending), maxListedRecords))
	lastField := ""
	for _, i := range pending[:min(len(pending), maxListedRecords)] {
		field, value := k.name(batch[i])
		if field != lastField { // "FederationIdentifier a, b, Username c"
			value = field + " " + value
			lastField = field
		}
		names = append(names, value)
	}
	list := strings.Join(names, ", ")
	if more := len(pending) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	tries := ""
	if attempts > 1 {
		tries = fmt.Sprintf(" (%d attempts", attempts)
		if found := len(batch) - len(pending); found > 0 {
			// They exist in Salesforce; the next read finds them.
			tries += fmt.Sprintf("; %d other records of the call were found created", found)
		}
		tries += ")"
	}
	// The org alias goes first, once.
	prefix := fmt.Sprintf("salesforce org %q: ", c.alias)
	if inner := errors.Unwrap(err); inner != nil && err.Error() == prefix+inner.Error() {
		err = inner
	}
	return fmt.Errorf("%screating %d %s records (%s)%s: %w", prefix, len(pending), k.sobject, list, tries, err)
}

// lookBeforeRetry runs write; after a lost answer it waits, asks done whether the write took effect, and
// writes again only if it did not, at most the transport's MaxRetries times.
func (c *Client) lookBeforeRetry(ctx context.Context, write func() error, done func() (bool, error)) error {
	replays := transport.ReplaysOf(c.http)
	for attempt := 1; ; attempt++ {
		err := write()
		if err == nil || !lostAnswer(err) || attempt > replays.MaxRetries {
			return err
		}
		if werr := replays.Wait(ctx, attempt); werr != nil {
			return werr
		}
		ok, ferr := done()
		if ferr != nil {
			return fmt.Errorf("%w (looking up whether it took effect failed too: %v)", err, ferr)
		}
		if ok {
			return nil
		}
	}
}

// findCreatedUsers returns the Id of each record's user, or "" for one that does not exist. A user is
// recognised by Username (required on create, and unique across every org) and, when the record carries
// one, FederationIdentifier too, so that a user who held the username before is not taken for one a lost
// attempt created.
func (c *Client) findCreatedUsers(ctx context.Context, records []map[string]any) ([]string, error) {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	var usernames []string
	for _, r := range records {
		if u := str(r, "Username"); u != "" {
			usernames = append(usernames, u)
		}
	}
	byName := map[string]map[string]any{}
	for _, batch := range BatchIN(dedupeFold(usernames), inBatchMaxValues, inBatchMaxChars) {
		var rows []map[string]any
		if err := c.Query(ctx, "SELECT Id, Username, FederationIdentifier FROM User WHERE Username IN "+QuoteList(batch), &rows); err != nil {
			return nil, err
		}
		for _, row := range rows {
			byName[strings.ToLower(str(row, "Username"))] = row
		}
	}
	ids := make([]string, len(records))
	for i, r := range records {
		row, ok := byName[strings.ToLower(str(r, "Username"))]
		if !ok || str(r, "Username") == "" {
			continue
		}
		if fid := str(r, "FederationIdentifier"); fid != "" && !strings.EqualFold(fid, str(row, "FederationIdentifier")) {
			continue
		}
		ids[i] = str(row, "Id")
	}
	return ids, nil
}

func userName(r map[string]any) (field, value string) {
	if fid, _ := r["FederationIdentifier"].(string); fid != "" {
		return "FederationIdentifier", fid
	}
	u, _ := r["Username"].(string)
	return "Username", u
}

// usersCreate is the Users create: look-before-retry, because a user posted twice would be created twice
// (the second one fails on the username only if the first was committed by then).
func (c *Client) usersCreate() keyedCreate {
	return keyedCreate{sobject: "User", find: c.findCreatedUsers, lookFirst: true, name: userName}
}

// assignmentsCreate is the PermissionSetAssignment create: one assignment per (AssigneeId, target) pair, so a
// replay cannot assign twice; it answers DUPLICATE_VALUE for what the lost attempt saved.
func (c *Client) assignmentsCreate(t AssignmentTarget) keyedCreate {
	return keyedCreate{
		sobject: "PermissionSetAssignment",
		find: func(ctx context.Context, records []map[string]any) ([]string, error) {
			return c.findAssignments(ctx, t, records)
		},
		name: func(r map[string]any) (string, string) { id, _ := r["AssigneeId"].(string); return "AssigneeId", id },
	}
}

// findAssignments returns the Id of the assignment of t each record's AssigneeId holds, or "".
func (c *Client) findAssignments(ctx context.Context, t AssignmentTarget, records []map[string]any) ([]string, error) {
	var assignees []string
	for _, r := range records {
		if id, _ := r["AssigneeId"].(string); id != "" {
			assignees = append(assignees, id)
		}
	}
	where := "PermissionSetId = " + Quote(t.PermissionSetID)
	if t.PermissionSetGroupID != "" {
		where = "PermissionSetGroupId = " + Quote(t.PermissionSetGroupID)
	}
	held := map[string]string{} // 15-character assignee Id -> assignment Id
	for _, batch := range BatchIN(assignees, inBatchMaxValues, inBatchMaxChars) {
		var rows []struct {
			ID         string `json:"Id"`
			AssigneeID string `json:"AssigneeId"`
		}
		if err := c.Query(ctx, "SELECT Id, AssigneeId FROM PermissionSetAssignment WHERE "+where+" AND AssigneeId IN "+QuoteList(batch), &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			held[id15(r.AssigneeID)] = r.ID
		}
	}
	ids := make([]string, len(records))
	for i, r := range records {
		if id, _ := r["AssigneeId"].(string); id != "" {
			ids[i] = held[id15(id)]
		}
	}
	return ids, nil
}

// id15 is the case-sensitive 15-character form of a Salesforce Id (the 18-character form adds a checksum).
func id15(id string) string {
	if len(id) == 18 {
		return id[:15]
	}
	return id
}
