package salesforce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// The org's name reads — its Organization record (Facts), profiles, roles, permission sets and permission
// set groups — are one query each, and a plan that maps groups needs most of them. The first of them a
// client makes fetches all five in one Composite request (five query subrequests: the most Composite takes),
// and each read then takes its answer from that batch, once; a read the batch could not answer runs its own
// query, so it returns what it always did, errors included.

// nameKind is one of the name reads batched together.
type nameKind int

const (
	nameOrganization nameKind = iota
	nameProfiles
	nameRoles
	namePermissionSets
	namePermissionSetGroups
	nameKinds
)

// nameQueries are the name reads' SOQL, the same whether batched or run alone.
var nameQueries = [nameKinds]string{
	nameOrganization:        "SELECT Id, Name, IsSandbox, InstanceName, OrganizationType FROM Organization",
	nameProfiles:            "SELECT Id, Name, UserLicense.Name FROM Profile ORDER BY Name",
	nameRoles:               "SELECT Id, Name, DeveloperName, ParentRoleId FROM UserRole ORDER BY Name",
	namePermissionSets:      "SELECT Id, Name, Label, IsOwnedByProfile, PermissionSetGroupId, LicenseId FROM PermissionSet ORDER BY Name",
	namePermissionSetGroups: "SELECT Id, DeveloperName, MasterLabel FROM PermissionSetGroup ORDER BY DeveloperName",
}

// nameReferences are the subrequests' referenceIds.
var nameReferences = [nameKinds]string{
	nameOrganization:        "organization",
	nameProfiles:            "profiles",
	nameRoles:               "roles",
	namePermissionSets:      "permissionSets",
	namePermissionSetGroups: "permissionSetGroups",
}

// compositeMinVersion is the first API version with the Composite resource; older clients query one by one.
const compositeMinVersion = 38

// nameBatch is what the client's Composite request of name reads answered and no read has taken yet.
type nameBatch struct {
	// slot is a one-slot semaphore held while the batch is fetched, so that reads made meanwhile wait for
	// it instead of querying on their own; unlike a mutex, waiting on it honours the caller's context.
	slot    chan struct{}
	fetched bool
	records [nameKinds][]json.RawMessage // nil: the batch did not answer it, or a read took it
}

// nameRead returns how a name read of kind k gets its rows: from the client's batch when it holds them,
// else with the kind's own query.
func (c *Client) nameRead(ctx context.Context, k nameKind) func(out any) error {
	return func(out any) error {
		records, err := c.takeBatched(ctx, k)
		if err != nil {
			return err
		}
		if records != nil {
			return c.decodeRecords(records, out)
		}
		return c.Query(ctx, nameQueries[k], out)
	}
}

// singleRead returns how a name read of kind k gets its rows with its own query, never from the batch.
func (c *Client) singleRead(ctx context.Context, k nameKind) func(out any) error {
	return func(out any) error { return c.Query(ctx, nameQueries[k], out) }
}

// takeBatched hands out the batch's rows of kind k, fetching the batch on the client's first name read.
// It returns nil rows when the batch has none of k (any more): the read then queries alone. Its only error
// is a failed sign-in, which the read's own query would report too (and retry: a failed sign-in is not
// kept), so that the batch costs no extra token request.
func (c *Client) takeBatched(ctx context.Context, k nameKind) ([]json.RawMessage, error) {
	b := &c.names
	if b.slot == nil { // a Client not made by New
		return nil, nil
	}
	select {
	case b.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.slot }()
	if !b.fetched {
		if _, err := c.session(ctx); err != nil {
			return nil, err
		}
		records, err := c.fetchNames(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err() // cancelled: a later read may still batch
		}
		if err != nil {
			tflog.Debug(ctx, "Salesforce name reads: the Composite request failed; each read queries alone",
				map[string]any{"salesforce_org": c.alias, "error": err.Error()})
		}
		b.fetched, b.records = true, records
	}
	records := b.records[k]
	b.records[k] = nil
	return records, nil
}

// compositeResponse is the answer of POST /composite.
type compositeResponse struct {
	CompositeResponse []struct {
		Body           json.RawMessage `json:"body"`
		HTTPStatusCode int             `json:"httpStatusCode"`
		ReferenceID    string          `json:"referenceId"`
	} `json:"compositeResponse"`
}

// fetchNames runs the five name queries as one Composite request (allOrNone false: each answers for
// itself) and follows the pages of any result that is not done. A subrequest that failed is left out,
// with the reason at debug level, so that its read runs its own query and reports its own error.
func (c *Client) fetchNames(ctx context.Context) ([nameKinds][]json.RawMessage, error) {
	var out [nameKinds][]json.RawMessage
	if !c.versionAtLeast(compositeMinVersion) {
		return out, nil
	}
	subs := make([]compositeSub, nameKinds)
	for k := range nameKinds {
		subs[k] = compositeSub{Method: http.MethodGet, ReferenceID: nameReferences[k],
			URL: "/services/data/v" + c.version + "/query/?q=" + url.QueryEscape(nameQueries[k])}
	}
	// Only queries: replaying the request after a lost answer reads the same again.
	answer, err := c.postComposite(transport.WithIdempotent(ctx), subs)
	if err != nil {
		return out, err
	}
	for _, sub := range answer.CompositeResponse {
		k := nameKindOf(sub.ReferenceID)
		if k == nameKinds {
			continue
		}
		var page queryPage
		if sub.HTTPStatusCode >= http.StatusMultipleChoices || json.Unmarshal(sub.Body, &page) != nil {
			tflog.Debug(ctx, "Salesforce name reads: a subrequest failed; its read queries alone", map[string]any{
				"salesforce_org": c.alias, "reference": sub.ReferenceID, "error": ParseError(sub.HTTPStatusCode, sub.Body).Error()})
			continue
		}
		records, err := c.restOfPages(ctx, page)
		if err != nil {
			if ctx.Err() != nil {
				return out, err
			}
			tflog.Debug(ctx, "Salesforce name reads: paging a subrequest's result failed; its read queries alone",
				map[string]any{"salesforce_org": c.alias, "reference": sub.ReferenceID, "error": err.Error()})
			continue
		}
		out[k] = records
	}
	return out, nil
}

// nameKindOf is the kind of a subrequest's referenceId, or nameKinds for one not sent.
func nameKindOf(reference string) nameKind {
	for k := range nameKinds {
		if nameReferences[k] == reference {
			return k
		}
	}
	return nameKinds
}
