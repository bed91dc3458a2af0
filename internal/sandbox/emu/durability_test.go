package emu_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// faultServer serves the fake service's "POST /things" (a write: it calls Changed and answers 201) and
// "GET /things" (a read) through ctl.Wrap, and the control API beside them. writes counts handled writes.
func faultServer(t *testing.T, ctl *emu.Control, writes *atomic.Int32) *httptest.Server {
	t.Helper()
	svc := &fakeService{}
	ctl.Register(svc)
	mux := http.NewServeMux()
	mux.Handle("/__sandbox/", ctl.Handler())
	mux.Handle("POST /things", ctl.Wrap(svc, "POST /things", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writes.Add(1)
		ctl.Changed()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"1"}`)
	})))
	mux.Handle("GET /things", ctl.Wrap(svc, "GET /things", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `[]`)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// controlCall sends one control API call as the sandbox's tools do: JSON, with ctl's token.
func controlCall(ctl *emu.Control, method, url, body string) (int, string, error) {
	return call(method, url, body, "Content-Type", "application/json", emu.ControlTokenHeader, ctl.Token())
}

// call sends one request on a fresh connection and returns the status, or 0 and the error when no answer came.
// header holds name, value pairs.
func call(method, url, body string, header ...string) (int, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// With OnSync set, a request that changed state is answered only after sync returned; a read is answered
// without a sync.
func TestAnswerWaitsUntilTheChangeIsDurable(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	entered, release := make(chan struct{}), make(chan struct{})
	var syncs atomic.Int32
	ctl.OnSync(func() error {
		syncs.Add(1)
		entered <- struct{}{}
		<-release
		return nil
	})
	var writes atomic.Int32
	srv := faultServer(t, ctl, &writes)

	if status, _, err := call(http.MethodGet, srv.URL+"/things", ""); err != nil || status != 200 || syncs.Load() != 0 {
		t.Fatalf("read: status %d, err %v, syncs %d; want 200 without a sync", status, err, syncs.Load())
	}
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		status, body, err := call(http.MethodPost, srv.URL+"/things", "{}")
		answered <- answer{status, body, err}
	}()
	<-entered // the write was handled and now waits for its save
	select {
	case a := <-answered:
		t.Fatalf("the write was answered (%d %v) before its change was durable", a.status, a.err)
	default:
	}
	close(release)
	if a := <-answered; a.err != nil || a.status != http.StatusCreated || a.body != `{"id":"1"}` {
		t.Fatalf("write after the save: %d %q %v, want 201 with the handler's body", a.status, a.body, a.err)
	}
}

// A change that could not be saved is not acknowledged: the client gets the service's 503.
func TestChangeThatCannotBeSavedIsNotAcknowledged(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	ctl.OnSync(func() error { return errors.New("disk full") })
	var writes atomic.Int32
	srv := faultServer(t, ctl, &writes)
	if status, body, err := call(http.MethodPost, srv.URL+"/things", "{}"); err != nil || status != http.StatusServiceUnavailable || body != "" {
		t.Fatalf("write whose save failed: %d %q %v, want 503 without the handler's body", status, body, err)
	}
}

// lost_response: the write is handled (and saved), then the connection is reset instead of answered; it is
// counted and journaled like any injected fault.
func TestLostResponseHandlesTheWriteThenResets(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var syncs atomic.Int32
	ctl.OnSync(func() error { syncs.Add(1); return nil })
	var writes atomic.Int32
	srv := faultServer(t, ctl, &writes)
	if status, _, _ := controlCall(ctl, http.MethodPost, srv.URL+"/__sandbox/faults", `{"kind":"lost_response","service":"fake","route":"POST","count":1}`); status != http.StatusCreated {
		t.Fatalf("add lost_response fault: status %d", status)
	}

	if status, _, err := call(http.MethodPost, srv.URL+"/things", "{}"); err == nil {
		t.Fatalf("write with a lost response answered %d, want a reset connection", status)
	}
	if writes.Load() != 1 || syncs.Load() != 1 {
		t.Errorf("handled %d writes with %d saves, want the write handled and saved once", writes.Load(), syncs.Load())
	}
	if f := ctl.Faults(); len(f) != 1 || f[0].Injected != 1 {
		t.Errorf("fault rules %+v, want one injected once", f)
	}
	j := ctl.Journal()
	if len(j) != 1 || j[0].Fault != emu.FaultLostResponse || j[0].Status != 0 || j[0].Route != "POST /things" {
		t.Errorf("journal %+v, want the write with fault %q and status 0", j, emu.FaultLostResponse)
	}
	if status, _, err := call(http.MethodPost, srv.URL+"/things", "{}"); err != nil || status != http.StatusCreated {
		t.Errorf("next write: %d %v, want 201 (count 1 spent)", status, err)
	}
}

// A kill rule crashes after the N-th matching write was handled and saved, answering it nothing; reads do
// not count with writes_only, and nothing is answered or handled after the crash.
func TestKillRuleCrashesAfterTheNthWrite(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var crashes, syncs atomic.Int32
	ctl.OnCrash(func() { crashes.Add(1) })
	ctl.OnSync(func() error { syncs.Add(1); return nil })
	var writes atomic.Int32
	srv := faultServer(t, ctl, &writes)
	if status, _, _ := controlCall(ctl, http.MethodPost, srv.URL+"/__sandbox/kill_after", `{"service":"fake","route":"","writes_only":true,"after":2}`); status != http.StatusCreated {
		t.Fatalf("add kill rule: status %d", status)
	}

	if status, _, err := call(http.MethodGet, srv.URL+"/things", ""); err != nil || status != 200 {
		t.Fatalf("read: %d %v", status, err)
	}
	if status, _, err := call(http.MethodPost, srv.URL+"/things", "{}"); err != nil || status != http.StatusCreated {
		t.Fatalf("first write: %d %v, want 201", status, err)
	}
	if ctl.Crashed() {
		t.Fatal("crashed after one write, want after the second")
	}
	if status, _, err := call(http.MethodPost, srv.URL+"/things", "{}"); err == nil {
		t.Fatalf("second write answered %d, want no answer", status)
	}
	if !ctl.Crashed() || crashes.Load() != 1 || writes.Load() != 2 || syncs.Load() != 2 {
		t.Fatalf("crashed %v (%d times), %d writes handled with %d saves; want one crash after 2 saved writes", ctl.Crashed(), crashes.Load(), writes.Load(), syncs.Load())
	}
	if k := ctl.KillRules(); len(k) != 1 || k[0].Seen != 2 {
		t.Errorf("kill rules %+v, want one that saw 2 writes", k)
	}
	if status, _, err := call(http.MethodPost, srv.URL+"/things", "{}"); err == nil || writes.Load() != 2 {
		t.Errorf("write after the crash: %d %v, %d writes handled; want no answer and nothing handled", status, err, writes.Load())
	}
	j := ctl.Journal()
	if len(j) < 3 || j[2].Fault != emu.JournalKilled || j[2].Status != 0 {
		t.Errorf("journal %+v, want the second write journaled with fault %q and status 0", j, emu.JournalKilled)
	}
}

// POST /__sandbox/crash crashes at once and answers nothing.
func TestCrashCallAnswersNothing(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var crashes atomic.Int32
	ctl.OnCrash(func() { crashes.Add(1) })
	var writes atomic.Int32
	srv := faultServer(t, ctl, &writes)
	if status, _, err := controlCall(ctl, http.MethodPost, srv.URL+"/__sandbox/crash", ""); err == nil {
		t.Fatalf("crash answered %d, want no answer", status)
	}
	if crashes.Load() != 1 || !ctl.Crashed() {
		t.Fatalf("crash hook ran %d times, want 1", crashes.Load())
	}
}

func TestControlAPIValidatesFaultsAndKillRules(t *testing.T) {
	t.Parallel()
	ctl := emu.NewControl()
	var writes atomic.Int32
	srv := faultServer(t, ctl, &writes)
	tests := []struct {
		path, body string
		want       int
	}{
		{"faults", `{"kind":"lost_response"}`, http.StatusCreated},
		{"faults", `{"kind":"429","limit":"daily","reset_seconds":2}`, http.StatusCreated},
		{"faults", `{"kind":"429","limit":"concurrent"}`, http.StatusCreated},
		{"faults", `{"kind":"429","limit":"weekly"}`, http.StatusBadRequest},
		{"faults", `{"kind":"5xx","limit":"daily"}`, http.StatusBadRequest},
		{"kill_after", `{"after":1,"service":"okta","route":"POST /api/v1/groups","writes_only":true}`, http.StatusCreated},
		{"kill_after", `{"after":0}`, http.StatusBadRequest},
		{"kill_after", `{"after":"two"}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		if status, body, err := controlCall(ctl, http.MethodPost, srv.URL+"/__sandbox/"+tt.path, tt.body); err != nil || status != tt.want {
			t.Errorf("POST %s %s: %d %s %v, want %d", tt.path, tt.body, status, body, err, tt.want)
		}
	}
	if status, body, _ := controlCall(ctl, http.MethodGet, srv.URL+"/__sandbox/kill_after", ""); status != 200 || body != `[{"service":"okta","route":"POST /api/v1/groups","writes_only":true,"after":1,"seen":0}]`+"\n" {
		t.Errorf("GET kill_after: %d %s", status, body)
	}
	if status, _, _ := controlCall(ctl, http.MethodDelete, srv.URL+"/__sandbox/kill_after", ""); status != http.StatusNoContent || len(ctl.KillRules()) != 0 {
		t.Errorf("DELETE kill_after: %d, rules left %+v", status, ctl.KillRules())
	}
}
