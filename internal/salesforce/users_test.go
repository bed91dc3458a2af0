package salesforce_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

func userSeed() sfemu.OrgSeed {
	s := entitlementSeed(0)
	s.Users = append(s.Users,
		sfemu.UserSeed{Username: "legacy@acme.qa", Email: "Legacy@Acme.com", LastName: "Legacy", Alias: "leg"},
		sfemu.UserSeed{Username: "shared1@acme.qa", Email: "shared@acme.com", LastName: "One", Alias: "one"},
		sfemu.UserSeed{Username: "shared2@acme.qa", Email: "shared@acme.com", LastName: "Two", Alias: "two"},
		sfemu.UserSeed{Username: "fed@acme.qa", Email: "fed@acme.com", LastName: "Fed", Alias: "fed", FederationID: "Fed@Acme.com"},
	)
	return s
}

func TestListFederatedUsers(t *testing.T) {
	t.Parallel()
	_, c := startOrg(t, userSeed())
	users, err := c.ListFederatedUsers(context.Background(), []string{"Department", "Email", "LastName"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range users {
		got[u.FederationID] = fmt.Sprintf("%s %v %v", u.Username, u.IsActive, u.Fields["LastName"])
		if _, ok := u.Fields["Department"]; !ok || u.Fields["attributes"] != nil {
			t.Errorf("%s: fields %v, want Department selected and no attributes", u.Username, u.Fields)
		}
	}
	want := map[string]string{"platform@acme.com": "platform@acme.qa true Plat", "Fed@Acme.com": "fed@acme.qa true Fed"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("federated users = %v, want %v", got, want)
	}
}

func TestFindUnfederatedUsers(t *testing.T) {
	t.Parallel()
	_, c := startOrg(t, userSeed())
	tests := []struct {
		name              string
		usernames, emails []string
		want              []string
	}{
		{"by username", []string{"LEGACY@acme.qa"}, nil, []string{"legacy@acme.qa"}},
		{"by email, case-insensitive", nil, []string{"legacy@acme.com"}, []string{"legacy@acme.qa"}},
		{"shared email finds both", nil, []string{"shared@acme.com"}, []string{"shared1@acme.qa", "shared2@acme.qa"}},
		{"federated users are not candidates", []string{"fed@acme.qa"}, []string{"fed@acme.com"}, nil},
		{"nothing asked", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			users, err := c.FindUnfederatedUsers(context.Background(), tt.usernames, tt.emails, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range users {
				got = append(got, u.Username)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// Creates and updates of more than 200 records go as Composite requests of up to five Collections calls
// (1,000 records), and one refused user does not stop the others, whichever call it is in.
func TestCreateAndUpdateUsers(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, userSeed())
	ctx := context.Background()
	profiles, err := c.ListProfiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	profileID := ""
	for _, p := range profiles {
		if p.Name == "Sales User" {
			profileID = p.ID
		}
	}
	const n = 1250
	var records []map[string]any
	for i := range n {
		records = append(records, map[string]any{"Username": fmt.Sprintf("new%04d@acme.qa", i), "Email": "n@acme.com", "LastName": "N",
			"Alias": "n", "ProfileId": profileID, "FederationIdentifier": fmt.Sprintf("new%04d@acme.com", i), "TimeZoneSidKey": "GMT",
			"LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8"})
	}
	refused := map[int]bool{7: true, 1100: true} // in the first and the second request
	for i := range refused {
		records[i]["Username"] = "legacy@acme.qa" // taken
	}
	sb.Control().ResetStats()
	res, err := c.CreateUsers(ctx, records)
	if err != nil || len(res) != n {
		t.Fatalf("create: %d results, %v", len(res), err)
	}
	for i, r := range res {
		if refused[i] == r.Success {
			t.Errorf("record %d: success %v, %v", i, r.Success, r.Err())
		}
	}
	for i := range refused {
		if err := res[i].Err(); err == nil || !strings.Contains(err.Error(), "DUPLICATE_USERNAME") {
			t.Errorf("record %d, a taken username: %v, want DUPLICATE_USERNAME", i, err)
		}
	}
	const collections, composite = "salesforce:qa POST /services/data/{version}/composite/sobjects", "salesforce:qa POST /services/data/{version}/composite"
	if routes := sb.Control().Stats().Routes; routes[composite] != 2 || routes[collections] != 0 {
		t.Errorf("%d Composite and %d Collections requests for %d users, want 2 and 0 (routes %v)", routes[composite], routes[collections], n, routes)
	}
	updates := make([]map[string]any, 0, n)
	for i, r := range res {
		if r.Success {
			updates = append(updates, map[string]any{"Id": r.ID, "Title": fmt.Sprintf("T%d", i)})
		}
	}
	updates[0]["IsActive"] = false
	updates[1000]["TimeZoneSidKey"] = "Mars" // refused, in the second request
	sb.Control().ResetStats()
	upd, err := c.UpdateUsers(ctx, updates)
	if err != nil || len(upd) != len(updates) {
		t.Fatalf("update: %d results for %d, %v", len(upd), len(updates), err)
	}
	for i, r := range upd {
		if (i == 1000) == r.Success {
			t.Errorf("update %d: success %v, %v", i, r.Success, r.Err())
		}
	}
	if routes := sb.Control().Stats().Routes; routes["salesforce:qa POST /services/data/{version}/composite"] != 2 {
		t.Errorf("update of %d users: routes %v, want 2 Composite requests", len(updates), routes)
	}
	var titles []struct {
		ID    string `json:"Id"`
		Title string `json:"Title"`
	}
	if err := c.Query(ctx, fmt.Sprintf("SELECT Id, Title FROM User WHERE Id IN ('%s', '%s')", updates[5]["Id"], updates[1100]["Id"]), &titles); err != nil || len(titles) != 2 {
		t.Fatalf("reading titles back: %v, %d rows", err, len(titles))
	}
	for _, u := range titles {
		for _, want := range []map[string]any{updates[5], updates[1100]} {
			if u.ID == want["Id"] && u.Title != want["Title"] {
				t.Errorf("user %s has title %q, want %q", u.ID, u.Title, want["Title"])
			}
		}
	}
	users, err := c.ListFederatedUsers(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.ID == res[0].ID && u.IsActive {
			t.Errorf("user %s is still active", u.Username)
		}
	}
}
