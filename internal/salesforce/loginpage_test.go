package salesforce_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
)

// orgWithSamlConfig starts an org holding one SamlSsoConfig and returns it with the config's id.
func orgWithSAMLConfig(t *testing.T) (*sandbox.Sandbox, *salesforce.Client, string) {
	t.Helper()
	sb, c := startOrg(t, sfemu.OrgSeed{Name: "Acme QA", AdminUsername: "integration@acme.qa"})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "okta"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.UpsertSAMLSSOConfig(ctx, salesforce.SAMLSSOConfig{FullName: "Okta", Name: "Okta", Issuer: "http://www.okta.com/exk1",
		SAMLEntityID: "https://acme.my.salesforce.com", IdentityMapping: "FederationId", IdentityLocation: "SubjectNameId",
		SAMLVersion: "SAML2_0", ValidationCert: base64.StdEncoding.EncodeToString(der)}); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID string `json:"Id"`
	}
	if err := c.ToolingQuery(ctx, "SELECT Id FROM SamlSsoConfig WHERE DeveloperName = 'Okta'", &rows); err != nil || len(rows) != 1 {
		t.Fatalf("SamlSsoConfig id: %v %v", rows, err)
	}
	return sb, c, rows[0].ID
}

func countButtons(t *testing.T, c *salesforce.Client) int {
	t.Helper()
	var rows []map[string]any
	if err := c.ToolingQuery(context.Background(), "SELECT Id FROM AuthConfigProviders", &rows); err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func TestLoginPageShowHide(t *testing.T) {
	t.Parallel()
	sb, c, samlID := orgWithSAMLConfig(t)
	ctx := context.Background()
	steps := []struct {
		name string
		do   func() error
		want int
	}{
		{"show", func() error { return c.ShowOnLoginPage(ctx, samlID) }, 1},
		{"show again adds no second row", func() error { return c.ShowOnLoginPage(ctx, samlID) }, 1},
		{"show after the session expired", func() error {
			sb.Control().ExpireSessions("salesforce:qa")
			return c.ShowOnLoginPage(ctx, samlID)
		}, 1},
		{"hide", func() error { return c.HideFromLoginPage(ctx, samlID) }, 0},
		{"hide again", func() error { return c.HideFromLoginPage(ctx, samlID) }, 0},
		{"show after the session expired, writing", func() error {
			sb.Control().ExpireSessions("salesforce:qa")
			return c.ShowOnLoginPage(ctx, samlID)
		}, 1},
	}
	for _, s := range steps { // in order: each step starts from the previous one's result
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		rows, err := c.LoginPageProviders(ctx, samlID)
		if err != nil {
			t.Fatalf("%s: LoginPageProviders: %v", s.name, err)
		}
		if len(rows) != s.want || countButtons(t, c) != s.want {
			t.Fatalf("%s: rows %v (all buttons %d), want %d", s.name, rows, countButtons(t, c), s.want)
		}
		for _, id := range rows {
			if !strings.HasPrefix(id, "0Av") {
				t.Errorf("%s: row id %s is not an AuthConfigProviders id", s.name, id)
			}
		}
	}
}

// Reading the login-page state is one Tooling query, so a refresh can afford it.
func TestLoginPageProvidersCost(t *testing.T) {
	t.Parallel()
	sb, c, samlID := orgWithSAMLConfig(t)
	ctx := context.Background()
	if err := c.ShowOnLoginPage(ctx, samlID); err != nil {
		t.Fatal(err)
	}
	sb.Control().ResetStats()
	if _, err := c.LoginPageProviders(ctx, samlID); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range sb.Control().Stats().Routes {
		total += n
	}
	if got := sb.Control().Stats().Routes["salesforce:qa GET /services/data/{version}/tooling/query"]; got != 1 || total != 1 {
		t.Errorf("LoginPageProviders cost %v, want one Tooling query", sb.Control().Stats().Routes)
	}
}

func TestLoginPageErrors(t *testing.T) {
	t.Parallel()
	_, c, samlID := orgWithSAMLConfig(t)
	ctx := context.Background()
	var users []struct {
		ID string `json:"Id"`
	}
	if err := c.Query(ctx, "SELECT Id FROM User LIMIT 1", &users); err != nil || len(users) != 1 {
		t.Fatalf("user: %v %v", users, err)
	}
	cases := []struct {
		name, id, code string
		category       error
	}{
		{"not a SAML configuration", users[0].ID, "INVALID_CROSS_REFERENCE_KEY", salesforce.ErrValidation},
		{"malformed id refused by the query", samlID[:10], "INVALID_QUERY_FILTER_OPERATOR", salesforce.ErrValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.ShowOnLoginPage(ctx, tc.id)
			var apiErr *salesforce.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code || !errors.Is(err, tc.category) {
				t.Fatalf("ShowOnLoginPage(%s) = %v, want %s", tc.id, err, tc.code)
			}
		})
	}
	if n := countButtons(t, c); n != 0 {
		t.Errorf("%d buttons after refused creates", n)
	}
	// Deleting the SAML settings takes their button with them.
	if err := c.ShowOnLoginPage(ctx, samlID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSAMLSSOConfig(ctx, "Okta"); err != nil {
		t.Fatal(err)
	}
	if rows, err := c.LoginPageProviders(ctx, samlID); err != nil || len(rows) != 0 {
		t.Errorf("after deleting the settings: %v %v", rows, err)
	}
}
