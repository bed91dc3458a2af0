package sfemu

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// An org holds the seats its seed buys: TotalLicenses reads them, a license no profile names yet exists with
// them, and a negative count is refused with the license named.
func TestSeedLicenses(t *testing.T) {
	t.Parallel()
	seed := OrgSeed{Name: "Seats", AdminUsername: "admin@seats.example", Licenses: map[string]int{"Salesforce": 25000, "Partner Community": 50}}
	o, err := New(Config{Alias: "qa", BaseURL: "http://127.0.0.1:1"}, seed)
	if err != nil {
		t.Fatal(err)
	}
	res, apiErr := o.runQuery("SELECT Name, TotalLicenses FROM UserLicense", "v60.0", false)
	if apiErr != nil {
		t.Fatal(apiErr.Message)
	}
	seats := map[string]any{}
	for _, r := range res.Records {
		name, _ := r.Get("Name")
		seats[name.(string)], _ = r.Get("TotalLicenses")
	}
	for name, want := range map[string]float64{"Salesforce": 25000, "Partner Community": 50, "Identity": 10000} {
		if got, _ := seats[name].(float64); got != want {
			t.Errorf("%s: TotalLicenses = %v, want %v (all: %v)", name, seats[name], want, seats)
		}
	}
	seed.Licenses = map[string]int{"Salesforce": -1}
	if _, err := New(Config{Alias: "qa", BaseURL: "http://127.0.0.1:1"}, seed); err == nil || !strings.Contains(err.Error(), `"Salesforce" has -1 seats`) {
		t.Errorf("negative seats: got %v, want an error naming the license", err)
	}
}

// A seed's created time stamps its records (CreatedDate, SystemModstamp); records written afterwards get
// the clock's time.
func TestSeedCreated(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	seed := OrgSeed{Name: "Old", AdminUsername: "admin@old.example", Created: created,
		Users: []UserSeed{{Username: "ada@old.example", Email: "ada@old.example", LastName: "Ada", FederationID: "ada@old.example"}}}
	o, err := New(Config{Alias: "qa", BaseURL: "http://127.0.0.1:1"}, seed)
	if err != nil {
		t.Fatal(err)
	}
	res, apiErr := o.runQuery("SELECT COUNT(Id) n, MAX(SystemModstamp) m FROM User", "v60.0", false)
	if apiErr != nil {
		t.Fatal(apiErr.Message)
	}
	m, _ := res.Records[0].Get("m")
	if got, err := time.Parse("2006-01-02T15:04:05.000-0700", fmt.Sprint(m)); err != nil || !got.Equal(created) {
		t.Fatalf("MAX(SystemModstamp) of the seeded users = %v (%v), want %v", m, err, created)
	}
	if o.stampTime().Equal(created) {
		t.Error("records written after the seed are stamped with the seed's time")
	}
}
