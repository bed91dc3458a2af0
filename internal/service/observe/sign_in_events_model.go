package observe

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// Sources of an event.
const (
	sourceOkta       = "okta"
	sourceSalesforce = "salesforce"
)

// Outcomes the outcome argument selects.
const (
	outcomeSuccess = "SUCCESS"
	outcomeFailure = "FAILURE"
)

const (
	defaultSince = "24h"
	defaultLimit = 200
	maxLimit     = 1000
)

type signInEventsModel struct {
	AppID         types.String `tfsdk:"app_id"`
	SalesforceOrg types.String `tfsdk:"salesforce_org"`
	Since         types.String `tfsdk:"since"`
	Until         types.String `tfsdk:"until"`
	Limit         types.Int64  `tfsdk:"limit"`
	Outcome       types.String `tfsdk:"outcome"`
	WindowStart   types.String `tfsdk:"window_start"`
	WindowEnd     types.String `tfsdk:"window_end"`
	SSONames      types.List   `tfsdk:"sso_names"`
	Events        types.List   `tfsdk:"events"`
}

// signInEvent is one event of the merged time line.
type signInEvent struct {
	Time      string `tfsdk:"time"`
	Source    string `tfsdk:"source"`
	Type      string `tfsdk:"type"`
	Actor     string `tfsdk:"actor"`
	Outcome   string `tfsdk:"outcome"`
	Reason    string `tfsdk:"reason"`
	Detail    string `tfsdk:"detail"`
	IPAddress string `tfsdk:"ip_address"`

	at time.Time
}

// durationPattern is a look-back like "24h", "90m", "7d" or "1d12h": Go durations plus days.
var durationPattern = regexp.MustCompile(`^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$`)

// parseSince reads since: an RFC 3339 time, or a duration back from until ("24h", "7d").
func parseSince(v string, until time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if v == "" || !durationPattern.MatchString(v) {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-05-01T09:00:00Z) nor a duration such as 24h, 90m or 7d", v)
	}
	given := v
	var d time.Duration
	if days, rest, ok := strings.Cut(v, "d"); ok {
		n, _ := strconv.Atoi(days)
		d, v = time.Duration(n)*24*time.Hour, rest
	}
	if v != "" {
		more, err := time.ParseDuration(v)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a duration such as 24h, 90m or 7d", given)
		}
		d += more
	}
	if d <= 0 {
		return time.Time{}, fmt.Errorf("the duration %q must be longer than zero", given)
	}
	return until.Add(-d), nil
}

// window resolves since and until against now.
func window(since, until string, now time.Time) (time.Time, time.Time, error) {
	end := now.UTC()
	if until != "" {
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("until: %q is not an RFC 3339 time such as 2026-05-01T09:00:00Z", until)
		}
		end = t.UTC()
	}
	if since == "" {
		since = defaultSince
	}
	start, err := parseSince(since, end)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("since: %w", err)
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, fmt.Errorf("since (%s) must be before until (%s)", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return start, end, nil
}

// oktaFilter selects the app's events (the app is one of their targets) with the outcome asked for; Okta
// evaluates it, so no event is dropped in memory.
func oktaFilter(appID, outcome string) string {
	f := fmt.Sprintf("target.id eq %q", appID)
	switch outcome {
	case outcomeFailure:
		f += ` and (outcome.result eq "FAILURE" or outcome.result eq "DENY")`
	case outcomeSuccess:
		f += ` and (outcome.result eq "SUCCESS" or outcome.result eq "ALLOW")`
	}
	return f
}

// auditActions are the SetupAuditTrail actions that change who can sign in and how (salesforce-session-and-logs.md
// §5). The SAML configuration actions are not documented; the names are the sandbox's, inferred.
var auditActions = []string{
	"createduser", "activateduser", "deactivateduser", "frozeuser", "unfrozeuser", "changedfederationid", "changedusername",
	"changedprofileforuser", "PermSetAssign", "PermSetUnassign", "PermSetGroupAssign", "PermSetGroupUnassign",
	"requiredSessionLevelForProfile", "updateSessionSecurityLevel", "loginIpRange",
	"createdSamlSsoConfig", "changedSamlSsoConfig", "deletedSamlSsoConfig",
}

// oktaEvent turns a System Log event into a time-line event; a policy evaluation's reason names its rule.
func oktaEvent(e okta.LogEvent) signInEvent {
	reason := e.Reason
	if e.EventType == "policy.evaluate_sign_on" && e.Reason != "" {
		switch e.Result {
		case "DENY":
			reason = fmt.Sprintf("sign-on policy rule %q denied access", e.Reason)
		case "CHALLENGE":
			reason = fmt.Sprintf("sign-on policy rule %q requires another factor", e.Reason)
		case "ALLOW":
			reason = fmt.Sprintf("allowed by sign-on policy rule %q", e.Reason)
		}
	} else if r, ok := oktaReasons[e.Reason]; ok {
		reason = r
	}
	actor := e.ActorLogin
	if actor == "" {
		actor = e.ActorName
	}
	return signInEvent{at: e.Published, Source: sourceOkta, Type: e.EventType, Actor: actor, Outcome: e.Result,
		Reason: reason, Detail: e.DisplayMessage, IPAddress: e.ClientIP}
}

// oktaReasons words Okta's outcome.reason codes (those documented for authentication events); others pass as Okta
// wrote them.
var oktaReasons = map[string]string{
	"INVALID_CREDENTIALS": "invalid credentials",
	"VERIFICATION_ERROR":  "factor verification failed",
	"LOCKED_OUT":          "user locked out",
}

// loginReasons words LoginHistory's Status texts (salesforce-session-and-logs.md §4); the user-not-found text
// depends on the configuration's SAML identity type.
var loginReasons = map[string]string{
	"Failed: Signature Invalid":                                 "signature invalid",
	"Failed: Signature Invalid/Configured Certificate Mismatch": "certificate mismatch",
	"Failed: Audience Invalid":                                  "audience invalid",
	"Failed: Recipient Mismatched":                              "recipient mismatch",
	"Failed: Issuer Mismatched":                                 "issuer mismatch",
	"Failed: Assertion Expired":                                 "assertion expired",
	"Failed: Replay Detected":                                   "replay detected",
	"Failed: Assertion Invalid":                                 "assertion invalid",
	"Failed: Subject Confirmation Error":                        "subject confirmation error",
	"Failed: Status Invalid":                                    "SAML status not Success",
	"Failed: InResponseTo Invalid":                              "InResponseTo invalid",
	"Failed: Configuration Error/Perm Disabled":                 "SSO configuration error or SAML disabled",
	"Failed: SAML Provision Error":                              "just-in-time provisioning failed",
	"Restricted IP":                                             "IP address outside the profile's login IP ranges",
	"Restricted time":                                           "outside the profile's login hours",
	"Multi-factor (formerly called two-factor) is required":     "multi-factor authentication required",
	"User is inactive":                                          "user inactive",
	"User is frozen":                                            "user frozen",
}

const statusUnableToMap = "Failed: Username Or SSO Id Invalid"

var notFoundBy = map[string]string{"FederationId": "Federation ID", "Username": "username", "UserId": "user ID"}

// loginEvent turns a LoginHistory row into a time-line event.
func loginEvent(r salesforce.LoginHistoryRow, configs map[string]salesforce.SSOConfigRef) signInEvent {
	at, _ := salesforce.ParseDateTime(r.LoginTime)
	e := signInEvent{at: at, Source: sourceSalesforce, Type: "login", Actor: r.Username, Outcome: outcomeSuccess,
		Detail: r.Status, IPAddress: r.SourceIP}
	if r.LoginType != "" {
		e.Detail = r.Status + " (" + r.LoginType + ")"
	}
	if !strings.EqualFold(r.Status, "Success") {
		e.Outcome = outcomeFailure
		e.Reason = r.Status
		if reason, ok := loginReasons[r.Status]; ok {
			e.Reason = reason
		}
		if r.Status == statusUnableToMap {
			by := notFoundBy[configs[id15(r.AuthenticationServiceID)].IdentityMapping]
			if by == "" {
				by = "Federation ID or username"
			}
			e.Reason = "user not found by " + by
		}
	}
	return e
}

// auditEvent turns a SetupAuditTrail row into a time-line event.
func auditEvent(r salesforce.SetupAuditRow) signInEvent {
	at, _ := salesforce.ParseDateTime(r.CreatedDate)
	e := signInEvent{at: at, Source: sourceSalesforce, Type: "setup." + r.Action, Outcome: outcomeSuccess, Detail: r.Display}
	if r.CreatedBy != nil {
		e.Actor = r.CreatedBy.Username
	}
	if r.DelegateUser != "" {
		e.Actor += " (as " + r.DelegateUser + ")"
	}
	if r.Section != "" {
		e.Detail = r.Section + ": " + r.Display
	}
	return e
}

// merge puts the events on one time line, newest first, and keeps the newest limit of them. Events of the same
// millisecond keep Salesforce before Okta: Okta's part of a sign-in comes first, so it is the older.
func merge(limit int, lists ...[]signInEvent) []signInEvent {
	var all []signInEvent
	for _, l := range lists {
		all = append(all, l...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].at.Equal(all[j].at) {
			return all[i].at.After(all[j].at)
		}
		return all[i].Source == sourceSalesforce && all[j].Source == sourceOkta
	})
	if len(all) > limit {
		all = all[:limit]
	}
	for i := range all {
		all[i].Time = all[i].at.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return all
}

func id15(id string) string { return id[:min(len(id), 15)] }
