package okta

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
)

// newClockedEmuOrg is newEmuOrg with the emulator at hand, to set its clock.
func newClockedEmuOrg(t *testing.T, seed oktaemu.Seed) (*emuOrg, *oktaemu.Server) {
	t.Helper()
	o := &emuOrg{counts: map[string]int{}}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.counts[r.Method+" "+r.URL.Path]++
		o.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	emu, err := oktaemu.New(oktaemu.Config{BaseURL: srv.URL}, seed)
	if err != nil {
		t.Fatal(err)
	}
	h = emu.Handler()
	if o.client, err = New(context.Background(), Config{OrgURL: srv.URL, APIToken: emu.Credentials().APIToken}); err != nil {
		t.Fatal(err)
	}
	return o, emu
}

// The groups list gives each group's lastMembershipUpdated and Okta's clock; the user search returns the
// users updated after a time, on that clock (here ten minutes ahead of the machine's, past the seed's users).
func TestChangeMarkersAgainstEmulator(t *testing.T) {
	t.Parallel()
	o, emu := newClockedEmuOrg(t, emuSeed(6, 2))
	c, ctx := o.client, context.Background()
	var offset time.Duration // the emulator's clock, moved forward by the test instead of sleeping
	base := time.Now().Add(10 * time.Minute)
	emu.SetClock(func() time.Time { return base.Add(offset) })

	before, err := c.ListGroupMarkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := before.Date.Sub(base); d < -time.Second || d > time.Second {
		t.Errorf("Date = %s, want the emulator's clock %s", before.Date, base)
	}
	if got := o.count("GET /api/v1/groups"); got != 1 {
		t.Errorf("%d group list requests, want 1", got)
	}
	var groups []map[string]any
	if _, err := c.Raw(ctx, "GET", "/api/v1/groups?q=SF", nil, &groups); err != nil || len(groups) != 2 {
		t.Fatalf("groups: %v %v", groups, err)
	}
	g1 := groups[0]["id"].(string)
	if before.MembershipUpdated[g1] == "" {
		t.Fatalf("no marker for %s in %v", g1, before.MembershipUpdated)
	}
	members, err := c.ListGroupMembers(ctx, groups[1]["id"].(string))
	if err != nil || len(members) == 0 {
		t.Fatalf("members: %v %v", members, err)
	}
	var inG1 bool
	if m1, _ := c.ListGroupMembers(ctx, g1); true {
		for _, m := range m1 {
			inG1 = inG1 || m.ID == members[len(members)-1].ID
		}
	}
	mover := members[len(members)-1]
	if inG1 {
		t.Skip("the seed put the last member of group 2 in group 1 too")
	}

	offset = time.Minute
	if _, err := c.Raw(ctx, "PUT", "/api/v1/groups/"+g1+"/users/"+mover.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Raw(ctx, "POST", "/api/v1/users/"+members[0].ID, map[string]any{"profile": map[string]any{"nickName": "moved"}}, nil); err != nil {
		t.Fatal(err)
	}
	after, err := c.ListGroupMarkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.MembershipUpdated[g1] == before.MembershipUpdated[g1] {
		t.Errorf("group %s marker did not move after a member was added: %s", g1, after.MembershipUpdated[g1])
	}
	changed, err := c.UsersUpdatedSince(ctx, before.Date.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0].ID != members[0].ID || changed[0].Profile["nickName"] != "moved" {
		t.Errorf("users updated since the first list = %+v, want only %s with its new profile", changed, members[0].ID)
	}
}
