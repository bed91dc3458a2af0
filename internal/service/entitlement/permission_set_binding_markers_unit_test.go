package entitlement

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// memoryPrivate is a private state in memory that, as the framework's, accepts only JSON values.
type memoryPrivate map[string][]byte

func (p memoryPrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p memoryPrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	var diags diag.Diagnostics
	if !json.Valid(value) {
		diags.AddError("Invalid private state value", fmt.Sprintf("%s is not JSON", key))
		return diags
	}
	p[key] = value
	return diags
}

func bigMarkers(users int) *bindingMarkers {
	m := &bindingMarkers{Taken: time.Now().UTC(), Org: "00D000000000001AAA", Attribute: "login", Target: "ps:0PS000000000001",
		Groups:  map[string]*groupFacts{"00g1": {MembershipUpdated: "2026-01-02T03:04:05.000Z", Members: map[string]memberFacts{}}},
		Holders: map[string]string{}, Ready: map[string]string{}, HoldersKnown: true}
	for i := range users {
		fid := fmt.Sprintf("user%06d@example.com", i)
		m.Groups["00g1"].Members[fmt.Sprintf("00u%017d", i)] = memberFacts{FederationID: fid, Entitled: true}
		m.Ready[fid] = fmt.Sprintf("005%015d", i)
		m.Holders[fmt.Sprintf("005%012d", i)] = fid
	}
	return m
}

// The markers are stored packed, as JSON the framework accepts, at a fraction of their plain size, and
// read back whole; markers stored plain by an earlier version are still read.
func TestBindingMarkersPacked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := bigMarkers(5000)
	plain, _ := json.Marshal(m)
	p := memoryPrivate{}
	if d := saveMarkers(ctx, p, m); d.HasError() {
		t.Fatal(d)
	}
	if got, want := len(p[markersKey]), len(plain)/4; got > want {
		t.Errorf("packed markers are %d bytes, want at most %d (a quarter of the %d plain)", got, want, len(plain))
	}
	t.Logf("markers of 5,000 members: %d bytes plain, %d packed", len(plain), len(p[markersKey]))
	back, _ := loadMarkers(ctx, p)
	again, _ := json.Marshal(back)
	if string(again) != string(plain) {
		t.Errorf("markers read back differ from those saved")
	}
	legacy := memoryPrivate{markersKey: plain}
	if old, _ := loadMarkers(ctx, legacy); old == nil || len(old.Ready) != 5000 {
		t.Errorf("plain markers of an earlier version were not read")
	}
}

// Markers read from another org (a sandbox refreshed from production keeps record IDs) are not built on.
func TestMarkersUsableOnlyForTheirOrg(t *testing.T) {
	t.Parallel()
	groups, _ := types.SetValueFrom(context.Background(), types.StringType, []string{"00g1"})
	s := syncer{m: &bindingModel{GroupIDs: groups, FederationIDAttribute: types.StringValue("login")},
		target: salesforce.AssignmentTarget{PermissionSetID: "0PS000000000001"}}
	prior := bigMarkers(1)
	if !s.usable(prior, runMarkers{org: prior.Org}) {
		t.Fatal("markers of the same org are not usable")
	}
	if s.usable(prior, runMarkers{org: "00D000000000002AAA"}) {
		t.Error("markers of another org are usable")
	}
	prior.Org = ""
	if s.usable(prior, runMarkers{org: "00D000000000001AAA"}) {
		t.Error("markers that name no org are usable")
	}
}

// When the org-wide aggregate reached its row limit, a target's marker from it is not trusted: the binding
// records a marker no aggregate matches, so that its holders are listed with their own marker.
func TestPartialAssignmentMarkers(t *testing.T) {
	t.Parallel()
	groups, _ := types.SetValueFrom(context.Background(), types.StringType, []string{"00g1"})
	target := salesforce.AssignmentTarget{PermissionSetID: "0PS000000000001"}
	s := syncer{m: &bindingModel{GroupIDs: groups, FederationIDAttribute: types.StringValue("login")}, target: target}
	m := salesforce.Marker{Count: 2, Max: "2026-01-02T03:04:05.000+0000"}
	set := salesforce.AssignmentMarkerSet{ByTarget: map[string]salesforce.Marker{salesforce.TargetKey(target): m}}
	if got := s.newMarkers(runMarkers{assignments: set}).Assignments; got != m {
		t.Errorf("whole aggregate: marker %+v, want %+v", got, m)
	}
	set.Partial = true
	if got := s.newMarkers(runMarkers{assignments: set}).Assignments; got == m || got.Count >= 0 {
		t.Errorf("partial aggregate: marker %+v, want one no aggregate has", got)
	}
}
