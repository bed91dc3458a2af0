package entitlement

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// markersKey is the private state key of the binding's markers (bindingMarkers, packed).
const markersKey = "markers"

// markerRetention bounds the age of the markers a read builds on: older ones are dropped for a full read,
// so that a marker lost by any means hides a change for at most this long. A variable for the tests.
var markerRetention = 7 * 24 * time.Hour

// oktaSinceMargin is taken off Okta's clock for the next search of changed users: Okta's search index
// trails writes by seconds, and the Date header counts whole seconds.
const oktaSinceMargin = 5 * time.Minute

// salesforceSettleMargin is how far back from Salesforce's clock a user's SystemModstamp may still be joined
// by changes the user marker does not count yet: Salesforce stamps to the second (a second change within the
// second of the latest stamp moves no marker) and sets SystemModstamp before its transaction commits (a row
// may become visible after a marker read with an older stamp). A user marker whose latest stamp is this close
// to the time it was read is unsettled: the next read looks at the users stamped since then less this margin.
const salesforceSettleMargin = time.Minute

// assignmentCommitAllowance is how long after its SystemModstamp an assignment's transaction may commit and
// still be seen by the assignment marker: a listing less than this (plus the second of the latest stamp, as
// Salesforce stamps to the second) after the latest stamp is unsettled, and the next read looks for
// assignments stamped from this long before that second on that it did not list. A swap (one deleted,
// another made) committed later than this after its stamp is the one change the marker cannot see; a full
// read finds it (any apply that changes the binding, and every read once the last full one is older than
// markerRetention).
const assignmentCommitAllowance = time.Second

// assignmentSettleWait is how long a binding that wrote assignments waits before it lists them with their
// marker, so that the listing is settled (assignmentCommitAllowance after the second of its own writes) and
// the next plan need not look at what it wrote.
const assignmentSettleWait = assignmentCommitAllowance + 1100*time.Millisecond

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

// packedMarkers is how the markers are stored: their JSON gzipped, in base64. The members and users of a
// binding over 50,000 users are 1.4 MB of JSON that repeats its keys; private state values must be JSON,
// so the packed form is a JSON object holding a string.
type packedMarkers struct {
	Gzip string `json:"gzip"`
}

func loadMarkers(ctx context.Context, p privateState) (*bindingMarkers, diag.Diagnostics) {
	raw, diags := p.GetKey(ctx, markersKey)
	if diags.HasError() || len(raw) == 0 {
		return nil, diags
	}
	var packed packedMarkers
	if err := json.Unmarshal(raw, &packed); err == nil && packed.Gzip != "" {
		if raw, err = unpack(packed.Gzip); err != nil {
			return nil, diags // unreadable: the next read is a full one
		}
	} // else the markers as plain JSON, as earlier versions stored them
	var m bindingMarkers
	if err := json.Unmarshal(raw, &m); err != nil || m.Groups == nil {
		return nil, diags // unreadable or cleared: the next read is a full one
	}
	return &m, diags
}

// saveMarkers stores m; nil clears them, so that the next read is a full one.
func saveMarkers(ctx context.Context, p privateState, m *bindingMarkers) diag.Diagnostics {
	raw := []byte("{}")
	if m != nil {
		plain, _ := json.Marshal(m) // maps of strings and times always marshal
		raw, _ = json.Marshal(packedMarkers{Gzip: pack(plain)})
	}
	return p.SetKey(ctx, markersKey, raw)
}

func pack(plain []byte) string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	_, _ = zw.Write(plain)                             // writes to memory do not fail
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func unpack(packed string) ([]byte, error) {
	compressed, err := base64.StdEncoding.DecodeString(packed)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
