package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

func start(t *testing.T, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

func oktaClient(t *testing.T, info sandbox.Info) *okta.Client {
	t.Helper()
	c, err := okta.New(context.Background(), okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: "okta"})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func salesforceClient(t *testing.T, info sandbox.Info, alias string) *salesforce.Client {
	t.Helper()
	o := info.Salesforce[alias]
	c, err := salesforce.New(salesforce.Config{Alias: alias, LoginURL: o.LoginURL, ClientID: o.ClientID, Username: o.Username,
		PrivateKey: o.PrivateKey, JWTAudience: o.JWTAudience, HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultSeedParses(t *testing.T) {
	t.Parallel()
	s, err := sandbox.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	for _, alias := range []string{"qa", "uat", "prod"} {
		if _, ok := s.Salesforce[alias]; !ok {
			t.Errorf("default seed lacks org %q", alias)
		}
	}
	if !s.Salesforce["qa"].IsSandbox || s.Salesforce["prod"].IsSandbox {
		t.Error("qa must be a sandbox org and prod must not")
	}
}

func TestParseSeedRefusesUnknownKeys(t *testing.T) {
	t.Parallel()
	_, err := sandbox.ParseSeed([]byte(`{"okta":{},"salesforce":{"qa":{"name":"QA","profils":[]}}}`))
	if err == nil || !strings.Contains(err.Error(), "profils") {
		t.Fatalf("err = %v, want it to name the unknown key", err)
	}
}

// Every org has its own origin and its own credentials, and the ready info says so.
func TestInfoGivesEveryOrgItsOwnOrigin(t *testing.T) {
	t.Parallel()
	info := start(t, sandbox.Options{}).Info()
	seen := map[string]string{}
	for alias, o := range info.Salesforce {
		if prev, dup := seen[o.LoginURL]; dup {
			t.Errorf("orgs %s and %s share %s", prev, alias, o.LoginURL)
		}
		seen[o.LoginURL] = alias
		if !strings.HasPrefix(o.OrgID, "00D") || len(o.OrgID) != 18 || o.ClientID == "" || o.PrivateKey == "" || o.Username == "" {
			t.Errorf("org %s info incomplete: %+v", alias, o)
		}
	}
	if info.ControlURL != info.Okta.OrgURL+"/__sandbox" || info.Okta.APIToken == "" {
		t.Errorf("okta/control info incomplete: %+v", info.Okta)
	}
}

// State survives a restart: ids, credentials and changes made through the API.
func TestStatePersistsAcrossRestarts(t *testing.T) {
	t.Parallel()
	statePath := filepath.Join(t.TempDir(), "state.json")
	ctx := context.Background()

	sb1, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", StatePath: statePath})
	if err != nil {
		t.Fatal(err)
	}
	info1 := sb1.Info()
	created := createGroup(t, info1, "Persisted Group")
	qa1, err := salesforceClient(t, info1, "qa").Organization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb1.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(statePath))
	if len(entries) != 1 {
		t.Errorf("state dir holds %d entries, want only the state file (no temporary files left)", len(entries))
	}
	b, err := os.ReadFile(statePath)
	if err != nil || !json.Valid(b) {
		t.Fatalf("state file unreadable or not JSON: %v", err)
	}

	sb2 := start(t, sandbox.Options{StatePath: statePath})
	info2 := sb2.Info()
	if info2.Okta.APIToken != info1.Okta.APIToken || info2.Salesforce["qa"].ClientID != info1.Salesforce["qa"].ClientID {
		t.Error("credentials changed across a restart")
	}
	g, err := oktaClient(t, info2).FindGroupByName(ctx, "Persisted Group")
	if err != nil || g.ID != created {
		t.Fatalf("group after restart = %+v, %v; want id %s", g, err, created)
	}
	qa2, err := salesforceClient(t, info2, "qa").Organization(ctx)
	if err != nil || qa2.ID != qa1.ID {
		t.Fatalf("qa org after restart = %+v, %v; want id %s", qa2, err, qa1.ID)
	}
}

func createGroup(t *testing.T, info sandbox.Info, name string) string {
	t.Helper()
	c := oktaClient(t, info)
	var out struct {
		ID string `json:"id"`
	}
	if _, err := c.Raw(context.Background(), http.MethodPost, "/api/v1/groups", map[string]any{"profile": map[string]string{"name": name}}, &out); err != nil {
		t.Fatalf("create group: %v", err)
	}
	return out.ID
}

// After the org invalidates every session, 20 parallel requests sign in again exactly once.
func TestSalesforceReloginOnceUnderParallelism(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{})
	info := sb.Info()
	c := salesforceClient(t, info, "qa")
	ctx := context.Background()
	if _, err := c.Organization(ctx); err != nil {
		t.Fatal(err)
	}
	sb.Control().ExpireSessions("salesforce:qa")
	before := tokenRequests(sb.Control().Stats(), "salesforce:qa")

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rows []map[string]any
			errs <- c.Query(ctx, "SELECT Id, Username FROM User WHERE IsActive = true", &rows)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("query after session expiry: %v", err)
		}
	}
	if got := tokenRequests(sb.Control().Stats(), "salesforce:qa") - before; got != 1 {
		t.Errorf("token requests after expiry = %d, want exactly 1", got)
	}
}

// An injected connection reset on a read is retried by the transport and the read succeeds.
func TestTransportRecoversFromInjectedFaults(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{})
	info := sb.Info()
	sb.Control().AddFault(emu.Fault{Service: "okta", Route: "GET /api/v1/groups", Kind: emu.FaultConnReset, Count: 1})
	sb.Control().AddFault(emu.Fault{Service: "salesforce:qa", Route: "GET", Kind: emu.FaultServerError, Status: 503, Count: 1})
	ctx := context.Background()
	if _, err := oktaClient(t, info).FindGroupByName(ctx, "Salesforce Sales"); err != nil {
		t.Errorf("okta read after a connection reset: %v", err)
	}
	if _, err := salesforceClient(t, info, "qa").Organization(ctx); err != nil {
		t.Errorf("salesforce read after a 503: %v", err)
	}
}

func tokenRequests(s emu.Stats, service string) int {
	n := 0
	for route, count := range s.Routes {
		if strings.HasPrefix(route, service+" ") && strings.Contains(route, "/services/oauth2/token") {
			n += count
		}
	}
	return n
}
