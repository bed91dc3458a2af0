package oktaexpr_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oktasf/terraform-provider-oktasf/internal/oktaexpr"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src     string
		column  int    // 0: accepted
		message string // part of the message
	}{
		{src: "user.login"},
		{src: "appuser.profile"},
		{src: "org.name"},
		{src: `"Sales User"`},
		{src: `'en_US'`},
		{src: `"say ""hi"""`},
		{src: "42"},
		{src: "true"},
		{src: "String.substring(user.login, 0, 8)"},
		{src: `String.substringBefore(user.email, "@")`},
		{src: `String.substringAfter(user.email, "@")`},
		{src: `String.join(" ", user.firstName, user.lastName, "x")`},
		{src: "String.len(user.login) + 1"},
		{src: `String.replace(user.login, "@", ".")`},
		{src: "String.toUpperCase(String.toLowerCase(user.lastName))"},
		{src: `Arrays.contains(user.groups, "Sales") ? "S" : "O"`},
		{src: `Arrays.isEmpty(user.groups) ? "none" : String.join(",", user.groups)`},
		{src: `user.department == "Sales" ? "S" : user.department != "IT" ? "O" : "I"`},
		{src: `(user.firstName + " " + user.lastName)`},
		{src: "String.substring(user.login, 0, 8", column: 34, message: "missing ')' after the arguments of String.substring"},
		{src: "String.substring(user.login, 0)", column: 31, message: "takes 3 arguments (string, startIndex, endIndex), got 2"},
		{src: `String.substring(user.login, "0", 8)`, column: 30, message: "argument 2 of String.substring is a string, not a number"},
		{src: `String.join(",")`, column: 16, message: "at least 2 arguments"},
		{src: `Arrays.contains("Sales", "Sales")`, column: 17, message: "is a string, not an array"},
		{src: "String.foo(user.login)", column: 1, message: "unknown function String.foo"},
		{src: "String.len", column: 11, message: "missing '(' after String.len"},
		{src: "${user.login}", column: 1, message: "use user.login"},
		{src: "${user.firstName}.${user.lastName}", column: 1, message: `use user.firstName + "." + user.lastName`},
		{src: `"a\"b"`, column: 3, message: "write the quote twice"},
		{src: `"open`, column: 1, message: "no closing"},
		{src: "Sales User", column: 1, message: `unknown name "Sales"`},
		{src: "source.login", column: 1, message: "unknown name"},
		{src: "user", column: 5, message: "user needs an attribute"},
		{src: "user.manager.email", column: 13, message: "one level"},
		{src: "user.login()", column: 1, message: "not a function"},
		{src: "user.login +", column: 13, message: "ends after +"},
		{src: "user.login user.email", column: 12, message: "join parts with +"},
		{src: "(user.login", column: 12, message: "missing ')' to close the '(' at column 1"},
		{src: `user.a ? "x"`, column: 13, message: "missing ':'"},
		{src: `"x" ? "a" : "b"`, column: 1, message: "not a boolean"},
		{src: "user.a = 1", column: 8, message: "compare with =="},
		{src: "user.a == 1 == 2", column: 13, message: "do not chain"},
		{src: "", column: 1, message: "empty"},
		{src: `"ü" + ünï`, column: 7, message: "unexpected character 'ü'"},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			t.Parallel()
			err := oktaexpr.Check(tc.src)
			if tc.column == 0 {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want nil", tc.src, err)
				}
				return
			}
			var e *oktaexpr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Check(%s) = %v, want an *Error", tc.src, err)
			}
			if e.Column != tc.column || !strings.Contains(e.Message, tc.message) {
				t.Errorf("Check(%s) = %v; want column %d and a message with %q", tc.src, err, tc.column, tc.message)
			}
		})
	}
}

func TestConstant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src, want string
		ok        bool
	}{
		{src: `"Sales User"`, want: "Sales User", ok: true},
		{src: ` 'en_US' `, want: "en_US", ok: true},
		{src: `"say ""hi"""`, want: `say "hi"`, ok: true},
		{src: `"a" + "b"`},
		{src: "appuser.profile"},
		{src: `"open`},
	}
	for _, tc := range cases {
		got, ok := oktaexpr.Constant(tc.src)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Constant(%s) = %q, %v; want %q, %v", tc.src, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTemplateAsExpression(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tmpl, want string
		ok         bool
	}{
		{tmpl: "${user.login}", want: "user.login", ok: true},
		{tmpl: "${user.firstName}.${user.lastName}", want: `user.firstName + "." + user.lastName`, ok: true},
		{tmpl: `pre"${user.login}`, want: `"pre""" + user.login`, ok: true},
		{tmpl: `${user.a == "x" ? "1" : "2"}!`, want: `(user.a == "x" ? "1" : "2") + "!"`, ok: true},
		{tmpl: "user.login"},
	}
	for _, tc := range cases {
		got, ok := oktaexpr.TemplateAsExpression(tc.tmpl)
		if got != tc.want || ok != tc.ok {
			t.Errorf("TemplateAsExpression(%s) = %q, %v; want %q, %v", tc.tmpl, got, ok, tc.want, tc.ok)
		}
		if ok {
			if err := oktaexpr.Check(got); err != nil {
				t.Errorf("the rewrite %s of %s does not check: %v", got, tc.tmpl, err)
			}
		}
	}
}

// Check never panics and its columns stay inside the expression (one past its end at most).
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"String.substring(user.login, 0, 8)", `"a""b" + 'c'`, "${user.login}", `a ? b : c`, "(((", `"`, "ünï"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		err := oktaexpr.Check(src)
		var e *oktaexpr.Error
		if err != nil && (!errors.As(err, &e) || e.Column < 1 || e.Column > utf8.RuneCountInString(src)+1) {
			t.Fatalf("Check(%q) = %v: not an *Error with a column inside the expression", src, err)
		}
	})
}
