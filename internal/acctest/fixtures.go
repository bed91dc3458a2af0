package acctest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// Fixtures: the Okta and Salesforce objects a test needs, created through the real clients (so that they
// work against a live org as against the sandbox) under random names, and removed when the test ends.
//
// What a live run needs of its orgs: an Okta token (or service app) that may manage users, groups and apps; a
// Salesforce API user without a Federation ID that may create users, roles, permission sets and permission
// set groups; free Salesforce licenses for the users the tests create (Salesforce users cannot be deleted:
// they are deactivated, which frees the license); and, for TestAccPermissionSetBinding_partialFailure only,
// a profile on the Salesforce Platform license.

// Profiles every Salesforce org has. The REST API cannot create profiles, so tests name these.
const (
	StandardProfile = "Standard User"
	AdminProfile    = "System Administrator"
)

// OktaUser is an Okta user a test created; its login is also its email and the Federation ID tests give its
// Salesforce user.
type OktaUser struct {
	ID, Login, Email, FirstName, LastName string
}

// OktaGroup is an Okta group a test created.
type OktaGroup struct {
	ID, Name string
}

// CreateOktaUser creates an active Okta user, login tf-acc-<what>-<n>@example.com, deleted when the test ends.
func CreateOktaUser(t *testing.T, c *okta.Client, what string) OktaUser {
	t.Helper()
	login := RandomName(what) + "@example.com"
	return CreateOktaUserWithProfile(t, c, map[string]any{"login": login, "email": login, "firstName": "Tf" + what, "lastName": "Acc"})
}

// CreateOktaUserWithProfile creates an active Okta user with the profile given (login, email, firstName and
// lastName at least), deleted when the test ends. A password makes the user ACTIVE at once, as in a real org.
func CreateOktaUserWithProfile(t *testing.T, c *okta.Client, profile map[string]any) OktaUser {
	t.Helper()
	ctx := context.Background()
	body := map[string]any{"profile": profile, "credentials": map[string]any{"password": map[string]any{"value": randomPassword()}}}
	var created struct {
		ID      string         `json:"id"`
		Status  string         `json:"status"`
		Profile map[string]any `json:"profile"`
	}
	if _, err := c.Raw(ctx, http.MethodPost, "/api/v1/users?activate=true", body, &created); err != nil {
		t.Fatalf("create Okta user %v: %v", profile["login"], err)
	}
	t.Cleanup(func() { deleteOktaUser(t, c, created.ID) })
	u := OktaUser{ID: created.ID}
	u.Login, _ = created.Profile["login"].(string)
	u.Email, _ = created.Profile["email"].(string)
	u.FirstName, _ = created.Profile["firstName"].(string)
	u.LastName, _ = created.Profile["lastName"].(string)
	return u
}

// deleteOktaUser deactivates, then deletes, as Okta requires; a user already gone is fine.
func deleteOktaUser(t *testing.T, c *okta.Client, id string) {
	t.Helper()
	for range 2 {
		if _, err := c.Raw(context.Background(), http.MethodDelete, "/api/v1/users/"+id, nil, nil); err != nil {
			if !IsNotFound(err) {
				t.Errorf("clean up Okta user %s: %v", id, err)
			}
			return
		}
	}
}

// CreateOktaGroup creates an Okta group, name tf-acc-<what>-<n>, with members, deleted when the test ends.
func CreateOktaGroup(t *testing.T, c *okta.Client, what, description string, members ...OktaUser) OktaGroup {
	t.Helper()
	name := RandomName(what)
	var created struct {
		ID string `json:"id"`
	}
	body := map[string]any{"profile": map[string]any{"name": name, "description": description}}
	if _, err := c.Raw(context.Background(), http.MethodPost, "/api/v1/groups", body, &created); err != nil {
		t.Fatalf("create Okta group %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := c.Raw(context.Background(), http.MethodDelete, "/api/v1/groups/"+created.ID, nil, nil); err != nil && !IsNotFound(err) {
			t.Errorf("clean up Okta group %s: %v", name, err)
		}
	})
	g := OktaGroup{ID: created.ID, Name: name}
	for _, u := range members {
		AddOktaGroupMember(t, c, g, u)
	}
	return g
}

// AddOktaGroupMember adds u to g, as an admin would.
func AddOktaGroupMember(t *testing.T, c *okta.Client, g OktaGroup, u OktaUser) {
	t.Helper()
	if _, err := c.Raw(context.Background(), http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+u.ID, nil, nil); err != nil {
		t.Fatalf("add %s to %s: %v", u.Login, g.Name, err)
	}
}

// RemoveOktaGroupMember removes u from g, as an admin would.
func RemoveOktaGroupMember(t *testing.T, c *okta.Client, g OktaGroup, u OktaUser) {
	t.Helper()
	if _, err := c.Raw(context.Background(), http.MethodDelete, "/api/v1/groups/"+g.ID+"/users/"+u.ID, nil, nil); err != nil {
		t.Fatalf("remove %s from %s: %v", u.Login, g.Name, err)
	}
}

// ProfileID finds a Salesforce profile's ID by name.
func ProfileID(t *testing.T, sf *salesforce.Client, name string) string {
	t.Helper()
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(context.Background(), "SELECT Id FROM Profile WHERE Name = "+salesforce.Quote(name), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("find the Salesforce profile %s: %v (%d rows)", name, err, len(rows))
	}
	return rows[0].ID
}

// CreateSalesforceUser creates an active Salesforce user for u (Federation ID u.Login, username u.Login
// with a suffix of the org's alias) with profile and any extra fields, and returns its ID. Salesforce users
// cannot be deleted: the user is deactivated when the test ends.
func CreateSalesforceUser(t *testing.T, sf *salesforce.Client, u OktaUser, profile string, extra map[string]any) string {
	t.Helper()
	rec := map[string]any{
		"Username": u.Login + "." + sf.Alias(), "Email": u.Email, "FirstName": u.FirstName, "LastName": u.LastName,
		"Alias": alias(u.Login), "FederationIdentifier": u.Login, "ProfileId": ProfileID(t, sf, profile),
		"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
	}
	for k, v := range extra {
		if v == nil {
			delete(rec, k)
		} else {
			rec[k] = v
		}
	}
	res, err := sf.InsertCollection(context.Background(), "User", []map[string]any{rec})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("create the Salesforce user %v: %v", rec["Username"], err)
	}
	id := res[0].ID
	t.Cleanup(func() { deactivateSalesforceUsers(t, sf, []string{id}) })
	return id
}

// DeactivateProvisionedUsersAtCleanup deactivates, when the test ends, the Salesforce users that hold the
// Federation IDs given: those Terraform provisioned, which no destroy deactivates.
func DeactivateProvisionedUsersAtCleanup(t *testing.T, sf *salesforce.Client, federationIDs ...string) {
	t.Helper()
	t.Cleanup(func() {
		users, err := sf.UsersByFederationID(context.Background(), federationIDs)
		if err != nil {
			t.Errorf("find the provisioned Salesforce users to deactivate: %v", err)
			return
		}
		var ids []string
		for _, u := range users {
			if u.ID != "" {
				ids = append(ids, u.ID)
			}
		}
		deactivateSalesforceUsers(t, sf, ids)
	})
}

func deactivateSalesforceUsers(t *testing.T, sf *salesforce.Client, ids []string) {
	t.Helper()
	if len(ids) == 0 {
		return
	}
	recs := make([]map[string]any, len(ids))
	for i, id := range ids {
		recs[i] = map[string]any{"Id": id, "IsActive": false}
	}
	res, err := sf.UpdateCollection(context.Background(), "User", recs)
	if err != nil {
		t.Errorf("deactivate Salesforce users %v: %v", ids, err)
		return
	}
	for i, r := range res {
		if r.Err() != nil {
			t.Errorf("deactivate Salesforce user %s: %v", ids[i], r.Err())
		}
	}
}

// CreatePermissionSet creates a Salesforce permission set, API name tf_acc_<what>_<n> unless extra names
// one, with any extra fields (LicenseId, for example), and returns its name and ID. It is deleted,
// assignments first, when the test ends.
func CreatePermissionSet(t *testing.T, sf *salesforce.Client, what string, extra map[string]any) (name, id string) {
	t.Helper()
	rec := map[string]any{"Name": RandomDeveloperName(what)}
	for k, v := range extra {
		rec[k] = v
	}
	name, _ = rec["Name"].(string)
	if rec["Label"] == nil {
		rec["Label"] = strings.ReplaceAll(name, "_", " ")
	}
	id = insertOne(t, sf, "PermissionSet", rec)
	t.Cleanup(func() {
		removeAssignmentsWhere(t, sf, "PermissionSetId = "+salesforce.Quote(id))
		deleteOne(t, sf, "PermissionSet", id)
	})
	return name, id
}

// CreatePermissionSetGroup creates a permission set group, API name tf_acc_<what>_<n>, holding the permission
// sets given, and returns its name and ID. It is deleted, assignments first, when the test ends.
func CreatePermissionSetGroup(t *testing.T, sf *salesforce.Client, what string, permissionSetIDs ...string) (name, id string) {
	t.Helper()
	name = RandomDeveloperName(what)
	id = insertOne(t, sf, "PermissionSetGroup", map[string]any{"DeveloperName": name, "MasterLabel": strings.ReplaceAll(name, "_", " ")})
	t.Cleanup(func() {
		removeAssignmentsWhere(t, sf, "PermissionSetGroupId = "+salesforce.Quote(id))
		deleteOne(t, sf, "PermissionSetGroup", id)
	})
	for _, ps := range permissionSetIDs {
		insertOne(t, sf, "PermissionSetGroupComponent", map[string]any{"PermissionSetGroupId": id, "PermissionSetId": ps})
	}
	return name, id
}

// CreateRole creates a Salesforce role, named tf-acc-<what>-<n>, under parentID (none when empty), and
// returns its name and ID. When the test ends its users lose it and it is deleted.
func CreateRole(t *testing.T, sf *salesforce.Client, what, parentID string) (name, id string) {
	t.Helper()
	name = RandomName(what)
	rec := map[string]any{"Name": name, "DeveloperName": RandomDeveloperName(what)}
	if parentID != "" {
		rec["ParentRoleId"] = parentID
	}
	id = insertOne(t, sf, "UserRole", rec)
	t.Cleanup(func() {
		var users []struct {
			ID string `json:"Id"`
		}
		if err := sf.Query(context.Background(), "SELECT Id FROM User WHERE UserRoleId = "+salesforce.Quote(id), &users); err != nil {
			t.Errorf("find the users of role %s: %v", name, err)
		}
		if len(users) > 0 {
			recs := make([]map[string]any, len(users))
			for i, u := range users {
				recs[i] = map[string]any{"Id": u.ID, "UserRoleId": nil}
			}
			if _, err := sf.UpdateCollection(context.Background(), "User", recs); err != nil {
				t.Errorf("take role %s from its users: %v", name, err)
			}
		}
		deleteOne(t, sf, "UserRole", id)
	})
	return name, id
}

// AssignPermissionSet assigns a permission set to a Salesforce user by hand, as an admin would.
func AssignPermissionSet(t *testing.T, sf *salesforce.Client, permissionSetID, userID string) {
	t.Helper()
	insertOne(t, sf, "PermissionSetAssignment", map[string]any{"PermissionSetId": permissionSetID, "AssigneeId": userID})
}

func insertOne(t *testing.T, sf *salesforce.Client, sobject string, rec map[string]any) string {
	t.Helper()
	res, err := sf.InsertCollection(context.Background(), sobject, []map[string]any{rec})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("create %s %v: %v", sobject, rec, err)
	}
	return res[0].ID
}

// deleteOne deletes a record at cleanup; one the test deleted already is fine.
func deleteOne(t *testing.T, sf *salesforce.Client, sobject, id string) {
	t.Helper()
	res, err := sf.DeleteCollection(context.Background(), sobject, []string{id})
	if err == nil && len(res) == 1 {
		err = res[0].Err()
	}
	if err == nil || IsNotFound(err) {
		return
	}
	// Salesforce answers a delete of a missing ID with INVALID_CROSS_REFERENCE_KEY or ENTITY_IS_DELETED:
	// ask whether the record is there before calling the cleanup failed.
	var rows []struct {
		ID string `json:"Id"`
	}
	if qerr := sf.Query(context.Background(), "SELECT Id FROM "+sobject+" WHERE Id = "+salesforce.Quote(id), &rows); qerr == nil && len(rows) == 0 {
		return
	}
	t.Errorf("clean up %s %s: %v", sobject, id, err)
}

func removeAssignmentsWhere(t *testing.T, sf *salesforce.Client, where string) {
	t.Helper()
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := sf.Query(context.Background(), "SELECT Id FROM PermissionSetAssignment WHERE "+where, &rows); err != nil {
		t.Errorf("find assignments (%s): %v", where, err)
		return
	}
	for _, r := range rows {
		deleteOne(t, sf, "PermissionSetAssignment", r.ID)
	}
}

// alias is the 8-character Salesforce alias of a login.
func alias(login string) string {
	a := strings.NewReplacer("-", "", ".", "", "@", "").Replace(login)
	a = strings.TrimPrefix(a, "tfacc")
	return a[:min(len(a), 8)]
}

// randomPassword meets common Okta password policies: length, both cases, a digit, a symbol, and no part of
// the login or name (its letters leave out those of "tf", "acc", "example" and "com").
func randomPassword() string {
	const letters = "bdghjknqrsuvwyz"
	var b strings.Builder
	b.WriteString("Pw")
	for range 12 {
		b.WriteByte(letters[rand.IntN(len(letters))])
	}
	fmt.Fprintf(&b, "%d!Q", rand.IntN(90)+10)
	return b.String()
}
