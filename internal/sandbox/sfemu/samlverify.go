package sfemu

// This file is the ACS's SAML validation. It is crewjam/saml's service provider, not the provider's internal/saml:
// the sandbox IdP signs with internal/sandbox/samlidp, so a sign-in through the sandbox runs three independent
// implementations (IdP builder, this validator, the provider's decoder) and a bug in one cannot hide in another.
// What crewjam cannot express stays here: the so= org id, picking the SamlSsoConfig by Issuer, the several login
// URLs Salesforce accepts as Recipient, a Destination equal to the URL posted to up to its spelling, Conditions that
// must carry both NotBefore and NotOnOrAfter, the replay cache crewjam consults, the outstanding AuthnRequests whose
// IDs it accepts as InResponseTo (each answered once, to the ACS URL it named), whether a refused response's
// signature verifies (so that its user may be recorded), and the LoginHistory status each refusal is recorded with.

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// maxAssertionAge is how long after its IssueInstant Salesforce accepts an assertion, before clockSkew.
const maxAssertionAge = 5 * time.Minute

func init() {
	// crewjam's defaults are 90 s after IssueInstant and 180 s of skew; Salesforce allows 5 minutes plus 3 of skew.
	// They are package variables, set here once before any goroutine parses (the provider never parses a Response
	// with crewjam: it uses only crewjam's metadata types).
	crewjam.MaxIssueDelay = maxAssertionAge + clockSkew
	crewjam.MaxClockSkew = clockSkew
}

const bearerConfirmation = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

// samlAttribute is one attribute of the assertion with its values in document order.
type samlAttribute struct {
	name   string
	values []string
}

// samlClaims is what the ACS reads from an assertion: crewjam's verified one on success, the document as received
// (unverified) to name the user of a refused sign-in in LoginHistory.
type samlClaims struct {
	subject string
	// inResponseTo is the bearer SubjectConfirmationData's: set when the sign-in was SP-initiated.
	inResponseTo string
	recipient    string
	attributes   []samlAttribute
	// authnContextClassRef is the AuthnStatement's AuthnContextClassRef (LoginHistory.AuthContextClassRef).
	authnContextClassRef string
}

// authMethodReference is what LoginHistory.AuthMethodReference records: the values of an attribute named AMR
// or authmethodsreferences (any case; also a claim URI ending so, as Microsoft Entra sends it), joined by commas.
func (c *samlClaims) authMethodReference() string {
	for _, a := range c.attributes {
		n := strings.ToLower(a.name)
		if n == "amr" || n == "authmethodsreferences" || strings.HasSuffix(n, "/authnmethodsreferences") {
			return strings.Join(a.values, ",")
		}
	}
	return ""
}

// attributeValues returns the values of the attribute named name (exact match), or nil.
func (c *samlClaims) attributeValues(name string) []string {
	for _, a := range c.attributes {
		if a.name == name {
			return a.values
		}
	}
	return nil
}

func claimsOf(a *crewjam.Assertion) *samlClaims {
	c := &samlClaims{}
	if a.Subject != nil {
		if a.Subject.NameID != nil {
			c.subject = strings.TrimSpace(a.Subject.NameID.Value)
		}
		for _, sc := range a.Subject.SubjectConfirmations {
			if sc.Method == bearerConfirmation && sc.SubjectConfirmationData != nil {
				c.inResponseTo, c.recipient = sc.SubjectConfirmationData.InResponseTo, sc.SubjectConfirmationData.Recipient
				break
			}
		}
	}
	for _, st := range a.AuthnStatements {
		if st.AuthnContext.AuthnContextClassRef != nil && c.authnContextClassRef == "" {
			c.authnContextClassRef = strings.TrimSpace(st.AuthnContext.AuthnContextClassRef.Value)
		}
	}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			values := make([]string, 0, len(at.Values))
			for _, v := range at.Values {
				values = append(values, v.Value)
			}
			c.attributes = append(c.attributes, samlAttribute{name: at.Name, values: values})
		}
	}
	return c
}

// readUnverified decodes the Response as received, trusting nothing in it: its assertion's Issuer picks the
// configuration, and its subject names the user a refusal is recorded against.
func readUnverified(raw []byte) (*crewjam.Response, error) {
	upper := bytes.ToUpper(raw)
	if bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY")) {
		return nil, errors.New("the response contains a DTD or entity declaration")
	}
	var resp crewjam.Response
	if err := xml.Unmarshal(raw, &resp); err != nil {
		return nil, fmt.Errorf("not a SAML 2.0 Response: %v", err)
	}
	if resp.Assertion == nil {
		if resp.EncryptedAssertion != nil {
			return nil, errors.New("encrypted assertions are not supported")
		}
		return nil, errors.New("the response has no assertion")
	}
	if resp.Assertion.Issuer.Value == "" {
		return nil, errors.New("the assertion has no Issuer")
	}
	return &resp, nil
}

// verifySAMLResponse decodes the Response, picks the SamlSsoConfig whose Issuer it names and has crewjam check
// signature, status, issuer, time window, audience, recipient, destination, InResponseTo and replay, then checks what
// crewjam leaves open. received is the URL the POST came to.
func (o *Org) verifySAMLResponse(so, encoded, received string, now time.Time) (*samlClaims, soql.Record, *ssoFailure) {
	if so != "" && key15(so) != o.keys.OrgID[:15] {
		return nil, nil, &ssoFailure{status: statusAssertionInvalid, detail: "the so parameter names another organization"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil || len(raw) == 0 {
		return nil, nil, &ssoFailure{status: statusAssertionInvalid, detail: "SAMLResponse is missing or not base64"}
	}
	pre, err := readUnverified(raw)
	if err != nil {
		return nil, nil, &ssoFailure{status: statusAssertionInvalid, detail: err.Error()}
	}
	unverified := claimsOf(pre.Assertion)
	var cfg soql.Record
	o.each("SamlSsoConfig", func(r soql.Record) bool {
		if str(r, "Issuer") == pre.Assertion.Issuer.Value {
			cfg = r
		}
		return cfg == nil
	})
	if cfg == nil {
		return unverified, nil, &ssoFailure{status: statusIssuerMismatched, detail: "no SAML configuration trusts issuer " + pre.Assertion.Issuer.Value}
	}
	// Salesforce takes any of the org's login URLs (isACS) as Recipient; crewjam compares with one URL, so it is
	// given the one the response names when that is one of them, else the URL the POST came to. Destination must be
	// the URL the POST came to (saml-core §3.2.2): crewjam gets the Destination as written when it is that URL up to
	// a trailing slash and the so= id's length, else the received URL, so it refuses any other.
	acsURL := o.loginURLOr(unverified.recipient, received)
	currentURL := received
	if pre.Destination != "" && sameACS(pre.Destination, received) {
		currentURL = pre.Destination
	}
	sp := o.newServiceProvider(cfg, acsURL, now)
	issued := o.issuedRequests()
	assertion, err := sp.ParseXMLResponse(raw, issued.pending(str(cfg, "Id"), now), parsedOrEmpty(currentURL))
	if err != nil {
		fail := refusal(err, pre)
		if recordsUser(fail.status) {
			// The row keeps the failure visible (§6: these show in Login History), but names a user only when the
			// signature verifies: an unverified subject is anyone's to write.
			fail.recorded = true
			if verified := o.verifiedDespite(cfg, pre, raw); verified != nil {
				fail.user = o.mappedUser(claimsOf(verified), cfg)
			}
		}
		return unverified, cfg, fail
	}
	claims := claimsOf(assertion)
	// crewjam accepted the Destination when it equals the Recipient (its AcsURL) too; Salesforce's is the URL posted to.
	if pre.Destination != "" && !sameACS(pre.Destination, received) {
		return claims, cfg, o.verifiedRefusal(cfg, claims, statusRecipientMismatch, "Destination "+pre.Destination+" is not the URL the response was posted to")
	}
	// crewjam treats an omitted Conditions NotBefore or NotOnOrAfter as unbounded (saml-core §2.5.1.2); Salesforce's
	// validator looks for both ("Checking that the timestamps in the assertion are valid"). A SubjectConfirmationData
	// without NotOnOrAfter crewjam already refuses; its NotBefore is not required: saml-profiles §4.1.4.2 forbids it.
	if c := assertion.Conditions; c.NotBefore.IsZero() || c.NotOnOrAfter.IsZero() {
		return claims, cfg, o.verifiedRefusal(cfg, claims, statusAssertionInvalid, "the assertion's Conditions lack NotBefore or NotOnOrAfter")
	}
	// An SP-initiated sign-in answers a request once (crewjam checked it is one of this configuration's outstanding
	// requests), and its Recipient is the ACS URL that request named.
	if id := firstNonEmpty(pre.InResponseTo, claims.inResponseTo); id != "" {
		req, ok := issued.consume(id, now)
		if !ok {
			return claims, cfg, o.verifiedRefusal(cfg, claims, statusInResponseToInvalid, "InResponseTo "+id+" answers a request already answered or expired")
		}
		if !sameACS(claims.recipient, req.acs) {
			return claims, cfg, o.verifiedRefusal(cfg, claims, statusRecipientMismatch, "Recipient "+claims.recipient+" is not the ACS URL the request named, "+req.acs)
		}
	}
	return claims, cfg, nil
}

// verifiedRefusal refuses a verified assertion, recorded against the user it names.
func (o *Org) verifiedRefusal(cfg soql.Record, claims *samlClaims, status, detail string) *ssoFailure {
	return &ssoFailure{status: status, detail: detail, recorded: true, user: o.mappedUser(claims, cfg)}
}

// verifiedDespite re-runs crewjam on a refused response with the checks a verified response can still fail relaxed
// (time at the assertion's IssueInstant, its own Recipient and Destination, any audience and InResponseTo, no replay
// cache): the assertion it returns is one whose signature verifies, so the user it names may be recorded. nil when
// even that fails, as for a bad signature.
func (o *Org) verifiedDespite(cfg soql.Record, pre *crewjam.Response, raw []byte) *crewjam.Assertion {
	recipient, _ := url.Parse(claimsOf(pre.Assertion).recipient)
	if recipient == nil {
		recipient = &url.URL{}
	}
	sp := o.newServiceProvider(cfg, *recipient, pre.Assertion.IssueInstant)
	sp.ReplayCache = nil
	sp.ValidateRequestID = func(crewjam.Response, []string) error { return nil }
	sp.ValidateAudienceRestriction = func(*crewjam.Assertion) error { return nil }
	assertion, err := sp.ParseXMLResponse(raw, nil, parsedOrEmpty(pre.Destination))
	if err != nil {
		return nil
	}
	return assertion
}

func parsedOrEmpty(u string) url.URL {
	if parsed, err := url.Parse(u); err == nil {
		return *parsed
	}
	return url.URL{} // matches no Destination, so crewjam refuses
}

// sameACS reports whether two URLs name the same login URL: scheme and host (any case), path up to a trailing slash,
// and the so= org id by its 15-character key (Okta sends 15, Setup shows 18).
func sameACS(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	so := func(u *url.URL) string {
		if v := u.Query().Get("so"); v != "" {
			return key15(v)
		}
		return ""
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/") && so(ua) == so(ub)
}

// loginURLOr is u when it is one of the org's login URLs, else received (the URL the POST came to).
func (o *Org) loginURLOr(u, received string) url.URL {
	if o.isACS(u) {
		if parsed, err := url.Parse(u); err == nil {
			return *parsed
		}
	}
	if parsed, err := url.Parse(received); err == nil {
		return *parsed
	}
	return url.URL{} // matches no Recipient or Destination, so crewjam refuses
}

// newServiceProvider is the org as crewjam's SP for one configuration: its Entity ID as audience, its
// certificate as the IdP's only signing key, at the org's clock. crewjam also checks, as configured here: every
// AudienceRestriction names the Entity ID (AND), Recipient and Destination, Response and assertion IssueInstant
// within MaxIssueDelay, Conditions and SubjectConfirmationData times (the latter's NotOnOrAfter required), Status,
// Issuer, and, with no ValidateRequestID hook, that a non-empty InResponseTo is one of the possibleRequestIDs
// ParseXMLResponse is given (the configuration's outstanding AuthnRequests, spinit.go), so any other InResponseTo is
// refused; the replay cache refuses an assertion ID seen before. newServiceProvider also builds the AuthnRequests.
func (o *Org) newServiceProvider(cfg soql.Record, acs url.URL, now time.Time) *crewjam.ServiceProvider {
	key := crewjam.KeyDescriptor{Use: "signing", KeyInfo: crewjam.KeyInfo{X509Data: crewjam.X509Data{
		X509Certificates: []crewjam.X509Certificate{{Data: str(cfg, "ValidationCert")}}}}}
	idp := crewjam.IDPSSODescriptor{SSODescriptor: crewjam.SSODescriptor{RoleDescriptor: crewjam.RoleDescriptor{KeyDescriptors: []crewjam.KeyDescriptor{key}}}}
	return &crewjam.ServiceProvider{
		EntityID:          str(cfg, "Audience"),
		AcsURL:            acs,
		IDPMetadata:       &crewjam.EntityDescriptor{EntityID: str(cfg, "Issuer"), IDPSSODescriptors: []crewjam.IDPSSODescriptor{idp}},
		AllowIDPInitiated: true,
		ReplayCache:       o.replayCache(),
		Clock:             dsig.NewFakeClockAt(now),
	}
}

// refusal maps crewjam's reason onto the LoginHistory status Salesforce records for it. crewjam stops at its first
// failure in its own order (Response signature, Destination, Issuer, Status, assertion signature, conditions), where
// Salesforce's validator checks Status first and the signature last: a response failing several checks may be
// recorded with another of its statuses than Salesforce would pick.
func refusal(err error, pre *crewjam.Response) *ssoFailure {
	detail := err.Error()
	var invalid *crewjam.InvalidResponseError
	if errors.As(err, &invalid) && invalid.PrivateErr != nil {
		detail = invalid.PrivateErr.Error() // InvalidResponseError's own message is a constant
	}
	var badStatus crewjam.ErrBadStatus
	status := statusAssertionInvalid
	switch {
	case errors.As(err, &badStatus):
		status = statusStatusInvalid
	case errors.Is(err, crewjam.ErrAssertionReplayed):
		status = statusReplayDetected
	case errors.Is(err, crewjam.ErrRequestIDMismatch):
		status = statusInResponseToInvalid
	case errors.Is(err, crewjam.ErrInvalidSignature):
		status = statusSignatureInvalid
	case errors.Is(err, crewjam.ErrIssuerMismatch):
		status = statusIssuerMismatched
	case errors.Is(err, crewjam.ErrAudienceMismatch):
		// crewjam wants the Entity ID in every AudienceRestriction; Salesforce documents only "the Audience matches".
		status = statusAudienceInvalid
	case errors.Is(err, crewjam.ErrDestinationMismatch):
		// The Recipient, or crewjam's Destination check, which Salesforce does not document: both are recorded so.
		status = statusRecipientMismatch
	case errors.Is(err, crewjam.ErrExpired) && bearerWithoutNotOnOrAfter(pre.Assertion):
		// crewjam reads the missing NotOnOrAfter as the zero time, long past; Salesforce's step 8 is "a Subject
		// Confirmation was provided and contains valid timestamps".
		status = statusSubjectConfirmation
	case errors.Is(err, crewjam.ErrExpired), errors.Is(err, crewjam.ErrNotYetValid):
		status = statusAssertionExpired
	// A missing Conditions, AuthnStatement or bearer SubjectConfirmation (ErrMissingElement) falls to Assertion
	// Invalid; Salesforce records some SubjectConfirmation problems as "Subject Confirmation Error".
	case pre.Signature == nil && pre.Assertion.Signature == nil:
		// crewjam reports a missing signature with an unexported error; Salesforce's validator calls it invalid.
		status, detail = statusSignatureInvalid, "neither the response nor the assertion is signed"
	}
	return &ssoFailure{status: status, detail: detail, cause: err}
}

// bearerWithoutNotOnOrAfter reports whether the (unverified) assertion's first bearer SubjectConfirmationData has
// no NotOnOrAfter.
func bearerWithoutNotOnOrAfter(a *crewjam.Assertion) bool {
	if a.Subject == nil {
		return false
	}
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.Method == bearerConfirmation && sc.SubjectConfirmationData != nil {
			return sc.SubjectConfirmationData.NotOnOrAfter.IsZero()
		}
	}
	return false
}

// recordsUser reports whether a refusal with this status is recorded in LoginHistory: signature, time, audience,
// recipient, replay, InResponseTo and subject confirmation failures, not status, issuer or format ones. The row
// names the user only if the signature verifies (verifiedDespite).
func recordsUser(status string) bool {
	switch status {
	case statusSignatureInvalid, statusAssertionExpired, statusAudienceInvalid, statusRecipientMismatch,
		statusReplayDetected, statusInResponseToInvalid, statusSubjectConfirmation:
		return true
	}
	return false
}

// assertionReplayCache is crewjam's AssertionReplayCache for one org: each accepted assertion ID until the moment
// crewjam would refuse the assertion anyway (its NotOnOrAfter or IssueInstant deadline). It is kept in memory, not in
// the org's persisted state: that state's shape lives in org.go, outside the ACS, so a sandbox restart forgets it
// (an assertion accepted before a restart is accepted once more within its few minutes of validity).
type assertionReplayCache struct {
	mu   sync.Mutex
	now  func() time.Time
	seen map[string]time.Time // assertion ID → expiry
}

// Consume records id until expiresAt, refusing an id already recorded and not yet expired.
func (c *assertionReplayCache) Consume(id string, expiresAt time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, exp := range c.seen {
		if !exp.After(now) {
			delete(c.seen, k)
		}
	}
	if exp, ok := c.seen[id]; ok && exp.After(now) {
		return crewjam.ErrAssertionReplayed
	}
	c.seen[id] = expiresAt
	return nil
}

// replayCaches holds each org's cache; the Org struct (org.go) has no field for it.
var replayCaches sync.Map // *Org → *assertionReplayCache

func (o *Org) replayCache() *assertionReplayCache {
	c, _ := replayCaches.LoadOrStore(o, &assertionReplayCache{now: func() time.Time { return o.now() }, seen: map[string]time.Time{}})
	return c.(*assertionReplayCache)
}
