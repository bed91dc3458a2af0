package provisioning

// How failed writes are reported: one diagnostic per failed call (listing the users it carried) and one per
// distinct error Salesforce gave single records, never one per user; and what a DUPLICATE_USERNAME means.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// failuresListed is how many Federation IDs a diagnostic names before "and N more".
const failuresListed = 20

// failureGroup is the failures reported together: those of one failed call, or those of one kind with the
// same error.
type failureGroup struct {
	Kind          string
	Message       string
	FederationIDs []string
}

// groupFailures groups failures by failed call, and the others by kind and error, in order of first appearance.
func groupFailures(failures []userFailure) []failureGroup {
	var groups []failureGroup
	index := map[string]int{}
	for _, f := range failures {
		key := fmt.Sprintf("call %d", f.Call)
		if f.Call == 0 {
			key = f.Kind + "\x00" + f.Message
		}
		i, ok := index[key]
		if !ok {
			i, index[key] = len(groups), len(groups)
			groups = append(groups, failureGroup{Kind: f.Kind, Message: f.Message})
		}
		if groups[i].Kind != f.Kind { // one call can carry updates, reactivations and deactivations
			groups[i].Kind = "update"
		}
		groups[i].FederationIDs = append(groups[i].FederationIDs, f.FederationID)
	}
	return groups
}

// addFailures reports each group once, as warnings or errors; tail says what happens next.
func addFailures(diags *diag.Diagnostics, failures []userFailure, asWarnings bool, tail string) {
	for _, g := range groupFailures(failures) {
		g.Message = strings.TrimRight(g.Message, ". ")
		ids := g.FederationIDs
		sort.Strings(ids)
		noun := "Salesforce User"
		if len(ids) > 1 {
			noun = "Salesforce Users"
		}
		summary := framework.Summary(framework.Op(titleKind(g.Kind)), noun)
		detail := fmt.Sprintf("Federation ID %s: %s. %s", ids[0], g.Message, tail)
		if len(ids) > 1 {
			shown := ids[:min(len(ids), failuresListed)]
			list := strings.Join(shown, ", ")
			if len(ids) > len(shown) {
				list += fmt.Sprintf(" and %d more", len(ids)-len(shown))
			}
			detail = fmt.Sprintf("%s. The %d users affected (Federation IDs): %s. %s", g.Message, len(ids), list, tail)
		}
		if asWarnings {
			diags.AddWarning(summary, detail)
		} else {
			diags.AddError(summary, detail)
		}
	}
}

// explainDuplicateUsernames replaces Salesforce's DUPLICATE_USERNAME on a create with what to do: the
// username belongs to a user no Federation ID of this app matches (a managed user whose Federation ID was
// cleared is found and re-linked before any create, so this one is not ours).
func (e *engine) explainDuplicateUsernames(ctx context.Context, creates []change, failures []userFailure) []userFailure {
	usernames := map[string]string{} // Federation ID → the username its create asked for
	for _, c := range creates {
		usernames[c.FederationID] = valueString(c.Record["Username"])
	}
	var taken []string
	for _, f := range failures {
		if isDuplicateUsername(f.Message) && usernames[f.FederationID] != "" {
			taken = append(taken, usernames[f.FederationID])
		}
	}
	if len(taken) == 0 {
		return failures
	}
	holders, err := e.usersByUsername(ctx, taken)
	if err != nil {
		return failures // Salesforce's own message stays
	}
	for i, f := range failures {
		u, ok := holders[strings.ToLower(usernames[f.FederationID])]
		if !ok || !isDuplicateUsername(f.Message) {
			continue
		}
		has := "no Federation ID"
		if u.FederationID != "" {
			has = fmt.Sprintf("Federation ID %q", u.FederationID)
		}
		failures[i].Message = fmt.Sprintf("the username %s is taken by Salesforce user %s, which has %s, so it is not matched to this Okta user "+
			"and a new user cannot have that username (DUPLICATE_USERNAME). To manage that user, set its Federation ID to %q in Salesforce Setup "+
			"(Users → Edit → Single Sign-On Information); or change `username` (source or suffix) so that new users get another username",
			u.Username, u.ID, has, f.FederationID)
		failures[i].Call = 0
	}
	return failures
}

func isDuplicateUsername(msg string) bool { return strings.Contains(msg, "DUPLICATE_USERNAME") }

// usersByUsername reads the users holding the usernames, keyed by lower-cased username.
func (e *engine) usersByUsername(ctx context.Context, usernames []string) (map[string]salesforce.UserRecord, error) {
	out := map[string]salesforce.UserRecord{}
	for _, batch := range salesforce.BatchIN(usernames, 300, 6000) {
		var rows []map[string]any
		soql := "SELECT Id, Username, FederationIdentifier, IsActive FROM User WHERE Username IN " + salesforce.QuoteList(batch)
		if err := e.org.Client.Query(ctx, soql, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			id, _ := r["Id"].(string)
			name, _ := r["Username"].(string)
			fid, _ := r["FederationIdentifier"].(string)
			out[strings.ToLower(name)] = salesforce.UserRecord{ID: id, Username: name, FederationID: fid}
		}
	}
	return out, nil
}
