package sfemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

type testOrg struct {
	*Org
	srv   *httptest.Server
	token string
}

func boolPtr(b bool) *bool { return &b }

func testSeed() OrgSeed {
	return OrgSeed{
		Name:          "Acme QA",
		AdminUsername: "integration@acme.qa",
		Profiles:      []ProfileSeed{{Name: "Sales Rep"}},
		Roles:         []RoleSeed{{Name: "CEO"}, {Name: "VP Sales", Parent: "CEO"}},
		PermissionSets: []PermissionSetSeed{
			{Name: "Sales_Cloud", Label: "Sales Cloud"}, {Name: "Reports_Viewer"}, {Name: "API_Only"}, {Name: "Platform_Apps", License: "Salesforce Platform"},
		},
		PermissionSetGroups: []PermissionSetGroupSeed{{DeveloperName: "Sales_Bundle", Label: "Sales Bundle", PermissionSets: []string{"Sales_Cloud", "Reports_Viewer"}}},
		Users: []UserSeed{
			{Username: "ada@acme.qa", FirstName: "Ada", LastName: "Lovelace", FederationID: "ada@acme.com", Profile: "Sales Rep", Role: "VP Sales", PermissionSets: []string{"Sales_Cloud"}},
			{Username: "bob@acme.qa", FirstName: "Bob", LastName: "Builder", FederationID: "bob@acme.com", PermissionSets: []string{"Sales_Bundle"}},
			{Username: "cy@acme.qa", LastName: "Leaver", IsActive: boolPtr(false)},
		},
	}
}

// startOrg serves a new org on an httptest server whose URL is the org's BaseURL.
func startOrg(t *testing.T, alias string, seed OrgSeed, dir *Directory, ctl *emu.Control, limit int) *testOrg {
	t.Helper()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if dir == nil {
		dir = NewDirectory()
	}
	if ctl == nil {
		ctl = emu.NewControl()
	}
	o, err := New(Config{Alias: alias, BaseURL: srv.URL, Control: ctl, Directory: dir, DailyAPILimit: limit}, seed)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.Store(o.Handler())
	to := &testOrg{Org: o, srv: srv}
	to.token = to.clientCredentialsToken(t)
	return to
}

func (to *testOrg) clientCredentialsToken(t *testing.T) string {
	t.Helper()
	c := to.Credentials()
	resp, err := http.PostForm(to.srv.URL+"/services/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("token: status %d", resp.StatusCode)
	}
	return tok.AccessToken
}

// do sends an authenticated API request and returns status, headers and body.
func (to *testOrg) do(t *testing.T, method, path, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, to.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+to.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// query runs SOQL and decodes the whole answer.
func (to *testOrg) query(t *testing.T, q string) map[string]any {
	t.Helper()
	status, _, body := to.do(t, "GET", "/services/data/v63.0/query?q="+url.QueryEscape(q), "")
	if status != 200 {
		t.Fatalf("query %q: %d %s", q, status, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// errorCode extracts errorCode of the first entry of a Salesforce error array.
func errorCode(t *testing.T, body string) (string, []any) {
	t.Helper()
	var errs []map[string]any
	if err := json.Unmarshal([]byte(body), &errs); err != nil || len(errs) == 0 {
		t.Fatalf("not an error array: %s", body)
	}
	code, _ := errs[0]["errorCode"].(string)
	fields, _ := errs[0]["fields"].([]any)
	return code, fields
}
