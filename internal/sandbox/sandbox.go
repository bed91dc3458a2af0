// Package sandbox runs the local Okta org and Salesforce orgs in one process: it starts each emulator on
// its own loopback listener, serves the control API beside the Okta org, and persists state atomically.
package sandbox

import (
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
	"sync"
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
	// with port 0 every listener gets a free port.
	Listen string
	// StatePath is the file state persists to; empty keeps state in memory only.
	StatePath string
	// Seed is the starting content when StatePath does not exist yet; nil means DefaultSeed.
	Seed *Seed
	// OktaScopes are the scopes granted to the Okta service app, replacing those of a restored state;
	// nil keeps them (a new org's service app holds every scope the emulator knows).
	OktaScopes []string
}

// Info is everything a client needs, printed as one JSON line when the sandbox is ready.
type Info struct {
	Okta       OktaInfo                  `json:"okta"`
	Salesforce map[string]SalesforceInfo `json:"salesforce"`
	ControlURL string                    `json:"control_url"`
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
	statePath string

	saveMu    sync.Mutex // serialises writes of the state file
	dirty     chan struct{}
	stop      chan struct{}
	saverDone chan struct{}
	closeOnce sync.Once
	saveErr   error
}

// persisted is the state file's shape.
type persisted struct {
	Version    int                        `json:"version"`
	Okta       json.RawMessage            `json:"okta"`
	Salesforce map[string]json.RawMessage `json:"salesforce"`
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
	sb := &Sandbox{
		control: emu.NewControl(), orgs: map[string]*sfemu.Org{}, seed: *seed, statePath: opts.StatePath,
		dirty: make(chan struct{}, 1), stop: make(chan struct{}), saverDone: make(chan struct{}),
	}
	for alias := range seed.Salesforce {
		sb.aliases = append(sb.aliases, alias)
	}
	sort.Strings(sb.aliases)

	listeners, err := listen(opts.Listen, len(sb.aliases))
	if err != nil {
		return nil, err
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
	sb.control.OnChange(sb.markDirty)
	sb.control.OnReset(sb.reset)

	oktaMux := http.NewServeMux()
	oktaMux.Handle("/__sandbox/", sb.control.Handler())
	oktaMux.Handle("/", sb.okta.Handler())
	handlers := []http.Handler{oktaMux}
	for _, alias := range sb.aliases {
		handlers = append(handlers, sb.orgs[alias].Handler())
	}
	for i, l := range listeners {
		srv := &http.Server{Handler: handlers[i], ReadHeaderTimeout: 10 * time.Second}
		sb.servers = append(sb.servers, srv)
		go func() { _ = srv.Serve(l) }()
	}
	go sb.saver()
	sb.info = sb.buildInfo(baseURL(listeners[0]))
	if opts.StatePath != "" {
		sb.markDirty() // write the file at once, so a fresh sandbox's credentials survive a restart
	}
	return sb, nil
}

// listen opens the Okta/control listener and one per Salesforce org.
func listen(addr string, orgs int) ([]net.Listener, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w (use host:port, e.g. 127.0.0.1:7450)", addr, err)
	}
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
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			for _, o := range ls {
				_ = o.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(p)), err)
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
		Salesforce: map[string]SalesforceInfo{},
		ControlURL: oktaURL + "/__sandbox",
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

func (sb *Sandbox) markDirty() {
	select {
	case sb.dirty <- struct{}{}:
	default:
	}
}

// saver writes the state file after changes, at most every 50 ms, so bursts of writes cost one save.
func (sb *Sandbox) saver() {
	defer close(sb.saverDone)
	for {
		select {
		case <-sb.stop:
			return
		case <-sb.dirty:
			select {
			case <-sb.stop:
			case <-time.After(50 * time.Millisecond):
			}
			if err := sb.Save(); err != nil {
				sb.saveMu.Lock()
				sb.saveErr = err
				sb.saveMu.Unlock()
				fmt.Fprintln(os.Stderr, "sandbox: "+err.Error())
			}
		}
	}
}

// Save writes the state file now (no-op without a state path).
func (sb *Sandbox) Save() error {
	if sb.statePath == "" {
		return nil
	}
	sb.saveMu.Lock()
	defer sb.saveMu.Unlock()
	p := persisted{Version: 1, Salesforce: map[string]json.RawMessage{}}
	var err error
	if p.Okta, err = sb.okta.MarshalState(); err != nil {
		return fmt.Errorf("snapshot Okta state: %w", err)
	}
	for alias, org := range sb.orgs {
		if p.Salesforce[alias], err = org.MarshalState(); err != nil {
			return fmt.Errorf("snapshot Salesforce org %q: %w", alias, err)
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return emu.WriteFileAtomic(sb.statePath, b, 0o600)
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

// Close stops serving and writes the final state.
func (sb *Sandbox) Close() error {
	var err error
	sb.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, srv := range sb.servers {
			_ = srv.Shutdown(ctx)
		}
		close(sb.stop)
		<-sb.saverDone
		err = sb.Save()
	})
	return err
}

// TerraformVariables returns the sandbox's URLs and credentials as TF_VAR_ environment entries for the
// variables okta (org_url, api_token) and salesforce_orgs (login_url, client_id, username, private_key,
// jwt_audience by alias) that examples/demo declares, so that no secret is written into a configuration file.
func (i Info) TerraformVariables() ([]string, error) {
	okta, err := json.Marshal(map[string]string{"org_url": i.Okta.OrgURL, "api_token": i.Okta.APIToken})
	if err != nil {
		return nil, err
	}
	orgs := map[string]map[string]string{}
	for alias, o := range i.Salesforce {
		orgs[alias] = map[string]string{"login_url": o.LoginURL, "client_id": o.ClientID, "username": o.Username, "private_key": o.PrivateKey,
			"jwt_audience": o.JWTAudience}
	}
	sf, err := json.Marshal(orgs)
	if err != nil {
		return nil, err
	}
	return []string{"TF_VAR_okta=" + string(okta), "TF_VAR_salesforce_orgs=" + string(sf)}, nil
}
