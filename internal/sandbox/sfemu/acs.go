package sfemu

// This file is the org's SAML assertion consumer service at the My Domain root (POST /?so=<orgId15>, and
// POST /login?so=…): it verifies the Response against a SamlSsoConfig (samlverify.go), maps the subject to a user,
// runs standard JIT when the config enables it, records LoginHistory and answers as Salesforce's browser flow does.

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// clockSkew is the tolerance Salesforce applies to assertion timestamps.
const clockSkew = 3 * time.Minute

// LoginHistory Status values of SAML failures, as Salesforce's SAML Assertion Validator names them.
const (
	statusSuccess           = "Success"
	statusIssuerMismatched  = "Failed: Issuer Mismatched"
	statusSignatureInvalid  = "Failed: Signature Invalid"
	statusAssertionExpired  = "Failed: Assertion Expired"
	statusAssertionInvalid  = "Failed: Assertion Invalid"
	statusAudienceInvalid   = "Failed: Audience Invalid"
	statusRecipientMismatch = "Failed: Recipient Mismatched"
	statusStatusInvalid     = "Failed: Status Invalid"
	// The next six are §4's LOGIN_STATUS texts: duplicate assertion ID, InResponseTo, SubjectConfirmation, no user
	// for the subject, an inactive user, a JIT failure.
	statusReplayDetected      = "Failed: Replay Detected"
	statusInResponseToInvalid = "Failed: InResponseTo Invalid"
	statusSubjectConfirmation = "Failed: Subject Confirmation Error"
	statusUnableToMap         = "Failed: Username Or SSO Id Invalid"
	statusUserInactive        = "User is inactive"
	statusJITError            = "Failed: SAML Provision Error"
	// statusRestrictedIP is a sign-in from outside the profile's login IP ranges (LOGIN_ERROR_RESTRICTED_DOMAIN).
	statusRestrictedIP = "Restricted IP"
	// statusSessionLevel is a sign-in below the profile's required session level. Salesforce documents no text for
	// LOGIN_SAML_INVALID_SESSION_LEVEL; this is its documented status for a login that needed MFA and lacked it.
	statusSessionLevel = "Multi-factor (formerly called two-factor) is required"
)

// ssoFailure is a rejected sign-in: the LoginHistory status, a detail for the page, the user a verified assertion
// names, whether it gets a LoginHistory row even without a user, and crewjam's error when it refused the response.
type ssoFailure struct {
	status, detail string
	user           soql.Record
	recorded       bool
	config         soql.Record
	cause          error
}

var ssoErrorPage = template.Must(template.New("sso").Parse(`<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>SAML Single Sign-On failed</title></head>
<body><div id="content"><h1>SAML Single Sign-On failed</h1>
<p>Single Sign-On Error: We can't log you in because of an issue with single sign-on. Contact your Salesforce admin for help.</p>
<p id="reason">{{.}}</p></div></body></html>
`))

// handleACS consumes an HTTP-POST SAMLResponse.
func (o *Org) handleACS(w http.ResponseWriter, r *http.Request) {
	body, aerr := readBody(r)
	var form map[string][]string
	if aerr == nil {
		form, _ = parseForm(body)
	}
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	sourceIP := emu.ClientIP(r).String()
	o.mu.Lock()
	received := o.cfg.BaseURL + r.URL.RequestURI()
	sid, location, fail := o.consumeAssertion(r.URL.Query().Get("so"), get("SAMLResponse"), get("RelayState"), received, sourceIP)
	o.mu.Unlock()
	o.cfg.Control.Changed()
	if fail != nil {
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_ = ssoErrorPage.Execute(w, fail.status+": "+fail.detail)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, Secure: strings.HasPrefix(o.cfg.BaseURL, "https:")})
	http.Redirect(w, r, location, http.StatusFound)
}

// consumeAssertion runs the whole validation and provisioning; on success it returns a new session id and
// the redirect target. received is the URL the Response was posted to. It records LoginHistory for every attempt
// whose user is known. o.mu must be held.
func (o *Org) consumeAssertion(so, encoded, relayState, received, sourceIP string) (string, string, *ssoFailure) {
	now := o.now()
	resp, cfg, fail := o.verifySAMLResponse(so, encoded, received, now)
	loginType := loginTypeSAMLIdP
	if resp != nil && resp.inResponseTo != "" {
		loginType = loginTypeSAMLSP
	}
	var user soql.Record
	if fail == nil {
		user, fail = o.mapAndProvision(resp, cfg)
	}
	var amr, acr string
	if resp != nil {
		amr, acr = resp.authMethodReference(), resp.authnContextClassRef
	}
	if fail != nil {
		fail.config = cfg
		if fail.user != nil || fail.recorded {
			o.recordLogin(loginEvent{userID: str(fail.user, "Id"), loginType: loginType, status: fail.status, sourceIP: sourceIP,
				loginURL: o.loginHost(), serviceID: str(cfg, "Id"), at: now})
		}
		return "", "", fail
	}
	if pf := o.checkProfilePolicy(user, cfg, sourceIP); pf != nil {
		o.recordLogin(loginEvent{userID: str(user, "Id"), loginType: loginType, status: pf.status, sourceIP: sourceIP,
			loginURL: o.loginHost(), serviceID: str(cfg, "Id"), amr: amr, acr: acr, at: now})
		pf.config = cfg
		return "", "", pf
	}
	// update replaces the row, so the map mapAndProvision returned may be stale.
	user = o.lookup("User", str(user, "Id"))
	user["LastLoginDate"] = timestamp(now)
	o.dirty = true
	o.recordLogin(loginEvent{userID: str(user, "Id"), loginType: loginType, status: statusSuccess, sourceIP: sourceIP,
		loginURL: o.loginHost(), serviceID: str(cfg, "Id"), amr: amr, acr: acr, at: now})
	token := o.keys.OrgID[:15] + "!" + randomToken(96)
	o.sessions[token] = session{UserID: str(user, "Id"), IssuedAt: now}
	return token, o.relayTarget(relayState), nil
}

// defaultLanding is where a sign-in without a usable RelayState lands.
const defaultLanding = "/home/home.jsp"

// relayTarget is where the browser goes after sign-in: RelayState when it is a relative path ("/…", not "//…") or
// an http(s) URL on the org's own host, else the default landing page, so the ACS is no open redirector.
func (o *Org) relayTarget(relayState string) string {
	if relayState == "" || strings.ContainsAny(relayState, "\\\r\n\t") {
		return defaultLanding
	}
	u, err := url.Parse(relayState)
	if err != nil {
		return defaultLanding
	}
	if u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(relayState, "/") && !strings.HasPrefix(relayState, "//") {
		return relayState
	}
	base, err := url.Parse(o.cfg.BaseURL)
	if err != nil || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.EqualFold(u.Host, base.Host) {
		return defaultLanding
	}
	return relayState
}

func (o *Org) loginHost() string {
	return strings.TrimPrefix(strings.TrimPrefix(o.cfg.BaseURL, "https://"), "http://")
}

// isACS accepts the org's login URLs: the My Domain root or /login, with or without ?so=<orgId15|18>.
func (o *Org) isACS(recipient string) bool {
	base, _, _ := strings.Cut(recipient, "?")
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/login"), "/")
	return strings.EqualFold(base, o.cfg.BaseURL)
}

// identity is the value the config maps to a user: the NameID or the named attribute's first value.
func identity(resp *samlClaims, cfg soql.Record) string {
	if str(cfg, "IdentityLocation") == "Attribute" {
		if v := resp.attributeValues(str(cfg, "AttributeName")); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return resp.subject
}

// mappedUser finds the user the assertion names, by FederationIdentifier (case-insensitive), Username or Id.
func (o *Org) mappedUser(resp *samlClaims, cfg soql.Record) soql.Record {
	id := identity(resp, cfg)
	if id == "" {
		return nil
	}
	switch str(cfg, "IdentityMapping") {
	case "FederationId":
		if uid, ok := o.federationIDs()[strings.ToLower(id)]; ok {
			return o.lookup("User", uid)
		}
	case "Username":
		var found soql.Record
		o.each("User", func(u soql.Record) bool {
			if strings.EqualFold(str(u, "Username"), id) {
				found = u
			}
			return found == nil
		})
		return found
	case "UserId":
		if validID(id) && hasPrefix(id, prefixUser) {
			return o.lookup("User", id)
		}
	}
	return nil
}

// mapAndProvision finds or JIT-creates the user, refuses inactive ones and applies JIT updates.
func (o *Org) mapAndProvision(resp *samlClaims, cfg soql.Record) (soql.Record, *ssoFailure) {
	user := o.mappedUser(resp, cfg)
	jit := cfg["OptionsUserProvisioning"] == true
	if user == nil {
		if !jit {
			return nil, &ssoFailure{status: statusUnableToMap, detail: "no user matches " + identity(resp, cfg)}
		}
		rec, jerr := o.jitCreate(resp, str(cfg, "IdentityMapping"), identity(resp, cfg))
		if jerr != nil {
			return nil, &ssoFailure{status: statusJITError, detail: jerr.Error()}
		}
		return rec, nil
	}
	if user["IsActive"] != true {
		return nil, &ssoFailure{status: statusUserInactive, detail: "the user is inactive", user: user}
	}
	if jit {
		if jerr := o.jitUpdate(user, resp); jerr != nil {
			return nil, &ssoFailure{status: statusJITError, detail: jerr.Error(), user: user}
		}
	}
	return user, nil
}
