package okta

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

// Validity bounds Okta enforces on generated app keys (400 E0000001 outside them).
const (
	MinKeyValidityYears = 2
	MaxKeyValidityYears = 10
)

// AppKey is an app's SAML signing credential (a JWK with its X.509 certificate).
type AppKey struct {
	KID               string
	Created           time.Time
	ExpiresAt         time.Time
	Certificate       *x509.Certificate
	CertificatePEM    string
	SHA256Fingerprint string // upper-case hex pairs joined by colons, of SHA-256(DER)
}

// ListAppKeys returns the app's signing keys (GET /api/v1/apps/{id}/credentials/keys).
func (c *Client) ListAppKeys(ctx context.Context, appID string) ([]AppKey, error) {
	jwks, resp, err := c.SDK.Application.ListApplicationKeys(ctx, appID)
	if err != nil {
		return nil, fmt.Errorf("list keys of okta app %s: %w", appID, ConvertError(resp, err))
	}
	keys := make([]AppKey, 0, len(jwks))
	for _, jwk := range jwks {
		k, err := appKeyFromJWK(jwk)
		if err != nil {
			return nil, fmt.Errorf("okta app %s: %w", appID, err)
		}
		keys = append(keys, *k)
	}
	return keys, nil
}

// GenerateAppKey creates a new signing key valid for validityYears (2–10). It does not make the key
// active: set SAMLApp.SigningKID through UpdateSAMLApp for that.
func (c *Client) GenerateAppKey(ctx context.Context, appID string, validityYears int) (*AppKey, error) {
	if validityYears < MinKeyValidityYears || validityYears > MaxKeyValidityYears {
		return nil, fmt.Errorf("%w: key validity must be %d to %d years, got %d", ErrValidation, MinKeyValidityYears, MaxKeyValidityYears, validityYears)
	}
	jwk, resp, err := c.SDK.Application.GenerateApplicationKey(ctx, appID, query.NewQueryParams(query.WithValidityYears(int64(validityYears))))
	if err != nil {
		return nil, fmt.Errorf("generate a key for okta app %s: %w", appID, ConvertError(resp, err))
	}
	k, err := appKeyFromJWK(jwk)
	if err != nil {
		return nil, fmt.Errorf("okta app %s: %w", appID, err)
	}
	return k, nil
}

// SAMLMetadata returns the app's IdP metadata XML as Okta serves it (GET …/sso/saml/metadata, Accept
// application/xml). kid picks the signing key; empty means Okta's choice, the active key.
func (c *Client) SAMLMetadata(ctx context.Context, appID, kid string) ([]byte, error) {
	var qp *query.Params
	if kid != "" {
		qp = query.NewQueryParams(query.WithKid(kid))
	}
	resp, err := c.SDK.Application.PreviewSAMLAppMetadata(ctx, appID, qp)
	if err != nil {
		return nil, fmt.Errorf("read SAML metadata of okta app %s: %w", appID, ConvertError(resp, err))
	}
	if resp == nil || resp.Response == nil || resp.Body == nil {
		return nil, fmt.Errorf("read SAML metadata of okta app %s: the response has no body", appID)
	}
	// The SDK has already read the body and put a copy back for callers that want the raw bytes.
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read SAML metadata of okta app %s: %w", appID, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("read SAML metadata of okta app %s: the response body is empty", appID)
	}
	return b, nil
}

func appKeyFromJWK(jwk *oktasdk.JsonWebKey) (*AppKey, error) {
	if jwk == nil {
		return nil, errors.New("okta returned an empty key")
	}
	if len(jwk.X5c) == 0 {
		return nil, fmt.Errorf("key %s has no x5c certificate", jwk.Kid)
	}
	// x5c entries are standard base64 DER (RFC 7517 §4.7), not base64url.
	der, err := base64.StdEncoding.DecodeString(jwk.X5c[0])
	if err != nil {
		return nil, fmt.Errorf("key %s: x5c[0] is not base64: %w", jwk.Kid, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("key %s: x5c[0] is not an X.509 certificate: %w", jwk.Kid, err)
	}
	k := &AppKey{
		KID: jwk.Kid, Certificate: cert,
		CertificatePEM: saml.CertificatePEM(cert), SHA256Fingerprint: saml.Fingerprint(cert),
		ExpiresAt: cert.NotAfter.UTC(),
	}
	if jwk.Created != nil {
		k.Created = jwk.Created.UTC()
	}
	if jwk.ExpiresAt != nil {
		k.ExpiresAt = jwk.ExpiresAt.UTC()
	}
	return k, nil
}
