package oktaemu

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func newUserRequest(login string, password string) okta.CreateUserRequest {
	p := okta.UserProfile{"login": login, "email": login, "firstName": "Ada", "lastName": "Lovelace", "department": "R&D"}
	req := okta.CreateUserRequest{Profile: &p}
	if password != "" {
		req.Credentials = &okta.UserCredentials{Password: &okta.PasswordCredential{Value: password}}
	}
	return req
}

func TestSDKUserCreateStatuses(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	f := false
	tests := []struct {
		name     string
		password string
		qp       *query.Params
		want     string
	}{
		{"without password is PROVISIONED", "", nil, "PROVISIONED"},
		{"with password is ACTIVE", "Sup3r-secret!", nil, "ACTIVE"},
		{"activate=false is STAGED", "", &query.Params{Activate: &f}, "STAGED"},
		{"nextLogin=changePassword expires the password", "Sup3r-secret!", &query.Params{NextLogin: "changePassword"}, "PASSWORD_EXPIRED"},
	}
	for i, tt := range tests {
		u, resp, err := c.User.CreateUser(ctx, newUserRequest(fmt.Sprintf("u%d@example.com", i), tt.password), tt.qp)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if u.Status != tt.want || resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %s (HTTP %d), want %s", tt.name, u.Status, resp.StatusCode, tt.want)
		}
		if len(u.Id) != 20 || !strings.HasPrefix(u.Id, "00u") {
			t.Errorf("%s: id %q is not a 20-char 00u id", tt.name, u.Id)
		}
		if (tt.want == "STAGED") != (u.Activated == nil) {
			t.Errorf("%s: activated = %v", tt.name, u.Activated)
		}
		if (*u.Profile)["department"] != "R&D" || (*u.Profile)["mobilePhone"] != nil {
			t.Errorf("%s: profile %v", tt.name, *u.Profile)
		}
	}
	_, _, err := c.User.CreateUser(ctx, newUserRequest("U0@EXAMPLE.com", ""), nil)
	e := oktaErr(t, err)
	if e.ErrorCode != "E0000001" || len(e.ErrorCauses) != 1 ||
		e.ErrorCauses[0]["errorSummary"] != "login: An object with this field already exists in the current organization" {
		t.Errorf("duplicate login error = %+v", e)
	}
}

func TestSDKUserReadUpdate(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	u, _, err := c.User.CreateUser(ctx, newUserRequest("grace@example.com", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	byLogin, _, err := c.User.GetUser(ctx, "GRACE@example.com")
	if err != nil || byLogin.Id != u.Id {
		t.Fatalf("get by login = %v, %v", byLogin, err)
	}
	partial := okta.User{Profile: &okta.UserProfile{"title": "Admiral"}}
	got, _, err := c.User.PartialUpdateUser(ctx, u.Id, partial, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := *got.Profile; p["title"] != "Admiral" || p["department"] != "R&D" {
		t.Errorf("partial update kept %v", p)
	}
	full := okta.User{Profile: &okta.UserProfile{"login": "grace@example.com", "email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"}}
	got, _, err = c.User.UpdateUser(ctx, u.Id, full, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := *got.Profile; p["title"] != nil || p["department"] != nil || p["firstName"] != "Grace" {
		t.Errorf("replace should drop unspecified attributes: %v", p)
	}
	bad := okta.User{Profile: &okta.UserProfile{"login": "grace@example.com"}}
	_, resp, err := c.User.UpdateUser(ctx, u.Id, bad, nil)
	if e := oktaErr(t, err); e.ErrorCode != "E0000001" || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replace without required attributes = %+v", e)
	}
}

func TestSDKUserLifecycle(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t)
	c := org.client(t)
	ctx := context.Background()
	f := false
	u, _, err := c.User.CreateUser(ctx, newUserRequest("life@example.com", "Sup3r-secret!"), &query.Params{Activate: &f})
	if err != nil {
		t.Fatal(err)
	}
	status := func() string {
		got, _, err := c.User.GetUser(ctx, u.Id)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	step := func(name string, call func() (*okta.Response, error), wantCode, wantStatus string) {
		t.Helper()
		_, err := call()
		switch {
		case wantCode == "" && err != nil:
			t.Errorf("%s: unexpected error %v", name, err)
		case wantCode != "":
			if e := oktaErr(t, err); e.ErrorCode != wantCode {
				t.Errorf("%s: error code %s, want %s", name, e.ErrorCode, wantCode)
			}
		}
		if got := status(); got != wantStatus {
			t.Errorf("%s: status %s, want %s", name, got, wantStatus)
		}
	}
	activate := func() (*okta.Response, error) {
		_, r, err := c.User.ActivateUser(ctx, u.Id, nil)
		return r, err
	}
	suspend := func() (*okta.Response, error) { return c.User.SuspendUser(ctx, u.Id) }
	unsuspend := func() (*okta.Response, error) { return c.User.UnsuspendUser(ctx, u.Id) }
	deactivate := func() (*okta.Response, error) { return c.User.DeactivateUser(ctx, u.Id, nil) }
	reactivate := func() (*okta.Response, error) {
		_, r, err := c.User.ReactivateUser(ctx, u.Id, nil)
		return r, err
	}
	step("suspend a STAGED user", suspend, "E0000038", "STAGED")
	step("activate", activate, "", "ACTIVE")
	step("activate again", activate, "E0000016", "ACTIVE")
	step("reactivate an ACTIVE user", reactivate, "E0000038", "ACTIVE")
	step("suspend", suspend, "", "SUSPENDED")
	step("unsuspend", unsuspend, "", "ACTIVE")
	step("unsuspend an ACTIVE user", unsuspend, "E0000038", "ACTIVE")
	step("deactivate", deactivate, "", "DEPROVISIONED")
	step("deactivate again", deactivate, "E0000038", "DEPROVISIONED")

	tok, _, err := c.User.ActivateUser(ctx, u.Id, query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil {
		t.Fatal(err)
	}
	if tok.ActivationToken != "" {
		t.Errorf("a user with a password activates straight to ACTIVE without a token, got %+v", tok)
	}
	if _, err := c.User.DeactivateOrDeleteUser(ctx, u.Id, nil); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "DEPROVISIONED" {
		t.Fatalf("first delete must deactivate, status %s", got)
	}
	if _, err := c.User.DeactivateOrDeleteUser(ctx, u.Id, nil); err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.User.GetUser(ctx, u.Id)
	if e := oktaErr(t, err); resp == nil || resp.StatusCode != http.StatusNotFound || e.ErrorCode != "E0000007" ||
		e.ErrorSummary != "Not found: Resource not found: "+u.Id+" (User)" {
		t.Errorf("after second delete: %+v", e)
	}
}

func TestSDKUserListFilters(t *testing.T) {
	t.Parallel()
	seed := Seed{Users: []SeedUser{
		{Login: "alice@example.com", Email: "alice@example.com", FirstName: "Alice", LastName: "Archer", Profile: map[string]any{"department": "Sales"}},
		{Login: "bob@example.com", Email: "bob@example.com", FirstName: "Bob", LastName: "Baker", Status: "SUSPENDED"},
		{Login: "carol@example.com", Email: "carol@example.com", FirstName: "Carol", LastName: "Alvarez", Profile: map[string]any{"department": "Sales"}},
		{Login: "dave@example.com", Email: "dave@example.com", FirstName: "Dave", LastName: "Doe", Status: "DEPROVISIONED"},
	}}
	org := newTestOrg(t, withSeed(seed))
	c := org.client(t)
	tests := []struct {
		name string
		qp   query.Params
		want []string
	}{
		{"all but deprovisioned", query.Params{}, []string{"alice", "bob", "carol"}},
		{"filter status", query.Params{Filter: `status eq "SUSPENDED"`}, []string{"bob"}},
		{"filter login", query.Params{Filter: `profile.login eq "carol@example.com"`}, []string{"carol"}},
		{"search includes deprovisioned", query.Params{Search: `status eq "DEPROVISIONED"`}, []string{"dave"}},
		{"search custom attribute", query.Params{Search: `profile.department eq "Sales" and status eq "ACTIVE"`}, []string{"alice", "carol"}},
		{"q startsWith first or last name", query.Params{Q: "al"}, []string{"alice", "carol"}},
	}
	for _, tt := range tests {
		users, _, err := c.User.ListUsers(context.Background(), &tt.qp)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, u := range users {
			got = append(got, strings.Split((*u.Profile)["login"].(string), "@")[0])
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	_, resp, err := c.User.ListUsers(context.Background(), &query.Params{Filter: `status eq`})
	if e := oktaErr(t, err); resp.StatusCode != http.StatusBadRequest || e.ErrorCode != "E0000031" {
		t.Errorf("malformed filter: %d %+v", resp.StatusCode, e)
	}
}
