package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gosf "github.com/k-capehart/go-salesforce/v3"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// collectionBatch is the sObject Collections limit per call (a request, or a Composite subrequest).
const collectionBatch = 200

// libraryTimeout replaces go-salesforce's 120s client timeout; the call's context is the real bound
// and transport retries may legitimately take longer.
const libraryTimeout = 30 * time.Minute

// call is the RoundTripper handed to go-salesforce for one client call: it binds the call's
// context, injects the current token, re-authenticates once on INVALID_SESSION_ID, and keeps the
// last error response so the library's stringly errors can be turned back into *APIError.
type call struct {
	c   *Client
	ctx context.Context

	mu         sync.Mutex
	lastStatus int
	lastBody   []byte
}

func (rt *call) RoundTrip(req *http.Request) (*http.Response, error) {
	s, err := rt.c.session(rt.ctx)
	if err != nil {
		return nil, err
	}
	resp, err := rt.send(req, s)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return rt.remember(resp, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte("INVALID_SESSION_ID")) || (req.Body != nil && req.GetBody == nil) {
		return rt.remember(resp, nil)
	}
	fresh, err := rt.c.refresh(rt.ctx, s)
	if err != nil {
		return nil, err
	}
	replay := req.Clone(rt.ctx)
	if req.GetBody != nil {
		if replay.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return rt.remember(rt.send(replay, fresh))
}

// send issues req with s's token; the caller's request is cloned, never modified. A failure is returned
// without the *url.Error our client wraps it in: go-salesforce's own client names the request.
func (rt *call) send(req *http.Request, s *session) (*http.Response, error) {
	out := req.Clone(rt.ctx)
	out.Header.Set("Authorization", "Bearer "+s.accessToken)
	resp, err := rt.c.http.Do(out)
	if urlErr, ok := err.(*url.Error); ok { //nolint:errorlint // only the layer http.Client.Do adds, not one inside the cause
		return nil, urlErr.Err
	}
	return resp, err
}

// remember keeps the body of a failed response for error conversion and hands it on unread.
func (rt *call) remember(resp *http.Response, err error) (*http.Response, error) {
	if err != nil || resp.StatusCode < 300 {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rt.mu.Lock()
	rt.lastStatus, rt.lastBody = resp.StatusCode, body
	rt.mu.Unlock()
	return resp, nil
}

// errorOf converts a go-salesforce error using the response the call saw last.
func (rt *call) errorOf(err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := rt.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	rt.mu.Lock()
	status, body := rt.lastStatus, rt.lastBody
	rt.mu.Unlock()
	return fmt.Errorf("salesforce org %q: %w", rt.c.alias, transport.CleanError(convertLibraryError(status, body, err)))
}

// library builds a go-salesforce client bound to ctx over the current session.
func (c *Client) library(ctx context.Context) (*gosf.Salesforce, *call, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, nil, err
	}
	rt := &call{c: c, ctx: ctx}
	sf, err := gosf.Init(gosf.Creds{Domain: s.instanceURL, AccessToken: s.accessToken},
		gosf.WithValidateAuthentication(false),
		gosf.WithAPIVersion("v"+c.version),
		gosf.WithRoundTripper(rt),
		gosf.WithHTTPTimeout(libraryTimeout),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("salesforce org %q: %w", c.alias, err)
	}
	return sf, rt, nil
}

// getJSON performs a GET below /services/data/vXX.X and decodes the JSON answer.
func (c *Client) getJSON(ctx context.Context, uri string, out any) error {
	_, err := c.getJSONDated(ctx, uri, out)
	return err
}

// getJSONDated is getJSON that also returns the response's Date header: Salesforce's clock when it answered
// (zero when the header is missing or unreadable).
func (c *Client) getJSONDated(ctx context.Context, uri string, out any) (time.Time, error) {
	sf, rt, err := c.library(ctx)
	if err != nil {
		return time.Time{}, err
	}
	resp, err := sf.DoRequest(http.MethodGet, uri, nil)
	if err != nil {
		return time.Time{}, rt.errorOf(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return time.Time{}, fmt.Errorf("salesforce org %q: decoding %s: %w", c.alias, strings.SplitN(uri, "?", 2)[0], err)
	}
	date, _ := http.ParseTime(resp.Header.Get("Date"))
	return date.UTC(), nil
}

type queryPage struct {
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// Query runs a SOQL query and decodes all pages into out (a pointer to a slice) with encoding/json.
func (c *Client) Query(ctx context.Context, soql string, out any) error {
	return c.query(ctx, "/query/?q=", soql, out)
}

// ToolingQuery is Query against the Tooling API.
func (c *Client) ToolingQuery(ctx context.Context, soql string, out any) error {
	return c.query(ctx, "/tooling/query/?q=", soql, out)
}

// query follows nextRecordsUrl itself: go-salesforce strips a hard-coded v63.0 prefix and so
// breaks paging on any other API version.
func (c *Client) query(ctx context.Context, prefix, soql string, out any) error {
	var first queryPage
	if err := c.getJSON(ctx, prefix+url.QueryEscape(soql), &first); err != nil {
		return err
	}
	records, err := c.restOfPages(ctx, first)
	if err != nil {
		return err
	}
	return c.decodeRecords(records, out)
}

// restOfPages returns the records of first and of the pages after it, which it reads by nextRecordsUrl.
func (c *Client) restOfPages(ctx context.Context, first queryPage) ([]json.RawMessage, error) {
	records := first.Records
	for page := first; !page.Done && page.NextRecordsURL != ""; {
		uri := c.relativeToVersion(page.NextRecordsURL)
		page = queryPage{}
		if err := c.getJSON(ctx, uri, &page); err != nil {
			return nil, err
		}
		records = append(records, page.Records...)
	}
	if records == nil {
		records = []json.RawMessage{}
	}
	return records, nil
}

// decodeRecords decodes query records into out (a pointer to a slice).
func (c *Client) decodeRecords(records []json.RawMessage, out any) error {
	all, err := json.Marshal(records)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(all, out); err != nil {
		return fmt.Errorf("salesforce org %q: decoding query results: %w", c.alias, err)
	}
	return nil
}

// relativeToVersion turns "/services/data/v62.0/query/01g…-2000" into "/query/01g…-2000".
func (c *Client) relativeToVersion(next string) string {
	if u, err := url.Parse(next); err == nil && u.IsAbs() {
		next = u.RequestURI()
	}
	return strings.TrimPrefix(next, "/services/data/v"+c.version)
}

// Organization describes the org from its Organization record.
type Organization struct {
	ID               string `json:"Id"`
	Name             string `json:"Name"`
	IsSandbox        bool   `json:"IsSandbox"`
	InstanceName     string `json:"InstanceName"`
	OrganizationType string `json:"OrganizationType"`
}

// Organization reads the org's single Organization record with a query of its own.
func (c *Client) Organization(ctx context.Context) (*Organization, error) {
	return c.organization(c.singleRead(ctx, nameOrganization))
}

// organization decodes the Organization record from read (see nameRead).
func (c *Client) organization(read func(out any) error) (*Organization, error) {
	var orgs []Organization
	if err := read(&orgs); err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, fmt.Errorf("salesforce org %q: the Organization query returned no record: %w", c.alias, ErrNotFound)
	}
	return &orgs[0], nil
}

// RecordResult is the outcome of one record in an sObject Collections call, in input order.
type RecordResult struct {
	ID      string
	Success bool
	Errors  []*APIError
	// Refused is set when Salesforce refused the whole call that carried the record (then Errors is empty).
	Refused *RefusedCall
}

// Err is nil on success, else the record's first error.
func (r RecordResult) Err() error {
	if r.Success {
		return nil
	}
	if r.Refused != nil {
		return r.Refused
	}
	if len(r.Errors) > 0 {
		return r.Errors[0]
	}
	return &APIError{Message: "record failed without an error message"}
}

// InsertCollection creates records (allOrNone=false, in requests of up to WriteBatch); per-record failures
// are in the results, not the error. A lost answer is reported, not replayed (a replay could create every
// record twice); CreateUsers and AddAssignments replay their creates safely.
func (c *Client) InsertCollection(ctx context.Context, sobject string, records []map[string]any) ([]RecordResult, error) {
	return c.write(ctx, collectionWrite{method: http.MethodPost, sobject: sobject}, records)
}

// UpdateCollection patches records, each of which must carry "Id"; only the given fields change. The
// transport replays it after a lost answer: setting the same values by Id twice leaves the same records.
func (c *Client) UpdateCollection(ctx context.Context, sobject string, records []map[string]any) ([]RecordResult, error) {
	return c.write(ctx, collectionWrite{method: http.MethodPatch, sobject: sobject}, records)
}

// DeleteCollection deletes records by id.
func (c *Client) DeleteCollection(ctx context.Context, sobject string, ids []string) ([]RecordResult, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	records := make([]map[string]any, len(ids))
	for i, id := range ids {
		records[i] = map[string]any{"Id": id}
	}
	return c.write(ctx, collectionWrite{method: http.MethodDelete, sobject: sobject}, records)
}

func convertResults(res gosf.SalesforceResults) []RecordResult {
	out := make([]RecordResult, 0, len(res.Results))
	for _, r := range res.Results {
		rr := RecordResult{ID: r.Id, Success: r.Success}
		for _, e := range r.Errors {
			rr.Errors = append(rr.Errors, restError{Message: e.Message, ErrorCode: e.ErrorCode, StatusCode: e.StatusCode, Fields: e.Fields}.apiError(0))
		}
		out = append(out, rr)
	}
	return out
}
