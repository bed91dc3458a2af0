package sso

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/oktaexpr"
)

func TestWarnIfExpiring(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		notAfter string
		want     string // "" means no warning
	}{
		{"years away", "2036-11-29T12:00:00Z", ""},
		{"31 days away", now.Add(31 * 24 * time.Hour).Format(time.RFC3339), ""},
		{"29 days away", now.Add(29*24*time.Hour + time.Hour).Format(time.RFC3339), "expires on 2026-12-28, in 29 days"},
		{"expired", "2026-11-01T00:00:00Z", "expired on 2026-11-01"},
		{"unknown", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var diags diag.Diagnostics
			warnIfExpiring(samlAppModel{ID: types.StringValue("0oa1"), Label: types.StringValue("SF"),
				CertificateNotAfter: types.StringValue(tc.notAfter)}, now, &diags)
			if tc.want == "" {
				if len(diags) != 0 {
					t.Fatalf("unexpected warning: %v", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Severity() != diag.SeverityWarning || !strings.Contains(diags[0].Detail(), tc.want) ||
				!strings.Contains(diags[0].Detail(), "rotation_trigger") {
				t.Fatalf("warnings = %v, want one containing %q and the fix", diags, tc.want)
			}
		})
	}
}

func TestExpressionRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"user.login", "user.email", "${user.login}", "String.toLowerCase(user.login)"} {
		if got := unwrapExpression(expression(in)); got != strings.TrimSuffix(strings.TrimPrefix(in, "${"), "}") {
			t.Errorf("unwrap(expression(%q)) = %q", in, got)
		}
	}
	// A template with several parts (set outside Terraform) reads as the expression plan accepts, and that
	// expression writes back and reads back unchanged.
	const want = `user.firstName + " " + user.lastName`
	if got := unwrapExpression("${user.firstName} ${user.lastName}"); got != want {
		t.Errorf("a template with two expressions reads as %q, want %q", got, want)
	}
	if err := oktaexpr.Check(want); err != nil {
		t.Errorf("%q is refused at plan: %v", want, err)
	}
	if got := unwrapExpression(expression(want)); got != want {
		t.Errorf("unwrap(expression(%q)) = %q", want, got)
	}
}
