package sfemu

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// scanOnly hides the store's indexes from the SOQL executor: the reference every indexed result is
// compared with, and the "before" of the benchmarks.
type scanOnly struct{ soql.Source }

// largeSeed is an estate of n users with federation ids fed00000@corp.example…, half of them on the
// Identity license so no license runs out of seats, each holding one of three permission sets.
func largeSeed(n int) OrgSeed {
	s := OrgSeed{
		Name: "Bench", AdminUsername: "integration@bench.test",
		Profiles:       []ProfileSeed{{Name: "Identity User", UserLicense: "Identity"}},
		PermissionSets: []PermissionSetSeed{{Name: "PS_A"}, {Name: "PS_B"}, {Name: "PS_C"}},
	}
	profiles := []string{"Standard User", "Identity User"}
	sets := []string{"PS_A", "PS_B", "PS_C"}
	for i := range n {
		u := UserSeed{
			Username: fmt.Sprintf("user%05d@bench.test", i), LastName: fmt.Sprintf("User%05d", i),
			Profile: profiles[i%2], PermissionSets: []string{sets[i%3]},
		}
		if i%10 != 0 { // every tenth user has no federation id
			u.FederationID = fmt.Sprintf("fed%05d@corp.example", i)
		}
		s.Users = append(s.Users, u)
	}
	return s
}

func newLargeOrg(tb testing.TB, n int) *Org {
	tb.Helper()
	o, err := New(Config{Alias: "bench", BaseURL: "https://bench.my.salesforce.com"}, largeSeed(n))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return o
}

// federationINQuery is the provider's batched user read: n federation ids spread over the estate.
func federationINQuery(n, users int) string {
	ids := make([]string, 0, n)
	for i := range n {
		ids = append(ids, fmt.Sprintf("'FED%05d@corp.example'", (i*users/n+1)%users))
	}
	return "SELECT Id, FederationIdentifier, IsActive, Username, ProfileId FROM User WHERE FederationIdentifier IN (" + strings.Join(ids, ",") + ")"
}

func benchmarkQuery(b *testing.B, o *Org, q string) {
	b.Helper()
	for _, mode := range []struct {
		name string
		src  func() soql.Source
	}{
		{"scan", func() soql.Source { return scanOnly{querySource{o: o, version: "v63.0"}} }},
		{"index", func() soql.Source { return querySource{o: o, version: "v63.0"} }},
	} {
		b.Run(mode.name, func(b *testing.B) {
			o.mu.Lock()
			defer o.mu.Unlock()
			for b.Loop() {
				// Execute writes checked literals back into the query, so each run parses afresh.
				p, err := soql.Parse(q)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := soql.Execute(p, mode.src()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkINFederationIdentifier10k is the provider's 200-value federation id read against 10,000 users.
func BenchmarkINFederationIdentifier10k(b *testing.B) {
	o := newLargeOrg(b, 10000)
	benchmarkQuery(b, o, federationINQuery(200, 10000))
}

// BenchmarkAssignmentsByPermissionSet10k is the provider's assignment read of one permission set.
func BenchmarkAssignmentsByPermissionSet10k(b *testing.B) {
	o := newLargeOrg(b, 10000)
	o.mu.Lock()
	ps := o.findRow("PermissionSet", "Name", "PS_B")
	o.mu.Unlock()
	benchmarkQuery(b, o, "SELECT Id, AssigneeId, Assignee.FederationIdentifier FROM PermissionSetAssignment WHERE PermissionSetId = '"+str(ps, "Id")+"' AND Assignee.FederationIdentifier != null")
}
