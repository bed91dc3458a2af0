package entitlement

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/markers"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// markersKey is the private state key of the binding's markers (bindingMarkers, packed).
const markersKey = "markers"

// markerRetention bounds the age of the markers a read builds on: older ones are dropped for a full read,
// so that a marker lost by any means hides a change for at most this long. A variable for the tests.
var markerRetention = 7 * 24 * time.Hour

// oktaSinceMargin and salesforceSettleMargin: as markers says.
const (
	oktaSinceMargin        = markers.OktaSinceMargin
	salesforceSettleMargin = markers.SalesforceSettleMargin
)

// assignmentCommitAllowance and assignmentSettleWait: as markers says of Salesforce rows. A swap of
// assignments (one deleted, another made) committed later than the allowance after its stamp is the one change
// the assignment marker cannot see; a full read finds it (any apply that changes the binding, and every read
// once the last full one is older than markerRetention).
const (
	assignmentCommitAllowance = markers.SalesforceCommitAllowance
	assignmentSettleWait      = markers.SalesforceSettleWait
)

// bindingMarkers is what a binding's last full or incremental read established, and the markers read
// before it.
type bindingMarkers struct {
	Taken time.Time `json:"taken"` // the provider's clock, for markerRetention only
	// Org is the Salesforce Organization ID the markers were read from: a refreshed sandbox keeps record
	// IDs, and its markers say nothing of what another org holds.
	Org       string                 `json:"org"`
	Attribute string                 `json:"attribute"`
	Target    string                 `json:"target"` // salesforce.TargetKey
	Groups    map[string]*groupFacts `json:"groups"`
	// OktaSince is on Okta's clock: users updated after it may have changed since the members were read.
	OktaSince time.Time         `json:"okta_since"`
	Users     salesforce.Marker `json:"users"`
	// UsersDate is Salesforce's clock when Users was read (salesforceSettleMargin).
	UsersDate   time.Time         `json:"users_date"`
	Assignments salesforce.Marker `json:"assignments"`
	// AssignmentsDate is Salesforce's clock when the holders were listed (or last found unchanged), and
	// Recent the IDs of the target's assignments stamped from assignmentCommitAllowance before the second of
	// Assignments.Max on: while the listing is unsettled (assignmentsUnsettled), an assignment stamped there
	// and not in Recent means the target changed without moving its marker (one removed and one added).
	AssignmentsDate time.Time `json:"assignments_date,omitzero"`
	Recent          []string  `json:"recent,omitempty"`
	// Holders are the active federated users holding the target (user ID → Federation ID); when
	// HoldersKnown is false the next read lists them.
	Holders      map[string]string `json:"holders"`
	HoldersKnown bool              `json:"holders_known"`
	// Others are the target's other assignees (inactive, or without a Federation ID), 15-character IDs:
	// with Holders, every assignee, so that a modified user's holding is known without a query.
	Others []string          `json:"others,omitempty"`
	Ready  map[string]string `json:"ready"` // desired Federation ID → its active Salesforce user's ID
}

type groupFacts struct {
	MembershipUpdated string                 `json:"updated"`
	Members           map[string]memberFacts `json:"members"` // by Okta user ID
}

type memberFacts struct {
	FederationID string `json:"fid"`
	Entitled     bool   `json:"entitled"`
}

// bindingView is what a sync establishes for the binding.
type bindingView struct {
	desired, ready, waiting []string
	holders                 []string // Federation IDs; only when asked for
}

func loadMarkers(ctx context.Context, p privateState) (*bindingMarkers, diag.Diagnostics) {
	raw, diags := p.GetKey(ctx, markersKey)
	var m bindingMarkers
	if diags.HasError() || !markers.Unpack(raw, &m) || m.Groups == nil {
		return nil, diags // none, unreadable or cleared: the next read is a full one
	}
	return &m, diags
}

// saveMarkers stores m; nil clears them, so that the next read is a full one.
func saveMarkers(ctx context.Context, p privateState, m *bindingMarkers) diag.Diagnostics {
	if m == nil {
		return p.SetKey(ctx, markersKey, markers.Pack(nil))
	}
	return p.SetKey(ctx, markersKey, markers.Pack(m))
}
