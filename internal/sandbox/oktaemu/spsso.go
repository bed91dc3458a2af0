package oktaemu

// This file is the browser side of the IdP: SP-initiated sign-in (an AuthnRequest by the HTTP-Redirect binding on
// GET or the HTTP-POST binding on POST of the app's SSO URL, both advertised in its metadata) and the pages a real
// browser walks through without the ?login= shortcut: sign-in (username, password), second factor, auto-post form.
// crewjam/saml's IdP parses and checks the AuthnRequest (well-formed, Version, ID, IssueInstant, Destination,
// signature when the app wants signed requests, Issuer = the app's audience, AssertionConsumerServiceURL one of the
// app's ACS URLs); the Response is built by samlidp as for IdP-initiated sign-in, with InResponseTo set.
//
// Real Okta keeps a browser session and a sign-in transaction (its stateToken) between the sign-in widget's steps.
// The sandbox keeps the transaction only: every sign-in asks for the password again, and a transaction lives
// signInTxnLifetime in memory (a sandbox restart forgets it and the page says the session expired).

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// SandboxPassword is the password of every user who has no Okta password of their own (seeded users have none);
// a user whose password was set through the API signs in with that password instead.
const SandboxPassword = "Sandbox-Passw0rd!"

const (
	// signInTxnLifetime bounds a sign-in between its pages (inferred: Okta documents no stateToken lifetime here).
	signInTxnLifetime = 10 * time.Minute
	maxSignInTxns     = 10000
	maxSSOFormBytes   = 1 << 20
	// errUnableToSignIn is the sign-in widget's answer to a wrong username or password (it never says which).
	errUnableToSignIn = "Unable to sign in"
)

// signInTxn is one browser sign-in between pages: what the AuthnRequest asked and what has been verified.
type signInTxn struct {
	appID      string
	requestID  string // the AuthnRequest's ID; "" for IdP-initiated sign-in
	acs        string // the ACS URL the AuthnRequest named; "" for the app's own
	relayState string
	userID     string // set once the password is verified
	query      url.Values
	expires    time.Time
}

type signInTxns struct {
	mu sync.Mutex
	m  map[string]*signInTxn
}

// txnStores holds each server's transactions; they are not part of the persisted state.
var txnStores sync.Map // *Server → *signInTxns

func (s *Server) txns() *signInTxns {
	v, _ := txnStores.LoadOrStore(s, &signInTxns{m: map[string]*signInTxn{}})
	return v.(*signInTxns)
}

func (t *signInTxns) put(now time.Time, txn *signInTxn) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, v := range t.m {
		if !v.expires.After(now) {
			delete(t.m, k)
		}
	}
	if len(t.m) >= maxSignInTxns {
		for k := range t.m { // drop an arbitrary one rather than grow without bound
			delete(t.m, k)
			break
		}
	}
	token := "00" + randomString(40)
	txn.expires = now.Add(signInTxnLifetime)
	t.m[token] = txn
	return token
}

func (t *signInTxns) get(now time.Time, token string) *signInTxn {
	t.mu.Lock()
	defer t.mu.Unlock()
	txn := t.m[token]
	if txn == nil || !txn.expires.After(now) {
		delete(t.m, token)
		return nil
	}
	return txn
}

func (t *signInTxns) drop(token string) {
	t.mu.Lock()
	delete(t.m, token)
	t.mu.Unlock()
}

// ssoRequest is a checked AuthnRequest: its ID, the ACS URL it named ("" for the app's default) and the RelayState.
type ssoRequest struct {
	id, acs, relayState string
}

// ssoURL is the app's SSO URL, as its metadata advertises it.
func (s *Server) ssoURL(rec *appRec) string {
	name, _ := rec.Body["name"].(string)
	return s.cfg.BaseURL + "/app/" + name + "/" + rec.ExternalKey + "/sso/saml"
}

// appSP is the app as the service provider crewjam's IdP looks up by the AuthnRequest's Issuer: its audience
// (SP Entity ID), its ACS URL (and, with allowMultipleAcsEndpoints, its requestable acsEndpoints) and its spCertificate.
type appSP struct {
	audience string
	acs      []string
	certs    []string
}

func (a appSP) GetServiceProvider(_ *http.Request, id string) (*crewjam.EntityDescriptor, error) {
	if id == "" || id != a.audience {
		return nil, os.ErrNotExist
	}
	sp := crewjam.SPSSODescriptor{SSODescriptor: crewjam.SSODescriptor{RoleDescriptor: crewjam.RoleDescriptor{
		ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol"}}}
	for i, u := range a.acs {
		sp.AssertionConsumerServices = append(sp.AssertionConsumerServices,
			crewjam.IndexedEndpoint{Binding: crewjam.HTTPPostBinding, Location: u, Index: i})
	}
	for _, c := range a.certs {
		sp.KeyDescriptors = append(sp.KeyDescriptors, crewjam.KeyDescriptor{Use: "signing", KeyInfo: crewjam.KeyInfo{
			X509Data: crewjam.X509Data{X509Certificates: []crewjam.X509Certificate{{Data: c}}}}})
	}
	return &crewjam.EntityDescriptor{EntityID: a.audience, SPSSODescriptors: []crewjam.SPSSODescriptor{sp}}, nil
}

// appServiceProvider describes rec as crewjam's IdP sees its SP. s.mu must be held.
func (s *Server) appServiceProvider(rec *appRec) appSP {
	signOn := obj(obj(rec.Body["settings"])["signOn"])
	acs, audience := appEndpoints(rec)
	sp := appSP{audience: audience}
	if acs != "" {
		sp.acs = append(sp.acs, acs)
	}
	if signOn["allowMultipleAcsEndpoints"] == true {
		eps, _ := signOn["acsEndpoints"].([]any)
		for _, ep := range eps {
			if u, _ := obj(ep)["url"].(string); u != "" {
				sp.acs = append(sp.acs, u)
			}
		}
	}
	certs, _ := obj(signOn["spCertificate"])["x5c"].([]any)
	for _, c := range certs {
		if v, _ := c.(string); v != "" {
			sp.certs = append(sp.certs, v)
		}
	}
	return sp
}

// readAuthnRequest parses and checks the request's AuthnRequest (GET: HTTP-Redirect, POST: HTTP-POST) for rec.
// s.mu must be held.
func (s *Server) readAuthnRequest(r *http.Request, rec *appRec) (*ssoRequest, error) {
	sso, err := url.Parse(s.ssoURL(rec))
	if err != nil {
		return nil, err
	}
	idp := &crewjam.IdentityProvider{
		SSOURL:                  *sso,
		ServiceProviderProvider: s.appServiceProvider(rec),
		Clock:                   dsig.NewFakeClockAt(s.now()),
		WantAuthnRequestsSigned: obj(obj(rec.Body["settings"])["signOn"])["samlSignedRequestEnabled"] == true,
	}
	req, err := crewjam.NewIdpAuthnRequest(idp, r)
	if err == nil {
		err = req.Validate()
	}
	if err != nil {
		return nil, err
	}
	out := &ssoRequest{id: req.Request.ID, relayState: req.RelayState}
	if req.ACSEndpoint != nil && req.Request.AssertionConsumerServiceURL != "" {
		out.acs = req.ACSEndpoint.Location
	}
	return out, nil
}

// authnRequestProblem is the error page text for a refused AuthnRequest. Okta's own wording for these cases is not
// in the reference; the sandbox names the cause and the setting to fix.
func authnRequestProblem(err error, sp appSP) string {
	switch {
	case errors.Is(err, crewjam.ErrUnknownServiceProvider):
		return fmt.Sprintf("The SAML request's Issuer is not this app's Audience URI (SP Entity ID) %q. Set the Salesforce SSO setting's Entity ID to it.", sp.audience)
	case errors.Is(err, crewjam.ErrUnknownAssertionConsumerService):
		return "The SAML request's AssertionConsumerServiceURL is not one of this app's Single sign-on URLs (ssoAcsUrl, or acsEndpoints when allowMultipleAcsEndpoints is on)."
	case errors.Is(err, crewjam.ErrDestinationMismatch):
		return "The SAML request's Destination is not this app's SSO URL."
	case errors.Is(err, crewjam.ErrInvalidSignature):
		return "The SAML request is not signed with the app's SP certificate, and the app requires signed requests (samlSignedRequestEnabled)."
	case errors.Is(err, crewjam.ErrExpired), errors.Is(err, crewjam.ErrNotYetValid):
		return "The SAML request has expired or is not yet valid (IssueInstant)."
	}
	return "The SAML request is invalid: it could not be parsed as a SAML 2.0 AuthnRequest."
}

func writeBadRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, map[string]string{"Title": "400 Bad Request", "Message": msg})
}

// deviceQuery keeps the sandbox's device parameters of the request (signonpolicy.go) for the next page's action.
func deviceQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"device_registered", "device_managed", "device_platform", "device_assurance"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// startSignIn answers the app's SSO URL without a login: it checks the AuthnRequest if there is one, opens a
// transaction and shows the sign-in page.
func (s *Server) startSignIn(w http.ResponseWriter, r *http.Request, rec *appRec, form url.Values) {
	txn := &signInTxn{appID: rec.Body["id"].(string), query: deviceQuery(r.URL.Query()), relayState: r.URL.Query().Get("RelayState")}
	if r.URL.Query().Has("SAMLRequest") || form.Has("SAMLRequest") {
		s.mu.Lock()
		req, err := s.readAuthnRequest(r, rec)
		sp := s.appServiceProvider(rec)
		s.mu.Unlock()
		if err != nil {
			writeBadRequest(w, authnRequestProblem(err, sp))
			return
		}
		txn.requestID, txn.acs, txn.relayState = req.id, req.acs, req.relayState
	}
	token := s.txns().put(s.now(), txn)
	writeSignInPage(w, http.StatusOK, s.formAction(rec, txn), token, "", "")
}

// continueSignIn takes the sign-in page's username and password, or the second-factor page's code.
func (s *Server) continueSignIn(w http.ResponseWriter, r *http.Request, rec *appRec, label string, form url.Values) {
	token := form.Get("stateToken")
	txn := s.txns().get(s.now(), token)
	if txn == nil || txn.appID != rec.Body["id"] {
		writeExpired(w)
		return
	}
	c := signInContextOf(r)
	s.mu.Lock()
	if txn.userID == "" {
		username := strings.TrimSpace(form.Get("username"))
		u := s.st.userLookup(username)
		if u == nil || !passwordMatches(u, form.Get("password")) {
			s.mu.Unlock()
			writeSignInPage(w, http.StatusUnauthorized, s.formAction(rec, txn), token, username, errUnableToSignIn)
			return
		}
		txn.userID = u.ID
		c.factor = ""
	} else {
		c.factor = strings.TrimSpace(form.Get("factor"))
	}
	p, err := s.ssoParamsLocked(rec, txn.appID, txn.userID, c)
	s.mu.Unlock()
	s.ctrl.Changed() // the System Log events
	if errors.Is(err, ErrSignInChallenge) {
		writeFactorPage(w, s.formAction(rec, txn), token, form.Has("factor"))
		return
	}
	s.txns().drop(token)
	if err != nil {
		writeSSOError(w, label, err)
		return
	}
	s.answerSSO(w, p, &ssoRequest{id: txn.requestID, acs: txn.acs}, txn.relayState)
}

// answerSSO signs the Response (answering req when it has an ID) and writes the form that posts it.
func (s *Server) answerSSO(w http.ResponseWriter, p *ssoParams, req *ssoRequest, relayState string) {
	if req != nil {
		p.opts.InResponseTo = req.id
		if req.acs != "" && req.acs != p.acs {
			// One of the app's other requestable ACS URLs: the Response goes there and says so.
			p.acs, p.opts.Recipient, p.opts.Destination = req.acs, req.acs, req.acs
		}
	}
	b, err := samlidp.BuildResponse(p.opts)
	if err != nil {
		writeSSOError(w, "", err)
		return
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusOK)
	_ = postForm.Execute(w, map[string]string{"ACS": p.acs, "SAMLResponse": base64.StdEncoding.EncodeToString(b), "RelayState": relayState})
}

func (s *Server) formAction(rec *appRec, txn *signInTxn) string {
	u, _ := url.Parse(s.ssoURL(rec))
	action := u.Path
	if len(txn.query) > 0 {
		action += "?" + txn.query.Encode()
	}
	return action
}

// passwordMatches checks the user's Okta password, or SandboxPassword for a user without one.
func passwordMatches(u *user, password string) bool {
	if password == "" {
		return false
	}
	if u.PasswordHash == "" {
		return subtle.ConstantTimeCompare([]byte(password), []byte(SandboxPassword)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(hashPassword(password)), []byte(u.PasswordHash)) == 1
}

var signInPage = template.Must(template.New("signin").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign In</title></head>
<body><main id="okta-sign-in"><h1>Sign In</h1>
{{if .Error}}<p id="okta-signin-error" role="alert">{{.Error}}</p>{{end}}
<form id="okta-signin-form" method="POST" action="{{.Action}}">
<input type="hidden" name="stateToken" value="{{.StateToken}}">
<p><label for="okta-signin-username">Username</label>
<input id="okta-signin-username" name="username" type="text" autocomplete="username" value="{{.Username}}" required></p>
<p><label for="okta-signin-password">Password</label>
<input id="okta-signin-password" name="password" type="password" autocomplete="current-password" required></p>
<p><button id="okta-signin-submit" type="submit">Sign In</button></p>
</form></main></body></html>
`))

func writeSignInPage(w http.ResponseWriter, status int, action, token, username, msg string) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	_ = signInPage.Execute(w, map[string]string{"Action": action, "StateToken": token, "Username": username, "Error": msg})
}

var factorPage = template.Must(template.New("factor").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Verify it's you</title></head>
<body><main id="okta-factor"><h1>Verify it's you with a second factor</h1>
{{if .Wrong}}<p id="okta-factor-error" role="alert">The code is not valid.</p>{{end}}
<form id="okta-factor-form" method="POST" action="{{.Action}}">
<input type="hidden" name="stateToken" value="{{.StateToken}}">
<p><label for="factor">Code</label> <input id="factor" name="factor" inputmode="numeric" autocomplete="one-time-code" required></p>
<p><button id="okta-factor-submit" type="submit">Verify</button></p>
</form></main></body></html>
`))

// writeFactorPage answers a sign-in whose policy rule requires a second factor: 401 and the code form.
func writeFactorPage(w http.ResponseWriter, action, token string, wrong bool) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_ = factorPage.Execute(w, map[string]any{"Action": action, "StateToken": token, "Wrong": wrong})
}

func writeExpired(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_ = errorPage.Execute(w, map[string]string{"Title": "Your session has expired",
		"Message": "The sign-in took too long or was already completed. Start again from the app."})
}
