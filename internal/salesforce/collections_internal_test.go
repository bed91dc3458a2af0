package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// A Collections subrequest that Salesforce refuses as a whole fails each of its records with that refusal,
// which matches none of the record errors (a refused delete did not find the record gone, a refused create
// did not find it there); one that answers per record keeps each record's own result; a short answer fails
// every record.
func TestSubrequestResults(t *testing.T) {
	t.Parallel()
	refused := subrequestResults(400, json.RawMessage(`[{"errorCode":"INVALID_FIELD","message":"No such column 'Nope' on entity 'User'."}]`), 3)
	if len(refused) != 3 {
		t.Fatalf("%d results for 3 records", len(refused))
	}
	for i, r := range refused {
		var rc *RefusedCall
		if r.Success || !errors.As(r.Err(), &rc) || rc.Cause.Code != "INVALID_FIELD" || rc.Cause.StatusCode != 400 {
			t.Errorf("record %d: %+v, want the INVALID_FIELD refusal", i, r)
		}
	}
	for status, sentinel := range map[int]error{404: ErrNotFound, 409: ErrDuplicate} {
		r := subrequestResults(status, json.RawMessage(`[{"errorCode":"X","message":"refused"}]`), 1)[0]
		if errors.Is(r.Err(), sentinel) {
			t.Errorf("a call refused with %d matches %v: a caller would take the record as done", status, sentinel)
		}
	}
	if !lostAnswer(subrequestResults(500, json.RawMessage(`[{"errorCode":"UNKNOWN_EXCEPTION","message":"An unexpected error occurred."}]`), 1)[0].Err()) {
		t.Error("a subrequest answering 500 is not taken as a lost answer")
	}
	answered := subrequestResults(200, json.RawMessage(`[{"id":"005A","success":true,"errors":[]},`+
		`{"success":false,"errors":[{"statusCode":"DUPLICATE_USERNAME","message":"Duplicate Username.","fields":["Username"]}]}]`), 2)
	if !answered[0].Success || answered[0].ID != "005A" || !errors.Is(answered[1].Err(), ErrDuplicate) {
		t.Errorf("per-record answer: %+v, %v", answered[0], answered[1].Err())
	}
	short := subrequestResults(200, json.RawMessage(`[{"id":"005A","success":true,"errors":[]}]`), 2)
	if len(short) != 2 || short[0].Success || short[1].Success {
		t.Errorf("an answer of 1 result for 2 records: %+v, want both failed", short)
	}
}

// compositeFake answers POST /composite in the reverse order of the subrequests (results are matched by
// referenceId), and with 500 for the second subrequest of the first request; it records each request's
// collateSubrequests and subrequest sizes.
type compositeFake struct {
	mu       sync.Mutex
	requests [][]int
	collate  []*bool
}

func (cf *compositeFake) serve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Collate *bool `json:"collateSubrequests"`
		Subs    []struct {
			Method      string `json:"method"`
			ReferenceID string `json:"referenceId"`
			Body        struct {
				Records []map[string]any `json:"records"`
			} `json:"body"`
		} `json:"compositeRequest"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	cf.mu.Lock()
	first := len(cf.requests) == 0
	var sizes []int
	for _, s := range req.Subs {
		sizes = append(sizes, len(s.Body.Records))
	}
	cf.requests = append(cf.requests, sizes)
	cf.collate = append(cf.collate, req.Collate)
	cf.mu.Unlock()
	var answers []map[string]any
	for i := len(req.Subs) - 1; i >= 0; i-- {
		s := req.Subs[i]
		if first && i == 1 {
			answers = append(answers, map[string]any{"referenceId": s.ReferenceID, "httpStatusCode": 500,
				"body": []map[string]any{{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred."}}})
			continue
		}
		var results []map[string]any
		for j, rec := range s.Body.Records {
			id := rec["Id"]
			if s.Method == http.MethodPost {
				id = fmt.Sprintf("%s-%d", s.ReferenceID, j)
			}
			results = append(results, map[string]any{"id": id, "success": true, "errors": []any{}})
		}
		answers = append(answers, map[string]any{"referenceId": s.ReferenceID, "httpStatusCode": 200, "body": results})
	}
	writeJSON(w, 200, map[string]any{"compositeResponse": answers})
}

func newCompositeFake(t *testing.T) (*fakeOrg, *compositeFake, *Client) {
	f := newFakeOrg(t, "63.0")
	cf := &compositeFake{}
	f.composite = cf.serve
	return f, cf, f.jwtClient(t)
}

// An update of 450 records is one Composite request; the records of a subrequest that answered 500 are
// sent again (as one Collections call), and every result stays with its record although the answers came
// in another order.
func TestCompositeUpdateReplaysLostSubrequest(t *testing.T) {
	t.Parallel()
	f, cf, c := newCompositeFake(t)
	records := make([]map[string]any, 450)
	for i := range records {
		records[i] = map[string]any{"Id": fmt.Sprintf("003%015d", i), "Title": "x"}
	}
	res, err := c.UpdateCollection(context.Background(), "Contact", records)
	if err != nil || len(res) != len(records) {
		t.Fatalf("%d results for %d records, %v", len(res), len(records), err)
	}
	for i, r := range res {
		if !r.Success || r.ID != records[i]["Id"] {
			t.Fatalf("record %d: %+v, want success with its own Id %s", i, r, records[i]["Id"])
		}
	}
	f.mu.Lock()
	replayed := fmt.Sprint(f.batches)
	f.mu.Unlock()
	if fmt.Sprint(cf.requests) != "[[200 200 50]]" || replayed != "[200]" {
		t.Errorf("Composite requests %v and Collections calls %s, want [[200 200 50]] and the lost subrequest's [200]", cf.requests, replayed)
	}
	if len(cf.collate) == 0 || cf.collate[0] == nil || *cf.collate[0] {
		t.Errorf("collateSubrequests = %v, want false (the calls run in the order sent)", cf.collate)
	}
}

// A create whose subrequest answered 500 looks up and posts again only that subrequest's records.
func TestCompositeCreateReplaysLostSubrequest(t *testing.T) {
	t.Parallel()
	f, cf, c := newCompositeFake(t)
	records := make([]map[string]any, 450)
	for i := range records {
		records[i] = map[string]any{"LastName": fmt.Sprintf("L%d", i)}
	}
	var looked []int
	k := keyedCreate{sobject: "Contact", lookFirst: true,
		find: func(_ context.Context, recs []map[string]any) ([]string, error) {
			looked = append(looked, len(recs))
			return make([]string, len(recs)), nil // none was created
		},
		name: func(rec map[string]any) (string, string) { return "LastName", fmt.Sprint(rec["LastName"]) }}
	res, err := c.create(context.Background(), k, records)
	if err != nil || len(res) != len(records) {
		t.Fatalf("%d results for %d records, %v", len(res), len(records), err)
	}
	for i, r := range res {
		if !r.Success || r.ID == "" {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	f.mu.Lock()
	replayed := fmt.Sprint(f.batches)
	f.mu.Unlock()
	if fmt.Sprint(cf.requests) != "[[200 200 50]]" || fmt.Sprint(looked) != "[200]" || replayed != "[200]" {
		t.Errorf("Composite requests %v, looked up %v and posted again %s; want one of [200 200 50], then the lost subrequest's 200 records looked up and posted once",
			cf.requests, looked, replayed)
	}
}

// Before API version 43 the Composite resource takes no sObject Collections: 450 records go as three
// Collections calls.
func TestCollectionsBeforeVersion43(t *testing.T) {
	t.Parallel()
	f := newFakeOrg(t, "42.0")
	f.composite = func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a Composite request was sent to a version 42.0 client")
		writeJSON(w, 400, []map[string]any{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	}
	records := make([]map[string]any, 450)
	for i := range records {
		records[i] = map[string]any{"Id": fmt.Sprintf("003%015d", i), "Title": "x"}
	}
	res, err := f.jwtClient(t).UpdateCollection(context.Background(), "Contact", records)
	if err != nil || len(res) != len(records) || !res[449].Success {
		t.Fatalf("%d results for %d records, %v", len(res), len(records), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if fmt.Sprint(f.batches) != "[200 200 50]" {
		t.Errorf("Collections calls of %v records, want [200 200 50]", f.batches)
	}
}
