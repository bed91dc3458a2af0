package sso_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// describeRequests counts User describes the sandbox served, and Okta requests.
func describeRequests(sb *sandbox.Sandbox) (describes, oktaRequests int) {
	for route, n := range sb.Control().Stats().Routes {
		switch {
		case strings.HasPrefix(route, "salesforce:") && strings.HasSuffix(route, "/describe"):
			describes += n
		case strings.HasPrefix(route, "okta "):
			oktaRequests += n
		}
	}
	return describes, oktaRequests
}

// expectDescribes is a plan check: the plan just made cost exactly want describe calls.
type expectDescribes struct {
	sb   *sandbox.Sandbox
	want int
}

func (e expectDescribes) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if got, _ := describeRequests(e.sb); got != e.want {
		resp.Error = fmt.Errorf("the plan made %d User describe calls, want %d (routes: %v)", got, e.want, e.sb.Control().Stats().Routes)
	}
}

// Two apps with jit_attributes on one org: a plan describes User once (memoized per org), and a refresh
// costs 2 Okta requests per app, as without jit_attributes.
func TestAccSAMLApp_jitCost(t *testing.T) {
	acctest.RequireSandbox(t, "counts describe and Okta requests")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label := acctest.RandomName("jitcost")
	cfg := samlAppConfig(sb, label, jitV1) + fmt.Sprintf(`
resource "oktasf_saml_app" "second" {
  salesforce_org = %q
  label          = %q
%s
}
`, acctest.PrimaryOrg(), label+"-2", jitV1)
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: acctest.EmptyPlanAfterApply()},
			{
				PreConfig:    func() { sb.Control().ResetStats() },
				RefreshState: true,
				Check: func(*terraform.State) error {
					describes, oktaRequests := describeRequests(sb)
					if describes != 1 || oktaRequests > 4 {
						return fmt.Errorf("a refresh and plan of two apps cost %d describes and %d Okta requests; want 1 and at most 4 (routes: %v)",
							describes, oktaRequests, sb.Control().Stats().Routes)
					}
					return nil
				},
			},
			{
				PreConfig: func() { sb.Control().ResetStats() },
				Config:    cfg,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{expectDescribes{sb: sb, want: 1}},
				},
			},
		},
	})
}

// A user who has no Salesforce user signs in through Okta for the first time: Salesforce creates the user
// just in time from the app's jit_attributes, with the profile named by the app assignment.
func TestAccSAMLApp_jitLogin(t *testing.T) {
	acctest.RequireSandbox(t, "signs in through the sandbox's Okta, which hands out the SAML response a browser would carry")
	sb := acctest.NewSandbox(t, sandbox.Options{})
	label, name := acctest.RandomName("jitlogin"), ssoName("jitlogin")
	okt, sf := acctest.OktaClient(t, sb), acctest.SalesforceClient(t, sb, acctest.PrimaryOrg())
	login := strings.ReplaceAll(acctest.RandomName("jit"), "-", ".") + "@example.com"
	acctest.Test(t, resource.TestCase{
		CheckDestroy: checkAppGone(okt),
		Steps: []resource.TestStep{{
			Config:           federationConfig(sb, label, name, jitV1, "  jit_provisioning = true\n"),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply(),
			Check: func(s *terraform.State) error {
				ctx := context.Background()
				id, err := appID(s)
				if err != nil {
					return err
				}
				if users, err := usersByFederationID(ctx, sf, login); err != nil || len(users) != 0 {
					return fmt.Errorf("before sign-in: %d Salesforce users for %s (%v), want none", len(users), login, err)
				}
				if err := signInNewUser(ctx, sb, okt, id, login, "Jit", "Newcomer"); err != nil {
					return err
				}
				users, err := usersByFederationID(ctx, sf, login)
				if err != nil {
					return err
				}
				if len(users) != 1 {
					return fmt.Errorf("after sign-in: %d Salesforce users with Federation ID %s, want 1", len(users), login)
				}
				u := users[0]
				got := fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%v", u.Username, u.Email, u.FirstName, u.LastName, u.LocaleSidKey, u.TimeZoneSidKey, u.Profile.Name, u.IsActive)
				want := fmt.Sprintf("%s|%s|Jit|Newcomer|en_US|Europe/Paris|Sales User|true", login, login)
				if got != want {
					return fmt.Errorf("JIT user = %s, want %s", got, want)
				}
				return nil
			},
		}},
	})
}

type jitUser struct {
	Username, Email, FirstName, LastName, LocaleSidKey, TimeZoneSidKey string
	IsActive                                                           bool
	Profile                                                            struct{ Name string }
}

func usersByFederationID(ctx context.Context, sf *salesforce.Client, federationID string) ([]jitUser, error) {
	var users []jitUser
	err := sf.Query(ctx, "SELECT Username, Email, FirstName, LastName, LocaleSidKey, TimeZoneSidKey, IsActive, Profile.Name FROM User WHERE FederationIdentifier = "+
		salesforce.Quote(federationID), &users)
	return users, err
}

// postToACS posts the SAMLResponse as the browser does (HTTP-POST binding); Salesforce answers a successful
// sign-in with a redirect and a failed one with its error page.
func postToACS(ctx context.Context, acsURL string, response []byte) error {
	form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(response)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, acsURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("the ACS answered %d, want a redirect after sign-in: %s", resp.StatusCode, body)
	}
	return nil
}
