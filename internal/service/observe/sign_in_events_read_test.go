package observe

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// requestRecorder keeps the path and query of every request a client sends.
type requestRecorder struct {
	mu   sync.Mutex
	sent []*url.URL
	next http.RoundTripper
}

func (r *requestRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	u := *req.URL
	r.sent = append(r.sent, &u)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *requestRecorder) take() []*url.URL {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

func recordingClient(service string) (*http.Client, *requestRecorder) {
	hc := transport.NewHTTPClient(transport.Config{Service: service})
	rec := &requestRecorder{next: hc.Transport}
	hc.Transport = rec
	return hc, rec
}

// readSignInEvents runs the data source's Read with the given arguments.
func readSignInEvents(t *testing.T, clients *conns.Clients, args map[string]tftypes.Value) (signInEventsModel, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	ds := NewSignInEventsDataSource().(*signInEventsDataSource)
	var cresp datasource.ConfigureResponse
	ds.Configure(ctx, datasource.ConfigureRequest{ProviderData: clients}, &cresp)
	var sresp datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
		if v, ok := args[name]; ok {
			values[name] = v
		}
	}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	ds.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, values)}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read: %v", resp.Diagnostics)
	}
	var m signInEventsModel
	if d := resp.State.Get(ctx, &m); d.HasError() {
		t.Fatalf("state: %v", d)
	}
	return m, resp.Diagnostics
}

// The data source asks each source once for at most limit events of its window: Okta's System Log with since,
// until, the app's filter and limit; LoginHistory and SetupAuditTrail with the window and LIMIT in the SOQL.
func TestSignInEventsReadFiltersAtTheAPI(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	ctx := context.Background()
	info := sb.Info()
	ohc, oktaSent := recordingClient(transport.ServiceOkta)
	oc, err := okta.New(ctx, okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken, HTTPClient: ohc})
	if err != nil {
		t.Fatal(err)
	}
	qa := info.Salesforce["qa"]
	shc, sfSent := recordingClient("salesforce")
	sc, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: qa.LoginURL, ClientID: qa.ClientID, Username: qa.Username,
		PrivateKey: qa.PrivateKey, JWTAudience: qa.JWTAudience, HTTPClient: shc})
	if err != nil {
		t.Fatal(err)
	}

	acs := qa.LoginURL + "?so=" + qa.OrgID[:15]
	app, err := oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: "Sign-in events", SignOn: okta.SAMLSignOn{SSOACSURL: acs, Recipient: acs, Destination: acs,
		Audience: qa.LoginURL, SubjectNameIDTemplate: "${user.userName}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	xml, err := oc.SAMLMetadata(ctx, app.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.UpsertSAMLSSOConfig(ctx, salesforce.SAMLSSOConfig{FullName: "Okta_Events", Name: "Okta Events", Issuer: md.EntityID,
		SAMLEntityID: qa.LoginURL, IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLVersion: "SAML2_0",
		RequestSignatureMethod: "RSA-SHA256", LoginURL: md.SSOURLPost, ValidationCert: base64.StdEncoding.EncodeToString(md.SigningCertificates[0].Raw)}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var u struct {
			ID string `json:"id"`
		}
		login := fmt.Sprintf("events%d@acme.example", i)
		if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/users?activate=true", map[string]any{"profile": map[string]any{"login": login, "email": login,
			"firstName": "E", "lastName": fmt.Sprint(i)}, "credentials": map[string]any{"password": map[string]any{"value": "Sandbox-Passw0rd!"}}}, &u); err != nil {
			t.Fatal(err)
		}
		if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/apps/"+app.ID+"/users", map[string]any{"id": u.ID, "scope": "USER"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	oktaSent.take()
	sfSent.take()

	clients := &conns.Clients{Okta: oc, Salesforce: map[string]*salesforce.Client{"qa": sc}}
	m, _ := readSignInEvents(t, clients, map[string]tftypes.Value{
		"app_id": tftypes.NewValue(tftypes.String, app.ID), "since": tftypes.NewValue(tftypes.String, "1h"),
		"limit": tftypes.NewValue(tftypes.Number, 2),
	})
	var events []signInEvent
	if d := m.Events.ElementsAs(ctx, &events, false); d.HasError() {
		t.Fatal(d)
	}
	if len(events) != 2 {
		t.Errorf("events with limit 2: %+v", events)
	}
	for _, e := range events {
		if !(e.Source == sourceOkta && e.Type == "application.user_membership.add" || e.Source == sourceSalesforce && strings.HasPrefix(e.Type, "setup.")) || e.Actor == "" {
			t.Errorf("event %+v is neither the app's assignments nor a Setup change", e)
		}
	}
	if m.SalesforceOrg.ValueString() != "qa" || len(m.SSONames.Elements()) != 1 {
		t.Errorf("salesforce_org %s, sso_names %s", m.SalesforceOrg, m.SSONames)
	}
	start, _ := time.Parse(time.RFC3339, m.WindowStart.ValueString())
	end, _ := time.Parse(time.RFC3339, m.WindowEnd.ValueString())
	if end.Sub(start) != time.Hour {
		t.Errorf("window %s – %s, want an hour", m.WindowStart, m.WindowEnd)
	}

	var logs []url.Values
	for _, u := range oktaSent.take() {
		if u.Path == "/api/v1/logs" {
			logs = append(logs, u.Query())
		}
	}
	if len(logs) != 1 || logs[0].Get("limit") != "2" || logs[0].Get("filter") != `target.id eq "`+app.ID+`"` || logs[0].Get("sortOrder") != "DESCENDING" ||
		logs[0].Get("since") == "" || logs[0].Get("until") == "" {
		t.Errorf("System Log requests: %v, want one with limit 2, the app's filter and the window", logs)
	}
	var soql []string
	for _, u := range sfSent.take() {
		if q := u.Query().Get("q"); q != "" {
			soql = append(soql, q)
		}
	}
	joined := strings.Join(soql, "\n")
	for _, want := range []string{"FROM SamlSsoConfig WHERE Issuer = '" + md.EntityID + "'",
		"FROM LoginHistory WHERE LoginTime >= " + start.UTC().Format("2006-01-02T15:04:05Z"), "ORDER BY LoginTime DESC LIMIT 2",
		"FROM SetupAuditTrail WHERE CreatedDate >= ", "ORDER BY CreatedDate DESC LIMIT 2"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no SOQL query has %q:\n%s", want, joined)
		}
	}
	if len(soql) != 3 {
		t.Errorf("%d SOQL queries, want 3 (settings, LoginHistory, SetupAuditTrail; no sign-in names a user):\n%s", len(soql), joined)
	}

	// outcome FAILURE asks Okta for failures only and skips SetupAuditTrail.
	m, _ = readSignInEvents(t, clients, map[string]tftypes.Value{
		"app_id": tftypes.NewValue(tftypes.String, app.ID), "outcome": tftypes.NewValue(tftypes.String, outcomeFailure),
	})
	if len(m.Events.Elements()) != 0 {
		t.Errorf("failures: %s, want none", m.Events)
	}
	for _, u := range oktaSent.take() {
		if u.Path == "/api/v1/logs" && (!strings.Contains(u.Query().Get("filter"), `outcome.result eq "FAILURE"`) || u.Query().Get("limit") != "200") {
			t.Errorf("failures: System Log query %v", u.Query())
		}
	}
	for _, u := range sfSent.take() {
		if q := u.Query().Get("q"); strings.Contains(q, "SetupAuditTrail") || strings.Contains(q, "LoginHistory") && !strings.Contains(q, "Status != 'Success'") {
			t.Errorf("failures: SOQL %s", q)
		}
	}

	// An app no SSO settings trust: a warning that says so and names the fix, no LoginHistory read.
	other, err := oc.CreateSAMLApp(ctx, &okta.SAMLApp{Label: "Not trusted", SignOn: okta.SAMLSignOn{SSOACSURL: acs, Recipient: acs, Destination: acs,
		Audience: qa.LoginURL, SubjectNameIDTemplate: "${user.userName}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	sfSent.take()
	m, diags := readSignInEvents(t, clients, map[string]tftypes.Value{"app_id": tftypes.NewValue(tftypes.String, other.ID)})
	if len(m.SSONames.Elements()) != 0 || diags.WarningsCount() != 1 || !strings.Contains(diags.Warnings()[0].Detail(), "oktasf_salesforce_sso") {
		t.Errorf("untrusted app: sso_names %s, diagnostics %v", m.SSONames, diags)
	}
	for _, u := range sfSent.take() {
		if strings.Contains(u.Query().Get("q"), "LoginHistory") {
			t.Errorf("LoginHistory read for an app no settings trust: %s", u.Query().Get("q"))
		}
	}
}
