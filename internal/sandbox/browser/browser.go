// Package browser plays a browser's SAML sign-in against the sandbox over HTTP. SignIn is IdP-initiated: it asks the
// Okta emulator's IdP for the app's auto-post form (the ?login= shortcut), as a user at a given address with a given
// device and second factor would, and posts the form to the Salesforce emulator's assertion consumer, without
// following redirects. SignInSP is SP-initiated and walks the pages a real browser sees: Salesforce's AuthnRequest
// (either binding), Okta's sign-in and second-factor pages, the ACS and the landing page.
package browser

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
)

// TestFactor is the code the sandbox's test factor accepts as a second factor.
const TestFactor = oktaemu.SandboxTestFactor

// clientIPHeader is how a loopback caller presents a browser's address to both emulators.
const clientIPHeader = oktaemu.ClientIPHeader

// maxPage bounds what is read of an answer; the sandbox's pages are a few kilobytes.
const maxPage = 1 << 20

// Options describe the browser: where it signs in from, the second factor it offers and its device.
type Options struct {
	ClientIP string // sent as X-Sandbox-Client-IP to Okta and to the ACS; "" sends none
	Factor   string // the second factor's code, "" for none (the sandbox's test factor is TestFactor)
	Device   Device
}

// Device is the device context the sign-in declares to Okta's sign-in policy.
type Device struct {
	Registered, Managed bool
	Platform            string   // MACOS, WINDOWS, IOS, ANDROID or CHROMEOS; "" for none
	Assurances          []string // ids of the device assurance policies the device meets
}

// Result is what the browser saw.
type Result struct {
	OktaStatus       int    // status of Okta's answer: 200 form, 401 challenge, 403 denied
	Challenged       bool   // Okta asked for a second factor
	Denied           bool   // Okta refused (403)
	ACSURL           string // where the form posts
	SAMLResponse     string // base64, as posted
	SalesforceStatus int    // status of the ACS answer, 0 when not reached
	SignedIn         bool   // Salesforce accepted the assertion: a redirect that sets its sid session cookie
	Message          string // the error page's text when refused (Okta or Salesforce), trimmed

	// SignInSP only: what the pages showed.
	FactorAsked      bool   // Okta's second-factor page was shown (answered unless Challenged)
	LandingURL       string // the Salesforce page the browser landed on after sign-in
	SignedInName     string // the landing page's signed-in user: User.Name
	SignedInUsername string // and User.Username
}

// SignIn signs login in at ssoURL, the app's IdP sign-in URL ({okta}/app/{name}/{exk}/sso/saml, what
// oktasf_saml_app and oktasf_saml_metadata expose as sso_url). When Okta answers the form, SignIn posts it to the
// ACS. A refusal by Okta or Salesforce is a Result, not an error; errors are transport failures and answers that
// are neither (a missing app, a form without a SAMLResponse, an ACS that answers neither its page nor a redirect).
func SignIn(ctx context.Context, hc *http.Client, ssoURL, login string, opt Options) (Result, error) {
	var res Result
	if login == "" {
		return res, errors.New("browser: a sign-in needs a login")
	}
	u, err := url.Parse(ssoURL)
	if err != nil {
		return res, fmt.Errorf("browser: sign-in URL %q: %w", ssoURL, err)
	}
	q := u.Query()
	q.Set("login", login)
	if opt.Factor != "" {
		q.Set("factor", opt.Factor)
	}
	if opt.Device.Registered {
		q.Set("device_registered", "true")
	}
	if opt.Device.Managed {
		q.Set("device_managed", "true")
	}
	if opt.Device.Platform != "" {
		q.Set("device_platform", opt.Device.Platform)
	}
	if len(opt.Device.Assurances) > 0 {
		q.Set("device_assurance", strings.Join(opt.Device.Assurances, ","))
	}
	u.RawQuery = q.Encode()

	client := noRedirects(hc)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return res, err
	}
	setClientIP(req, opt.ClientIP)
	var relayState string
	res.OktaStatus, _, err = fetch(client, req, func(status int, _ http.Header, page string) error {
		switch status {
		case http.StatusOK:
			var perr error
			res.ACSURL, res.SAMLResponse, relayState, perr = parseForm(page)
			return perr
		case http.StatusUnauthorized:
			res.Challenged = true
		case http.StatusForbidden:
			res.Denied = true
		default:
			return fmt.Errorf("browser: Okta answered %d to GET %s: %s", status, ssoURL, pageText(page))
		}
		res.Message = pageText(page)
		return nil
	})
	if err != nil || res.OktaStatus != http.StatusOK {
		return res, err
	}

	form := url.Values{"SAMLResponse": {res.SAMLResponse}, "RelayState": {relayState}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, res.ACSURL, strings.NewReader(form.Encode()))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setClientIP(req, opt.ClientIP)
	res.SalesforceStatus, _, err = fetch(client, req, func(status int, h http.Header, page string) error {
		switch status {
		case http.StatusFound, http.StatusSeeOther:
			res.SignedIn = hasSessionCookie(h)
			if !res.SignedIn {
				return fmt.Errorf("browser: the ACS redirected to %q without a session cookie", h.Get("Location"))
			}
		case http.StatusOK: // Salesforce answers a refused assertion with its error page
			res.Message = pageText(page)
		default:
			return fmt.Errorf("browser: the ACS answered %d to POST %s: %s", status, res.ACSURL, pageText(page))
		}
		return nil
	})
	return res, err
}

// noRedirects copies hc (or the default client) so that it stops at the first answer, as a test of what each
// side answers needs.
func noRedirects(hc *http.Client) *http.Client {
	c := http.Client{}
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func setClientIP(req *http.Request, ip string) {
	if ip != "" {
		req.Header.Set(clientIPHeader, ip)
	}
}

// fetch sends req and hands the status, headers and page to read.
func fetch(c *http.Client, req *http.Request, read func(int, http.Header, string) error) (int, http.Header, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return resp.StatusCode, resp.Header, err
	}
	return resp.StatusCode, resp.Header, read(resp.StatusCode, resp.Header, string(body))
}

func hasSessionCookie(h http.Header) bool {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "sid" && c.Value != "" {
			return true
		}
	}
	return false
}

var (
	formTag  = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attr     = regexp.MustCompile(`(?is)([a-z][a-z0-9_-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	tags     = regexp.MustCompile(`(?s)<[^>]*>`)
	heading  = regexp.MustCompile(`(?i)</h[1-6]>`)
	body     = regexp.MustCompile(`(?is)<body\b[^>]*>(.*)</body>`)
	reason   = regexp.MustCompile(`(?is)<p\b[^>]*\bid="reason"[^>]*>(.*?)</p>`)
)

// attrs reads a tag's attributes, unescaped (html/template escapes '+' of base64 as &#43;).
func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attr.FindAllStringSubmatch(tag, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2] + m[3])
	}
	return out
}

// parseForm reads the auto-post form: its action and the SAMLResponse and RelayState fields.
func parseForm(page string) (action, samlResponse, relayState string, err error) {
	f := formTag.FindString(page)
	if f == "" {
		return "", "", "", errors.New("browser: Okta's answer has no form")
	}
	action = attrs(f)["action"]
	for _, in := range inputTag.FindAllString(page, -1) {
		a := attrs(in)
		switch a["name"] {
		case "SAMLResponse":
			samlResponse = a["value"]
		case "RelayState":
			relayState = a["value"]
		}
	}
	if action == "" || samlResponse == "" {
		return "", "", "", fmt.Errorf("browser: Okta's form has no action or SAMLResponse: %s", pageText(page))
	}
	return action, samlResponse, relayState, nil
}

// pageText is an error page's text: Salesforce's reason when it gives one, else the body without tags.
func pageText(page string) string {
	if m := reason.FindStringSubmatch(page); m != nil {
		page = m[1]
	} else if m := body.FindStringSubmatch(page); m != nil {
		page = m[1]
	}
	page = heading.ReplaceAllString(page, ": ") // "Access denied: You don't have …"
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(page, " "))), " ")
}
