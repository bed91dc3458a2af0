package sso

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// The rules of oktasf_federation_check on users, other apps and sign-in failures. Each reads one list or query
// (all pages), never one call per user.

// identityPath is a NameID template or attribute expression the check can evaluate for a user: one attribute of
// the Okta user (user.x) or of the app user (appuser.x); userName is the app username either way, as in Okta.
var identityPath = regexp.MustCompile(`^\s*(user|appuser)\.([A-Za-z][A-Za-z0-9_]*)\s*$`)

// identityOf evaluates expr (an identityPath) for an app user; "" when the attribute is empty or not a string.
func identityOf(expr string, au okta.AppUserWithUser) string {
	m := identityPath.FindStringSubmatch(expr)
	if m == nil {
		return ""
	}
	if m[2] == "userName" {
		return au.UserName
	}
	profile := au.UserProfile
	if m[1] == "appuser" {
		profile = au.Profile
	}
	s, _ := profile[m[2]].(string)
	return s
}

// canSignIn reports whether an Okta user of this status can sign in (and so needs a Salesforce user).
func canSignIn(status string) bool {
	switch status {
	case "STAGED", "PROVISIONED", "SUSPENDED", "DEPROVISIONED":
		return false
	}
	return true
}

// checkUsers compares the app's users with the org's: Federation IDs duplicated (case-insensitively), active
// federated Salesforce users no assignment matches, and, with JIT off, assigned users Salesforce has no active
// user for. The identity is matched as the settings do: by Federation ID or username.
func checkUsers(ctx context.Context, r *federationReport, okt *okta.Client, sf *salesforce.Client, s *federationSides, identityExpr string) error {
	federated, err := sf.ListFederatedUsers(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the federated users of org %q: %w", sf.Alias(), err)
	}
	mapping := ""
	if s.cfg != nil {
		mapping = s.cfg.IdentityMapping
	}
	checkDuplicateFederationIDs(r, federated, mapping == "FederationId")
	if s.cfg == nil || identityExpr == "" {
		return nil
	}
	if mapping != "FederationId" && mapping != "Username" {
		r.add(severityInfo, codeIdentityUnchecked,
			fmt.Sprintf("SSO settings %q identify users by %s, which Okta cannot know: orphaned and missing users were not checked.", s.cfg.DeveloperName, mapping),
			"Identify users by FederationId (identity_type on oktasf_salesforce_sso) so that both sides can be compared.")
		return nil
	}
	if !identityPath.MatchString(identityExpr) {
		r.add(severityInfo, codeIdentityUnchecked,
			fmt.Sprintf("The app's identity expression %q is not a plain user attribute, so the check cannot work out each user's %s: orphaned and missing users were not checked.",
				identityExpr, mapping),
			"Use one attribute as NameID template (for example user.login or user.email) to have users checked.")
		return nil
	}
	appUsers, err := okt.ListAppUsersExpanded(ctx, s.app.ID)
	if err != nil {
		return err
	}
	assigned := map[string]bool{} // identity, lower-cased: Salesforce matches Federation IDs and usernames so
	var needed []string           // identities of assigned users who can sign in
	for _, au := range appUsers {
		id := identityOf(identityExpr, au)
		if id == "" {
			continue
		}
		assigned[strings.ToLower(id)] = true
		if canSignIn(au.UserStatus) {
			needed = append(needed, id)
		}
	}
	jit := s.cfg.OptionsUserProvisioning
	if mapping == "FederationId" {
		checkOrphans(r, federated, assigned)
		if !jit {
			active := map[string]bool{}
			for _, u := range federated {
				if u.IsActive {
					active[strings.ToLower(u.FederationID)] = true
				}
			}
			checkMissing(r, needed, active, "Federation ID")
		}
		return nil
	}
	if jit {
		return nil
	}
	active, err := activeUsernames(ctx, sf, needed)
	if err != nil {
		return err
	}
	checkMissing(r, needed, active, "username")
	return nil
}

// activeUsernames finds which of the usernames active Salesforce users have, lower-cased, in one query per batch.
func activeUsernames(ctx context.Context, sf *salesforce.Client, usernames []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, batch := range salesforce.BatchIN(usernames, 300, 6000) {
		var rows []struct {
			Username string `json:"Username"`
		}
		if err := sf.Query(ctx, "SELECT Username FROM User WHERE IsActive = true AND Username IN "+salesforce.QuoteList(batch), &rows); err != nil {
			return nil, fmt.Errorf("reading users of org %q by username: %w", sf.Alias(), err)
		}
		for _, row := range rows {
			out[strings.ToLower(row.Username)] = true
		}
	}
	return out, nil
}

func checkDuplicateFederationIDs(r *federationReport, users []salesforce.UserRecord, matchedByFederationID bool) {
	groups := map[string][]string{}
	for _, u := range users {
		k := strings.ToLower(u.FederationID)
		groups[k] = append(groups[k], fmt.Sprintf("%s (%s)", u.FederationID, u.Username))
	}
	var dups []string
	for _, g := range groups {
		if len(g) > 1 {
			sort.Strings(g)
			dups = append(dups, strings.Join(g, " and "))
		}
	}
	if len(dups) == 0 {
		return
	}
	sort.Strings(dups)
	severity, effect := severityWarning, "they would collide once Salesforce compares Federation IDs case-insensitively"
	if matchedByFederationID {
		severity, effect = severityError, "a sign-in with that Federation ID may reach either user"
	}
	r.add(severity, codeDuplicateFedIDs,
		fmt.Sprintf("Several Salesforce users have the same Federation ID, ignoring case (%s), so %s: %s.", countOf(len(dups), "Federation ID", "Federation IDs"), effect, listSome(dups)),
		"Give each person one Salesforce user: clear or change the Federation ID of the duplicates (Setup › Users), then turn on \"Make Federation ID case-insensitive\".")
}

func checkOrphans(r *federationReport, users []salesforce.UserRecord, assigned map[string]bool) {
	var orphans []string
	for _, u := range users {
		if u.IsActive && !assigned[strings.ToLower(u.FederationID)] {
			orphans = append(orphans, u.FederationID)
		}
	}
	if len(orphans) == 0 {
		return
	}
	sort.Strings(orphans)
	r.add(severityWarning, codeOrphans,
		fmt.Sprintf("%s a Federation ID that no user assigned to the app has: %s. They can no longer sign in through Okta, but keep their access otherwise.",
			countOf(len(orphans), "active Salesforce user has", "active Salesforce users have"), listSome(orphans)),
		"Deactivate them in Salesforce (oktasf_user_provisioning does it for the users it manages), or assign the Okta users to the app.")
}

func checkMissing(r *federationReport, needed []string, active map[string]bool, what string) {
	var missing []string
	for _, id := range needed {
		if !active[strings.ToLower(id)] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	r.add(severityWarning, codeMissingUsers,
		fmt.Sprintf("%s no active Salesforce user with their %s, and just-in-time provisioning is off, so their sign-in fails (Failed: Username Or SSO Id Invalid): %s.",
			countOf(len(missing), "user assigned to the app has", "users assigned to the app have"), what, listSome(missing)),
		"Provision them (oktasf_user_provisioning), or set jit_provisioning = true on oktasf_salesforce_sso with jit_attributes on the app.")
}

// checkOtherApps lists the other active Okta SAML apps whose ACS URL (which carries the org id) or org-specific
// audience is this org's.
func checkOtherApps(ctx context.Context, r *federationReport, okt *okta.Client, s *federationSides) error {
	apps, err := okt.ListActiveSAMLApps(ctx)
	if err != nil {
		return err
	}
	// The generic https://saml.salesforce.com is never matched: every legacy org's settings and every catalogue
	// app without an audience have it, so it would count other orgs' apps as this org's.
	var entityIDs []string
	candidates := []string{s.facts.MyDomainURL}
	if s.cfg != nil {
		candidates = append(candidates, s.cfg.Audience)
	}
	for _, e := range candidates {
		if e != "" && !sameURL(e, genericSalesforceEntityID) {
			entityIDs = append(entityIDs, e)
		}
	}
	var others []string
	for _, app := range apps {
		if app.ID == s.app.ID {
			continue
		}
		so := app.SignOn
		points := isOrgACS(firstNonEmpty(so.SSOACSURLOverride, so.SSOACSURL), s.facts)
		for _, e := range entityIDs {
			points = points || sameURL(appAudience(app), e)
		}
		if points {
			others = append(others, fmt.Sprintf("%q (%s)", app.Label, app.ID))
		}
	}
	if len(others) == 0 {
		return nil
	}
	r.add(severityWarning, codeMultipleApps,
		fmt.Sprintf("Besides %q, %d active Okta apps sign users in to this org: %s. Users assigned to them meet settings that trust another issuer, and the org's users are split between apps.",
			s.app.Label, len(others), listSome(others)),
		"Keep one app per org: move the assignments to this app and deactivate the others (or import them into Terraform to manage them).")
	return nil
}

// signInFailureFixes are what to do about the LoginHistory statuses of failed SAML sign-ins.
var signInFailureFixes = map[string]string{
	"Failed: Signature Invalid":                                 "Salesforce does not trust the app's certificate: set idp_certificate = oktasf_saml_app.<name>.certificate on oktasf_salesforce_sso.",
	"Failed: Signature Invalid/Configured Certificate Mismatch": "Salesforce does not trust the app's certificate: set idp_certificate = oktasf_saml_app.<name>.certificate on oktasf_salesforce_sso.",
	"Failed: Issuer Mismatched":                                 "Set issuer = oktasf_saml_app.<name>.entity_id on oktasf_salesforce_sso.",
	"Failed: Audience Invalid":                                  "Make the app's audience and the settings' sp_entity_id the org's My Domain URL.",
	"Failed: Recipient Mismatched":                              "Set the app's acs_url, recipient and destination to the org's login URL (data.oktasf_salesforce_org.<name>.acs_url).",
	"Failed: Assertion Expired":                                 "Check the clocks, and that responses are posted at once (not replayed from a bookmark).",
	"Failed: Replay Detected":                                   "A response was posted twice (browser back or a bookmark); start the sign-in again from Okta.",
	"Failed: Unable to Map Subject":                             "The user was not found by the NameID: provision the user (oktasf_user_provisioning) or turn on JIT provisioning.",
	"Failed: Username Or SSO Id Invalid":                        "The user was not found by Federation ID: provision the user (oktasf_user_provisioning) or turn on JIT provisioning.",
	"Failed: Just-in-time Provisioning Error":                   "Map every required User.* field in jit_attributes of oktasf_saml_app (Username, Email, LastName, ProfileId).",
	"Failed: SAML Provision Error":                              "Map every required User.* field in jit_attributes of oktasf_saml_app (Username, Email, LastName, ProfileId).",
	"User is inactive":                                          "Reactivate the Salesforce user, or unassign the Okta user from the app.",
	"Restricted IP":                                             "The user signed in from outside the profile's login IP ranges (oktasf_salesforce_session_policy).",
}

const defaultSignInFailureFix = "Open Setup › Login History for the failed rows, and the SAML Assertion Validator (Setup › Single Sign-On Settings) for the last failed assertion."

// signInFailuresSOQL counts the sign-ins through the settings cfgID since since on the server, one row per
// status with its latest time: one request whatever the volume. Only AuthenticationServiceId and LoginTime are
// filtered on, the fields Salesforce documents as filterable; Status is documented as groupable and sortable.
func signInFailuresSOQL(cfgID string, since time.Time) string {
	return "SELECT Status, COUNT(Id) n, MAX(LoginTime) latest FROM LoginHistory WHERE AuthenticationServiceId = " + salesforce.Quote(cfgID) +
		" AND LoginTime >= " + since.UTC().Format("2006-01-02T15:04:05Z") + " GROUP BY Status"
}

// signInGroup is one AggregateResult row of signInFailuresSOQL: the sign-ins of one status.
type signInGroup struct {
	Status string `json:"Status"`
	Count  int    `json:"n"`
	Latest string `json:"latest"`
}

// checkSignInFailures reports the failed sign-ins through the settings in the window by status; successes are
// skipped here.
func checkSignInFailures(ctx context.Context, r *federationReport, sf *salesforce.Client, cfg *ssoConfigRow, in federationCheckInput) error {
	since := in.Now.Add(-time.Duration(in.FailureHours) * time.Hour)
	var groups []signInGroup
	if err := sf.Query(ctx, signInFailuresSOQL(cfg.ID, since), &groups); err != nil {
		return fmt.Errorf("reading the login history of SSO settings %q: %w", cfg.DeveloperName, err)
	}
	addSignInFailures(r, groups, cfg.DeveloperName, in.FailureHours)
	return nil
}

// addSignInFailures adds one finding per failure status, the most frequent first (then the most recent).
func addSignInFailures(r *federationReport, groups []signInGroup, ssoName string, hours int) {
	failed := make([]signInGroup, 0, len(groups))
	for _, g := range groups {
		if !strings.EqualFold(g.Status, "Success") && g.Count > 0 {
			failed = append(failed, g)
		}
	}
	sort.SliceStable(failed, func(i, j int) bool {
		if failed[i].Count != failed[j].Count {
			return failed[i].Count > failed[j].Count
		}
		return failed[i].Latest > failed[j].Latest
	})
	for _, g := range failed {
		fix, ok := signInFailureFixes[g.Status]
		if !ok {
			fix = defaultSignInFailureFix
		}
		r.add(severityWarning, codeSignInFailures,
			fmt.Sprintf("%s through SSO settings %q failed with %q in the last %d hours (the latest at %s).", countOf(g.Count, "sign-in", "sign-ins"), ssoName, g.Status, hours, g.Latest), fix)
	}
}

// listSome joins the first examplesShown values, saying how many more there are.
func listSome(values []string) string {
	if len(values) <= examplesShown {
		return strings.Join(values, ", ")
	}
	return strings.Join(values[:examplesShown], ", ") + fmt.Sprintf(" and %d more", len(values)-examplesShown)
}

// countOf is n followed by one or other, as n asks: "1 user has", "2 users have".
func countOf(n int, one, other string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, other)
}
