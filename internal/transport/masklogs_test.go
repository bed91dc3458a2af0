package transport_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// wireLog is a Base that logs every request and response as it crosses the wire, headers and bodies raw,
// with the request's context: the kind of line a debugging transport or a careless new log call writes
// without Redact. It keeps the credentials it saw (unlogged) so the test knows what must not appear.
type wireLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (w *wireLog) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	w.keep(req.Header.Get("Authorization"))
	tflog.Trace(ctx, "wire request "+req.Method+" "+req.URL.String(), map[string]any{"header": fmt.Sprint(req.Header), "body": string(body)})
	resp, err := w.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	tflog.Trace(ctx, "wire response", map[string]any{"status": resp.StatusCode, "header": fmt.Sprint(resp.Header), "body": string(respBody)})
	return resp, nil
}

func (w *wireLog) keep(authorization string) {
	_, credential, ok := strings.Cut(authorization, " ")
	if !ok {
		return
	}
	w.mu.Lock()
	w.seen = append(w.seen, credential)
	w.mu.Unlock()
}

// Every line logged on a request's way through the transport is masked, also lines that never pass Redact:
// real Okta (API token, OAuth service app) and Salesforce (JWT bearer, client credentials) clients against
// the sandbox, and a SAML response posted to an org's ACS, all logged at trace level and raw by wireLog.
func TestRequestPathLogsAreMasked(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	info := sb.Info()
	wire := &wireLog{next: cleanhttp.DefaultPooledTransport()}
	httpClient := func(service string) *http.Client {
		return transport.NewHTTPClient(transport.Config{Service: service, Base: wire})
	}
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)

	oktaToken, err := okta.New(ctx, okta.Config{OrgURL: info.Okta.OrgURL, APIToken: info.Okta.APIToken, HTTPClient: httpClient(transport.ServiceOkta)})
	if err != nil {
		t.Fatal(err)
	}
	oktaApp, err := okta.New(ctx, okta.Config{OrgURL: info.Okta.OrgURL, ClientID: info.Okta.ClientID, PrivateKey: info.Okta.PrivateKey,
		PrivateKeyID: info.Okta.PrivateKeyID, Scopes: info.Okta.Scopes, HTTPClient: httpClient(transport.ServiceOkta)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*okta.Client{oktaToken, oktaApp} {
		if _, err := c.FindGroupByName(ctx, "Salesforce Sales"); err != nil {
			t.Fatal(err)
		}
	}
	qa, uat := info.Salesforce["qa"], info.Salesforce["uat"]
	jwtBearer, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: qa.LoginURL, ClientID: qa.ClientID, Username: qa.Username,
		PrivateKey: qa.PrivateKey, JWTAudience: qa.JWTAudience, HTTPClient: httpClient(transport.ServiceSalesforce)})
	if err != nil {
		t.Fatal(err)
	}
	clientCredentials, err := salesforce.New(salesforce.Config{Alias: "uat", LoginURL: uat.LoginURL, ClientID: uat.ClientID,
		ClientSecret: uat.ClientSecret, HTTPClient: httpClient(transport.ServiceSalesforce)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*salesforce.Client{jwtBearer, clientCredentials} {
		if _, err := c.ListProfiles(ctx); err != nil {
			t.Fatal(err)
		}
	}
	samlResponse := base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Version="2.0">` +
		`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"><saml:Subject>ada@acme.example</saml:Subject></saml:Assertion></samlp:Response>`))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, qa.LoginURL+"/", strings.NewReader(url.Values{"SAMLResponse": {samlResponse}, "RelayState": {"/home"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := httpClient(transport.ServiceSalesforce).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	out := logs.String()
	secrets := map[string]string{
		"Okta API token": info.Okta.APIToken, "uat client secret": uat.ClientSecret, "SAML response": samlResponse,
		"SAML response (form-encoded)": url.QueryEscape(samlResponse)[:40],
	}
	for i, credential := range wire.seen {
		secrets[fmt.Sprintf("credential %d on the wire", i)] = credential
	}
	for i, line := range strings.Split(qa.PrivateKey, "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			secrets[fmt.Sprintf("qa private key line %d", i)] = line
		}
	}
	if len(wire.seen) < 4 || secrets["Okta API token"] == "" || secrets["uat client secret"] == "" {
		t.Fatalf("the run carried %d credentials (Okta token and OAuth, two Salesforce sessions): the check would prove nothing", len(wire.seen))
	}
	for _, want := range []string{"wire request GET", "wire request POST", `"body":"`, "/services/oauth2/token", "/api/v1/groups", "SAMLResponse", "***", `"@message":"HTTP request"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s: the requests were not logged, so the check proves nothing", want)
		}
	}
	for what, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains the %s unmasked", what)
		}
	}
	for _, shape := range []string{"assertion=eyJ", "client_secret=" + uat.ClientSecret[:4], `"access_token":"00D`, "SSWS 00", "Bearer eyJ", "Bearer 00D"} {
		if strings.Contains(out, shape) {
			t.Errorf("the log contains %q…", shape)
		}
	}
}
