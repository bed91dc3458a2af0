package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/cli"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// These tests use plain net/http on fresh connections, not the provider's transport: they must see each
// lost answer, not a retry of it.
var noRetry = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}

// oktaCall sends one Okta API request with the org's API token; status 0 and the error when no answer came.
func oktaCall(info sandbox.Info, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, info.Okta.OrgURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "SSWS "+info.Okta.APIToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := noRetry.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func newGroup(info sandbox.Info, name string) (int, error) {
	status, _, err := oktaCall(info, http.MethodPost, "/api/v1/groups", map[string]any{"profile": map[string]string{"name": name}})
	return status, err
}

// groupNames lists the Okta groups whose names start with prefix.
func groupNames(t *testing.T, info sandbox.Info, prefix string) []string {
	t.Helper()
	status, b, err := oktaCall(info, http.MethodGet, "/api/v1/groups?limit=200&q="+url.QueryEscape(prefix), nil)
	if err != nil || status != 200 {
		t.Fatalf("list groups: %d %v %s", status, err, b)
	}
	var groups []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
	}
	if err := json.Unmarshal(b, &groups); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Profile.Name)
	}
	return names
}

func controlCall(t *testing.T, info sandbox.Info, method, path, body string) (int, error) {
	t.Helper()
	req, err := http.NewRequest(method, info.ControlURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(emu.ControlTokenHeader, info.ControlToken)
	resp, err := noRetry.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// salesforceToken gets an access token for org alias through the client-credentials flow (a write: the
// org stores the session).
func salesforceToken(t *testing.T, info sandbox.Info, alias string) string {
	t.Helper()
	o := info.Salesforce[alias]
	resp, err := noRetry.PostForm(o.LoginURL+"/services/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {o.ClientID}, "client_secret": {o.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil || tok.AccessToken == "" {
		t.Fatalf("salesforce token: status %d", resp.StatusCode)
	}
	return tok.AccessToken
}

func salesforceLimits(info sandbox.Info, alias, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, info.Salesforce[alias].LoginURL+"/services/data/v63.0/limits", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := noRetry.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// waitKilled fails the test unless sb died within a generous deadline.
func waitKilled(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	select {
	case <-sb.Killed():
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not die")
	}
}

// restart brings a dead sandbox back on its addresses and checks that its URLs are the same.
func restart(t *testing.T, sb *sandbox.Sandbox) *sandbox.Sandbox {
	t.Helper()
	sb2, err := sb.Restart()
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { _ = sb2.Close() })
	before, after := sb.Info(), sb2.Info()
	if after.Okta.OrgURL != before.Okta.OrgURL || after.ControlURL != before.ControlURL {
		t.Errorf("Okta URL %s after the restart, want %s", after.Okta.OrgURL, before.Okta.OrgURL)
	}
	if after.ControlToken != before.ControlToken {
		t.Error("control token changed across an in-process restart, want it kept with the URLs")
	}
	for alias, o := range before.Salesforce {
		if after.Salesforce[alias].LoginURL != o.LoginURL {
			t.Errorf("org %s at %s after the restart, want %s", alias, after.Salesforce[alias].LoginURL, o.LoginURL)
		}
	}
	return sb2
}

// A write is in the state file before its answer leaves: crash right after the answers, and the restarted
// sandbox has every acknowledged write (with a save after the answer, as the 50 ms saver did, it would not).
func TestAcknowledgedWritesSurviveACrash(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{StatePath: filepath.Join(t.TempDir(), "state.json")})
	info := sb.Info()
	if status, err := newGroup(info, "Durable Group"); err != nil || status != http.StatusOK {
		t.Fatalf("create group: %d %v", status, err)
	}
	token := salesforceToken(t, info, "qa")
	sb.Crash()
	waitKilled(t, sb)
	if _, err := newGroup(info, "After The Crash"); err == nil {
		t.Fatal("a dead sandbox answered")
	}

	info2 := restart(t, sb).Info()
	if got := groupNames(t, info2, "Durable Group"); len(got) != 1 {
		t.Errorf("groups named Durable Group after the restart: %v, want the acknowledged one", got)
	}
	if status, err := salesforceLimits(info2, "qa", token); err != nil || status != 200 {
		t.Errorf("the acknowledged Salesforce session after the restart: %d %v, want 200", status, err)
	}
}

// Concurrent writes share saves (group commit) and every acknowledged one survives a crash.
func TestBurstOfWritesSurvivesACrash(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{StatePath: filepath.Join(t.TempDir(), "state.json")})
	info := sb.Info()
	const writes = 40
	var wg sync.WaitGroup
	errs := make(chan error, writes)
	for i := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, err := newGroup(info, fmt.Sprintf("Burst %02d", i)); err != nil || status != http.StatusOK {
				errs <- fmt.Errorf("write %d: %d %v", i, status, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sb.Crash()
	waitKilled(t, sb)
	if got := groupNames(t, restart(t, sb).Info(), "Burst "); len(got) != writes {
		t.Errorf("%d of %d acknowledged groups after the restart: %v", len(got), writes, got)
	}
}

// lost_response: the group is created and durable, the client saw a reset connection.
func TestLostResponseCreatesTheObject(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{StatePath: filepath.Join(t.TempDir(), "state.json")})
	info := sb.Info()
	if status, err := controlCall(t, info, http.MethodPost, "/faults", `{"kind":"lost_response","service":"okta","route":"POST /api/v1/groups","count":1}`); err != nil || status != http.StatusCreated {
		t.Fatalf("add fault: %d %v", status, err)
	}
	if status, err := newGroup(info, "Lost Answer"); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("create with a lost response: status %d, err %v, want a reset connection", status, err)
	}
	if got := groupNames(t, info, "Lost Answer"); len(got) != 1 {
		t.Errorf("groups named Lost Answer: %v, want the one created", got)
	}
	var entry *emu.Entry
	for _, e := range sb.Control().Journal() {
		if e.Fault == emu.FaultLostResponse {
			entry = &e
		}
	}
	if entry == nil || entry.Status != 0 || entry.Route != "POST /api/v1/groups" {
		t.Errorf("journal entry of the lost response %+v, want route POST /api/v1/groups, status 0", entry)
	}
	sb.Crash()
	waitKilled(t, sb)
	if got := groupNames(t, restart(t, sb).Info(), "Lost Answer"); len(got) != 1 {
		t.Errorf("groups named Lost Answer after a crash: %v, want the one created (it was durable)", got)
	}
}

// kill_after: the second write gets no answer and the sandbox dies; reads do not count; a write after the
// crash reaches nobody; the restarted sandbox has both writes and nothing after them.
func TestKillAfterTheNthWrite(t *testing.T) {
	t.Parallel()
	sb := start(t, sandbox.Options{StatePath: filepath.Join(t.TempDir(), "state.json")})
	info := sb.Info()
	if status, err := controlCall(t, info, http.MethodPost, "/kill_after", `{"service":"okta","writes_only":true,"after":2}`); err != nil || status != http.StatusCreated {
		t.Fatalf("add kill rule: %d %v", status, err)
	}
	if status, err := newGroup(info, "Kill 1"); err != nil || status != http.StatusOK {
		t.Fatalf("first write: %d %v", status, err)
	}
	_ = groupNames(t, info, "Kill") // a read: not counted
	if status, err := newGroup(info, "Kill 2"); err == nil {
		t.Fatalf("second write answered %d, want no answer", status)
	}
	waitKilled(t, sb)
	if status, err := newGroup(info, "Kill 3"); err == nil {
		t.Fatalf("write after the kill answered %d", status)
	}
	got := groupNames(t, restart(t, sb).Info(), "Kill ")
	if strings.Join(got, ",") != "Kill 1,Kill 2" {
		t.Errorf("groups after the restart: %v, want Kill 1 and Kill 2 (the unanswered write was persisted) and nothing after", got)
	}
}

// The sandbox command exits with 137 when a kill rule fires, and the state file has the killing write.
func TestSandboxCommandExits137OnKill(t *testing.T) {
	t.Parallel()
	statePath := filepath.Join(t.TempDir(), "state.json")
	stdout, w := io.Pipe()
	exit := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		exit <- cli.Run(ctx, []string{"--listen", "127.0.0.1:0", "--state", statePath}, w, io.Discard)
		_ = w.Close()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("ready line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	var info sandbox.Info
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	if status, err := controlCall(t, info, http.MethodPost, "/kill_after", `{"service":"okta","route":"POST /api/v1/groups","after":1}`); err != nil || status != http.StatusCreated {
		t.Fatalf("add kill rule: %d %v", status, err)
	}
	if status, err := newGroup(info, "Killing Write"); err == nil {
		t.Fatalf("the killing write answered %d", status)
	}
	select {
	case code := <-exit:
		if code != cli.ExitKilled {
			t.Fatalf("exit status %d, want %d", code, cli.ExitKilled)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox command did not exit")
	}

	// Back on the same addresses from the same file.
	opts := sandbox.Options{Listen: strings.TrimPrefix(info.Okta.OrgURL, "http://"), StatePath: statePath, SalesforceListen: map[string]string{}}
	for alias, o := range info.Salesforce {
		opts.SalesforceListen[alias] = strings.TrimPrefix(o.LoginURL, "http://")
	}
	sb := start(t, opts)
	if sb.Info().Okta.APIToken != info.Okta.APIToken {
		t.Error("credentials changed across the crash")
	}
	if got := groupNames(t, sb.Info(), "Killing Write"); len(got) != 1 {
		t.Errorf("groups named Killing Write after the restart: %v, want the write that was handled before the kill", got)
	}
}
