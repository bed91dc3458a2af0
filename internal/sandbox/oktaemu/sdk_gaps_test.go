package oktaemu

// Contract tests, through okta-sdk-golang v2 where it has the call and raw HTTP otherwise, for the gaps issue 14
// measured: /users/me, a group's apps and owners, updating an app user, OIDC and bookmark apps, eq on an array
// attribute and PUT of a user's credentials only. Every response is validated against the Management API
// description at cleanup (newTestOrg).

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func TestSDKCurrentUser(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	ctx := context.Background()
	me, _, err := org.client(t).User.GetUser(ctx, "me")
	if err != nil {
		t.Fatalf("GET /users/me with the API token: %v", err)
	}
	adminID := org.srv.st.Org.AdminUserID
	if me.Id != adminID || me.Status != "ACTIVE" || (*me.Profile)["login"] != "admin@oktasf-sandbox.example" {
		t.Errorf("/users/me = %s %s %v, want the token's admin %s, ACTIVE", me.Id, me.Status, (*me.Profile)["login"], adminID)
	}
	// The admin's self link is served too.
	self, _, err := org.client(t).User.GetUser(ctx, adminID)
	if err != nil || self.Id != adminID {
		t.Errorf("GET the admin by id: %v", err)
	}
	// A service app token is linked to no user.
	_, resp, err := org.privateKeyClient(t, []string{"okta.users.read"}).User.GetUser(ctx, "me")
	if e := oktaErr(t, err); resp.StatusCode != http.StatusNotFound || e.ErrorCode != "E0000007" {
		t.Errorf("/users/me with a service app token: %d %s, want 404 E0000007", resp.StatusCode, e.ErrorCode)
	}
}

func TestSDKGroupAppsAndOwners(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	g, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "Sales"}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, label := range []string{"First", "Second", "Third"} {
		app := createSAMLApp(t, c, label)
		if label == "Second" {
			continue // not assigned
		}
		if _, _, err := c.Application.CreateApplicationGroupAssignment(ctx, app.Id, g.Id, okta.ApplicationGroupAssignment{}); err != nil {
			t.Fatal(err)
		}
		want = append(want, app.Id)
	}
	// Paged by one: the SDK follows the next links.
	apps, resp, err := c.Group.ListAssignedApplicationsForGroup(ctx, g.Id, &query.Params{Limit: 1})
	if err != nil {
		t.Fatalf("GET /groups/{id}/apps: %v", err)
	}
	for resp.HasNextPage() {
		var more []*okta.Application
		if resp, err = resp.Next(ctx, &more); err != nil {
			t.Fatal(err)
		}
		for _, a := range more {
			apps = append(apps, a)
		}
	}
	var got []string
	for _, a := range apps {
		got = append(got, a.(*okta.Application).Id)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("apps of the group %v, want the two assigned %v", got, want)
	}
	// Owners: the SDK v2 has no call; the seed has none, and Okta answers an empty list.
	var owners []map[string]any
	r := org.do(t, http.MethodGet, "/api/v1/groups/"+g.Id+"/owners", "")
	decodeJSON(t, r, &owners)
	if r.StatusCode != http.StatusOK || len(owners) != 0 {
		t.Errorf("GET /groups/{id}/owners: %d %v, want 200 []", r.StatusCode, owners)
	}
	if r := org.do(t, http.MethodGet, "/api/v1/groups/00gnosuchgroup/apps", ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("apps of an unknown group: %d, want 404", r.StatusCode)
	}
}

func TestSDKUpdateAppUser(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: []SeedUser{{Login: "ann@example.com", Email: "ann@example.com", FirstName: "Ann", LastName: "Lee"}}}))
	c := org.client(t)
	ctx := context.Background()
	app := createSAMLApp(t, c, "Update target")
	users, _, err := c.User.ListUsers(ctx, nil)
	if err != nil || len(users) != 1 {
		t.Fatalf("users: %v", err)
	}
	uid := users[0].Id
	if _, _, err := c.Application.AssignUserToApplication(ctx, app.Id, okta.AppUser{Id: uid, Scope: "USER",
		Credentials: &okta.AppUserCredentials{UserName: "ann"}}); err != nil {
		t.Fatal(err)
	}
	updated, _, err := c.Application.UpdateApplicationUser(ctx, app.Id, uid, okta.AppUser{
		Credentials: &okta.AppUserCredentials{UserName: "ann.lee"}})
	if err != nil {
		t.Fatalf("POST /apps/{id}/users/{uid}: %v", err)
	}
	if updated.Credentials.UserName != "ann.lee" || updated.Scope != "USER" {
		t.Errorf("updated app user %+v, want userName ann.lee, scope USER", updated.Credentials)
	}
	read, _, err := c.Application.GetApplicationUser(ctx, app.Id, uid, nil)
	if err != nil || read.Credentials.UserName != "ann.lee" {
		t.Errorf("read back: %v %+v", err, read)
	}
	// The SDK always sends "userName":"", which keeps the current one.
	if kept, _, err := c.Application.UpdateApplicationUser(ctx, app.Id, uid, okta.AppUser{Credentials: &okta.AppUserCredentials{}}); err != nil {
		t.Errorf("update with an empty userName: %v", err)
	} else if kept.Credentials.UserName != "ann.lee" {
		t.Errorf("update with an empty userName changed it to %q", kept.Credentials.UserName)
	}
	// An unknown app-user profile property is refused as on assignment.
	r := org.do(t, http.MethodPost, "/api/v1/apps/"+app.Id+"/users/"+uid, `{"profile":{"noSuchProperty":"x"}}`)
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown profile property: %d, want 400", r.StatusCode)
	}
	if r := org.do(t, http.MethodPost, "/api/v1/apps/"+app.Id+"/users/00unosuchuser", `{"credentials":{"userName":"x"}}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("update of a user who is not an app user: %d, want 404", r.StatusCode)
	}

	// A user the app reaches through a group becomes a direct (USER) app user when updated.
	other := createSAMLApp(t, c, "Through a group")
	g, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "Readers"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Group.AddUserToGroup(ctx, g.Id, uid); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Application.CreateApplicationGroupAssignment(ctx, other.Id, g.Id, okta.ApplicationGroupAssignment{}); err != nil {
		t.Fatal(err)
	}
	viaGroup, _, err := c.Application.GetApplicationUser(ctx, other.Id, uid, nil)
	if err != nil || viaGroup.Scope != "GROUP" {
		t.Fatalf("app user through the group: %v %+v", err, viaGroup)
	}
	converted, _, err := c.Application.UpdateApplicationUser(ctx, other.Id, uid, okta.AppUser{Credentials: &okta.AppUserCredentials{UserName: "reader.ann"}})
	if err != nil {
		t.Fatalf("update of a group-scoped app user: %v", err)
	}
	if converted.Scope != "USER" || converted.Credentials.UserName != "reader.ann" {
		t.Errorf("update of a group-scoped app user: scope %s, userName %s, want USER, reader.ann", converted.Scope, converted.Credentials.UserName)
	}
}

func newOIDCApp(label string) *okta.OpenIdConnectApplication {
	app := okta.NewOpenIdConnectApplication()
	app.Label = label
	code, implicit := okta.OAuthGrantType("authorization_code"), okta.OAuthGrantType("implicit")
	codeRT, tokenRT := okta.OAuthResponseType("code"), okta.OAuthResponseType("token")
	app.Credentials = &okta.OAuthApplicationCredentials{OauthClient: &okta.ApplicationCredentialsOAuthClient{TokenEndpointAuthMethod: "client_secret_basic"}}
	app.Settings = &okta.OpenIdConnectApplicationSettings{OauthClient: &okta.OpenIdConnectApplicationSettingsClient{
		ApplicationType: "web", RedirectUris: []string{"https://app.example.com/callback"},
		GrantTypes: []*okta.OAuthGrantType{&code, &implicit}, ResponseTypes: []*okta.OAuthResponseType{&codeRT, &tokenRT}}}
	return app
}

func TestSDKOIDCAndBookmarkApps(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()

	created, _, err := c.Application.CreateApplication(ctx, newOIDCApp("Portal"), nil)
	if err != nil {
		t.Fatalf("create OIDC app: %v", err)
	}
	oidc := created.(*okta.OpenIdConnectApplication)
	client := oidc.Credentials.OauthClient
	if oidc.Name != "oidc_client" || client.ClientId != oidc.Id || len(client.ClientSecret) < 40 ||
		oidc.Settings.OauthClient.RedirectUris[0] != "https://app.example.com/callback" {
		t.Fatalf("OIDC app %+v, client %+v", oidc, client)
	}
	oidc.Label = "Portal (renamed)"
	oidc.Settings.OauthClient.RedirectUris = []string{"https://app.example.com/cb2"}
	replaced, _, err := c.Application.UpdateApplication(ctx, oidc.Id, oidc)
	if err != nil {
		t.Fatalf("replace OIDC app: %v", err)
	}
	r := replaced.(*okta.OpenIdConnectApplication)
	if r.Label != "Portal (renamed)" || r.Settings.OauthClient.RedirectUris[0] != "https://app.example.com/cb2" || r.Credentials.OauthClient.ClientId != oidc.Id {
		t.Errorf("replaced OIDC app: label %q, redirect %v, client_id %q", r.Label, r.Settings.OauthClient.RedirectUris, r.Credentials.OauthClient.ClientId)
	}
	// Only the create answer shows the secret (as recorded); the replace kept it, as the secrets list shows.
	var read map[string]any
	decodeJSON(t, org.do(t, http.MethodGet, "/api/v1/apps/"+oidc.Id, ""), &read)
	if _, shown := obj(obj(read["credentials"])["oauthClient"])["client_secret"]; shown {
		t.Errorf("a read of the OIDC app shows the client secret")
	}
	var secrets []map[string]any
	decodeJSON(t, org.do(t, http.MethodGet, "/api/v1/apps/"+oidc.Id+"/credentials/secrets", ""), &secrets)
	if len(secrets) != 1 || secrets[0]["client_secret"] != client.ClientSecret || secrets[0]["status"] != "ACTIVE" {
		t.Errorf("client secrets %v", secrets)
	}

	bm := okta.NewBookmarkApplication()
	bm.Label = "Wiki"
	bm.Settings = &okta.BookmarkApplicationSettings{App: &okta.BookmarkApplicationSettingsApplication{Url: "https://wiki.example.com/"}}
	createdBM, _, err := c.Application.CreateApplication(ctx, bm, nil)
	if err != nil {
		t.Fatalf("create bookmark app: %v", err)
	}
	bmID := createdBM.(*okta.BookmarkApplication).Id
	readBM, _, err := c.Application.GetApplication(ctx, bmID, okta.NewBookmarkApplication(), nil)
	if err != nil || readBM.(*okta.BookmarkApplication).Settings.App.Url != "https://wiki.example.com/" || readBM.(*okta.BookmarkApplication).SignOnMode != "BOOKMARK" {
		t.Fatalf("read bookmark app: %v", err)
	}
	noURL := okta.NewBookmarkApplication()
	noURL.Label = "No URL"
	if _, resp, err := c.Application.CreateApplication(ctx, noURL, nil); oktaErr(t, err).ErrorCode != "E0000001" || resp.StatusCode != 400 {
		t.Errorf("bookmark without url: %v", err)
	}
	wrongMode := okta.NewBookmarkApplication()
	wrongMode.Label, wrongMode.SignOnMode = "Wrong", "SAML_2_0"
	wrongMode.Settings = bm.Settings
	if _, _, err := c.Application.CreateApplication(ctx, wrongMode, nil); oktaErr(t, err).ErrorCode != "E0000001" {
		t.Errorf("bookmark with signOnMode SAML_2_0 accepted")
	}

	for _, id := range []string{oidc.Id, bmID} {
		if _, err := c.Application.DeactivateApplication(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Application.DeleteApplication(ctx, id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
		if _, resp, _ := c.Application.GetApplication(ctx, id, okta.NewApplication(), nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleted app %s still answers %d", id, resp.StatusCode)
		}
	}
}

func TestSearchEqOnArrayAttribute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		search string
		want   int
	}{
		{`profile.tags eq "blue"`, 2},
		{`profile.tags eq "red"`, 1},
		{`profile.tags eq "green"`, 0},
		{`profile.tags sw "bl"`, 2},
		{`profile.tags ne "red"`, 2}, // no element equals red: the two users without red (one has no tags)
		{`profile.tags pr`, 2},
	}
	org := newTestOrg(t, withSeed(Seed{UserSchema: map[string]any{"tags": map[string]any{"title": "Tags", "type": "array", "items": map[string]any{"type": "string"}}}, Users: []SeedUser{
		{Login: "a@example.com", Email: "a@example.com", FirstName: "A", LastName: "A", Profile: map[string]any{"tags": []any{"red", "blue"}}},
		{Login: "b@example.com", Email: "b@example.com", FirstName: "B", LastName: "B", Profile: map[string]any{"tags": []any{"blue"}}},
		{Login: "c@example.com", Email: "c@example.com", FirstName: "C", LastName: "C"},
	}}))
	c := org.client(t)
	for _, tt := range tests {
		users, _, err := c.User.ListUsers(context.Background(), &query.Params{Search: tt.search})
		if err != nil {
			t.Fatalf("%s: %v", tt.search, err)
		}
		if len(users) != tt.want {
			t.Errorf("search %s found %d users, want %d", tt.search, len(users), tt.want)
		}
	}
}

func TestSDKReplaceUserCredentialsOnly(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, withSeed(Seed{Users: []SeedUser{{Login: "ann@example.com", Email: "ann@example.com", FirstName: "Ann", LastName: "Lee",
		Profile: map[string]any{"department": "Sales"}}}}))
	c := org.client(t)
	ctx := context.Background()
	users, _, err := c.User.ListUsers(ctx, nil)
	if err != nil || len(users) != 1 {
		t.Fatalf("users: %v", err)
	}
	u := users[0]
	var before time.Time
	if u.PasswordChanged != nil {
		before = *u.PasswordChanged
	}
	replaced, _, err := c.User.UpdateUser(ctx, u.Id, okta.User{Credentials: &okta.UserCredentials{Password: &okta.PasswordCredential{Value: "N3w-Passw0rd!"}}}, nil)
	if err != nil {
		t.Fatalf("PUT with credentials only: %v", err)
	}
	p := *replaced.Profile
	if p["login"] != "ann@example.com" || p["department"] != "Sales" || replaced.PasswordChanged == nil || !replaced.PasswordChanged.After(before) {
		t.Errorf("after PUT of credentials only: profile %v, passwordChanged %v (was %v)", p, replaced.PasswordChanged, before)
	}
	// A PUT with a profile still replaces it whole.
	r := org.do(t, http.MethodPut, "/api/v1/users/"+u.Id, `{"profile":{"login":"ann@example.com","email":"ann@example.com","firstName":"Ann","lastName":"Lee"}}`)
	var got map[string]any
	decodeJSON(t, r, &got)
	if _, kept := got["profile"].(map[string]any)["department"]; r.StatusCode != 200 || kept {
		t.Errorf("PUT with a profile: %d, department kept %v", r.StatusCode, kept)
	}
}

// The credential operations every user's _links advertise (resetPassword, expirePassword, resetFactors).
func TestSDKUserCredentialLifecycle(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	u, _, err := c.User.CreateUser(ctx, newUserRequest("cred@example.com", "Init1al-Passw0rd"), nil)
	if err != nil || u.Status != "ACTIVE" {
		t.Fatalf("create: %v", err)
	}
	if _, err := c.User.ResetFactors(ctx, u.Id); err != nil {
		t.Errorf("reset_factors: %v", err)
	}
	expired, _, err := c.User.ExpirePassword(ctx, u.Id)
	if err != nil || expired.Status != "PASSWORD_EXPIRED" {
		t.Fatalf("expire_password: %v", err)
	}
	temp, _, err := c.User.ExpirePasswordAndGetTemporaryPassword(ctx, u.Id)
	if err != nil || len(temp.TempPassword) < 8 {
		t.Fatalf("expire_password?tempPassword=true: %v %+v", err, temp)
	}
	reset, _, err := c.User.ResetPassword(ctx, u.Id, &query.Params{SendEmail: boolPtr(false)})
	if err != nil || !strings.HasPrefix(reset.ResetPasswordUrl, org.http.URL+"/") {
		t.Fatalf("reset_password?sendEmail=false: %v %+v", err, reset)
	}
	read, _, err := c.User.GetUser(ctx, u.Id)
	if err != nil {
		t.Fatal(err)
	}
	if read.Status != "RECOVERY" {
		t.Errorf("after reset_password: status %s, want RECOVERY", read.Status)
	}
	// DEPROVISIONED users have no credential operations.
	if _, err := c.User.DeactivateUser(ctx, u.Id, nil); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := c.User.ExpirePassword(ctx, u.Id); oktaErr(t, err).ErrorCode != "E0000038" || resp.StatusCode != http.StatusForbidden {
		t.Errorf("expire_password of a DEPROVISIONED user: %v", err)
	}
}
