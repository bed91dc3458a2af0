package provisioning

import (
	"context"
	"os"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

// An apply cut off after some users were created (the first create request, a Composite request of 1,000
// users, goes through; the Collections create of the other 100 has its connection reset, retries included) converges on the next apply with exactly one Salesforce
// user per app user: the engine finds the users created before the cut by Federation ID and creates only
// the rest. Whether the transport retries a create is not asserted, only the outcome.
func TestEngine_interruptedCreateConverges(t *testing.T) {
	if testing.Short() || os.Getenv("TF_ACC_LIVE") == "1" {
		t.Skip("fault test against the sandbox")
	}
	const users = 1100 // two create requests: a Composite request of 1,000 users, then a Collections call of 100
	sb := benchSandbox(t, users, 1)
	oc, sf := clients(t, sb)
	appID := appWithGroups(t, oc, seedgen.GroupName(1))
	s, ctx := benchSettings(appID), context.Background()

	sb.Control().AddFault(emu.Fault{Service: "salesforce", Route: collectionsRoute, Kind: emu.FaultConnReset})
	after, _, failures, err := newTestEngine(oc, sf).apply(ctx, s, map[string]bool{}, nil)
	sb.Control().ClearFaults()
	if err != nil {
		t.Fatal(err)
	}
	created := len(usersByFID(t, sf))
	if created == 0 || created == users || len(failures) == 0 {
		t.Fatalf("after the interrupted apply %d of %d users exist and %d failed: the apply was not cut off part-way", created, users, len(failures))
	}
	managed := keySet(after.Managed)

	oc, sf = clients(t, sb) // a new run, as the next terraform apply is
	after, _, failures, err = newTestEngine(oc, sf).apply(ctx, s, managed, nil)
	if err != nil || len(failures) > 0 || !after.empty() {
		t.Fatalf("the next apply did not converge: err %v, %d failures (first %+v), pending %+v", err, len(failures), first(failures), after)
	}
	byFID := usersByFID(t, sf)
	if len(byFID) != users {
		t.Errorf("%d federated users, want %d", len(byFID), users)
	}
	for fid, us := range byFID {
		if len(us) != 1 || !us[0].IsActive {
			t.Errorf("Federation ID %s: %d users %+v, want one active", fid, len(us), us)
		}
	}
	if len(after.Managed) != users {
		t.Errorf("%d users managed after the second apply, want %d", len(after.Managed), users)
	}
}
