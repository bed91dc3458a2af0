package oktaemu

import (
	"net/http"
	"strings"
	"testing"
)

func TestUserSchema_customPropertiesEnforcedOnUsers(t *testing.T) {
	t.Parallel()
	o := newTestOrg(t, withSeed(Seed{
		UserSchema: map[string]any{
			"salesRegion": map[string]any{"title": "Sales region", "type": "string", "enum": []any{"EMEA", "AMER", "APAC"}},
			"badge":       map[string]any{"title": "Badge", "type": "string", "maxLength": 20.0},
		},
		Users: []SeedUser{{Login: "ada@example.com", Email: "ada@example.com", FirstName: "Ada", LastName: "L",
			Profile: map[string]any{"salesRegion": "EMEA", "costCenter": "CC-1"}}},
	}))

	var sc map[string]any
	decodeJSON(t, o.do(t, http.MethodGet, "/api/v1/meta/schemas/user/default", ""), &sc)
	custom := obj(obj(obj(sc["definitions"])["custom"])["properties"])
	if obj(custom["salesRegion"])["type"] != "string" || obj(custom["badge"])["maxLength"] != 20.0 {
		t.Fatalf("custom properties = %v", custom)
	}
	if _, ok := obj(obj(obj(sc["definitions"])["base"])["properties"])["costCenter"]; !ok {
		t.Fatal("base properties lack costCenter")
	}

	// Add a boolean, an integer and an array; a base name cannot be redefined.
	resp := o.do(t, http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"properties":{
		"vip":{"title":"VIP","type":"boolean"},"level":{"title":"Level","type":"integer","enum":[1,2,3]},
		"code":{"title":"Code","type":"string","maxLength":3},
		"skills":{"title":"Skills","type":"array","items":{"type":"string","enum":["go","sql"]}}}}}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("schema update: %d", resp.StatusCode)
	}
	var e map[string]any
	resp = o.do(t, http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"properties":{"department":{"title":"D","type":"string"}}}}}`)
	decodeJSON(t, resp, &e)
	if resp.StatusCode != http.StatusBadRequest || e["errorCode"] != "E0000001" {
		t.Fatalf("redefining a base property: %d %v", resp.StatusCode, e)
	}
	resp = o.do(t, http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"properties":{"tags":{"title":"T","type":"array"}}}}}`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("array without items: %d", resp.StatusCode)
	}

	user := func(extra string) string {
		return `{"profile":{"login":"bob@example.com","email":"bob@example.com","firstName":"Bob","lastName":"B"` + extra + `}}`
	}
	for _, tc := range []struct {
		name, extra, cause string
	}{
		{"undeclared", `,"favouriteColour":"blue"`, "Property name 'favouriteColour' is not defined in profile"},
		{"too long", `,"badge":"123456789012345678901"`, "badge: The field is too long"},
		{"outside enum", `,"salesRegion":"LATAM"`, "salesRegion: Does not match required enum values"},
		{"wrong type", `,"vip":"yes"`, "vip: The value must be of type boolean"},
		{"not an integer", `,"level":1.5`, "level: The value must be of type integer"},
		{"array item outside enum", `,"skills":["go","cobol"]`, "skills: Does not match required enum values"},
		{"too long for a maxLength set through the API", `,"code":"ABCD"`, "code: The field is too long"},
		{"integer outside enum", `,"level":4`, "level: Does not match required enum values"},
	} {
		resp := o.do(t, http.MethodPost, "/api/v1/users?activate=false", user(tc.extra))
		var e struct {
			ErrorCode    string
			ErrorSummary string
			ErrorCauses  []struct{ ErrorSummary string }
		}
		decodeJSON(t, resp, &e)
		if resp.StatusCode != http.StatusBadRequest || e.ErrorCode != "E0000001" || e.ErrorSummary != "Api validation failed: newUser" ||
			len(e.ErrorCauses) != 1 || e.ErrorCauses[0].ErrorSummary != tc.cause {
			t.Errorf("%s: %d %+v, want cause %q", tc.name, resp.StatusCode, e, tc.cause)
		}
	}

	var created map[string]any
	resp = o.do(t, http.MethodPost, "/api/v1/users?activate=false",
		user(`,"badge":"12345678901234567890","salesRegion":"APAC","vip":true,"level":3,"skills":["go"],"costCenter":"X"`))
	decodeJSON(t, resp, &created)
	if resp.StatusCode != http.StatusOK || obj(created["profile"])["vip"] != true {
		t.Fatalf("valid create: %d %v", resp.StatusCode, created)
	}
	id := created["id"].(string)
	resp = o.do(t, http.MethodPost, "/api/v1/users/"+id, `{"profile":{"salesRegion":"MARS"}}`)
	decodeJSON(t, resp, &e)
	if resp.StatusCode != http.StatusBadRequest || e["errorSummary"] != "Api validation failed: user" {
		t.Fatalf("partial update outside enum: %d %v", resp.StatusCode, e)
	}
	// Removing a property from the schema makes a profile that still sets it invalid on the next update.
	o.do(t, http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"properties":{"level":null}}}}`)
	var after map[string]any
	decodeJSON(t, o.do(t, http.MethodGet, "/api/v1/users/"+id, ""), &after)
	if _, kept := obj(after["profile"])["level"]; kept {
		t.Fatalf("the profile keeps the removed attribute: %v", after["profile"])
	}
	resp = o.do(t, http.MethodPost, "/api/v1/users/"+id, `{"profile":{"level":2}}`)
	decodeJSON(t, resp, &e)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e["errorCauses"].([]any)[0].(map[string]any)["errorSummary"].(string), "'level'") {
		t.Fatalf("update of a removed property: %d %v", resp.StatusCode, e)
	}
	if resp := o.do(t, http.MethodGet, "/api/v1/meta/schemas/user/osc-unknown", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown schema id: %d", resp.StatusCode)
	}
}

func TestUserSchema_seedRefusesUndeclaredAttribute(t *testing.T) {
	t.Parallel()
	_, err := New(Config{BaseURL: "http://127.0.0.1:1"}, Seed{Users: []SeedUser{{Login: "a@example.com", Email: "a@example.com",
		FirstName: "A", LastName: "B", Profile: map[string]any{"shoeSize": "42"}}}})
	if err == nil || !strings.Contains(err.Error(), "shoeSize") {
		t.Fatalf("New with an undeclared seed attribute: %v", err)
	}
}
