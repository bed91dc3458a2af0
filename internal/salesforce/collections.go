package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// compositeCollections is how many sObject Collections subrequests one Composite request may carry (REST
// API Developer Guide, Composite: 25 subrequests, of which at most 5 queries or sObject Collections).
const compositeCollections = 5

// WriteBatch is the most records one write request carries: more than one Collections call's worth go as a
// Composite request of up to five Collections calls, which Salesforce counts as one API call. A caller that
// reports failures by request sends this many at a time.
const WriteBatch = collectionBatch * compositeCollections

// collectionWrite is one sObject Collections operation: a create (POST), update (PATCH) or delete (DELETE).
type collectionWrite struct {
	method  string
	sobject string
}

// write sends records in requests of up to WriteBatch records (send): a single Collections call when they
// fit in one, otherwise Composite requests (allOrNone false, at every level: each record answers for itself).
// Results are in input order; on an error, they are those of the requests completed before it.
func (c *Client) write(ctx context.Context, w collectionWrite, records []map[string]any) ([]RecordResult, error) {
	out := make([]RecordResult, 0, len(records))
	for start := 0; start < len(records); start += WriteBatch {
		chunk := records[start:min(start+WriteBatch, len(records))]
		res, err := c.send(ctx, w, chunk)
		if err == nil && w.method != http.MethodPost {
			res, err = c.replayLost(ctx, w, chunk, res)
		}
		if err != nil {
			return out, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// send is one request: a Collections call, or a Composite request of up to five (more than 200 records
// before API version 43: a Collections call per 200).
func (c *Client) send(ctx context.Context, w collectionWrite, records []map[string]any) ([]RecordResult, error) {
	if len(records) <= collectionBatch || !c.compositeCollections() {
		return c.collectionCalls(ctx, w, records)
	}
	return c.compositeCall(ctx, w, records)
}

// compositeCollectionsMinVersion is the first API version whose Composite resource takes sObject Collections
// subrequests (REST API Developer Guide, Composite); older clients send one Collections call per 200 records.
const compositeCollectionsMinVersion = 43

func (c *Client) compositeCollections() bool { return c.versionAtLeast(compositeCollectionsMinVersion) }

// versionAtLeast reports whether the client's API version ("63.0") is major or later.
func (c *Client) versionAtLeast(major int) bool {
	v, _ := strconv.Atoi(strings.TrimSuffix(c.version, ".0"))
	return v >= major
}

// replayLost sends again, as the transport replays a whole update or delete after a 5xx, the records of
// subrequests that answered 5xx (Salesforce may or may not have applied them): setting the same values by
// Id, or deleting the same Id, twice leaves the same records. Creates are replayed by createBatch, which
// first finds out what the lost attempt created.
func (c *Client) replayLost(ctx context.Context, w collectionWrite, records []map[string]any, res []RecordResult) ([]RecordResult, error) {
	replays := transport.ReplaysOf(c.http)
	for attempt := 1; attempt <= replays.MaxRetries; attempt++ {
		var lost []int
		for i, r := range res {
			if lostAnswer(r.Err()) {
				lost = append(lost, i)
			}
		}
		if len(lost) == 0 {
			return res, nil
		}
		if err := replays.Wait(ctx, attempt); err != nil {
			return res, err
		}
		again, err := c.send(ctx, w, pick(records, lost))
		if err != nil {
			return res, err
		}
		for j, i := range lost {
			if j < len(again) {
				res[i] = again[j]
			}
		}
	}
	return res, nil
}

// collectionCalls sends records through go-salesforce's Collections calls, 200 records a call.
func (c *Client) collectionCalls(ctx context.Context, w collectionWrite, records []map[string]any) ([]RecordResult, error) {
	if w.method != http.MethodPost {
		ctx = transport.WithIdempotent(ctx) // an update or delete by Id can be repeated safely
	}
	sf, rt, err := c.library(ctx)
	if err != nil {
		return nil, err
	}
	switch w.method {
	case http.MethodPost:
		res, err := sf.InsertCollection(w.sobject, records, collectionBatch)
		return convertResults(res), rt.errorOf(err)
	case http.MethodPatch:
		res, err := sf.UpdateCollection(w.sobject, records, collectionBatch)
		return convertResults(res), rt.errorOf(err)
	default:
		res, err := sf.DeleteCollection(w.sobject, records, collectionBatch)
		return convertResults(res), rt.errorOf(err)
	}
}

// compositeSub is a subrequest of a Composite request.
type compositeSub struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	ReferenceID string `json:"referenceId"`
	Body        any    `json:"body,omitempty"`
}

// compositeCall sends up to WriteBatch records as one Composite request of Collections calls. go-salesforce's
// Composite writes are not used: they put up to 25 Collections calls in one request (Salesforce refuses more
// than 5) and a fixed API version in the subrequest URLs.
func (c *Client) compositeCall(ctx context.Context, w collectionWrite, records []map[string]any) ([]RecordResult, error) {
	base := "/services/data/v" + c.version + "/composite/sobjects"
	var subs []compositeSub
	var sizes []int
	for start, n := 0, 0; start < len(records); start, n = start+collectionBatch, n+1 {
		batch := records[start:min(start+collectionBatch, len(records))]
		sub := compositeSub{Method: w.method, URL: base, ReferenceID: "batch" + strconv.Itoa(n)}
		if w.method == http.MethodDelete {
			ids := make([]string, len(batch))
			for i, r := range batch {
				ids[i], _ = r["Id"].(string)
			}
			sub.URL += "?allOrNone=false&ids=" + url.QueryEscape(strings.Join(ids, ","))
		} else {
			body := make([]map[string]any, len(batch))
			for i, r := range batch {
				rec := make(map[string]any, len(r)+1)
				for k, v := range r {
					if k != "Id" || w.method != http.MethodPost {
						rec[k] = v
					}
				}
				rec["attributes"] = map[string]string{"type": w.sobject}
				body[i] = rec
			}
			sub.Body = map[string]any{"allOrNone": false, "records": body}
		}
		subs = append(subs, sub)
		sizes = append(sizes, len(batch))
	}
	if w.method != http.MethodPost {
		ctx = transport.WithIdempotent(ctx) // an update or delete by Id can be repeated safely
	}
	answer, err := c.postComposite(ctx, subs)
	if err != nil {
		return nil, err
	}
	// Answers are matched to subrequests by referenceId, not by their place in the answer.
	byRef := make(map[string]int, len(answer.CompositeResponse))
	for i, sub := range answer.CompositeResponse {
		byRef[sub.ReferenceID] = i
	}
	out := make([]RecordResult, 0, len(records))
	for i, sub := range subs {
		j, ok := byRef[sub.ReferenceID]
		if !ok || len(byRef) != len(subs) {
			return nil, fmt.Errorf("salesforce org %q: the Composite answer has %d subrequest answers for %d subrequests (%s missing or repeated)",
				c.alias, len(answer.CompositeResponse), len(subs), sub.ReferenceID)
		}
		a := answer.CompositeResponse[j]
		out = append(out, subrequestResults(a.HTTPStatusCode, a.Body, sizes[i])...)
	}
	return out, nil
}

// postComposite sends one Composite request (allOrNone false: each subrequest answers for itself;
// collateSubrequests false: they run in the order sent, where true lets Salesforce run them in any order).
// ctx says whether the transport may replay it (transport.WithIdempotent).
func (c *Client) postComposite(ctx context.Context, subs []compositeSub) (compositeResponse, error) {
	var answer compositeResponse
	body, err := json.Marshal(map[string]any{"allOrNone": false, "collateSubrequests": false, "compositeRequest": subs})
	if err != nil {
		return answer, err
	}
	sf, rt, err := c.library(ctx)
	if err != nil {
		return answer, err
	}
	resp, err := sf.DoRequest(http.MethodPost, "/composite", body)
	if err != nil {
		return answer, rt.errorOf(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return answer, fmt.Errorf("salesforce org %q: decoding the Composite answer: %w", c.alias, err)
	}
	return answer, nil
}

// subrequestResults are the per-record results of one Collections subrequest: its answer, or, when
// Salesforce refused the whole call, that refusal (a *RefusedCall) for each of its n records.
func subrequestResults(status int, body json.RawMessage, n int) []RecordResult {
	var results []struct {
		ID      string      `json:"id"`
		Success bool        `json:"success"`
		Errors  []restError `json:"errors"`
	}
	if status < http.StatusMultipleChoices && json.Unmarshal(body, &results) == nil && len(results) == n {
		out := make([]RecordResult, n)
		for i, r := range results {
			out[i] = RecordResult{ID: r.ID, Success: r.Success}
			for _, e := range r.Errors {
				out[i].Errors = append(out[i].Errors, e.apiError(0))
			}
		}
		return out
	}
	refusal := &RefusedCall{Cause: ParseError(status, body)}
	if status < http.StatusMultipleChoices {
		refusal.Cause = &APIError{StatusCode: status, Message: fmt.Sprintf("the Collections call answered %d results for %d records", len(results), n)}
	}
	out := make([]RecordResult, n)
	for i := range out {
		out[i] = RecordResult{Refused: refusal}
	}
	return out
}

// RefusedCall is the error of a record whose whole Collections call Salesforce refused (a Composite
// subrequest answered with an error). It says nothing of the record itself, so it does not match the record
// errors (errors.Is with ErrNotFound, ErrDuplicate…): a refused delete did not find the record gone, a
// refused create did not find it there already. Records refused together share one *RefusedCall.
type RefusedCall struct{ Cause *APIError }

func (e *RefusedCall) Error() string {
	return "Salesforce refused the Collections call carrying this record: " + e.Cause.Error()
}
