package oktaemu

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// assignmentSeed has five users (one DEPROVISIONED) in three groups for the app-user tests.
func assignmentSeed() Seed {
	users := []SeedUser{}
	for _, n := range []string{"ann", "ben", "cid", "dot", "eve"} {
		users = append(users, SeedUser{Login: n + "@corp.example", Email: n + "@mail.example", FirstName: n, LastName: "Test"})
	}
	users[3].Status = "DEPROVISIONED"
	return Seed{Users: users, Groups: []SeedGroup{
		{Name: "Sales", Members: []string{"ann@corp.example", "ben@corp.example", "dot@corp.example"}},
		{Name: "Support", Members: []string{"ben@corp.example", "cid@corp.example"}},
		{Name: "Unassigned", Members: []string{"eve@corp.example"}},
	}}
}

// salesforceApp creates the catalogue salesforce app with an email username template and returns its id.
func salesforceApp(t *testing.T, o *testOrg) string {
	t.Helper()
	resp := o.do(t, "POST", "/api/v1/apps", `{"name":"salesforce","label":"Salesforce","signOnMode":"SAML_2_0",
		"credentials":{"userNameTemplate":{"template":"${source.email}","type":"BUILT_IN"}},"settings":{"app":{"instanceType":"PRODUCTION"}}}`)
	var app map[string]any
	decodeJSON(t, resp, &app)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create salesforce app: %d %v", resp.StatusCode, app)
	}
	return app["id"].(string)
}

func groupIDs(t *testing.T, o *testOrg) map[string]string {
	t.Helper()
	var groups []map[string]any
	decodeJSON(t, o.do(t, "GET", "/api/v1/groups", ""), &groups)
	out := map[string]string{}
	for _, g := range groups {
		out[g["profile"].(map[string]any)["name"].(string)] = g["id"].(string)
	}
	return out
}

func priorities(t *testing.T, c *okta.Client, appID string) map[string]int64 {
	t.Helper()
	list, _, err := c.Application.ListApplicationGroupAssignments(context.Background(), appID, query.NewQueryParams(query.WithLimit(200)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, a := range list {
		out[a.Id] = *a.PriorityPtr
	}
	return out
}

// TestAppGroupPriorities follows the recorded sequence (omitted, 1, 3, 4, 3) and then inserts at an occupied priority.
func TestAppGroupPriorities(t *testing.T) {
	t.Parallel()
	o := newTestOrg(t, withSeed(assignmentSeed()))
	c := o.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Priorities").Id
	g := groupIDs(t, o)
	a, b, x := g["Sales"], g["Support"], g["Unassigned"]
	put := func(group string, p *int64) *okta.ApplicationGroupAssignment {
		t.Helper()
		got, _, err := c.Application.CreateApplicationGroupAssignment(ctx, app, group, okta.ApplicationGroupAssignment{PriorityPtr: p})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	p := func(n int64) *int64 { return &n }
	if got := put(a, nil); *got.PriorityPtr != 0 {
		t.Fatalf("first omitted priority = %d, want 0", *got.PriorityPtr)
	}
	put(b, p(1))
	put(x, p(3))
	if got, want := priorities(t, c, app), map[string]int64{a: 0, b: 1, x: 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after 1 and 3: %v, want %v", got, want)
	}
	put(x, p(4))
	put(x, p(3))
	// Inserting at an occupied priority renumbers the others densely around it.
	put(x, p(0))
	if got, want := priorities(t, c, app), map[string]int64{x: 0, a: 1, b: 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after inserting at 0: %v, want %v", got, want)
	}
	// A PUT without priority keeps an existing assignment's priority.
	if got := put(b, nil); *got.PriorityPtr != 2 {
		t.Fatalf("re-PUT without priority moved the assignment to %d", *got.PriorityPtr)
	}
	if _, err := c.Application.DeleteApplicationGroupAssignment(ctx, app, b); err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.Application.GetApplicationGroupAssignment(ctx, app, b, nil)
	if e := oktaErr(t, err); resp.StatusCode != 404 || e.ErrorCode != "E0000007" || e.ErrorSummary != "Not found: Resource not found: "+b+" (ApplicationGroupAssignment)" {
		t.Fatalf("get deleted assignment: %d %+v", resp.StatusCode, e)
	}
	if resp, err := c.Application.DeleteApplicationGroupAssignment(ctx, app, b); err == nil || resp.StatusCode != 404 {
		t.Fatalf("second delete: %v", err)
	}
	_, resp, err = c.Application.CreateApplicationGroupAssignment(ctx, "0oanosuchapp", a, okta.ApplicationGroupAssignment{})
	if e := oktaErr(t, err); resp.StatusCode != 404 || !strings.HasSuffix(e.ErrorSummary, "(AppInstance)") {
		t.Fatalf("unknown app: %+v", e)
	}
}

func TestAppGroupProfileValidation(t *testing.T) {
	t.Parallel()
	o := newTestOrg(t, withSeed(assignmentSeed()))
	custom := createSAMLApp(t, o.client(t), "Custom").Id
	sf := salesforceApp(t, o)
	sales := groupIDs(t, o)["Sales"]
	tests := []struct {
		name, app, body string
		wantStatus      int
		wantCauses      []string
	}{
		{"custom app lacks role", custom, `{"profile":{"role":"Rep"}}`, 400, []string{"Property 'role' not found"}},
		{"salesforce properties", sf, `{"priority":0,"profile":{"profile":"Sales User","role":"Rep","salesforceGroups":["A"]}}`, 200, nil},
		{"salesforce lacks two", sf, `{"profile":{"permissionSets":["PS"],"zeta":"z","role":"Rep"}}`, 400,
			[]string{"Property 'permissionSets' not found", "Property 'zeta' not found"}},
		{"priority not a number", sf, `{"priority":"high"}`, 400, []string{"priority: The field must be a non-negative integer"}},
	}
	for _, tt := range tests {
		resp := o.do(t, "PUT", "/api/v1/apps/"+tt.app+"/groups/"+sales, tt.body)
		var body map[string]any
		decodeJSON(t, resp, &body)
		if resp.StatusCode != tt.wantStatus {
			t.Fatalf("%s: status %d, want %d: %v", tt.name, resp.StatusCode, tt.wantStatus, body)
		}
		if tt.wantStatus != 400 {
			continue
		}
		var causes []string
		for _, c := range body["errorCauses"].([]any) {
			causes = append(causes, c.(map[string]any)["errorSummary"].(string))
		}
		if body["errorCode"] != "E0000001" || !strings.HasPrefix(body["errorSummary"].(string), "Api validation failed: ") || fmt.Sprint(causes) != fmt.Sprint(tt.wantCauses) {
			t.Errorf("%s: %v", tt.name, body)
		}
	}
	// Adding the property to the custom app's schema makes the same assignment valid.
	resp := o.do(t, "POST", "/api/v1/meta/schemas/apps/"+custom+"/default",
		`{"definitions":{"custom":{"properties":{"role":{"title":"Role","type":"string"}}}}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("schema update: %d", resp.StatusCode)
	}
	if resp := o.do(t, "PUT", "/api/v1/apps/"+custom+"/groups/"+sales, `{"profile":{"role":"Rep"}}`); resp.StatusCode != 200 {
		t.Fatalf("assignment after adding role: %d", resp.StatusCode)
	}
}

func TestAppUserSchema(t *testing.T) {
	t.Parallel()
	o := newTestOrg(t)
	custom := createSAMLApp(t, o.client(t), "Custom").Id
	sf := salesforceApp(t, o)
	props := func(app string) (base, custom []string) {
		var s map[string]any
		decodeJSON(t, o.do(t, "GET", "/api/v1/meta/schemas/apps/"+app+"/default", ""), &s)
		defs := s["definitions"].(map[string]any)
		base = sortedKeys(defs["base"].(map[string]any)["properties"].(map[string]any))
		custom = sortedKeys(defs["custom"].(map[string]any)["properties"].(map[string]any))
		return base, custom
	}
	if b, c := props(custom); fmt.Sprint(b) != "[userName]" || len(c) != 0 {
		t.Fatalf("custom app schema: base %v custom %v", b, c)
	}
	b, _ := props(sf)
	for _, want := range []string{"profile", "role", "salesforceGroups", "email", "userName"} {
		if !strings.Contains(" "+strings.Join(b, " ")+" ", " "+want+" ") {
			t.Errorf("salesforce base properties %v lack %s", b, want)
		}
	}
	post := func(body string) int {
		return o.do(t, "POST", "/api/v1/meta/schemas/apps/"+custom+"/default", body).StatusCode
	}
	if st := post(`{"definitions":{"custom":{"properties":{"permissionSets":{"title":"Permission sets","type":"array","items":{"type":"string"}}}}}}`); st != 200 {
		t.Fatalf("add permissionSets: %d", st)
	}
	if st := post(`{"definitions":{"custom":{"properties":{"costCenter":{"title":"Cost center","type":"string"}}}}}`); st != 200 {
		t.Fatalf("add costCenter: %d", st)
	}
	if _, c := props(custom); fmt.Sprint(c) != "[costCenter permissionSets]" {
		t.Fatalf("partial updates kept %v", c)
	}
	if st := post(`{"definitions":{"custom":{"properties":{"costCenter":null}}}}`); st != 200 {
		t.Fatalf("remove costCenter: %d", st)
	}
	if _, c := props(custom); fmt.Sprint(c) != "[permissionSets]" {
		t.Fatalf("after removal %v", c)
	}
	for _, bad := range []string{
		`{"definitions":{"custom":{"properties":{"userName":{"title":"U","type":"string"}}}}}`,
		`{"definitions":{"custom":{"properties":{"x":{"type":"string"}}}}}`,
		`{"definitions":{"custom":{"properties":{"x":{"title":"X","type":"map"}}}}}`,
	} {
		if st := post(bad); st != 400 {
			t.Errorf("%s: status %d, want 400", bad, st)
		}
	}
	if resp := o.do(t, "GET", "/api/v1/meta/schemas/apps/0oanosuchapp/default", ""); resp.StatusCode != 404 {
		t.Errorf("unknown app schema: %d", resp.StatusCode)
	}
}

type appUserBody struct {
	ID          string         `json:"id"`
	Scope       string         `json:"scope"`
	Status      string         `json:"status"`
	Credentials map[string]any `json:"credentials"`
	Profile     map[string]any `json:"profile"`
}

func TestAppUsersFromGroupAssignments(t *testing.T) {
	t.Parallel()
	o := newTestOrg(t, withSeed(assignmentSeed()))
	c := o.client(t)
	ctx := context.Background()
	app := salesforceApp(t, o)
	g := groupIDs(t, o)
	p := func(n int64) *int64 { return &n }
	for _, a := range []struct {
		group    string
		priority int64
		profile  map[string]any
	}{
		{g["Sales"], 1, map[string]any{"profile": "Sales User", "role": "Rep"}},
		{g["Support"], 0, map[string]any{"profile": "Support User"}},
	} {
		if _, _, err := c.Application.CreateApplicationGroupAssignment(ctx, app, a.group,
			okta.ApplicationGroupAssignment{PriorityPtr: p(a.priority), Profile: a.profile}); err != nil {
			t.Fatal(err)
		}
	}
	var users []appUserBody
	decodeJSON(t, o.do(t, "GET", "/api/v1/apps/"+app+"/users", ""), &users)
	got := map[string]string{}
	for _, u := range users {
		got[u.Credentials["userName"].(string)] = fmt.Sprint(u.Scope, " ", u.Profile["profile"], " ", u.Profile["role"], " ", u.Profile["firstName"])
	}
	// ben is in both groups and takes Support's profile (priority 0); dot is DEPROVISIONED; eve's group is unassigned.
	want := map[string]string{
		"ann@mail.example": "GROUP Sales User Rep ann",
		"ben@mail.example": "GROUP Support User <nil> ben",
		"cid@mail.example": "GROUP Support User <nil> cid",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("app users %v, want %v", got, want)
	}
	ids := map[string]string{}
	for _, u := range users {
		ids[strings.SplitN(u.Credentials["userName"].(string), "@", 2)[0]] = u.ID
	}
	var eve []map[string]any
	decodeJSON(t, o.do(t, "GET", "/api/v1/users?q=eve", ""), &eve)
	eveID := eve[0]["id"].(string)

	// Paging at one user per page follows the Link headers through every app user exactly once.
	var seen []string
	list, resp, err := c.Application.ListApplicationUsers(ctx, app, query.NewQueryParams(query.WithLimit(1)))
	for pages := 1; ; pages++ {
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range list {
			seen = append(seen, u.Id)
		}
		if !resp.HasNextPage() {
			if pages != 3 {
				t.Fatalf("%d pages for 3 users at limit 1", pages)
			}
			break
		}
		list = nil
		resp, err = resp.Next(ctx, &list)
	}
	if !sort.StringsAreSorted(seen) || len(seen) != 3 {
		t.Fatalf("paged ids %v", seen)
	}

	// Direct assignment: USER scope with its own profile; a second one conflicts; a group member cannot be removed.
	assign := func(uid, profile string) *http.Response {
		return o.do(t, "POST", "/api/v1/apps/"+app+"/users", `{"id":"`+uid+`","scope":"USER","credentials":{"userName":""},"profile":`+profile+`}`)
	}
	var direct appUserBody
	resp2 := assign(eveID, `{"profile":"Read Only"}`)
	decodeJSON(t, resp2, &direct)
	if resp2.StatusCode != 200 || direct.Scope != "USER" || direct.Profile["profile"] != "Read Only" || direct.Credentials["userName"] != "eve@mail.example" {
		t.Fatalf("direct assignment: %d %+v", resp2.StatusCode, direct)
	}
	if resp := assign(eveID, `{}`); resp.StatusCode != 409 {
		t.Fatalf("second direct assignment: %d", resp.StatusCode)
	}
	if resp := assign(ids["ann"], `{"permissionSets":["x"]}`); resp.StatusCode != 400 {
		t.Fatalf("unknown property in a direct assignment: %d", resp.StatusCode)
	}
	var forbidden map[string]any
	resp3 := o.do(t, "DELETE", "/api/v1/apps/"+app+"/users/"+ids["ben"], "")
	decodeJSON(t, resp3, &forbidden)
	if resp3.StatusCode != 403 || forbidden["errorCode"] != "E0000046" {
		t.Fatalf("removing a GROUP-scoped user: %d %v", resp3.StatusCode, forbidden)
	}
	if resp := o.do(t, "DELETE", "/api/v1/apps/"+app+"/users/"+eveID, ""); resp.StatusCode != 204 {
		t.Fatalf("removing the direct user: %d", resp.StatusCode)
	}
	var missing map[string]any
	resp4 := o.do(t, "GET", "/api/v1/apps/"+app+"/users/"+eveID, "")
	decodeJSON(t, resp4, &missing)
	if resp4.StatusCode != 404 || missing["errorSummary"] != "Not found: Resource not found: "+eveID+" (AppUser)" {
		t.Fatalf("removed user: %d %v", resp4.StatusCode, missing)
	}

	// Unassigning Support hands ben and cid over: ben to Sales' profile, cid out of the app.
	if _, err := c.Application.DeleteApplicationGroupAssignment(ctx, app, g["Support"]); err != nil {
		t.Fatal(err)
	}
	var ben appUserBody
	decodeJSON(t, o.do(t, "GET", "/api/v1/apps/"+app+"/users/"+ids["ben"], ""), &ben)
	if ben.Profile["profile"] != "Sales User" || ben.Scope != "GROUP" {
		t.Fatalf("ben after unassigning Support: %+v", ben)
	}
	if resp := o.do(t, "GET", "/api/v1/apps/"+app+"/users/"+ids["cid"], ""); resp.StatusCode != 404 {
		t.Fatalf("cid after unassigning Support: %d", resp.StatusCode)
	}
	// q narrows by username prefix.
	var q []appUserBody
	decodeJSON(t, o.do(t, "GET", "/api/v1/apps/"+app+"/users?q=ann", ""), &q)
	if len(q) != 1 || q[0].ID != ids["ann"] {
		t.Fatalf("q=ann: %+v", q)
	}
}

// TestAssignmentsPersistAndReset: assignments, direct app users and schema properties survive a state round trip
// and are gone after a reset to the seed.
func TestAssignmentsPersistAndReset(t *testing.T) {
	t.Parallel()
	o := newTestOrg(t, withSeed(assignmentSeed()))
	app := salesforceApp(t, o)
	g := groupIDs(t, o)
	if resp := o.do(t, "PUT", "/api/v1/apps/"+app+"/groups/"+g["Support"], `{"priority":4,"profile":{"role":"Agent"}}`); resp.StatusCode != 200 {
		t.Fatalf("put: %d", resp.StatusCode)
	}
	if resp := o.do(t, "POST", "/api/v1/meta/schemas/apps/"+app+"/default", `{"definitions":{"custom":{"properties":{"division":{"title":"Division","type":"string"}}}}}`); resp.StatusCode != 200 {
		t.Fatalf("schema: %d", resp.StatusCode)
	}
	saved, err := o.srv.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if err := o.srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if resp := o.do(t, "GET", "/api/v1/apps/"+app+"/groups/"+g["Support"], ""); resp.StatusCode != 404 {
		t.Fatalf("after reset the app (and its assignment) should be gone: %d", resp.StatusCode)
	}
	if err := o.srv.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	decodeJSON(t, o.do(t, "GET", "/api/v1/apps/"+app+"/groups/"+g["Support"], ""), &a)
	if a["priority"] != float64(4) || a["profile"].(map[string]any)["role"] != "Agent" {
		t.Fatalf("restored assignment: %v", a)
	}
	var users []appUserBody
	decodeJSON(t, o.do(t, "GET", "/api/v1/apps/"+app+"/users", ""), &users)
	if len(users) != 2 {
		t.Fatalf("restored app users: %+v", users)
	}
	if resp := o.do(t, "PUT", "/api/v1/apps/"+app+"/groups/"+g["Sales"], `{"profile":{"division":"EMEA"}}`); resp.StatusCode != 200 {
		t.Fatalf("restored schema property: %d", resp.StatusCode)
	}
}
