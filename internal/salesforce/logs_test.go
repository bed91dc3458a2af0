package salesforce_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// soqlRecorder keeps the SOQL of every query the client sends.
type soqlRecorder struct {
	mu      sync.Mutex
	queries []string
	next    http.RoundTripper
}

func (r *soqlRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if q := req.URL.Query().Get("q"); q != "" {
		r.mu.Lock()
		r.queries = append(r.queries, q)
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func (r *soqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.queries
	r.queries = nil
	return out
}

func selfSignedKey(t *testing.T, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

// postAssertion signs nameID in to the org's ACS from ip with a Response signed by key.
func postAssertion(t *testing.T, info sandbox.SalesforceInfo, issuer, nameID, ip string, key *rsa.PrivateKey, cert *x509.Certificate) {
	t.Helper()
	acs := info.LoginURL + "/?so=" + info.OrgID[:15]
	b, err := samlidp.BuildResponse(samlidp.ResponseOptions{Issuer: issuer, Destination: acs, Audience: info.LoginURL, NameID: nameID,
		Key: key, Certificate: cert})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, acs, strings.NewReader(url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(b)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(emu.ClientIPHeader, ip)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
}

// LoginHistory and SetupAuditTrail are read with the window, the configurations, the outcome and the limit in the
// SOQL itself; usernames come from one more query; the SSO settings are found by issuer.
func TestLogReadsFilterInSOQL(t *testing.T) {
	t.Parallel()
	rec := &soqlRecorder{}
	c, info := logsClient(t, func(next http.RoundTripper) http.RoundTripper { rec.next = next; return rec })
	ctx := context.Background()
	const issuer = "http://www.okta.com/exkLogsTest"
	key, cert := trustNewIssuer(t, c, info, "Okta_Logs", issuer)
	wrongKey, wrongCert := selfSignedKey(t, "mallory")
	start := time.Now().Add(-time.Minute)
	postAssertion(t, info, issuer, "platform@acme.com", "198.51.100.6", wrongKey, wrongCert)
	postAssertion(t, info, issuer, "platform@acme.com", "203.0.113.5", key, cert)
	postAssertion(t, info, issuer, "platform@acme.com", "203.0.113.7", key, cert)
	end := time.Now().Add(time.Minute)

	configs, err := c.FindSSOConfigsByIssuer(ctx, issuer)
	if err != nil || len(configs) != 1 || configs[0].DeveloperName != "Okta_Logs" || configs[0].IdentityMapping != "FederationId" {
		t.Fatalf("FindSSOConfigsByIssuer: %+v, %v", configs, err)
	}
	rec.take()
	failures := true
	rows, err := c.ListLoginHistory(ctx, []string{configs[0].ID}, salesforce.LogWindow{Since: start, Until: end, Limit: 5, Failures: &failures})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !strings.HasPrefix(rows[0].Status, "Failed: Signature Invalid") || rows[0].SourceIP != "198.51.100.6" {
		t.Fatalf("failed sign-ins: %+v", rows)
	}
	queries := rec.take()
	if len(queries) < 1 || !strings.Contains(queries[0], "LoginTime >= "+start.UTC().Format("2006-01-02T15:04:05Z")) ||
		!strings.Contains(queries[0], "AuthenticationServiceId IN ('"+configs[0].ID+"')") ||
		!strings.Contains(queries[0], "Status != 'Success'") || !strings.HasSuffix(queries[0], "ORDER BY LoginTime DESC LIMIT 5") {
		t.Errorf("the LoginHistory query does not carry the window, the configuration, the outcome and the limit: %q", queries)
	}

	rows, err = c.ListLoginHistory(ctx, []string{configs[0].ID}, salesforce.LogWindow{Since: start, Until: end, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The two sign-ins after the refusal may share a millisecond; either is the newest.
	if len(rows) != 1 || !strings.HasPrefix(rows[0].SourceIP, "203.0.113.") || rows[0].Status != "Success" || rows[0].Username != "platform@acme.qa" {
		t.Errorf("the newest sign-in with limit 1: %+v", rows)
	}
	if queries := rec.take(); len(queries) != 2 || !strings.Contains(queries[1], "FROM User WHERE Id IN") {
		t.Errorf("want the LoginHistory query and one User query, got %q", queries)
	}
	rows, err = c.ListLoginHistory(ctx, []string{configs[0].ID}, salesforce.LogWindow{Since: end, Until: end.Add(time.Hour), Limit: 5})
	if err != nil || len(rows) != 0 {
		t.Errorf("a window after the sign-ins: %+v, %v", rows, err)
	}

	insertOK := func(body map[string]any) {
		t.Helper()
		res, err := c.InsertCollection(ctx, "PermissionSetAssignment", []map[string]any{body})
		if err != nil || res[0].Err() != nil {
			t.Fatalf("insert: %v %v", err, res)
		}
	}
	var ids []struct {
		ID string `json:"Id"`
	}
	if err := c.Query(ctx, "SELECT Id FROM User WHERE Username = 'platform@acme.qa'", &ids); err != nil || len(ids) != 1 {
		t.Fatal(err)
	}
	var ps []struct {
		ID string `json:"Id"`
	}
	if err := c.Query(ctx, "SELECT Id FROM PermissionSet WHERE Name = 'Report_Builder'", &ps); err != nil || len(ps) != 1 {
		t.Fatal(err)
	}
	insertOK(map[string]any{"AssigneeId": ids[0].ID, "PermissionSetId": ps[0].ID})
	rec.take()
	audit, err := c.ListSetupAudit(ctx, []string{"PermSetAssign", "createdSamlSsoConfig"}, salesforce.LogWindow{Since: start, Until: time.Now().Add(time.Minute), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
		if a.CreatedBy == nil || a.CreatedBy.Username == "" {
			t.Errorf("audit row %+v has no CreatedBy.Username", a)
		}
	}
	if strings.Join(actions, ",") != "PermSetAssign,createdSamlSsoConfig" {
		t.Errorf("audit actions newest first: %v", actions)
	}
	if q := rec.take(); len(q) != 1 || !strings.Contains(q[0], "Action IN ('PermSetAssign','createdSamlSsoConfig')") || !strings.Contains(q[0], "CreatedDate >= ") ||
		!strings.HasSuffix(q[0], "LIMIT 10") {
		t.Errorf("the SetupAuditTrail query: %q", q)
	}
}

// statusFilterRefuser answers a query that filters LoginHistory on Status as an org refusing the filter could
// (INVALID_FIELD), and passes every other request on.
type statusFilterRefuser struct {
	refused int
	next    http.RoundTripper
}

func (r *statusFilterRefuser) RoundTrip(req *http.Request) (*http.Response, error) {
	if q := req.URL.Query().Get("q"); strings.Contains(q, "FROM LoginHistory") && strings.Contains(q, "Status ") {
		r.refused++
		body := `[{"message":"\nStatus != 'Success'\n^\nERROR at Row:1:Column:200\nfield 'Status' can not be filtered in a query call","errorCode":"INVALID_FIELD"}]`
		return &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
	return r.next.RoundTrip(req)
}

// Filtering LoginHistory on Status is not documented: when the org refuses it, the rows are read without the
// filter and filtered in memory, the limit still applying.
func TestListLoginHistoryStatusFilterRefused(t *testing.T) {
	t.Parallel()
	refuser := &statusFilterRefuser{}
	c, info := logsClient(t, func(next http.RoundTripper) http.RoundTripper { refuser.next = next; return refuser })
	ctx := context.Background()
	const issuer = "http://www.okta.com/exkRefusedFilter"
	key, cert := trustNewIssuer(t, c, info, "Okta_Refused", issuer)
	wrongKey, wrongCert := selfSignedKey(t, "mallory")
	start := time.Now().Add(-time.Minute)
	postAssertion(t, info, issuer, "platform@acme.com", "198.51.100.6", wrongKey, wrongCert)
	postAssertion(t, info, issuer, "platform@acme.com", "198.51.100.8", wrongKey, wrongCert)
	postAssertion(t, info, issuer, "platform@acme.com", "203.0.113.5", key, cert)
	end := time.Now().Add(time.Minute)
	configs, err := c.FindSSOConfigsByIssuer(ctx, issuer)
	if err != nil || len(configs) != 1 {
		t.Fatalf("FindSSOConfigsByIssuer: %+v, %v", configs, err)
	}
	for _, tc := range []struct {
		failures bool
		limit    int
		wantIPs  string
	}{
		{true, 5, "198.51.100.6,198.51.100.8"}, {true, 1, "198.51.100.8"}, {false, 5, "203.0.113.5"},
	} {
		refuser.refused = 0
		failures := tc.failures
		rows, err := c.ListLoginHistory(ctx, []string{configs[0].ID}, salesforce.LogWindow{Since: start, Until: end, Limit: tc.limit, Failures: &failures})
		if err != nil {
			t.Fatalf("failures=%v: %v", tc.failures, err)
		}
		var ips []string
		for _, r := range rows {
			ips = append(ips, r.SourceIP)
			// A refused assertion names no user; a successful sign-in does.
			if (r.Status != "Success") != tc.failures || (r.Status == "Success") != (r.Username == "platform@acme.qa") {
				t.Errorf("failures=%v: row %+v", tc.failures, r)
			}
		}
		// Two refusals in a row may share a millisecond, so the order of the two failures is not asserted.
		if got := strings.Join(ips, ","); len(ips) != strings.Count(tc.wantIPs, ",")+1 || (tc.limit > 1 && !sameSet(ips, strings.Split(tc.wantIPs, ","))) {
			t.Errorf("failures=%v limit %d: source IPs %s, want %s", tc.failures, tc.limit, got, tc.wantIPs)
		}
		if refuser.refused != 1 {
			t.Errorf("failures=%v: %d queries with the Status filter, want 1 (refused, then read without it)", tc.failures, refuser.refused)
		}
	}
}

func sameSet(a, b []string) bool {
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// logsClient starts a sandbox with org qa and returns a client of it whose transport wrap puts a test's
// round tripper in front of.
func logsClient(t *testing.T, wrap func(next http.RoundTripper) http.RoundTripper) (*salesforce.Client, sandbox.SalesforceInfo) {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", Seed: &sandbox.Seed{Salesforce: map[string]sfemu.OrgSeed{"qa": entitlementSeed(0)}}})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	info := sb.Info().Salesforce["qa"]
	hc := transport.NewHTTPClient(transport.Config{Service: "salesforce"})
	hc.Transport = wrap(hc.Transport)
	c, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: info.LoginURL, ClientID: info.ClientID, Username: info.Username,
		PrivateKey: info.PrivateKey, JWTAudience: info.JWTAudience, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c, info
}

// trustNewIssuer creates SSO settings fullName trusting issuer with a new key pair, and returns the pair.
func trustNewIssuer(t *testing.T, c *salesforce.Client, info sandbox.SalesforceInfo, fullName, issuer string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, cert := selfSignedKey(t, "okta")
	if _, err := c.UpsertSAMLSSOConfig(context.Background(), salesforce.SAMLSSOConfig{FullName: fullName, Name: strings.ReplaceAll(fullName, "_", " "),
		Issuer: issuer, SAMLEntityID: info.LoginURL, IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0",
		RequestSignatureMethod: "RSA-SHA256", ValidationCert: base64.StdEncoding.EncodeToString(cert.Raw)}); err != nil {
		t.Fatal(err)
	}
	return key, cert
}
