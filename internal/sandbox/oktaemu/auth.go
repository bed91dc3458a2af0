package oktaemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// grantableScopes are the Okta management scopes an admin can grant the service app: those the routes need
// (see routes) and a few more that real configurations ask for. A new org's service app holds all of them
// until GrantScopes narrows it.
var grantableScopes = []string{
	"okta.apps.manage", "okta.apps.read",
	"okta.groups.manage", "okta.groups.read",
	"okta.users.manage", "okta.users.read",
	"okta.policies.manage", "okta.policies.read",
	"okta.networkZones.manage", "okta.networkZones.read",
	"okta.deviceAssurance.manage", "okta.deviceAssurance.read",
	"okta.logs.read", "okta.schemas.manage", "okta.schemas.read", "okta.orgs.read",
	"okta.userTypes.manage", "okta.userTypes.read",
}

// accessTokenLifetime is what Okta's org authorization server grants to client_credentials tokens.
const accessTokenLifetime = time.Hour

// orgCredentials is the API token and the OAuth service app of the org.
type orgCredentials struct {
	OrgURL        string   `json:"orgUrl"`
	APIToken      string   `json:"apiToken"`
	ClientID      string   `json:"clientId"`
	PrivateKeyPEM string   `json:"privateKeyPem"`
	PrivateKeyID  string   `json:"privateKeyId"`
	Scopes        []string `json:"scopes"`

	public *rsa.PublicKey
}

func newOrgCredentials(orgURL string) (orgCredentials, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return orgCredentials{}, fmt.Errorf("oktaemu: generate service app key: %w", err)
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return orgCredentials{}, err
	}
	sum := sha256.Sum256(pub)
	c := orgCredentials{
		OrgURL:        orgURL,
		APIToken:      "00" + randomString(40),
		ClientID:      "0oa" + randomString(17),
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})),
		PrivateKeyID:  base64.RawURLEncoding.EncodeToString(sum[:]),
		Scopes:        slices.Clone(grantableScopes),
		public:        &key.PublicKey,
	}
	return c, nil
}

// parse restores the public key after the credentials were loaded from JSON.
func (c *orgCredentials) parse() error {
	block, _ := pem.Decode([]byte(c.PrivateKeyPEM))
	if block == nil {
		return errors.New("oktaemu: load state: service app key is not PEM")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("oktaemu: load state: service app key: %w", err)
	}
	c.public = &key.PublicKey
	return nil
}

// GrantScopes replaces the scopes granted to the org's service app, as an admin does on its Okta API Scopes
// tab: token requests for any other scope fail with invalid_scope. Tokens issued before keep their scopes.
func (s *Server) GrantScopes(scopes []string) error {
	granted := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if !slices.Contains(grantableScopes, sc) {
			return fmt.Errorf("oktaemu: the service app cannot be granted %q: the emulator knows %s", sc, strings.Join(grantableScopes, ", "))
		}
		if !slices.Contains(granted, sc) {
			granted = append(granted, sc)
		}
	}
	s.mu.Lock()
	s.st.Creds.Scopes = granted
	s.mu.Unlock()
	s.ctrl.Changed()
	return nil
}

// hasScope reports whether a token's scopes allow a route that needs need: a .manage scope also allows
// the routes of its .read sibling, as in Okta.
func hasScope(scopes []string, need string) bool {
	if slices.Contains(scopes, need) {
		return true
	}
	family, isRead := strings.CutSuffix(need, ".read")
	return isRead && slices.Contains(scopes, family+".manage")
}

// authorize checks SSWS or Bearer credentials. An API token acts with its admin's full rights; a Bearer
// token must hold scope, the one Okta's OpenAPI description names for the route.
func (s *Server) authorize(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		scheme, cred, _ := strings.Cut(authz, " ")
		s.mu.Lock()
		creds := s.st.Creds
		tok, bearerOK := s.st.Tokens[cred]
		s.mu.Unlock()
		switch {
		case strings.EqualFold(scheme, "SSWS") && subtle.ConstantTimeCompare([]byte(cred), []byte(creds.APIToken)) == 1:
			next.ServeHTTP(w, r)
			return
		case strings.EqualFold(scheme, "Bearer"):
			if !bearerOK || !s.now().Before(tok.Expires) {
				s.setBearerChallenge(w, r, "", "invalid_token", "The token is not valid.")
				writeError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
				return
			}
			if !hasScope(tok.Scopes, scope) {
				s.setBearerChallenge(w, r, scope, "insufficient_scope", "The access token provided does not contain the required scopes.")
				writeError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
	})
}

// setBearerChallenge writes the RFC 6750 challenge Okta sends; okta-sdk-golang reads error_description from it.
func (s *Server) setBearerChallenge(w http.ResponseWriter, r *http.Request, scope, code, description string) {
	parts := []string{
		fmt.Sprintf(`Bearer authorization_uri="%s/oauth2/v1/authorize"`, s.cfg.BaseURL),
		fmt.Sprintf(`realm="%s"`, s.cfg.BaseURL),
	}
	if scope != "" {
		parts = append(parts, fmt.Sprintf(`scope="%s"`, scope))
	}
	parts = append(parts, fmt.Sprintf(`error="%s"`, code), fmt.Sprintf(`error_description="%s"`, description),
		fmt.Sprintf(`resource="%s"`, r.URL.Path))
	w.Header().Set("WWW-Authenticate", strings.Join(parts, ", "))
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// handleToken is the org authorization server's token endpoint for client_credentials + private_key_jwt.
// okta-sdk-golang v2 sends the parameters in the query string with an empty body, so both are read.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.Header().Set("Pragma", "no-cache")
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request is malformed.")
		return
	}
	if gt := r.Form.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The 'grant_type' parameter is required.")
			return
		}
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
		return
	}
	if r.Form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.")
		return
	}
	s.mu.Lock()
	creds := s.st.Creds
	s.mu.Unlock()
	assertion := r.Form.Get("client_assertion")
	_, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return creds.public, nil },
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(creds.ClientID),
		jwt.WithSubject(creds.ClientID),
		jwt.WithAudience(s.cfg.BaseURL+"/oauth2/v1/token"),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now))
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", assertionProblem(err))
		return
	}
	requested := strings.Fields(r.Form.Get("scope"))
	if len(requested) == 0 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "The authorization server resource does not have any configured default scopes, 'scope' must be provided.")
		return
	}
	var missing []string
	for _, sc := range requested {
		if !slices.Contains(creds.Scopes, sc) {
			missing = append(missing, sc)
		}
	}
	if len(missing) > 0 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "The following scopes were requested, but not granted: "+strings.Join(missing, " "))
		return
	}
	token := randomString(64)
	s.mu.Lock()
	s.st.Tokens[token] = issuedToken{ClientID: creds.ClientID, Scopes: requested, Expires: s.now().Add(accessTokenLifetime)}
	s.mu.Unlock()
	s.ctrl.Changed()
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLifetime.Seconds()),
		"access_token": token,
		"scope":        strings.Join(requested, " "),
	})
}

// assertionProblem words a client_assertion failure the way Okta's token endpoint does.
func assertionProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "The client_assertion token is expired."
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "The client_assertion token must contain an 'exp' claim."
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "The audience claim for client_assertion must be the endpoint invoked for the request."
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidSubject):
		return "The client_assertion token has an invalid issuer or subject; both must be the client_id."
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "The client_assertion signature is invalid."
	default:
		return "The client_assertion token is malformed or not signed with the client's key."
	}
}
