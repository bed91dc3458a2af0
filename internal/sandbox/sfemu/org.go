// Package sfemu is the sandbox's Salesforce emulator: one Org per emulated Salesforce org, each with its
// own base URL (My Domain and instance URL), OAuth token endpoint, REST/SOQL, sObject Collections,
// Composite, Tooling query and Metadata SOAP for SamlSsoConfig, ProfileSessionSetting and Profile (login IP
// ranges). Records live in a generic sObject store driven by describe metadata, so later objects
// (LoginHistory, SetupAuditTrail) are a schema entry away.
package sfemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// DefaultDailyAPILimit is the daily API request allocation when Config.DailyAPILimit is 0.
const DefaultDailyAPILimit = 15000

// Config places one org in the sandbox.
type Config struct {
	Alias         string       // e.g. "qa"; the emu.Service name is "salesforce:"+Alias
	BaseURL       string       // this org's origin: its My Domain and instance URL
	Control       *emu.Control // counts, delays and fault-injects every route; told about every change
	Directory     *Directory   // usernames are unique across every org sharing it
	DailyAPILimit int          // 0 = DefaultDailyAPILimit
}

// Credentials are the org's connected app and integration user, as a provider configuration needs them.
type Credentials struct {
	LoginURL      string // the org's My Domain (BaseURL)
	ClientID      string // consumer key
	ClientSecret  string // consumer secret (client credentials flow runs as the admin user)
	Username      string // the admin/integration user (JWT subject)
	PrivateKeyPEM string // RSA key whose certificate is registered on the connected app (JWT bearer)
	OrgID         string // 18 characters
}

// appKeys is what persists across restarts and resets: the connected app and the org's identity.
type appKeys struct {
	OrgID          string `json:"org_id"`
	Pod            string `json:"pod"`
	ClientID       string `json:"client_id"`
	ClientSecret   string `json:"client_secret"`
	PrivateKeyPEM  string `json:"private_key_pem"`
	CertificatePEM string `json:"certificate_pem"`
}

type table struct {
	Order []string               `json:"order"` // 15-character keys in insertion order
	Rows  map[string]soql.Record `json:"rows"`  // by 15-character key
}

// store is the org's data: every sObject row by type, plus counters that must survive restarts.
type store struct {
	Counter uint64            `json:"counter"`
	Tables  map[string]*table `json:"tables"` // by canonical type name
	APIDay  string            `json:"api_day"`
	APIUsed int               `json:"api_used"`

	// indexes are derived lookups ("Type:purpose" → key → id), rebuilt on demand and never persisted;
	// a rollback swaps in a clone without them, so they cannot go stale.
	indexes map[string]map[string]string
	// eq are the SOQL equality indexes by type (eqindex.go), derived and never persisted like indexes.
	eq map[string]*eqIndex
}

func (s *store) clone() *store {
	c := &store{Counter: s.Counter, Tables: make(map[string]*table, len(s.Tables)), APIDay: s.APIDay, APIUsed: s.APIUsed}
	for name, t := range s.Tables {
		ct := &table{Order: append([]string(nil), t.Order...), Rows: make(map[string]soql.Record, len(t.Rows))}
		for k, r := range t.Rows {
			cr := make(soql.Record, len(r))
			for f, v := range r {
				cr[f] = v
			}
			ct.Rows[k] = cr
		}
		c.Tables[name] = ct
	}
	return c
}

type session struct {
	UserID   string    `json:"user_id"`
	IssuedAt time.Time `json:"issued_at"`
}

// Org is one emulated Salesforce org. It implements emu.Service.
type Org struct {
	cfg    Config
	seed   OrgSeed
	schema map[string]*ObjectType
	now    func() time.Time
	// seedTime stamps the records a seed makes when the seed says when they were created (OrgSeed.Created).
	seedTime time.Time

	mu       sync.Mutex
	keys     appKeys
	data     *store
	sessions map[string]session
	cursors  map[string]*cursor
	cursorN  []string // creation order, to cap memory
	adminID  string
	dirty    bool
	handler  http.Handler
	inner    *http.ServeMux
}

var _ emu.Service = (*Org)(nil)

// New builds an org from its seed, with a fresh connected app and signing key.
func New(cfg Config, seed OrgSeed) (*Org, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("sfemu: Config.BaseURL is required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Control == nil {
		cfg.Control = emu.NewControl()
	}
	if cfg.Directory == nil {
		cfg.Directory = NewDirectory()
	}
	if cfg.DailyAPILimit <= 0 {
		cfg.DailyAPILimit = DefaultDailyAPILimit
	}
	o := &Org{cfg: cfg, seed: seed, schema: newSchema(), now: time.Now, sessions: map[string]session{}, cursors: map[string]*cursor{}}
	keys, err := newAppKeys(seed.OrgID)
	if err != nil {
		return nil, err
	}
	o.keys = keys
	if err := o.addCustomUserFields(seed.CustomUserFields); err != nil {
		return nil, err
	}
	if err := o.applySeed(); err != nil {
		cfg.Directory.releaseOrg(o.keys.OrgID)
		return nil, err
	}
	o.handler = o.routes()
	cfg.Control.Register(o)
	return o, nil
}

func newAppKeys(seedOrgID string) (appKeys, error) {
	k := appKeys{Pod: randomPod()}
	switch {
	case seedOrgID == "":
		k.OrgID = newID(prefixOrganization, k.Pod, 1+uint64(time.Now().UnixNano()%1e9))
	case hasPrefix(seedOrgID, prefixOrganization):
		k.OrgID = to18(key15(seedOrgID))
	default:
		return k, fmt.Errorf("sfemu: seed org_id %q is not a 15- or 18-character 00D id", seedOrgID)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return k, fmt.Errorf("sfemu: generate connected app key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "sandbox-connected-app", Organization: []string{"oktasf sandbox"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return k, fmt.Errorf("sfemu: self-sign connected app certificate: %w", err)
	}
	k.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	k.CertificatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	// Consumer keys of real connected apps start with 3MVG9 and run to 85 characters.
	k.ClientID = "3MVG9" + randomToken(80)
	k.ClientSecret = strings.ToUpper(randomToken(64))
	return k, nil
}

// Name is the control-plane name of this org.
func (o *Org) Name() string { return "salesforce:" + o.cfg.Alias }

// Handler serves every route of this org.
func (o *Org) Handler() http.Handler { return o.handler }

// Credentials returns the connected app and admin user that reach this org.
func (o *Org) Credentials() Credentials {
	o.mu.Lock()
	defer o.mu.Unlock()
	return Credentials{
		LoginURL: o.cfg.BaseURL, ClientID: o.keys.ClientID, ClientSecret: o.keys.ClientSecret,
		Username: o.adminUsernameLocked(), PrivateKeyPEM: o.keys.PrivateKeyPEM, OrgID: o.keys.OrgID,
	}
}

func (o *Org) adminUsernameLocked() string {
	if u := o.lookup("User", o.adminID); u != nil {
		s, _ := u["Username"].(string)
		return s
	}
	return ""
}

type persisted struct {
	Keys     appKeys            `json:"keys"`
	AdminID  string             `json:"admin_id"`
	Data     *store             `json:"data"`
	Sessions map[string]session `json:"sessions"`
}

// MarshalState serialises the org: data, connected app, keys and live sessions.
func (o *Org) MarshalState() ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return json.Marshal(persisted{Keys: o.keys, AdminID: o.adminID, Data: o.data, Sessions: o.sessions})
}

// LoadState replaces the org's state with one from MarshalState and re-registers its usernames.
func (o *Org) LoadState(b []byte) error {
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("sfemu: decode state of %s: %w", o.Name(), err)
	}
	if p.Data == nil || p.Keys.OrgID == "" {
		return fmt.Errorf("sfemu: state of %s has no data or org id", o.Name())
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cfg.Directory.releaseOrg(o.keys.OrgID)
	o.keys, o.adminID, o.data = p.Keys, p.AdminID, p.Data
	o.sessions = p.Sessions
	if o.sessions == nil {
		o.sessions = map[string]session{}
	}
	o.cursors, o.cursorN = map[string]*cursor{}, nil
	for _, t := range o.data.Tables {
		if t.Rows == nil {
			t.Rows = map[string]soql.Record{}
		}
	}
	for _, u := range o.rows("User") {
		name, _ := u["Username"].(string)
		if !o.cfg.Directory.claim(name, o.keys.OrgID) {
			return fmt.Errorf("sfemu: username %s of %s is taken by another org", name, o.Name())
		}
	}
	o.recountLicenses()
	if err := o.ensureLoginPage(); err != nil {
		return fmt.Errorf("sfemu: state of %s: login page: %s", o.Name(), err.Message)
	}
	return nil
}

// Reset restores the seeded data, keeping the org id, connected app, keys and the sessions of seeded users.
func (o *Org) Reset() error {
	o.mu.Lock()
	created := o.seed.Created
	o.seed.Created = time.Time{} // what a reset restores is made now: markers read before it must see it move
	err := o.applySeedLocked()
	o.seed.Created = created
	o.mu.Unlock()
	if err == nil {
		o.cfg.Control.Changed()
	}
	return err
}

func (o *Org) applySeed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.applySeedLocked()
}

// ExpireSessions invalidates every token issued so far.
func (o *Org) ExpireSessions() {
	o.mu.Lock()
	o.sessions = map[string]session{}
	o.mu.Unlock()
}

// ExpireSessionsIssuedBefore invalidates the tokens issued before t; those issued since stay valid, so a
// client that logs in again after an injected expired_session fault gets a working token.
func (o *Org) ExpireSessionsIssuedBefore(t time.Time) {
	o.mu.Lock()
	for token, s := range o.sessions {
		if s.IssuedAt.Before(t) {
			delete(o.sessions, token)
		}
	}
	o.mu.Unlock()
}

// WriteRateLimited answers as Salesforce does when a limit is reached: 403 REQUEST_LIMIT_EXCEEDED
// (Salesforce has no 429), or the SOAP fault on the Metadata endpoint. Only the message tells the limits
// apart: the concurrent long-running-request limit (the default, transient) or the spent daily allocation.
func (o *Org) WriteRateLimited(w http.ResponseWriter, r *http.Request, _ time.Time, limit string) {
	e := errConcurrentLimit
	if limit == emu.LimitDaily {
		e = errLimitExceeded
	}
	if strings.HasPrefix(r.URL.Path, "/services/Soap/") {
		writeFault(w, "sf:"+e.Code, e.Code+": "+e.Message)
		return
	}
	writeError(w, e)
}

// WriteServerError answers a 5xx with Salesforce's error body.
func (o *Org) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	msg := fmt.Sprintf("An unexpected error occurred. Please include this ErrorId if you contact support: %d-%d (%d)", 1e8+time.Now().UnixNano()%9e8, time.Now().Unix()%1e5, -int(time.Now().UnixNano()%1e9))
	code := "UNKNOWN_EXCEPTION"
	if status == http.StatusServiceUnavailable {
		code, msg = "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later."
	}
	if strings.HasPrefix(r.URL.Path, "/services/Soap/") {
		writeFault(w, "sf:"+code, code+": "+msg)
		return
	}
	writeError(w, newError(status, code, msg))
}

func (o *Org) table(typ string) *table {
	t := o.data.Tables[typ]
	if t == nil {
		t = &table{Rows: map[string]soql.Record{}}
		o.data.Tables[typ] = t
	}
	return t
}

// rows returns the rows of a type in insertion order.
func (o *Org) rows(typ string) []soql.Record {
	t := o.data.Tables[typ]
	if t == nil {
		return nil
	}
	out := make([]soql.Record, 0, len(t.Order))
	for _, k := range t.Order {
		out = append(out, t.Rows[k])
	}
	return out
}

// each calls fn for every row of typ in insertion order until fn returns false; unlike rows it
// allocates nothing, which matters in the per-insert uniqueness scans.
func (o *Org) each(typ string, fn func(soql.Record) bool) {
	t := o.data.Tables[typ]
	if t == nil {
		return
	}
	for _, k := range t.Order {
		if !fn(t.Rows[k]) {
			return
		}
	}
}

// sameID compares two stored ids, which are always canonical 18-character ids.
func sameID(a, b string) bool { return len(a) >= 15 && len(b) >= 15 && a[:15] == b[:15] }

func (o *Org) lookup(typ, id string) soql.Record {
	// Stored references are canonical 18-character ids: try them before decoding the checksum.
	if t := o.data.Tables[typ]; t != nil && len(id) == 18 {
		if r := t.Rows[id[:15]]; r != nil && r["Id"] == id {
			return r
		}
	}
	k := key15(id)
	if k == "" {
		return nil
	}
	t := o.data.Tables[typ]
	if t == nil {
		return nil
	}
	return t.Rows[k]
}

func (o *Org) nextID(prefix string) string {
	o.data.Counter++
	return newID(prefix, o.keys.Pod, o.data.Counter)
}

func (o *Org) objectType(name string) *ObjectType { return o.schema[strings.ToLower(name)] }

// timestamp is the wire format of Salesforce datetimes.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+0000") }
