// Package okta is the provider's Okta Management API client: okta-sdk-golang v2 configured for
// Terraform (no cache, retries owned by internal/transport), typed errors, and raw calls for the
// endpoints v2 has no types for.
package okta

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v3"
	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Config says where the org is and how to authenticate: APIToken, or ClientID + PrivateKey (+ Scopes).
type Config struct {
	OrgURL       string
	APIToken     string
	ClientID     string
	PrivateKey   string // PEM: what ParsePrivateKey accepts
	PrivateKeyID string
	Scopes       []string
	HTTPClient   *http.Client // default: transport.NewHTTPClient for Okta
}

// Client wraps the v2 SDK client; use SDK for typed calls and Raw for the rest.
type Client struct {
	SDK    *oktasdk.Client
	orgURL string
}

// New validates cfg and builds the client without any network call. Its checks are the exported
// validators below, which the provider's settings call too, so that the two never disagree.
func New(ctx context.Context, cfg Config) (*Client, error) {
	orgURL, err := NormalizeOrgURL(cfg.OrgURL)
	if err != nil {
		return nil, fmt.Errorf("%w: Okta org URL: %w", ErrValidation, err)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})
	}
	httpClient = rejectUnparsableLinks(httpClient) // v2 panics on a Link header it cannot parse
	setters := []oktasdk.ConfigSetter{
		oktasdk.WithOrgUrl(orgURL),
		// The SDK cache serves stale reads to Terraform (it caches every GET for 5 minutes).
		oktasdk.WithCache(false),
		// The transport owns 429 handling; SDK retries would multiply the attempts.
		oktasdk.WithRateLimitMaxRetries(0),
		oktasdk.WithRequestTimeout(0),
		oktasdk.WithHttpClientPtr(httpClient),
		// NormalizeOrgURL allows http only to a loopback host.
		oktasdk.WithTestingDisableHttpsCheck(strings.HasPrefix(orgURL, "http://")),
	}
	serviceApp := cfg.ClientID != "" || cfg.PrivateKey != "" || cfg.PrivateKeyID != "" || len(cfg.Scopes) > 0
	switch {
	case cfg.APIToken != "" && serviceApp:
		return nil, fmt.Errorf("%w: set either an API token, or a service app (client ID, private key, key ID, scopes), not both", ErrValidation)
	case cfg.APIToken != "":
		if err := CheckAPIToken(cfg.APIToken); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrValidation, err)
		}
		setters = append(setters, oktasdk.WithAuthorizationMode("SSWS"), oktasdk.WithToken(cfg.APIToken))
	case cfg.PrivateKey != "":
		if cfg.ClientID == "" {
			return nil, fmt.Errorf("%w: a private key needs a client ID", ErrValidation)
		}
		if len(cfg.Scopes) == 0 {
			return nil, fmt.Errorf("%w: a private key needs at least one OAuth scope (e.g. okta.groups.read)", ErrValidation)
		}
		signer, err := newKeySigner(cfg.PrivateKey, cfg.PrivateKeyID)
		if err != nil {
			return nil, err
		}
		// The SDK requests the token without a context; bound that one call so it cannot hang.
		setters = append(setters, oktasdk.WithHttpClientPtr(boundTokenCalls(httpClient)))
		setters = append(setters,
			oktasdk.WithAuthorizationMode("PrivateKey"),
			oktasdk.WithClientId(cfg.ClientID),
			oktasdk.WithScopes(cfg.Scopes),
			oktasdk.WithPrivateKeySigner(signer),
			oktasdk.WithPrivateKeyId(cfg.PrivateKeyID),
		)
	default:
		return nil, fmt.Errorf("%w: set an API token, or a client ID with a private key", ErrValidation)
	}
	_, sdk, err := oktasdk.NewClient(ctx, setters...)
	if err != nil {
		// SDK validation messages may echo the org URL but never the token.
		return nil, fmt.Errorf("%w: %v", ErrValidation, err)
	}
	return &Client{SDK: sdk, orgURL: orgURL}, nil
}

// OrgURL is the org's base URL without a trailing slash.
func (c *Client) OrgURL() string { return c.orgURL }

// orgURLExample is the shape of an org URL, quoted as the fix in errors.
const orgURLExample = "https://acme.okta.com"

// NormalizeOrgURL returns the org URL as the client uses it, or why the client refuses it. An org URL is
// the scheme and host only (the SDK appends /api/v1/… to it), https or http to a loopback host, with the
// host in lower case and no trailing "/" (the SDK would send "//api").
func NormalizeOrgURL(raw string) (string, error) {
	trimmed := strings.TrimRight(strings.TrimSpace(raw), "/")
	if trimmed == "" {
		return "", fmt.Errorf("the org URL is empty; set it like %s", orgURLExample)
	}
	u, err := url.Parse(trimmed)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL; set it like %s", raw, orgURLExample)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("%q must not carry credentials, a query or a fragment; set it like %s", raw, orgURLExample)
	}
	if u.Path != "" {
		return "", fmt.Errorf("%q has the path %q; the org URL is the scheme and host only, for example %s", raw, u.Path, orgURLExample)
	}
	if err := transport.CheckScheme(u); err != nil {
		return "", err
	}
	orgURL := u.Scheme + "://" + strings.ToLower(u.Host)
	// The SDK refuses these in its own config check; refusing them here lets settings say so at plan.
	for _, admin := range []string{"-admin.okta.com", "-admin.oktapreview.com", "-admin.okta-emea.com"} {
		if strings.Contains(orgURL, admin) {
			return "", fmt.Errorf("%q is the Admin Console's address; use the org URL without \"-admin\", for example %s", raw, orgURLExample)
		}
	}
	if strings.HasSuffix(orgURL, ".com.com") {
		return "", fmt.Errorf("%q ends in \".com.com\"; set it like %s", raw, orgURLExample)
	}
	return orgURL, nil
}

// CheckAPIToken refuses a token that carries its scheme (the client adds "SSWS " itself) and the SDK
// documentation's placeholder, which the SDK refuses.
func CheckAPIToken(token string) error {
	if strings.HasPrefix(strings.TrimSpace(token), "SSWS ") {
		return errors.New("the API token starts with \"SSWS \"; give the token alone, the scheme is added for it")
	}
	if strings.Contains(token, "{apiToken}") {
		return errors.New("the API token is the placeholder {apiToken}; give the token created under Security > API > Tokens")
	}
	return nil
}

// ParsePrivateKey parses a service app's PEM private key into what signs its client assertions: RSA
// (PKCS#1 or PKCS#8, RS256) or EC on P-256, P-384 or P-521 (SEC 1 or PKCS#8, ES256/384/512), the keys
// Okta accepts for private_key_jwt. Literal "\n" sequences count as line breaks (a key kept on one line
// of an environment variable). Errors name the structure, never key bytes.
func ParsePrivateKey(pemText []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(bytes.TrimSpace(bytes.ReplaceAll(pemText, []byte(`\n`), []byte("\n"))))
	if block == nil {
		return nil, errors.New("no PEM block could be decoded; paste the key including its -----BEGIN/-----END lines, with the line breaks kept")
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the \"RSA PRIVATE KEY\" block is not a valid PKCS#1 RSA key; export the key again (openssl genrsa or openssl rsa)")
		}
		key = k
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the \"EC PRIVATE KEY\" block is not a valid SEC 1 EC key; export the key again (openssl ecparam -genkey or openssl ec)")
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the \"PRIVATE KEY\" block is not a valid PKCS#8 key; export the key again (openssl pkcs8 -topk8 -nocrypt)")
		}
		key = k
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("the key is encrypted; give an unencrypted PEM key (openssl pkcs8 -topk8 -nocrypt), kept in a secret store")
	default:
		return nil, fmt.Errorf("the PEM block is a %q, not a private key; give the RSA or EC private key (\"RSA PRIVATE KEY\", \"EC PRIVATE KEY\" or \"PRIVATE KEY\"), not the certificate or public key", block.Type)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		if _, err := ecAlgorithm(k); err != nil {
			return nil, err
		}
		return k, nil
	default:
		return nil, fmt.Errorf("the key is a %T; Okta signs client assertions with an RSA key or an EC key on P-256, P-384 or P-521", k)
	}
}

// ecAlgorithm is the JWS algorithm of an EC key's curve.
func ecAlgorithm(k *ecdsa.PrivateKey) (jose.SignatureAlgorithm, error) {
	switch k.Curve {
	case elliptic.P256():
		return jose.ES256, nil
	case elliptic.P384():
		return jose.ES384, nil
	case elliptic.P521():
		return jose.ES512, nil
	default:
		return "", fmt.Errorf("the EC key is on %s; Okta accepts P-256, P-384 and P-521", k.Curve.Params().Name)
	}
}

// newKeySigner builds the client-assertion signer; the SDK's own parser accepts PKCS#1 only.
func newKeySigner(pemKey, keyID string) (jose.Signer, error) {
	key, err := ParsePrivateKey([]byte(pemKey))
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %w", ErrValidation, err)
	}
	alg := jose.RS256
	if ec, ok := key.(*ecdsa.PrivateKey); ok {
		if alg, err = ecAlgorithm(ec); err != nil {
			return nil, fmt.Errorf("%w: private key: %w", ErrValidation, err)
		}
	}
	opts := &jose.SignerOptions{}
	if keyID != "" {
		opts = opts.WithHeader("kid", keyID)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return nil, errors.Join(ErrValidation, err)
	}
	return signer, nil
}

// tokenCallTimeout bounds the SDK's OAuth token request, which carries no caller context.
const tokenCallTimeout = 2 * time.Minute

// boundTokenCalls returns a client that sends everything through next and gives the SDK's token
// call, which has no context of its own, a deadline.
func boundTokenCalls(next *http.Client) *http.Client {
	return &http.Client{
		Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Context().Done() != nil || !strings.HasSuffix(req.URL.Path, "/oauth2/v1/token") {
				return next.Do(req)
			}
			ctx, cancel := context.WithTimeout(req.Context(), tokenCallTimeout)
			resp, err := next.Do(req.WithContext(ctx))
			if err != nil {
				cancel()
				return nil, err
			}
			// The deadline must outlive the body, which the SDK reads after Do returns.
			resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}),
		// next has already applied its redirect policy.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// Raw calls an endpoint through the SDK's request executor (auth, JSON, pagination headers) for the
// APIs v2 lacks types for. body is JSON-encoded; out receives the decoded JSON (nil for 204).
func (c *Client) Raw(ctx context.Context, method, path string, body, out any) (*oktasdk.Response, error) {
	re := c.SDK.CloneRequestExecutor()
	req, err := re.WithAccept("application/json").WithContentType("application/json").NewRequest(method, path, body)
	if err != nil {
		return nil, ConvertError(nil, err)
	}
	resp, err := re.Do(ctx, req, out)
	if err != nil {
		return resp, ConvertError(resp, err)
	}
	return resp, nil
}
