package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/cli"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// request sends method to rawURL with Host host (empty: the URL's) and header pairs, and returns the
// status and body.
func request(t *testing.T, method, rawURL, host, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRetry.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %s): %v", method, rawURL, host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func withPort(t *testing.T, rawURL, host string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(host, u.Port())
}

// The control API, the Okta org and every Salesforce org refuse a Host that is not theirs (a page that
// re-pointed its own name at 127.0.0.1), and answer the loopback names of their address and the allow-list.
func TestEveryListenerRefusesAForeignHost(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{AllowedHosts: []string{"sandbox.proxy.test"}})
	info := sb.Info()
	type endpoint struct {
		name, method, url, body string
		header                  []string
		want                    int // with an allowed Host
	}
	endpoints := []endpoint{
		{"control stats", http.MethodGet, info.ControlURL + "/stats", "", nil, http.StatusOK},
		{"control reset", http.MethodPost, info.ControlURL + "/reset", "", []string{"Content-Type", "application/json", emu.ControlTokenHeader, info.ControlToken}, http.StatusNoContent},
		{"Okta API", http.MethodGet, info.Okta.OrgURL + "/api/v1/groups?limit=1", "", []string{"Authorization", "SSWS " + info.Okta.APIToken}, http.StatusOK},
	}
	for alias, o := range info.Salesforce {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {o.ClientID}, "client_secret": {o.ClientSecret}}.Encode()
		endpoints = append(endpoints, endpoint{"Salesforce " + alias + " token", http.MethodPost, o.LoginURL + "/services/oauth2/token", form,
			[]string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusOK})
	}
	for _, e := range endpoints {
		for _, host := range []string{"rebound.evil.example", "sandbox.proxy.test.evil.example", "127.0.0.2"} {
			foreign := withPort(t, e.url, host)
			status, body := request(t, e.method, e.url, foreign, e.body, e.header...)
			if status != http.StatusMisdirectedRequest || !strings.Contains(body, `refused Host "`+foreign+`"`) {
				t.Errorf("%s with Host %s: %d %q, want 421 naming the Host", e.name, foreign, status, body)
			}
		}
		for _, host := range []string{"", withPort(t, e.url, "localhost"), "sandbox.proxy.test:443", "sandbox.proxy.test"} {
			if status, body := request(t, e.method, e.url, host, e.body, e.header...); status != e.want {
				t.Errorf("%s with Host %q: %d %s, want %d", e.name, host, status, body, e.want)
			}
		}
	}
	// The Salesforce org answers only its own port, not another listener's of the same sandbox.
	qa := info.Salesforce["qa"].LoginURL
	if status, _ := request(t, http.MethodGet, qa+"/services/data", withPort(t, info.Okta.OrgURL, "127.0.0.1"), ""); status != http.StatusMisdirectedRequest {
		t.Errorf("org qa with the Okta listener's Host: %d, want 421", status)
	}
}

// Over HTTP on a running sandbox: a cross-origin POST, a text/plain POST and a POST without or with another
// token are refused and change nothing; the call as the sandbox's tools make it works.
func TestControlAPIRefusesWebPages(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{})
	info := sb.Info()
	if len(info.ControlToken) < 32 {
		t.Fatalf("control token %q in the ready info, want a random one", info.ControlToken)
	}
	other := start(t, sandbox.Options{}).Info().ControlToken
	if other == info.ControlToken {
		t.Fatal("two sandboxes share a control token")
	}
	const fault = `{"kind":"5xx","service":"okta","count":1}`
	jsonToken := []string{"Content-Type", "application/json", emu.ControlTokenHeader, info.ControlToken}
	tests := []struct {
		name    string
		header  []string
		want    int
		wantMsg string
	}{
		{"cross-origin POST", append([]string{"Origin", "http://evil.example"}, jsonToken...), http.StatusForbidden, "is not the sandbox's own origin"},
		{"rebound-origin POST", append([]string{"Origin", "http://" + withPort(t, info.Okta.OrgURL, "evil.example")}, jsonToken...), http.StatusForbidden, "cross-origin"},
		{"text/plain POST", []string{"Content-Type", "text/plain;charset=UTF-8", emu.ControlTokenHeader, info.ControlToken}, http.StatusUnsupportedMediaType, "is not application/json"},
		{"missing token", []string{"Content-Type", "application/json"}, http.StatusUnauthorized, "no control token"},
		{"another sandbox's token", []string{"Content-Type", "application/json", emu.ControlTokenHeader, other}, http.StatusUnauthorized, "wrong control token"},
	}
	for _, tt := range tests {
		status, body := request(t, http.MethodPost, info.ControlURL+"/faults", "", fault, tt.header...)
		if status != tt.want || !strings.Contains(body, tt.wantMsg) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, body, tt.want, tt.wantMsg)
		}
	}
	if f := sb.Control().Faults(); len(f) != 0 {
		t.Fatalf("refused calls added faults: %+v", f)
	}
	if status, body := request(t, http.MethodPost, info.ControlURL+"/faults", "", fault, append([]string{"Origin", info.Okta.OrgURL}, jsonToken...)...); status != http.StatusCreated {
		t.Fatalf("the sandbox's own call: %d %s, want 201", status, body)
	}
	if f := sb.Control().Faults(); len(f) != 1 {
		t.Errorf("faults %+v, want the one added", f)
	}
}

func TestStartRefusesAMalformedAllowList(t *testing.T) {
	t.Parallel()
	_, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", AllowedHosts: []string{"https://sandbox.proxy.test"}})
	if err == nil || !strings.Contains(err.Error(), `"https://sandbox.proxy.test"`) {
		t.Fatalf("err = %v, want one naming the entry", err)
	}
}

// The sandbox command prints the control token in its ready line and takes --allowed-hosts.
func TestSandboxCommandPrintsTheControlTokenAndTakesAllowedHosts(t *testing.T) {
	t.Parallel()
	stdout, w := io.Pipe()
	exit := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		exit <- cli.Run(ctx, []string{"--listen", "127.0.0.1:0", "--allowed-hosts", "a.proxy.test, b.proxy.test:8443"}, w, io.Discard)
		_ = w.Close()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("ready line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	var ready map[string]any
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	token, _ := ready["control_token"].(string)
	controlURL, _ := ready["control_url"].(string)
	if len(token) < 32 {
		t.Fatalf("ready line's control_token %q, want a random token", token)
	}
	for host, want := range map[string]int{"a.proxy.test:9": http.StatusNoContent, "b.proxy.test:8443": http.StatusNoContent,
		"b.proxy.test:8444": http.StatusMisdirectedRequest, "c.proxy.test": http.StatusMisdirectedRequest} {
		if status, body := request(t, http.MethodDelete, controlURL+"/faults", host, "", emu.ControlTokenHeader, token); status != want {
			t.Errorf("DELETE faults with Host %s: %d %s, want %d", host, status, body, want)
		}
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit status %d after cancel, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox command did not stop")
	}

	var stderr strings.Builder
	if code := cli.Run(context.Background(), []string{"--listen", "127.0.0.1:0", "--allowed-hosts", "proxy.test/path"}, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), `"proxy.test/path"`) {
		t.Errorf("malformed --allowed-hosts: exit %d, stderr %q; want 1 and a message naming the entry", code, stderr.String())
	}
}
