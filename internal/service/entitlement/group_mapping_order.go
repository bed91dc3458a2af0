package entitlement

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// orderKey is the private state key of a mapping's placeBaseline.
const orderKey = "okta_order"

// placeBaseline is where a mapping's group stood among the app's groups when Terraform last wrote it or
// last found it unmoved. Okta renumbers priorities densely when groups are added or removed, and when
// Terraform places another group: that changes neither which groups stand before this one nor when
// this group's assignment was last written. A move of this group made outside Terraform changes both.
type placeBaseline struct {
	Configured int64         `json:"configured"` // the configured priority
	Groups     []placedGroup `json:"groups"`     // the app's groups by priority then, this group included
}

// placedGroup is one of the app's groups in a baseline.
type placedGroup struct {
	ID          string    `json:"id"`
	LastUpdated time.Time `json:"last_updated"`
}

// privateState is the part of a resource's private state a mapping reads and writes (satisfied by the
// framework's *privatestate.ProviderData in every request and response).
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// loadBaseline returns the stored baseline, or nil when there is none (after import, or from an earlier
// version of the provider).
func loadBaseline(ctx context.Context, p privateState) (*placeBaseline, diag.Diagnostics) {
	raw, diags := p.GetKey(ctx, orderKey)
	if diags.HasError() || len(raw) == 0 {
		return nil, diags
	}
	var b placeBaseline
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, diags // unreadable: start afresh rather than fail every refresh
	}
	return &b, diags
}

func saveBaseline(ctx context.Context, p privateState, b placeBaseline) diag.Diagnostics {
	raw, err := json.Marshal(b)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError(framework.Summary("Record", "Group Order"), err.Error())
		return diags
	}
	return p.SetKey(ctx, orderKey, raw)
}

// placement lists an app's assignments by priority (Okta's numbers are unique; ties, which Okta does not
// produce, go by group ID).
func placement(all []okta.AppGroupAssignment) []placedGroup {
	sorted := slices.Clone(all)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Priority != sorted[j].Priority {
			return sorted[i].Priority < sorted[j].Priority
		}
		return sorted[i].GroupID < sorted[j].GroupID
	})
	out := make([]placedGroup, len(sorted))
	for i, a := range sorted {
		out[i] = placedGroup{ID: a.GroupID, LastUpdated: a.LastUpdated}
	}
	return out
}

// movedOutOfBand reports whether a's group was moved outside Terraform since b: its number is not the
// configured one (at the configured number, writing it again would change nothing), and it now stands on
// the other side of a group that stood before or after it in b, with only this group's assignment written
// since. A crossing of two groups both written since (by an admin or by Terraform through the other
// group's mapping) is the other group's move, or cannot be told apart, and is left alone.
func movedOutOfBand(b *placeBaseline, a *okta.AppGroupAssignment, now []placedGroup) bool {
	if b == nil || int64(a.Priority) == b.Configured {
		return false
	}
	type place struct {
		index   int
		updated time.Time
	}
	index := func(groups []placedGroup) map[string]place {
		out := make(map[string]place, len(groups))
		for i, g := range groups {
			out[g.ID] = place{i, g.LastUpdated}
		}
		return out
	}
	was, is := index(b.Groups), index(now)
	self, ok := was[a.GroupID]
	selfNow, okNow := is[a.GroupID]
	if !ok || !okNow || self.updated.Equal(selfNow.updated) {
		return false
	}
	for id, then := range was {
		current, present := is[id]
		if id == a.GroupID || !present || !current.updated.Equal(then.updated) {
			continue
		}
		if (then.index < self.index) != (current.index < selfNow.index) {
			return true
		}
	}
	return false
}
