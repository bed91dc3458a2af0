// Command demo is `make demo`: it starts the sandbox, applies examples/demo to it through terraform with the
// local provider build, prints the outputs and the requests it took, plays two sign-ins to prod against the
// sign-in policy the demo declares (one from the office with a second factor, one from outside), and stops the
// sandbox (whose state persists in .sandbox/, so a second run plans no changes).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/browser"
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
	flag.Parse()
	if err := run(context.Background(), *provider, *stateDir, *listen, *example); err != nil {
		fmt.Fprintln(os.Stderr, "demo: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, provider, stateDir, listen, example string) error {
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
	ctl := tfrun.Control{URL: info.ControlURL}
	if _, err := ws.Terraform(ctx, "init", "-upgrade", "-no-color"); err != nil {
		return err
	}
	if err := ctl.ResetStats(ctx); err != nil {
		return err
	}
	wall, err := ws.Terraform(ctx, "apply", "-auto-approve", "-no-color")
	if err != nil {
		return err
	}
	stats, err := ctl.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Print(tfrun.FormatStats("\napply", stats, wall))
	return playSignIns(ctx, ws, info)
}

// playSignIns signs signInUser in to prod twice through the sandbox's IdP, as a browser would, and prints what
// Okta's sign-in policy decided; the denied sign-in also shows the System Log's policy evaluation.
func playSignIns(ctx context.Context, ws *tfrun.Workspace, info sandbox.Info) error {
	var policy struct {
		SSOURL string `json:"sso_url"`
	}
	if err := terraformOutput(ctx, ws, "prod_signon_policy", &policy); err != nil {
		return err
	}
	fmt.Println("\nsign-ins to prod:")

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
	event, err := lastPolicyEvaluation(ctx, info.Okta)
	if err != nil {
		return err
	}
	fmt.Printf("  System Log: %s\n", event)
	return nil
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
