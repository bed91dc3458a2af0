package policy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// createZoneRule makes, through the Okta API and not through a resource (as the official Okta provider or an
// admin would), an access policy with one rule that includes zone zoneID. It returns the policy and rule paths.
func createZoneRule(t *testing.T, oc *okta.Client, zoneID string) (policyPath, rulePath string) {
	t.Helper()
	ctx := context.Background()
	var policy, rule struct{ ID string }
	if _, err := oc.Raw(ctx, http.MethodPost, "/api/v1/policies", map[string]any{"name": acctest.RandomName("zone-user"), "type": "ACCESS_POLICY"}, &policy); err != nil {
		t.Fatalf("create access policy: %v", err)
	}
	policyPath = "/api/v1/policies/" + url.PathEscape(policy.ID)
	t.Cleanup(func() { _, _ = oc.Raw(context.Background(), http.MethodDelete, policyPath, nil, nil) })
	body := map[string]any{"name": "Office only", "type": "ACCESS_POLICY",
		"conditions": map[string]any{"network": map[string]any{"connection": "ZONE", "include": []string{zoneID}}},
		"actions":    map[string]any{"appSignOn": map[string]any{"access": "ALLOW"}}}
	if _, err := oc.Raw(ctx, http.MethodPost, policyPath+"/rules", body, &rule); err != nil {
		t.Fatalf("create a rule naming zone %s: %v", zoneID, err)
	}
	return policyPath, policyPath + "/rules/" + url.PathEscape(rule.ID)
}

// A destroy that Okta refuses because a rule made outside Terraform names the zone fails with a message that says
// so, and leaves the zone ACTIVE (deactivated for the delete, then activated again), so the rule keeps matching.
// Once the rule is gone the destroy succeeds.
func TestAccNetworkZone_destroyInUseReactivates(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	cfg := zoneConfig(sb, acctest.RandomName("zone"), zoneV1)
	var zoneID, rulePath string
	acctest.Test(t, resource.TestCase{
		CheckDestroy: acctest.CheckDestroy("oktasf_network_zone", zoneExists(oc)),
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: func(s *terraform.State) (err error) {
					zoneID, err = acctest.StateAttr(s, zoneAddr, "id")
					return err
				},
			},
			{
				PreConfig:   func() { _, rulePath = createZoneRule(t, oc, zoneID) },
				Config:      cfg,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)is\s+still\s+used\s+by\s+policy\s+rule\(s\).*it\s+was\s+reactivated;\s+remove\s+it\s+from\s+those\s+rules\s+first`),
			},
			{
				// The failed destroy left the zone as it was: ACTIVE in Okta, in the state, nothing to plan.
				Config:           cfg,
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: checkZoneRemote(func(ctx context.Context) error {
					z, err := oc.GetNetworkZone(ctx, zoneID)
					if err == nil && z.Status != okta.ZoneActive {
						err = fmt.Errorf("zone %s is %s after the failed destroy, want ACTIVE", zoneID, z.Status)
					}
					if err == nil { // the rule goes, so that the test's own destroy can succeed
						_, err = oc.Raw(ctx, http.MethodDelete, rulePath, nil, nil)
					}
					return err
				}),
			},
		},
	})
}
