package oktaemu

// This file holds app signing key credentials: real RSA-2048 self-signed certificates shaped like Okta's, their
// JWK rendering and the /api/v1/apps/{appId}/credentials/keys routes.

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// signingKey is an app signing credential with its certificate and private key (kept for the sandbox IdP).
type signingKey struct {
	Kid         string    `json:"kid"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// CertDER is the self-signed X.509 certificate served as x5c.
	CertDER []byte `json:"certDer"`
	// PrivateKeyDER is the PKCS#1 private key matching the certificate.
	PrivateKeyDER []byte `json:"privateKeyDer"`

	cert *x509.Certificate
}

// certificate parses CertDER once; keys loaded from state are parsed on first use.
func (k *signingKey) certificate() (*x509.Certificate, error) {
	if k.cert == nil {
		c, err := x509.ParseCertificate(k.CertDER)
		if err != nil {
			return nil, fmt.Errorf("oktaemu: signing key %s: %w", k.Kid, err)
		}
		k.cert = c
	}
	return k.cert, nil
}

// jwk is the wire shape of an app key credential, fields in the order Okta sends them.
type jwk struct {
	Kty         string   `json:"kty"`
	Created     string   `json:"created"`
	LastUpdated string   `json:"lastUpdated"`
	ExpiresAt   string   `json:"expiresAt"`
	Kid         string   `json:"kid"`
	Use         string   `json:"use"`
	X5c         []string `json:"x5c"`
	X5tS256     string   `json:"x5t#S256"`
	E           string   `json:"e"`
	N           string   `json:"n"`
}

func (k *signingKey) jwk() (jwk, error) {
	cert, err := k.certificate()
	if err != nil {
		return jwk{}, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return jwk{}, fmt.Errorf("oktaemu: signing key %s is not RSA", k.Kid)
	}
	sum := sha256.Sum256(k.CertDER)
	return jwk{
		Kty: "RSA", Created: fmtTime(k.Created), LastUpdated: fmtTime(k.LastUpdated), ExpiresAt: fmtTime(k.ExpiresAt),
		Kid: k.Kid, Use: "sig", X5c: []string{base64.StdEncoding.EncodeToString(k.CertDER)},
		X5tS256: base64.RawURLEncoding.EncodeToString(sum[:]),
		E:       base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		N:       base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
	}, nil
}

// rsaKeyPool keeps a few 2048-bit keys generated ahead in the background, because one key costs 50–500 ms and
// every SAML app create needs one; each key is handed out once, so every credential is distinct.
var rsaKeyPool = struct {
	once sync.Once
	keys chan *rsa.PrivateKey
}{keys: make(chan *rsa.PrivateKey, 6)}

func warmKeyPool() {
	rsaKeyPool.once.Do(func() {
		go func() {
			for {
				k, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					continue
				}
				rsaKeyPool.keys <- k
			}
		}()
	})
}

// takeRSAKey returns a fresh key from the pool, or generates one when the pool is empty.
func takeRSAKey() (*rsa.PrivateKey, error) {
	warmKeyPool()
	select {
	case k := <-rsaKeyPool.keys:
		return k, nil
	default:
		return rsa.GenerateKey(rand.Reader, 2048)
	}
}

// returnRSAKey puts back a key that was taken for a request that failed; it was never shown to anyone.
func returnRSAKey(k *rsa.PrivateKey) {
	if k == nil {
		return
	}
	select {
	case rsaKeyPool.keys <- k:
	default:
	}
}

var (
	oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidProvince     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidLocality     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
)

// oktaCertName is the subject (and issuer) Okta puts on app signing certificates, with its RDN order and string
// types (PrintableString country, UTF8String names, IA5String e-mail), which pkix.Name cannot express.
func oktaCertName(subdomain string) ([]byte, error) {
	attr := func(oid asn1.ObjectIdentifier, tag int, v string) []pkix.AttributeTypeAndValue {
		return []pkix.AttributeTypeAndValue{{Type: oid, Value: asn1.RawValue{Tag: tag, Bytes: []byte(v)}}}
	}
	return asn1.Marshal(pkix.RDNSequence{
		attr(oidCountry, asn1.TagPrintableString, "US"),
		attr(oidProvince, asn1.TagUTF8String, "California"),
		attr(oidLocality, asn1.TagUTF8String, "San Francisco"),
		attr(oidOrganization, asn1.TagUTF8String, "Okta"),
		attr(oidOrgUnit, asn1.TagUTF8String, "SSOProvider"),
		attr(oidCommonName, asn1.TagUTF8String, subdomain),
		attr(oidEmailAddress, asn1.TagIA5String, "info@okta.com"),
	})
}

// newSigningKey certifies key as Okta does: self-signed, serial = creation time in ms, valid from a minute
// before now for years, no extensions.
func newSigningKey(key *rsa.PrivateKey, subdomain string, now time.Time, years int) (*signingKey, error) {
	name, err := oktaCertName(subdomain)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	notAfter := now.AddDate(years, 0, 0).Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(now.UnixMilli()),
		RawSubject:         name,
		RawIssuer:          name,
		NotBefore:          now.Add(-time.Minute).Truncate(time.Second),
		NotAfter:           notAfter,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("oktaemu: certify signing key: %w", err)
	}
	k := &signingKey{Kid: newKid(), Created: now, LastUpdated: now, ExpiresAt: notAfter,
		CertDER: der, PrivateKeyDER: x509.MarshalPKCS1PrivateKey(key)}
	if _, err := k.certificate(); err != nil {
		return nil, err
	}
	return k, nil
}

func (s *Server) findKey(appID, kid string) *signingKey {
	for _, k := range s.st.Keys[appID] {
		if k.Kid == kid {
			return k
		}
	}
	return nil
}

// activeKey is the key named by the app's credentials.signing.kid, or nil.
func (s *Server) activeKey(rec *appRec) *signingKey {
	kid := signingKid(rec)
	if kid == "" {
		return nil
	}
	return s.findKey(rec.Body["id"].(string), kid)
}

func writeKeyNotFound(w http.ResponseWriter, kid string) {
	writeNotFound(w, kid, "AppInstanceKeyCredential")
}

func (s *Server) listAppKeys(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		out := make([]jwk, 0, len(s.st.Keys[rec.Body["id"].(string)]))
		for _, k := range s.st.Keys[rec.Body["id"].(string)] {
			j, err := k.jwk()
			if err != nil {
				s.WriteServerError(w, r, http.StatusInternalServerError)
				return false
			}
			out = append(out, j)
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

func (s *Server) getAppKey(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		k := s.findKey(rec.Body["id"].(string), r.PathValue("keyId"))
		if k == nil {
			writeKeyNotFound(w, r.PathValue("keyId"))
			return false
		}
		s.writeKey(w, r, http.StatusOK, k)
		return false
	})
}

func (s *Server) writeKey(w http.ResponseWriter, r *http.Request, status int, k *signingKey) {
	j, err := k.jwk()
	if err != nil {
		s.WriteServerError(w, r, http.StatusInternalServerError)
		return
	}
	writeJSON(w, status, j)
}

// validityYears reads ?validityYears=; Okta accepts 2 to 10 and treats anything else (or nothing) as out of range.
func validityYears(r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.URL.Query().Get("validityYears"))
	return n, err == nil && n >= 2 && n <= 10
}

// generateAppKey adds a new key credential to the app; it does not become active until a PUT names its kid.
func (s *Server) generateAppKey(w http.ResponseWriter, r *http.Request) {
	years, inRange := validityYears(r)
	var key *rsa.PrivateKey
	if inRange {
		var err error
		// The expensive RSA generation happens before the state lock is taken.
		if key, err = takeRSAKey(); err != nil {
			s.WriteServerError(w, r, http.StatusInternalServerError)
			return
		}
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			returnRSAKey(key)
			return false
		}
		if !inRange {
			writeValidation(w, "generateKey", "Validity years out of range. It should be 2 - 10 years.")
			return false
		}
		k, err := newSigningKey(key, s.st.Org.Subdomain, s.now(), years)
		if err != nil {
			s.WriteServerError(w, r, http.StatusInternalServerError)
			return false
		}
		id := rec.Body["id"].(string)
		s.st.Keys[id] = append(s.st.Keys[id], k)
		s.writeKey(w, r, http.StatusCreated, k)
		return true
	})
}

// cloneAppKey copies a key credential (same kid, certificate and private key) to another app.
func (s *Server) cloneAppKey(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		src := s.findKey(rec.Body["id"].(string), r.PathValue("keyId"))
		if src == nil {
			writeKeyNotFound(w, r.PathValue("keyId"))
			return false
		}
		targetID := r.URL.Query().Get("targetAid")
		if targetID == "" {
			writeValidation(w, "cloneKey", "targetAid: The field cannot be left blank")
			return false
		}
		target := s.findApp(w, targetID)
		if target == nil {
			return false
		}
		targetID = target.Body["id"].(string)
		if s.findKey(targetID, src.Kid) != nil {
			writeValidation(w, "cloneKey", "Key already exists in the list of key credentials for the target app.")
			return false
		}
		clone := *src
		s.st.Keys[targetID] = append(s.st.Keys[targetID], &clone)
		s.writeKey(w, r, http.StatusCreated, &clone)
		return true
	})
}

// ErrNoSigningKey is returned by AppSigningKey for an app without an active signing key.
var ErrNoSigningKey = errors.New("oktaemu: app has no active signing key")

// AppSigningKey returns the active signing certificate and private key of an app, for the sandbox IdP that signs
// SAML responses with them.
func (s *Server) AppSigningKey(appID string) (*x509.Certificate, *rsa.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.st.Apps[appID]
	if !ok {
		return nil, nil, fmt.Errorf("oktaemu: app %s not found", appID)
	}
	k := s.activeKey(rec)
	if k == nil {
		return nil, nil, ErrNoSigningKey
	}
	cert, err := k.certificate()
	if err != nil {
		return nil, nil, err
	}
	priv, err := x509.ParsePKCS1PrivateKey(k.PrivateKeyDER)
	if err != nil {
		return nil, nil, fmt.Errorf("oktaemu: signing key %s: %w", k.Kid, err)
	}
	return cert, priv, nil
}
