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

// Creates and updates go 200 to a call, and one refused user does not stop the others.
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
	var records []map[string]any
	for i := range 250 {
		records = append(records, map[string]any{"Username": fmt.Sprintf("new%03d@acme.qa", i), "Email": "n@acme.com", "LastName": "N",
			"Alias": "n", "ProfileId": profileID, "FederationIdentifier": fmt.Sprintf("new%03d@acme.com", i), "TimeZoneSidKey": "GMT",
			"LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8"})
	}
	records[7]["Username"] = "legacy@acme.qa" // taken
	sb.Control().ResetStats()
	res, err := c.CreateUsers(ctx, records)
	if err != nil || len(res) != 250 {
		t.Fatalf("create: %d results, %v", len(res), err)
	}
	for i, r := range res {
		if (i == 7) == r.Success {
			t.Errorf("record %d: success %v, %v", i, r.Success, r.Err())
		}
	}
	if err := res[7].Err(); err == nil || !strings.Contains(err.Error(), "DUPLICATE_USERNAME") {
		t.Errorf("taken username: %v, want DUPLICATE_USERNAME", err)
	}
	if calls := sb.Control().Stats().Routes["salesforce:qa POST /services/data/{version}/composite/sobjects"]; calls != 2 {
		t.Errorf("%d collection calls for 250 users, want 2 (routes %v)", calls, sb.Control().Stats().Routes)
	}
	upd, err := c.UpdateUsers(ctx, []map[string]any{{"Id": res[0].ID, "IsActive": false}, {"Id": res[1].ID, "TimeZoneSidKey": "Mars"}})
	if err != nil || len(upd) != 2 || !upd[0].Success || upd[1].Success {
		t.Fatalf("update: %+v %v", upd, err)
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
