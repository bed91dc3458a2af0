package sso_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/service/sso"
)

// The rules of oktasf_federation_check, each made to appear by a change out of band and to go away by undoing it,
// run against a sandbox of the test's own (other tests' apps and users would be findings too) without Terraform.

// seededFederatedUser is the default seed's one Okta user whose Salesforce user (org qa) has a Federation ID.
const seededFederatedUser = "alice.anders@acme.example"

// federationFixture is a healthy federation built through the clients: an active app that signs users in to
// org qa, SSO settings that trust it, and the seeded federated user assigned to the app.
type federationFixture struct {
	sb      *sandbox.Sandbox
	okt     *okta.Client
	sf      *salesforce.Client
	facts   *salesforce.OrgFacts
	app     *okta.SAMLApp
	sso     salesforce.SAMLSSOConfig // as written
	certPEM string
}

func newFederationFixture(t *testing.T) *federationFixture {
	t.Helper()
	acctest.RequireSandbox(t, "edits the org's state directly, counts requests and needs an org with no other app or federated user")
	ctx := context.Background()
	fx := &federationFixture{sb: acctest.NewSandbox(t, sandbox.Options{})}
	fx.okt, fx.sf = acctest.OktaClient(t, fx.sb), acctest.SalesforceClient(t, fx.sb, acctest.PrimaryOrg())
	facts, err := fx.sf.Facts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fx.facts = facts
	acs := facts.ACSURL()
	fx.app, err = fx.okt.CreateSAMLApp(ctx, &okta.SAMLApp{Label: acctest.RandomName("fedcheck"), SignOn: okta.SAMLSignOn{
		SSOACSURL: acs, Recipient: acs, Destination: acs, Audience: facts.MyDomainURL,
		SubjectNameIDTemplate: "${user.login}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true,
		AttributeStatements: []okta.AttributeStatement{{Type: "EXPRESSION", Name: "User.Email", Values: []string{"user.email"},
			Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"}},
	}}, true)
	if err != nil {
		t.Fatalf("create the app: %v", err)
	}
	xml, err := fx.okt.SAMLMetadata(ctx, fx.app.ID, fx.app.SigningKID)
	if err != nil {
		t.Fatal(err)
	}
	md, err := saml.ParseMetadata(xml)
	if err != nil {
		t.Fatal(err)
	}
	fx.certPEM = saml.CertificatePEM(md.SigningCertificates[0])
	fx.sso = salesforce.SAMLSSOConfig{FullName: "Okta_Check", Name: "Okta Check", Issuer: md.EntityID,
		ValidationCert: base64.StdEncoding.EncodeToString(md.SigningCertificates[0].Raw), LoginURL: md.SSOURLPost,
		IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId", SAMLEntityID: facts.MyDomainURL,
		SAMLVersion: "SAML2_0", RequestSignatureMethod: "RSA-SHA256"}
	fx.writeSSO(t, fx.sso)
	fx.assign(t, seededFederatedUser)
	return fx
}

// writeSSO writes the org's SSO settings as an admin would in Setup.
func (fx *federationFixture) writeSSO(t *testing.T, cfg salesforce.SAMLSSOConfig) {
	t.Helper()
	if _, err := fx.sf.UpsertSAMLSSOConfig(context.Background(), cfg); err != nil {
		t.Fatalf("write the SSO settings: %v", err)
	}
}

// changeSSO writes the fixture's settings changed by change, leaving fx.sso as it was.
func (fx *federationFixture) changeSSO(t *testing.T, change func(*salesforce.SAMLSSOConfig)) {
	t.Helper()
	cfg := fx.sso
	change(&cfg)
	fx.writeSSO(t, cfg)
}

// changeApp edits the app in Okta as an admin would.
func (fx *federationFixture) changeApp(t *testing.T, change func(*okta.SAMLApp)) {
	t.Helper()
	if _, err := fx.okt.UpdateSAMLApp(context.Background(), fx.app.ID, func(a *okta.SAMLApp) error { change(a); return nil }); err != nil {
		t.Fatalf("update the app: %v", err)
	}
}

// assign assigns the Okta user with this login (or id) to the app directly.
func (fx *federationFixture) assign(t *testing.T, login string) {
	t.Helper()
	ctx := context.Background()
	var user struct{ ID string }
	if _, err := fx.okt.Raw(ctx, http.MethodGet, "/api/v1/users/"+login, nil, &user); err != nil {
		t.Fatalf("find Okta user %s: %v", login, err)
	}
	if _, err := fx.okt.Raw(ctx, http.MethodPost, "/api/v1/apps/"+fx.app.ID+"/users", map[string]any{"id": user.ID, "scope": "USER"}, nil); err != nil {
		t.Fatalf("assign %s to the app: %v", login, err)
	}
}

type checkOption func(*sso.FederationCheckInput)

// check runs the check with the data source's defaults (30 days, 24 hours, now), changed by opts.
func (fx *federationFixture) check(t *testing.T, opts ...checkOption) *federationResult {
	t.Helper()
	in := sso.FederationCheckInput{AppID: fx.app.ID, ExpiryDays: 30, FailureHours: 24, Now: time.Now().UTC()}
	for _, o := range opts {
		o(&in)
	}
	report, err := sso.CheckFederation(context.Background(), fx.okt, fx.sf, in)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	res := &federationResult{ok: report.OK(), ssoName: report.SSOName, byCode: map[string][]string{}}
	for _, f := range report.Findings {
		if f.Message == "" || f.Fix == "" {
			t.Errorf("finding %s has no message or fix: %+v", f.Code, f)
		}
		res.byCode[f.Code] = append(res.byCode[f.Code], f.Severity+": "+f.Message+" Fix: "+f.Fix)
		res.all = append(res.all, f.Code)
	}
	return res
}

type federationResult struct {
	ok      bool
	ssoName string
	byCode  map[string][]string // severity, message and fix of each finding of a code
	all     []string
}

// expect fails unless code was found exactly once, with severity and a message holding every part given.
func (r *federationResult) expect(t *testing.T, code, severity string, parts ...string) {
	t.Helper()
	got := r.byCode[code]
	if len(got) != 1 {
		t.Fatalf("%d findings %s, want 1 (findings: %v)", len(got), code, r.byCode)
	}
	if !strings.HasPrefix(got[0], severity+": ") {
		t.Errorf("finding %s: %s, want severity %s", code, got[0], severity)
	}
	for _, p := range parts {
		if !strings.Contains(got[0], p) {
			t.Errorf("finding %s: %s\nwant it to mention %q", code, got[0], p)
		}
	}
	if severity == "error" && r.ok || !r.ok && len(r.errors()) == 0 {
		t.Errorf("ok = %v with findings %v", r.ok, r.all)
	}
}

// expectNone fails when code was found.
func (r *federationResult) expectNone(t *testing.T, code string) {
	t.Helper()
	if got := r.byCode[code]; len(got) != 0 {
		t.Fatalf("finding %s is still there: %v", code, got)
	}
}

// expectClean fails unless the check found nothing at all.
func (r *federationResult) expectClean(t *testing.T) {
	t.Helper()
	if len(r.all) != 0 || !r.ok {
		t.Fatalf("ok = %v, findings %v, want none", r.ok, r.byCode)
	}
}

func (r *federationResult) errors() []string {
	var out []string
	for code, fs := range r.byCode {
		for _, f := range fs {
			if strings.HasPrefix(f, "error: ") {
				out = append(out, code)
			}
		}
	}
	return out
}

// requestCounts counts the requests the sandbox served since the last reset, by service.
func requestCounts(sb *sandbox.Sandbox) (oktaRequests, salesforceRequests int) {
	for route, n := range sb.Control().Stats().Routes {
		switch {
		case strings.HasPrefix(route, "okta "):
			oktaRequests += n
		case strings.HasPrefix(route, "salesforce:"):
			salesforceRequests += n
		}
	}
	return oktaRequests, salesforceRequests
}

// A healthy federation has no findings, and the check's requests do not grow with the number of users: 25 more
// assigned users (missing in Salesforce) cost no request more.
func TestFederationCheck_healthyAndRequestCount(t *testing.T) {
	fx := newFederationFixture(t)
	res := fx.check(t)
	res.expectClean(t)
	if res.ssoName != "Okta_Check" {
		t.Errorf("checked settings %q, want Okta_Check (found by issuer)", res.ssoName)
	}
	fx.sb.Control().ResetStats()
	fx.check(t).expectClean(t)
	oktaBefore, sfBefore := requestCounts(fx.sb)
	t.Logf("one check: %d Okta and %d Salesforce requests", oktaBefore, sfBefore)
	// app, metadata, active apps, app users; org facts (token, Organization), SSO settings, users, LoginHistory
	if oktaBefore > 4 || sfBefore > 5 {
		t.Errorf("one check cost %d Okta and %d Salesforce requests, want at most 4 and 5 (routes %v)", oktaBefore, sfBefore, fx.sb.Control().Stats().Routes)
	}
	for i := 0; i < 25; i++ {
		u := acctest.CreateOktaUser(t, fx.okt, fmt.Sprintf("fedcount%d", i))
		fx.assign(t, u.ID)
	}
	fx.sb.Control().ResetStats()
	fx.check(t).expect(t, "users_missing_in_salesforce", "warning", "25 users assigned", "and 15 more")
	if oktaAfter, sfAfter := requestCounts(fx.sb); oktaAfter != oktaBefore || sfAfter != sfBefore {
		t.Errorf("with 25 more users the check cost %d Okta and %d Salesforce requests, before %d and %d: reads must be lists, not per user",
			oktaAfter, sfAfter, oktaBefore, sfBefore)
	}
}

func TestFederationCheck_certificateMismatch(t *testing.T) {
	fx := newFederationFixture(t)
	ctx := context.Background()
	other := testCertificatePEM(t)
	otherB64, err := pemBlockBase64(other)
	if err != nil {
		t.Fatal(err)
	}
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.ValidationCert = otherB64 })
	res := fx.check(t)
	res.expect(t, "certificate_mismatch", "error", "not one of the app's keys", "Failed: Signature Invalid", "idp_certificate")
	if res.ok {
		t.Error("ok with a certificate mismatch")
	}
	fx.writeSSO(t, fx.sso)
	fx.check(t).expectClean(t)

	// A key rotated in Okta but not in Salesforce: the settings trust the app's now inactive key.
	key, err := fx.okt.GenerateAppKey(ctx, fx.app.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SigningKID = key.KID })
	fx.check(t).expect(t, "certificate_mismatch", "error", "inactive key "+fx.app.SigningKID, key.KID)
	rotated, err := pemBlockBase64(key.CertificatePEM)
	if err != nil {
		t.Fatal(err)
	}
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.ValidationCert = rotated })
	fx.check(t).expectClean(t)
}

// The sandbox's keys are valid for two to ten years, so the window is widened past the key's expiry to see the
// warning; the expired case is TestFederationCheck_certificateExpiryRule's.
func TestFederationCheck_certificateExpiring(t *testing.T) {
	fx := newFederationFixture(t)
	res := fx.check(t, func(in *sso.FederationCheckInput) { in.ExpiryDays = 3650 + 5 })
	res.expect(t, "certificate_expiring", "warning", "certificate_expiry_days = 3655", "rotation_trigger")
	if !res.ok {
		t.Error("an expiring certificate (a warning) makes ok false")
	}
	fx.check(t, func(in *sso.FederationCheckInput) { in.ExpiryDays = 30 }).expectClean(t)
}

func TestFederationCheck_issuerEntityIDAndLoginURL(t *testing.T) {
	fx := newFederationFixture(t)
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.Issuer = "http://www.okta.com/exkSomeoneElse" })
	// Found as the org's only settings, the issuer being wrong.
	fx.check(t).expect(t, "issuer_mismatch", "error", "http://www.okta.com/exkSomeoneElse", fx.sso.Issuer, "entity_id")
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.SAMLEntityID = "https://saml.salesforce.com" })
	fx.check(t).expect(t, "entity_id_mismatch", "error", "https://saml.salesforce.com", fx.facts.MyDomainURL)
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.LoginURL = "https://idp.example/old/sso" })
	res := fx.check(t)
	res.expect(t, "login_url_mismatch", "warning", "https://idp.example/old/sso", "idp_login_url")
	res.expectNone(t, "issuer_mismatch")
	res.expectNone(t, "entity_id_mismatch")
	fx.writeSSO(t, fx.sso)
	fx.check(t).expectClean(t)
}

func TestFederationCheck_acsURL(t *testing.T) {
	fx := newFederationFixture(t)
	wrong := fx.facts.MyDomainURL + "?so=00D000000000001"
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.SSOACSURL, a.SignOn.Recipient = wrong, wrong })
	fx.check(t).expect(t, "acs_url_mismatch", "error", `ACS URL "`+wrong+`" and recipient`, fx.facts.ACSURL(), "acs_url")
	fx.changeApp(t, func(a *okta.SAMLApp) {
		a.SignOn.SSOACSURL, a.SignOn.Recipient = fx.app.SignOn.SSOACSURL, fx.app.SignOn.Recipient
	})
	fx.check(t).expectClean(t)

	// The org's My Domain URL without so=: the sandbox's ACS takes it and the reference does not say Salesforce
	// refuses it, so a warning of its own; another host stays an error.
	bare := fx.facts.MyDomainURL
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.SSOACSURL, a.SignOn.Recipient = bare, bare })
	res := fx.check(t)
	res.expect(t, "acs_url_without_org_id", "warning", `ACS URL "`+bare+`" and recipient`, "so=", fx.facts.ACSURL())
	res.expectNone(t, "acs_url_mismatch")
	if !res.ok {
		t.Errorf("ok = false with only a missing so=: %v", res.byCode)
	}
	elsewhere := "https://elsewhere.my.salesforce.com?so=" + fx.facts.ID[:15]
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.SSOACSURL = elsewhere })
	res = fx.check(t)
	res.expect(t, "acs_url_mismatch", "error", `ACS URL "`+elsewhere+`"`)
	res.expect(t, "acs_url_without_org_id", "warning", `recipient "`+bare+`"`)
}

func TestFederationCheck_nameID(t *testing.T) {
	fx := newFederationFixture(t)
	fx.changeApp(t, func(a *okta.SAMLApp) {
		a.SignOn.SubjectNameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	})
	fx.check(t).expect(t, "name_id_mismatch", "error", "transient", "FederationId", "name_id.format")
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.SubjectNameIDFormat = fx.app.SignOn.SubjectNameIDFormat })
	fx.check(t).expectClean(t)

	// The identity in an attribute the app does not send, then sends.
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.IdentityLocation, c.AttributeName = "Attribute", "federationId" })
	fx.check(t).expect(t, "name_id_mismatch", "error", `attribute "federationId"`, "SubjectNameId")
	fx.changeApp(t, func(a *okta.SAMLApp) {
		a.SignOn.AttributeStatements = append(a.SignOn.AttributeStatements, okta.AttributeStatement{Type: "EXPRESSION", Name: "federationId",
			Values: []string{"user.login"}, Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"})
	})
	fx.check(t).expectClean(t)

	// An identity the check cannot evaluate is said so, not guessed.
	fx.writeSSO(t, fx.sso)
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.SubjectNameIDTemplate = "${String.toLowerCase(user.login)}" })
	res := fx.check(t)
	res.expect(t, "identity_not_checked", "info", "String.toLowerCase(user.login)")
	if !res.ok {
		t.Error("an info finding makes ok false")
	}
}

func TestFederationCheck_jitAttributes(t *testing.T) {
	fx := newFederationFixture(t)
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.UserProvisioning = true })
	fx.check(t).expect(t, "jit_attributes_missing", "error", "User.Username, User.LastName, User.ProfileId", "jit_attributes")
	fx.changeApp(t, func(a *okta.SAMLApp) {
		for field, expr := range map[string]string{"Username": "user.login", "LastName": "user.lastName", "ProfileId": `"Sales User"`} {
			a.SignOn.AttributeStatements = append(a.SignOn.AttributeStatements, okta.AttributeStatement{Type: "EXPRESSION", Name: "User." + field,
				Values: []string{expr}, Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"})
		}
	})
	fx.check(t).expectClean(t)
}

func TestFederationCheck_orphansAndMissingUsers(t *testing.T) {
	fx := newFederationFixture(t)
	// A Salesforce user whose Okta user is not assigned to the app: an orphan.
	orphan := acctest.CreateOktaUser(t, fx.okt, "fedorphan")
	orphanID := acctest.CreateSalesforceUser(t, fx.sf, orphan, "Sales User", nil)
	fx.check(t).expect(t, "orphaned_salesforce_users", "warning", "1 active Salesforce user has", orphan.Login)
	if _, err := fx.sf.UpdateUsers(context.Background(), []map[string]any{{"Id": orphanID, "IsActive": false}}); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expectClean(t)

	// An assigned Okta user with no Salesforce user, JIT off: missing; a Salesforce user (or JIT) ends it.
	newcomer := acctest.CreateOktaUser(t, fx.okt, "fednew")
	fx.assign(t, newcomer.ID)
	fx.check(t).expect(t, "users_missing_in_salesforce", "warning", "1 user assigned to the app has", newcomer.Login, "Federation ID")
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.UserProvisioning = true })
	fx.check(t).expectNone(t, "users_missing_in_salesforce")
	fx.writeSSO(t, fx.sso)
	acctest.CreateSalesforceUser(t, fx.sf, newcomer, "Sales User", nil)
	fx.check(t).expectClean(t)

	// Matched by username: the seeded user's username is not its Okta login, so it is missing until the NameID sends it.
	fx.changeSSO(t, func(c *salesforce.SAMLSSOConfig) { c.IdentityMapping = "Username" })
	fx.check(t).expect(t, "users_missing_in_salesforce", "warning", "2 users assigned", seededFederatedUser, "username")
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.SubjectNameIDTemplate = `${user.login + ".qa"}` })
	fx.check(t).expect(t, "identity_not_checked", "info")
}

// Salesforce keeps Federation IDs unique, case-insensitively only while "Make Federation ID case-insensitive" is on;
// the sandbox always enforces that, so the org's state is edited as an org with the setting off could hold it.
func TestFederationCheck_duplicateFederationIDs(t *testing.T) {
	fx := newFederationFixture(t)
	twin := acctest.CreateOktaUser(t, fx.okt, "fedtwin")
	twinID := acctest.CreateSalesforceUser(t, fx.sf, twin, "Sales User", map[string]any{"FederationIdentifier": "twin-" + twin.Login})
	upper := strings.ToUpper(seededFederatedUser)
	setFederationIDInState(t, fx.sb, twinID, upper)
	res := fx.check(t)
	res.expect(t, "duplicate_federation_ids", "error", seededFederatedUser, upper, "the same Federation ID, ignoring case", "case-insensitive")
	if res.ok {
		t.Error("ok with duplicated Federation IDs")
	}
	if _, err := fx.sf.UpdateUsers(context.Background(), []map[string]any{{"Id": twinID, "FederationIdentifier": twin.Login}}); err != nil {
		t.Fatal(err)
	}
	fx.assign(t, twin.ID)
	fx.check(t).expectClean(t)
}

// setFederationIDInState sets a user's FederationIdentifier in the org's stored state, past the API's checks.
func setFederationIDInState(t *testing.T, sb *sandbox.Sandbox, userID, federationID string) {
	t.Helper()
	org := sb.Org(acctest.PrimaryOrg())
	raw, err := org.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	found := false
	data, _ := state["data"].(map[string]any)
	tables, _ := data["tables"].(map[string]any)
	for name, table := range tables {
		if !strings.EqualFold(name, "user") {
			continue
		}
		rows, _ := table.(map[string]any)["rows"].(map[string]any)
		for id, row := range rows {
			if strings.HasPrefix(id, userID[:15]) {
				row.(map[string]any)["FederationIdentifier"] = federationID
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("user %s not in the org's state (tables %v)", userID, keysOf(tables))
	}
	if raw, err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	if err := org.LoadState(raw); err != nil {
		t.Fatal(err)
	}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFederationCheck_multipleApps(t *testing.T) {
	fx := newFederationFixture(t)
	ctx := context.Background()
	second, err := fx.okt.CreateSAMLApp(ctx, &okta.SAMLApp{Label: acctest.RandomName("fedsecond"), SignOn: okta.SAMLSignOn{
		SSOACSURL: fx.facts.ACSURL(), Recipient: fx.facts.ACSURL(), Destination: fx.facts.ACSURL(), Audience: "https://elsewhere.example",
		SubjectNameIDTemplate: "${user.login}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	fx.check(t).expect(t, "multiple_apps", "warning", second.ID, second.Label)
	if err := fx.okt.DeactivateApp(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expectClean(t)
}

// Orgs without a custom domain share the generic Entity ID https://saml.salesforce.com, which the catalogue app
// sends by default: another org's app with it is no finding; an app posting to this org's ACS URL is.
func TestFederationCheck_multipleAppsGenericEntityID(t *testing.T) {
	fx := newFederationFixture(t)
	ctx := context.Background()
	const generic = "https://saml.salesforce.com"
	fx.sso.SAMLEntityID = generic
	fx.writeSSO(t, fx.sso)
	fx.changeApp(t, func(a *okta.SAMLApp) { a.SignOn.Audience = generic })
	fx.check(t).expectClean(t)
	otherACS := "https://otherorg.my.salesforce.com?so=00D000000000002"
	other, err := fx.okt.CreateSAMLApp(ctx, &okta.SAMLApp{Label: acctest.RandomName("fedother"), SignOn: okta.SAMLSignOn{
		SSOACSURL: otherACS, Recipient: otherACS, Destination: otherACS, Audience: generic,
		SubjectNameIDTemplate: "${user.login}", SubjectNameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		SignatureAlgorithm: "RSA_SHA256", DigestAlgorithm: "SHA256", ResponseSigned: true, AssertionSigned: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	fx.check(t).expectClean(t)
	if _, err := fx.okt.UpdateSAMLApp(ctx, other.ID, func(a *okta.SAMLApp) error {
		a.SignOn.SSOACSURL, a.SignOn.Recipient, a.SignOn.Destination = fx.facts.ACSURL(), fx.facts.ACSURL(), fx.facts.ACSURL()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expect(t, "multiple_apps", "warning", other.ID, other.Label)
}

func TestFederationCheck_signInFailures(t *testing.T) {
	fx := newFederationFixture(t)
	ctx := context.Background()
	// A sign-in that succeeds is no finding.
	response, acsURL, err := fx.sb.Okta().SignIn(fx.app.ID, seededFederatedUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := postToACS(ctx, acsURL, response); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expectClean(t)
	// Twice a response altered after signing: Salesforce records Failed: Signature Invalid against the settings.
	for i := 0; i < 2; i++ {
		response, acsURL, err := fx.sb.Okta().SignIn(fx.app.ID, seededFederatedUser)
		if err != nil {
			t.Fatal(err)
		}
		tampered := strings.Replace(string(response), seededFederatedUser, "mallory@acme.example", 1)
		if tampered == string(response) {
			t.Fatal("the response does not name the user")
		}
		if err := postToACS(ctx, acsURL, []byte(tampered)); err == nil {
			t.Fatal("the ACS accepted a tampered response")
		}
	}
	res := fx.check(t)
	res.expect(t, "sign_in_failures", "warning", `2 sign-ins`, `"Failed: Signature Invalid"`, "last 24 hours", "idp_certificate")
	if strings.Contains(strings.Join(res.byCode["sign_in_failures"], ""), "mallory") {
		t.Error("the finding repeats what an unverified assertion claimed")
	}
	// Out of the window: the same rows, checked two hours later with a one-hour window.
	fx.check(t, func(in *sso.FederationCheckInput) { in.Now, in.FailureHours = in.Now.Add(2*time.Hour), 1 }).expectClean(t)
}

func TestFederationCheck_settingsMissingAndAppInactive(t *testing.T) {
	fx := newFederationFixture(t)
	ctx := context.Background()
	named := func(name string) checkOption { return func(in *sso.FederationCheckInput) { in.SSOName = name } }
	fx.check(t, named("Okta_Elsewhere")).expect(t, "sso_settings_missing", "error", `no SSO settings named "Okta_Elsewhere"`, "it has Okta_Check")
	res := fx.check(t, named("okta_check"))
	res.expectClean(t)
	if res.ssoName != "Okta_Check" {
		t.Errorf("checked settings %q, want Okta_Check", res.ssoName)
	}
	if err := fx.sf.DeleteSAMLSSOConfig(ctx, fx.sso.FullName); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expect(t, "sso_settings_missing", "error", "No SSO settings of org", "it has none", "oktasf_salesforce_sso")
	fx.writeSSO(t, fx.sso)
	fx.check(t).expectClean(t)

	if err := fx.okt.DeactivateApp(ctx, fx.app.ID); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expect(t, "app_inactive", "error", fx.app.ID, "INACTIVE")
	if err := fx.okt.ActivateApp(ctx, fx.app.ID); err != nil {
		t.Fatal(err)
	}
	fx.check(t).expectClean(t)
}
