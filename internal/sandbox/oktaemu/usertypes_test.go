package oktaemu

import (
	"context"
	"net/http"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

// TestUserTypesCRUD drives the user type operations of the OpenAPI (createUserType … deleteUserType) through
// okta-sdk-golang: a created type is listed after the default one, updates touch only displayName and
// description, its name cannot change, and the default type cannot be deleted.
func TestUserTypesCRUD(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()

	created, _, err := c.UserType.CreateUserType(ctx, okta.UserType{Name: "contractor", DisplayName: "Contractor", Description: "Contract staff"})
	if err != nil {
		t.Fatal(err)
	}
	if created.Id == "" || created.Name != "contractor" || created.Default == nil || *created.Default || created.CreatedBy == "" {
		t.Fatalf("created %+v", created)
	}
	if got := created.Links.(map[string]any)["schema"]; got == nil {
		t.Errorf("created type has no schema link: %v", created.Links)
	}
	list, _, err := c.UserType.ListUserTypes(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "user" || list[1].Id != created.Id {
		t.Fatalf("list after create: %v %v", list, err)
	}

	updated, _, err := c.UserType.UpdateUserType(ctx, created.Id, okta.UserType{DisplayName: "Contractors"})
	if err != nil || updated.DisplayName != "Contractors" || updated.Description != "Contract staff" {
		t.Fatalf("partial update: %+v %v", updated, err)
	}
	replaced, _, err := c.UserType.ReplaceUserType(ctx, created.Id, okta.UserType{Name: "contractor", DisplayName: "Vendors", Description: "Vendor staff"})
	if err != nil || replaced.DisplayName != "Vendors" || replaced.Description != "Vendor staff" {
		t.Fatalf("replace: %+v %v", replaced, err)
	}
	if _, _, err := c.UserType.ReplaceUserType(ctx, created.Id, okta.UserType{Name: "vendor", DisplayName: "Vendors", Description: "x"}); oktaErr(t, err).ErrorCode != "E0000001" {
		t.Errorf("renaming a type: %v", err)
	}
	got, _, err := c.UserType.GetUserType(ctx, created.Id)
	if err != nil || got.Name != "contractor" || got.DisplayName != "Vendors" {
		t.Fatalf("read back: %+v %v", got, err)
	}

	if _, _, err := c.UserType.CreateUserType(ctx, okta.UserType{Name: "contractor", DisplayName: "Again"}); oktaErr(t, err).ErrorCode != "E0000001" {
		t.Errorf("duplicate name: %v", err)
	}
	if _, _, err := c.UserType.CreateUserType(ctx, okta.UserType{Name: "9lives", DisplayName: "Cats"}); oktaErr(t, err).ErrorCode != "E0000001" {
		t.Errorf("name starting with a digit: %v", err)
	}
	if _, _, err := c.UserType.CreateUserType(ctx, okta.UserType{Name: "nodisplay"}); oktaErr(t, err).ErrorCode != "E0000001" {
		t.Errorf("missing displayName: %v", err)
	}

	for _, id := range []string{"default", org.srv.st.Org.UserTypeID} {
		if resp, err := c.UserType.DeleteUserType(ctx, id); err == nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("deleting the default type %s: %v", id, err)
		}
	}
	if _, err := c.UserType.DeleteUserType(ctx, created.Id); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := c.UserType.GetUserType(ctx, created.Id); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("read after delete: %v", err)
	}
	if list, _, _ := c.UserType.ListUserTypes(ctx); len(list) != 1 {
		t.Errorf("list after delete has %d types", len(list))
	}
}

// TestUserTypesLimit: an org has the default type and at most nine more.
func TestUserTypesLimit(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	for i := 0; i < maxUserTypes; i++ {
		if resp := org.do(t, "POST", "/api/v1/meta/types/user", `{"name":"t`+string(rune('a'+i))+`","displayName":"T"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("type %d: %d", i, resp.StatusCode)
		}
	}
	if resp := org.do(t, "POST", "/api/v1/meta/types/user", `{"name":"tenth","displayName":"T"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a tenth added type: %d", resp.StatusCode)
	}
}
