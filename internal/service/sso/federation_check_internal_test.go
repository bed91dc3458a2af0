package sso

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func certificateUntil(t *testing.T, notAfter time.Time) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expiry"}, NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestFederationCheck_certificateExpiryRule(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		notAfter time.Time
		days     int
		want     string // the finding's code; "" for none
		severity string
	}{
		{"expired yesterday", now.Add(-24 * time.Hour), 30, codeCertExpired, severityError},
		{"expires this instant", now, 30, codeCertExpired, severityError},
		{"within the window", now.Add(10 * 24 * time.Hour), 30, codeCertExpiring, severityWarning},
		{"on the window's edge", now.Add(30 * 24 * time.Hour), 30, codeCertExpiring, severityWarning},
		{"beyond the window", now.Add(31 * 24 * time.Hour), 30, "", ""},
		{"zero days warns only of expiry", now.Add(time.Hour), 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &federationReport{}
			checkCertificateExpiry(r, certificateUntil(t, tc.notAfter), now, tc.days)
			switch {
			case tc.want == "" && len(r.Findings) != 0:
				t.Fatalf("findings %+v, want none", r.Findings)
			case tc.want != "" && (len(r.Findings) != 1 || r.Findings[0].Code != tc.want || r.Findings[0].Severity != tc.severity):
				t.Fatalf("findings %+v, want one %s %s", r.Findings, tc.severity, tc.want)
			}
			if tc.want == codeCertExpired && r.OK() {
				t.Error("an expired certificate leaves ok true")
			}
		})
	}
}

func TestFederationCheck_identityOf(t *testing.T) {
	t.Parallel()
	au := okta.AppUserWithUser{
		AppUser:     okta.AppUser{UserName: "ada.app", Profile: map[string]any{"federationId": "ada-fid", "count": 3}},
		UserProfile: map[string]any{"login": "ada@example.com", "email": "ada.mail@example.com"},
	}
	for expr, want := range map[string]string{
		"user.login": "ada@example.com", " user.email ": "ada.mail@example.com", "user.userName": "ada.app", "appuser.userName": "ada.app",
		"appuser.federationId": "ada-fid", "appuser.count": "", "user.missing": "", `String.toLowerCase(user.login)`: "", "user.login + \"x\"": "",
	} {
		if got := identityOf(expr, au); got != want {
			t.Errorf("identityOf(%q) = %q, want %q", expr, got, want)
		}
	}
}

func TestFederationCheck_isOrgACS(t *testing.T) {
	t.Parallel()
	facts := &salesforce.OrgFacts{Organization: salesforce.Organization{ID: "00D5e000000AbCdEAF"}, MyDomainURL: "https://acme.my.salesforce.com"}
	for u, want := range map[string]bool{
		"https://acme.my.salesforce.com?so=00D5e000000AbCd":         true,
		"https://ACME.my.salesforce.com/?so=00D5e000000AbCdEAF":     true,
		"https://acme.my.salesforce.com/login?so=00D5e000000AbCd":   true,
		"https://acme.my.salesforce.com":                            false, // no org id
		"https://acme.my.salesforce.com?so=00D5e000000XXXX":         false,
		"http://acme.my.salesforce.com?so=00D5e000000AbCd":          false,
		"https://other.my.salesforce.com?so=00D5e000000AbCd":        false,
		"https://acme.my.salesforce.com/secur/x?so=00D5e000000AbCd": false,
		"": false,
		"https://acme.my.salesforce.com?so=00D5e":                     false,
		"https://acme.my.salesforce.com/login/?so=00D5e000000AbCdEAF": true,
	} {
		if got := isOrgACS(u, facts); got != want {
			t.Errorf("isOrgACS(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestFederationCheck_findingsSortedAndListed(t *testing.T) {
	t.Parallel()
	r := &federationReport{}
	r.add(severityInfo, "i", "", "")
	r.add(severityWarning, "w1", "", "")
	r.add(severityError, "e", "", "")
	r.add(severityWarning, "w2", "", "")
	r.sortFindings()
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Code)
	}
	if strings.Join(got, ",") != "e,w1,w2,i" {
		t.Errorf("order %v, want errors, warnings (in check order), infos", got)
	}
	if r.OK() {
		t.Error("OK with an error finding")
	}
	many := make([]string, 12)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	if got := listSome(many); got != "a, b, c, d, e, f, g, h, i, j and 2 more" {
		t.Errorf("listSome = %q", got)
	}
}

func TestFederationCheck_orgACSMatch(t *testing.T) {
	t.Parallel()
	facts := &salesforce.OrgFacts{Organization: salesforce.Organization{ID: "00D5e000000AbCdEAF"}, MyDomainURL: "https://acme.my.salesforce.com"}
	for u, want := range map[string]int{
		"https://acme.my.salesforce.com?so=00D5e000000AbCd":       acsOfOrg,
		"https://acme.my.salesforce.com/login?so=00D5e000000AbCd": acsOfOrg,
		"https://acme.my.salesforce.com":                          acsWithoutOrgID,
		"https://ACME.my.salesforce.com/login/":                   acsWithoutOrgID,
		"https://acme.my.salesforce.com?so=":                      acsElsewhere, // so= given, naming no org
		"https://acme.my.salesforce.com?so=00D000000000001":       acsElsewhere,
		"https://other.my.salesforce.com":                         acsElsewhere,
		"https://acme.my.salesforce.com/secur/x":                  acsElsewhere,
		"":                                                        acsElsewhere,
	} {
		if got := orgACSMatch(u, facts); got != want {
			t.Errorf("orgACSMatch(%q) = %d, want %d", u, got, want)
		}
	}
}

func TestFederationCheck_signInFailuresQuery(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)
	soql := signInFailuresSOQL("0LE5e000000AbCd", since)
	if want := "SELECT Status, COUNT(Id) n, MAX(LoginTime) latest FROM LoginHistory WHERE AuthenticationServiceId = '0LE5e000000AbCd' AND LoginTime >= 2026-12-06T11:00:00Z GROUP BY Status"; soql != want {
		t.Errorf("query\n%s\nwant\n%s", soql, want)
	}

	groups := []signInGroup{
		{"Success", 40, "2026-12-06T11:58:00.000+0000"},
		{"User is inactive", 1, "2026-12-06T11:56:00.000+0000"},
		{"Failed: Signature Invalid", 2, "2026-12-06T11:59:00.000+0000"},
		{"Failed: Issuer Mismatched", 1, "2026-12-06T11:57:00.000+0000"},
	}
	r := &federationReport{}
	addSignInFailures(r, groups, "Okta", 24)
	want := []string{
		`2 sign-ins through SSO settings "Okta" failed with "Failed: Signature Invalid" in the last 24 hours (the latest at 2026-12-06T11:59:00.000+0000).`,
		`1 sign-in through SSO settings "Okta" failed with "Failed: Issuer Mismatched" in the last 24 hours`,
		`1 sign-in through SSO settings "Okta" failed with "User is inactive"`,
	}
	if len(r.Findings) != len(want) {
		t.Fatalf("findings %+v, want %d (successes skipped)", r.Findings, len(want))
	}
	for i, w := range want {
		if r.Findings[i].Code != codeSignInFailures || !strings.HasPrefix(r.Findings[i].Message, w) {
			t.Errorf("finding %d: %q, want it to start %q", i, r.Findings[i].Message, w)
		}
	}
}

func TestFederationCheck_duplicateFederationIDsMessage(t *testing.T) {
	t.Parallel()
	for name, ids := range map[string][2]string{"identical": {"ada@acme.example", "ada@acme.example"}, "case": {"ada@acme.example", "ADA@acme.example"}} {
		r := &federationReport{}
		checkDuplicateFederationIDs(r, []salesforce.UserRecord{{FederationID: ids[0], Username: "a"}, {FederationID: ids[1], Username: "b"}}, true)
		if len(r.Findings) != 1 {
			t.Fatalf("%s: findings %+v, want one", name, r.Findings)
		}
		msg := r.Findings[0].Message
		if !strings.Contains(msg, "the same Federation ID, ignoring case") || strings.Contains(msg, "differ only in case") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
}
