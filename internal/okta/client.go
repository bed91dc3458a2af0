// Package okta is the provider's Okta Management API client: okta-sdk-golang v2 configured for
// Terraform (no cache, retries owned by internal/transport), typed errors, and raw calls for the
// endpoints v2 has no types for.
package okta

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
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
	PrivateKey   string // PEM, PKCS#1 or PKCS#8 (RSA or EC)
	PrivateKeyID string
	Scopes       []string
	HTTPClient   *http.Client // default: transport.NewHTTPClient for Okta
}

// Client wraps the v2 SDK client; use SDK for typed calls and Raw for the rest.
type Client struct {
	SDK    *oktasdk.Client
	orgURL string
}

// New validates cfg and builds the client without any network call.
func New(ctx context.Context, cfg Config) (*Client, error) {
	orgURL, loopbackHTTP, err := normaliseOrgURL(cfg.OrgURL)
	if err != nil {
		return nil, err
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})
	}
	setters := []oktasdk.ConfigSetter{
		oktasdk.WithOrgUrl(orgURL),
		// The SDK cache serves stale reads to Terraform (it caches every GET for 5 minutes).
		oktasdk.WithCache(false),
		// The transport owns 429 handling; SDK retries would multiply the attempts.
		oktasdk.WithRateLimitMaxRetries(0),
		oktasdk.WithRequestTimeout(0),
		oktasdk.WithHttpClientPtr(httpClient),
		oktasdk.WithTestingDisableHttpsCheck(loopbackHTTP),
	}
	switch {
	case cfg.APIToken != "" && cfg.PrivateKey != "":
		return nil, fmt.Errorf("%w: set either an API token or a client ID with a private key, not both", ErrValidation)
	case cfg.APIToken != "":
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

// normaliseOrgURL trims the trailing "/" (the SDK would send "//api") and allows http only on loopback.
func normaliseOrgURL(raw string) (string, bool, error) {
	trimmed := strings.TrimRight(strings.TrimSpace(raw), "/")
	if trimmed == "" {
		return "", false, fmt.Errorf("%w: the Okta org URL is empty", ErrValidation)
	}
	u, err := url.Parse(trimmed)
	if err != nil || u.Host == "" {
		return "", false, fmt.Errorf("%w: the Okta org URL %q is not an absolute URL", ErrValidation, raw)
	}
	if u.Path != "" || u.RawQuery != "" {
		return "", false, fmt.Errorf("%w: the Okta org URL %q must not have a path or query", ErrValidation, raw)
	}
	switch u.Scheme {
	case "https":
		return trimmed, false, nil
	case "http":
		if isLoopback(u.Hostname()) {
			return trimmed, true, nil
		}
		return "", false, fmt.Errorf("%w: the Okta org URL %q must use https (http is allowed only for loopback hosts)", ErrValidation, raw)
	default:
		return "", false, fmt.Errorf("%w: the Okta org URL %q must use https", ErrValidation, raw)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newKeySigner builds the client-assertion signer; the SDK's own parser accepts PKCS#1 only.
func newKeySigner(pemKey, keyID string) (jose.Signer, error) {
	block, _ := pem.Decode([]byte(strings.ReplaceAll(pemKey, `\n`, "\n")))
	if block == nil {
		return nil, fmt.Errorf("%w: the private key is not PEM encoded", ErrValidation)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: unsupported PEM block %q (want a PKCS#1 or PKCS#8 private key)", ErrValidation, block.Type)
	}
	if err != nil {
		// The parse error names the structure only, never key bytes.
		return nil, fmt.Errorf("%w: the private key cannot be parsed: %v", ErrValidation, err)
	}
	var alg jose.SignatureAlgorithm
	switch k := key.(type) {
	case *rsa.PrivateKey:
		alg = jose.RS256
	case *ecdsa.PrivateKey:
		switch k.Curve.Params().BitSize {
		case 256:
			alg = jose.ES256
		case 384:
			alg = jose.ES384
		case 521:
			alg = jose.ES512
		default:
			return nil, fmt.Errorf("%w: unsupported EC curve", ErrValidation)
		}
	default:
		return nil, fmt.Errorf("%w: the private key must be RSA or EC", ErrValidation)
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
