package sso

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
)

// This file is oktasf_federation_check's engine: it reads both sides of a federation with list and query calls
// and turns what disagrees into findings. The rules on the SSO settings are here; those on users, other apps
// and sign-in failures are in federation_check_users.go.

// Finding severities; an error makes the check fail (ok = false).
const (
	severityError   = "error"
	severityWarning = "warning"
	severityInfo    = "info"
)

// Finding codes, stable so that pipelines can match them.
const (
	codeAppInactive       = "app_inactive"
	codeSSOMissing        = "sso_settings_missing"
	codeCertMismatch      = "certificate_mismatch"
	codeCertExpired       = "certificate_expired"
	codeCertExpiring      = "certificate_expiring"
	codeIssuerMismatch    = "issuer_mismatch"
	codeEntityIDMismatch  = "entity_id_mismatch"
	codeACSMismatch       = "acs_url_mismatch"
	codeACSWithoutOrgID   = "acs_url_without_org_id"
	codeLoginURLMismatch  = "login_url_mismatch"
	codeNameIDMismatch    = "name_id_mismatch"
	codeJITAttributes     = "jit_attributes_missing"
	codeDuplicateFedIDs   = "duplicate_federation_ids"
	codeOrphans           = "orphaned_salesforce_users"
	codeMissingUsers      = "users_missing_in_salesforce"
	codeIdentityUnchecked = "identity_not_checked"
	codeMultipleApps      = "multiple_apps"
	codeSignInFailures    = "sign_in_failures"
)

// NameID formats the check tells apart.
const (
	nameIDTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	nameIDX509      = "urn:oasis:names:tc:SAML:1.1:nameid-format:x509SubjectName"
)

// examplesShown caps the users or values a finding lists; the message gives the total.
const examplesShown = 10

type federationCheckInput struct {
	AppID        string
	SSOName      string // empty: found by issuer, certificate, or as the org's only settings
	ExpiryDays   int
	FailureHours int
	Now          time.Time
}

type finding struct{ Severity, Code, Message, Fix string }

type federationReport struct {
	SSOName  string // the settings checked; empty when none was found
	Findings []finding
}

func (r *federationReport) add(severity, code, message, fix string) {
	r.Findings = append(r.Findings, finding{Severity: severity, Code: code, Message: message, Fix: fix})
}

// OK reports whether no finding is an error.
func (r *federationReport) OK() bool {
	for _, f := range r.Findings {
		if f.Severity == severityError {
			return false
		}
	}
	return true
}

// sortFindings puts errors first, then warnings, then infos, keeping the order of the checks within each.
func (r *federationReport) sortFindings() {
	rank := map[string]int{severityError: 0, severityWarning: 1, severityInfo: 2}
	sort.SliceStable(r.Findings, func(i, j int) bool { return rank[r.Findings[i].Severity] < rank[r.Findings[j].Severity] })
}

// ssoConfigRow is a SamlSsoConfig as the Tooling API returns it: one query reads every configuration of the org
// with the fields the check compares, where readMetadata would need the names and one call per ten.
type ssoConfigRow struct {
	ID                      string `json:"Id"`
	DeveloperName           string `json:"DeveloperName"`
	Issuer                  string `json:"Issuer"`
	Audience                string `json:"Audience"` // the Entity ID (samlEntityId)
	ValidationCert          string `json:"ValidationCert"`
	LoginURL                string `json:"LoginUrl"`
	IdentityMapping         string `json:"IdentityMapping"`
	IdentityLocation        string `json:"IdentityLocation"`
	AttributeName           string `json:"AttributeName"`
	OptionsUserProvisioning bool   `json:"OptionsUserProvisioning"`
}

const ssoConfigSOQL = "SELECT Id, DeveloperName, Issuer, Audience, ValidationCert, LoginUrl, IdentityMapping, IdentityLocation, " +
	"AttributeName, OptionsUserProvisioning FROM SamlSsoConfig ORDER BY DeveloperName"

// federationSides is what the check read: the app and its IdP metadata, the org's facts and the settings.
type federationSides struct {
	app      *okta.SAMLApp
	metadata *saml.Metadata
	cert     *x509.Certificate // the app's active signing certificate; nil when the metadata has none
	facts    *salesforce.OrgFacts
	cfg      *ssoConfigRow // nil when no settings trust the app
}

// checkFederation reads both sides of the federation of app in.AppID with org sf and returns the findings.
// An error means a side could not be read (an app that does not exist is okta.ErrNotFound).
func checkFederation(ctx context.Context, okt *okta.Client, sf *salesforce.Client, in federationCheckInput) (*federationReport, error) {
	app, err := okt.GetSAMLApp(ctx, in.AppID)
	if err != nil {
		return nil, err
	}
	if app.SignOnMode != "SAML_2_0" {
		return nil, fmt.Errorf("app_id %q is a %s app, not a SAML 2.0 app; give the id of the Okta SAML app that signs users in to Salesforce", in.AppID, app.SignOnMode)
	}
	xml, err := okt.SAMLMetadata(ctx, app.ID, app.SigningKID)
	if err != nil {
		return nil, err
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil {
		return nil, fmt.Errorf("the SAML metadata of Okta app %s: %w", app.ID, err)
	}
	facts, err := sf.Facts(ctx)
	if err != nil {
		return nil, err
	}
	var configs []ssoConfigRow
	if err := sf.ToolingQuery(ctx, ssoConfigSOQL, &configs); err != nil {
		return nil, fmt.Errorf("reading the SSO settings of org %q: %w", sf.Alias(), err)
	}
	s := &federationSides{app: app, metadata: md, facts: facts}
	if len(md.SigningCertificates) > 0 {
		s.cert = md.SigningCertificates[0]
	}
	r := &federationReport{}
	s.cfg = pickSSOConfig(configs, in.SSOName, md.EntityID, s.cert)
	if app.Status != "ACTIVE" {
		r.add(severityError, codeAppInactive, fmt.Sprintf("The Okta app %q (%s) is %s: nobody can sign in through it.", app.Label, app.ID, app.Status),
			"Activate the app in Okta, or set active = true on its oktasf_saml_app.")
	}
	checkCertificateExpiry(r, s.cert, in.Now, in.ExpiryDays)
	checkACS(r, s)
	identityExpr := ""
	if s.cfg == nil {
		r.add(severityError, codeSSOMissing, missingSettingsMessage(configs, in.SSOName, md.EntityID, sf.Alias()),
			"Create the org's SSO settings for this app with oktasf_salesforce_sso (app_id = the app's id), or set sso_name to the settings that should trust it.")
	} else {
		r.SSOName = s.cfg.DeveloperName
		if err := checkCertificate(ctx, r, okt, s); err != nil {
			return nil, err
		}
		checkSettings(r, s)
		identityExpr = checkNameID(r, s)
		if s.cfg.OptionsUserProvisioning {
			checkJITAttributes(r, s)
		}
	}
	if err := checkOtherApps(ctx, r, okt, s); err != nil {
		return nil, err
	}
	if err := checkUsers(ctx, r, okt, sf, s, identityExpr); err != nil {
		return nil, err
	}
	if s.cfg != nil {
		if err := checkSignInFailures(ctx, r, sf, s.cfg, in); err != nil {
			return nil, err
		}
	}
	r.sortFindings()
	return r, nil
}

// pickSSOConfig is the settings named name, or else those whose Issuer is the app's entity ID, those that trust
// its certificate, or the org's only settings; nil when none fits.
func pickSSOConfig(configs []ssoConfigRow, name, entityID string, cert *x509.Certificate) *ssoConfigRow {
	if name != "" {
		for i := range configs {
			if strings.EqualFold(configs[i].DeveloperName, name) {
				return &configs[i]
			}
		}
		return nil
	}
	for i := range configs {
		if configs[i].Issuer == entityID {
			return &configs[i]
		}
	}
	if cert != nil {
		for i := range configs {
			if bytes.Equal(validationCertDER(configs[i].ValidationCert), cert.Raw) {
				return &configs[i]
			}
		}
	}
	if len(configs) == 1 {
		return &configs[0]
	}
	return nil
}

func missingSettingsMessage(configs []ssoConfigRow, name, entityID, alias string) string {
	names := make([]string, 0, len(configs))
	for _, c := range configs {
		names = append(names, c.DeveloperName)
	}
	held := "it has none"
	if len(names) > 0 {
		held = "it has " + strings.Join(names, ", ")
	}
	if name != "" {
		return fmt.Sprintf("Org %q has no SSO settings named %q (%s).", alias, name, held)
	}
	return fmt.Sprintf("No SSO settings of org %q trust the app: none has its issuer %s or its certificate (%s).", alias, entityID, held)
}

// checkCertificateExpiry reports an expired certificate as an error and one expiring within days as a warning.
func checkCertificateExpiry(r *federationReport, cert *x509.Certificate, now time.Time, days int) {
	if cert == nil {
		r.add(severityError, codeCertMismatch, "The app's SAML metadata has no signing certificate.",
			"Give the app an active signing key (oktasf_saml_app's signing block, or the app's Sign On tab in Okta).")
		return
	}
	notAfter := cert.NotAfter.UTC()
	switch {
	case !now.Before(notAfter):
		r.add(severityError, codeCertExpired, fmt.Sprintf("The app's active signing certificate (SHA-256 %s) expired on %s.",
			saml.Fingerprint(cert), notAfter.Format(time.RFC3339)), rotateFix)
	case notAfter.Sub(now) <= time.Duration(days)*24*time.Hour:
		r.add(severityWarning, codeCertExpiring, fmt.Sprintf("The app's active signing certificate (SHA-256 %s) expires on %s, in %d days (certificate_expiry_days = %d).",
			saml.Fingerprint(cert), notAfter.Format(time.RFC3339), int(notAfter.Sub(now).Hours()/24), days), rotateFix)
	}
}

const rotateFix = "Rotate the key: change signing.rotation_trigger of the oktasf_saml_app; with oktasf_salesforce_sso taking " +
	"idp_certificate from the app, one apply gives Salesforce the new certificate."

// checkCertificate compares the certificate Salesforce trusts with the app's active one; on a mismatch it lists
// the app's keys (one call) to say whether Salesforce still trusts an older key of the app.
func checkCertificate(ctx context.Context, r *federationReport, okt *okta.Client, s *federationSides) error {
	trusted := validationCertDER(s.cfg.ValidationCert)
	if s.cert == nil || bytes.Equal(trusted, s.cert.Raw) {
		return nil
	}
	which := "a certificate that is not one of the app's keys"
	keys, err := okt.ListAppKeys(ctx, s.app.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.Certificate != nil && bytes.Equal(k.Certificate.Raw, trusted) {
			which = fmt.Sprintf("the app's inactive key %s", k.KID)
		}
	}
	r.add(severityError, codeCertMismatch,
		fmt.Sprintf("SSO settings %q trust %s (SHA-256 %s), but the app signs with key %s (SHA-256 %s): Salesforce refuses every sign-in (Failed: Signature Invalid).",
			s.cfg.DeveloperName, which, derFingerprint(trusted), s.app.SigningKID, saml.Fingerprint(s.cert)),
		"Set idp_certificate = oktasf_saml_app.<name>.certificate on oktasf_salesforce_sso (or give it app_id) and apply.")
	return nil
}

// checkSettings compares the issuer, the entity ID and the IdP login URL of the settings with the app's.
func checkSettings(r *federationReport, s *federationSides) {
	cfg := s.cfg
	if cfg.Issuer != s.metadata.EntityID {
		r.add(severityError, codeIssuerMismatch,
			fmt.Sprintf("SSO settings %q expect issuer %q, but the app's assertions come from %q (Failed: Issuer Mismatched).", cfg.DeveloperName, cfg.Issuer, s.metadata.EntityID),
			"Set issuer = oktasf_saml_app.<name>.entity_id on oktasf_salesforce_sso and apply.")
	}
	if audience := appAudience(s.app); !sameURL(audience, cfg.Audience) {
		r.add(severityError, codeEntityIDMismatch,
			fmt.Sprintf("The app sends audience %q, but SSO settings %q have Entity ID %q (Failed: Audience Invalid).", audience, cfg.DeveloperName, cfg.Audience),
			fmt.Sprintf("Make both the org's My Domain URL (%s): audience on oktasf_saml_app and sp_entity_id on oktasf_salesforce_sso.", s.facts.MyDomainURL))
	}
	if cfg.LoginURL != "" && !sameURL(cfg.LoginURL, s.metadata.SSOURLPost) && !sameURL(cfg.LoginURL, s.metadata.SSOURLRedirect) {
		r.add(severityWarning, codeLoginURLMismatch,
			fmt.Sprintf("SSO settings %q send users to identity provider login URL %q, but the app's sign-in URL is %q: sign-in started at Salesforce fails.",
				cfg.DeveloperName, cfg.LoginURL, s.metadata.SSOURLPost),
			"Set idp_login_url = oktasf_saml_app.<name>.sso_url on oktasf_salesforce_sso and apply.")
	}
}

// checkACS checks that the app posts its assertions to one of the org's login URLs. A URL of the org without
// ?so=<org id> is a warning, not an error: the reference does not say Salesforce refuses it (the sandbox takes it),
// but the login URL Salesforce shows carries the org id.
func checkACS(r *federationReport, s *federationSides) {
	so := s.app.SignOn
	acs := firstNonEmpty(so.SSOACSURLOverride, so.SSOACSURL)
	if acs == "" {
		acs, _ = s.app.AppSettings["loginUrl"].(string)
	}
	var wrong, noOrgID []string
	for _, f := range []struct{ name, value string }{
		{"ACS URL", acs}, {"recipient", firstNonEmpty(so.RecipientOverride, so.Recipient)}, {"destination", firstNonEmpty(so.DestinationOverride, so.Destination)},
	} {
		if f.value == "" && f.name != "ACS URL" {
			continue
		}
		switch orgACSMatch(f.value, s.facts) {
		case acsOfOrg:
		case acsWithoutOrgID:
			noOrgID = append(noOrgID, fmt.Sprintf("%s %q", f.name, f.value))
		default:
			wrong = append(wrong, fmt.Sprintf("%s %q", f.name, f.value))
		}
	}
	const fix = "Set acs_url (and recipient, destination) of oktasf_saml_app to data.oktasf_salesforce_org.<name>.acs_url and apply."
	if len(wrong) > 0 {
		r.add(severityError, codeACSMismatch,
			fmt.Sprintf("The app's %s is not a login URL of org %s (its ACS URL is %s): Salesforce refuses the assertions (Failed: Recipient Mismatched) or never receives them.",
				strings.Join(wrong, " and "), s.facts.ID, s.facts.ACSURL()), fix)
	}
	if len(noOrgID) > 0 {
		r.add(severityWarning, codeACSWithoutOrgID,
			fmt.Sprintf("The app's %s is a login URL of org %s without the org id (so=), unlike the login URL Salesforce shows (%s): "+
				"whether Salesforce takes assertions there is not documented.", strings.Join(noOrgID, " and "), s.facts.ID, s.facts.ACSURL()), fix)
	}
}

// How a URL relates to the org's login URLs.
const (
	acsElsewhere    = iota // another host or path, or so= naming another org
	acsOfOrg               // the org's My Domain root or /login with its org id in so=
	acsWithoutOrgID        // the org's My Domain root or /login with no so= at all
)

// orgACSMatch tells whether u is a URL Salesforce takes assertions at for the org: its My Domain root or /login,
// with the org's id (15 or 18 characters) in so=. Salesforce shows "<My Domain>?so=<id15>" as the login URL; /login
// is inferred from how the browser flow posts, not verified.
func orgACSMatch(u string, facts *salesforce.OrgFacts) int {
	got, err := url.Parse(u)
	if err != nil || u == "" {
		return acsElsewhere
	}
	base, err := url.Parse(facts.MyDomainURL)
	if err != nil {
		return acsElsewhere
	}
	path := strings.TrimSuffix(strings.TrimSuffix(got.Path, "/"), "/login")
	if !strings.EqualFold(got.Scheme, base.Scheme) || !strings.EqualFold(got.Host, base.Host) || path != strings.TrimSuffix(base.Path, "/") {
		return acsElsewhere
	}
	if !got.Query().Has("so") {
		return acsWithoutOrgID
	}
	so := got.Query().Get("so")
	if len(so) >= 15 && len(facts.ID) >= 15 && strings.EqualFold(so[:15], facts.ID[:15]) {
		return acsOfOrg
	}
	return acsElsewhere
}

// isOrgACS reports whether u is one of the org's login URLs with its org id in so= (orgACSMatch).
func isOrgACS(u string, facts *salesforce.OrgFacts) bool {
	return orgACSMatch(u, facts) == acsOfOrg
}

// checkNameID checks the NameID format (or the identity attribute) against the settings' identity type and
// location, and returns the expression that gives a user's identity: the NameID template, or the value of the
// identity attribute; empty when there is none.
func checkNameID(r *federationReport, s *federationSides) string {
	cfg, so := s.cfg, s.app.SignOn
	if cfg.IdentityLocation == "Attribute" {
		for _, st := range so.AttributeStatements {
			if st.Name == cfg.AttributeName && !strings.EqualFold(st.Type, "GROUP") && len(st.Values) > 0 {
				return st.Values[0]
			}
		}
		r.add(severityError, codeNameIDMismatch,
			fmt.Sprintf("SSO settings %q read the user's %s from the attribute %q, which the app does not send (Failed: Username Or SSO Id Invalid).",
				cfg.DeveloperName, cfg.IdentityMapping, cfg.AttributeName),
			fmt.Sprintf("Add an attribute statement %q to oktasf_saml_app, or set identity_location = \"SubjectNameId\" on oktasf_salesforce_sso.", cfg.AttributeName))
		return ""
	}
	format := firstNonEmpty(so.SubjectNameIDFormat, defaultNameIDFormat)
	switch format {
	case nameIDTransient:
		r.add(severityError, codeNameIDMismatch,
			fmt.Sprintf("The app sends a transient NameID (a new value at each sign-in), but SSO settings %q match the NameID against the user's %s: no user is ever found.",
				cfg.DeveloperName, cfg.IdentityMapping),
			"Set name_id.format of oktasf_saml_app to urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified (or emailAddress, persistent).")
		return ""
	case nameIDX509:
		r.add(severityWarning, codeNameIDMismatch,
			fmt.Sprintf("The app sends an X.509 subject name as NameID, but SSO settings %q match it against the user's %s.", cfg.DeveloperName, cfg.IdentityMapping),
			"Set name_id.format of oktasf_saml_app to urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified.")
	}
	template := so.SubjectNameIDTemplate
	if template == "" {
		template = "${user.userName}" // Okta's default, and what the catalogue app sends
	}
	return unwrapExpression(template)
}

// checkJITAttributes checks that the app sends every User.* attribute standard JIT needs to create a user.
func checkJITAttributes(r *federationReport, s *federationSides) {
	sent := map[string]bool{}
	for _, st := range s.app.SignOn.AttributeStatements {
		if field, ok := strings.CutPrefix(st.Name, jitAttributePrefix); ok && !strings.EqualFold(st.Type, "GROUP") && len(st.Values) > 0 {
			sent[strings.ToLower(field)] = true
		}
	}
	var missing []string
	for _, f := range jitRequiredFields {
		if !sent[strings.ToLower(f)] {
			missing = append(missing, jitAttributePrefix+f)
		}
	}
	if len(missing) > 0 {
		r.add(severityError, codeJITAttributes,
			fmt.Sprintf("SSO settings %q create users just in time, but the app does not send %s: a first sign-in fails (Failed: SAML Provision Error).",
				s.cfg.DeveloperName, strings.Join(missing, ", ")),
			"Map Username, Email, LastName and ProfileId in jit_attributes of oktasf_saml_app, or set jit_provisioning = false on oktasf_salesforce_sso.")
	}
}

// genericSalesforceEntityID is the Entity ID legacy orgs without a custom domain use (salesforce-api.md §7): it is
// every such org's, so it names no org.
const genericSalesforceEntityID = "https://saml.salesforce.com"

// appAudience is the audience the app's assertions name. The catalogue app without an override sends
// https://saml.salesforce.com (Okta's Salesforce setup guide; inferred, as the sandbox does, not verified).
func appAudience(app *okta.SAMLApp) string {
	audience := firstNonEmpty(app.SignOn.AudienceOverride, app.SignOn.Audience)
	if audience == "" && app.Name == okta.SalesforceOINName {
		return genericSalesforceEntityID
	}
	return audience
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
