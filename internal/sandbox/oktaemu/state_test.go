package oktaemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func TestStateRoundTripAndReset(t *testing.T) {
	t.Parallel()
	seed := Seed{Users: seedUsers(2), Groups: []SeedGroup{{Name: "Seeded", Members: []string{"user01@example.com"}}}}
	org := newTestOrg(t, withSeed(seed))
	ctx := context.Background()
	c := org.client(t)
	u, _, err := c.User.CreateUser(ctx, newUserRequest("later@example.com", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := c.Application.CreateApplication(ctx, newSAMLApp("Kept"), nil)
	if err != nil {
		t.Fatal(err)
	}
	bearer := org.privateKeyClient(t, []string{"okta.users.read"})
	if _, _, err := bearer.User.ListUsers(ctx, nil); err != nil {
		t.Fatal(err)
	}

	saved, err := org.srv.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	restarted, err := New(Config{BaseURL: org.http.URL}, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	if restarted.Credentials().APIToken != org.srv.Credentials().APIToken || restarted.Credentials().PrivateKeyPEM != org.srv.Credentials().PrivateKeyPEM {
		t.Fatal("credentials changed across a restart")
	}
	again, err := restarted.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(saved, &a)
	_ = json.Unmarshal(again, &b)
	if ja, _ := json.Marshal(a); string(ja) != mustMarshal(t, b) {
		t.Error("state does not survive Marshal → Load → Marshal unchanged")
	}
	org.serve(restarted)

	if got, _, err := bearer.User.GetUser(ctx, u.Id); err != nil || got.Id != u.Id {
		t.Errorf("the cached bearer token and the user must survive a restart: %v", err)
	}
	if _, _, err := org.client(t).Application.GetApplication(ctx, app.(*okta.SamlApplication).Id, okta.NewSamlApplication(), nil); err != nil {
		t.Errorf("the app must survive a restart: %v", err)
	}

	if err := restarted.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bearer.User.GetUser(ctx, u.Id); oktaErr(t, err).ErrorCode != "E0000007" {
		t.Error("Reset must drop users created after the seed")
	}
	users, _, err := bearer.User.ListUsers(ctx, nil)
	if err != nil || len(users) != 2 {
		t.Errorf("Reset must restore the 2 seeded users (and keep tokens): %d %v", len(users), err)
	}
	groups, _, err := org.client(t).Group.ListGroups(ctx, nil)
	if err != nil || len(groups) != 2 || groups[0].Profile.Name != "Everyone" || groups[1].Profile.Name != "Seeded" {
		t.Errorf("groups after Reset: %v", err)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewRejectsBadSeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		seed Seed
	}{
		{"no base URL", Config{}, Seed{}},
		{"duplicate login", Config{BaseURL: "http://x"}, Seed{Users: []SeedUser{{Login: "a@x"}, {Login: "A@x"}}}},
		{"bad status", Config{BaseURL: "http://x"}, Seed{Users: []SeedUser{{Login: "a@x", Status: "HAPPY"}}}},
		{"unknown member", Config{BaseURL: "http://x"}, Seed{Groups: []SeedGroup{{Name: "g", Members: []string{"ghost@x"}}}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg, tt.seed); err == nil {
			t.Errorf("%s: New accepted it", tt.name)
		}
	}
}

// TestChangedOnlyOnMutation checks the sandbox's persistence hook fires after writes and never after reads.
func TestChangedOnlyOnMutation(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	var changes atomic.Int32
	org.ctrl.OnChange(func() {
		// Persisting from the hook must not deadlock: the emulator calls it without holding its lock.
		if _, err := org.srv.MarshalState(); err != nil {
			t.Error(err)
		}
		changes.Add(1)
	})
	steps := []struct {
		method, path, body string
		wantDelta          int32
	}{
		{http.MethodGet, "/api/v1/groups", "", 0},
		{http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Hooked"}}`, 1},
		{http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Hooked"}}`, 0},
		{http.MethodGet, "/api/v1/users", "", 0},
		{http.MethodPost, "/api/v1/users", `{"profile":{"login":"h@example.com","email":"h@example.com","firstName":"H","lastName":"K"}}`, 1},
	}
	for _, st := range steps {
		before := changes.Load()
		org.do(t, st.method, st.path, st.body)
		if d := changes.Load() - before; d != st.wantDelta {
			t.Errorf("%s %s: %d change notifications, want %d", st.method, st.path, d, st.wantDelta)
		}
	}
}

// TestConcurrentWrites creates users from many goroutines; ids stay unique and nothing is lost.
func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.User.CreateUser(context.Background(), newUserRequest(fmt.Sprintf("c%02d@example.com", i), ""), nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	users, _, err := c.User.ListUsers(context.Background(), nil)
	if err != nil || len(users) != n {
		t.Fatalf("listed %d users, want %d (%v)", len(users), n, err)
	}
	seen := map[string]bool{}
	for _, u := range users {
		if seen[u.Id] {
			t.Fatalf("duplicate id %s", u.Id)
		}
		seen[u.Id] = true
	}
}

// TestSigningKeysSurviveRestart: certificates, private keys and the active kid are part of the persisted state.
func TestSigningKeysSurviveRestart(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Persisted")
	if _, _, err := c.Application.GenerateApplicationKey(ctx, app.Id, query.NewQueryParams(query.WithValidityYears(4))); err != nil {
		t.Fatal(err)
	}
	before, _, err := c.Application.ListApplicationKeys(ctx, app.Id)
	if err != nil || len(before) != 2 {
		t.Fatalf("keys before restart: %d %v", len(before), err)
	}
	wantMD := fetchMetadata(t, c, app.Id, "").raw
	certBefore, privBefore, err := org.srv.AppSigningKey(app.Id)
	if err != nil {
		t.Fatal(err)
	}

	saved, err := org.srv.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	restarted, err := New(Config{BaseURL: org.http.URL}, Seed{})
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	org.serve(restarted)

	after, _, err := c.Application.ListApplicationKeys(ctx, app.Id)
	if err != nil || mustMarshal(t, after) != mustMarshal(t, before) {
		t.Errorf("keys changed across a restart: %v", err)
	}
	if got := fetchMetadata(t, c, app.Id, "").raw; got != wantMD {
		t.Error("metadata changed across a restart")
	}
	cert, priv, err := restarted.AppSigningKey(app.Id)
	if err != nil || !cert.Equal(certBefore) || !priv.Equal(privBefore) {
		t.Errorf("the active certificate and private key must survive a restart: %v", err)
	}
	if err := restarted.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := restarted.AppSigningKey(app.Id); err == nil {
		t.Error("Reset must drop apps and their keys")
	}
}
