package oktaemu

// This file shapes app objects: server defaults, read-only fields and the links Okta derives from state.

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// oinApps are the catalogue (OIN) app names the emulator knows, with the settings.app keys Okta fills.
var oinApps = map[string]map[string]any{
	"salesforce": {"integrationType": "STANDARD", "siteURL": nil, "loginUrl": nil, "logoutUrl": nil, "instanceType": "PRODUCTION",
		"portalID": nil, "myDomain": nil, "orgID": nil, "customDomain": nil},
	// OpenID Connect client (OpenIdConnectApplication): settings.app is empty in the recorded create.
	"oidc_client": {},
	// Bookmark (BookmarkApplication): settings.app.url is required, requestIntegration defaults to false.
	"bookmark": {"requestIntegration": false, "url": nil},
	// PagerDuty and SharePoint (On-Premise): SAML catalogue apps, their settings.app keys as recorded (created in
	// TestAccResourceOktaAppSaml_crud, ../shared/reference/okta/recorded); only these two are known beyond the above.
	"pagerduty":            {"adminUserId": nil, "baseUrl": nil, "subdomain": nil},
	"sharepoint_onpremise": {"groupFilter": nil, "siteURL": nil, "attributeStatements": nil},
}

// catalogueModes is the signOnMode each catalogue app that has one fixed mode requires (the app's schema in
// management.yaml: OpenIdConnectApplication, BookmarkApplication).
var catalogueModes = map[string]string{"oidc_client": "OPENID_CONNECT", "bookmark": "BOOKMARK",
	// As recorded: PagerDuty signs in with SAML 2.0, SharePoint (On-Premise) with SAML 1.1.
	"pagerduty": "SAML_2_0", "sharepoint_onpremise": "SAML_1_1"}

// signsWithKey reports whether an app of the sign-on mode gets a signing key credential at create (SAML 1.1 apps
// too: the recorded sharepoint_onpremise create answers credentials.signing.kid).
func signsWithKey(mode any) bool {
	return mode == "SAML_2_0" || mode == "SAML_1_1" || mode == "OPENID_CONNECT"
}

// oinSignOnKeys are the only settings.signOn keys an OIN SAML app accepts.
var oinSignOnKeys = []string{"defaultRelayState", "ssoAcsUrlOverride", "audienceOverride", "recipientOverride",
	"destinationOverride", "attributeStatements", "samlAssertionLifetimeSeconds"}

// readOnlyAppKeys are ignored in create and replace bodies.
var readOnlyAppKeys = []string{"id", "orn", "status", "created", "lastUpdated", "_links", "_embedded", "features"}

var signOnModes = map[string]bool{"AUTO_LOGIN": true, "BASIC_AUTH": true, "BOOKMARK": true, "BROWSER_PLUGIN": true,
	"OPENID_CONNECT": true, "SAML_1_1": true, "SAML_2_0": true, "SECURE_PASSWORD_STORE": true, "WS_FEDERATION": true}

func obj(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// deepCopy clones a JSON value so stored apps never alias request or response maps.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// withDefaults returns defaults overlaid with the non-null values of in (one level).
func withDefaults(defaults, in map[string]any) map[string]any {
	out := deepCopy(defaults).(map[string]any)
	for k, v := range in {
		if v != nil {
			out[k] = deepCopy(v)
		}
	}
	return out
}

func labelSlug(label string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func newKid() string {
	sum := sha256.Sum256([]byte(randomString(32)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// normalizeSAMLSignOn fills the server defaults of a custom SAML_2_0 app's settings.signOn and drops
// empty overrides, as the recorded responses show.
func normalizeSAMLSignOn(in map[string]any) map[string]any {
	defaults := map[string]any{
		"defaultRelayState": nil, "idpIssuer": "http://www.okta.com/${org.externalKey}",
		"subjectNameIdTemplate": "${user.userName}", "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		"responseSigned": false, "assertionSigned": false, "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
		"honorForceAuthn": false, "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
		"spIssuer": nil, "requestCompressed": false, "attributeStatements": []any{}, "inlineHooks": []any{},
		"assertionEncryption": map[string]any{"enabled": false}, "allowMultipleAcsEndpoints": false, "acsEndpoints": []any{},
		"samlSignedRequestEnabled": false, "slo": map[string]any{"enabled": false},
	}
	out := withDefaults(defaults, in)
	if dr, ok := in["defaultRelayState"]; ok && dr == "" {
		out["defaultRelayState"] = ""
	}
	for _, k := range []string{"audienceOverride", "destinationOverride", "recipientOverride", "ssoAcsUrlOverride"} {
		if v, _ := out[k].(string); v == "" {
			delete(out, k)
		}
	}
	if allow, _ := out["allowMultipleAcsEndpoints"].(bool); !allow {
		out["acsEndpoints"] = []any{}
	}
	// Okta reports the SLO issuer as the SP issuer once single logout is on.
	if slo := obj(out["slo"]); slo["enabled"] == true && slo["issuer"] != nil {
		out["spIssuer"] = slo["issuer"]
	}
	return out
}

// normalizeOINSignOn keeps only the OIN-accepted keys, with "" reported as null.
func normalizeOINSignOn(in map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range oinSignOnKeys {
		v, ok := in[k]
		if !ok && k == "samlAssertionLifetimeSeconds" {
			continue
		}
		if v == "" {
			v = nil
		}
		out[k] = deepCopy(v)
	}
	if out["attributeStatements"] == nil {
		out["attributeStatements"] = []any{}
	}
	return out
}

// buildApp turns a create or replace body into the stored app object; prev is the existing app on replace.
// key certifies the signing credential of a new SAML_2_0 app (generated by the caller outside the state lock).
func (s *Server) buildApp(body map[string]any, prev *appRec, key *rsa.PrivateKey, now time.Time) (*appRec, string, []string) {
	for _, k := range readOnlyAppKeys {
		delete(body, k)
	}
	mode, _ := body["signOnMode"].(string)
	if !signOnModes[mode] {
		return nil, "signOnMode", []string{"signOnMode: The field cannot be left blank or has an unsupported value"}
	}
	label, _ := body["label"].(string)
	if strings.TrimSpace(label) == "" {
		return nil, "label", []string{"label: The field cannot be left blank"}
	}
	name, _ := body["name"].(string)
	settingsIn := obj(body["settings"])
	signOnIn := obj(settingsIn["signOn"])
	appIn := obj(settingsIn["app"])
	if prev != nil {
		name = prev.Body["name"].(string)
	}
	oinDefaults, isOIN := oinApps[name]
	custom := prev == nil && name == "" || prev != nil && prev.Custom
	if !custom && !isOIN {
		return nil, "name", []string{fmt.Sprintf("name: The app name '%s' is not a known application in the catalog", name)}
	}
	if want := catalogueModes[name]; want != "" && mode != want {
		return nil, "signOnMode", []string{fmt.Sprintf("signOnMode: The app '%s' supports only the sign-on mode %s", name, want)}
	}
	settingsApp, signOn, field, causes := shapeSettings(custom, mode, oinDefaults, appIn, signOnIn)
	if field != "" {
		return nil, field, causes
	}
	if name == "bookmark" {
		if u, _ := settingsApp["url"].(string); strings.TrimSpace(u) == "" {
			return nil, "settings.app.url", []string{"url: The field cannot be left blank"}
		}
	}
	var oauthSettings map[string]any
	if mode == "OPENID_CONNECT" {
		if oauthSettings, field, causes = shapeOAuthClientSettings(obj(settingsIn["oauthClient"])); field != "" {
			return nil, field, causes
		}
	}
	credsIn := obj(body["credentials"])
	var id, kid string
	rec := &appRec{Custom: custom}
	if prev != nil {
		rec.AccessPolicyID, rec.AppLinkID, rec.ExternalKey = prev.AccessPolicyID, prev.AppLinkID, prev.ExternalKey
		id = prev.Body["id"].(string)
		kid, _ = obj(obj(prev.Body["credentials"])["signing"])["kid"].(string)
		if want, _ := obj(credsIn["signing"])["kid"].(string); want != "" {
			if s.findKey(id, want) == nil {
				return nil, "credentials.signing.kid", []string{"kid: The key " + want + " does not exist for this app"}
			}
			kid = want
		}
	} else {
		// Ids, the instance counter and the signing key are allocated only once the body is known to be valid.
		id = s.st.newID("0oa")
		rec.AccessPolicyID = s.st.Org.DefaultAccessPolicyID
		rec.AppLinkID = s.st.newID("aln")
		rec.ExternalKey = s.st.newID("exk")
		if custom {
			s.st.AppCounter++
			name = fmt.Sprintf("%s_%s_%d", s.st.Org.Subdomain, labelSlug(label), s.st.AppCounter)
		}
		if signsWithKey(mode) {
			if key == nil {
				return nil, "credentials.signing", []string{"signing: no key material available"}
			}
			k, err := newSigningKey(key, s.st.Org.Subdomain, now, 10)
			if err != nil {
				return nil, "credentials.signing", []string{err.Error()}
			}
			kid = k.Kid
			s.st.Keys[id] = append(s.st.Keys[id], k)
		}
	}
	linkName := name + "_link"
	if !custom && name != "oidc_client" {
		linkName = "login"
	}
	credentials := map[string]any{
		"userNameTemplate": withDefaults(map[string]any{"template": "${source.login}", "type": "BUILT_IN"}, obj(credsIn["userNameTemplate"])),
		"signing":          map[string]any{},
	}
	if kid != "" {
		credentials["signing"] = map[string]any{"kid": kid}
	}
	if mode == "OPENID_CONNECT" {
		var prevClient map[string]any
		if prev != nil {
			prevClient = obj(obj(prev.Body["credentials"])["oauthClient"])
		}
		client, field, causes := shapeOAuthClientCredentials(obj(credsIn["oauthClient"]), prevClient, id)
		if field != "" {
			return nil, field, causes
		}
		credentials["oauthClient"] = client
	}
	settings := map[string]any{
		"app":                settingsApp,
		"notifications":      withDefaults(map[string]any{"vpn": map[string]any{"network": map[string]any{"connection": "DISABLED"}, "message": nil, "helpUrl": nil}}, obj(settingsIn["notifications"])),
		"manualProvisioning": false,
		"emOptInStatus":      "NONE",
		"implicitAssignment": settingsIn["implicitAssignment"] == true,
		"notes":              withDefaults(map[string]any{"admin": nil, "enduser": nil}, obj(settingsIn["notes"])),
	}
	if signOn != nil {
		settings["signOn"] = signOn
	}
	if oauthSettings != nil {
		settings["oauthClient"] = oauthSettings
	}
	visIn := obj(body["visibility"])
	visibility := withDefaults(map[string]any{"autoLaunch": false, "autoSubmitToolbar": false,
		"hide": map[string]any{"iOS": false, "web": false}, "appLinks": map[string]any{linkName: true}}, visIn)
	app := map[string]any{
		"id": id, "orn": fmt.Sprintf("orn:okta:idp:%s:apps:%s:%s", s.st.Org.ID, name, id),
		"name": name, "label": label, "status": "ACTIVE", "created": fmtTime(now), "lastUpdated": fmtTime(now),
		"accessibility": withDefaults(map[string]any{"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil}, obj(body["accessibility"])),
		"visibility":    visibility,
		"features":      []any{},
		"signOnMode":    mode,
		"credentials":   credentials,
		"settings":      settings,
		// Served since 2026 (recorded); the sandbox has no universal logout.
		"universalLogout": map[string]any{"status": "DISABLED", "supportType": "FULL", "identityStack": "NOT_SHARED",
			"protocol": "GLOBAL_TOKEN_REVOCATION"},
	}
	if mode == "OPENID_CONNECT" {
		app["universalLogout"] = nil // as recorded for an OIDC app
	}
	if prev != nil {
		app["status"], app["created"] = prev.Body["status"], prev.Body["created"]
		app["features"] = prev.Body["features"]
	}
	rec.Body = app
	return rec, "", nil
}

// shapeSettings builds settings.app and settings.signOn: custom apps keep their own settings.app and get the
// SAML defaults; catalogue apps get the catalogue's settings.app keys and only the OIN sign-on keys.
func shapeSettings(custom bool, mode string, oinDefaults, appIn, signOnIn map[string]any) (settingsApp, signOn map[string]any, field string, causes []string) {
	if custom {
		settingsApp = deepCopy(appIn).(map[string]any)
		if mode == "SAML_2_0" {
			signOn = normalizeSAMLSignOn(signOnIn)
			for _, f := range []string{"ssoAcsUrl", "audience"} {
				if v, _ := signOn[f].(string); v == "" {
					return nil, nil, "settings.signOn", []string{"settings.signOn." + f + ": The field cannot be left blank"}
				}
			}
		} else if len(signOnIn) > 0 {
			signOn = deepCopy(signOnIn).(map[string]any)
		}
		return settingsApp, signOn, "", nil
	}
	settingsApp = withDefaults(oinDefaults, appIn)
	if v, ok := settingsApp["instanceType"].(string); ok && v != "PRODUCTION" && v != "SANDBOX" && v != "GOVERNMENT" {
		return nil, nil, "settings.app.instanceType", []string{"instanceType: Does not match required pattern"}
	}
	if v, ok := settingsApp["integrationType"].(string); ok && v != "STANDARD" && v != "PORTAL" && v != "COMMUNITY" {
		return nil, nil, "settings.app.integrationType", []string{"integrationType: Does not match required pattern"}
	}
	switch mode {
	case "SAML_2_0":
		signOn = normalizeOINSignOn(signOnIn)
	case "SAML_1_1":
		// As recorded for sharepoint_onpremise: the relay state and the three overrides, no attribute statements.
		signOn = map[string]any{}
		for _, k := range []string{"defaultRelayState", "ssoAcsUrlOverride", "audienceOverride", "recipientOverride"} {
			if v := signOnIn[k]; v != "" {
				signOn[k] = deepCopy(v)
			} else {
				signOn[k] = nil
			}
		}
	}
	return settingsApp, signOn, "", nil
}

// appJSON renders an app with the links Okta derives from its state.
func (s *Server) appJSON(rec *appRec) map[string]any {
	out := deepCopy(rec.Body).(map[string]any)
	id, name := out["id"].(string), out["name"].(string)
	base := "/api/v1/apps/" + id
	mode, _ := out["signOnMode"].(string)
	links := map[string]any{
		"help":              map[string]any{"href": s.cfg.BaseURL + "/app/" + name + "/" + id + "/setup/help/" + mode + "/instructions", "type": "text/html"},
		"uploadLogo":        map[string]any{"href": s.cfg.BaseURL + base + "/logo", "hints": map[string]any{"allow": []any{"POST"}}},
		"appLinks":          []any{map[string]any{"name": firstKey(obj(obj(out["visibility"])["appLinks"])), "href": s.cfg.BaseURL + "/home/" + name + "/" + id + "/" + rec.AppLinkID, "type": "text/html"}},
		"profileEnrollment": s.href("/api/v1/policies/" + s.st.Org.ProfileEnrollmentPolicyID),
		"policies":          map[string]any{"href": s.cfg.BaseURL + base + "/policies", "hints": map[string]any{"allow": []any{"PUT"}}},
		"groups":            s.href(base + "/groups"),
		"users":             s.href(base + "/users"),
		"logo":              []any{map[string]any{"name": "medium", "href": "https://op3static.oktacdn.com/assets/img/logos/default.6770228fb0dab49a1695ef440a5279bb.png", "type": "image/png"}},
		"accessPolicy":      s.href("/api/v1/policies/" + rec.AccessPolicyID),
	}
	// As recorded: a SAML 1.1 app (sharepoint_onpremise) links no metadata, though its metadata URL answers.
	if mode == "SAML_2_0" {
		links["metadata"] = map[string]any{"href": s.cfg.BaseURL + base + "/sso/saml/metadata", "type": "application/xml"}
	}
	if mode == "OPENID_CONNECT" {
		// Only the create answer carries the client secret (createApp); reads list it under /credentials/secrets.
		delete(obj(obj(out["credentials"])["oauthClient"]), "client_secret")
		// As recorded for an OIDC app: no help page, a link to the client secrets instead.
		delete(links, "help")
		links["clientCredentials"] = []any{map[string]any{"name": "secrets", "href": s.cfg.BaseURL + base + "/credentials/secrets"}}
	}
	if out["status"] == "ACTIVE" {
		links["deactivate"] = s.href(base + "/lifecycle/deactivate")
	} else {
		links["activate"] = s.href(base + "/lifecycle/activate")
	}
	out["_links"] = links
	return out
}

func firstKey(m map[string]any) string {
	for k := range m {
		return k
	}
	return "login"
}

// normalizeNumbers turns json.Number into int64 or float64 so stored apps marshal like the request did.
func normalizeNumbers(m map[string]any) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		case json.Number:
			if n, err := t.Int64(); err == nil {
				return n
			}
			f, _ := t.Float64()
			return f
		}
		return v
	}
	return walk(m).(map[string]any)
}
