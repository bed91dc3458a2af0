package provisioning

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/markers"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// engine runs reconciliations of one app and org.
type engine struct {
	clients *conns.Clients // the Okta client, and the caches the configuration's reads share
	org     *conns.Org
	// writer is the transport writes go through: sObject Collections (in Composite requests), or SCIM.
	writer userWriter
	calls  int // failed calls so far, numbering them in userFailure.Call
	sent   int // records sent so far (answered or not): none, and Salesforce holds what was read
}

// newEngine returns the engine that reconciles with org through the transport ("rest" or "scim").
func newEngine(c *conns.Clients, org *conns.Org, transport string) *engine {
	e := &engine{clients: c, org: org, writer: restWriter{org.Client}}
	if transport == transportSCIM {
		e.writer = scimWriter{org.Client}
	}
	return e
}

// userWriter creates and updates users; results are in input order.
type userWriter interface {
	create(ctx context.Context, records []map[string]any) ([]salesforce.RecordResult, error)
	update(ctx context.Context, records []map[string]any) ([]salesforce.RecordResult, error)
}

// restWriter writes through sObject Collections, up to five calls of 200 records in one Composite request.
type restWriter struct{ sf *salesforce.Client }

func (w restWriter) create(ctx context.Context, records []map[string]any) ([]salesforce.RecordResult, error) {
	return w.sf.CreateUsers(ctx, records)
}

func (w restWriter) update(ctx context.Context, records []map[string]any) ([]salesforce.RecordResult, error) {
	return w.sf.UpdateUsers(ctx, records)
}

// userFailure is one user's write that Salesforce refused or that could not be attempted.
type userFailure struct {
	FederationID string
	Kind         string // create, update, deactivate, reactivate
	Message      string
	// Call numbers the failed call (from 1) when the whole call failed, so that its records are reported
	// together; 0 for a record Salesforce refused on its own, or one that was never sent.
	Call int
}

// writeBatch is the records the engine sends in one call: a Salesforce write request's maximum (a Composite
// request of five sObject Collections calls), so that a call that fails is known with its records.
const writeBatch = salesforce.WriteBatch

// read gathers the inputs of a reconciliation: the app's users and the federated users as the run's snapshot
// has them (built on prior, the last read's), and the shared reads from the per-run cache. It returns the
// snapshot too.
func (e *engine) read(ctx context.Context, s settings, managed map[string]bool, prior *snapshot) (inputs, *snapshot, error) {
	in := inputs{Managed: managed}
	snap, err := e.snapshotOf(ctx, s, prior)
	if err != nil {
		return in, nil, err
	}
	// Callers keep pointers into the slices; copies keep the snapshot's rows from being shared by two runs.
	in.AppUsers, in.Federated = slices.Clone(snap.AppUsers), slices.Clone(snap.Federated)
	if in.AppUsers, err = e.withoutRemovedGroups(ctx, s.AppID, s.RemovedGroups, in.AppUsers); err != nil {
		return in, nil, err
	}
	if in.Profiles, err = profiles(ctx, e.org); err != nil {
		return in, nil, fmt.Errorf("listing Salesforce profiles: %w", err)
	}
	if in.Roles, err = roles(ctx, e.org); err != nil {
		return in, nil, fmt.Errorf("listing Salesforce roles: %w", err)
	}
	if in.Describe, err = e.org.Client.Describe(ctx, "User"); err != nil {
		return in, nil, fmt.Errorf("describing the Salesforce User: %w", err)
	}
	if in.Unlinked, err = e.unlinkedManaged(ctx, s, in); err != nil {
		return in, nil, fmt.Errorf("looking up managed Salesforce users whose Federation ID is gone: %w", err)
	}
	if s.Adopt {
		in.Unfederated, err = e.adoptionCandidates(ctx, s, in)
		if err != nil {
			return in, nil, fmt.Errorf("looking up Salesforce users to adopt: %w", err)
		}
	}
	return in, snap, nil
}

// adoptionCandidates queries unfederated users only for the app users no Federation ID matches.
func (e *engine) adoptionCandidates(ctx context.Context, s settings, in inputs) ([]salesforce.UserRecord, error) {
	known := map[string]bool{}
	for _, u := range in.Federated {
		known[strings.ToLower(u.FederationID)] = true
	}
	desired, _, _ := desiredUsers(s, inputs{AppUsers: in.AppUsers, Profiles: in.Profiles, Roles: in.Roles})
	var usernames, emails []string
	for key, d := range desired {
		if known[key] || !d.Active {
			continue
		}
		usernames = append(usernames, d.Username)
		if email := valueString(d.Fields["Email"]); email != "" {
			emails = append(emails, email)
		}
	}
	if len(usernames)+len(emails) == 0 {
		return nil, nil
	}
	return e.org.Client.FindUnfederatedUsers(ctx, usernames, emails, s.fields())
}

// unlinkedManaged finds, under their usernames, the managed users that no Federation ID matches any more
// (an admin cleared it): the reconciliation sets it back instead of creating a user whose username is taken.
// It queries only when a managed user is missing, which is rare.
func (e *engine) unlinkedManaged(ctx context.Context, s settings, in inputs) ([]salesforce.UserRecord, error) {
	if len(in.Managed) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	for _, u := range in.Federated {
		known[strings.ToLower(u.FederationID)] = true
	}
	desired, _, _ := desiredUsers(s, inputs{AppUsers: in.AppUsers, Profiles: in.Profiles, Roles: in.Roles})
	var usernames []string
	for key, d := range desired {
		if in.Managed[key] && !known[key] && d.Active && d.Username != "" {
			usernames = append(usernames, d.Username)
		}
	}
	if len(usernames) == 0 {
		return nil, nil
	}
	sort.Strings(usernames)
	return e.org.Client.FindUnfederatedUsers(ctx, usernames, nil, s.fields())
}

// plan reads (from prior, the last read's snapshot, nil for none) and reconciles without writing; it
// returns the snapshot of its read.
func (e *engine) plan(ctx context.Context, s settings, managed map[string]bool, prior *snapshot) (outcome, *snapshot, error) {
	in, snap, err := e.read(ctx, s, managed, prior)
	if err != nil {
		return outcome{}, nil, err
	}
	return reconcile(s, in), snap, nil
}

// apply reads as the plan of this run just did (the run's snapshot, built on prior, the last read's, nil
// for none; any write of this configuration since forgot it, and a create whose answer was lost in an
// earlier run is found by its Federation ID in a read made in this one), writes the changes, and reads the
// users again to record what Salesforce now holds. Per-user failures do not stop the other users; err is a
// failure of the whole run. snap is what the next read builds on (nil: none).
func (e *engine) apply(ctx context.Context, s settings, managed map[string]bool, prior *snapshot) (after outcome, snap *snapshot, failures []userFailure, err error) {
	in, read, err := e.read(ctx, s, managed, prior)
	if err != nil {
		return outcome{}, nil, nil, err
	}
	todo := reconcile(s, in)
	if len(todo.Conflicts) > 0 {
		return todo, nil, nil, fmt.Errorf("%s", strings.Join(todo.Conflicts, "; "))
	}
	created := e.write(ctx, "create", todo.Creates, e.writer.create)
	failures = append(failures, e.explainDuplicateUsernames(ctx, todo.Creates, created)...)
	var updates []change
	kinds := map[string]string{}
	for kind, cs := range map[string][]change{"update": todo.Updates, "reactivate": todo.Reactivates, "deactivate": todo.Deactivates} {
		for _, c := range cs {
			kinds[c.FederationID] = kind
		}
		updates = append(updates, cs...)
	}
	sort.Slice(updates, func(i, j int) bool { return updates[i].FederationID < updates[j].FederationID })
	failures = append(failures, e.writeKinds(ctx, updates, kinds)...)

	// Everything now managed: users found before plus users just created.
	now := map[string]bool{}
	for k := range todo.Managed {
		now[k] = true
	}
	for _, c := range todo.Creates {
		now[strings.ToLower(c.FederationID)] = true
	}
	if e.sent == 0 { // nothing written: Salesforce holds what was read
		in.Managed, in.Unfederated = now, nil
		if read.Groups != nil {
			snap = read
		}
		return reconcile(s, in), snap, failures, nil
	}
	e.clients.Caches.ForgetUsers(e.org)
	// The user marker again before the users, so that the next read builds on what the writes left: once the
	// writes' stamps are settled, so that the next plan need not read the written users again.
	if !markers.Sleep(ctx, markers.SalesforceSettleWait) {
		return todo, nil, failures, fmt.Errorf("waiting for the users written to settle before reading them back: %w", ctx.Err())
	}
	marker, rerr := e.org.Reads.UserMarker.Get(ctx, "", e.org.Client.UserMarker)
	if rerr != nil {
		return todo, nil, failures, fmt.Errorf("reading the users back after writing: %w", rerr)
	}
	federated, rerr := e.federatedUsers(ctx, readFields(s), true)
	if rerr != nil {
		return todo, nil, failures, fmt.Errorf("reading the users back after writing: %w", rerr)
	}
	if read.Groups != nil {
		snap = new(snapshot)
		*snap = *read
		snap.Users, snap.UsersDate, snap.Federated = marker.Marker, marker.Date, federated
	}
	in.Federated, in.Managed, in.Unfederated = slices.Clone(federated), now, nil
	after = reconcile(s, in)
	return after, snap, failures, nil
}

// deactivateManaged deactivates every active managed user (on_destroy = "deactivate"); others are not touched.
func (e *engine) deactivateManaged(ctx context.Context, s settings, managed map[string]bool) ([]userFailure, error) {
	federated, err := e.federatedUsers(ctx, readFields(s), true)
	if err != nil {
		return nil, fmt.Errorf("listing the federated Salesforce users: %w", err)
	}
	var cs []change
	for _, u := range federated {
		if u.IsActive && managed[strings.ToLower(u.FederationID)] {
			cs = append(cs, change{FederationID: u.FederationID, Record: map[string]any{"Id": u.ID, "IsActive": false}})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].FederationID < cs[j].FederationID })
	failures := e.write(ctx, "deactivate", cs, e.writer.update)
	e.clients.Caches.ForgetUsers(e.org)
	return failures, nil
}

// write sends one kind of change; users whose mapping has a problem are reported, not sent.
func (e *engine) write(ctx context.Context, kind string, cs []change, send func(context.Context, []map[string]any) ([]salesforce.RecordResult, error)) []userFailure {
	kinds := map[string]string{}
	for _, c := range cs {
		kinds[c.FederationID] = kind
	}
	return e.send(ctx, cs, kinds, send)
}

func (e *engine) writeKinds(ctx context.Context, cs []change, kinds map[string]string) []userFailure {
	return e.send(ctx, cs, kinds, e.writer.update)
}

func (e *engine) send(ctx context.Context, cs []change, kinds map[string]string, send func(context.Context, []map[string]any) ([]salesforce.RecordResult, error)) []userFailure {
	var failures []userFailure
	var ok []change
	for _, c := range cs {
		if c.Problem != "" && kinds[c.FederationID] != "deactivate" {
			failures = append(failures, userFailure{FederationID: c.FederationID, Kind: kinds[c.FederationID], Message: c.Problem})
			continue
		}
		ok = append(ok, c)
	}
	if len(ok) == 0 {
		return failures
	}
	for start := 0; start < len(ok); start += writeBatch {
		batch := ok[start:min(start+writeBatch, len(ok))]
		records := make([]map[string]any, len(batch))
		for i, c := range batch {
			records[i] = c.Record
		}
		e.sent += len(records)
		results, err := send(ctx, records)
		call := 0
		if err != nil {
			e.calls++
			call = e.calls
		}
		for i, c := range batch {
			switch {
			case i < len(results) && results[i].Success:
			case i < len(results):
				failures = append(failures, userFailure{FederationID: c.FederationID, Kind: kinds[c.FederationID], Message: results[i].Err().Error()})
			default:
				msg := "no result from Salesforce"
				if err != nil {
					msg = err.Error()
				}
				failures = append(failures, userFailure{FederationID: c.FederationID, Kind: kinds[c.FederationID], Message: msg, Call: call})
			}
		}
	}
	return failures
}

// The engine's reads go through the configuration's caches (conns.Caches, which also says when they are
// forgotten): Read, ModifyPlan and apply of one command share them until a write of users or assignments.

func (e *engine) federatedUsers(ctx context.Context, fields []string, fresh bool) ([]salesforce.UserRecord, error) {
	reads, key := &e.org.Reads.FederatedUsers, strings.Join(fields, ",")
	if fresh {
		reads.Forget(key)
	}
	return reads.Get(ctx, key, func(ctx context.Context) ([]salesforce.UserRecord, error) {
		return e.org.Client.ListFederatedUsers(ctx, fields)
	})
}

func profiles(ctx context.Context, org *conns.Org) ([]salesforce.Profile, error) {
	return org.Reads.Profiles.Get(ctx, "", org.Client.ListProfiles)
}

func roles(ctx context.Context, org *conns.Org) ([]salesforce.Role, error) {
	return org.Reads.Roles.Get(ctx, "", org.Client.ListRoles)
}

// scimWriter writes through /services/scim/v2/Users, one request per user.
type scimWriter struct{ sf *salesforce.Client }

func (w scimWriter) create(ctx context.Context, records []map[string]any) ([]salesforce.RecordResult, error) {
	return w.sf.SCIMCreateUsers(ctx, records)
}

func (w scimWriter) update(ctx context.Context, records []map[string]any) ([]salesforce.RecordResult, error) {
	return w.sf.SCIMUpdateUsers(ctx, records)
}
