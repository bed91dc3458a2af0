package seedgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// sandboxSeed is internal/sandbox.Seed's shape, decoded strictly so a field the emulators do not know fails.
type sandboxSeed struct {
	Okta       oktaemu.Seed             `json:"okta"`
	Salesforce map[string]sfemu.OrgSeed `json:"salesforce"`
}

func decodeStrict(t testing.TB, b []byte) sandboxSeed {
	t.Helper()
	var s sandboxSeed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("generated seed does not decode into the emulators' seed types: %v", err)
	}
	return s
}

func TestGenerateShape(t *testing.T) {
	t.Parallel()
	opts := Options{Users: 600, Groups: 7, Orgs: []string{"qa", "prod"}, FederatedShare: 0.4, Seed: 42}
	b, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := decodeStrict(t, b)
	if len(s.Okta.Users) != 600 || s.Okta.Users[0].Login != "user00001@bench.example" || s.Okta.Users[599].Login != "user00600@bench.example" {
		t.Fatalf("okta users: %d, first %+v", len(s.Okta.Users), s.Okta.Users[0])
	}
	if len(s.Okta.Groups) != 7 || s.Okta.Groups[0].Name != "SF Group 001" || s.Okta.Groups[6].Name != "SF Group 007" {
		t.Fatalf("groups: %+v", s.Okta.Groups)
	}
	perUser := map[string]int{}
	for _, g := range s.Okta.Groups {
		for _, m := range g.Members {
			perUser[m]++
		}
	}
	counts := map[int]int{}
	for _, u := range s.Okta.Users {
		counts[perUser[u.Login]]++
	}
	if counts[0] != 0 || counts[1]+counts[2]+counts[3] != 600 || counts[1] == 0 || counts[2] == 0 || counts[3] == 0 {
		t.Fatalf("users by number of groups: %v, want 1 to 3 for every user, each size used", counts)
	}
	usernames := map[string]bool{}
	for alias, org := range s.Salesforce {
		if org.IsSandbox != (alias != "prod") {
			t.Errorf("%s: is_sandbox %v", alias, org.IsSandbox)
		}
		var ps []string
		for _, p := range org.PermissionSets {
			ps = append(ps, p.Name)
		}
		joined := strings.Join(ps, ",")
		if len(ps) != 24 || !strings.Contains(joined, "Sales_Cloud_User") || !strings.Contains(joined, "PS_001") || !strings.Contains(joined, "PS_020") {
			t.Errorf("%s: permission sets %v", alias, ps)
		}
		if len(org.PermissionSetGroups) != 5 || len(org.Profiles) != 3 || len(org.Roles) != 5 {
			t.Errorf("%s: %d groups, %d profiles, %d roles", alias, len(org.PermissionSetGroups), len(org.Profiles), len(org.Roles))
		}
		// 600 draws at 0.4: a share outside 0.3..0.5 is a generator bug, not chance.
		if share := float64(len(org.Users)) / 600; math.Abs(share-0.4) > 0.1 {
			t.Errorf("%s: federated share %.2f", alias, share)
		}
		withPS := 0
		for _, u := range org.Users {
			if usernames[u.Username] {
				t.Fatalf("username %s repeats across orgs", u.Username)
			}
			usernames[u.Username] = true
			if u.Username != u.FederationID+"."+alias || !strings.HasSuffix(u.FederationID, "@bench.example") || len(u.Alias) > 8 {
				t.Fatalf("%s: user %+v", alias, u)
			}
			if len(u.PermissionSets) > 0 {
				withPS++
			}
		}
		if withPS == 0 || withPS == len(org.Users) {
			t.Errorf("%s: %d of %d users have permission sets; want some", alias, withPS, len(org.Users))
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	opts := Options{Users: 300, Groups: 5, FederatedShare: 0.5, Seed: 7}
	a, _ := Generate(opts)
	b, _ := Generate(opts)
	if !bytes.Equal(a, b) {
		t.Fatal("the same options gave different seeds")
	}
	opts.Seed = 8
	c, _ := Generate(opts)
	if bytes.Equal(a, c) {
		t.Fatal("a different Seed gave the same seed")
	}
	// Adding an org leaves the Okta part and the existing orgs as they were.
	opts.Seed, opts.Orgs = 7, []string{"qa", "uat", "prod", "dev"}
	d, _ := Generate(opts)
	sa, sd := decodeStrict(t, a), decodeStrict(t, d)
	same := func(x, y any) bool {
		bx, _ := json.Marshal(x)
		by, _ := json.Marshal(y)
		return bytes.Equal(bx, by)
	}
	if !same(sa.Okta, sd.Okta) || !same(sa.Salesforce["uat"], sd.Salesforce["uat"]) || same(sa.Salesforce["qa"], sd.Salesforce["uat"]) {
		t.Fatal("adding an org changed the other parts of the seed")
	}
}

func TestGenerateRejects(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{
		{Users: 10, Groups: 0},
		{Users: 10, Groups: 2, FederatedShare: 1.5},
		{Users: 10, Groups: 2, FederatedShare: -0.1},
		{Users: 10, Groups: 2, Orgs: []string{"qa", "qa"}},
		{Users: 10, Groups: 2, Orgs: []string{""}},
	} {
		if _, err := Generate(opts); err == nil {
			t.Errorf("%+v: no error", opts)
		}
	}
}

// TestLargeSeedLoads generates 10,000 users in 60 groups with three Salesforce orgs and loads it into both
// emulators: everything generated must load, with the counts asked for. How long it takes is measured by
// BenchmarkLargeSeedLoad (make bench), not asserted here: a wall-clock budget in a test either flakes on a
// busy machine or is set so loose that it proves nothing.
func TestLargeSeedLoads(t *testing.T) {
	t.Parallel()
	const users, groups = 10000, 60
	b, err := Generate(Options{Users: users, Groups: groups, FederatedShare: 0.6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := decodeStrict(t, b)
	if len(s.Okta.Users) != users || len(s.Okta.Groups) < groups {
		t.Fatalf("generated %d users and %d groups, want %d and at least %d", len(s.Okta.Users), len(s.Okta.Groups), users, groups)
	}
	sfUsers := loadLargeSeed(t, s)
	// FederatedShare 0.6 of 10,000 users, each in one to three orgs: the orgs together hold at least 6,000.
	if sfUsers < users*6/10 {
		t.Fatalf("the Salesforce orgs hold %d users, want at least %d", sfUsers, users*6/10)
	}
}

// BenchmarkLargeSeedLoad measures generating and loading the 10,000-user seed into the Okta emulator and three
// Salesforce orgs (make bench prints it).
func BenchmarkLargeSeedLoad(b *testing.B) {
	for b.Loop() {
		raw, err := Generate(Options{Users: 10000, Groups: 60, FederatedShare: 0.6, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		loadLargeSeed(b, decodeStrict(b, raw))
	}
}

// loadLargeSeed loads s into a fresh Okta emulator and Salesforce orgs qa, uat and prod, and returns how many
// Salesforce users they hold.
func loadLargeSeed(t testing.TB, s sandboxSeed) int {
	t.Helper()
	if _, err := oktaemu.New(oktaemu.Config{BaseURL: "http://127.0.0.1:1"}, s.Okta); err != nil {
		t.Fatal(err)
	}
	dir := sfemu.NewDirectory()
	sfUsers := 0
	for i, alias := range []string{"qa", "uat", "prod"} {
		if _, err := sfemu.New(sfemu.Config{Alias: alias, BaseURL: fmt.Sprintf("http://127.0.0.1:%d", 2+i), Directory: dir}, s.Salesforce[alias]); err != nil {
			t.Fatal(err)
		}
		sfUsers += len(s.Salesforce[alias].Users)
	}
	return sfUsers
}

// TestSeatsForLargeOrgs: an org with more federated users than a license's default 10,000 seats loads,
// because the generated seed buys the seats its users take (an org refuses users beyond its seats), and
// has a seat for each Okta user, so that provisioning the others fits.
func TestSeatsForLargeOrgs(t *testing.T) {
	t.Parallel()
	const users = 12000
	b, err := Generate(Options{Users: users, Groups: 10, Orgs: []string{"qa"}, FederatedShare: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := decodeStrict(t, b)
	qa := s.Salesforce["qa"]
	if len(qa.Users) != users || qa.Licenses["Salesforce"] < users {
		t.Fatalf("qa has %d users and %d Salesforce seats, want %d users and at least as many seats", len(qa.Users), qa.Licenses["Salesforce"], users)
	}
	if _, err := sfemu.New(sfemu.Config{Alias: "qa", BaseURL: "http://127.0.0.1:2", Directory: sfemu.NewDirectory()}, qa); err != nil {
		t.Fatalf("the generated org does not load: %v", err)
	}
	qa.Licenses = nil // the default seats are too few
	if _, err := sfemu.New(sfemu.Config{Alias: "qa", BaseURL: "http://127.0.0.1:2", Directory: sfemu.NewDirectory()}, qa); err == nil ||
		!strings.Contains(err.Error(), "License Limit Exceeded") {
		t.Fatalf("12,000 users on 10,000 seats: got %v, want License Limit Exceeded", err)
	}
	half, err := Generate(Options{Users: users, Groups: 10, Orgs: []string{"qa"}, FederatedShare: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if seats := decodeStrict(t, half).Salesforce["qa"].Licenses["Salesforce"]; seats < users {
		t.Errorf("qa federates half of %d Okta users on %d seats, want a seat for each Okta user (provisioning creates the others)", users, seats)
	}
	small, err := Generate(Options{Users: 100, Groups: 3, Orgs: []string{"qa"}, FederatedShare: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if l := decodeStrict(t, small).Salesforce["qa"].Licenses; l != nil {
		t.Errorf("a small org buys seats %v, want the defaults", l)
	}
}
