package emu_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// The control API refuses what a web page or a stray local program could send: a cross-origin call, a body
// that is not JSON, a mutating call without the token or with another one. Each refusal says why, and
// changes nothing.
func TestControlAPIRefusesCallsAWebPageCouldMake(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	srv := httptest.NewServer(ctl.Handler())
	t.Cleanup(srv.Close)
	token := ctl.Token()
	const fault = `{"kind":"5xx","count":1}`
	tests := []struct {
		name         string
		method, path string
		body         string
		header       []string // name, value pairs
		want         int
		wantMsg      string // in the answer
	}{
		{"cross-origin POST", http.MethodPost, "/faults", fault,
			[]string{"Origin", "http://evil.example", "Content-Type", "application/json", emu.ControlTokenHeader, token},
			http.StatusForbidden, `Origin \"http://evil.example\" is not the sandbox's own origin`},
		{"opaque origin", http.MethodPost, "/reset", "",
			[]string{"Origin", "null", "Content-Type", "application/json", emu.ControlTokenHeader, token},
			http.StatusForbidden, "cross-origin control call refused"},
		{"cross-origin GET", http.MethodGet, "/stats", "", []string{"Origin", "http://evil.example"},
			http.StatusForbidden, "cross-origin control call refused"},
		{"text/plain POST", http.MethodPost, "/faults", fault,
			[]string{"Content-Type", "text/plain", emu.ControlTokenHeader, token},
			http.StatusUnsupportedMediaType, `Content-Type \"text/plain\" is not application/json`},
		{"form POST without a body", http.MethodPost, "/reset", "",
			[]string{"Content-Type", "application/x-www-form-urlencoded", emu.ControlTokenHeader, token},
			http.StatusUnsupportedMediaType, "is not application/json"},
		{"POST without a content type", http.MethodPost, "/crash", "", []string{emu.ControlTokenHeader, token},
			http.StatusUnsupportedMediaType, "is not application/json"},
		{"DELETE with a text body", http.MethodDelete, "/faults", "x",
			[]string{"Content-Type", "text/plain", emu.ControlTokenHeader, token},
			http.StatusUnsupportedMediaType, "is not application/json"},
		{"missing token", http.MethodPost, "/faults", fault, []string{"Content-Type", "application/json"},
			http.StatusUnauthorized, "no control token; send the control_token"},
		{"missing token on DELETE", http.MethodDelete, "/stats", "", nil,
			http.StatusUnauthorized, "no control token"},
		{"wrong token", http.MethodPost, "/faults", fault,
			[]string{"Content-Type", "application/json", emu.ControlTokenHeader, token + "0"},
			http.StatusUnauthorized, "wrong control token"},
		{"wrong bearer token", http.MethodPost, "/crash", "",
			[]string{"Content-Type", "application/json", "Authorization", "Bearer not-the-token"},
			http.StatusUnauthorized, "wrong control token"},
	}
	for _, tt := range tests {
		status, body, err := call(tt.method, srv.URL+"/__sandbox"+tt.path, tt.body, tt.header...)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if status != tt.want || !strings.Contains(body, tt.wantMsg) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, body, tt.want, tt.wantMsg)
		}
	}
	if len(ctl.Faults()) != 0 || ctl.Crashed() {
		t.Fatalf("a refused call had an effect: faults %+v, crashed %v", ctl.Faults(), ctl.Crashed())
	}
}

// The sandbox's own tools get through: JSON with the token in either header, same-origin Origin, reads
// without a token, and a DELETE without a body needs no content type.
func TestControlAPIAnswersItsOwnTools(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	srv := httptest.NewServer(ctl.Handler())
	t.Cleanup(srv.Close)
	token := ctl.Token()
	if len(token) < 32 || emu.NewControl().Token() == token {
		t.Fatalf("token %q: want 128 random bits, different for every control plane", token)
	}
	tests := []struct {
		name         string
		method, path string
		body         string
		header       []string
		want         int
	}{
		{"token header", http.MethodPost, "/faults", `{"kind":"5xx","count":1}`,
			[]string{"Content-Type", "application/json; charset=utf-8", emu.ControlTokenHeader, token}, http.StatusCreated},
		{"bearer token, same origin", http.MethodPost, "/latency", `{"ms":1}`,
			[]string{"Content-Type", "application/json", "Authorization", "Bearer " + token, "Origin", srv.URL}, http.StatusCreated},
		{"read without token", http.MethodGet, "/faults", "", nil, http.StatusOK},
		{"read, same origin", http.MethodGet, "/stats", "", []string{"Origin", srv.URL}, http.StatusOK},
		{"DELETE without body", http.MethodDelete, "/stats", "", []string{emu.ControlTokenHeader, token}, http.StatusNoContent},
	}
	for _, tt := range tests {
		status, body, err := call(tt.method, srv.URL+"/__sandbox"+tt.path, tt.body, tt.header...)
		if err != nil || status != tt.want {
			t.Errorf("%s: %d %s %v, want %d", tt.name, status, body, err, tt.want)
		}
	}
	if f := ctl.Faults(); len(f) != 1 || f[0].Kind != emu.FaultServerError {
		t.Errorf("faults %+v, want the one added", f)
	}

	ctl.SetToken("restarted")
	if status, body, _ := call(http.MethodPost, srv.URL+"/__sandbox/reset", "", "Content-Type", "application/json", emu.ControlTokenHeader, token); status != http.StatusUnauthorized {
		t.Errorf("old token after SetToken: %d %s, want 401", status, body)
	}
	if status, body, _ := call(http.MethodPost, srv.URL+"/__sandbox/reset", "", "Content-Type", "application/json", emu.ControlTokenHeader, "restarted"); status != http.StatusNoContent {
		t.Errorf("new token after SetToken: %d %s, want 204", status, body)
	}
}

func TestHostPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen  string
		allowed []string
		host    string
		want    bool
	}{
		{"127.0.0.1:7450", nil, "127.0.0.1:7450", true},
		{"127.0.0.1:7450", nil, "localhost:7450", true},
		{"127.0.0.1:7450", nil, "LOCALHOST:7450", true},
		{"127.0.0.1:7450", nil, "[::1]:7450", true},
		{"[::1]:7450", nil, "127.0.0.1:7450", true},
		{"127.0.0.1:7450", nil, "127.0.0.1:7451", false},    // another org's listener
		{"127.0.0.1:7450", nil, "evil.example:7450", false}, // DNS rebinding
		{"127.0.0.1:7450", nil, "localhost.evil.example:7450", false},
		{"127.0.0.1:7450", nil, "127.0.0.1", false}, // port 80
		{"127.0.0.1:7450", nil, "", false},
		{"127.0.0.1:80", nil, "localhost", true},
		{"192.0.2.10:7450", nil, "192.0.2.10:7450", true},
		{"192.0.2.10:7450", nil, "localhost:7450", false}, // not a loopback listener
		{"0.0.0.0:7450", nil, "127.0.0.1:7450", true},
		{"0.0.0.0:7450", nil, "evil.example:7450", false},
		{"127.0.0.1:7450", []string{"sandbox.internal"}, "sandbox.internal:8443", true},
		{"127.0.0.1:7450", []string{"sandbox.internal"}, "sandbox.internal", true},
		{"127.0.0.1:7450", []string{"Sandbox.Internal:8443"}, "sandbox.internal:8443", true},
		{"127.0.0.1:7450", []string{"sandbox.internal:8443"}, "sandbox.internal:8444", false},
		{"127.0.0.1:7450", []string{"[fd00::1]:8443"}, "[fd00::1]:8443", true},
		{"127.0.0.1:7450", []string{"fd00::1"}, "[fd00::1]:9", true},
		{"127.0.0.1:7450", []string{"sandbox.internal"}, "evil.example:7450", false},
	}
	for _, tt := range tests {
		p, err := emu.NewHostPolicy(tt.listen, tt.allowed)
		if err != nil {
			t.Fatalf("NewHostPolicy(%s, %v): %v", tt.listen, tt.allowed, err)
		}
		if got := p.Allows(tt.host); got != tt.want {
			t.Errorf("listener %s allowing %v: Allows(%q) = %v, want %v", tt.listen, tt.allowed, tt.host, got, tt.want)
		}
	}
}

func TestParseAllowedHostsRefusesWhatIsNotAHost(t *testing.T) {
	t.Parallel()
	for _, entry := range []string{"http://sandbox.internal", "sandbox.internal/path", "*.internal", "sandbox.internal:0",
		"sandbox.internal:https", "fd00::zz", ":8443", "user@sandbox.internal"} {
		if _, err := emu.ParseAllowedHosts([]string{entry}); err == nil || !strings.Contains(err.Error(), entry) {
			t.Errorf("ParseAllowedHosts(%q) = %v, want an error naming the entry", entry, err)
		}
	}
	got, err := emu.ParseAllowedHosts([]string{" Sandbox.Internal ", "", "[FD00::1]:8443", "10.0.0.2"})
	if err != nil || strings.Join(got, ",") != "sandbox.internal,[fd00::1]:8443,10.0.0.2" {
		t.Errorf("ParseAllowedHosts = %v %v", got, err)
	}
}

// A foreign Host gets 421 with a message naming it and what the listener answers; the wrapped handler
// never runs.
func TestGuardHostRefusesAForeignHost(t *testing.T) {
	t.Parallel()
	var served int
	srv := httptest.NewUnstartedServer(nil)
	p, err := emu.NewHostPolicy(srv.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = emu.GuardHost(p, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served++
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Start()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Host = "rebound.evil.example:" + port
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(string(b), `refused Host "rebound.evil.example:`) ||
		!strings.Contains(string(b), "--allowed-hosts") || served != 0 {
		t.Errorf("foreign Host: %d %q (handler ran %d times), want 421 naming the Host and --allowed-hosts", resp.StatusCode, b, served)
	}
	if status, body, err := call(http.MethodGet, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/", ""); err != nil || status != 200 || body != "ok" {
		t.Errorf("localhost: %d %q %v, want 200", status, body, err)
	}
}
