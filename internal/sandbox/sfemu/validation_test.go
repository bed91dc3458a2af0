package sfemu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

func newUserJSON(username, fid, profileID string) string {
	b, _ := json.Marshal(map[string]any{
		"attributes": map[string]string{"type": "User"}, "Username": username, "Email": username, "LastName": "Test", "Alias": "tst",
		"FederationIdentifier": fid, "ProfileId": profileID, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
		"LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
	})
	return string(b)
}

func TestRESTValidationErrors(t *testing.T) {
	t.Parallel()
	dir := NewDirectory()
	to := startOrg(t, "qa", testSeed(), dir, nil, 0)
	other := startOrg(t, "uat", OrgSeed{Name: "UAT", IsSandbox: true, AdminUsername: "integration@acme.uat", Users: []UserSeed{{Username: "taken@elsewhere.com", LastName: "Other"}}}, dir, nil, 0)
	_ = other
	std := profileID(t, to, "Standard User")
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
		fields                   []string
	}{
		{"required fields", "POST", "/services/data/v63.0/sobjects/User", `{"Username":"n@acme.qa"}`, 400, "REQUIRED_FIELD_MISSING", []string{"Email", "LastName", "Alias", "ProfileId", "TimeZoneSidKey", "LocaleSidKey", "LanguageLocaleKey", "EmailEncodingKey"}},
		{"username taken in another org", "POST", "/services/data/v63.0/sobjects/User", newUserJSON("TAKEN@elsewhere.com", "", std), 400, "DUPLICATE_USERNAME", []string{"Username"}},
		{"federation id duplicate ignoring case", "POST", "/services/data/v63.0/sobjects/User", newUserJSON("new@acme.qa", "ADA@acme.com", std), 400, "DUPLICATE_VALUE", []string{}},
		{"unknown profile", "POST", "/services/data/v63.0/sobjects/User", newUserJSON("new@acme.qa", "", "00e000000000000AAA"), 400, "INVALID_CROSS_REFERENCE_KEY", []string{}},
		{"malformed id", "POST", "/services/data/v63.0/sobjects/User", newUserJSON("new@acme.qa", "", "bogus"), 400, "MALFORMED_ID", []string{"ProfileId"}},
		{"unknown field", "POST", "/services/data/v63.0/sobjects/User", `{"Shoe__c":1}`, 400, "INVALID_FIELD", []string{}},
		{"read-only field", "PATCH", "/services/data/v63.0/sobjects/User/" + to.Credentials().OrgID, `{}`, 404, "NOT_FOUND", nil},
		{"alias too long", "POST", "/services/data/v63.0/sobjects/User", strings.Replace(newUserJSON("n@acme.qa", "", std), `"tst"`, `"toolongalias"`, 1), 400, "STRING_TOO_LONG", []string{"Alias"}},
		{"bad picklist", "POST", "/services/data/v63.0/sobjects/User", strings.Replace(newUserJSON("n@acme.qa", "", std), `"GMT"`, `"Mars"`, 1), 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{"TimeZoneSidKey"}},
		{"json syntax", "POST", "/services/data/v63.0/sobjects/User", `{"Username":`, 400, "JSON_PARSER_ERROR", []string{}},
		{"boolean as string", "POST", "/services/data/v63.0/sobjects/User", `{"IsActive":"yes"}`, 400, "JSON_PARSER_ERROR", []string{}},
		{"unknown type", "POST", "/services/data/v63.0/sobjects/Shoe__c", `{}`, 404, "NOT_FOUND", nil},
		{"unknown record", "GET", "/services/data/v63.0/sobjects/User/005000000000000AAA", "", 404, "NOT_FOUND", nil},
		{"unknown version", "GET", "/services/data/v12.0/limits", "", 404, "NOT_FOUND", nil},
		{"unknown path", "GET", "/services/data/v63.0/nothing/here", "", 404, "NOT_FOUND", nil},
		{"method not allowed", "PUT", "/services/data/v63.0/sobjects/User/005000000000000AAA", "", 405, "METHOD_NOT_ALLOWED", nil},
		{"user cannot be deleted", "DELETE", "/services/data/v63.0/sobjects/User/005000000000000AAA", "", 405, "METHOD_NOT_ALLOWED", nil},
		{"malformed query", "GET", "/services/data/v63.0/query/?q=" + url.QueryEscape("SELECT FROM User"), "", 400, "MALFORMED_QUERY", nil},
		{"missing query", "GET", "/services/data/v63.0/query", "", 400, "MALFORMED_QUERY", nil},
		{"query unknown type", "GET", "/services/data/v63.0/query?q=" + url.QueryEscape("SELECT Id FROM Account"), "", 400, "INVALID_TYPE", nil},
		{"query unknown field", "GET", "/services/data/v63.0/query?q=" + url.QueryEscape("SELECT Id FROM User WHERE Shoe = 1"), "", 400, "INVALID_FIELD", nil},
		{"bad query locator", "GET", "/services/data/v63.0/query/01g000000000000AAA-2000", "", 400, "INVALID_QUERY_LOCATOR", nil},
		{"retrieve unknown field", "GET", "/services/data/v63.0/sobjects/Organization/" + to.Credentials().OrgID + "?fields=Id,Shoe", "", 400, "INVALID_FIELD", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := to.do(t, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if strings.Contains(body, `\u003c`) {
				t.Fatalf("HTML-escaped body: %s", body)
			}
			code, fields := errorCode(t, body)
			if code != tt.code {
				t.Fatalf("errorCode %s, want %s: %s", code, tt.code, body)
			}
			if tt.fields == nil {
				return
			}
			got := make([]string, len(fields))
			for i, f := range fields {
				got[i] = f.(string)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestSessionLimitsAndFaults(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	to := startOrg(t, "qa", testSeed(), nil, ctl, 4)
	status, hdr, _ := to.do(t, "GET", "/services/data/v63.0/limits", "")
	if status != 200 || hdr.Get("Sforce-Limit-Info") != "api-usage=1/4" {
		t.Fatalf("first call: %d %q", status, hdr.Get("Sforce-Limit-Info"))
	}
	_, _, body := to.do(t, "GET", "/services/data/v63.0/limits", "")
	var limits map[string]map[string]int
	_ = json.Unmarshal([]byte(body), &limits)
	if limits["DailyApiRequests"]["Max"] != 4 || limits["DailyApiRequests"]["Remaining"] != 2 {
		t.Fatalf("limits %v", limits["DailyApiRequests"])
	}
	saved := to.token
	to.token = "00Dnope!x"
	if status, _, body := to.do(t, "GET", "/services/data/v63.0/limits", ""); status != 401 || body != `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`+"\n" {
		t.Fatalf("bad token: %d %s", status, body)
	}
	to.token = saved
	ctl.AddFault(emu.Fault{Service: "salesforce:qa", Route: "GET /services/data/{version}/limits", Kind: emu.FaultRateLimit, Count: 1})
	if status, _, body := to.do(t, "GET", "/services/data/v63.0/limits", ""); status != 403 || !strings.Contains(body, "REQUEST_LIMIT_EXCEEDED") {
		t.Fatalf("injected limit: %d %s", status, body)
	}
	ctl.AddFault(emu.Fault{Service: "salesforce:qa", Kind: emu.FaultServerError, Status: 500, Count: 1})
	if status, _, body := to.do(t, "GET", "/services/data/v63.0/limits", ""); status != 500 || !strings.Contains(body, "UNKNOWN_EXCEPTION") {
		t.Fatalf("injected 500: %d %s", status, body)
	}
	to.do(t, "GET", "/services/data/v63.0/limits", "")
	to.do(t, "GET", "/services/data/v63.0/limits", "")
	status, hdr, body = to.do(t, "GET", "/services/data/v63.0/limits", "")
	if code, _ := errorCode(t, body); status != 403 || code != "REQUEST_LIMIT_EXCEEDED" || hdr.Get("Sforce-Limit-Info") != "api-usage=4/4" {
		t.Fatalf("over the daily limit: %d %s %q", status, body, hdr.Get("Sforce-Limit-Info"))
	}
	ctl.AddFault(emu.Fault{Service: "salesforce:qa", Kind: emu.FaultExpiredSession, Count: 1})
	if status, _, _ := to.do(t, "GET", "/services/data/v63.0/limits", ""); status != 401 {
		t.Fatalf("expired-session fault: %d", status)
	}
}

func TestGzipBodyAndPermissionSetGroups(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	ada := to.query(t, "SELECT Id FROM User WHERE Username = 'ada@acme.qa'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	psg := to.query(t, "SELECT Id FROM PermissionSetGroup WHERE DeveloperName = 'Sales_Bundle'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	_, _ = gz.Write([]byte(`{"attributes":{"type":"PermissionSetAssignment"},"AssigneeId":"` + ada[:15] + `","PermissionSetGroupId":"` + psg + `"}`))
	_ = gz.Close()
	req, _ := http.NewRequest(http.MethodPost, to.srv.URL+"/services/data/v63.0/sobjects/PermissionSetAssignment/", &buf)
	req.Header.Set("Authorization", "Bearer "+to.token)
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("gzip create: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	recs := to.query(t, "SELECT PermissionSet.Type, PermissionSetGroup.DeveloperName, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE AssigneeId = '"+ada+"' AND PermissionSet.IsOwnedByProfile = false ORDER BY PermissionSet.Type")["records"].([]any)
	if len(recs) != 2 {
		t.Fatalf("assignments %v", recs)
	}
	grp := recs[0].(map[string]any)
	if grp["PermissionSet"].(map[string]any)["Type"] != "Group" || grp["PermissionSetGroup"].(map[string]any)["DeveloperName"] != "Sales_Bundle" ||
		grp["Assignee"].(map[string]any)["FederationIdentifier"] != "ada@acme.com" {
		t.Fatalf("group assignment %v", grp)
	}
	if recs[1].(map[string]any)["PermissionSetGroup"] != nil {
		t.Fatalf("direct assignment has a group: %v", recs[1])
	}
	members := to.query(t, "SELECT Username FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetGroup.DeveloperName = 'Sales_Bundle') ORDER BY Username")["records"].([]any)
	if len(members) != 2 || members[0].(map[string]any)["Username"] != "ada@acme.qa" || members[1].(map[string]any)["Username"] != "bob@acme.qa" {
		t.Fatalf("semi-join members: %v", members)
	}
	platform := to.query(t, "SELECT Id FROM PermissionSet WHERE Name = 'Platform_Apps'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/PermissionSetAssignment", `{"AssigneeId":"`+ada+`","PermissionSetId":"`+platform+`"}`)
	if code, fields := errorCode(t, body); status != 400 || code != "FIELD_INTEGRITY_EXCEPTION" || len(fields) != 1 {
		t.Fatalf("license mismatch: %d %s", status, body)
	}
	// Every user holds the assignment of its profile's hidden permission set.
	if n := to.query(t, "SELECT COUNT() FROM PermissionSetAssignment WHERE PermissionSet.IsOwnedByProfile = true")["totalSize"].(float64); n != 4 {
		t.Fatalf("profile assignments = %v, want 4", n)
	}
}

func TestCompositeReferencesAndRollback(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	std := profileID(t, to, "Standard User")
	ps := to.query(t, "SELECT Id FROM PermissionSet WHERE Name = 'API_Only'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	composite := func(allOrNone bool, username, permissionSet string) []map[string]any {
		body, _ := json.Marshal(map[string]any{"allOrNone": allOrNone, "compositeRequest": []map[string]any{
			{"method": "POST", "url": "/services/data/v63.0/sobjects/User", "referenceId": "newUser", "body": json.RawMessage(newUserJSON(username, "", std))},
			{"method": "POST", "url": "/services/data/v63.0/sobjects/PermissionSetAssignment", "referenceId": "psa", "body": map[string]string{"AssigneeId": "@{newUser.id}", "PermissionSetId": permissionSet}},
			{"method": "GET", "url": "/services/data/v63.0/query/?q=" + url.QueryEscape("SELECT Id FROM User WHERE Id = '@{newUser.id}'"), "referenceId": "check"},
		}})
		status, _, out := to.do(t, "POST", "/services/data/v63.0/composite", string(body))
		if status != 200 {
			t.Fatalf("composite: %d %s", status, out)
		}
		var resp struct {
			CompositeResponse []map[string]any `json:"compositeResponse"`
		}
		_ = json.Unmarshal([]byte(out), &resp)
		return resp.CompositeResponse
	}
	ok := composite(true, "comp1@acme.qa", ps)
	if len(ok) != 3 || ok[0]["httpStatusCode"].(float64) != 201 || ok[1]["httpStatusCode"].(float64) != 201 || ok[2]["body"].(map[string]any)["totalSize"].(float64) != 1 {
		t.Fatalf("composite ok: %v", ok)
	}
	bad := composite(true, "comp2@acme.qa", "0PS000000000000AAA")
	if bad[1]["httpStatusCode"].(float64) != 400 || bad[0]["body"].([]any)[0].(map[string]any)["errorCode"] != "PROCESSING_HALTED" ||
		bad[2]["body"].([]any)[0].(map[string]any)["errorCode"] != "PROCESSING_HALTED" {
		t.Fatalf("composite rollback: %v", bad)
	}
	if n := to.query(t, "SELECT COUNT() FROM User WHERE Username = 'comp2@acme.qa'")["totalSize"].(float64); n != 0 {
		t.Fatal("rolled-back user still exists")
	}
	// The rolled-back username is free again.
	if again := composite(false, "comp2@acme.qa", ps); again[0]["httpStatusCode"].(float64) != 201 {
		t.Fatalf("username not released after rollback: %v", again[0])
	}
	// Collections with allOrNone roll back every record when one fails.
	body := `{"allOrNone":true,"records":[` + newUserJSON("coll1@acme.qa", "", std) + `,` + newUserJSON("coll2@acme.qa", "", "00e000000000000AAA") + `]}`
	_, _, out := to.do(t, "POST", "/services/data/v63.0/composite/sobjects/", body)
	var results []recordResult
	_ = json.Unmarshal([]byte(out), &results)
	if len(results) != 2 || results[0].Success || results[0].Errors[0]["statusCode"] != "ALL_OR_NONE_OPERATION_ROLLED_BACK" || results[1].Errors[0]["statusCode"] != "INVALID_CROSS_REFERENCE_KEY" {
		t.Fatalf("allOrNone collection: %s", out)
	}
	if n := to.query(t, "SELECT COUNT() FROM User WHERE Username = 'coll1@acme.qa'")["totalSize"].(float64); n != 0 {
		t.Fatal("rolled-back collection record persisted")
	}
}

func TestStateRoundTripAndReset(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var changes atomic.Int32
	ctl.OnChange(func() { changes.Add(1) })
	to := startOrg(t, "qa", testSeed(), nil, ctl, 0)
	std := profileID(t, to, "Standard User")
	before := changes.Load()
	if status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", newUserJSON("later@acme.qa", "later", std)); status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	if changes.Load() <= before {
		t.Fatal("no Control.Changed after a mutation")
	}
	state, err := to.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	// A restarted sandbox: a new Org on a fresh directory loads the state and keeps keys, ids and sessions.
	restarted := startOrg(t, "qa", testSeed(), nil, nil, 0)
	if err := restarted.LoadState(state); err != nil {
		t.Fatal(err)
	}
	restarted.token = to.token
	if a, b := restarted.Credentials(), to.Credentials(); a.ClientID != b.ClientID || a.ClientSecret != b.ClientSecret || a.PrivateKeyPEM != b.PrivateKeyPEM || a.OrgID != b.OrgID || a.Username != b.Username {
		t.Fatalf("credentials changed across restart")
	}
	if n := restarted.query(t, "SELECT COUNT() FROM User WHERE FederationIdentifier = 'LATER'")["totalSize"].(float64); n != 1 {
		t.Fatalf("restored users: %v", n)
	}
	if status, _, _ := restarted.do(t, "POST", "/services/data/v63.0/sobjects/User", newUserJSON("later@acme.qa", "", std)); status != 400 {
		t.Fatal("restored username not re-registered in the directory")
	}
	creds := to.Credentials()
	if err := to.Reset(); err != nil {
		t.Fatal(err)
	}
	if to.Credentials() != creds {
		t.Fatal("Reset changed the credentials")
	}
	// The admin's session survives the reset because seeded ids are deterministic.
	if n := to.query(t, "SELECT COUNT() FROM User WHERE Username = 'later@acme.qa'")["totalSize"].(float64); n != 0 {
		t.Fatal("Reset kept a user created after seeding")
	}
	if status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", newUserJSON("later@acme.qa", "", std)); status != 201 {
		t.Fatalf("username not released by Reset: %d %s", status, body)
	}
}

func TestIDChecksum(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"001A0000006Vm9r", "001A0000006Vm9rIAC"},
		{"005000000000001", "005000000000001AAA"},
		{"0PSABCDE0000001", "0PSABCDE00000014HA"},
	}
	for _, tt := range tests {
		if got := to18(tt.in); got != tt.want {
			t.Errorf("to18(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := newID(prefixUser, "Ab", 62); len(got) != 18 || !strings.HasPrefix(got, "005Ab") || !validID(got) || key15(strings.ToLower(got[:15])+got[15:]) != got[:15] {
		t.Fatalf("newID = %s", got)
	}
}

func TestLicenseLimit(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	to.mu.Lock()
	lic := to.findRow("UserLicense", "Name", "Salesforce")
	lic["TotalLicenses"] = lic["UsedLicenses"]
	to.mu.Unlock()
	std := profileID(t, to, "Standard User")
	status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", newUserJSON("extra@acme.qa", "", std))
	if code, _ := errorCode(t, body); status != 400 || code != "LICENSE_LIMIT_EXCEEDED" {
		t.Fatalf("over license: %d %s", status, body)
	}
	// An inactive user needs no license, and deactivating one frees a seat.
	inactive := strings.Replace(newUserJSON("extra@acme.qa", "", std), `"Alias"`, `"IsActive":false,"Alias"`, 1)
	if status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", inactive); status != 201 {
		t.Fatalf("inactive create: %d %s", status, body)
	}
	bob := to.query(t, "SELECT Id FROM User WHERE Username = 'bob@acme.qa'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/"+bob, `{"IsActive":false}`)
	extra := to.query(t, "SELECT Id FROM User WHERE Username = 'extra@acme.qa'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	if status, _, body := to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/"+extra, `{"IsActive":true}`); status != 204 {
		t.Fatalf("reactivate into freed seat: %d %s", status, body)
	}
}

func TestCompositeRequestLimits(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	subs := func(n int, url string) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"method": "GET", "url": url, "referenceId": "r" + strconv.Itoa(i)}
		}
		return out
	}
	limitsURL := "/services/data/v63.0/limits"
	queryURL := "/services/data/v63.0/query?q=SELECT+Id+FROM+Organization"
	tests := []struct {
		name   string
		subs   []map[string]any
		status int
	}{
		{"25 subrequests", subs(25, limitsURL), 200},
		{"26 subrequests", subs(26, limitsURL), 400},
		{"5 queries", subs(5, queryURL), 200},
		{"6 queries", subs(6, queryURL), 400},
		{"bad reference id", []map[string]any{{"method": "GET", "url": limitsURL, "referenceId": "1x"}}, 400},
		{"duplicate reference id", append(subs(1, limitsURL), subs(1, limitsURL)...), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, _ := json.Marshal(map[string]any{"compositeRequest": tt.subs})
			status, _, out := to.do(t, "POST", "/services/data/v63.0/composite", string(body))
			if status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", status, tt.status, out)
			}
		})
	}
}

func TestToolingPagination(t *testing.T) {
	t.Parallel()
	seed := testSeed()
	for i := 0; i < 250; i++ {
		seed.Users = append(seed.Users, UserSeed{Username: "t" + strconv.Itoa(i) + "@acme.qa", LastName: "T"})
	}
	to := startOrg(t, "qa", seed, nil, nil, 0)
	q := url.QueryEscape("SELECT Id FROM User WHERE LastName = 't'")
	status, _, body := to.do(t, "GET", "/services/data/v63.0/tooling/query/?q="+q, "", "Sforce-Query-Options", "batchSize=200")
	var page map[string]any
	_ = json.Unmarshal([]byte(body), &page)
	next, _ := page["nextRecordsUrl"].(string)
	if status != 200 || page["size"].(float64) != 200 || page["totalSize"].(float64) != 250 || !strings.HasPrefix(next, "/services/data/v63.0/tooling/query/01g") {
		t.Fatalf("first tooling page: %d %.300s", status, body)
	}
	status, _, body = to.do(t, "GET", next, "")
	_ = json.Unmarshal([]byte(body), &page)
	if status != 200 || page["size"].(float64) != 50 || page["done"] != true {
		t.Fatalf("second tooling page: %d %.300s", status, body)
	}
	// A tooling locator is not valid on the data API.
	if status, _, body := to.do(t, "GET", strings.Replace(next, "/tooling", "", 1), ""); status != 400 || !strings.Contains(body, "INVALID_QUERY_LOCATOR") {
		t.Fatalf("cross-API locator: %d %s", status, body)
	}
}
