package policy

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

func TestValidISODuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"PT12H", true}, {"PT2H", true}, {"PT30M", true}, {"P1D", true}, {"P1DT2H", true}, {"PT43800H", true}, {"PT90S", true},
		{"", false}, {"P", false}, {"PT", false}, {"P1DT", false}, {"12H", false}, {"2 hours", false}, {"PT1.5H", false}, {"pt2h", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := validISODuration(tt.in); got != tt.want {
				t.Errorf("validISODuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFlattenRule(t *testing.T) {
	t.Parallel()
	anywhere := &signonNetworkModel{Connection: types.StringValue("ANYWHERE"), ZonesInclude: types.SetNull(types.StringType), ZonesExclude: types.SetNull(types.StringType)}
	tests := []struct {
		name        string
		rule        okta.AccessRule
		prior       *signonRuleModel
		wantNetwork *signonNetworkModel
		wantVerify  bool
	}{
		{"anywhere reads as no network", okta.AccessRule{Name: "r", Access: "DENY", NetworkConnection: "ANYWHERE"}, nil, nil, false},
		{"anywhere written out keeps its form", okta.AccessRule{Name: "r", Access: "DENY", NetworkConnection: "ANYWHERE"},
			&signonRuleModel{Network: anywhere}, anywhere, false},
		{"an allowing rule has its verification", okta.AccessRule{Name: "r", Access: "ALLOW", FactorMode: "2FA", ReauthenticateIn: "PT12H"}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := flattenRule(&tt.rule, tt.prior)
			if got.Network != tt.wantNetwork {
				t.Errorf("network = %+v, want %+v", got.Network, tt.wantNetwork)
			}
			if (got.Verification != nil) != tt.wantVerify {
				t.Errorf("verification = %+v, want present %v", got.Verification, tt.wantVerify)
			}
		})
	}
}

// A rule expanded from its own flattened model is the same rule: what Read stores, an update does not rewrite.
func TestExpandFlattenRoundTrip(t *testing.T) {
	t.Parallel()
	in := &okta.AccessRule{Name: "admins", Access: "ALLOW", FactorMode: "2FA", ReauthenticateIn: "PT2H", PhishingResistant: true,
		GroupsInclude: []string{"00g2", "00g1"}, NetworkConnection: "ZONE", ZonesInclude: []string{"nzo1"}, DeviceRegistered: true,
		DeviceAssuranceInclude: []string{"dae1"}, Platforms: []okta.Platform{{Type: "MOBILE", OS: "IOS"}, {Type: "DESKTOP", OS: "MACOS"}}}
	m := flattenRule(in, nil)
	out := expandRule(context.Background(), &m, 3, nil)
	if !sameRule(in, out) {
		t.Fatalf("round trip changed the rule:\n  %s\n  %s", ruleSummary(in), ruleSummary(out))
	}
	if out.Priority != 3 {
		t.Errorf("priority = %d, want 3", out.Priority)
	}
	deny := &okta.AccessRule{Name: "rest", Access: "DENY", FactorMode: "2FA"}
	if !sameRule(deny, &okta.AccessRule{Name: "rest", Access: "DENY", FactorMode: "1FA"}) {
		t.Error("a denying rule's factor mode counts, but it verifies nothing")
	}
}

// A device condition reads back with both flags, false where Okta says false, as the schema's defaults plan
// them for a flag left out: registered alone, or with device assurance, is read back as applied.
func TestSignonFlattenRuleDeviceFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule okta.AccessRule
		want *signonDeviceModel
	}{
		{"no device condition", okta.AccessRule{Name: "r", Access: "DENY"}, nil},
		{"registered only", okta.AccessRule{Name: "r", Access: "DENY", DeviceRegistered: true},
			&signonDeviceModel{Registered: types.BoolValue(true), Managed: types.BoolValue(false), AssurancesInclude: types.SetNull(types.StringType)}},
		{"registered with assurance", okta.AccessRule{Name: "r", Access: "DENY", DeviceRegistered: true, DeviceAssuranceInclude: []string{"dae1"}},
			&signonDeviceModel{Registered: types.BoolValue(true), Managed: types.BoolValue(false), AssurancesInclude: idSet([]string{"dae1"})}},
		{"managed", okta.AccessRule{Name: "r", Access: "DENY", DeviceRegistered: true, DeviceManaged: true},
			&signonDeviceModel{Registered: types.BoolValue(true), Managed: types.BoolValue(true), AssurancesInclude: types.SetNull(types.StringType)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := flattenRule(&tt.rule, nil).Device
			switch {
			case (got == nil) != (tt.want == nil):
				t.Fatalf("device = %+v, want %+v", got, tt.want)
			case got != nil && (!got.Registered.Equal(tt.want.Registered) || !got.Managed.Equal(tt.want.Managed) || !got.AssurancesInclude.Equal(tt.want.AssurancesInclude)):
				t.Errorf("device = %+v, want %+v", *got, *tt.want)
			}
		})
	}
}
