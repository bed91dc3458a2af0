package provisioning

import (
	"context"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// The engine's reads hang on the provider configuration: within one, a second read is served from the
// caches; a new configuration reads for itself; a write of users forgets the user reads and nothing else.
func TestReadsArePerConfiguration(t *testing.T) {
	if testing.Short() {
		t.Skip("reads from the sandbox")
	}
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	oc, sf := clients(t, sb)
	appID := appWithGroups(t, oc, "Salesforce Sales")
	ctx := context.Background()
	requests := func(read func() error) int {
		t.Helper()
		before := sb.Control().Stats().Total
		if err := read(); err != nil {
			t.Fatal(err)
		}
		return sb.Control().Stats().Total - before
	}
	readAppUsers := func(e *engine) func() error {
		return func() error { _, err := e.snapshotOf(ctx, benchSettings(appID), nil); return err }
	}
	readProfiles := func(e *engine) func() error {
		return func() error { _, err := profiles(ctx, e.org); return err }
	}

	e := newTestEngine(oc, sf)
	// Profiles first: the app users' read reads the org's names with its facts.
	if requests(readProfiles(e)) == 0 || requests(readAppUsers(e)) == 0 {
		t.Fatal("the first reads made no request")
	}
	if n := requests(readAppUsers(e)) + requests(readProfiles(e)); n != 0 {
		t.Errorf("reading again in the same configuration took %d requests, want 0", n)
	}
	other := newTestEngine(oc, sf)
	if requests(readProfiles(other)) == 0 || requests(readAppUsers(other)) == 0 {
		t.Error("a new configuration was served the reads of another")
	}

	e.clients.Caches.ForgetUsers(e.org)
	if requests(readAppUsers(e)) == 0 {
		t.Error("the app users were not read again after a write of users")
	}
	if n := requests(readProfiles(e)); n != 0 {
		t.Errorf("the profiles took %d requests after a write of users, want 0: names are kept", n)
	}
}
