package browser

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/oktaemu"
)

// SandboxPassword is the password of every sandbox Okta user who has none of their own (all seeded users).
const SandboxPassword = oktaemu.SandboxPassword

// maxSteps bounds the pages one sign-in walks through; the sandbox's longest flow takes seven.
const maxSteps = 16

// SignInSP plays SP-initiated sign-in as a browser with cookies: it opens startURL at Salesforce (a page such as
// {org}/home/home.jsp, the login URL {org}/?so=<orgId>, or {org}/saml/authn-request.jsp?samlSsoConfig=<name>),
// follows the AuthnRequest to Okta by either binding, submits Okta's sign-in page with username and password, its
// second-factor page with opt.Factor when the sign-in policy asks for one, posts the SAMLResponse to the ACS and
// reads the page it lands on. As with SignIn, a refusal is a Result (Challenged, Denied, Message), not an error.
// hc's cookie jar is used when it has one, else a new one.
func SignInSP(ctx context.Context, hc *http.Client, startURL, username, password string, opt Options) (Result, error) {
	var res Result
	if username == "" || password == "" {
		return res, errors.New("browser: an SP-initiated sign-in needs a username and a password")
	}
	client := noRedirects(hc)
	if client.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return res, err
		}
		client.Jar = jar
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, startURL, nil)
	if err != nil {
		return res, fmt.Errorf("browser: start URL %q: %w", startURL, err)
	}
	var sentCredentials, sentFactor, postedACS bool
	for range maxSteps {
		setClientIP(req, opt.ClientIP)
		var next *http.Request
		_, _, err := fetch(client, req, func(status int, h http.Header, page string) error {
			var serr error
			next, serr = signInStep(ctx, &res, req, status, h, page, stepState{
				username: username, password: password, opt: opt,
				sentCredentials: &sentCredentials, sentFactor: &sentFactor, postedACS: &postedACS})
			return serr
		})
		if err != nil || next == nil {
			return res, err
		}
		req = next
	}
	return res, fmt.Errorf("browser: the sign-in from %s did not end within %d pages", startURL, maxSteps)
}

type stepState struct {
	username, password                     string
	opt                                    Options
	sentCredentials, sentFactor, postedACS *bool
}

// signInStep reads one answer and returns the next request, or nil when the sign-in is over.
func signInStep(ctx context.Context, res *Result, req *http.Request, status int, h http.Header, page string, st stepState) (*http.Request, error) {
	if status >= 300 && status < 400 {
		loc, err := req.URL.Parse(h.Get("Location"))
		if err != nil || h.Get("Location") == "" {
			return nil, fmt.Errorf("browser: %d from %s without a usable Location", status, req.URL)
		}
		if *st.postedACS && res.SalesforceStatus == 0 {
			res.SalesforceStatus = status
			res.SignedIn = hasSessionCookie(h)
			if !res.SignedIn {
				return nil, fmt.Errorf("browser: the ACS redirected to %q without a session cookie", loc)
			}
		}
		if loc.Query().Has("SAMLRequest") { // HTTP-Redirect binding: this request reaches Okta
			addDevice(loc, st.opt.Device)
		}
		return http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	}
	forms := findForms(page)
	switch {
	case forms["appForm"] != nil:
		f := forms["appForm"]
		res.OktaStatus, res.ACSURL, res.SAMLResponse = status, f.action, f.fields.Get("SAMLResponse")
		if res.ACSURL == "" || res.SAMLResponse == "" {
			return nil, fmt.Errorf("browser: Okta's form has no action or SAMLResponse: %s", pageText(page))
		}
		*st.postedACS = true
		return postForm(ctx, req, f.action, f.fields)
	case forms["saml-request-form"] != nil: // HTTP-POST binding
		f := forms["saml-request-form"]
		action, err := req.URL.Parse(f.action)
		if err != nil || f.fields.Get("SAMLRequest") == "" {
			return nil, fmt.Errorf("browser: Salesforce's request form has no action or SAMLRequest: %s", pageText(page))
		}
		addDevice(action, st.opt.Device)
		return postForm(ctx, req, action.String(), f.fields)
	case forms["okta-signin-form"] != nil:
		if *st.sentCredentials {
			res.OktaStatus, res.Message = status, elementText(page, "okta-signin-error")
			return nil, nil
		}
		*st.sentCredentials = true
		f := forms["okta-signin-form"]
		f.fields.Set("username", st.username)
		f.fields.Set("password", st.password)
		return postForm(ctx, req, f.action, f.fields)
	case forms["okta-factor-form"] != nil:
		res.FactorAsked = true
		if st.opt.Factor == "" || *st.sentFactor {
			res.OktaStatus, res.Challenged, res.Message = status, true, pageText(page)
			return nil, nil
		}
		*st.sentFactor = true
		f := forms["okta-factor-form"]
		f.fields.Set("factor", st.opt.Factor)
		return postForm(ctx, req, f.action, f.fields)
	case strings.Contains(page, `id="signed-in-user"`):
		res.LandingURL = req.URL.String()
		res.SignedInName, res.SignedInUsername = elementText(page, "signed-in-user"), elementText(page, "signed-in-username")
		return nil, nil
	case strings.Contains(page, `id="okta-error-title"`):
		res.OktaStatus, res.Denied, res.Message = status, status == http.StatusForbidden, pageText(page)
		return nil, nil
	case *st.postedACS && strings.Contains(page, `id="reason"`):
		res.SalesforceStatus, res.Message = status, pageText(page)
		return nil, nil
	case strings.Contains(page, `id="login-page"`): // Salesforce's login page: click its one SSO button
		buttons := idpButton.FindAllStringSubmatch(page, -1)
		if len(buttons) != 1 {
			return nil, fmt.Errorf("browser: Salesforce's login page at %s has %d single sign-on buttons, want one to click", req.URL, len(buttons))
		}
		href, err := req.URL.Parse(attrs(buttons[0][0])["href"])
		if err != nil {
			return nil, fmt.Errorf("browser: login page button: %w", err)
		}
		return http.NewRequestWithContext(ctx, http.MethodGet, href.String(), nil)
	case strings.Contains(page, `id="reason"`): // Salesforce could not send the request
		res.Message = pageText(page)
		return nil, fmt.Errorf("browser: Salesforce answered %d to %s: %s", status, req.URL, res.Message)
	}
	return nil, fmt.Errorf("browser: unexpected answer %d to %s %s: %s", status, req.Method, req.URL, pageText(page))
}

// addDevice declares the device to Okta's sign-in policy the sandbox's way (query parameters).
func addDevice(u *url.URL, d Device) {
	q := u.Query()
	if d.Registered {
		q.Set("device_registered", "true")
	}
	if d.Managed {
		q.Set("device_managed", "true")
	}
	if d.Platform != "" {
		q.Set("device_platform", d.Platform)
	}
	if len(d.Assurances) > 0 {
		q.Set("device_assurance", strings.Join(d.Assurances, ","))
	}
	u.RawQuery = q.Encode()
}

func postForm(ctx context.Context, from *http.Request, action string, fields url.Values) (*http.Request, error) {
	u, err := from.URL.Parse(action)
	if err != nil {
		return nil, fmt.Errorf("browser: form action %q: %w", action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(fields.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// htmlForm is a form of a page: its action and the values its inputs submit.
type htmlForm struct {
	action string
	fields url.Values
}

var (
	formBlock = regexp.MustCompile(`(?is)(<form\b[^>]*>)(.*?)</form>`)
	idpButton = regexp.MustCompile(`(?is)<a\b[^>]*\bclass="idp-button"[^>]*>`)
)

// findForms reads a page's forms by id (a form without an id is keyed "").
func findForms(page string) map[string]*htmlForm {
	out := map[string]*htmlForm{}
	for _, m := range formBlock.FindAllStringSubmatch(page, -1) {
		a := attrs(m[1])
		f := &htmlForm{action: a["action"], fields: url.Values{}}
		for _, in := range inputTag.FindAllString(m[2], -1) {
			ia := attrs(in)
			if name := ia["name"]; name != "" {
				f.fields.Add(name, ia["value"])
			}
		}
		if _, seen := out[a["id"]]; !seen {
			out[a["id"]] = f
		}
	}
	return out
}

// elementText is the text of the element with this id (up to the first closing tag of its name), or "".
func elementText(page, id string) string {
	open := regexp.MustCompile(`(?is)<([a-z][a-z0-9]*)\b[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`)
	loc := open.FindStringSubmatchIndex(page)
	if loc == nil {
		return ""
	}
	rest := page[loc[1]:]
	end := strings.Index(strings.ToLower(rest), "</"+strings.ToLower(page[loc[2]:loc[3]])+">")
	if end < 0 {
		return ""
	}
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(rest[:end], " "))), " ")
}
