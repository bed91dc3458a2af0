// Package salesforce is the provider's Salesforce client: OAuth (JWT bearer or client credentials)
// over the shared transport, REST and Tooling calls through go-salesforce v3 with the call's context
// and a shared session that is refreshed once under parallel use, and a small Metadata SOAP client.
package salesforce

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// DefaultAPIVersion is the REST/SOAP API version used when Config.APIVersion is empty.
const DefaultAPIVersion = "63.0"

// jwtLifetime is how long a JWT bearer assertion is valid; Salesforce accepts up to about 5 minutes.
const jwtLifetime = 3 * time.Minute

// Config describes one org. PrivateKey selects the JWT bearer flow (with Username); otherwise
// ClientSecret selects client credentials (LoginURL must then be the org's My Domain).
type Config struct {
	Alias        string
	LoginURL     string // default https://login.salesforce.com
	ClientID     string
	ClientSecret string
	Username     string
	PrivateKey   string // PEM: what ParsePrivateKey accepts
	APIVersion   string // "63.0" by default
	JWTAudience  string // default: jwtAudience(LoginURL)
	HTTPClient   *http.Client
}

// Client talks to one org; it is safe for concurrent use.
type Client struct {
	alias    string
	loginURL string
	clientID string
	secret   string
	username string
	key      *rsa.PrivateKey
	audience string
	version  string
	http     *http.Client
	now      func() time.Time

	// authSlot is a one-slot semaphore guarding token requests; unlike a mutex, waiting on it
	// honours the caller's context.
	authSlot chan struct{}
	sessMu   sync.RWMutex
	sess     *session // replaced only while holding authSlot

	factsMu sync.Mutex
	facts   *OrgFacts // memoized by Facts

	describes describeCache // memoized by Describe

	names nameBatch // the name reads fetched together (names.go)
}

// session is one access token and where to use it; its pointer identity tells refreshes apart.
type session struct {
	accessToken string
	instanceURL string
	identityURL string
}

var apiVersionPattern = regexp.MustCompile(`^[0-9]{2,3}\.0$`)

// New validates cfg; it makes no network call. Its checks are the exported validators below, which the
// provider's settings call too, so that the two never disagree.
func New(cfg Config) (*Client, error) {
	rawLogin := cfg.LoginURL
	if strings.TrimSpace(rawLogin) == "" {
		rawLogin = "https://login.salesforce.com"
	}
	loginURL, err := NormalizeLoginURL(rawLogin)
	if err != nil {
		return nil, fmt.Errorf("%w: salesforce org %q: login URL: %w", ErrValidation, cfg.Alias, err)
	}
	version, err := NormalizeAPIVersion(cfg.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("%w: salesforce org %q: %w", ErrValidation, cfg.Alias, err)
	}
	c := &Client{
		alias: cfg.Alias, loginURL: loginURL, clientID: cfg.ClientID, secret: cfg.ClientSecret,
		username: cfg.Username, version: version, http: cfg.HTTPClient, now: time.Now,
		authSlot: make(chan struct{}, 1),
		names:    nameBatch{slot: make(chan struct{}, 1)},
	}
	if c.http == nil {
		c.http = transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce})
	}
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("%w: salesforce org %q: client_id is required", ErrValidation, cfg.Alias)
	}
	if cfg.JWTAudience != "" {
		if err := CheckJWTAudience(cfg.JWTAudience); err != nil {
			return nil, fmt.Errorf("%w: salesforce org %q: %w", ErrValidation, cfg.Alias, err)
		}
	}
	jwtBearer := cfg.PrivateKey != "" || cfg.Username != ""
	switch {
	case jwtBearer && cfg.ClientSecret != "":
		return nil, fmt.Errorf("%w: salesforce org %q: set either username with private_key (JWT bearer) or client_secret (client credentials), not both", ErrValidation, cfg.Alias)
	case jwtBearer:
		if cfg.Username == "" {
			return nil, fmt.Errorf("%w: salesforce org %q: the JWT bearer flow (private_key) needs a username", ErrValidation, cfg.Alias)
		}
		if cfg.PrivateKey == "" {
			return nil, fmt.Errorf("%w: salesforce org %q: the JWT bearer flow (username) needs a private_key", ErrValidation, cfg.Alias)
		}
		if c.key, err = ParsePrivateKey([]byte(cfg.PrivateKey)); err != nil {
			return nil, fmt.Errorf("%w: salesforce org %q: private key: %w", ErrValidation, cfg.Alias, err)
		}
		c.audience = cfg.JWTAudience
		if c.audience == "" {
			u, _ := url.Parse(loginURL) // NormalizeLoginURL has parsed it
			c.audience = jwtAudience(u)
		}
	case cfg.ClientSecret != "":
	default:
		return nil, fmt.Errorf("%w: salesforce org %q: set private_key (JWT bearer) or client_secret (client credentials)", ErrValidation, cfg.Alias)
	}
	return c, nil
}

// loginURLExample is the shape of a login URL, quoted as the fix in errors.
const loginURLExample = "https://acme.my.salesforce.com"

// NormalizeLoginURL returns the login URL as the client uses it (without a trailing "/"), or why the client
// refuses it: it must be absolute, https or http to a loopback host, without credentials, query or
// fragment. A path is kept: an Experience Cloud site's login URL has one.
func NormalizeLoginURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL; set it like %s", raw, loginURLExample)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("%q must not carry credentials, a query or a fragment; set it like %s", raw, loginURLExample)
	}
	if err := transport.CheckScheme(u); err != nil {
		return "", err
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// NormalizeAPIVersion returns the API version as the client uses it ("63.0"): a leading "v" is dropped and
// "" means DefaultAPIVersion.
func NormalizeAPIVersion(v string) (string, error) {
	if v == "" {
		return DefaultAPIVersion, nil
	}
	version := strings.TrimPrefix(v, "v")
	if !apiVersionPattern.MatchString(version) {
		return "", fmt.Errorf("%q is not a Salesforce API version; give the version number such as %q", v, DefaultAPIVersion)
	}
	return version, nil
}

// CheckJWTAudience refuses an aud that cannot be one Salesforce accepts: it is always an absolute URL.
func CheckJWTAudience(aud string) error {
	if u, err := url.Parse(aud); err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("the JWT audience %q must be an absolute URL such as https://login.salesforce.com or https://test.salesforce.com", aud)
	}
	return nil
}

// jwtAudience is the JWT bearer `aud` Salesforce accepts for a login URL: https://test.salesforce.com for
// sandbox and scratch orgs (sandbox My Domain hosts), the site URL for an Experience Cloud site, and
// https://login.salesforce.com for everything else. A My Domain URL is not an accepted audience even though
// the token request goes there. Any other host (a proxy) gets login.salesforce.com too: set jwt_audience
// for a sandbox behind one.
func jwtAudience(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(host, ".my.site.com"),
		strings.HasSuffix(host, ".force.com") && !strings.HasSuffix(host, ".lightning.force.com"):
		site := *u
		site.Path = strings.TrimRight(site.Path, "/")
		site.RawQuery, site.Fragment = "", ""
		return site.String()
	case host == "test.salesforce.com",
		strings.HasSuffix(host, ".sandbox.my.salesforce.com"),
		strings.HasSuffix(host, ".scratch.my.salesforce.com"),
		// Sandboxes without enhanced domains: <domain>--<sandbox>.my.salesforce.com.
		strings.HasSuffix(host, ".my.salesforce.com") && strings.Contains(host, "--"):
		return "https://test.salesforce.com"
	default:
		return "https://login.salesforce.com"
	}
}

// ParsePrivateKey parses the PEM private key of the JWT bearer flow: RSA, PKCS#1 or PKCS#8, because
// Salesforce verifies the assertion with RS256 only. Literal "\n" sequences count as line breaks (a key
// kept on one line of an environment variable). Errors name the structure, never key bytes.
func ParsePrivateKey(pemText []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(bytes.TrimSpace(bytes.ReplaceAll(pemText, []byte(`\n`), []byte("\n"))))
	if block == nil {
		return nil, errors.New("no PEM block could be decoded; paste the key including its -----BEGIN/-----END lines, with the line breaks kept")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the \"RSA PRIVATE KEY\" block is not a valid PKCS#1 RSA key; export the key again (openssl genrsa or openssl rsa)")
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the \"PRIVATE KEY\" block is not a valid PKCS#8 key; export the key again (openssl pkcs8 -topk8 -nocrypt)")
		}
		rsaKey, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("the key is a %T, but the JWT bearer flow needs an RSA key (Salesforce verifies RS256 only)", k)
		}
		return rsaKey, nil
	case "EC PRIVATE KEY":
		return nil, errors.New("the key is an EC key, but the JWT bearer flow needs an RSA key (Salesforce verifies RS256 only)")
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("the key is encrypted; give an unencrypted PEM key (openssl pkcs8 -topk8 -nocrypt), kept in a secret store")
	default:
		return nil, fmt.Errorf("the PEM block is a %q, not a private key; give the RSA private key (\"RSA PRIVATE KEY\" or \"PRIVATE KEY\"), not the certificate or public key", block.Type)
	}
}

// Alias is the org alias the client was configured with.
func (c *Client) Alias() string { return c.alias }

// APIVersion is the version in use, e.g. "63.0".
func (c *Client) APIVersion() string { return c.version }

// InstanceURL authenticates if needed and returns the org's instance URL.
func (c *Client) InstanceURL(ctx context.Context) (string, error) {
	s, err := c.session(ctx)
	if err != nil {
		return "", err
	}
	return s.instanceURL, nil
}

// Identity returns the org and user ids from the token response's identity URL (…/id/<org>/<user>).
func (c *Client) Identity(ctx context.Context) (orgID, userID string, err error) {
	s, err := c.session(ctx)
	if err != nil {
		return "", "", err
	}
	u, err := url.Parse(s.identityURL)
	if err != nil {
		return "", "", fmt.Errorf("salesforce org %q: identity URL %q: %w", c.alias, s.identityURL, err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 3 || parts[len(parts)-3] != "id" {
		return "", "", fmt.Errorf("salesforce org %q: unexpected identity URL %q", c.alias, s.identityURL)
	}
	return parts[len(parts)-2], parts[len(parts)-1], nil
}

// current is the session in use, or nil before the first authentication.
func (c *Client) current() *session {
	c.sessMu.RLock()
	defer c.sessMu.RUnlock()
	return c.sess
}

func (c *Client) setCurrent(s *session) {
	c.sessMu.Lock()
	defer c.sessMu.Unlock()
	c.sess = s
}

// session returns the current session, authenticating once if there is none.
func (c *Client) session(ctx context.Context) (*session, error) {
	if s := c.current(); s != nil {
		return s, nil
	}
	return c.refresh(ctx, nil)
}

// refresh replaces failed with a new session. When another caller has already replaced it, that
// newer session is returned without a token request, so N parallel failures cost one request.
func (c *Client) refresh(ctx context.Context, failed *session) (*session, error) {
	select {
	case c.authSlot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.authSlot }()
	if s := c.current(); s != nil && s != failed {
		return s, nil
	}
	s, err := c.requestToken(ctx)
	if err != nil {
		return nil, err
	}
	c.setCurrent(s)
	return s, nil
}

// tokenResponse is the success body of /services/oauth2/token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	ID          string `json:"id"`
	TokenType   string `json:"token_type"`
}

// requestToken runs the configured OAuth flow against the login URL.
func (c *Client) requestToken(ctx context.Context) (*session, error) {
	form := url.Values{}
	if c.key != nil {
		assertion, err := c.signAssertion()
		if err != nil {
			return nil, err
		}
		form.Set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
		form.Set("assertion", assertion)
	} else {
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", c.clientID)
		form.Set("client_secret", c.secret)
	}
	req, err := http.NewRequestWithContext(transport.WithIdempotent(ctx), http.MethodPost,
		c.loginURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("salesforce org %q: token request: %w", c.alias, transport.CleanError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("salesforce org %q: token response: %w", c.alias, transport.CleanError(answerError(req, err)))
	}
	if resp.StatusCode != http.StatusOK {
		apiErr := ParseError(resp.StatusCode, body)
		if apiErr.Code == "" {
			apiErr.Code = "invalid_grant"
		}
		return nil, fmt.Errorf("salesforce org %q: authentication failed: %w", c.alias, apiErr)
	}
	var tok tokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" || tok.InstanceURL == "" {
		return nil, fmt.Errorf("salesforce org %q: token response lacks access_token or instance_url: %w", c.alias, ErrAuth)
	}
	return &session{accessToken: tok.AccessToken, instanceURL: strings.TrimRight(tok.InstanceURL, "/"), identityURL: tok.ID}, nil
}

// signAssertion builds the RS256 JWT bearer assertion with a numeric exp.
func (c *Client) signAssertion() (string, error) {
	// MapClaims keeps aud a plain string, as Salesforce documents it.
	claims := jwt.MapClaims{
		"iss": c.clientID,
		"sub": c.username,
		"aud": c.audience,
		"exp": c.now().Add(jwtLifetime).Unix(),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(c.key)
	if err != nil {
		return "", fmt.Errorf("salesforce org %q: signing the JWT assertion failed", c.alias)
	}
	return signed, nil
}
