package sfemu

// This file is the org's browser side besides the ACS: SP-initiated SAML sign-in, the My Domain login page and the
// pages a signed-in browser lands on.
//
// Salesforce starts SP-initiated sign-in from the My Domain login page's button for a SAML configuration, or when a
// browser without a session opens a page. The reference (../shared/reference/salesforce-api.md §2.5) documents the
// configuration's Identity Provider Login URL (LoginUrl), its request binding (OptionsSpInitBinding, metadata
// redirectBinding: true = HTTP-Redirect, false = HTTP-POST) and the Salesforce Login URL (ACS, {My Domain}?so=
// {orgId15}); it does not document the start URL. The sandbox's, inferred from public pages and not verified:
//
//	GET /saml/authn-request.jsp?samlSsoConfig=<Id|DeveloperName>[&RelayState=<target>|&startURL=<target>]
//	GET /?so=<orgId>[&startURL=<target>] (or /login?so=…): the same for the org's only SAML configuration
//	GET / or /login without a session: the login page, with a button per configuration on it (AuthConfigProviders)
//
// The AuthnRequest (crewjam/saml's, like the ACS's checks in samlverify.go) names the configuration's Entity ID as
// Issuer, the Salesforce Login URL as AssertionConsumerServiceURL with the HTTP-POST ProtocolBinding, and LoginUrl
// as Destination; RelayState is the page the user wanted (restricted to the org, as the ACS restricts it). It is
// not signed: the sandbox org has no request signing certificate (RequestSignatureMethod is stored, not applied).
// The org remembers each request's ID for authnRequestLifetime; the ACS accepts a Response answering it once.

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

const (
	// authnRequestLifetime is how long the ACS accepts a Response to a request (inferred; Salesforce documents none).
	authnRequestLifetime = 10 * time.Minute
	maxIssuedRequests    = 10000
	sessionCookie        = "sid"
)

// issuedRequest is an AuthnRequest the org sent: the configuration it was sent for and the ACS URL it named.
type issuedRequest struct {
	configID, acs string
	expires       time.Time
}

// issuedRequests are an org's outstanding AuthnRequests by ID. Like the replay cache they are kept in memory: a
// sandbox restart forgets them, and a sign-in under way then fails with "InResponseTo Invalid".
type issuedRequests struct {
	mu sync.Mutex
	m  map[string]issuedRequest
}

var authnRequestStores sync.Map // *Org → *issuedRequests

func (o *Org) issuedRequests() *issuedRequests {
	v, _ := authnRequestStores.LoadOrStore(o, &issuedRequests{m: map[string]issuedRequest{}})
	return v.(*issuedRequests)
}

func (r *issuedRequests) expireLocked(now time.Time) {
	for id, req := range r.m {
		if !req.expires.After(now) {
			delete(r.m, id)
		}
	}
}

func (r *issuedRequests) add(id string, req issuedRequest, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expireLocked(now)
	if len(r.m) >= maxIssuedRequests {
		for k := range r.m { // a flood of starts drops an arbitrary request rather than grow without bound
			delete(r.m, k)
			break
		}
	}
	req.expires = now.Add(authnRequestLifetime)
	r.m[id] = req
}

// pending is the IDs of the unexpired requests sent for the configuration, crewjam's possibleRequestIDs.
func (r *issuedRequests) pending(configID string, now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expireLocked(now)
	var ids []string
	for id, req := range r.m {
		if sameID(req.configID, configID) {
			ids = append(ids, id)
		}
	}
	return ids
}

// consume removes the request and returns it; false when it was not outstanding (answered, expired or never sent).
func (r *issuedRequests) consume(id string, now time.Time) (issuedRequest, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expireLocked(now)
	req, ok := r.m[id]
	delete(r.m, id)
	return req, ok
}

// salesforceLoginURL is the ACS URL the org's configurations publish (metadata salesforceLoginUrl).
func (o *Org) salesforceLoginURL() string {
	return o.cfg.BaseURL + "?so=" + o.keys.OrgID[:15]
}

// ssoConfigByRef finds a SAML configuration by Id (15 or 18) or DeveloperName. o.mu must be held.
func (o *Org) ssoConfigByRef(ref string) soql.Record {
	if ref == "" {
		return nil
	}
	if validID(ref) && hasPrefix(ref, prefixSAMLSSOConfig) {
		return o.lookup("SamlSsoConfig", ref)
	}
	return o.findRow("SamlSsoConfig", "DeveloperName", ref)
}

// onlySPInitConfig is the org's SAML configuration when it has exactly one with an Identity Provider Login URL.
// o.mu must be held.
func (o *Org) onlySPInitConfig() soql.Record {
	var found soql.Record
	n := 0
	o.each("SamlSsoConfig", func(r soql.Record) bool {
		if str(r, "LoginUrl") != "" {
			found = r
			n++
		}
		return true
	})
	if n != 1 {
		return nil
	}
	return found
}

// authnRequestStart is what sending a request needs, copied under o.mu.
type authnRequestStart struct {
	cfg        soql.Record
	configID   string
	loginURL   string
	redirect   bool
	relayState string
	problem    string
}

// prepareAuthnRequest checks the configuration can start SP-initiated sign-in. o.mu must be held.
func (o *Org) prepareAuthnRequest(cfg soql.Record, target string) authnRequestStart {
	if cfg == nil {
		return authnRequestStart{problem: "No SAML single sign-on configuration of this org has that name or id."}
	}
	start := authnRequestStart{cfg: cloneRecord(cfg), configID: str(cfg, "Id"), loginURL: str(cfg, "LoginUrl"),
		redirect: cfg["OptionsSpInitBinding"] == true}
	switch {
	case start.loginURL == "":
		start.problem = "The SAML configuration " + str(cfg, "DeveloperName") + " has no Identity Provider Login URL: set loginUrl to the IdP's SSO URL."
	case str(cfg, "Version") == "SAML1_1":
		start.problem = "The SAML configuration " + str(cfg, "DeveloperName") + " uses SAML 1.1, which has no service-provider-initiated sign-in."
	}
	if target != "" {
		start.relayState = o.relayTarget(target)
	}
	return start
}

func cloneRecord(r soql.Record) soql.Record {
	out := make(soql.Record, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// handleAuthnRequestStart serves GET /saml/authn-request.jsp?samlSsoConfig=…: SP-initiated sign-in through one
// configuration.
func (o *Org) handleAuthnRequestStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("RelayState")
	if target == "" {
		target = q.Get("startURL")
	}
	o.mu.Lock()
	start := o.prepareAuthnRequest(o.ssoConfigByRef(q.Get("samlSsoConfig")), target)
	o.mu.Unlock()
	o.sendAuthnRequest(w, r, start)
}

// sendAuthnRequest answers the browser with the AuthnRequest, by redirect or by an auto-post form.
func (o *Org) sendAuthnRequest(w http.ResponseWriter, r *http.Request, start authnRequestStart) {
	if start.problem != "" {
		writeStartError(w, http.StatusBadRequest, start.problem)
		return
	}
	now := o.now()
	acs, _ := url.Parse(o.salesforceLoginURL())
	sp := o.newServiceProvider(start.cfg, *acs, now)
	// Salesforce asks for no NameID format of its own: an empty Format is "unspecified" (saml-core §3.4.1.1).
	sp.AuthnNameIDFormat = crewjam.UnspecifiedNameIDFormat
	binding := crewjam.HTTPPostBinding
	if start.redirect {
		binding = crewjam.HTTPRedirectBinding
	}
	req, err := sp.MakeAuthenticationRequest(start.loginURL, binding, crewjam.HTTPPostBinding)
	if err != nil {
		writeStartError(w, http.StatusInternalServerError, "The SAML request could not be built: "+err.Error())
		return
	}
	o.issuedRequests().add(req.ID, issuedRequest{configID: start.configID, acs: acs.String()}, now)
	w.Header().Set("Cache-Control", "no-cache, no-store")
	if start.redirect {
		u, err := req.Redirect(start.relayState, sp)
		if err != nil {
			writeStartError(w, http.StatusBadRequest, "The SAML request could not be sent: "+err.Error())
			return
		}
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.Element())
	xmlBytes, err := doc.WriteToBytes()
	if err != nil {
		writeStartError(w, http.StatusInternalServerError, "The SAML request could not be built: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_ = requestPostPage.Execute(w, map[string]string{"Action": start.loginURL,
		"SAMLRequest": base64.StdEncoding.EncodeToString(xmlBytes), "RelayState": start.relayState})
}

var requestPostPage = template.Must(template.New("authnrequest").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Redirecting…</title></head>
<body><noscript><p>JavaScript is disabled. Click Continue to sign in with your identity provider.</p></noscript>
<form id="saml-request-form" method="POST" action="{{.Action}}">
<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<noscript><button id="saml-request-submit" type="submit">Continue</button></noscript>
</form>
<script>window.addEventListener("load", function () { document.forms[0].submit(); });</script>
</body></html>
`))

var startErrorPage = template.Must(template.New("starterror").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Single Sign-On Error</title></head>
<body><div id="content"><h1>Single Sign-On Error</h1><p id="reason">{{.}}</p></div></body></html>
`))

func writeStartError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(status)
	_ = startErrorPage.Execute(w, msg)
}

// loginButton is one SAML configuration on the login page.
type loginButton struct {
	DeveloperName, Label, Href string
}

// handleLoginPage serves GET / and GET /login: a signed-in browser goes on to startURL; ?so= starts SP-initiated
// sign-in with the org's only SAML configuration; otherwise the My Domain login page.
func (o *Org) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("startURL")
	o.mu.Lock()
	if user := o.sessionUserLocked(r); user != nil {
		o.mu.Unlock()
		http.Redirect(w, r, o.relayTarget(target), http.StatusFound)
		return
	}
	if so := q.Get("so"); so != "" && key15(so) == o.keys.OrgID[:15] {
		if cfg := o.onlySPInitConfig(); cfg != nil {
			start := o.prepareAuthnRequest(cfg, target)
			o.mu.Unlock()
			o.sendAuthnRequest(w, r, start)
			return
		}
	}
	var buttons []loginButton
	if page := o.findRow("AuthConfig", "Type", "Org"); page != nil {
		o.each("AuthConfigProviders", func(p soql.Record) bool {
			if !sameID(str(p, "AuthConfigId"), str(page, "Id")) || !hasPrefix(str(p, "AuthProviderId"), prefixSAMLSSOConfig) {
				return true
			}
			cfg := o.lookup("SamlSsoConfig", str(p, "AuthProviderId"))
			if cfg == nil {
				return true
			}
			start := url.Values{"samlSsoConfig": {str(cfg, "Id")}}
			if target != "" {
				start.Set("RelayState", o.relayTarget(target))
			}
			buttons = append(buttons, loginButton{DeveloperName: str(cfg, "DeveloperName"), Label: str(cfg, "MasterLabel"),
				Href: "/saml/authn-request.jsp?" + start.Encode()})
			return true
		})
	}
	orgName := str(o.lookup("Organization", o.keys.OrgID), "Name")
	o.mu.Unlock()
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusOK)
	_ = loginPage.Execute(w, map[string]any{"OrgName": orgName, "Buttons": buttons})
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Login | Salesforce</title></head>
<body><div id="login-page"><h1 id="org-name">{{.OrgName}}</h1>
{{if .Buttons}}<p>Log In with</p>
<div id="idp_section_buttons">{{range .Buttons}}
<a id="idp-button-{{.DeveloperName}}" class="idp-button" href="{{.Href}}">{{.Label}}</a>{{end}}
</div>{{else}}<p id="no-sso">No single sign-on service is on this login page.</p>{{end}}
<p id="no-password">The sandbox has no Salesforce passwords: sign in with single sign-on.</p>
</div></body></html>
`))

// sessionUserLocked is the active user of the request's sid cookie, or nil. o.mu must be held.
func (o *Org) sessionUserLocked(r *http.Request) soql.Record {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	userID, ok := o.authenticate(c.Value)
	if !ok {
		return nil
	}
	return o.lookup("User", userID)
}

// isPagePath reports whether a GET of path is a page of the org's user interface (the landing page, a RelayState
// target), not an API: everything outside /services/ and the identity URLs (/id/).
func isPagePath(path string) bool {
	return !strings.HasPrefix(path, "/services/") && path != "/services" && !strings.HasPrefix(path, "/id/")
}

// handleLanding serves the org's pages (/home/home.jsp and any other page a RelayState names) to a signed-in
// browser: who is signed in. Without a session it sends the browser to the login page, keeping the page in startURL.
func (o *Org) handleLanding(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	user := o.sessionUserLocked(r)
	var name, username, orgName string
	if user != nil {
		name, username = str(user, "Name"), str(user, "Username")
		if name == "" {
			name = strings.TrimSpace(str(user, "FirstName") + " " + str(user, "LastName"))
		}
		orgName = str(o.lookup("Organization", o.keys.OrgID), "Name")
	}
	o.mu.Unlock()
	if user == nil {
		http.Redirect(w, r, "/?"+url.Values{"ec": {"302"}, "startURL": {r.URL.RequestURI()}}.Encode(), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusOK)
	_ = landingPage.Execute(w, map[string]string{"Name": name, "Username": username, "OrgName": orgName, "Path": r.URL.RequestURI()})
}

var landingPage = template.Must(template.New("landing").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Home | Salesforce</title></head>
<body><header id="oneHeader"><span id="signed-in-org">{{.OrgName}}</span></header>
<main id="home"><h1>Welcome, <span id="signed-in-user">{{.Name}}</span></h1>
<p>Signed in as <span id="signed-in-username">{{.Username}}</span>.</p>
<p>Page: <code id="landing-path">{{.Path}}</code></p></main></body></html>
`))

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
