package oktaemu

// This file shapes OpenID Connect client apps (name oidc_client, signOnMode OPENID_CONNECT) and serves their
// client secrets, after the recorded create in TestAccResourceOktaAppGroupAssignment_crud and the
// OpenIdConnectApplication schemas of management.yaml.

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
)

// oauthSettingsDefaults are the settings.oauthClient values Okta fills (recorded response).
var oauthSettingsDefaults = map[string]any{
	"client_uri": nil, "logo_uri": nil, "redirect_uris": []any{}, "response_types": []any{"code"},
	"grant_types": []any{"authorization_code"}, "application_type": "web", "consent_method": "TRUSTED",
	"issuer_mode": "ORG_URL", "idp_initiated_login": map[string]any{"mode": "DISABLED", "default_scope": []any{}},
	"wildcard_redirect": "DISABLED", "dpop_bound_access_tokens": false, "participate_slo": false,
}

var oauthApplicationTypes = []string{"web", "native", "browser", "service"}

// shapeOAuthClientSettings fills settings.oauthClient. An authorization_code or implicit client needs a redirect
// URI (OpenIdConnectApplicationSettingsClient: redirect_uris "required if grant_types includes
// authorization_code or implicit").
func shapeOAuthClientSettings(in map[string]any) (map[string]any, string, []string) {
	out := withDefaults(oauthSettingsDefaults, in)
	if t, _ := out["application_type"].(string); !slices.Contains(oauthApplicationTypes, t) {
		return nil, "settings.oauthClient.application_type", []string{"application_type: Does not match required pattern"}
	}
	grants, _ := out["grant_types"].([]any)
	uris, _ := out["redirect_uris"].([]any)
	if len(uris) == 0 && (slices.Contains(grants, any("authorization_code")) || slices.Contains(grants, any("implicit"))) {
		return nil, "settings.oauthClient.redirect_uris", []string{"redirect_uris: The field cannot be left blank"}
	}
	return out, "", nil
}

// secretMethods are the token endpoint auth methods that use a client secret.
var secretMethods = []string{"client_secret_basic", "client_secret_post", "client_secret_jwt"}

// shapeOAuthClientCredentials fills credentials.oauthClient: client_id is the app id, and a client that
// authenticates with a secret gets one on create and keeps it on replace.
func shapeOAuthClientCredentials(in, prev map[string]any, appID string) (map[string]any, string, []string) {
	out := withDefaults(map[string]any{"autoKeyRotation": true, "token_endpoint_auth_method": "client_secret_basic",
		"pkce_required": false}, in)
	method, _ := out["token_endpoint_auth_method"].(string)
	if !slices.Contains(secretMethods, method) && method != "none" && method != "private_key_jwt" {
		return nil, "credentials.oauthClient.token_endpoint_auth_method", []string{"token_endpoint_auth_method: Does not match required pattern"}
	}
	out["client_id"] = appID
	delete(out, "client_secret")
	if slices.Contains(secretMethods, method) {
		secret, _ := prev["client_secret"].(string)
		if secret == "" {
			secret = randomString(64)
		}
		out["client_secret"] = secret
	}
	return out, "", nil
}

// listClientSecrets serves GET /api/v1/apps/{appId}/credentials/secrets (listOAuth2ClientSecrets): the client's
// one secret, or none for a client without one; an app that is not an OIDC client is not found.
func (s *Server) listClientSecrets(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		client, isOIDC := obj(rec.Body["credentials"])["oauthClient"].(map[string]any)
		if !isOIDC {
			writeNotFound(w, r.PathValue("appId"), "OAuth2Client")
			return false
		}
		out := []any{}
		if secret, _ := client["client_secret"].(string); secret != "" {
			sum := sha256.Sum256([]byte(secret))
			hash := base64.RawURLEncoding.EncodeToString(sum[:])
			out = append(out, map[string]any{
				"id": "ocs" + hash[:17], "status": "ACTIVE", "client_secret": secret, "secret_hash": hash[:22],
				"created": rec.Body["created"], "lastUpdated": rec.Body["created"],
			})
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}
