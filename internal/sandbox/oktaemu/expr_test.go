package oktaemu

import (
	"strings"
	"testing"
)

func TestEvalExpr(t *testing.T) {
	t.Parallel()
	sc := exprScope{
		user:     map[string]any{"email": "Jane.Doe@Example.com", "firstName": "Jane", "lastName": "Doe", "mobilePhone": nil, "tags": []any{"a", "b"}},
		appUser:  map[string]any{"profile": "Sales User", "email": "app@example.com"},
		userName: "jane.doe@example.com",
	}
	cases := []struct {
		expr, want string
		wantErr    bool
	}{
		{expr: "user.email", want: "Jane.Doe@Example.com"},
		{expr: "appuser.profile", want: "Sales User"},
		{expr: "appuser.email", want: "app@example.com"},
		{expr: "user.userName", want: "jane.doe@example.com"},
		{expr: "user.mobilePhone", want: ""},
		{expr: "user.missing", want: ""},
		{expr: "user.tags", want: "a,b"},
		{expr: `"Sales User"`, want: "Sales User"},
		{expr: `'single'`, want: "single"},
		{expr: `"a\"b"`, want: `a"b`},
		{expr: "String.toLowerCase(user.email)", want: "jane.doe@example.com"},
		{expr: "String.toUpperCase(user.lastName)", want: "DOE"},
		{expr: `user.firstName + " " + user.lastName`, want: "Jane Doe"},
		{expr: `String.toLowerCase(user.firstName + "." + user.lastName) + "@acme.qa"`, want: "jane.doe@acme.qa"},
		{expr: "  user.firstName  ", want: "Jane"},
		{expr: "group.name", wantErr: true},
		{expr: "String.substring(user.email)", wantErr: true},
		{expr: `"open`, wantErr: true},
		{expr: "user.email +", wantErr: true},
		{expr: "String.toLowerCase(user.email", wantErr: true},
		{expr: "user.email user.email", wantErr: true},
		{expr: "", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := evalExpr(tc.expr, sc)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEvalTemplate(t *testing.T) {
	t.Parallel()
	sc := exprScope{user: map[string]any{"email": "J@X.io", "login": "j@x.io"}, userName: "app-j"}
	cases := []struct{ tmpl, want string }{
		{"${user.userName}", "app-j"},
		{"${user.email}", "J@X.io"},
		{"${String.toLowerCase(user.email)}", "j@x.io"},
		{"prefix-${source.login}-suffix", "prefix-j@x.io-suffix"},
		{"no template", "no template"},
	}
	for _, tc := range cases {
		t.Run(tc.tmpl, func(t *testing.T) {
			t.Parallel()
			got, err := evalTemplate(tc.tmpl, sc)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestMatchingGroups(t *testing.T) {
	t.Parallel()
	s, err := New(Config{BaseURL: "http://127.0.0.1:1"}, Seed{
		Users: []SeedUser{{Login: "jane@acme.example", Email: "jane@acme.example", FirstName: "Jane", LastName: "Doe"}},
		Groups: []SeedGroup{{Name: "SF Users", Members: []string{"jane@acme.example"}}, {Name: "SF Admins", Members: []string{"jane@acme.example"}},
			{Name: "Finance", Members: []string{"jane@acme.example"}}, {Name: "SF Nobody"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	uid := s.st.userLookup("jane@acme.example").ID
	s.mu.Unlock()
	cases := []struct {
		filterType, filterValue, want string
		wantErr                       bool
	}{
		{filterType: "STARTS_WITH", filterValue: "SF", want: "SF Admins,SF Users"},
		{filterType: "EQUALS", filterValue: "Finance", want: "Finance"},
		{filterType: "EQUALS", filterValue: "finance", want: ""},
		{filterType: "CONTAINS", filterValue: "in", want: "Finance,SF Admins"},
		{filterType: "CONTAINS", filterValue: "one", want: "Everyone"},
		{filterType: "REGEX", filterValue: "SF.*|Fin.*", want: "Finance,SF Admins,SF Users"},
		{filterType: "REGEX", filterValue: "SF", want: ""},
		{filterType: "REGEX", filterValue: "(", wantErr: true},
		{filterType: "SOUNDS_LIKE", filterValue: "x", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.filterType+" "+tc.filterValue, func(t *testing.T) {
			t.Parallel()
			s.mu.Lock()
			got, err := s.matchingGroups(uid, tc.filterType, tc.filterValue)
			s.mu.Unlock()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}
