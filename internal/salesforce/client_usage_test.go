package salesforce_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Against an org with a daily allocation of 100 API requests: a warning at the 90th, another at the 98th,
// and the 99th is not sent; the caller gets the transport's *APIUsageError, and the org keeps 2 requests
// for its other integrations.
func TestAPIUsageGuardAgainstSandbox(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().(http.Handler).ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	org, err := sfemu.New(sfemu.Config{Alias: "prod", BaseURL: srv.URL, Control: ctl, DailyAPILimit: 100}, sfemu.OrgSeed{Name: "Acme", AdminUsername: "integration@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	h.Store(org.Handler())
	creds := org.Credentials()
	c, err := salesforce.New(salesforce.Config{Alias: "prod", LoginURL: creds.LoginURL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce})})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	const (
		route          = "salesforce:prod GET /services/data/{version}/query"
		compositeRoute = "salesforce:prod POST /services/data/{version}/composite"
	)
	warningsAt := map[int]int{}
	var refused error
	for call := 1; call <= 100; call++ {
		before := strings.Count(logs.String(), `"@level":"warn"`)
		if _, err := c.ListProfiles(ctx); err != nil {
			refused = err
			if call != 99 {
				t.Fatalf("call %d failed: %v", call, err)
			}
			break
		}
		if n := strings.Count(logs.String(), `"@level":"warn"`) - before; n > 0 {
			warningsAt[call] = n
		}
	}
	if len(warningsAt) != 2 || warningsAt[90] != 1 || warningsAt[98] != 1 {
		t.Errorf("warnings after calls %v, want one after the 90th and one after the 98th", warningsAt)
	}
	var usageErr *transport.APIUsageError
	if !errors.As(refused, &usageErr) || usageErr.Used != 98 || usageErr.Max != 100 {
		t.Fatalf("the 99th call returned %v, want the transport's *APIUsageError at 98/100", refused)
	}
	// The first ListProfiles is the client's batch of name reads, one Composite request (names.go).
	if n := ctl.Stats().Routes[route] + ctl.Stats().Routes[compositeRoute]; n != 98 {
		t.Fatalf("the org served %d queries, want 98: the refused call must not reach it", n)
	}
}
