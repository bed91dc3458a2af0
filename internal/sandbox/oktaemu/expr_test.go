package oktaemu

import (
	"strings"
	"testing"

	// Only this test reads the provider's checker, to hold the two to one language; the sandbox does not.
	"github.com/oktasf/terraform-provider-oktasf/internal/oktaexpr"
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
		{expr: `"a""b"`, want: `a"b`},
		{expr: `'it''s'`, want: `it's`},
		{expr: `"a\"b"`, wantErr: true}, // a backslash escapes nothing (SpEL)
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
		{"prefix-${user.login}-suffix", "prefix-j@x.io-suffix"},
		{"${user.email}.${String.substringBefore(user.login, \"@\")}", "J@X.io.j"},
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

// exprCase is one row of a function's table: the expression and its value, or that it fails.
type exprCase struct {
	expr, want string
	wantErr    bool
}

// exprTestScope is the profile the function tables read.
var exprTestScope = exprScope{
	user: map[string]any{"login": "jane.doe@example.com", "email": "Jane.Doe@Example.com", "firstName": "Jane", "lastName": "Doe",
		"short": "abc", "department": "Sales", "isContractor": true, "groups": []any{"Sales", "EMEA"}, "none": []any{}, "count": int64(3), "middle": nil},
	appUser:  map[string]any{"profile": "Sales User"},
	org:      map[string]any{"name": "Acme"},
	userName: "jane.doe@example.com",
}

func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := evalExpr(tc.expr, exprTestScope)
			if (err != nil) != tc.wantErr {
				t.Fatalf("evalExpr(%s) = %q, %v; wantErr %v", tc.expr, got, err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("evalExpr(%s) = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

// The docs' Alias example: three arguments, as Okta takes them (the emulator once stopped at the first comma).
func TestExpr_substring(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: "String.substring(user.login, 0, 8)", want: "jane.doe"},
		{expr: `String.substring("abcdef", 1, 3)`, want: "bc"},
		{expr: "String.substring(user.short, 0, 8)", want: "abc"}, // end beyond the string: clamped
		{expr: "String.substring(user.short, 5, 8)", want: ""},
		{expr: "String.substring(user.short, 2, 1)", want: ""},
		{expr: "String.substring(user.middle, 0, 2)", want: ""}, // null-safe
		{expr: "String.substring(user.login, 0, String.len(user.short))", want: "jan"},
		{expr: "String.substring(user.login, 0)", wantErr: true},
		{expr: `String.substring(user.login, "0", 8)`, wantErr: true},
		{expr: "String.substring(user.login, 0, 8", wantErr: true},
	})
}

func TestExpr_substringBefore(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: `String.substringBefore(user.email, "@")`, want: "Jane.Doe"},
		{expr: `String.substringBefore(user.email, "#")`, want: "Jane.Doe@Example.com"}, // not found: all of it
		{expr: `String.substringBefore(user.email, "")`, want: ""},
		{expr: `String.substringBefore(user.email)`, wantErr: true},
	})
}

func TestExpr_substringAfter(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: `String.substringAfter(user.email, "@")`, want: "Example.com"},
		{expr: `String.substringAfter(user.email, "#")`, want: ""}, // not found: empty
		{expr: `String.substringAfter(user.email, "@", "x")`, wantErr: true},
	})
}

func TestExpr_join(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: `String.join(" ", user.firstName, user.lastName)`, want: "Jane Doe"},
		{expr: `String.join(",", "This", "is", "a", "test")`, want: "This,is,a,test"},
		{expr: `String.join("-", user.firstName)`, want: "Jane"},
		{expr: `String.join("-", 1, 2)`, want: "1-2"}, // numbers convert to text
		{expr: `String.join(",")`, wantErr: true},
	})
}

func TestExpr_len(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: "String.len(user.short)", want: "3"},
		{expr: `String.len("ünï")`, want: "3"},
		{expr: "String.len(user.middle)", want: "0"},
		{expr: "String.len(user.short) + 1", want: "4"}, // number + number adds
		{expr: `String.len(user.short) + "x"`, want: "3x"},
		{expr: "String.len(user.short, 1)", wantErr: true},
	})
}

func TestExpr_replace(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: `String.replace("This is a test", "is", "at")`, want: "That at a test"},
		{expr: `String.replace(user.login, "@", ".")`, want: "jane.doe.example.com"},
		{expr: `String.replace(user.login, "", "x")`, want: "jane.doe@example.com"},
		{expr: `String.replace(user.login, "@")`, wantErr: true},
	})
}

func TestExpr_toUpperCase(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: "String.toUpperCase(user.lastName)", want: "DOE"},
		{expr: `String.toUpperCase("a" + user.firstName)`, want: "AJANE"},
		{expr: "String.toUpperCase()", wantErr: true},
	})
}

func TestExpr_toLowerCase(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: "String.toLowerCase(user.email)", want: "jane.doe@example.com"},
		{expr: "String.toLowerCase(user.middle)", want: ""},
		{expr: "String.tolowercase(user.email)", wantErr: true}, // names are case-sensitive
	})
}

func TestExpr_contains(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: `Arrays.contains(user.groups, "Sales")`, want: "true"},
		{expr: `Arrays.contains(user.groups, "sales")`, want: "false"},
		{expr: `Arrays.contains(user.middle, "Sales")`, want: "false"},
		{expr: `Arrays.contains(user.groups, "EMEA") ? "E" : "O"`, want: "E"},
		{expr: `Arrays.contains(user.login, "x")`, wantErr: true}, // a string is not an array
		{expr: `Arrays.contains("Sales", "Sales")`, wantErr: true},
	})
}

func TestExpr_isEmpty(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: "Arrays.isEmpty(user.none)", want: "true"},
		{expr: "Arrays.isEmpty(user.groups)", want: "false"},
		{expr: "Arrays.isEmpty(user.middle)", want: "true"},
		{expr: "Arrays.isEmpty()", wantErr: true},
	})
}

func TestExpr_conditional(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: `user.department == "Sales" ? "S" : "O"`, want: "S"},
		{expr: `user.department != "Sales" ? "S" : "O"`, want: "O"},
		{expr: `user.isContractor ? "Contractor" : "Employee"`, want: "Contractor"},
		{expr: `user.middle ? "a" : "b"`, want: "b"}, // null counts as false
		{expr: `user.count == 3 ? "three" : "other"`, want: "three"},
		{expr: `true ? (false ? "a" : "b") : "c"`, want: "b"},
		{expr: `user.department == "Sales" ? "S"`, wantErr: true},
		{expr: `"x" ? "a" : "b"`, wantErr: true},
		{expr: `user.login ? "a" : "b"`, wantErr: true}, // a string at run time
		{expr: `user.a == user.b == user.c`, wantErr: true},
	})
}

func TestExpr_paths(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{expr: "appuser.profile", want: "Sales User"},
		{expr: "org.name", want: "Acme"},
		{expr: "appuser.userName", want: "jane.doe@example.com"},
		{expr: "source.login", wantErr: true},
		{expr: "user", wantErr: true},
		{expr: "user.manager.email", wantErr: true},
		{expr: "${user.login}", wantErr: true},
	})
}

// exprCorpus is what the provider must accept exactly when the sandbox evaluates it (TestExprAgreesWithProvider).
var exprCorpus = []string{
	"user.login", "appuser.profile", "org.name", `"Sales User"`, `'Sales User'`, `"a""b"`, `"a\"b"`, "42", "true",
	"String.substring(user.login, 0, 8)", "String.substring(user.login, 0, 8", "String.substring(user.login, 0)",
	`String.substring(user.login, "0", 8)`, `String.substringBefore(user.email, "@")`, `String.substringAfter(user.email, "@")`,
	`String.join(" ", user.firstName, user.lastName)`, `String.join(",")`, "String.len(user.login)", "String.len(user.short) + 1",
	`String.replace(user.login, "@", ".")`, "String.toUpperCase(user.lastName)", "String.toLowerCase(user.email)",
	`Arrays.contains(user.groups, "Sales")`, "Arrays.isEmpty(user.groups)", `Arrays.contains("x", "x")`,
	`user.department == "Sales" ? "S" : "O"`, `user.isContractor ? "C" : "E"`, `"x" ? "a" : "b"`, `user.a ? "a"`,
	`(user.firstName + " " + user.lastName)`, `String.toLowerCase(user.firstName + "." + user.lastName) + "@acme.qa"`,
	"String.foo(user.login)", "Math.max(1, 2)", "group.name", "source.login", "user", "user.", "user.a.b", "user.login()",
	"${user.login}", "user.login +", "user.login user.email", "", "   ", "(user.login", "user.login)", `"open`, "user.a = 1",
	"user.a == user.b == user.c", "String.len()", "String.len(user.a,)", "String . len ( user.a )", "8a", "ünï", "2147483647", "2147483648",
}

// The provider's plan check and the sandbox agree: oktaexpr accepts an expression exactly when the sandbox
// evaluates it without error.
func TestExprAgreesWithProvider(t *testing.T) {
	t.Parallel()
	for _, src := range exprCorpus {
		providerErr := oktaexpr.Check(src)
		_, sandboxErr := evalExpr(src, exprTestScope)
		if (providerErr == nil) != (sandboxErr == nil) {
			t.Errorf("%s: provider says %v, sandbox says %v", src, providerErr, sandboxErr)
		}
	}
}

// FuzzExprAgreesWithProvider: on any input, oktaexpr accepts exactly what the sandbox evaluates, for a
// profile whose attributes have the types the corpus expects.
func FuzzExprAgreesWithProvider(f *testing.F) {
	for _, src := range exprCorpus {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		providerErr := oktaexpr.Check(src)
		_, sandboxErr := evalExpr(src, exprScope{})
		if (providerErr == nil) != (sandboxErr == nil) {
			t.Fatalf("%q: provider says %v, sandbox says %v", src, providerErr, sandboxErr)
		}
	})
}
