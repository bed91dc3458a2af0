package sfemu

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func queryRows(t *testing.T, to *testOrg, q string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, r := range to.query(t, q)["records"].([]any) {
		rows = append(rows, r.(map[string]any))
	}
	return rows
}

func firstID(t *testing.T, to *testOrg, q string) string {
	t.Helper()
	rows := queryRows(t, to, q)
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", q)
	}
	return rows[0]["Id"].(string)
}

// Changes made through the API land in SetupAuditTrail, which SOQL filters and orders like any object; the seed
// writes none, an upsert that changes nothing writes none, and the API cannot write the trail.
func TestSetupAudit_recordsSetupChanges(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	var tick atomic.Int64
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	to.mu.Lock()
	to.now = func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }
	to.mu.Unlock()

	if rows := queryRows(t, to, "SELECT Id FROM SetupAuditTrail"); len(rows) != 0 {
		t.Fatalf("the seed wrote %d audit rows", len(rows))
	}
	cert := testCertificate(t)
	for _, issuer := range []string{"http://www.okta.com/exk1", "http://www.okta.com/exk1", "http://www.okta.com/exk2"} {
		if status, body := to.soap(t, envelope(to.token, upsertBody(issuer, cert))); status != http.StatusOK || !strings.Contains(body, "<success>true</success>") {
			t.Fatalf("upsert: %d %s", status, body)
		}
	}
	to.soap(t, envelope(to.token, `<met:deleteMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>Okta</met:fullNames></met:deleteMetadata>`))

	profileID := firstID(t, to, "SELECT Id FROM Profile WHERE Name = 'Sales Rep'")
	status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", fmt.Sprintf(`{"Username":"dee@acme.qa","Email":"dee@acme.qa","LastName":"Dee",
		"FirstName":"Dana","Alias":"ddee","ProfileId":%q,"TimeZoneSidKey":"GMT","LocaleSidKey":"en_US","LanguageLocaleKey":"en_US",
		"EmailEncodingKey":"UTF-8","FederationIdentifier":"dee@acme.com"}`, profileID))
	if status != http.StatusCreated {
		t.Fatalf("create user: %d %s", status, body)
	}
	userID := firstID(t, to, "SELECT Id FROM User WHERE Username = 'dee@acme.qa'")
	to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/"+userID, `{"FederationIdentifier":"dana@acme.com","IsActive":false}`)
	psID := firstID(t, to, "SELECT Id FROM PermissionSet WHERE Name = 'Reports_Viewer'")
	to.do(t, "PATCH", "/services/data/v63.0/sobjects/User/"+userID, `{"IsActive":true}`)
	status, _, body = to.do(t, "POST", "/services/data/v63.0/sobjects/PermissionSetAssignment", fmt.Sprintf(`{"AssigneeId":%q,"PermissionSetId":%q}`, userID, psID))
	if status != http.StatusCreated {
		t.Fatalf("assign: %d %s", status, body)
	}
	assignmentID := firstID(t, to, fmt.Sprintf("SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '%s' AND PermissionSetId = '%s'", userID, psID))
	to.do(t, "DELETE", "/services/data/v63.0/sobjects/PermissionSetAssignment/"+assignmentID, "")
	to.soap(t, envelope(to.token, sessionSettingUpsert("SalesRepSession", "Sales Rep", "HIGH_ASSURANCE", "60")))

	var got []string
	var firstFederationChange time.Time
	for _, r := range queryRows(t, to, "SELECT Action, Section, Display, CreatedDate, CreatedBy.Name FROM SetupAuditTrail ORDER BY CreatedDate") {
		got = append(got, fmt.Sprintf("%v|%v", r["Action"], r["Section"]))
		if r["Action"] == "changedfederationid" && firstFederationChange.IsZero() {
			firstFederationChange, _ = parseDateTime(r["CreatedDate"].(string))
		}
		if r["CreatedBy"] == nil || r["CreatedBy"].(map[string]any)["Name"] == nil {
			t.Errorf("row %v has no CreatedBy.Name", r)
		}
	}
	want := []string{
		"createdSamlSsoConfig|Single Sign-On Settings", "changedSamlSsoConfig|Single Sign-On Settings", "deletedSamlSsoConfig|Single Sign-On Settings",
		"createduser|Manage Users", "changedfederationid|Manage Users", "deactivateduser|Manage Users", "changedfederationid|Manage Users",
		"activateduser|Manage Users", "PermSetAssign|Manage Users", "PermSetUnassign|Manage Users",
		"requiredSessionLevelForProfile|Session Settings",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit trail\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	rows := queryRows(t, to, "SELECT Display FROM SetupAuditTrail WHERE Action = 'changedfederationid' AND CreatedDate > "+
		firstFederationChange.UTC().Format("2006-01-02T15:04:05Z"))
	if len(rows) != 1 || rows[0]["Display"] != "Changed federation id for user Dana Dee (UserID: ["+userID+"]) from dee@acme.com to dana@acme.com" {
		t.Errorf("filtered by Action and CreatedDate: %v", rows)
	}
	rows = queryRows(t, to, "SELECT Action FROM SetupAuditTrail WHERE Section = 'Single Sign-On Settings' ORDER BY CreatedDate DESC LIMIT 1")
	if len(rows) != 1 || rows[0]["Action"] != "deletedSamlSsoConfig" {
		t.Errorf("newest SSO change: %v", rows)
	}

	status, _, body = to.do(t, "POST", "/services/data/v63.0/sobjects/SetupAuditTrail", `{"Action":"forged"}`)
	if code, _ := errorCode(t, body); status != http.StatusBadRequest || code != "INVALID_TYPE_FOR_OPERATION" {
		t.Errorf("insert into SetupAuditTrail: %d %s", status, body)
	}
	status, _, body = to.do(t, "GET", "/services/data/v63.0/sobjects/SetupAuditTrail/describe", "")
	if status != http.StatusOK || !strings.Contains(body, `"keyPrefix":"0Ym"`) || !strings.Contains(body, `"createable":false`) {
		t.Errorf("describe: %d %.300s", status, body)
	}
}

// The trail keeps the newest maxSetupAuditRows rows.
func TestSetupAudit_keepsTheNewestRows(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	to.mu.Lock()
	for i := range maxSetupAuditRows + 5 {
		to.audit("changedfederationid", auditSectionUsers, fmt.Sprintf("change %d", i))
	}
	to.mu.Unlock()
	rows := queryRows(t, to, "SELECT Display FROM SetupAuditTrail ORDER BY Id")
	if len(rows) != maxSetupAuditRows || rows[0]["Display"] != "change 5" || rows[len(rows)-1]["Display"] != fmt.Sprintf("change %d", maxSetupAuditRows+4) {
		t.Errorf("%d rows from %v to %v", len(rows), rows[0]["Display"], rows[len(rows)-1]["Display"])
	}
}
