package oktaemu

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// createSAMLApp creates a custom SAML app through the SDK.
func createSAMLApp(t *testing.T, c *okta.Client, label string) *okta.SamlApplication {
	t.Helper()
	created, _, err := c.Application.CreateApplication(context.Background(), newSAMLApp(label), nil)
	if err != nil {
		t.Fatal(err)
	}
	return created.(*okta.SamlApplication)
}

// checkJWK proves a served key is a real Okta-shaped credential and returns its certificate.
func checkJWK(t *testing.T, k *okta.JsonWebKey, years int) *x509.Certificate {
	t.Helper()
	if k.Kty != "RSA" || k.Use != "sig" || len(k.Kid) != 43 || len(k.X5c) != 1 || k.Created == nil || k.LastUpdated == nil || k.ExpiresAt == nil {
		t.Fatalf("JWK shape: %+v", k)
	}
	der, err := base64.StdEncoding.DecodeString(k.X5c[0])
	if err != nil {
		t.Fatalf("x5c is not base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("x5c is not an X.509 certificate: %v", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 {
		t.Fatalf("certificate key %T is not RSA-2048", cert.PublicKey)
	}
	n, _ := base64.RawURLEncoding.DecodeString(k.N)
	e, _ := base64.RawURLEncoding.DecodeString(k.E)
	if new(big.Int).SetBytes(n).Cmp(pub.N) != 0 || new(big.Int).SetBytes(e).Int64() != int64(pub.E) || k.E != "AQAB" {
		t.Error("n/e do not match the certificate's public key")
	}
	sum := sha256.Sum256(der)
	if k.X5tS256 != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Errorf("x5t#S256 %q is not the SHA-256 of the DER", k.X5tS256)
	}
	// Okta's certificates carry no basicConstraints, so CheckSignatureFrom (which wants a CA parent) does not apply.
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil || !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		t.Errorf("certificate is not self-signed: %v", err)
	}
	if cert.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("signature algorithm %v", cert.SignatureAlgorithm)
	}
	s := cert.Subject
	if s.CommonName != "sandbox" || s.OrganizationalUnit[0] != "SSOProvider" || s.Organization[0] != "Okta" ||
		s.Locality[0] != "San Francisco" || s.Province[0] != "California" || s.Country[0] != "US" {
		t.Errorf("subject %v", s)
	}
	if last := s.Names[len(s.Names)-1]; !last.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}) || last.Value != "info@okta.com" {
		t.Errorf("subject must end with EMAILADDRESS=info@okta.com, got %v", s.Names)
	}
	want := k.Created.AddDate(years, 0, 0)
	if d := cert.NotAfter.Sub(want); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("NotAfter %v, want ≈ %v (%d years)", cert.NotAfter, want, years)
	}
	if !cert.NotAfter.Equal(*k.ExpiresAt) || cert.NotBefore.After(*k.Created) {
		t.Errorf("validity %v–%v vs created %v expiresAt %v", cert.NotBefore, cert.NotAfter, k.Created, k.ExpiresAt)
	}
	return cert
}

func TestSDKAppKeys(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Keys")
	other := createSAMLApp(t, c, "Clone Target")

	keys, _, err := c.Application.ListApplicationKeys(ctx, app.Id)
	if err != nil || len(keys) != 1 || keys[0].Kid != app.Credentials.Signing.Kid {
		t.Fatalf("auto-created key: %d keys, %v", len(keys), err)
	}
	checkJWK(t, keys[0], 10)
	got, resp, err := c.Application.GetApplicationKey(ctx, app.Id, keys[0].Kid)
	if err != nil || resp.StatusCode != http.StatusOK || got.X5c[0] != keys[0].X5c[0] || got.N != keys[0].N {
		t.Fatalf("get key: %v", err)
	}
	_, resp, err = c.Application.GetApplicationKey(ctx, app.Id, "nosuchkid")
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorCode != "E0000007" {
		t.Errorf("unknown kid: %d %+v", resp.StatusCode, e)
	}

	seen := map[string]bool{keys[0].Kid: true, keys[0].N: true, other.Credentials.Signing.Kid: true}
	tests := []struct {
		years  int64
		status int
	}{
		{2, http.StatusCreated}, {10, http.StatusCreated}, {1, http.StatusBadRequest}, {11, http.StatusBadRequest}, {0, http.StatusBadRequest},
	}
	var generated *okta.JsonWebKey
	for _, tt := range tests {
		k, resp, err := c.Application.GenerateApplicationKey(ctx, app.Id, query.NewQueryParams(query.WithValidityYears(tt.years)))
		if resp == nil || resp.StatusCode != tt.status {
			t.Fatalf("validityYears=%d: %v %v", tt.years, resp, err)
		}
		if tt.status != http.StatusCreated {
			e := oktaErr(t, err)
			if e.ErrorCode != "E0000001" || e.ErrorSummary != "Api validation failed: generateKey" ||
				e.ErrorCauses[0]["errorSummary"] != "Validity years out of range. It should be 2 - 10 years." {
				t.Errorf("validityYears=%d: %+v", tt.years, e)
			}
			continue
		}
		checkJWK(t, k, int(tt.years))
		if seen[k.Kid] || seen[k.N] {
			t.Errorf("generated key %s repeats a kid or modulus", k.Kid)
		}
		seen[k.Kid], seen[k.N] = true, true
		generated = k
	}
	if keys, _, _ = c.Application.ListApplicationKeys(ctx, app.Id); len(keys) != 3 || keys[0].Kid != app.Credentials.Signing.Kid {
		t.Errorf("after 2 generates the app lists %d keys, oldest first", len(keys))
	}
	// Generating does not rotate: the active kid stays until a PUT names another.
	cur, _, err := c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
	if err != nil || cur.(*okta.SamlApplication).Credentials.Signing.Kid != app.Credentials.Signing.Kid {
		t.Errorf("generate must not change the active kid: %v", err)
	}

	cloned, resp, err := c.Application.CloneApplicationKey(ctx, app.Id, generated.Kid, query.NewQueryParams(query.WithTargetAid(other.Id)))
	if err != nil || resp.StatusCode != http.StatusCreated || cloned.Kid != generated.Kid || cloned.X5c[0] != generated.X5c[0] {
		t.Fatalf("clone: %v", err)
	}
	if ks, _, _ := c.Application.ListApplicationKeys(ctx, other.Id); len(ks) != 2 || ks[1].Kid != generated.Kid {
		t.Errorf("target lists %d keys after the clone", len(ks))
	}
	_, resp, err = c.Application.CloneApplicationKey(ctx, app.Id, generated.Kid, query.NewQueryParams(query.WithTargetAid(other.Id)))
	if e := oktaErr(t, err); resp.StatusCode != http.StatusBadRequest || e.ErrorSummary != "Api validation failed: cloneKey" ||
		e.ErrorCauses[0]["errorSummary"] != "Key already exists in the list of key credentials for the target app." {
		t.Errorf("duplicate clone: %+v", e)
	}
	_, resp, err = c.Application.CloneApplicationKey(ctx, app.Id, generated.Kid, query.NewQueryParams(query.WithTargetAid("0oaNoSuchApp00000000")))
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorCode != "E0000007" {
		t.Errorf("clone to an unknown app: %+v", e)
	}
}

func TestSDKKeyRotation(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Rotate")
	next, _, err := c.Application.GenerateApplicationKey(ctx, app.Id, query.NewQueryParams(query.WithValidityYears(3)))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := got.(*okta.SamlApplication)

	tests := []struct {
		name, kid, wantKid string
		wantCode           string
	}{
		{"unknown kid", "T8k-_ep5fLQy5KCx5fO-JuAPGNjvRwpU3gb6bWjuyo8", app.Credentials.Signing.Kid, "E0000001"},
		{"rotate to the generated key", next.Kid, next.Kid, ""},
		{"rotate back", app.Credentials.Signing.Kid, app.Credentials.Signing.Kid, ""},
	}
	last := *before.LastUpdated
	for _, tt := range tests {
		put := *before
		put.Credentials = &okta.ApplicationCredentials{Signing: &okta.ApplicationCredentialsSigning{Kid: tt.kid},
			UserNameTemplate: before.Credentials.UserNameTemplate}
		updated, resp, err := c.Application.UpdateApplication(ctx, app.Id, &put)
		if tt.wantCode != "" {
			if e := oktaErr(t, err); resp.StatusCode != http.StatusBadRequest || e.ErrorCode != tt.wantCode || len(e.ErrorCauses) == 0 {
				t.Errorf("%s: %d %+v", tt.name, resp.StatusCode, e)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		up := updated.(*okta.SamlApplication)
		if up.Credentials.Signing.Kid != tt.wantKid || !up.LastUpdated.After(last) {
			t.Errorf("%s: kid %s lastUpdated %v (previous %v)", tt.name, up.Credentials.Signing.Kid, up.LastUpdated, last)
		}
		last = *up.LastUpdated
		reread, _, err := c.Application.GetApplication(ctx, app.Id, okta.NewSamlApplication(), nil)
		if err != nil || reread.(*okta.SamlApplication).Credentials.Signing.Kid != tt.wantKid {
			t.Errorf("%s: GET does not reflect the active kid: %v", tt.name, err)
		}
		cert, priv, err := org.srv.AppSigningKey(app.Id)
		if err != nil || !cert.PublicKey.(*rsa.PublicKey).Equal(&priv.PublicKey) {
			t.Fatalf("%s: AppSigningKey: %v", tt.name, err)
		}
		if md := fetchMetadata(t, c, app.Id, ""); md.cert() != base64.StdEncoding.EncodeToString(cert.Raw) {
			t.Errorf("%s: metadata without kid does not carry the active certificate", tt.name)
		}
	}
}

// TestLastUpdatedMovesOnRotationWithinOneMillisecond freezes the clock: a kid change must still move lastUpdated.
func TestLastUpdatedMovesOnRotationWithinOneMillisecond(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	frozen := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	org.srv.now = func() time.Time { return frozen }
	c := org.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Frozen")
	next, _, err := c.Application.GenerateApplicationKey(ctx, app.Id, query.NewQueryParams(query.WithValidityYears(2)))
	if err != nil {
		t.Fatal(err)
	}
	app.Credentials.Signing.Kid = next.Kid
	updated, _, err := c.Application.UpdateApplication(ctx, app.Id, app)
	if err != nil {
		t.Fatal(err)
	}
	if lu := *updated.(*okta.SamlApplication).LastUpdated; !lu.After(frozen) {
		t.Errorf("lastUpdated %v did not move past %v", lu, frozen)
	}
}
