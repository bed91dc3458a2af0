package sfemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type oauthError struct{ code, description string }

func writeOAuthError(w http.ResponseWriter, e oauthError) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": e.code, "error_description": e.description})
}

// handleToken serves POST /services/oauth2/token for the JWT bearer and client credentials flows.
func (o *Org) handleToken(w http.ResponseWriter, r *http.Request) {
	body, aerr := readBody(r)
	if aerr != nil {
		writeOAuthError(w, oauthError{"invalid_request", "invalid request body"})
		return
	}
	r.Body = http.NoBody
	form, err := parseForm(body)
	if err != nil {
		writeOAuthError(w, oauthError{"invalid_request", "invalid form body"})
		return
	}
	o.mu.Lock()
	var userID string
	var oe *oauthError
	switch form.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		userID, oe = o.verifyAssertion(form.Get("assertion"))
	case "client_credentials":
		userID, oe = o.verifyClient(form.Get("client_id"), form.Get("client_secret"))
	case "password":
		// Orgs created since Summer '23 block the username-password flow; this is how that fails.
		oe = &oauthError{"invalid_grant", "authentication failure"}
	default:
		oe = &oauthError{"unsupported_grant_type", "grant type not supported"}
	}
	if oe != nil {
		o.mu.Unlock()
		writeOAuthError(w, *oe)
		return
	}
	now := o.now()
	token := o.keys.OrgID[:15] + "!" + randomToken(96)
	o.sessions[token] = session{UserID: userID, IssuedAt: now}
	orgID, base := o.keys.OrgID, o.cfg.BaseURL
	issued := strconv.FormatInt(now.UnixMilli(), 10)
	id := base + "/id/" + orgID + "/" + userID
	mac := hmac.New(sha256.New, []byte(o.keys.ClientSecret))
	_, _ = mac.Write([]byte(id + issued))
	o.mu.Unlock()
	o.cfg.Control.Changed()
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": token, "signature": base64.StdEncoding.EncodeToString(mac.Sum(nil)), "scope": "api",
		"instance_url": base, "id": id, "token_type": "Bearer", "issued_at": issued,
	})
}

func (o *Org) verifyClient(clientID, secret string) (string, *oauthError) {
	if clientID != o.keys.ClientID {
		return "", &oauthError{"invalid_client_id", "client identifier invalid"}
	}
	if !hmac.Equal([]byte(secret), []byte(o.keys.ClientSecret)) {
		return "", &oauthError{"invalid_client", "invalid client credentials"}
	}
	admin := o.lookup("User", o.adminID)
	if admin == nil || admin["IsActive"] != true {
		return "", &oauthError{"invalid_grant", "no client credentials user enabled"}
	}
	return str(admin, "Id"), nil
}

// verifyAssertion checks a JWT bearer assertion. exp is checked by hand because go-salesforce sends it
// as a JSON string, which golang-jwt's claim validation refuses.
func (o *Org) verifyAssertion(assertion string) (string, *oauthError) {
	invalid := &oauthError{"invalid_grant", "invalid assertion"}
	block, _ := pem.Decode([]byte(o.keys.CertificatePEM))
	if block == nil {
		return "", invalid
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", invalid
	}
	// The consumer key is looked up before the signature is checked, as Salesforce does.
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, unverified); err != nil {
		return "", invalid
	}
	if iss, _ := unverified["iss"].(string); iss != o.keys.ClientID {
		return "", &oauthError{"invalid_client_id", "client identifier invalid"}
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) { return cert.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return "", invalid
	}
	if !o.audienceOK(claims["aud"]) {
		return "", &oauthError{"invalid_grant", "audience is invalid"}
	}
	exp, ok := numericClaim(claims["exp"])
	now := o.now()
	if !ok {
		return "", invalid
	}
	if time.Unix(exp, 0).Before(now) {
		return "", &oauthError{"invalid_grant", "expired authorization code"}
	}
	// No upper bound on exp: the help page (remoteaccess_oauth_jwt_flow.htm) asks for an exp "within 3 minutes",
	// exp = now+300s works in practice, and no maximum lead time is documented or verified
	// (salesforce-session-and-logs.md §8 and open point 6), so an assertion valid for longer is not refused.
	sub, _ := claims["sub"].(string)
	user := o.findRow("User", "Username", sub)
	if user == nil {
		return "", &oauthError{"invalid_grant", "user hasn't approved this consumer"}
	}
	if user["IsActive"] != true {
		return "", &oauthError{"invalid_grant", "inactive user"}
	}
	return str(user, "Id"), nil
}

// JWTAudience is the JWT bearer aud this org accepts: https://test.salesforce.com for a sandbox org,
// https://login.salesforce.com otherwise. Its login URL is a loopback address, from which a client cannot
// tell which one, so the sandbox hands it out with the credentials, as an admin would set jwt_audience.
func (o *Org) JWTAudience() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.jwtAudienceLocked()
}

func (o *Org) jwtAudienceLocked() string {
	if org := o.lookup("Organization", o.keys.OrgID); org != nil && org["IsSandbox"] == true {
		return "https://test.salesforce.com"
	}
	return "https://login.salesforce.com"
}

// audienceOK accepts what Salesforce accepts (salesforce-session-and-logs.md §8): login.salesforce.com for
// production and Developer Edition orgs, test.salesforce.com for sandboxes. Not the org's My Domain (its
// base URL here), though the token request goes there, and not the other environment's host. Salesforce also
// takes an Experience Cloud site's URL; the emulator serves no sites. o.mu must be held.
func (o *Org) audienceOK(aud any) bool {
	want := o.jwtAudienceLocked()
	check := func(s string) bool { return strings.TrimRight(s, "/") == want }
	switch a := aud.(type) {
	case string:
		return check(a)
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok && check(s) {
				return true
			}
		}
	}
	return false
}

// numericClaim accepts exp as a JSON number or as a decimal string.
func numericClaim(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// authenticate maps a bearer token (REST) or session id (SOAP) to its user. o.mu must be held.
func (o *Org) authenticate(token string) (string, bool) {
	s, ok := o.sessions[token]
	if !ok {
		return "", false
	}
	if o.lookup("User", s.UserID)["IsActive"] != true {
		return "", false
	}
	return s.UserID, true
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "OAuth "} {
		if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
			return strings.TrimSpace(h[len(scheme):])
		}
	}
	return ""
}
