package acctest

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// The fixtures create what they say through the real clients and remove it when the test ends.
func TestAccFixtures_createAndCleanUp(t *testing.T) {
	if Live() && os.Getenv("TF_ACC") == "" {
		t.Skip("live acceptance tests need TF_ACC=1")
	}
	sb := Sandbox(t)
	oc, sf := OktaClient(t, sb), SalesforceClient(t, sb, PrimaryOrg())
	ctx := context.Background()
	var user OktaUser
	var group OktaGroup
	var sfUserID, psName, roleID string
	t.Run("create", func(t *testing.T) {
		user = CreateOktaUser(t, oc, "fixture")
		group = CreateOktaGroup(t, oc, "fixture", "fixture test", user)
		members, err := oc.ListGroupMembers(ctx, group.ID)
		if err != nil || len(members) != 1 || members[0].Login != user.Login || members[0].Status != "ACTIVE" {
			t.Fatalf("members of %s = %+v (%v), want %s, active", group.Name, members, err, user.Login)
		}
		var psID string
		psName, psID = CreatePermissionSet(t, sf, "fixture", nil)
		_, roleID = CreateRole(t, sf, "fixture", "")
		sfUserID = CreateSalesforceUser(t, sf, user, StandardProfile, map[string]any{"UserRoleId": roleID})
		AssignPermissionSet(t, sf, psID, sfUserID)
		users, err := sf.UsersByFederationID(ctx, []string{user.Login})
		if err != nil || users[user.Login].ID != sfUserID {
			t.Fatalf("Salesforce user of %s = %+v (%v), want %s", user.Login, users, err, sfUserID)
		}
	})
	if _, err := oc.GetGroup(ctx, group.ID); !errors.Is(err, okta.ErrNotFound) {
		t.Errorf("Okta group %s after cleanup: %v, want not found", group.Name, err)
	}
	if _, err := oc.Raw(ctx, "GET", "/api/v1/users/"+user.ID, nil, nil); !errors.Is(err, okta.ErrNotFound) {
		t.Errorf("Okta user %s after cleanup: %v, want not found", user.Login, err)
	}
	var rows []struct {
		IsActive   bool    `json:"IsActive"`
		UserRoleID *string `json:"UserRoleId"`
	}
	if err := sf.Query(ctx, "SELECT IsActive, UserRoleId FROM User WHERE Id = '"+sfUserID+"'", &rows); err != nil || len(rows) != 1 || rows[0].IsActive || rows[0].UserRoleID != nil {
		t.Errorf("Salesforce user after cleanup = %+v (%v), want it inactive without the role", rows, err)
	}
	var left []struct{ Name string }
	if err := sf.Query(ctx, "SELECT Name FROM PermissionSet WHERE Name = '"+psName+"'", &left); err != nil || len(left) != 0 {
		t.Errorf("permission set %s after cleanup: %v (%v), want it deleted", psName, left, err)
	}
	if err := sf.Query(ctx, "SELECT Name FROM UserRole WHERE Id = '"+roleID+"'", &left); err != nil || len(left) != 0 {
		t.Errorf("role %s after cleanup: %v (%v), want it deleted", roleID, left, err)
	}
}
