package sso_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// jitV1 maps what Salesforce standard JIT needs, with picklist constants the org accepts.
const jitV1 = `
  jit_attributes = {
    Username             = "user.login"
    Email                = "user.email"
    FirstName            = "user.firstName"
    LastName             = "user.lastName"
    FederationIdentifier = "user.login"
    ProfileId            = "appuser.profile"
    LocaleSidKey         = "\"en_US\""
    TimeZoneSidKey       = "\"Europe/Paris\""
  }
  attribute_statements = {
    "groups" = { group_filter = { type = "STARTS_WITH", value = "Salesforce" } }
  }
`

// checkOktaStatements compares the app's statements in Okta with want (name → "namespace|value,value").
func checkOktaStatements(t *testing.T, sb *sandbox.Sandbox, want map[string]string) resource.TestCheckFunc {
	client := acctest.OktaClient(t, sb)
	return func(s *terraform.State) error {
		id, err := appID(s)
		if err != nil {
			return err
		}
		app, err := client.GetSAMLApp(context.Background(), id)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, st := range app.SignOn.AttributeStatements {
			got[st.Name] = st.Namespace + "|" + strings.Join(st.Values, ",")
			if st.Type == "GROUP" {
				got[st.Name] = "GROUP|" + st.FilterType + ":" + st.FilterValue
			}
		}
		if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
			return fmt.Errorf("statements in Okta:\n%v\nwant:\n%v", sorted(got), sorted(want))
		}
		return nil
	}
}

func sorted(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

const unspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified|"

// jit_attributes become User.* statements next to attribute_statements; an update changes, adds and removes
// them; a statement changed or added in Okta shows as drift and apply puts the configuration back.
func TestAccSAMLApp_jitAttributes(t *testing.T) {
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("jit")
	client := acctest.OktaClient(t, sb)
	var id string
	v1 := map[string]string{
		"User.Username": unspecified + "user.login", "User.Email": unspecified + "user.email", "User.FirstName": unspecified + "user.firstName",
		"User.LastName": unspecified + "user.lastName", "User.FederationIdentifier": unspecified + "user.login",
		"User.ProfileId": unspecified + "appuser.profile", "User.LocaleSidKey": unspecified + `"en_US"`,
		"User.TimeZoneSidKey": unspecified + `"Europe/Paris"`, "groups": "GROUP|STARTS_WITH:Salesforce",
	}
	jitV2 := strings.NewReplacer(`"\"Europe/Paris\""`, `"\"America/New_York\""`, `    FirstName            = "user.firstName"`+"\n", "",
		`    LocaleSidKey`, `    Title                = "user.title"`+"\n    LocaleSidKey").Replace(jitV1)
	v2 := map[string]string{}
	for k, v := range v1 {
		v2[k] = v
	}
	delete(v2, "User.FirstName")
	v2["User.TimeZoneSidKey"], v2["User.Title"] = unspecified+`"America/New_York"`, unspecified+"user.title"
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config: samlAppConfig(sb, label, jitV1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("jit_attributes"), knownvalue.MapSizeExact(8)),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("jit_attributes").AtMapKey("LocaleSidKey"), knownvalue.StringExact(`"en_US"`)),
					statecheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements"), knownvalue.MapSizeExact(1)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(checkOktaStatements(t, sb, v1), func(s *terraform.State) (err error) {
					id, err = appID(s)
					return err
				}),
			},
			{
				Config: samlAppConfig(sb, label, jitV2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkOktaStatements(t, sb, v2),
			},
			{
				PreConfig: func() {
					_, err := client.UpdateSAMLApp(context.Background(), id, func(a *okta.SAMLApp) error {
						for i, st := range a.SignOn.AttributeStatements {
							if st.Name == "User.Email" {
								a.SignOn.AttributeStatements[i].Values = []string{"user.secondEmail"}
							}
						}
						a.SignOn.AttributeStatements = append(a.SignOn.AttributeStatements, okta.AttributeStatement{
							Type: "EXPRESSION", Name: "User.Department", Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified", Values: []string{"user.department"}})
						return nil
					})
					if err != nil {
						t.Fatalf("edit the app out of band: %v", err)
					}
				},
				Config: samlAppConfig(sb, label, jitV2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(appAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(appAddr, tfjsonpath.New("jit_attributes").AtMapKey("Email"), knownvalue.StringExact("user.email")),
						plancheck.ExpectKnownValue(appAddr, tfjsonpath.New("attribute_statements"), knownvalue.MapSizeExact(1)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkOktaStatements(t, sb, v2),
			},
		},
	})
}

// The User.* statement edited in Okta is read back: a refresh shows the changed value in jit_attributes and the
// added statement in attribute_statements.
func TestAccSAMLApp_jitDriftReadBack(t *testing.T) {
	sb := acctest.Sandbox(t)
	label := acctest.RandomName("jitdrift")
	client := acctest.OktaClient(t, sb)
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(client),
		Steps: []resource.TestStep{
			{
				Config: samlAppConfig(sb, label, jitV1),
				Check: func(s *terraform.State) error {
					id, err := appID(s)
					if err != nil {
						return err
					}
					_, err = client.UpdateSAMLApp(context.Background(), id, func(a *okta.SAMLApp) error {
						for i, st := range a.SignOn.AttributeStatements {
							if st.Name == "User.LastName" {
								a.SignOn.AttributeStatements[i].Values = []string{"user.nickName"}
							}
						}
						a.SignOn.AttributeStatements = append(a.SignOn.AttributeStatements, okta.AttributeStatement{
							Type: "EXPRESSION", Name: "User.Department", Namespace: "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified", Values: []string{"user.department"}})
						return nil
					})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(appAddr, "jit_attributes.LastName", "user.nickName"),
					resource.TestCheckResourceAttr(appAddr, "jit_attributes.%", "8"),
					resource.TestCheckResourceAttr(appAddr, "attribute_statements.User.Department.values.0", "user.department"),
					resource.TestCheckResourceAttr(appAddr, "attribute_statements.%", "2"),
				),
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

func TestAccSAMLApp_jitInvalidMapping(t *testing.T) {
	sb := acctest.Sandbox(t)
	base := map[string]string{"Username": `"user.login"`, "Email": `"user.email"`, "LastName": `"user.lastName"`, "ProfileId": `"appuser.profile"`}
	mapping := func(change map[string]string, drop ...string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for _, d := range drop {
			delete(m, d)
		}
		for k, v := range change {
			m[k] = v
		}
		lines := make([]string, 0, len(m))
		for k, v := range m {
			lines = append(lines, fmt.Sprintf("    %q = %s", k, v))
		}
		sort.Strings(lines)
		return "  jit_attributes = {\n" + strings.Join(lines, "\n") + "\n  }\n"
	}
	cases := []struct{ name, extra, want string }{
		{"unknown field", mapping(map[string]string{"Emial_Address__c": `"user.email"`}),
			`(?s)Invalid JIT Attribute Mapping.*"Emial_Address__c" = .*User has no field "Emial_Address__c"`},
		{"field that is not createable", mapping(map[string]string{"LastLoginDate": `"user.lastLogin"`}),
			`(?s)Invalid JIT Attribute Mapping.*"LastLoginDate" =.*User\.LastLoginDate \(Last Login\) is not createable`},
		{"bad picklist constant", mapping(map[string]string{"LocaleSidKey": `"\"en_XX\""`}),
			`(?s)Invalid JIT Attribute Mapping.*"LocaleSidKey" =.*"en_XX" is not an active value of the picklist User\.LocaleSidKey \(Locale\)\. Allowed values: en_US, en_GB, en_CA`},
		{"missing required field", mapping(nil, "LastName"),
			`(?s)Invalid JIT Attribute Mapping.*jit_attributes.*User\.LastName is required to create a user and is not mapped\. Add it, for example LastName = "user\.lastName"`},
		{"Federation ID other than the NameID", mapping(map[string]string{"FederationIdentifier": `"user.email"`}),
			`(?s)Federation ID Differs From the NameID.*"FederationIdentifier" = "user\.email".*name_id\.template = "user\.login".*Map FederationIdentifier = "user\.login"`},
		{"User. prefix", mapping(map[string]string{"User.Title": `"user.title"`}),
			`(?s)Invalid User Field Name.*without the "User\." prefix: "Title"`},
		{"attribute in both maps", mapping(nil) + `  attribute_statements = { "User.Email" = { values = ["user.email"] } }`,
			`(?s)Attribute Sent Twice.*jit_attributes\["Email"\] and attribute_statements\["User\.Email"\]`},
		{"empty expression", mapping(map[string]string{"Title": `""`}), `(?s)jit_attributes\["Title"\].*at least 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctest.Test(t, resource.TestCase{Steps: []resource.TestStep{{
				Config:      samlAppConfig(sb, "invalid", tc.extra),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
			}}})
		})
	}
}
