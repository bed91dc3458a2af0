package observe

import (
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

func TestWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		since, until     string
		wantStart, wantE string
		wantErr          string
	}{
		{"", "", "2026-05-01T12:00:00Z", "2026-05-02T12:00:00Z", ""},
		{"90m", "", "2026-05-02T10:30:00Z", "2026-05-02T12:00:00Z", ""},
		{"7d", "", "2026-04-25T12:00:00Z", "2026-05-02T12:00:00Z", ""},
		{"1d12h", "2026-05-01T00:00:00Z", "2026-04-29T12:00:00Z", "2026-05-01T00:00:00Z", ""},
		{"2026-05-01T08:00:00+02:00", "2026-05-01T10:00:00Z", "2026-05-01T06:00:00Z", "2026-05-01T10:00:00Z", ""},
		{"yesterday", "", "", "", "since: \"yesterday\" is neither"},
		{"0h", "", "", "", "longer than zero"},
		{"0d", "", "", "", `duration "0d" must be longer than zero`},
		{"-5h", "", "", "", "neither an RFC 3339 time"},
		{"", "tomorrow", "", "", "until: \"tomorrow\" is not an RFC 3339 time"},
		{"2026-05-03T00:00:00Z", "", "", "", "must be before until"},
	}
	for _, tt := range tests {
		start, end, err := window(tt.since, tt.until, now)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("window(%q, %q): error %v, want one containing %q", tt.since, tt.until, err, tt.wantErr)
			}
			continue
		}
		if err != nil || start.Format(time.RFC3339) != tt.wantStart || end.Format(time.RFC3339) != tt.wantE {
			t.Errorf("window(%q, %q) = %s, %s, %v; want %s, %s", tt.since, tt.until, start.Format(time.RFC3339), end.Format(time.RFC3339), err, tt.wantStart, tt.wantE)
		}
	}
}

func TestOktaFilter(t *testing.T) {
	t.Parallel()
	for outcome, want := range map[string]string{
		"":             `target.id eq "0oa1"`,
		outcomeFailure: `target.id eq "0oa1" and (outcome.result eq "FAILURE" or outcome.result eq "DENY")`,
		outcomeSuccess: `target.id eq "0oa1" and (outcome.result eq "SUCCESS" or outcome.result eq "ALLOW")`,
	} {
		if got := oktaFilter("0oa1", outcome); got != want {
			t.Errorf("oktaFilter(%q) = %s, want %s", outcome, got, want)
		}
	}
}

// Refusals carry their reason in words: Salesforce's status mapped, the user-not-found text by the configuration's
// identity type, Okta's policy decisions by rule.
func TestEventReasons(t *testing.T) {
	t.Parallel()
	configs := map[string]salesforce.SSOConfigRef{
		"0LE000000000001": {ID: "0LE000000000001AAA", IdentityMapping: "FederationId"},
		"0LE000000000002": {ID: "0LE000000000002AAA", IdentityMapping: "Username"},
	}
	logins := []struct {
		status, service, outcome, reason string
	}{
		{"Success", "0LE000000000001AAA", "SUCCESS", ""},
		{"Failed: Signature Invalid/Configured Certificate Mismatch", "0LE000000000001AAA", "FAILURE", "certificate mismatch"},
		{"Failed: Username Or SSO Id Invalid", "0LE000000000001AAA", "FAILURE", "user not found by Federation ID"},
		{"Failed: Username Or SSO Id Invalid", "0LE000000000002AAA", "FAILURE", "user not found by username"},
		{"Failed: Username Or SSO Id Invalid", "", "FAILURE", "user not found by Federation ID or username"},
		{"Restricted IP", "0LE000000000001AAA", "FAILURE", "IP address outside the profile's login IP ranges"},
		{"Failed: Something New", "0LE000000000001AAA", "FAILURE", "Failed: Something New"},
	}
	for _, l := range logins {
		e := loginEvent(salesforce.LoginHistoryRow{Status: l.status, AuthenticationServiceID: l.service, LoginTime: "2026-05-01T09:00:00.000+0000",
			LoginType: "SAML Idp Initiated SSO"}, configs)
		if e.Outcome != l.outcome || e.Reason != l.reason || e.Detail != l.status+" (SAML Idp Initiated SSO)" || e.at.IsZero() {
			t.Errorf("%q: %+v, want outcome %s reason %q", l.status, e, l.outcome, l.reason)
		}
	}
	for _, o := range []struct {
		eventType, result, reason, want string
	}{
		{"policy.evaluate_sign_on", "DENY", "Office only", `sign-on policy rule "Office only" denied access`},
		{"policy.evaluate_sign_on", "CHALLENGE", "Admins", `sign-on policy rule "Admins" requires another factor`},
		{"user.authentication.sso", "FAILURE", "INVALID_CREDENTIALS", "invalid credentials"},
		{"user.authentication.sso", "FAILURE", "Sign-on policy denied access", "Sign-on policy denied access"},
	} {
		if e := oktaEvent(okta.LogEvent{EventType: o.eventType, Result: o.result, Reason: o.reason}); e.Reason != o.want {
			t.Errorf("%s %s %q: reason %q, want %q", o.eventType, o.result, o.reason, e.Reason, o.want)
		}
	}
}

// The merged time line is newest first, keeps the newest limit events, and puts Salesforce before Okta within a
// millisecond.
func TestMerge(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return time.Date(2026, 5, 1, 9, 0, s, 0, time.UTC) }
	oktaEvents := []signInEvent{{at: at(3), Source: sourceOkta, Type: "a"}, {at: at(1), Source: sourceOkta, Type: "b"}}
	sfEvents := []signInEvent{{at: at(3), Source: sourceSalesforce, Type: "c"}, {at: at(2), Source: sourceSalesforce, Type: "d"}}
	got := merge(3, oktaEvents, sfEvents)
	var types []string
	for _, e := range got {
		types = append(types, e.Type+"@"+e.Time)
	}
	want := "c@2026-05-01T09:00:03.000Z a@2026-05-01T09:00:03.000Z d@2026-05-01T09:00:02.000Z"
	if strings.Join(types, " ") != want {
		t.Errorf("merge = %s, want %s", strings.Join(types, " "), want)
	}
}
