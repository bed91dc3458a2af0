package salesforce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// scimFake answers the token endpoint and /services/scim/v2/Users as RFC 7644 describes, refusing a taken
// userName with 409 uniqueness.
type scimFake struct {
	mu     sync.Mutex
	bodies []map[string]any
	paths  []string
}

func (f *scimFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/services/oauth2/token" {
		writeJSON(w, 200, map[string]string{"access_token": "tok", "instance_url": "http://" + r.Host, "id": "http://" + r.Host + "/id/00D000000000001/005000000000001"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/scim+json") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && body["userName"] == "taken@acme.qa":
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
			"detail": "Duplicate Username", "status": "409", "scimType": "uniqueness"})
	case r.Method == http.MethodPost:
		writeJSON(w, http.StatusCreated, map[string]any{"id": "005NEW", "userName": body["userName"]})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"id": strings.TrimPrefix(r.URL.Path, "/services/scim/v2/Users/")})
	}
}

func TestSCIMUsers(t *testing.T) {
	t.Parallel()
	fake := &scimFake{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := New(Config{Alias: "qa", LoginURL: srv.URL, ClientID: "id", ClientSecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.SCIMCreateUsers(ctx, []map[string]any{
		{"Username": "new@acme.qa", "Email": "new@acme.com", "LastName": "New", "FirstName": "Nia", "FederationIdentifier": "new@acme.com", "ProfileId": "00eP"},
		{"Username": "taken@acme.qa", "LastName": "Taken"},
	})
	if err != nil || len(res) != 2 {
		t.Fatalf("create: %+v %v", res, err)
	}
	if !res[0].Success || res[0].ID != "005NEW" || res[1].Success || !strings.Contains(res[1].Err().Error(), "Duplicate Username") {
		t.Errorf("results = %+v / %v", res, res[1].Err())
	}
	upd, err := c.SCIMUpdateUsers(ctx, []map[string]any{{"Id": "005A", "IsActive": false}})
	if err != nil || len(upd) != 1 || !upd[0].Success {
		t.Fatalf("update: %+v %v", upd, err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"create path", fake.paths[0], "POST /services/scim/v2/Users"},
		{"userName", fake.bodies[0]["userName"], "new@acme.qa"},
		{"externalId is the Federation ID", fake.bodies[0]["externalId"], "new@acme.com"},
		{"familyName", fake.bodies[0]["name"].(map[string]any)["familyName"], "New"},
		{"email", fake.bodies[0]["emails"].([]any)[0].(map[string]any)["value"], "new@acme.com"},
		{"profile entitlement", fake.bodies[0]["entitlements"].([]any)[0].(map[string]any)["value"], "00eP"},
		{"patch path", fake.paths[2], "PATCH /services/scim/v2/Users/005A"},
		{"patch op", fake.bodies[2]["Operations"].([]any)[0].(map[string]any)["op"], "replace"},
		{"patch deactivates", fake.bodies[2]["Operations"].([]any)[0].(map[string]any)["value"].(map[string]any)["active"], "false"},
	}
	for _, tt := range tests {
		if got := valueText(tt.got); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func valueText(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}
