package sfemu

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	salesforce "github.com/k-capehart/go-salesforce/v3"
)

type userRow struct {
	ID                   string
	Username             string
	FederationIdentifier string
	IsActive             bool
	Profile              struct{ Name string }
	UserRole             *struct{ Name string }
}

func jwtClient(t *testing.T, to *testOrg) *salesforce.Salesforce {
	t.Helper()
	c := to.Credentials()
	sf, err := salesforce.Init(salesforce.Creds{Domain: c.LoginURL, Username: c.Username, ConsumerKey: c.ClientID, ConsumerRSAPem: c.PrivateKeyPEM})
	if err != nil {
		t.Fatalf("JWT Init: %v", err)
	}
	return sf
}

func TestGoSalesforceAuthFlows(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	c := to.Credentials()
	if len(c.OrgID) != 18 || !strings.HasPrefix(c.OrgID, "00D") {
		t.Fatalf("OrgID %q", c.OrgID)
	}
	tests := []struct {
		name  string
		creds salesforce.Creds
		ok    bool
	}{
		{"jwt", salesforce.Creds{Domain: c.LoginURL, Username: c.Username, ConsumerKey: c.ClientID, ConsumerRSAPem: c.PrivateKeyPEM}, true},
		{"client credentials", salesforce.Creds{Domain: c.LoginURL, ConsumerKey: c.ClientID, ConsumerSecret: c.ClientSecret}, true},
		{"jwt unknown user", salesforce.Creds{Domain: c.LoginURL, Username: "nobody@acme.qa", ConsumerKey: c.ClientID, ConsumerRSAPem: c.PrivateKeyPEM}, false},
		{"jwt inactive user", salesforce.Creds{Domain: c.LoginURL, Username: "cy@acme.qa", ConsumerKey: c.ClientID, ConsumerRSAPem: c.PrivateKeyPEM}, false},
		{"jwt wrong consumer key", salesforce.Creds{Domain: c.LoginURL, Username: c.Username, ConsumerKey: "3MVGwrong", ConsumerRSAPem: c.PrivateKeyPEM}, false},
		{"wrong secret", salesforce.Creds{Domain: c.LoginURL, ConsumerKey: c.ClientID, ConsumerSecret: "nope"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sf, err := salesforce.Init(tt.creds)
			if (err == nil) != tt.ok {
				t.Fatalf("Init err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				return
			}
			if got := sf.GetInstanceUrl(); got != c.LoginURL {
				t.Fatalf("instance_url %q, want %q", got, c.LoginURL)
			}
			var orgs []struct {
				ID        string
				Name      string
				IsSandbox bool
			}
			if err := sf.Query("SELECT Id, Name, IsSandbox FROM Organization", &orgs); err != nil {
				t.Fatal(err)
			}
			if len(orgs) != 1 || orgs[0].ID != c.OrgID || orgs[0].Name != "Acme QA" || orgs[0].IsSandbox {
				t.Fatalf("organization = %+v", orgs)
			}
		})
	}
}

func TestGoSalesforceQueryRelationshipsAndPagination(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)

	var users []userRow
	if err := sf.Query("SELECT Id, Username, FederationIdentifier, IsActive, Profile.Name, UserRole.Name FROM User WHERE FederationIdentifier != null ORDER BY Username", &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Username != "ada@acme.qa" || users[0].Profile.Name != "Sales Rep" || users[0].UserRole == nil || users[0].UserRole.Name != "VP Sales" {
		t.Fatalf("users = %+v", users)
	}
	if users[1].UserRole != nil {
		t.Fatalf("bob has no role, got %+v", users[1].UserRole)
	}

	// 2100 more users through sObject Collections make the query span two pages of 2000.
	var batch []map[string]any
	for i := 0; i < 2100; i++ {
		batch = append(batch, map[string]any{
			"Username": fmt.Sprintf("bulk%04d@acme.qa", i), "Email": "bulk@acme.qa", "LastName": fmt.Sprintf("Bulk%04d", i), "Alias": "bulk",
			"ProfileId": profileID(t, to, "Standard User"), "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
		})
	}
	res, err := sf.InsertCollection("User", batch, 200)
	if err != nil || res.HasSalesforceErrors || len(res.Results) != 2100 {
		t.Fatalf("InsertCollection: %v %+v", err, res.HasSalesforceErrors)
	}
	var bulk []struct{ ID, Username string }
	if err := sf.Query("SELECT Id, Username FROM User WHERE Username LIKE 'bulk%' ORDER BY Username DESC", &bulk); err != nil {
		t.Fatal(err)
	}
	if len(bulk) != 2100 || bulk[0].Username != "bulk2099@acme.qa" || bulk[2099].Username != "bulk0000@acme.qa" {
		t.Fatalf("paged query returned %d rows, first %+v", len(bulk), bulk[0])
	}
	seen := map[string]bool{}
	for _, u := range bulk {
		if seen[u.ID] {
			t.Fatalf("duplicate row %s across pages", u.ID)
		}
		seen[u.ID] = true
	}
	// The raw first page says where the next one is.
	page := to.query(t, "SELECT Id FROM User WHERE Username LIKE 'bulk%'")
	if page["done"] != false || len(page["records"].([]any)) != 2000 || page["totalSize"].(float64) != 2100 ||
		!strings.HasPrefix(page["nextRecordsUrl"].(string), "/services/data/v63.0/query/01g") {
		t.Fatalf("first page: done=%v n=%d next=%v", page["done"], len(page["records"].([]any)), page["nextRecordsUrl"])
	}
	status, _, body := to.do(t, "GET", "/services/data/v63.0/query?q="+url.QueryEscape("SELECT Id FROM User WHERE Username LIKE 'bulk%'"), "", "Sforce-Query-Options", "batchSize=500")
	var small map[string]any
	_ = json.Unmarshal([]byte(body), &small)
	if status != 200 || len(small["records"].([]any)) != 500 {
		t.Fatalf("batchSize=500 page has %d records", len(small["records"].([]any)))
	}
}

func profileID(t *testing.T, to *testOrg, name string) string {
	t.Helper()
	to.mu.Lock()
	defer to.mu.Unlock()
	p := to.findRow("Profile", "Name", name)
	if p == nil {
		t.Fatalf("no profile %s", name)
	}
	return str(p, "Id")
}

func TestGoSalesforceSingleRecordDML(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	ps := to.query(t, "SELECT Id FROM PermissionSet WHERE Name = 'API_Only'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	users := to.query(t, "SELECT Id FROM User WHERE Username = 'BOB@acme.qa'")["records"].([]any)
	if len(users) != 1 {
		t.Fatalf("case-insensitive username match found %d", len(users))
	}
	bob := users[0].(map[string]any)["Id"].(string)

	res, err := sf.InsertOne("PermissionSetAssignment", map[string]any{"AssigneeId": bob, "PermissionSetId": ps})
	if err != nil || !res.Success || !strings.HasPrefix(res.Id, "0Pa") || len(res.Id) != 18 {
		t.Fatalf("InsertOne: %+v %v", res, err)
	}
	_, err = sf.InsertOne("PermissionSetAssignment", map[string]any{"AssigneeId": bob, "PermissionSetId": ps})
	if err == nil || !strings.Contains(err.Error(), `"errorCode":"DUPLICATE_VALUE"`) {
		t.Fatalf("duplicate assignment: %v", err)
	}
	if err := sf.UpdateOne("User", map[string]any{"Id": bob, "Title": "Builder in chief", "IsActive": false}); err != nil {
		t.Fatal(err)
	}
	got := to.query(t, "SELECT Title, IsActive FROM User WHERE Id = '"+bob[:15]+"'")["records"].([]any)[0].(map[string]any)
	if got["Title"] != "Builder in chief" || got["IsActive"] != false {
		t.Fatalf("after update: %v", got)
	}
	if err := sf.DeleteOne("PermissionSetAssignment", map[string]any{"Id": res.Id}); err != nil {
		t.Fatal(err)
	}
	if n := to.query(t, "SELECT COUNT() FROM PermissionSetAssignment WHERE Id = '"+res.Id+"'")["totalSize"].(float64); n != 0 {
		t.Fatalf("assignment still there: %v", n)
	}
	// Users are never deleted: Salesforce answers 405 and go-salesforce surfaces the array text.
	err = sf.DeleteOne("User", map[string]any{"Id": bob})
	if err == nil || !strings.Contains(err.Error(), `"errorCode":"METHOD_NOT_ALLOWED"`) {
		t.Fatalf("delete user: %v", err)
	}
	_, err = sf.InsertOne("User", map[string]any{"Username": "x@acme.qa"})
	if err == nil || !strings.HasPrefix(err.Error(), `[{"`) || !strings.Contains(err.Error(), "REQUIRED_FIELD_MISSING") {
		t.Fatalf("missing fields: %v", err)
	}
}

func TestGoSalesforceCollections(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	std := profileID(t, to, "Standard User")
	user := func(name, fid string) map[string]any {
		return map[string]any{"Username": name, "Email": name, "LastName": "C", "Alias": "c", "ProfileId": std, "FederationIdentifier": fid,
			"TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8"}
	}
	res, err := sf.InsertCollection("User", []map[string]any{user("c1@acme.qa", "c1"), user("ada@acme.qa", "c2"), user("c3@acme.qa", "ADA@ACME.COM")}, 200)
	if err != nil || !res.HasSalesforceErrors || len(res.Results) != 3 {
		t.Fatalf("InsertCollection: %v %+v", err, res)
	}
	if !res.Results[0].Success || res.Results[1].Success || res.Results[1].Errors[0].StatusCode != "DUPLICATE_USERNAME" ||
		res.Results[2].Success || res.Results[2].Errors[0].StatusCode != "DUPLICATE_VALUE" {
		t.Fatalf("per-record results: %+v", res.Results)
	}
	id := res.Results[0].Id
	upd, err := sf.UpdateCollection("User", []map[string]any{{"Id": id, "Department": "Ops"}, {"Id": id, "TimeZoneSidKey": "Mars/Olympus"}}, 200)
	if err != nil || !upd.Results[0].Success || upd.Results[1].Success || upd.Results[1].Errors[0].StatusCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
		t.Fatalf("UpdateCollection: %v %+v", err, upd)
	}
	ps := to.query(t, "SELECT Id FROM PermissionSet WHERE Name = 'API_Only'")["records"].([]any)[0].(map[string]any)["Id"].(string)
	ins, _ := sf.InsertCollection("PermissionSetAssignment", []map[string]any{{"AssigneeId": id, "PermissionSetId": ps}}, 200)
	del, err := sf.DeleteCollection("PermissionSetAssignment", []map[string]any{{"Id": ins.Results[0].Id}, {"Id": "0Pa000000000000AAA"}}, 200)
	if err != nil || !del.HasSalesforceErrors || !del.Results[0].Success || del.Results[1].Success {
		t.Fatalf("DeleteCollection: %v %+v", err, del)
	}
}

func TestGoSalesforceToolingAndReauth(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	resp, err := sf.DoRequest("GET", "/tooling/query/?q="+url.QueryEscape("SELECT Id, Name FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null ORDER BY Name"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Records []struct {
			Attributes struct{ URL string } `json:"attributes"`
			Name       string
		} `json:"records"`
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &page); err != nil || len(page.Records) != 4 || page.Records[0].Name != "API_Only" ||
		!strings.HasPrefix(page.Records[0].Attributes.URL, "/services/data/v63.0/tooling/sobjects/PermissionSet/0PS") {
		t.Fatalf("tooling query: %s", b)
	}
	_, err = sf.DoRequest("GET", "/tooling/query/?q="+url.QueryEscape("SELECT Nope FROM User"), nil)
	if err == nil || !strings.Contains(err.Error(), `"errorCode":"INVALID_FIELD"`) || !strings.Contains(err.Error(), "No such column 'Nope' on entity 'User'") {
		t.Fatalf("tooling error: %v", err)
	}

	before := to.cfg.Control.Stats().Routes["salesforce:qa POST /services/oauth2/token"]
	to.ExpireSessions()
	var orgs []struct{ ID string }
	if err := sf.Query("SELECT Id FROM Organization", &orgs); err != nil || len(orgs) != 1 {
		t.Fatalf("query after expiry: %v", err)
	}
	if after := to.cfg.Control.Stats().Routes["salesforce:qa POST /services/oauth2/token"]; after != before+1 {
		t.Fatalf("token calls %d → %d, want exactly one re-authentication", before, after)
	}
}

func TestGoSalesforceUpsertCollection(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	std := profileID(t, to, "Standard User")
	rec := func(username, title string) map[string]any {
		m := map[string]any{"Username": username, "Email": username, "LastName": "U", "Alias": "u", "ProfileId": std, "Title": title,
			"TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8"}
		return m
	}
	res, err := sf.UpsertCollection("User", "Username", []map[string]any{rec("ada@acme.qa", "Countess"), rec("new@acme.qa", "Newcomer")}, 200)
	if err != nil || res.HasSalesforceErrors || len(res.Results) != 2 {
		t.Fatalf("UpsertCollection: %v %+v", err, res)
	}
	titles := to.query(t, "SELECT Username, Title FROM User WHERE Username IN ('ada@acme.qa','new@acme.qa') ORDER BY Username")["records"].([]any)
	if titles[0].(map[string]any)["Title"] != "Countess" || titles[1].(map[string]any)["Title"] != "Newcomer" {
		t.Fatalf("after upsert: %v", titles)
	}
	status, _, body := to.do(t, "GET", "/services/data/v63.0/composite/sobjects/User?fields=Username&ids="+res.Results[1].Id+",005000000000000AAA", "")
	if status != 200 || !strings.Contains(body, `"Username":"new@acme.qa"`) || !strings.HasSuffix(strings.TrimSpace(body), ",null]") {
		t.Fatalf("collection retrieve: %d %s", status, body)
	}
}
