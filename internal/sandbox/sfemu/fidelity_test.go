package sfemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	salesforce "github.com/k-capehart/go-salesforce/v3"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// Issue 14: each gap between the emulator and Salesforce's documented REST/OAuth behaviour, driven through
// go-salesforce v3 where it has the call and raw HTTP where it has none.

// sfDo sends a request through go-salesforce's DoRequest and decodes the JSON answer into out.
func sfDo(t *testing.T, sf *salesforce.Salesforce, method, uri, body string, out any) int {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp, err := sf.DoRequest(method, uri, b)
	if err != nil {
		t.Fatalf("%s %s: %v", method, uri, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, uri, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// rawGet sends an authenticated GET with the client's token without following redirects.
func rawGet(t *testing.T, sf *salesforce.Salesforce, fullURL string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fullURL, nil)
	req.Header.Set("Authorization", "Bearer "+sf.GetAccessToken())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestFidelityUserInfo(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	c := to.Credentials()
	status, _, body := rawGet(t, sf, sf.GetInstanceUrl()+"/services/oauth2/userinfo")
	if status != http.StatusOK {
		t.Fatalf("userinfo: %d %s", status, body)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	userID, _ := info["user_id"].(string)
	if info["preferred_username"] != c.Username || info["organization_id"] != c.OrgID || !strings.HasPrefix(userID, "005") ||
		info["sub"] != c.LoginURL+"/id/"+c.OrgID+"/"+userID || info["email_verified"] != true || info["active"] != true {
		t.Fatalf("userinfo claims: %v", info)
	}
	for _, k := range []string{"nickname", "name", "email", "given_name", "family_name", "zoneinfo", "photos", "profile", "picture", "urls", "user_type", "language", "locale", "utcOffset", "updated_at"} {
		if _, ok := info[k]; !ok {
			t.Errorf("userinfo lacks %q", k)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, sf.GetInstanceUrl()+"/services/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("userinfo with a bad token: %d, want 403", resp.StatusCode)
	}
}

func TestFidelityResourcesByVersion(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	var res map[string]string
	if status := sfDo(t, sf, http.MethodGet, "", "", &res); status != http.StatusOK {
		t.Fatalf("resources: %d", status)
	}
	c := to.Credentials()
	if !strings.HasPrefix(res["identity"], c.LoginURL+"/id/"+c.OrgID+"/005") {
		t.Errorf("identity = %q", res["identity"])
	}
	for _, k := range []string{"sobjects", "query", "queryAll", "limits", "tooling", "composite"} {
		if res[k] != "/services/data/v63.0/"+k {
			t.Errorf("%s = %q", k, res[k])
		}
	}
	// Every advertised resource answers.
	for k, u := range res {
		if k == "identity" {
			continue
		}
		if status, _, body := rawGet(t, sf, sf.GetInstanceUrl()+u); status == http.StatusNotFound {
			t.Errorf("advertised %s (%s) answers 404: %s", k, u, body)
		}
	}
	if status, _, body := rawGet(t, sf, res["identity"]); status != http.StatusOK {
		t.Errorf("identity: %d %s", status, body)
	}
}

// The key set of one Describe Global entry, from the REST API Developer Guide's "Get a List of Objects".
var describeGlobalKeys = []string{"activateable", "associateEntityType", "associateParentEntity", "createable", "custom",
	"customSetting", "deepCloneable", "deletable", "deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface",
	"isSubtype", "keyPrefix", "label", "labelPlural", "layoutable", "mergeable", "mruEnabled", "name", "queryable",
	"replicateable", "retrieveable", "searchable", "triggerable", "undeletable", "updateable", "urls"}

func TestFidelityDescribeGlobal(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	for _, prefix := range []string{"", "/tooling"} {
		var dg struct {
			Encoding     string           `json:"encoding"`
			MaxBatchSize int              `json:"maxBatchSize"`
			SObjects     []map[string]any `json:"sobjects"`
		}
		if status := sfDo(t, sf, http.MethodGet, prefix+"/sobjects", "", &dg); status != http.StatusOK || len(dg.SObjects) == 0 {
			t.Fatalf("%s/sobjects: %d, %d sobjects", prefix, status, len(dg.SObjects))
		}
		for _, s := range dg.SObjects {
			for _, k := range describeGlobalKeys {
				if _, ok := s[k]; !ok {
					t.Errorf("%s/sobjects %v lacks %q", prefix, s["name"], k)
				}
			}
			urls, _ := s["urls"].(map[string]any)
			base := "/services/data/v63.0" + prefix + "/sobjects/" + s["name"].(string)
			if urls["sobject"] != base || urls["describe"] != base+"/describe" || urls["rowTemplate"] != base+"/{ID}" {
				t.Errorf("%s urls = %v", s["name"], urls)
			}
		}
		// The advertised describe URL answers.
		if status, _, body := rawGet(t, sf, sf.GetInstanceUrl()+"/services/data/v63.0"+prefix+"/sobjects/User/describe"); status != http.StatusOK {
			t.Errorf("%s User describe: %d %s", prefix, status, body)
		}
	}
}

func TestFidelityUserStandardFields(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	var desc struct {
		Fields []struct {
			Name        string   `json:"name"`
			Type        string   `json:"type"`
			Createable  bool     `json:"createable"`
			Updateable  bool     `json:"updateable"`
			ReferenceTo []string `json:"referenceTo"`
		} `json:"fields"`
	}
	if status := sfDo(t, sf, http.MethodGet, "/sobjects/User/describe", "", &desc); status != http.StatusOK {
		t.Fatalf("describe: %d", status)
	}
	if len(desc.Fields) < 150 {
		t.Errorf("User describe has %d fields, want the ~180 documented standard fields", len(desc.Fields))
	}
	byName := map[string]int{}
	for i, f := range desc.Fields {
		if _, dup := byName[f.Name]; dup {
			t.Errorf("field %s listed twice", f.Name)
		}
		byName[f.Name] = i
	}
	for name, typ := range map[string]string{"ManagerId": "reference", "MobilePhone": "phone", "AboutMe": "textarea", "EmployeeNumber": "string",
		"UserPreferencesHideS1BrowserUI": "boolean", "LastPasswordChangeDate": "datetime", "SenderEmail": "email", "Username": "email"} {
		i, ok := byName[name]
		if !ok || desc.Fields[i].Type != typ {
			t.Errorf("User.%s: present %v, want type %s", name, ok, typ)
		}
	}

	var ada []struct {
		ID string `salesforce:"Id"`
	}
	if err := sf.Query("SELECT Id FROM User WHERE Username = 'ada@acme.qa'", &ada); err != nil || len(ada) != 1 {
		t.Fatalf("ada: %v %v", ada, err)
	}
	var bob []struct {
		ID string `salesforce:"Id"`
	}
	if err := sf.Query("SELECT Id FROM User WHERE Username = 'bob@acme.qa'", &bob); err != nil || len(bob) != 1 {
		t.Fatalf("bob: %v %v", bob, err)
	}
	// Writable documented fields take values; unset ones read back null, booleans false.
	if err := sf.UpdateOne("User", map[string]any{"Id": ada[0].ID, "MobilePhone": "+1 555 0100", "ManagerId": bob[0].ID, "EmployeeNumber": "E-42"}); err != nil {
		t.Fatalf("update documented fields: %v", err)
	}
	res := to.query(t, "SELECT MobilePhone, EmployeeNumber, Manager.Username, AboutMe, UserPreferencesHideS1BrowserUI FROM User WHERE Id = '"+ada[0].ID+"'")
	rec := res["records"].([]any)[0].(map[string]any)
	mgr, _ := rec["Manager"].(map[string]any)
	if rec["MobilePhone"] != "+1 555 0100" || rec["EmployeeNumber"] != "E-42" || mgr["Username"] != "bob@acme.qa" ||
		rec["AboutMe"] != nil || rec["UserPreferencesHideS1BrowserUI"] != false {
		t.Errorf("read back %v", rec)
	}
	// A read-only documented field is refused as Salesforce refuses it.
	err := sf.UpdateOne("User", map[string]any{"Id": ada[0].ID, "NumberOfFailedLogins": 3})
	if err == nil || !strings.Contains(err.Error(), "INVALID_FIELD_FOR_INSERT_UPDATE") {
		t.Errorf("update of NumberOfFailedLogins: %v, want INVALID_FIELD_FOR_INSERT_UPDATE", err)
	}
}

func TestFidelityOrganizationFields(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	var orgs []map[string]any
	if err := sf.Query("SELECT Id, Name, TrialExpirationDate, Street, City, Country, Phone, FiscalYearStartMonth, IsReadOnly, UiSkin, DefaultAccountAccess, ComplianceBccEmail FROM Organization", &orgs); err != nil {
		t.Fatalf("Organization query: %v", err)
	}
	if len(orgs) != 1 || orgs[0]["Name"] != "Acme QA" || orgs[0]["IsReadOnly"] != false {
		t.Fatalf("organization = %v", orgs)
	}
	if v, ok := orgs[0]["TrialExpirationDate"]; !ok || v != nil {
		t.Errorf("TrialExpirationDate = %v (present %v), want null", v, ok)
	}
}

func TestFidelityLimits(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	var limits map[string]map[string]int
	if status := sfDo(t, sf, http.MethodGet, "/limits", "", &limits); status != http.StatusOK {
		t.Fatalf("limits: %d", status)
	}
	if len(limits) < 50 {
		t.Errorf("/limits has %d keys, want the ~50 documented ones", len(limits))
	}
	for _, k := range []string{"DailyApiRequests", "DailyBulkApiBatches", "HourlyDashboardRefreshes", "MassEmail", "PermissionTypes", "StreamingApiConcurrentClients", "DailyWorkflowEmails"} {
		l, ok := limits[k]
		if !ok || l["Max"] <= 0 && k != "PrivateConnectOutboundCalloutHourlyLimitMB" {
			t.Errorf("%s = %v (present %v)", k, l, ok)
		}
	}
	for k, l := range limits {
		if _, ok := l["Max"]; !ok {
			t.Errorf("%s lacks Max", k)
		}
		if _, ok := l["Remaining"]; !ok {
			t.Errorf("%s lacks Remaining", k)
		}
	}
	d := limits["DailyApiRequests"]
	if d["Max"] != DefaultDailyAPILimit || d["Remaining"] >= d["Max"] {
		t.Errorf("DailyApiRequests = %v, want Max %d and the calls made so far taken off", d, DefaultDailyAPILimit)
	}
}

func TestFidelityQueryAll(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	q := url.QueryEscape("SELECT Id, Username FROM User ORDER BY Username")
	var all, plain struct {
		TotalSize int              `json:"totalSize"`
		Done      bool             `json:"done"`
		Records   []map[string]any `json:"records"`
	}
	if status := sfDo(t, sf, http.MethodGet, "/queryAll/?q="+q, "", &all); status != http.StatusOK {
		t.Fatalf("queryAll: %d", status)
	}
	sfDo(t, sf, http.MethodGet, "/query/?q="+q, "", &plain)
	// No Recycle Bin is emulated, so queryAll finds what query finds.
	if all.TotalSize == 0 || all.TotalSize != plain.TotalSize || !all.Done || len(all.Records) != all.TotalSize {
		t.Errorf("queryAll %+v, query %+v", all, plain)
	}
	resp, err := sf.DoRequest(http.MethodGet, "/queryAll/?q="+url.QueryEscape("SELECT Nope FROM User"), nil)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("queryAll of a bad field: %d, want an INVALID_FIELD error", resp.StatusCode)
	}
	if !strings.Contains(err.Error(), "INVALID_FIELD") {
		t.Errorf("queryAll of a bad field: %v", err)
	}
}

func TestFidelityCollectionRetrieveByPost(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	var users []struct {
		ID       string `salesforce:"Id"`
		Username string `salesforce:"Username"`
	}
	if err := sf.Query("SELECT Id, Username FROM User WHERE Username IN ('ada@acme.qa','bob@acme.qa') ORDER BY Username", &users); err != nil || len(users) != 2 {
		t.Fatalf("users: %v %v", users, err)
	}
	body := `{"ids":["` + users[1].ID + `","005000000000000AAA","` + users[0].ID + `"],"fields":["Id","Username","MobilePhone"]}`
	var out []map[string]any
	if status := sfDo(t, sf, http.MethodPost, "/composite/sobjects/User", body, &out); status != http.StatusOK {
		t.Fatalf("retrieve many: %d", status)
	}
	if len(out) != 3 || out[0]["Username"] != "bob@acme.qa" || out[1] != nil || out[2]["Username"] != "ada@acme.qa" {
		t.Fatalf("retrieve many = %v", out)
	}
	if _, ok := out[0]["MobilePhone"]; !ok || len(out[0]) != 4 { // attributes, Id, Username, MobilePhone
		t.Errorf("fields of %v", out[0])
	}
	resp, err := sf.DoRequest(http.MethodPost, "/composite/sobjects/User", []byte(`{"ids":["`+users[0].ID+`"],"fields":["Nope"]}`))
	if err == nil {
		resp.Body.Close()
		t.Fatal("retrieve many with an unknown field succeeded")
	}
	if !strings.Contains(err.Error(), "INVALID_FIELD") {
		t.Errorf("unknown field: %v", err)
	}
}

func TestFidelityCompositeBatch(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	var ada []struct {
		ID string `salesforce:"Id"`
	}
	if err := sf.Query("SELECT Id FROM User WHERE Username = 'ada@acme.qa'", &ada); err != nil || len(ada) != 1 {
		t.Fatalf("ada: %v %v", ada, err)
	}
	type batchResp struct {
		HasErrors bool `json:"hasErrors"`
		Results   []struct {
			StatusCode int `json:"statusCode"`
			Result     any `json:"result"`
		} `json:"results"`
	}
	body := `{"batchRequests":[
		{"method":"PATCH","url":"v63.0/sobjects/User/` + ada[0].ID + `","richInput":{"Title":"Countess"}},
		{"method":"GET","url":"v63.0/sobjects/User/` + ada[0].ID + `?fields=Title"},
		{"method":"GET","url":"v63.0/sobjects/User/005000000000000AAA"},
		{"method":"GET","url":"v63.0/query?q=SELECT+Id+FROM+Organization"}]}`
	var out batchResp
	if status := sfDo(t, sf, http.MethodPost, "/composite/batch", body, &out); status != http.StatusOK {
		t.Fatalf("batch: %d", status)
	}
	if !out.HasErrors || len(out.Results) != 4 || out.Results[0].StatusCode != 204 || out.Results[1].StatusCode != 200 ||
		out.Results[1].Result.(map[string]any)["Title"] != "Countess" || out.Results[2].StatusCode != 404 || out.Results[3].StatusCode != 200 {
		t.Fatalf("batch = %+v", out)
	}
	// haltOnError: the rest after a failure answer 412 BATCH_PROCESSING_HALTED.
	halt := `{"haltOnError":true,"batchRequests":[{"method":"GET","url":"v63.0/sobjects/User/005000000000000AAA"},{"method":"PATCH","url":"v63.0/sobjects/User/` + ada[0].ID + `","richInput":{"Title":"Never"}}]}`
	out = batchResp{}
	sfDo(t, sf, http.MethodPost, "/composite/batch", halt, &out)
	if len(out.Results) != 2 || out.Results[1].StatusCode != 412 || !strings.Contains(jsonText(out.Results[1].Result), "BATCH_PROCESSING_HALTED") {
		t.Fatalf("halted batch = %+v", out)
	}
	if res := to.query(t, "SELECT Title FROM User WHERE Id = '"+ada[0].ID+"'"); res["records"].([]any)[0].(map[string]any)["Title"] != "Countess" {
		t.Errorf("a halted subrequest ran: %v", res)
	}
	// More than 25 subrequests are refused.
	subs := strings.Repeat(`{"method":"GET","url":"v63.0/limits"},`, 26)
	resp, err := sf.DoRequest(http.MethodPost, "/composite/batch", []byte(`{"batchRequests":[`+strings.TrimSuffix(subs, ",")+`]}`))
	if err == nil {
		resp.Body.Close()
		t.Fatal("a batch of 26 was accepted")
	}
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestFidelityDoubledSlashPath(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sf := jwtClient(t, to)
	status, hdr, body := rawGet(t, sf, sf.GetInstanceUrl()+"//services/data/v63.0/limits")
	if status != http.StatusOK || hdr.Get("Location") != "" || !strings.Contains(body, "DailyApiRequests") {
		t.Errorf("//services/data/v63.0/limits: %d Location=%q %s", status, hdr.Get("Location"), body)
	}
	status, hdr, body = rawGet(t, sf, sf.GetInstanceUrl()+"/services//data/v63.0//nothing-here")
	if status != http.StatusNotFound || hdr.Get("Location") != "" || !strings.Contains(body, `"errorCode":"NOT_FOUND"`) {
		t.Errorf("doubled slash to no resource: %d Location=%q %s", status, hdr.Get("Location"), body)
	}
}

// An expired_session fault without a count expires the tokens issued before it was added, not the one a
// client gets by logging in again: go-salesforce re-authenticates once on INVALID_SESSION_ID and replays.
func TestFidelityExpiredSessionSparesFreshTokens(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	to := startOrg(t, "qa", testSeed(), nil, ctl, 0)
	sf := jwtClient(t, to)
	old := sf.GetAccessToken()
	ctl.AddFault(emu.Fault{Service: "salesforce:qa", Kind: emu.FaultExpiredSession})
	for i := 0; i < 3; i++ {
		var orgs []map[string]any
		if err := sf.Query("SELECT Id FROM Organization", &orgs); err != nil || len(orgs) != 1 {
			t.Fatalf("query %d under a standing expired_session fault: %v", i, err)
		}
	}
	if sf.GetAccessToken() == old {
		t.Fatal("the client was never made to log in again")
	}
	if status, _, _ := to.do(t, "GET", "/services/data/v63.0/limits", ""); status != http.StatusUnauthorized {
		t.Errorf("a token issued before the fault: %d, want 401", status)
	}
}
