// Package sandbox runs the local Okta org and Salesforce orgs in one process: it starts each emulator on
// its own loopback listener, serves the control API beside the Okta org, and persists state atomically.
package sandbox

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// Seed is the sandbox's starting content: one Okta org and the Salesforce orgs by alias.
type Seed struct {
	Okta       oktaemu.Seed             `json:"okta"`
	Salesforce map[string]sfemu.OrgSeed `json:"salesforce"`
}

//go:embed default_seed.json
var defaultSeed []byte

// DefaultSeed returns the seed used when none is given: an Okta org with a few users and groups, and the
// Salesforce orgs qa and uat (sandboxes) and prod.
func DefaultSeed() (Seed, error) { return ParseSeed(defaultSeed) }

// ParseSeed reads a seed file, refusing unknown keys so that a typo does not go unnoticed.
func ParseSeed(b []byte) (Seed, error) {
	var s Seed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("parse seed: %w", err)
	}
	if len(s.Salesforce) == 0 {
		return Seed{}, errors.New("parse seed: the seed names no Salesforce org (\"salesforce\": {\"qa\": {...}})")
	}
	return s, nil
}

// Options configure Start.
type Options struct {
	// Listen is the address of the Okta org and the control API, e.g. "127.0.0.1:7450". With a fixed port,
	// Salesforce orgs listen on the following ports in alias order, so URLs stay the same across restarts;
	// with port 0 every listener gets a free port, or, when the state file records the ports of the sandbox
	// that wrote it, those ports again (so a restart keeps the URLs).
	Listen string
	// SalesforceListen overrides the listen address of Salesforce orgs by alias (RestartOptions sets it, so
	// that a sandbox started on port 0 comes back on the ports it had).
	SalesforceListen map[string]string
	// StatePath is the file state persists to; empty keeps state in memory only. With it, every request that
	// changes state is answered only once the change is in the file.
	StatePath string
	// Seed is the starting content when StatePath does not exist yet; nil means DefaultSeed.
	Seed *Seed
	// OktaScopes are the scopes granted to the Okta service app, replacing those of a restored state;
	// nil keeps them (a new org's service app holds every scope the emulator knows).
	OktaScopes []string
	// AllowedHosts are Host header values answered besides the listen addresses (and, for loopback or wildcard
	// addresses, 127.0.0.1, localhost and [::1] with the same port): "host" for any port or "host:port", for
	// tests that reach the sandbox through a proxy. Every other Host is refused with 421 (DNS rebinding).
	AllowedHosts []string
	// ControlToken is the token mutating control API calls must carry; empty makes a random one (RestartOptions
	// passes the running sandbox's on).
	ControlToken string
}

// Info is everything a client needs, printed as one JSON line when the sandbox is ready.
type Info struct {
	Okta       OktaInfo                  `json:"okta"`
	Salesforce map[string]SalesforceInfo `json:"salesforce"`
	ControlURL string                    `json:"control_url"`
	// ControlToken must accompany every control call other than GET, in the X-Sandbox-Control-Token header.
	ControlToken string `json:"control_token"`
}

// OktaInfo holds the Okta org URL and its credentials.
type OktaInfo struct {
	OrgURL       string   `json:"org_url"`
	APIToken     string   `json:"api_token"`
	ClientID     string   `json:"client_id"`
	PrivateKey   string   `json:"private_key"`
	PrivateKeyID string   `json:"private_key_id"`
	Scopes       []string `json:"scopes"` // granted to the service app
}

// SalesforceInfo holds one org's login URL and connected-app credentials.
type SalesforceInfo struct {
	LoginURL     string `json:"login_url"`
	OrgID        string `json:"org_id"`
	IsSandbox    bool   `json:"is_sandbox"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Username     string `json:"username"`
	PrivateKey   string `json:"private_key"`
	// JWTAudience is the JWT bearer aud the org accepts; a loopback login URL cannot tell the provider.
	JWTAudience string `json:"jwt_audience"`
}

// Sandbox is a running sandbox.
type Sandbox struct {
	control   *emu.Control
	okta      *oktaemu.Server
	orgs      map[string]*sfemu.Org
	aliases   []string
	seed      Seed
	info      Info
	servers   []*http.Server
	addrs     []string // listen addresses: Okta, then the orgs in alias order
	opts      Options
	statePath string
	portsJSON []byte // recordedPorts of the listeners, saved with the state

	saveMu  sync.Mutex // serialises writes of the state file
	crashed bool       // under saveMu: no save after a crash

	// Group commit: changes counts state changes; a save that starts when changes is n makes every change
	// up to n durable. Writers wait for a save that started after their change, so a burst costs few saves.
	changes  atomic.Uint64
	commitMu sync.Mutex
	commit   *sync.Cond
	durable  uint64 // under commitMu
	saving   bool   // under commitMu

	dirty     chan struct{}
	stop      chan struct{}
	stopOnce  sync.Once
	saverDone chan struct{}
	closeOnce sync.Once
	killed    chan struct{}
}

// persisted is the state file's shape.
type persisted struct {
	Version    int                        `json:"version"`
	Ports      *recordedPorts             `json:"ports,omitempty"`
	Okta       json.RawMessage            `json:"okta"`
	Salesforce map[string]json.RawMessage `json:"salesforce"`
}

// recordedPorts are the ports a sandbox listened on, kept in its state file so that a restart on port 0
// takes them again: the emulators' URLs (and so the SAML apps' ACS URLs, audiences and SSO URLs that
// configurations hold) stay the same.
type recordedPorts struct {
	Okta       int            `json:"okta"`
	Salesforce map[string]int `json:"salesforce"`
}

// Start boots the emulators, restores state from StatePath when it exists, and starts serving.
func Start(opts Options) (*Sandbox, error) {
	seed := opts.Seed
	if seed == nil {
		s, err := DefaultSeed()
		if err != nil {
			return nil, err
		}
		seed = &s
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if _, err := emu.ParseAllowedHosts(opts.AllowedHosts); err != nil {
		return nil, err
	}
	sb := &Sandbox{
		control: emu.NewControl(), orgs: map[string]*sfemu.Org{}, seed: *seed, opts: opts, statePath: opts.StatePath,
		dirty: make(chan struct{}, 1), stop: make(chan struct{}), saverDone: make(chan struct{}), killed: make(chan struct{}),
	}
	sb.commit = sync.NewCond(&sb.commitMu)
	if opts.ControlToken != "" {
		sb.control.SetToken(opts.ControlToken)
	}
	for alias := range seed.Salesforce {
		sb.aliases = append(sb.aliases, alias)
	}
	sort.Strings(sb.aliases)

	listeners, err := sb.listenRecorded()
	if err != nil {
		return nil, err
	}
	if listeners == nil {
		if listeners, err = listen(opts.Listen, sb.aliases, opts.SalesforceListen); err != nil {
			return nil, err
		}
	}
	closeAll := func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}
	baseURL := func(l net.Listener) string { return "http://" + l.Addr().String() }

	sb.okta, err = oktaemu.New(oktaemu.Config{BaseURL: baseURL(listeners[0]), Control: sb.control}, seed.Okta)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start the Okta emulator: %w", err)
	}
	sb.control.Register(sb.okta)
	dir := sfemu.NewDirectory()
	for i, alias := range sb.aliases {
		org, err := sfemu.New(sfemu.Config{Alias: alias, BaseURL: baseURL(listeners[i+1]), Control: sb.control, Directory: dir}, seed.Salesforce[alias])
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("start the Salesforce emulator for org %q: %w", alias, err)
		}
		sb.control.Register(org)
		sb.orgs[alias] = org
	}
	if opts.StatePath != "" {
		if err := sb.load(); err != nil {
			closeAll()
			return nil, err
		}
	}
	if opts.OktaScopes != nil {
		if err := sb.okta.GrantScopes(opts.OktaScopes); err != nil {
			closeAll()
			return nil, err
		}
	}
	sb.control.OnChange(sb.noteChange)
	sb.control.OnReset(sb.reset)
	sb.control.OnCrash(sb.crash)
	if opts.StatePath != "" {
		sb.control.OnSync(sb.sync)
	}

	oktaMux := http.NewServeMux()
	oktaMux.Handle("/__sandbox/", sb.control.Handler())
	oktaMux.Handle("/", sb.okta.Handler())
	handlers := []http.Handler{oktaMux}
	for _, alias := range sb.aliases {
		handlers = append(handlers, sb.orgs[alias].Handler())
	}
	for i, l := range listeners {
		hosts, err := emu.NewHostPolicy(l.Addr().String(), opts.AllowedHosts)
		if err != nil {
			closeAll()
			return nil, err
		}
		handlers[i] = emu.GuardHost(hosts, handlers[i])
	}
	ports := recordedPorts{Salesforce: map[string]int{}}
	for i, l := range listeners {
		srv := &http.Server{Handler: handlers[i], ReadHeaderTimeout: 10 * time.Second}
		sb.servers = append(sb.servers, srv)
		sb.addrs = append(sb.addrs, l.Addr().String())
		port := l.Addr().(*net.TCPAddr).Port
		if i == 0 {
			ports.Okta = port
		} else {
			ports.Salesforce[sb.aliases[i-1]] = port
		}
	}
	// Recorded before any listener serves: a request's save reads it.
	if sb.portsJSON, err = json.Marshal(ports); err != nil {
		closeAll()
		return nil, err
	}
	for i, l := range listeners {
		srv := sb.servers[len(sb.servers)-len(listeners)+i]
		go func() { _ = srv.Serve(l) }()
	}
	go sb.saver()
	sb.info = sb.buildInfo(baseURL(listeners[0]))
	if opts.StatePath != "" {
		// Write the file before the ready line, so a fresh sandbox's credentials survive a crash.
		sb.noteChange()
		if err := sb.sync(); err != nil {
			_ = sb.Close()
			return nil, fmt.Errorf("write sandbox state %s: %w", opts.StatePath, err)
		}
	}
	return sb, nil
}

// RecordedPorts reports whether the state file at path records the ports of the sandbox that wrote it
// (a missing or unreadable file records none).
func RecordedPorts(path string) bool {
	ports, err := readRecordedPorts(path)
	return err == nil && ports != nil
}

func readRecordedPorts(path string) (*recordedPorts, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sandbox state %s: %w", path, err)
	}
	defer f.Close()
	// save writes "ports" before the emulators' state: read up to it, not the whole (possibly large) file.
	dec := json.NewDecoder(bufio.NewReader(f))
	bad := func(err error) error {
		return fmt.Errorf("sandbox state %s is not valid JSON (%v); move it away to start from the seed", path, err)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, bad(fmt.Errorf("want an object, got %v: %v", tok, err))
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		if key == "ports" {
			var ports *recordedPorts
			if err := dec.Decode(&ports); err != nil {
				return nil, bad(err)
			}
			return ports, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, bad(err)
		}
	}
	return nil, nil
}

// listenRecorded opens the listeners on the ports the state file records, when the sandbox is asked for
// port 0 with a state file that records them; otherwise it returns nil and no error. An org the record does
// not name gets a free port.
func (sb *Sandbox) listenRecorded() ([]net.Listener, error) {
	if sb.statePath == "" || sb.opts.SalesforceListen != nil {
		return nil, nil
	}
	host, port, err := net.SplitHostPort(sb.opts.Listen)
	if err != nil || port != "0" {
		return nil, nil //nolint:nilerr // a fixed port (or a bad address, which listen reports) wins over the record
	}
	rec, err := readRecordedPorts(sb.statePath)
	if err != nil || rec == nil || rec.Okta == 0 {
		return nil, err
	}
	type want struct {
		port int
		what string
	}
	wants := []want{{rec.Okta, "the Okta org's"}}
	for _, alias := range sb.aliases {
		wants = append(wants, want{rec.Salesforce[alias], fmt.Sprintf("Salesforce org %q's", alias)})
	}
	var ls []net.Listener
	for _, w := range wants {
		at := net.JoinHostPort(host, strconv.Itoa(w.port))
		l, err := net.Listen("tcp", at)
		if err != nil {
			for _, o := range ls {
				_ = o.Close()
			}
			return nil, fmt.Errorf("listen on %s, %s port recorded in %s so that URLs stay the same across restarts: %w; "+
				"stop the process that uses port %d, or pass --listen with a fixed port (URLs then change, and the next plan updates what holds them)",
				at, w.what, sb.statePath, err, w.port)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// listen opens the Okta/control listener and one per Salesforce org (in alias order): on the ports after
// addr's, on free ports when addr's is 0, or where orgAddrs says.
func listen(addr string, aliases []string, orgAddrs map[string]string) ([]net.Listener, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w (use host:port, e.g. 127.0.0.1:7450)", addr, err)
	}
	orgs := len(aliases)
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port+orgs > 65535 {
		return nil, fmt.Errorf("listen address %q: the port must be a number from 0 to %d", addr, 65535-orgs)
	}
	var ls []net.Listener
	for i := 0; i <= orgs; i++ {
		p := 0
		if port != 0 {
			p = port + i
		}
		at := net.JoinHostPort(host, strconv.Itoa(p))
		if i > 0 && orgAddrs[aliases[i-1]] != "" {
			at = orgAddrs[aliases[i-1]]
		}
		l, err := net.Listen("tcp", at)
		if err != nil {
			for _, o := range ls {
				_ = o.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w", at, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func (sb *Sandbox) buildInfo(oktaURL string) Info {
	oc := sb.okta.Credentials()
	info := Info{
		Okta: OktaInfo{OrgURL: oc.OrgURL, APIToken: oc.APIToken, ClientID: oc.ClientID,
			PrivateKey: oc.PrivateKeyPEM, PrivateKeyID: oc.PrivateKeyID, Scopes: oc.Scopes},
		Salesforce:   map[string]SalesforceInfo{},
		ControlURL:   oktaURL + "/__sandbox",
		ControlToken: sb.control.Token(),
	}
	for _, alias := range sb.aliases {
		c := sb.orgs[alias].Credentials()
		info.Salesforce[alias] = SalesforceInfo{LoginURL: c.LoginURL, OrgID: c.OrgID, IsSandbox: sb.seed.Salesforce[alias].IsSandbox,
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, Username: c.Username, PrivateKey: c.PrivateKeyPEM,
			JWTAudience: sb.orgs[alias].JWTAudience()}
	}
	return info
}

// Info returns the URLs and credentials of the running sandbox.
func (sb *Sandbox) Info() Info { return sb.info }

// Control returns the control plane (stats, faults, latency) for in-process use.
func (sb *Sandbox) Control() *emu.Control { return sb.control }

// Okta returns the Okta emulator for in-process tests that arrange state out of band.
func (sb *Sandbox) Okta() *oktaemu.Server { return sb.okta }

// Org returns the Salesforce emulator of alias, or nil.
func (sb *Sandbox) Org(alias string) *sfemu.Org { return sb.orgs[alias] }

func (sb *Sandbox) load() error {
	b, err := os.ReadFile(sb.statePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read sandbox state %s: %w", sb.statePath, err)
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("sandbox state %s is not valid JSON (%v); move it away to start from the seed", sb.statePath, err)
	}
	if len(p.Okta) > 0 {
		if err := sb.okta.LoadState(p.Okta); err != nil {
			return fmt.Errorf("restore Okta state from %s: %w", sb.statePath, err)
		}
	}
	for alias, raw := range p.Salesforce {
		org := sb.orgs[alias]
		if org == nil {
			continue // an org no longer in the seed
		}
		if err := org.LoadState(raw); err != nil {
			return fmt.Errorf("restore Salesforce org %q from %s: %w", alias, sb.statePath, err)
		}
	}
	return nil
}

// noteChange counts a state change and wakes the saver, which persists changes made outside requests
// (a request's own change is made durable by sync before it is answered).
func (sb *Sandbox) noteChange() {
	sb.changes.Add(1)
	sb.markDirty()
}

func (sb *Sandbox) markDirty() {
	select {
	case sb.dirty <- struct{}{}:
	default:
	}
}

// saver persists changes that no request waits for (out-of-band changes in tests, the start-up state).
func (sb *Sandbox) saver() {
	defer close(sb.saverDone)
	for {
		select {
		case <-sb.stop:
			return
		case <-sb.dirty:
			_ = sb.sync() // an error is logged by sync, and the next change tries again
		}
	}
}

// errCrashed is the answer of a save asked for after the sandbox crashed.
var errCrashed = errors.New("the sandbox crashed: state is no longer saved")

// sync returns once every change counted so far is in the state file (group commit): if no save is
// running it saves; otherwise it waits for the running one and, if that started before its change, for the
// next, which one of the waiters runs for all of them.
func (sb *Sandbox) sync() error {
	if sb.statePath == "" {
		return nil
	}
	target := sb.changes.Load()
	sb.commitMu.Lock()
	defer sb.commitMu.Unlock()
	for sb.durable < target {
		if sb.saving {
			sb.commit.Wait()
			continue
		}
		sb.saving = true
		covers := sb.changes.Load() // read before the snapshot: every change it counts is in it
		sb.commitMu.Unlock()
		err := sb.Save()
		sb.commitMu.Lock()
		sb.saving = false
		if err == nil && covers > sb.durable {
			sb.durable = covers
		}
		sb.commit.Broadcast()
		if err != nil {
			if !errors.Is(err, errCrashed) {
				fmt.Fprintln(os.Stderr, "sandbox: save state: "+err.Error())
			}
			return err
		}
	}
	return nil
}

// Save writes the state file now (no-op without a state path, error after a crash).
func (sb *Sandbox) Save() error {
	if sb.statePath == "" {
		return nil
	}
	sb.saveMu.Lock()
	defer sb.saveMu.Unlock()
	if sb.crashed {
		return errCrashed
	}
	return sb.save()
}

// save writes the persisted shape. The emulators' snapshots are spliced in as they are: json.Marshal of a
// RawMessage would validate and compact it again, a third of the time of a 10,000-user save.
func (sb *Sandbox) save() error {
	okta, err := sb.okta.MarshalState()
	if err != nil {
		return fmt.Errorf("snapshot Okta state: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(`{"version":1,"ports":`)
	b.Write(sb.portsJSON)
	b.WriteString(`,"okta":`)
	b.Write(okta)
	b.WriteString(`,"salesforce":{`)
	for i, alias := range sb.aliases {
		raw, err := sb.orgs[alias].MarshalState()
		if err != nil {
			return fmt.Errorf("snapshot Salesforce org %q: %w", alias, err)
		}
		key, _ := json.Marshal(alias)
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(raw)
	}
	b.WriteString("}}")
	return emu.WriteFileAtomic(sb.statePath, b.Bytes(), 0o600)
}

func (sb *Sandbox) reset() error {
	if err := sb.okta.Reset(); err != nil {
		return err
	}
	for _, org := range sb.orgs {
		if err := org.Reset(); err != nil {
			return err
		}
	}
	sb.markDirty()
	return nil
}

// Close stops serving and writes the final state; after a crash it does nothing.
func (sb *Sandbox) Close() error {
	var err error
	sb.closeOnce.Do(func() {
		if sb.control.Crashed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, srv := range sb.servers {
			_ = srv.Shutdown(ctx)
		}
		sb.stopOnce.Do(func() { close(sb.stop) })
		<-sb.saverDone
		err = sb.Save()
	})
	if errors.Is(err, errCrashed) {
		err = nil // crashed while closing: the state is what the crash left
	}
	return err
}

// Crash kills the sandbox as kill -9 would: every listener and open connection closes at once, requests in
// flight get no answer, and nothing more is saved; the state file holds exactly what was acknowledged (and
// possibly changes whose answers were lost). Killed is closed once it is dead; Restart brings it back.
func (sb *Sandbox) Crash() { sb.control.Crash() }

// Killed is closed when the sandbox crashed, through Crash, a kill rule or POST /__sandbox/crash.
func (sb *Sandbox) Killed() <-chan struct{} { return sb.killed }

// crash is the control plane's OnCrash: it runs once, after the control plane stopped answering.
func (sb *Sandbox) crash() {
	sb.saveMu.Lock() // a save in flight completes (a killed process leaves the old or the new file); none after
	sb.crashed = true
	sb.saveMu.Unlock()
	for _, srv := range sb.servers {
		_ = srv.Close() // listeners and connections, idle or active, closed now; handlers are not waited for
	}
	sb.stopOnce.Do(func() { close(sb.stop) })
	close(sb.killed)
}

// RestartOptions returns the options that start this sandbox again on the same addresses (so with the same
// URLs, even when it was started on port 0) and control token, from the same state file, seed and scopes.
func (sb *Sandbox) RestartOptions() Options {
	opts := sb.opts
	opts.ControlToken = sb.control.Token()
	opts.Listen = sb.addrs[0]
	opts.SalesforceListen = map[string]string{}
	for i, alias := range sb.aliases {
		opts.SalesforceListen[alias] = sb.addrs[i+1]
	}
	return opts
}

// Restart starts a new sandbox with RestartOptions, once this one crashed or was closed; it serves exactly
// what the state file holds.
func (sb *Sandbox) Restart() (*Sandbox, error) {
	if !sb.control.Crashed() {
		select {
		case <-sb.saverDone:
		default:
			return nil, errors.New("restart the sandbox: it is still running (Crash or Close it first)")
		}
	}
	return Start(sb.RestartOptions())
}

// terraformValues are the values of the variables okta (org_url, api_token) and salesforce_orgs
// (login_url, client_id, username, private_key, jwt_audience by alias) that examples/demo declares.
func (i Info) terraformValues() (okta map[string]string, orgs map[string]map[string]string) {
	okta = map[string]string{"org_url": i.Okta.OrgURL, "api_token": i.Okta.APIToken}
	orgs = map[string]map[string]string{}
	for alias, o := range i.Salesforce {
		orgs[alias] = map[string]string{"login_url": o.LoginURL, "client_id": o.ClientID, "username": o.Username, "private_key": o.PrivateKey,
			"jwt_audience": o.JWTAudience}
	}
	return okta, orgs
}

// TerraformVariables returns the sandbox's URLs and credentials as TF_VAR_ environment entries for the
// variables okta and salesforce_orgs (see terraformValues), so that no secret is written into a configuration file.
func (i Info) TerraformVariables() ([]string, error) {
	oktaValue, orgsValue := i.terraformValues()
	okta, err := json.Marshal(oktaValue)
	if err != nil {
		return nil, err
	}
	sf, err := json.Marshal(orgsValue)
	if err != nil {
		return nil, err
	}
	return []string{"TF_VAR_okta=" + hclSafeJSON(okta), "TF_VAR_salesforce_orgs=" + hclSafeJSON(sf)}, nil
}

// hclSafeJSON returns JSON that Terraform, which reads a TF_VAR_ value of an object type as an HCL
// expression, takes literally: every "${" and "%{" (only ever inside a JSON string, where a "$" or "%" is
// never part of an escape) gets a \u escape for its first character, or it would be a template.
func hclSafeJSON(b []byte) string {
	return strings.NewReplacer("${", `\u0024{`, "%{", `\u0025{`).Replace(string(b))
}

// TerraformVariablesEnv returns TerraformVariables as shell lines, `export TF_VAR_okta='…'`, for `. FILE`.
func (i Info) TerraformVariablesEnv() ([]byte, error) {
	vars, err := i.TerraformVariables()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# The sandbox's URLs and credentials for Terraform (terraform-provider-oktasf sandbox --env). Secret: keep it out of version control.\n")
	for _, v := range vars {
		name, value, _ := strings.Cut(v, "=")
		fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(value))
	}
	return b.Bytes(), nil
}

// TerraformVariablesFile returns the variables okta and salesforce_orgs (see terraformValues) as a Terraform
// variables file, e.g. sandbox.auto.tfvars, which terraform plan and apply read by themselves.
func (i Info) TerraformVariablesFile() []byte {
	okta, orgs := i.terraformValues()
	var b bytes.Buffer
	b.WriteString("# The sandbox's URLs and credentials (terraform-provider-oktasf sandbox --tfvars). Secret: keep it out of version control.\n")
	b.WriteString("okta = ")
	writeHCLObject(&b, okta, "")
	b.WriteString("\n\nsalesforce_orgs = {\n")
	aliases := make([]string, 0, len(orgs))
	for alias := range orgs {
		aliases = append(aliases, alias)
	}
	sort.Strings(aliases)
	for _, alias := range aliases {
		b.WriteString("  " + hclString(alias) + " = ")
		writeHCLObject(&b, orgs[alias], "  ")
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func writeHCLObject(b *bytes.Buffer, attrs map[string]string, indent string) {
	names := make([]string, 0, len(attrs))
	width := 0
	for name := range attrs {
		names = append(names, name)
		width = max(width, len(name))
	}
	sort.Strings(names)
	b.WriteString("{\n")
	for _, name := range names {
		fmt.Fprintf(b, "%s  %-*s = %s\n", indent, width, name, hclString(attrs[name]))
	}
	b.WriteString(indent + "}")
}

// hclString quotes s as an HCL string literal: escapes, and the "$" of "${" and the "%" of "%{" as \u
// escapes, so that nothing in a credential is read as a template ("$${" would be ambiguous after a "$").
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single quote closed, escaped and reopened.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
