package oktaemu

// This file is the org's SAML identity provider: sign-in to a SAML_2_0 app for an assigned user. Besides the pages
// a browser walks through (spsso.go), the sandbox takes the user's login as a query parameter
// (GET /app/{appName}/{exk}/sso/saml?login=<login>), or SignIn for in-process tests.

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// Errors SignIn returns, wrapped with details; test them with errors.Is.
var (
	ErrSignInAppNotFound  = errors.New("oktaemu: app not found")
	ErrSignInNotSAML      = errors.New("oktaemu: app is not an active SAML 2.0 app")
	ErrSignInUserNotFound = errors.New("oktaemu: user not found")
	ErrSignInUserInactive = errors.New("oktaemu: user is not active")
	ErrSignInNotAssigned  = errors.New("oktaemu: user is not assigned to the app")
	// ErrSignInDenied: a DENY rule of the app's sign-in policy matched.
	ErrSignInDenied = errors.New("oktaemu: denied by the app's sign-in policy")
	// ErrSignInChallenge: the matching rule requires a second factor and the sandbox test factor was not given.
	ErrSignInChallenge = errors.New("oktaemu: the app's sign-in policy requires a second factor")
)

// ssoParams is everything signing needs, captured under the lock so the RSA work happens outside it.
type ssoParams struct {
	opts samlidp.ResponseOptions
	acs  string
}

// SignIn mints the signed SAMLResponse Okta would post to the app's ACS for the user with this login (or id),
// and returns it (raw XML) with the ACS URL. The user must be ACTIVE and assigned, directly or through a group,
// and the app's sign-in policy must allow it: SignIn signs in from 127.0.0.1 with no device context and passes a
// 2FA challenge with the sandbox test factor.
func (s *Server) SignIn(appID, login string) (samlResponse []byte, acsURL string, err error) {
	c := signInContext{ip: netip.MustParseAddr("127.0.0.1"), assurances: map[string]bool{}, factor: SandboxTestFactor}
	s.mu.Lock()
	p, err := s.ssoParamsLocked(s.st.Apps[appID], appID, login, c)
	s.mu.Unlock()
	if errors.Is(err, ErrSignInDenied) || errors.Is(err, ErrSignInChallenge) {
		s.ctrl.Changed() // the System Log events
	}
	if err != nil {
		return nil, "", err
	}
	s.ctrl.Changed()
	b, err := samlidp.BuildResponse(p.opts)
	if err != nil {
		return nil, "", err
	}
	return b, p.acs, nil
}

// ssoParamsLocked resolves app, user and assignment and evaluates the assertion's content. s.mu must be held.
func (s *Server) ssoParamsLocked(rec *appRec, appRef, login string, c signInContext) (*ssoParams, error) {
	if rec == nil {
		return nil, fmt.Errorf("%w: %s", ErrSignInAppNotFound, appRef)
	}
	if rec.Body["signOnMode"] != "SAML_2_0" || rec.Body["status"] != "ACTIVE" {
		return nil, fmt.Errorf("%w: %s", ErrSignInNotSAML, appRef)
	}
	u := s.st.userLookup(login)
	if u == nil {
		return nil, fmt.Errorf("%w: %s", ErrSignInUserNotFound, login)
	}
	if u.Status != "ACTIVE" {
		return nil, fmt.Errorf("%w: %s is %s", ErrSignInUserInactive, login, u.Status)
	}
	au, ok := s.resolve(s.appContext(rec), u)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not assigned to %s", ErrSignInNotAssigned, login, appRef)
	}
	decision := s.evaluateSignOn(rec, u, c)
	switch decision.result {
	case "DENY":
		s.logSignIn(rec, u, c, decision, false)
		return nil, fmt.Errorf("%w: rule %q of policy %q", ErrSignInDenied, decision.ruleName, decision.policyName)
	case "CHALLENGE":
		s.logSignIn(rec, u, c, decision, false)
		return nil, fmt.Errorf("%w: rule %q of policy %q", ErrSignInChallenge, decision.ruleName, decision.policyName)
	}
	k := s.activeKey(rec)
	if k == nil {
		return nil, ErrNoSigningKey
	}
	cert, err := k.certificate()
	if err != nil {
		return nil, err
	}
	priv, err := x509.ParsePKCS1PrivateKey(k.PrivateKeyDER)
	if err != nil {
		return nil, fmt.Errorf("oktaemu: signing key %s: %w", k.Kid, err)
	}
	p, err := s.assertionContent(rec, au, cert, priv)
	if err != nil {
		return nil, err
	}
	if decision.mfa {
		// A second factor was verified: the assertion says so in its AuthnContextClassRef and in an amr attribute
		// with the value "mfa", the signal Salesforce reads from an IdP (salesforce-session-and-logs.md §3).
		p.opts.AuthnContextClassRef = multiFactorContext
		p.opts.Attributes = append(p.opts.Attributes, samlidp.Attribute{Name: "amr",
			NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified", Values: []string{"mfa"}})
	}
	s.logSignIn(rec, u, c, decision, true)
	now := s.now().UTC()
	u.LastLogin = &now
	return p, nil
}

// assertionContent evaluates issuer, endpoints, NameID and attribute statements for one app user.
func (s *Server) assertionContent(rec *appRec, au *appUser, cert *x509.Certificate, key *rsa.PrivateKey) (*ssoParams, error) {
	signOn := obj(obj(rec.Body["settings"])["signOn"])
	get := func(k string) string { v, _ := signOn[k].(string); return v }
	pick := func(override, base string) string {
		if v := get(override); v != "" {
			return v
		}
		return get(base)
	}
	acs, audience := appEndpoints(rec)
	if acs == "" || audience == "" {
		return nil, fmt.Errorf("%w: the app has no ACS URL or audience", ErrSignInNotSAML)
	}
	recipient, destination := pick("recipientOverride", "recipient"), pick("destinationOverride", "destination")
	if recipient == "" {
		recipient = acs
	}
	if destination == "" {
		destination = acs
	}
	issuer := "http://www.okta.com/" + rec.ExternalKey
	if v := get("idpIssuer"); v != "" {
		issuer = strings.ReplaceAll(v, "${org.externalKey}", rec.ExternalKey)
	}
	sc := exprScope{user: au.u.Profile, appUser: au.profile, userName: au.userName}
	tmpl := get("subjectNameIdTemplate")
	if tmpl == "" {
		tmpl = "${user.userName}"
	}
	nameID, err := evalTemplate(tmpl, sc)
	if err != nil {
		return nil, fmt.Errorf("oktaemu: subjectNameIdTemplate: %w", err)
	}
	format := get("subjectNameIdFormat")
	if format == "" {
		format = nameIDUnspecified
	}
	attrs, err := s.evalStatements(signOn["attributeStatements"], sc, au.u.ID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	lifetime := 5 * time.Minute
	if secs, ok := signOn["samlAssertionLifetimeSeconds"].(int64); ok && secs > 0 {
		lifetime = time.Duration(secs) * time.Second
	}
	return &ssoParams{acs: acs, opts: samlidp.ResponseOptions{
		Issuer: issuer, Destination: destination, Recipient: recipient, Audience: audience,
		NameID: nameID, NameIDFormat: format, Attributes: attrs,
		IssueInstant: now, NotBefore: now.Add(-5 * time.Minute), NotOnOrAfter: now.Add(lifetime),
		SignResponse: signOn["responseSigned"] == true, SignAssertion: signOn["assertionSigned"] == true,
		Key: key, Certificate: cert,
	}}, nil
}

// appEndpoints is the app's ACS URL and audience (SP Entity ID), overrides first.
func appEndpoints(rec *appRec) (acs, audience string) {
	signOn := obj(obj(rec.Body["settings"])["signOn"])
	pick := func(override, base string) string {
		if v, _ := signOn[override].(string); v != "" {
			return v
		}
		v, _ := signOn[base].(string)
		return v
	}
	acs = pick("ssoAcsUrlOverride", "ssoAcsUrl")
	if acs == "" {
		acs, _ = obj(obj(rec.Body["settings"])["app"])["loginUrl"].(string)
	}
	audience = pick("audienceOverride", "audience")
	if audience == "" && !rec.Custom {
		// The Salesforce OIN app's default audience.
		audience = "https://saml.salesforce.com"
	}
	return acs, audience
}

// evalStatements renders EXPRESSION statements (each value an expression) and GROUP statements (the names of
// the user's groups passing the filter, in name order).
func (s *Server) evalStatements(raw any, sc exprScope, userID string) ([]samlidp.Attribute, error) {
	list, _ := raw.([]any)
	var out []samlidp.Attribute
	for _, item := range list {
		st := obj(item)
		name, _ := st["name"].(string)
		ns, _ := st["namespace"].(string)
		attr := samlidp.Attribute{Name: name, NameFormat: ns}
		switch st["type"] {
		case "GROUP":
			ft, _ := st["filterType"].(string)
			fv, _ := st["filterValue"].(string)
			names, err := s.matchingGroups(userID, ft, fv)
			if err != nil {
				return nil, fmt.Errorf("oktaemu: attribute statement %s: %w", name, err)
			}
			if len(names) == 0 {
				// Okta omits a group statement that matches nothing.
				continue
			}
			attr.Values = names
		default:
			vals, _ := st["values"].([]any)
			for _, v := range vals {
				src, _ := v.(string)
				eval := evalExpr
				if strings.Contains(src, "${") { // a template, as Okta's API documentation writes values
					eval = evalTemplate
				}
				val, err := eval(src, sc)
				if err != nil {
					return nil, fmt.Errorf("oktaemu: attribute statement %s: %w", name, err)
				}
				attr.Values = append(attr.Values, val)
			}
		}
		out = append(out, attr)
	}
	return out, nil
}

func (s *Server) matchingGroups(userID, filterType, filterValue string) ([]string, error) {
	var re *regexp.Regexp
	if filterType == "REGEX" {
		var err error
		if re, err = regexp.Compile("^(?:" + filterValue + ")$"); err != nil {
			return nil, err
		}
	}
	var names []string
	for _, g := range s.st.Groups {
		if !s.isMember(g, userID) {
			continue
		}
		name, _ := g.Profile["name"].(string)
		var ok bool
		switch filterType {
		case "STARTS_WITH":
			ok = strings.HasPrefix(name, filterValue)
		case "EQUALS":
			ok = name == filterValue
		case "CONTAINS":
			ok = strings.Contains(name, filterValue)
		case "REGEX":
			ok = re.MatchString(name)
		default:
			return nil, fmt.Errorf("unsupported filterType %q", filterType)
		}
		if ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// postForm posts the SAMLResponse to the ACS: a script submits it once the page has loaded; without JavaScript the
// user clicks Continue.
var postForm = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head>
<body><noscript><p>JavaScript is disabled. Click Continue.</p></noscript>
<form id="appForm" action="{{.ACS}}" method="POST">
<input name="SAMLResponse" type="hidden" value="{{.SAMLResponse}}"/>
<input name="RelayState" type="hidden" value="{{.RelayState}}"/>
<noscript><button id="appForm-submit" type="submit">Continue</button></noscript>
</form>
<script>window.addEventListener("load", function () { document.forms[0].submit(); });</script>
</body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1 id="okta-error-title">{{.Title}}</h1><p id="okta-error-message">{{.Message}}</p></body></html>
`))

// handleSSO serves the app's SSO URL, GET and POST /app/{appName}/{exk}/sso/saml (spsso.go has the pages):
//   - ?login=<login>[&RelayState][&factor]: the sandbox's shortcut, signing in that user at once; with a SAMLRequest
//     (either binding) the Response answers it;
//   - a SAMLRequest (GET: HTTP-Redirect, POST: HTTP-POST) or nothing: the sign-in page;
//   - POST stateToken with username and password, or with factor: the sign-in's next step.
//
// It answers the form that posts the SAMLResponse to the ACS, a sign-in or second-factor page, or an error page.
func (s *Server) handleSSO(w http.ResponseWriter, r *http.Request) {
	var form url.Values
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxSSOFormBytes)
		if err := r.ParseForm(); err != nil {
			writeBadRequest(w, "The form could not be read.")
			return
		}
		form = r.PostForm
	}
	s.mu.Lock()
	var rec *appRec
	for _, a := range s.st.Apps {
		if a.ExternalKey == r.PathValue("exk") && a.Body["name"] == r.PathValue("appName") {
			rec = a
		}
	}
	label := ""
	if rec != nil {
		label, _ = rec.Body["label"].(string)
	}
	usable := rec != nil && rec.Body["signOnMode"] == "SAML_2_0" && rec.Body["status"] == "ACTIVE"
	s.mu.Unlock()
	login := r.URL.Query().Get("login")
	switch {
	case !usable:
		writeSSOError(w, label, fmt.Errorf("%w: %s", ErrSignInAppNotFound, r.PathValue("exk")))
	case login != "":
		s.shortcutSSO(w, r, rec, label, login, form)
	case form.Has("stateToken"):
		s.continueSignIn(w, r, rec, label, form)
	default:
		s.startSignIn(w, r, rec, form)
	}
}

// shortcutSSO signs login in at once (no pages), answering the AuthnRequest when there is one.
func (s *Server) shortcutSSO(w http.ResponseWriter, r *http.Request, rec *appRec, label, login string, form url.Values) {
	relay := r.URL.Query().Get("RelayState")
	var req *ssoRequest
	s.mu.Lock()
	if r.URL.Query().Has("SAMLRequest") || form.Has("SAMLRequest") {
		var err error
		req, err = s.readAuthnRequest(r, rec)
		if err != nil {
			sp := s.appServiceProvider(rec)
			s.mu.Unlock()
			writeBadRequest(w, authnRequestProblem(err, sp))
			return
		}
		relay = req.relayState
	}
	p, err := s.ssoParamsLocked(rec, r.PathValue("exk"), login, signInContextOf(r))
	s.mu.Unlock()
	if err == nil || errors.Is(err, ErrSignInDenied) || errors.Is(err, ErrSignInChallenge) {
		s.ctrl.Changed() // the System Log events
	}
	if errors.Is(err, ErrSignInChallenge) {
		writeChallenge(w, r)
		return
	}
	if err != nil {
		writeSSOError(w, label, err)
		return
	}
	s.answerSSO(w, p, req, relay)
}

var challengePage = template.Must(template.New("challenge").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Verify it's you</title></head>
<body><h1>Verify it's you with a second factor</h1>{{if .Wrong}}<p>The code is not valid.</p>{{end}}
<form method="GET" action="{{.Action}}">{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}"/>{{end}}
<label for="factor">Code</label> <input id="factor" name="factor" autocomplete="one-time-code"/><button id="okta-factor-submit" type="submit">Verify</button>
</form></body></html>
`))

// writeChallenge answers a sign-in that needs a second factor: 401 and a form that repeats the request with the
// code in factor (the sandbox test factor accepts SandboxTestFactor).
func writeChallenge(w http.ResponseWriter, r *http.Request) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		if k != "factor" && len(v) > 0 {
			params[k] = v[0]
		}
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_ = challengePage.Execute(w, map[string]any{"Action": r.URL.Path, "Params": params, "Wrong": r.URL.Query().Get("factor") != ""})
}

func writeSSOError(w http.ResponseWriter, label string, err error) {
	status, title, msg := http.StatusInternalServerError, "Error", err.Error()
	switch {
	case errors.Is(err, ErrSignInAppNotFound), errors.Is(err, ErrSignInNotSAML):
		status, title, msg = http.StatusNotFound, "404", "The page you are looking for can’t be found."
	case errors.Is(err, ErrSignInUserNotFound), errors.Is(err, ErrSignInUserInactive):
		status, title, msg = http.StatusForbidden, "User not found", "Unable to sign in: the user does not exist or is not active."
	case errors.Is(err, ErrSignInDenied):
		status, title, msg = http.StatusForbidden, "Access denied",
			fmt.Sprintf("You don't have permission to access %s: the app's sign-in policy denies this sign-in.", label)
	case errors.Is(err, ErrSignInNotAssigned):
		status, title, msg = http.StatusForbidden, "App not assigned",
			fmt.Sprintf("Sorry, you can't access %s because you are not assigned this app in Okta.", label)
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(status)
	_ = errorPage.Execute(w, map[string]string{"Title": title, "Message": msg})
}
