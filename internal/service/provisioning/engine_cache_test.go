package provisioning

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// The per-run reads hang on their clients: a second client reads for itself, and once a provider
// configuration's clients are gone, nothing they read is held any more.
func TestReadsGoWithTheirClients(t *testing.T) {
	if testing.Short() {
		t.Skip("reads from the sandbox")
	}
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	oc, _ := clients(t, sb)
	appID := appWithGroups(t, oc, "Salesforce Sales")

	profiles, appUsers := readThroughNewClients(t, sb, appID)
	before := sb.Control().Stats().Total
	readThroughNewClients(t, sb, appID)
	if sb.Control().Stats().Total == before {
		t.Fatal("new clients were served the reads of other clients")
	}
	deadline := time.Now().Add(10 * time.Second)
	for profiles.Value() != nil || appUsers.Value() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the reads of collected clients are still held")
		}
		runtime.GC()
		runtime.Gosched()
	}
}

// readThroughNewClients reads the profiles and the app's users through clients that nothing else keeps, and
// returns weak pointers to what was read (the caches keep it, as every caller shares it).
func readThroughNewClients(t *testing.T, sb *sandbox.Sandbox, appID string) (weak.Pointer[salesforce.Profile], weak.Pointer[okta.AppUserWithUser]) {
	t.Helper()
	oc, sf := clients(t, sb)
	ctx := context.Background()
	ps, err := profiles(ctx, sf)
	if err != nil || len(ps) == 0 {
		t.Fatalf("profiles: %v, %v", ps, err)
	}
	users, err := appUsers(ctx, oc, appID, false)
	if err != nil || len(users) == 0 {
		t.Fatalf("app users: %v, %v", users, err)
	}
	return weak.Make(&ps[0]), weak.Make(&users[0])
}
