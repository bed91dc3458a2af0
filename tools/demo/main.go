// Command demo is `make demo`: it starts the sandbox, applies examples/demo to it through terraform with the
// local provider build, and shows the federation at work in a screenful: the federation check of every org, two
// IdP-initiated sign-ins to prod against the demo's sign-in policy (one from the office with a second factor, one
// from outside), an SP-initiated sign-in to qa by a user Okta provisioned, and a change made in Salesforce behind
// Terraform's back, reported by the plan and the check, then put right by apply. Terraform's whole output goes to
// demo.log in the state directory (-v prints it too).
// The sandbox's state persists in .sandbox/, so a second run plans no changes.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/browser"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// The demo's sign-ins: a member of "Salesforce Users" who has a prod user with her Federation ID (default seed),
// from an address in the office zone of examples/demo and from one outside it (both documentation ranges).
const (
	signInUser = "alice.anders@acme.example"
	officeIP   = "203.0.113.7"
	outsideIP  = "198.51.100.23"
)

func main() {
	provider := flag.String("provider", "bin/terraform-provider-oktasf", "the provider build")
	stateDir := flag.String("state-dir", ".sandbox", "where the sandbox state, the provider mirror and the demo workspace live")
	listen := flag.String("listen", "127.0.0.1:7450", "the sandbox's listen address")
	example := flag.String("example", "examples/demo", "the configuration to apply")
	verbose := flag.Bool("v", false, "print terraform's whole output and the requests per route")
	flag.Parse()
	if err := run(context.Background(), *provider, *stateDir, *listen, *example, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "demo: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, provider, stateDir, listen, example string, verbose bool) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	info, stop, err := tfrun.StartSandboxProcess(ctx, provider, "--listen", listen, "--state", filepath.Join(stateDir, "state.json"))
	if err != nil {
		return err
	}
	defer func() {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stop the sandbox: "+err.Error())
		}
	}()
	fmt.Printf("sandbox ready: Okta %s, Salesforce orgs %d, control %s\n", info.Okta.OrgURL, len(info.Salesforce), info.ControlURL)

	ws, err := tfrun.NewWorkspace(stateDir, example, filepath.Join(stateDir, "demo"), provider)
	if err != nil {
		return err
	}
	if ws.Env, err = info.TerraformVariables(); err != nil {
		return err
	}
	logPath := filepath.Join(stateDir, "demo.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	d := &demo{ws: ws, info: info, verbose: verbose, log: logFile}
	ctl := tfrun.Control{URL: info.ControlURL, Token: info.ControlToken}
	if _, _, err := d.terraform(ctx, "init", "-upgrade", "-no-color"); err != nil {
		return err
	}
	if err := ctl.ResetStats(ctx); err != nil {
		return err
	}
	out, wall, err := d.terraform(ctx, "apply", "-auto-approve", "-no-color")
	if err != nil {
		return err
	}
	stats, err := ctl.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("\nterraform apply: %s (%d requests, %s; terraform's output in %s)\n",
		summaryLine(out, "Apply complete!", "No changes."), stats.Total, wall.Round(time.Millisecond), logPath)
	if verbose {
		fmt.Print(tfrun.FormatStats("apply", stats, wall))
	}
	if err := d.printResourcesPerOrg(ctx); err != nil {
		return err
	}
	if err := d.printFederationCheck(ctx, "federation check after apply"); err != nil {
		return err
	}
	if err := d.playSignIns(ctx); err != nil {
		return err
	}
	if err := d.playSPSignIn(ctx); err != nil {
		return err
	}
	return d.showDrift(ctx)
}

// demo is one run: the workspace, the sandbox and whether to print terraform's whole output.
type demo struct {
	ws      *tfrun.Workspace
	info    sandbox.Info
	verbose bool
	log     io.Writer // every terraform command's whole output, for the plan the summary leaves out
}

// terraform runs one terraform command and returns its output (printed too when verbose, or when it fails).
// A plan's -detailed-exitcode 2 (changes present) is not an error.
func (d *demo) terraform(ctx context.Context, args ...string) (string, time.Duration, error) {
	var out bytes.Buffer
	quiet := *d.ws
	quiet.Stdout, quiet.Stderr = &out, &out
	wall, err := quiet.Terraform(ctx, args...)
	if d.verbose {
		fmt.Print(out.String())
	}
	if d.log != nil {
		fmt.Fprintf(d.log, "$ terraform %s\n%s\n", strings.Join(args, " "), out.String())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 && slices.Contains(args, "-detailed-exitcode") {
		err = nil
	}
	if err != nil && !d.verbose {
		fmt.Fprint(os.Stderr, out.String())
	}
	return out.String(), wall, err
}

// printResourcesPerOrg prints how many managed resources the state holds per Salesforce org (by their
// salesforce_org), and those that belong to Okta alone.
func (d *demo) printResourcesPerOrg(ctx context.Context) error {
	var out bytes.Buffer
	quiet := *d.ws
	quiet.Stdout = &out
	if _, err := quiet.Terraform(ctx, "show", "-json", "-no-color"); err != nil {
		return err
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Mode   string         `json:"mode"`
					Type   string         `json:"type"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(out.Bytes(), &state); err != nil {
		return fmt.Errorf("terraform show -json: %w", err)
	}
	types := map[string][]string{}
	for _, r := range state.Values.RootModule.Resources {
		if r.Mode != "managed" {
			continue
		}
		owner, _ := r.Values["salesforce_org"].(string)
		if owner == "" {
			owner = "okta"
		}
		types[owner] = append(types[owner], strings.TrimPrefix(r.Type, "oktasf_"))
	}
	fmt.Println("resources:")
	for _, owner := range slices.Sorted(maps.Keys(types)) {
		slices.Sort(types[owner])
		var kinds []string
		for i := 0; i < len(types[owner]); {
			n := 1
			for i+n < len(types[owner]) && types[owner][i+n] == types[owner][i] {
				n++
			}
			kind := types[owner][i]
			if n > 1 {
				kind = fmt.Sprintf("%s ×%d", kind, n)
			}
			kinds = append(kinds, kind)
			i += n
		}
		fmt.Printf("  %-5s %s\n", owner, strings.Join(kinds, ", "))
	}
	return nil
}

// summaryLine is the first line of out that starts with one of prefixes, or "?" when none does.
func summaryLine(out string, prefixes ...string) string {
	for _, line := range strings.Split(out, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(strings.TrimSpace(line), p) {
				return strings.TrimSpace(line)
			}
		}
	}
	return "?"
}

// printFederationCheck prints the federation_check output: per org, ok or its findings.
func (d *demo) printFederationCheck(ctx context.Context, title string) error {
	var checks map[string]struct {
		OK       bool     `json:"ok"`
		Findings []string `json:"findings"`
	}
	if err := terraformOutput(ctx, d.ws, "federation_check", &checks); err != nil {
		return err
	}
	fmt.Printf("\n%s (oktasf_federation_check):\n", title)
	for _, alias := range slices.Sorted(maps.Keys(checks)) {
		c := checks[alias]
		verdict := "ok"
		if !c.OK {
			verdict = "NOT OK"
		}
		noun := "findings"
		if len(c.Findings) == 1 {
			noun = "finding"
		}
		fmt.Printf("  %-5s %s, %d %s\n", alias, verdict, len(c.Findings), noun)
		for _, f := range c.Findings {
			fmt.Printf("        %s\n", f)
		}
	}
	return nil
}

// playSignIns signs signInUser in to prod twice through the sandbox's IdP, as a browser would, and prints what
// Okta's sign-in policy decided; the denied sign-in also shows the System Log's policy evaluation.
func (d *demo) playSignIns(ctx context.Context) error {
	var policy struct {
		SSOURL string `json:"sso_url"`
	}
	if err := terraformOutput(ctx, d.ws, "prod_signon_policy", &policy); err != nil {
		return err
	}
	fmt.Println("\nIdP-initiated sign-ins to prod (from the Okta app link):")

	allowed, err := browser.SignIn(ctx, http.DefaultClient, policy.SSOURL, signInUser,
		browser.Options{ClientIP: officeIP, Factor: browser.TestFactor})
	if err != nil {
		return fmt.Errorf("sign-in from the office: %w", err)
	}
	if !allowed.SignedIn {
		return fmt.Errorf("sign-in from the office: expected to reach prod, got Okta %d, Salesforce %d: %s",
			allowed.OktaStatus, allowed.SalesforceStatus, allowed.Message)
	}
	fmt.Printf("  allowed: %s from %s with a second factor → signed in to prod\n", signInUser, officeIP)

	denied, err := browser.SignIn(ctx, http.DefaultClient, policy.SSOURL, signInUser, browser.Options{ClientIP: outsideIP})
	if err != nil {
		return fmt.Errorf("sign-in from outside: %w", err)
	}
	if !denied.Denied {
		return fmt.Errorf("sign-in from outside: expected Okta to deny it, got Okta %d, Salesforce %d (signed in: %t)",
			denied.OktaStatus, denied.SalesforceStatus, denied.SignedIn)
	}
	fmt.Printf("  denied:  %s from %s → Okta %d, no assertion: %q\n", signInUser, outsideIP, denied.OktaStatus, denied.Message)
	event, err := lastPolicyEvaluation(ctx, d.info.Okta)
	if err != nil {
		return err
	}
	fmt.Printf("  System Log: %s\n", event)
	return nil
}

// playSPSignIn signs the first user oktasf_user_provisioning.qa manages in to qa the other way round: the
// browser opens a qa page, Salesforce sends it to Okta with an AuthnRequest, the user signs in there, and
// Okta's answer brings it back. It prints the Salesforce user provisioning made and the sign-in reached.
func (d *demo) playSPSignIn(ctx context.Context) error {
	var qa struct {
		Users []string `json:"users"`
	}
	if err := terraformOutput(ctx, d.ws, "qa_provisioning", &qa); err != nil {
		return err
	}
	if len(qa.Users) == 0 {
		return errors.New("oktasf_user_provisioning.qa manages no user to sign in")
	}
	login := qa.Users[0]
	org := d.info.Salesforce["qa"]
	start := strings.TrimSuffix(org.LoginURL, "/") + "/lightning/page/home"
	res, err := browser.SignInSP(ctx, http.DefaultClient, start, login, browser.SandboxPassword, browser.Options{Factor: browser.TestFactor})
	if err != nil {
		return fmt.Errorf("SP-initiated sign-in to qa: %w", err)
	}
	if !res.SignedIn {
		return fmt.Errorf("SP-initiated sign-in to qa: expected to land in qa, got Okta %d, Salesforce %d: %s",
			res.OktaStatus, res.SalesforceStatus, res.Message)
	}
	fmt.Println("\nSP-initiated sign-in to qa (from a Salesforce page, through Okta's sign-in page):")
	fmt.Printf("  %s opened %s → Okta → landed on %s as %s (%s)\n", login, start, res.LandingURL, res.SignedInName, res.SignedInUsername)
	sf, err := salesforceClient(d.info, "qa")
	if err != nil {
		return err
	}
	var users []struct {
		ID                   string `json:"Id"`
		Username             string `json:"Username"`
		FederationIdentifier string `json:"FederationIdentifier"`
		Profile              struct{ Name string }
		UserRole             *struct{ Name string }
		CostCenter           string `json:"Cost_Center__c"`
		SalesRegion          string `json:"Sales_Region__c"`
	}
	soql := "SELECT Id, Username, FederationIdentifier, Profile.Name, UserRole.Name, Cost_Center__c, Sales_Region__c FROM User WHERE Username = " +
		salesforce.Quote(res.SignedInUsername)
	if err := sf.Query(ctx, soql, &users); err != nil {
		return err
	}
	if len(users) != 1 {
		return fmt.Errorf("qa has %d users named %s", len(users), res.SignedInUsername)
	}
	u := users[0]
	role := "no role"
	if u.UserRole != nil {
		role = "role " + u.UserRole.Name
	}
	fmt.Printf("  the Salesforce user oktasf_user_provisioning.qa made: %s %s, Federation ID %s, profile %s, %s, cost center %s, region %s\n",
		u.ID, u.Username, u.FederationIdentifier, u.Profile.Name, role, u.CostCenter, u.SalesRegion)
	return nil
}

// showDrift changes prod's SAML single sign-on settings in Salesforce behind Terraform's back (another
// certificate, as a hand edit in Setup would), shows what the next plan and the federation check say, and
// puts it right with terraform apply.
func (d *demo) showDrift(ctx context.Context) error {
	sf, err := salesforceClient(d.info, "prod")
	if err != nil {
		return err
	}
	cfg, err := sf.ReadSAMLSSOConfig(ctx, "Okta")
	if err != nil {
		return err
	}
	other, err := throwawayCertificate()
	if err != nil {
		return err
	}
	cfg.ValidationCert = other
	if _, err := sf.UpsertSAMLSSOConfig(ctx, *cfg); err != nil {
		return err
	}
	fmt.Println("\nout of band: prod's SAML SSO settings \"Okta\" now trust another certificate (edited in Salesforce, not in Terraform)")
	for _, args := range [][]string{{"plan", "-refresh-only"}, {"plan"}} {
		out, _, err := d.terraform(ctx, append(args, "-no-color", "-detailed-exitcode")...)
		if err != nil {
			return err
		}
		fmt.Printf("terraform %s:\n", strings.Join(args, " "))
		for _, line := range planHighlights(out) {
			fmt.Println("  " + line)
		}
	}
	out, _, err := d.terraform(ctx, "apply", "-auto-approve", "-no-color")
	if err != nil {
		return err
	}
	fmt.Printf("\nterraform apply: %s\n", summaryLine(out, "Apply complete!"))
	if err := d.printFederationCheck(ctx, "federation check after the fix"); err != nil {
		return err
	}
	out, _, err = d.terraform(ctx, "plan", "-no-color", "-detailed-exitcode")
	if err != nil {
		return err
	}
	fmt.Printf("terraform plan: %s\n", summaryLine(out, "No changes.", "Plan:"))
	return nil
}

// planHighlights are the lines of a plan that say what changes and why: each resource's header and changed
// attributes, the Plan: line, and the text of each warning (a failed check block). Outputs and data sources
// read at apply are left out.
func planHighlights(out string) []string {
	var keep []string
	inWarning, skipWarning, inOutputs := false, false, false
	for _, raw := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(raw)
		box := strings.TrimSpace(strings.TrimLeft(trimmed, "│╷╵"))
		switch {
		case strings.HasPrefix(box, "Warning: Check block assertion known after apply"):
			inWarning, skipWarning = true, true // the check runs at apply; nothing to say yet
		case strings.HasPrefix(box, "Warning:"), strings.HasPrefix(box, "Error:"):
			inWarning, skipWarning = true, false
			keep = append(keep, box)
		case inWarning && strings.HasPrefix(trimmed, "╵"):
			inWarning = false
		case inWarning:
			if box != "" && !skipWarning && !diagnosticContext.MatchString(box) {
				keep = append(keep, "    "+box)
			}
		case strings.HasPrefix(trimmed, "Changes to Outputs:"):
			inOutputs = true
		case strings.HasPrefix(trimmed, "Plan:"):
			inOutputs = false
			keep = append(keep, trimmed)
		case inOutputs || strings.HasPrefix(trimmed, "# data.") || strings.HasPrefix(trimmed, "# (") || strings.HasPrefix(trimmed, "~ resource "):
		case strings.HasPrefix(trimmed, "# "), strings.HasPrefix(trimmed, "~ ") && strings.Contains(trimmed, " = "):
			keep = append(keep, trimmed)
		}
	}
	return keep
}

// diagnosticContext matches the lines of a diagnostic that locate it rather than say it: "on main.tf line 1",
// the source line, and the values the condition referred to.
var diagnosticContext = regexp.MustCompile(`^(on \S+ line \d+|\d+:\s|├|│|(data|var|local)\.\S+ is )`)

// salesforceClient is a client of the sandbox org alias, for what the demo does out of band.
func salesforceClient(info sandbox.Info, alias string) (*salesforce.Client, error) {
	o, ok := info.Salesforce[alias]
	if !ok {
		return nil, fmt.Errorf("the sandbox has no org %q", alias)
	}
	return salesforce.New(salesforce.Config{Alias: alias, LoginURL: o.LoginURL, ClientID: o.ClientID, Username: o.Username,
		PrivateKey: o.PrivateKey, JWTAudience: o.JWTAudience,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceSalesforce})})
}

// throwawayCertificate is a new self-signed certificate, base64 DER as SamlSsoConfig holds it.
func throwawayCertificate() (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "hand-edited in Setup"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// terraformOutput decodes one output of the workspace's state into v.
func terraformOutput(ctx context.Context, ws *tfrun.Workspace, name string, v any) error {
	var out bytes.Buffer
	quiet := *ws
	quiet.Stdout = &out
	if _, err := quiet.Terraform(ctx, "output", "-json", "-no-color", name); err != nil {
		return err
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("terraform output %s: %w", name, err)
	}
	return nil
}

// lastPolicyEvaluation reads the newest policy.evaluate_sign_on event from Okta's System Log and renders it in
// one line: the event, its outcome, the client IP, and the policy and rule that decided.
func lastPolicyEvaluation(ctx context.Context, okta sandbox.OktaInfo) (string, error) {
	q := url.Values{"sortOrder": {"DESCENDING"}, "limit": {"1"}, "filter": {`eventType eq "policy.evaluate_sign_on"`}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(okta.OrgURL, "/")+"/api/v1/logs?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "SSWS "+okta.APIToken)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /api/v1/logs: %s %s", resp.Status, body)
	}
	var events []struct {
		EventType string `json:"eventType"`
		Outcome   struct{ Result, Reason string }
		Client    struct {
			IPAddress string `json:"ipAddress"`
		}
		Target []struct{ Type, DisplayName string }
	}
	if err := json.Unmarshal(body, &events); err != nil {
		return "", fmt.Errorf("GET /api/v1/logs: %w", err)
	}
	if len(events) == 0 {
		return "", errors.New("the System Log has no policy.evaluate_sign_on event")
	}
	e := events[0]
	var policy, rule string
	for _, t := range e.Target {
		switch t.Type {
		case "Policy":
			policy = t.DisplayName
		case "Rule":
			rule = t.DisplayName
		}
	}
	return fmt.Sprintf("%s %s from %s (policy %q, rule %q)", e.EventType, e.Outcome.Result, e.Client.IPAddress, policy, rule), nil
}
