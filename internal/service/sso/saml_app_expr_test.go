package sso_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// expectPlanError matches a diagnostic whose words may wrap anywhere in Terraform's output.
func expectPlanError(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}

// name_id.template = "$${user.login}" (the template form) is refused at plan with the expression to write,
// instead of an apply that reads back "user.login" and fails with an inconsistent result and a tainted app.
func TestAccSAMLApp_nameIDTemplateDollar(t *testing.T) {
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("nameid")
	client := acctest.OktaClient(t, sb)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config:      samlAppConfig(sb, label, `  name_id = { template = "$${user.login}" }`),
				ExpectError: expectPlanError(`(?s)Invalid Okta Expression.*name_id\.template = \$\{user\.login\} cannot be evaluated by Okta: at column 1: \$\{…\} is template syntax.*use user\.login`),
			},
			{
				Config:      samlAppConfig(sb, label, `  name_id = { template = "$${user.firstName}.$${user.lastName}" }`),
				ExpectError: expectPlanError(`(?s)Invalid Okta Expression.*at column 1:.*use user\.firstName \+ "\." \+ user\.lastName`),
			},
			{
				Config:           samlAppConfig(sb, label, `  name_id = { template = "user.firstName + \".\" + user.lastName" }`),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("name_id").AtMapKey("template"), knownvalue.StringExact(`user.firstName + "." + user.lastName`)),
				},
				Check: func(s *terraform.State) error {
					id, err := appID(s)
					if err != nil {
						return err
					}
					app, err := client.GetSAMLApp(context.Background(), id)
					if err != nil {
						return err
					}
					if got, want := app.SignOn.SubjectNameIDTemplate, `${user.firstName + "." + user.lastName}`; got != want {
						return fmt.Errorf("subjectNameIdTemplate in Okta = %q, want %q", got, want)
					}
					return nil
				},
			},
		},
	})
}

// The docs' Alias example passes plan and a sign-in evaluates it (the sandbox once answered 500, "missing )");
// a broken expression in jit_attributes, attribute_statements or name_id fails the plan at its path, with the column.
func TestAccSAMLApp_expressionCheckedAtPlan(t *testing.T) {
	acctest.RequireSandbox(t, "signs in through the sandbox's Okta to show that the docs' expression is evaluated")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("expr"), ssoName("expr")
	okt, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	login := strings.ReplaceAll(acctest.RandomName("expr"), "-", ".") + "@example.com"
	docsExample := strings.Replace(jitV1, `    LastName `, `    Alias                = "String.substring(user.login, 0, 8)"`+"\n    LastName ", 1)
	broken := func(from, to string) string { return strings.Replace(docsExample, from, to, 1) }
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(okt),
		Steps: []resource.TestStep{
			{
				Config:      samlAppConfig(sb, label, broken(`String.substring(user.login, 0, 8)"`, `String.substring(user.login, 0, 8"`)),
				ExpectError: expectPlanError(`(?s)Error: Invalid Okta Expression.*jit_attributes\["Alias"\].*at column 34: missing '\)' after the arguments of String\.substring, found the end of the expression — String\.substring needs \(string, startIndex, endIndex\)`),
			},
			{
				Config:      samlAppConfig(sb, label, broken(`String.substring(user.login, 0, 8)"`, `String.substring(user.login, 8)"`)),
				ExpectError: expectPlanError(`(?s)jit_attributes\["Alias"\].*at column 31: String\.substring takes 3 arguments`),
			},
			{
				Config:      samlAppConfig(sb, label, broken(`"groups" = {`, `"Department" = { values = ["String.toUpper(user.department)"] }`+"\n    \"groups\" = {")),
				ExpectError: expectPlanError(`(?s)attribute_statements\["Department"\]\.values\[0\].*at column 1: unknown function String\.toUpper`),
			},
			{
				Config:      samlAppConfig(sb, label, broken(`ProfileId            = "appuser.profile"`, `ProfileId            = "Sales User"`)),
				ExpectError: expectPlanError(`(?s)jit_attributes\["ProfileId"\].*at column 1: unknown name "Sales"; a string constant is quoted`),
			},
			{ // a value may be a template whose ${…} parts are expressions, as Okta's API documentation writes it
				Config:      samlAppConfig(sb, label, broken(`"groups" = {`, `"Department" = { values = ["$${String.substring(user.login, 0}"] }`+"\n    \"groups\" = {")),
				ExpectError: expectPlanError(`(?s)attribute_statements\["Department"\]\.values\[0\].*the expression inside \$\{…\} cannot be evaluated`),
			},
			{
				Config:             samlAppConfig(sb, label, broken(`"groups" = {`, `"Department" = { values = ["$${user.department} ($${user.title})"] }`+"\n    \"groups\" = {")),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:           federationConfig(sb, label, name, docsExample, "  jit_provisioning = true\n"),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				Check: func(s *terraform.State) error {
					ctx := context.Background()
					id, err := appID(s)
					if err != nil {
						return err
					}
					if err := signInNewUser(ctx, sb, okt, id, login, "Expr", "Newcomer"); err != nil {
						return err
					}
					var users []struct{ Alias string }
					if err := sf.Query(ctx, "SELECT Alias FROM User WHERE FederationIdentifier = "+salesforce.Quote(login), &users); err != nil {
						return err
					}
					if len(users) != 1 || users[0].Alias != login[:8] {
						return fmt.Errorf("JIT users with Federation ID %s: %+v, want one with Alias %q (String.substring(user.login, 0, 8))", login, users, login[:8])
					}
					return nil
				},
			},
		},
	})
}

// A constant ProfileId names a profile; plan checks it against the org's profiles (the name or the ID, as
// Salesforce JIT takes them) instead of every first sign-in failing with "Invalid Profile".
func TestAccSAMLApp_constantProfileCheckedAtPlan(t *testing.T) {
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("profile")
	client := acctest.OktaClient(t, sb)
	withProfile := func(v string) string {
		return strings.Replace(jitV1, `ProfileId            = "appuser.profile"`, `ProfileId            = `+v, 1)
	}
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config:      samlAppConfig(sb, label, withProfile(`"\"Sales Usr\""`)),
				PlanOnly:    true,
				ExpectError: expectPlanError(`(?s)Error: Unknown Salesforce Profile.*jit_attributes\["ProfileId"\] = "Sales Usr" names no profile.*salesforce org "[^"]+" has no profile named "Sales Usr"; did you mean "Sales User"`),
			},
			{
				Config:      samlAppConfig(sb, label, `  attribute_statements = { "User.ProfileId" = { values = ["'Nobody Profile'"] } }`),
				PlanOnly:    true,
				ExpectError: expectPlanError(`(?s)Unknown Salesforce Profile.*attribute_statements\["User\.ProfileId"\]\.values\[0\].*no profile named "Nobody Profile"`),
			},
			{
				Config:           samlAppConfig(sb, label, withProfile(`"\"Sales User\""`)),
				ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("jit_attributes").AtMapKey("ProfileId"), knownvalue.StringExact(`"Sales User"`)),
				},
			},
		},
	})
}
