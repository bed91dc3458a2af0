package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Answers of the write fake, chosen per request.
const (
	answerOK           = "ok"
	answerResetApplied = "reset-applied" // saves the records, then resets the connection (a lost answer)
	answerResetFirst   = "reset-first"   // saves only the first record, then resets
	answerResetBefore  = "reset-before"  // resets without saving anything
	answer503          = "503"           // answers 503 without saving anything
	answerConcurrent   = "concurrent"    // 403 REQUEST_LIMIT_EXCEEDED, concurrent limit
	answerDaily        = "daily"         // 403 REQUEST_LIMIT_EXCEEDED, daily allocation
)

// writeFake is a Salesforce org that keeps the Users and PermissionSetAssignments created through sObject
// Collections, answers SOQL look-ups of them, and misbehaves as its script says.
type writeFake struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	script      map[string][]string // "POST /composite/sobjects/" etc. -> answers in order; then answerOK
	calls       map[string]int
	posted      [][]map[string]any // records of each Collections POST
	users       []map[string]any
	assignments []map[string]any
	buttons     []string // AuthConfigProviders rows of the login page
	upserts     int      // upsertMetadata calls applied
}

func newWriteFake(t *testing.T, script map[string][]string) *writeFake {
	f := &writeFake{t: t, script: script, calls: map[string]int{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *writeFake) client(t *testing.T) *Client {
	hc := transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce, MaxRetries: 3,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	c, err := New(Config{Alias: "test", LoginURL: f.srv.URL, ClientID: fakeKey, ClientSecret: fakeSecret, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// state is a copy of what the org holds, taken under the lock: a reset leaves the test no other ordering
// with the handler that saved it.
func (f *writeFake) state() (posted [][]map[string]any, users, assignments []map[string]any, buttons []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(posted, f.posted...), append(users, f.users...), append(assignments, f.assignments...), append(buttons, f.buttons...)
}

func (f *writeFake) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[route]
}

// next returns the scripted answer for route's next request.
func (f *writeFake) next(route string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[route]++
	if s := f.script[route]; len(s) > 0 {
		f.script[route] = s[1:]
		return s[0]
	}
	return answerOK
}

func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.(*net.TCPConn).SetLinger(0)
	_ = conn.Close()
}

// misbehave carries out an answer that saves nothing; it reports whether it did.
func misbehave(w http.ResponseWriter, answer string) bool {
	switch answer {
	case answerResetBefore:
		reset(w)
	case answer503:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html>Service Unavailable</html>")
	case answerConcurrent:
		writeJSON(w, 403, []map[string]any{{"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}})
	case answerDaily:
		writeJSON(w, 403, []map[string]any{{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}})
	default:
		return false
	}
	return true
}

var soqlLiteral = regexp.MustCompile(`'((?:[^'\\]|\\.)*)'`)

func (f *writeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const data = "/services/data/v" + DefaultAPIVersion
	switch {
	case r.URL.Path == "/services/oauth2/token":
		writeJSON(w, 200, map[string]string{"access_token": fakeOrgID + "!AQ0AQtoken", "instance_url": f.srv.URL, "token_type": "Bearer",
			"id": "https://login.salesforce.com/id/" + fakeOrgID + "/" + fakeUserID})
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/services/Soap/m/"):
		f.soap(w, r, f.next("POST /services/Soap/m/"))
	case r.Method == http.MethodPost && r.URL.Path == "/services/scim/v2/Users":
		f.scimCreate(w, r, f.next("POST /services/scim/v2/Users"))
	case r.Method == http.MethodPost && r.URL.Path == data+"/tooling/sobjects/AuthConfigProviders":
		f.toolingCreate(w, r, f.next("POST /tooling/sobjects/AuthConfigProviders"))
	case r.Method == http.MethodGet && r.URL.Path == data+"/tooling/query/":
		f.toolingQuery(w, r.URL.Query().Get("q"))
	case r.Method == http.MethodGet && r.URL.Path == data+"/query/":
		if misbehave(w, f.next("GET /query/")) {
			return
		}
		f.query(w, r.URL.Query().Get("q"))
	case r.Method == http.MethodPost && r.URL.Path == data+"/composite/sobjects/":
		f.insert(w, r, f.next("POST /composite/sobjects/"))
	case r.Method == http.MethodPatch && r.URL.Path == data+"/composite/sobjects/":
		if misbehave(w, f.next("PATCH /composite/sobjects/")) {
			return
		}
		var body struct {
			Records []map[string]any `json:"records"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		var results []map[string]any
		for _, rec := range body.Records {
			results = append(results, map[string]any{"id": rec["Id"], "success": true, "errors": []any{}})
		}
		writeJSON(w, 200, results)
	default:
		writeJSON(w, 404, []map[string]any{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	}
}

func (f *writeFake) query(w http.ResponseWriter, soql string) {
	values := map[string]bool{}
	for _, m := range soqlLiteral.FindAllStringSubmatch(soql, -1) {
		values[strings.ToLower(m[1])] = true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var rows []map[string]any
	switch {
	case strings.Contains(soql, "FROM User WHERE FederationIdentifier IN"):
		for _, u := range f.users {
			if values[strings.ToLower(u["FederationIdentifier"].(string))] {
				rows = append(rows, map[string]any{"Id": u["Id"], "Username": u["Username"], "FederationIdentifier": u["FederationIdentifier"], "IsActive": true})
			}
		}
	case strings.Contains(soql, "FROM User WHERE Username IN"):
		for _, u := range f.users {
			if values[strings.ToLower(u["Username"].(string))] {
				rows = append(rows, map[string]any{"Id": u["Id"], "Username": u["Username"], "FederationIdentifier": u["FederationIdentifier"]})
			}
		}
	case strings.Contains(soql, "FROM PermissionSetAssignment WHERE PermissionSetId ="):
		for _, a := range f.assignments {
			if values[strings.ToLower(a["PermissionSetId"].(string))] && values[strings.ToLower(a["AssigneeId"].(string))] {
				rows = append(rows, map[string]any{"Id": a["Id"], "AssigneeId": a["AssigneeId"]})
			}
		}
	default:
		writeJSON(w, 400, []map[string]any{{"message": "the fake cannot answer " + soql, "errorCode": "MALFORMED_QUERY"}})
		return
	}
	writeJSON(w, 200, map[string]any{"totalSize": len(rows), "done": true, "records": rows})
}

// insert saves what answer allows, as Salesforce does with allOrNone=false, and answers or drops the connection.
func (f *writeFake) insert(w http.ResponseWriter, r *http.Request, answer string) {
	var body struct {
		Records []map[string]any `json:"records"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.posted = append(f.posted, body.Records)
	f.mu.Unlock()
	if misbehave(w, answer) {
		return
	}
	save := body.Records
	if answer == answerResetFirst {
		save = save[:1]
	}
	var results []map[string]any
	f.mu.Lock()
	for _, rec := range save {
		results = append(results, f.save(rec))
	}
	f.mu.Unlock()
	if answer != answerOK {
		reset(w)
		return
	}
	writeJSON(w, 200, results)
}

func (f *writeFake) save(rec map[string]any) map[string]any {
	duplicate := func(code string) map[string]any {
		return map[string]any{"success": false, "errors": []map[string]any{{"statusCode": code, "message": "duplicate value found", "fields": []string{}}}}
	}
	switch rec["attributes"].(map[string]any)["type"] {
	case "User":
		for _, u := range f.users {
			if strings.EqualFold(u["Username"].(string), rec["Username"].(string)) {
				return duplicate("DUPLICATE_USERNAME")
			}
		}
		id := fmt.Sprintf("005000000000%03dAAA", len(f.users)+1)
		f.users = append(f.users, map[string]any{"Id": id, "Username": rec["Username"], "FederationIdentifier": rec["FederationIdentifier"]})
		return map[string]any{"id": id, "success": true, "errors": []any{}}
	case "PermissionSetAssignment":
		for _, a := range f.assignments {
			if a["AssigneeId"] == rec["AssigneeId"] && a["PermissionSetId"] == rec["PermissionSetId"] {
				return duplicate("DUPLICATE_VALUE")
			}
		}
		id := fmt.Sprintf("0Pa000000000%03dAAA", len(f.assignments)+1)
		f.assignments = append(f.assignments, map[string]any{"Id": id, "AssigneeId": rec["AssigneeId"], "PermissionSetId": rec["PermissionSetId"]})
		return map[string]any{"id": id, "success": true, "errors": []any{}}
	}
	return duplicate("INVALID_TYPE")
}

func newUsers(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"Username": fmt.Sprintf("user%d@acme.example", i), "FederationIdentifier": fmt.Sprintf("fid%d", i),
			"LastName": fmt.Sprintf("User%d", i)}
	}
	return out
}

// A Collections create of users whose answer is lost is settled by looking up what it created: the org ends
// with exactly one user per record and the caller gets their Ids. Before: the error was returned after the
// first attempt, and the next run created nothing new only because it read the users back.
func TestCreateUsersLookBeforeRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		answers     []string
		existing    []map[string]any // users in the org before the call
		wantPosts   []int            // records sent by each POST
		wantDupOf   int              // index of the record that must fail as a duplicate, or -1
		wantErrPart string
	}{
		{name: "saved, then the connection reset", answers: []string{answerResetApplied}, wantPosts: []int{3}, wantDupOf: -1},
		{name: "one saved, then reset: only the others are posted again", answers: []string{answerResetFirst}, wantPosts: []int{3, 2}, wantDupOf: -1},
		{name: "503 before saving: posted again", answers: []string{answer503}, wantPosts: []int{3, 3}, wantDupOf: -1},
		{name: "reset before saving, twice", answers: []string{answerResetBefore, answerResetBefore}, wantPosts: []int{3, 3, 3}, wantDupOf: -1},
		{name: "a user who held the username before is not taken for a created one", answers: []string{answer503},
			existing:  []map[string]any{{"Id": "005OLD000000001AAA", "Username": "user1@acme.example", "FederationIdentifier": "someone-else"}},
			wantPosts: []int{3, 3}, wantDupOf: 1},
		{name: "the concurrent limit is waited out by the transport", answers: []string{answerConcurrent, answerConcurrent}, wantPosts: []int{3, 3, 3}, wantDupOf: -1},
		{name: "lost every time: one error naming the users", answers: []string{answerResetBefore, answerResetBefore, answerResetBefore, answerResetBefore},
			wantPosts: []int{3, 3, 3, 3}, wantErrPart: `salesforce org "test": creating 3 User records (FederationIdentifier fid0, fid1, fid2) (4 attempts): Post "`},
		{name: "the daily limit is reported at once", answers: []string{answerDaily}, wantPosts: []int{3},
			wantErrPart: "TotalRequests Limit exceeded. The org's daily API request allocation is spent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newWriteFake(t, map[string][]string{"POST /composite/sobjects/": tt.answers})
			f.mu.Lock()
			f.users = append(f.users, tt.existing...)
			f.mu.Unlock()
			records := newUsers(3)
			res, err := f.client(t).CreateUsers(context.Background(), records)
			posted, users, _, _ := f.state()
			var posts []int
			for _, p := range posted {
				posts = append(posts, len(p))
			}
			if fmt.Sprint(posts) != fmt.Sprint(tt.wantPosts) {
				t.Fatalf("POSTs of %v records, want %v", posts, tt.wantPosts)
			}
			if tt.wantErrPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrPart) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErrPart)
				}
				if n := strings.Count(err.Error(), f.srv.URL); n != 1 && tt.answers[0] != answerDaily {
					t.Fatalf("error %q names the URL %d times", err, n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(records) {
				t.Fatalf("%d results for %d records", len(res), len(records))
			}
			byFID := map[string]string{}
			for _, u := range users {
				if _, dup := byFID[u["FederationIdentifier"].(string)]; dup {
					t.Fatalf("user %v created twice", u["FederationIdentifier"])
				}
				byFID[u["FederationIdentifier"].(string)] = u["Id"].(string)
			}
			for i, r := range res {
				if i == tt.wantDupOf {
					if !errors.Is(r.Err(), ErrDuplicate) {
						t.Fatalf("record %d: %+v, want DUPLICATE_USERNAME", i, r)
					}
					continue
				}
				if want := byFID[records[i]["FederationIdentifier"].(string)]; !r.Success || r.ID == "" || r.ID != want {
					t.Fatalf("record %d: %+v, want success with Id %q", i, r, want)
				}
			}
		})
	}
}

// A PermissionSetAssignment create is replayed after a lost answer; DUPLICATE_VALUE on the replay means the
// lost attempt saved it, so it counts as created, with its Id. Before: the reset was the call's error.
func TestAddAssignmentsReplayAfterReset(t *testing.T) {
	t.Parallel()
	const ps = "0PS000000000001AAA"
	users := []string{"005000000000001AAA", "005000000000002AAA"}
	t.Run("lost answer", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, map[string][]string{"POST /composite/sobjects/": {answerResetApplied}})
		res, err := f.client(t).AddAssignments(context.Background(), AssignmentTarget{PermissionSetID: ps}, users)
		if err != nil {
			t.Fatal(err)
		}
		posted, _, assignments, _ := f.state()
		if len(posted) != 2 || len(assignments) != 2 {
			t.Fatalf("%d POSTs, %d assignments; want the call replayed once and one assignment per user", len(posted), len(assignments))
		}
		for i, r := range res {
			if !r.Success || r.ID != assignments[i]["Id"] {
				t.Fatalf("result %d: %+v, want success with Id %v", i, r, assignments[i]["Id"])
			}
		}
	})
	t.Run("a duplicate on the first attempt stays one", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, nil)
		f.mu.Lock()
		f.assignments = []map[string]any{{"Id": "0Pa0000000000OLDAAA", "AssigneeId": users[0], "PermissionSetId": ps}}
		f.mu.Unlock()
		res, err := f.client(t).AddAssignments(context.Background(), AssignmentTarget{PermissionSetID: ps}, users)
		if err != nil {
			t.Fatal(err)
		}
		if posted, _, _, _ := f.state(); !errors.Is(res[0].Err(), ErrDuplicate) || !res[1].Success || len(posted) != 1 {
			t.Fatalf("results %+v after %d POSTs; want the assignment that was there before reported as a duplicate", res, len(posted))
		}
	})
}

// Updates by Id set the same values when repeated, so the transport replays them. Before: a 503 failed them.
func TestUpdateCollectionRetriedAfter503(t *testing.T) {
	t.Parallel()
	f := newWriteFake(t, map[string][]string{"PATCH /composite/sobjects/": {answer503, answerResetBefore}})
	res, err := f.client(t).UpdateUsers(context.Background(), []map[string]any{{"Id": "005000000000001AAA", "IsActive": false}})
	if err != nil || len(res) != 1 || !res[0].Success {
		t.Fatalf("results %+v, error %v", res, err)
	}
	if n := f.count("PATCH /composite/sobjects/"); n != 3 {
		t.Fatalf("%d PATCHes, want 3", n)
	}
}

// Queries meet the concurrent limit with retries and the daily one with an error that names it.
func TestQueryRequestLimits(t *testing.T) {
	t.Parallel()
	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, map[string][]string{"GET /query/": {answerConcurrent, answerConcurrent}})
		if _, err := f.client(t).UsersByFederationID(context.Background(), []string{"fid0"}); err != nil {
			t.Fatal(err)
		}
		if n := f.count("GET /query/"); n != 3 {
			t.Fatalf("%d queries, want 3", n)
		}
	})
	t.Run("daily", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, map[string][]string{"GET /query/": {answerDaily, answerDaily}})
		_, err := f.client(t).UsersByFederationID(context.Background(), []string{"fid0"})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Limit() != transport.DailyRequestLimit || !errors.Is(err, ErrLimitExceeded) ||
			!strings.Contains(err.Error(), "daily API request allocation") {
			t.Fatalf("error %v, want the daily limit named", err)
		}
		if n := f.count("GET /query/"); n != 1 {
			t.Fatalf("%d queries, want 1", n)
		}
	})
}

// Every kind of call names its URL once when the connection is lost. Before: go-salesforce's client, ours and
// the transport's inner one each wrapped it ("Get "u": Get "u": Get "u": …").
func TestLostConnectionNamesURLOnce(t *testing.T) {
	t.Parallel()
	// net/http itself resends a GET whose reused connection breaks, so every query is reset.
	resets := make([]string, 20)
	for i := range resets {
		resets[i] = answerResetBefore
	}
	f := newWriteFake(t, map[string][]string{"GET /query/": resets})
	_, err := f.client(t).UsersByFederationID(context.Background(), []string{"fid0"})
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.Count(msg, f.srv.URL) != 1 || strings.Count(msg, `Get "`) != 1 || !strings.HasSuffix(msg, "(4 attempts)") {
		t.Fatalf("%q: want the method and URL once, and the attempts", msg)
	}
	if !strings.HasPrefix(msg, `salesforce org "test": Get "`+f.srv.URL+"/services/data/v"+DefaultAPIVersion+"/query/?q=") {
		t.Fatalf("%q: want the org, then the request", msg)
	}
}

// soap answers upsertMetadata; a scripted 503 or fault comes before anything is saved.
func (f *writeFake) soap(w http.ResponseWriter, r *http.Request, answer string) {
	_, _ = io.ReadAll(r.Body)
	switch answer {
	case answer503:
		misbehave(w, answer)
	case answerConcurrent, answerDaily:
		msg := "ConcurrentPerOrgLongTxn Limit exceeded."
		if answer == answerDaily {
			msg = "TotalRequests Limit exceeded."
		}
		soapReply(w, 500, `<soapenv:Fault><faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode><faultstring>REQUEST_LIMIT_EXCEEDED: `+msg+`</faultstring></soapenv:Fault>`)
	default:
		f.mu.Lock()
		f.upserts++
		created := f.upserts == 1
		f.mu.Unlock()
		soapReply(w, 200, fmt.Sprintf(`<upsertMetadataResponse><result><created>%v</created><fullName>Okta</fullName><success>true</success></result></upsertMetadataResponse>`, created))
	}
}

func (f *writeFake) scimCreate(w http.ResponseWriter, r *http.Request, answer string) {
	var u struct {
		UserName   string `json:"userName"`
		ExternalID string `json:"externalId"`
	}
	_ = json.NewDecoder(r.Body).Decode(&u)
	if misbehave(w, answer) {
		return
	}
	f.mu.Lock()
	res := f.save(map[string]any{"attributes": map[string]any{"type": "User"}, "Username": u.UserName, "FederationIdentifier": u.ExternalID})
	f.mu.Unlock()
	if answer != answerOK {
		reset(w)
		return
	}
	if res["success"] != true {
		writeJSON(w, 409, map[string]any{"detail": "duplicate username", "status": "409", "scimType": "uniqueness"})
		return
	}
	writeJSON(w, 201, map[string]any{"id": res["id"], "userName": u.UserName})
}

func (f *writeFake) toolingCreate(w http.ResponseWriter, r *http.Request, answer string) {
	_, _ = io.ReadAll(r.Body)
	if misbehave(w, answer) {
		return
	}
	f.mu.Lock()
	id := fmt.Sprintf("0Ja000000000%03dAAA", len(f.buttons)+1)
	f.buttons = append(f.buttons, id)
	f.mu.Unlock()
	if answer != answerOK {
		reset(w)
		return
	}
	writeJSON(w, 201, map[string]any{"id": id, "success": true, "errors": []any{}})
}

func (f *writeFake) toolingQuery(w http.ResponseWriter, soql string) {
	var rows []map[string]any
	switch {
	case strings.Contains(soql, "FROM AuthConfigProviders"):
		f.mu.Lock()
		for _, id := range f.buttons {
			rows = append(rows, map[string]any{"Id": id})
		}
		f.mu.Unlock()
	case strings.Contains(soql, "FROM AuthConfig "):
		rows = append(rows, map[string]any{"Id": "0Jb000000000001AAA"})
	}
	writeJSON(w, 200, map[string]any{"totalSize": len(rows), "done": true, "records": rows})
}

// upsertMetadata is keyed by fullName, so the transport replays it after a 503, and the concurrent limit's
// SOAP fault too; the daily limit's fault is reported at once. Before: the concurrent fault was final.
func TestUpsertMetadataRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answers   []string
		wantCalls int
		wantErr   string
	}{
		{"503, then saved", []string{answer503}, 2, ""},
		{"concurrent limit twice, then saved", []string{answerConcurrent, answerConcurrent}, 3, ""},
		{"daily limit", []string{answerDaily}, 1, "TotalRequests Limit exceeded. The org's daily API request allocation is spent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newWriteFake(t, map[string][]string{"POST /services/Soap/m/": tt.answers})
			created, err := f.client(t).UpsertSAMLSSOConfig(context.Background(), SAMLSSOConfig{FullName: "Okta", Issuer: "http://www.okta.com/exk1",
				SAMLEntityID: "https://acme.my.salesforce.com", IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0", ValidationCert: "MIID"})
			if n := f.count("POST /services/Soap/m/"); n != tt.wantCalls {
				t.Fatalf("%d calls, want %d", n, tt.wantCalls)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrLimitExceeded) {
					t.Fatalf("error %v, want it to name the daily limit", err)
				}
				return
			}
			if err != nil || !created {
				t.Fatalf("created %v, error %v", created, err)
			}
		})
	}
}

// A SCIM create and the login-page button are looked for after a lost answer, before being posted again.
func TestLookBeforeRetrySingleCreates(t *testing.T) {
	t.Parallel()
	t.Run("SCIM user", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, map[string][]string{"POST /services/scim/v2/Users": {answerResetApplied}})
		res, err := f.client(t).SCIMCreateUsers(context.Background(), newUsers(2))
		if err != nil {
			t.Fatal(err)
		}
		_, users, _, _ := f.state()
		if len(users) != 2 || f.count("POST /services/scim/v2/Users") != 2 {
			t.Fatalf("%d users after %d POSTs; want one POST and one user each", len(users), f.count("POST /services/scim/v2/Users"))
		}
		for i, r := range res {
			if !r.Success || r.ID != users[i]["Id"] {
				t.Fatalf("result %d: %+v, want success with Id %v", i, r, users[i]["Id"])
			}
		}
	})
	t.Run("login page button", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, map[string][]string{"POST /tooling/sobjects/AuthConfigProviders": {answerResetApplied}})
		if err := f.client(t).ShowOnLoginPage(context.Background(), "0LE000000000001AAA"); err != nil {
			t.Fatal(err)
		}
		if _, _, _, buttons := f.state(); len(buttons) != 1 || f.count("POST /tooling/sobjects/AuthConfigProviders") != 1 {
			t.Fatalf("%d buttons after %d POSTs, want 1 after 1", len(buttons), f.count("POST /tooling/sobjects/AuthConfigProviders"))
		}
	})
	t.Run("login page button, 503 before saving", func(t *testing.T) {
		t.Parallel()
		f := newWriteFake(t, map[string][]string{"POST /tooling/sobjects/AuthConfigProviders": {answer503}})
		if err := f.client(t).ShowOnLoginPage(context.Background(), "0LE000000000001AAA"); err != nil {
			t.Fatal(err)
		}
		if _, _, _, buttons := f.state(); len(buttons) != 1 || f.count("POST /tooling/sobjects/AuthConfigProviders") != 2 {
			t.Fatalf("%d buttons after %d POSTs, want 1 after 2", len(buttons), f.count("POST /tooling/sobjects/AuthConfigProviders"))
		}
	})
}
