package sfemu

import (
	"encoding/json"
	"strings"
	"testing"
)

func customFieldsSeed() OrgSeed {
	seed := testSeed()
	seed.CustomUserFields = []CustomFieldSeed{
		{Name: "Cost_Center__c", Label: "Cost Center", Type: "Text", Length: 20},
		{Name: "Region__c", Type: "Picklist", Values: []string{"EMEA", "AMER", "APAC"}, Restricted: true},
		{Name: "Skills__c", Type: "MultiselectPicklist", Values: []string{"Go", "SQL", "Apex"}, Restricted: true},
		{Name: "Tags__c", Type: "MultiselectPicklist", Values: []string{"a"}},
		{Name: "Is_Contractor__c", Type: "Checkbox"},
		{Name: "Level__c", Type: "Number", Precision: 3, Scale: 1},
		{Name: "Start_Date__c", Type: "Date"},
		{Name: "Work_Email__c", Type: "Email"},
		{Name: "Desk_Phone__c", Type: "Phone"},
	}
	seed.Users[0].Fields = map[string]any{"Cost_Center__c": "CC-ADA", "Is_Contractor__c": true}
	return seed
}

func TestCustomUserFields_describeAndDML(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", customFieldsSeed(), nil, nil, 0)
	std := profileID(t, to, "Standard User")

	status, _, body := to.do(t, "GET", "/services/data/v63.0/sobjects/User/describe", "")
	if status != 200 {
		t.Fatalf("describe: %d", status)
	}
	var d struct{ Fields []map[string]any }
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	byName := map[string]map[string]any{}
	for _, f := range d.Fields {
		byName[f["name"].(string)] = f
	}
	for name, want := range map[string]map[string]any{
		"Cost_Center__c":   {"type": "string", "length": 20.0, "custom": true, "label": "Cost Center"},
		"Region__c":        {"type": "picklist", "restrictedPicklist": true},
		"Skills__c":        {"type": "multipicklist", "restrictedPicklist": true},
		"Is_Contractor__c": {"type": "boolean", "nillable": false, "defaultValue": false},
		"Level__c":         {"type": "double", "precision": 3.0, "scale": 1.0, "soapType": "xsd:double"},
		"Start_Date__c":    {"type": "date", "soapType": "xsd:date"},
		"Desk_Phone__c":    {"type": "phone", "length": 40.0},
	} {
		for k, v := range want {
			if byName[name][k] != v {
				t.Errorf("describe %s.%s = %v, want %v", name, k, byName[name][k], v)
			}
		}
	}
	if byName["Username"]["custom"] != false {
		t.Error("a standard field is described as custom")
	}

	create := func(extra map[string]any) (int, string) {
		var b map[string]any
		_ = json.Unmarshal([]byte(newUserJSON(strings.ToLower(t.Name()[:4])+"x@acme.qa", "", std)), &b)
		for k, v := range extra {
			b[k] = v
		}
		raw, _ := json.Marshal(b)
		status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/User", string(raw))
		return status, body
	}
	for _, tc := range []struct {
		name  string
		extra map[string]any
		code  string
		field string
	}{
		{"text too long", map[string]any{"Cost_Center__c": strings.Repeat("x", 21)}, "STRING_TOO_LONG", "Cost_Center__c"},
		{"restricted picklist", map[string]any{"Region__c": "LATAM"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Region__c"},
		{"restricted multi-select", map[string]any{"Skills__c": "Go;Cobol"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Skills__c"},
		{"checkbox not boolean", map[string]any{"Is_Contractor__c": "maybe"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", "Is_Contractor__c"},
		{"number too large", map[string]any{"Level__c": 100.0}, "NUMBER_OUTSIDE_VALID_RANGE", "Level__c"},
		{"number not a number", map[string]any{"Level__c": "high"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", "Level__c"},
		{"bad email", map[string]any{"Work_Email__c": "nope"}, "INVALID_EMAIL_ADDRESS", "Work_Email__c"},
		{"bad date", map[string]any{"Start_Date__c": "31/12/2026"}, "JSON_PARSER_ERROR", ""},
	} {
		status, body := create(tc.extra)
		code, fields := errorCode(t, body)
		if status != 400 || code != tc.code || (tc.field != "" && (len(fields) != 1 || fields[0] != tc.field)) {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}

	status, body = create(map[string]any{"Cost_Center__c": strings.Repeat("x", 20), "Region__c": "emea", "Skills__c": "SQL;go;SQL",
		"Tags__c": "free;A", "Is_Contractor__c": true, "Level__c": "12.34", "Start_Date__c": "2026-01-31", "Desk_Phone__c": "+1 555 0100"})
	if status != 201 {
		t.Fatalf("valid create: %d %s", status, body)
	}
	var created struct{ ID string }
	_ = json.Unmarshal([]byte(body), &created)
	rec := to.query(t, "SELECT Cost_Center__c, Region__c, Skills__c, Tags__c, Is_Contractor__c, Level__c, Start_Date__c FROM User WHERE Id = '"+created.ID+"'")["records"].([]any)[0].(map[string]any)
	for k, v := range map[string]any{"Skills__c": "Go;SQL", "Tags__c": "a;free", "Is_Contractor__c": true, "Level__c": 12.3, "Start_Date__c": "2026-01-31"} {
		if rec[k] != v {
			t.Errorf("queried %s = %v, want %v", k, rec[k], v)
		}
	}
	if got := to.query(t, "SELECT Id FROM User WHERE Cost_Center__c = 'CC-ADA' AND Is_Contractor__c = true")["totalSize"]; got != 1.0 {
		t.Errorf("seeded custom field values: %v rows", got)
	}
	if got := to.query(t, "SELECT Id FROM User WHERE Is_Contractor__c = true")["totalSize"]; got != 2.0 {
		t.Errorf("filter on a custom checkbox: %v rows", got)
	}
	if got := to.query(t, "SELECT Id FROM User WHERE Is_Contractor__c = false")["totalSize"]; got == 0.0 {
		t.Errorf("seeded users' checkbox is not false: %v rows", got)
	}

	// Collections: one bad record fails alone with allOrNone false.
	batch := `{"allOrNone":false,"records":[{"attributes":{"type":"User"},"Id":"` + created.ID + `","Cost_Center__c":"` + strings.Repeat("y", 25) + `"},
		{"attributes":{"type":"User"},"Id":"` + created.ID + `","Region__c":"APAC"}]}`
	status, _, body = to.do(t, "PATCH", "/services/data/v63.0/composite/sobjects", batch)
	var results []struct {
		Success bool
		Errors  []struct{ StatusCode string }
	}
	if err := json.Unmarshal([]byte(body), &results); err != nil || status != 200 || len(results) != 2 {
		t.Fatalf("collections: %d %s", status, body)
	}
	if results[0].Success || results[0].Errors[0].StatusCode != "STRING_TOO_LONG" || !results[1].Success {
		t.Errorf("collections results: %s", body)
	}
}

func TestCustomUserFields_seedErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		field CustomFieldSeed
		want  string
	}{
		{CustomFieldSeed{Name: "Cost_Center", Type: "Text"}, "must end in __c"},
		{CustomFieldSeed{Name: "X__c", Type: "Rainbow"}, "unknown type"},
		{CustomFieldSeed{Name: "X__c", Type: "Text", Length: 300}, "out of range"},
		{CustomFieldSeed{Name: "X__c", Type: "Picklist"}, "needs values"},
		{CustomFieldSeed{Name: "X__c", Type: "Number", Precision: 5, Scale: 6}, "out of range"},
		{CustomFieldSeed{Name: "X__c", Type: "Text", Length: 3}, "data value too large"}, // a seeded value is checked too
	} {
		seed := testSeed()
		seed.CustomUserFields = []CustomFieldSeed{tc.field}
		seed.Users[0].Fields = map[string]any{"X__c": "four"}
		if tc.field.Type != "Text" || tc.field.Length != 3 {
			seed.Users[0].Fields = nil
		}
		if _, err := New(Config{Alias: "qa", BaseURL: "http://127.0.0.1:1"}, seed); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.field, err, tc.want)
		}
	}
}
