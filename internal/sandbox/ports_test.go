package sandbox_test

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Started on port 0 with a state file, the sandbox comes back on the same ports, so every URL a
// configuration holds (ACS, audience, SSO URL, JWT audience) is still right; a taken port is named in the error.
func TestPortsStayTheSameAcrossRestarts(t *testing.T) {
	t.Parallel()
	statePath := filepath.Join(t.TempDir(), "state.json")
	sb1, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", StatePath: statePath})
	if err != nil {
		t.Fatal(err)
	}
	info1 := sb1.Info()
	created := createGroup(t, info1, "Ports Group")
	if err := sb1.Close(); err != nil {
		t.Fatal(err)
	}

	sb2 := start(t, sandbox.Options{Listen: "127.0.0.1:0", StatePath: statePath})
	info2 := sb2.Info()
	if info2.Okta.OrgURL != info1.Okta.OrgURL || info2.ControlURL != info1.ControlURL {
		t.Errorf("Okta URL %s, control URL %s after the restart; want %s, %s", info2.Okta.OrgURL, info2.ControlURL, info1.Okta.OrgURL, info1.ControlURL)
	}
	if len(info2.Salesforce) != len(info1.Salesforce) {
		t.Fatalf("%d orgs after the restart, want %d", len(info2.Salesforce), len(info1.Salesforce))
	}
	for alias, o1 := range info1.Salesforce {
		if o2 := info2.Salesforce[alias]; o2.LoginURL != o1.LoginURL || o2.JWTAudience != o1.JWTAudience {
			t.Errorf("org %s: login URL %s, JWT audience %s after the restart; want %s, %s", alias, o2.LoginURL, o2.JWTAudience, o1.LoginURL, o1.JWTAudience)
		}
	}
	g, err := oktaClient(t, info2).FindGroupByName(context.Background(), "Ports Group")
	if err != nil || g.ID != created {
		t.Fatalf("group after restart = %+v, %v; want id %s", g, err, created)
	}

	// The Okta port is taken (by sb2): a third start from the same file says which port and what to do.
	_, err = sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", StatePath: statePath})
	port := strings.TrimPrefix(info1.Okta.OrgURL, "http://127.0.0.1:")
	if err == nil || !strings.Contains(err.Error(), "port "+port) || !strings.Contains(err.Error(), "--listen") ||
		!strings.Contains(err.Error(), "recorded in "+statePath) {
		t.Fatalf("start while the recorded ports are taken: %v; want an error naming port %s, the state file and --listen", err, port)
	}

	// A fixed port wins over the record.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	if err := sb2.Close(); err != nil {
		t.Fatal(err)
	}
	sb3, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:" + strconv.Itoa(free), StatePath: statePath})
	if err != nil {
		t.Skipf("port %d was taken again in between: %v", free, err)
	}
	t.Cleanup(func() { _ = sb3.Close() })
	if got, want := sb3.Info().Okta.OrgURL, "http://127.0.0.1:"+strconv.Itoa(free); got != want {
		t.Errorf("Okta URL with --listen on port %d: %s, want %s", free, got, want)
	}
}
