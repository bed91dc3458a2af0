package emu_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// sandboxOf serves one emulator handler, built once the listener's URL is known.
func sandboxOf(t *testing.T) (*httptest.Server, *atomic.Value) {
	t.Helper()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().(http.Handler).ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	return srv, &h
}

func do(t *testing.T, method, url, auth string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// journalFor returns the journal entries of svc on route.
func journalFor(ctl *emu.Control, svc, route string) []emu.Entry {
	var out []emu.Entry
	for _, e := range ctl.Journal() {
		if e.Service == svc && e.Route == route {
			out = append(out, e)
		}
	}
	return out
}

// Requests no Okta route takes are counted, journaled with their path, delayed and fault-injected like served ones.
func TestOktaUnmatchedRequestsAreCountedJournaledAndFaulted(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	srv, h := sandboxOf(t)
	org, err := oktaemu.New(oktaemu.Config{BaseURL: srv.URL, Control: ctl}, oktaemu.Seed{})
	if err != nil {
		t.Fatal(err)
	}
	h.Store(org.Handler())
	auth := "SSWS " + org.Credentials().APIToken
	if got := do(t, http.MethodGet, srv.URL+"/api/v1/no-such-thing", auth); got != http.StatusNotFound {
		t.Fatalf("GET of an unserved path: %d, want 404", got)
	}
	if got := do(t, http.MethodPatch, srv.URL+"/api/v1/groups", auth); got != http.StatusMethodNotAllowed {
		t.Fatalf("PATCH /api/v1/groups: %d, want 405", got)
	}
	stats := ctl.Stats()
	if stats.Routes["okta GET (unmatched)"] != 1 || stats.Routes["okta PATCH (unmatched)"] != 1 || stats.Total != 2 {
		t.Errorf("stats %+v, want one GET and one PATCH under (unmatched)", stats)
	}
	if e := journalFor(ctl, "okta", "GET (unmatched)"); len(e) != 1 || e[0].Path != "/api/v1/no-such-thing" || e[0].Status != 404 {
		t.Errorf("journal of the unmatched GET: %+v", e)
	}
	// A fault rule on the unmatched route applies to it.
	ctl.AddFault(emu.Fault{Service: "okta", Route: "GET (unmatched)", Kind: emu.FaultServerError, Count: 1})
	if got := do(t, http.MethodGet, srv.URL+"/api/v1/no-such-thing", auth); got != http.StatusServiceUnavailable {
		t.Errorf("unmatched GET under a 5xx fault: %d, want 503", got)
	}
	if f := ctl.Faults(); len(f) != 1 || f[0].Injected != 1 {
		t.Errorf("faults %+v, want the rule injected once", f)
	}
}

// Requests no Salesforce route takes are counted and journaled, and the journal records the SOQL of each query.
func TestSalesforceUnmatchedRequestsAndQueriesAreJournaled(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	srv, h := sandboxOf(t)
	org, err := sfemu.New(sfemu.Config{Alias: "qa", BaseURL: srv.URL, Control: ctl}, sfemu.OrgSeed{Name: "QA", AdminUsername: "integration@acme.qa"})
	if err != nil {
		t.Fatal(err)
	}
	h.Store(org.Handler())
	c := org.Credentials()
	resp, err := http.PostForm(srv.URL+"/services/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	auth := "Bearer " + tok.AccessToken
	if got := do(t, http.MethodPost, srv.URL+"/services/data/v63.0/no-such-resource", auth); got != http.StatusNotFound {
		t.Fatalf("POST of an unserved path: %d, want 404", got)
	}
	if e := journalFor(ctl, "salesforce:qa", "POST (unmatched)"); len(e) != 1 || e[0].Path != "/services/data/v63.0/no-such-resource" || e[0].Status != 404 {
		t.Errorf("journal of the unmatched POST: %+v", e)
	}
	if n := ctl.Stats().Routes["salesforce:qa POST (unmatched)"]; n != 1 {
		t.Errorf("stats count %d unmatched POSTs, want 1", n)
	}
	const soql = "SELECT Id, Username FROM User WHERE IsActive = true"
	if got := do(t, http.MethodGet, srv.URL+"/services/data/v63.0/query?q="+url.QueryEscape(soql), auth); got != http.StatusOK {
		t.Fatalf("query: %d", got)
	}
	if got := do(t, http.MethodGet, srv.URL+"/services/data/v63.0/tooling/query?q="+url.QueryEscape("SELECT Id FROM SamlSsoConfig"), auth); got != http.StatusOK {
		t.Fatalf("tooling query: %d", got)
	}
	if e := journalFor(ctl, "salesforce:qa", "GET /services/data/{version}/query"); len(e) != 1 || e[0].SOQL != soql {
		t.Errorf("journal of the query: %+v, want SOQL %q", e, soql)
	}
	if e := journalFor(ctl, "salesforce:qa", "GET /services/data/{version}/tooling/query"); len(e) != 1 || e[0].SOQL != "SELECT Id FROM SamlSsoConfig" {
		t.Errorf("journal of the tooling query: %+v", e)
	}
	if e := journalFor(ctl, "salesforce:qa", "POST /services/oauth2/token"); len(e) != 1 || e[0].SOQL != "" || e[0].Path != "" {
		t.Errorf("journal of the token request carries a SOQL or path: %+v", e)
	}
}
