package browser

import "testing"

func TestParseForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page              string
		action, response, relay string
		wantErr                 bool
	}{
		{name: "the sandbox's form, base64 escaped by html/template",
			page:   `<form id="appForm" action="http://127.0.0.1:1?so=00D&amp;x=1" method="POST"><input name="SAMLResponse" type="hidden" value="PD&#43;x/y=="/><input name="RelayState" type="hidden" value="/home"/></form>`,
			action: "http://127.0.0.1:1?so=00D&x=1", response: "PD+x/y==", relay: "/home"},
		{name: "attributes in another order, single quotes",
			page:   `<FORM method='post' action='https://acme.my.salesforce.com/?so=00D'><INPUT type='hidden' value='abc=' name='SAMLResponse'></FORM>`,
			action: "https://acme.my.salesforce.com/?so=00D", response: "abc="},
		{name: "no form", page: `<p>nothing</p>`, wantErr: true},
		{name: "a form without SAMLResponse", page: `<form action="https://x"><input name="RelayState" value=""></form>`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			action, response, relay, err := parseForm(tt.page)
			if (err != nil) != tt.wantErr || action != tt.action || response != tt.response || relay != tt.relay {
				t.Errorf("parseForm = %q, %q, %q, %v", action, response, relay, err)
			}
		})
	}
}

func TestPageText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, page, want string }{
		{"Salesforce's reason", `<body><h1>SAML Single Sign-On failed</h1><p>Contact your admin.</p><p id="reason">Restricted IP: the sign-in came from 192.0.2.1</p></body>`,
			"Restricted IP: the sign-in came from 192.0.2.1"},
		{"Okta's page", "<html><head><title>Access denied</title></head><body><h1>Access denied</h1>\n<p>You don&#39;t have permission.</p></body></html>",
			"Access denied: You don't have permission."},
		{"no body", "plain text ", "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pageText(tt.page); got != tt.want {
				t.Errorf("pageText = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzParseForm: whatever page Okta (or something in its place) answers, parsing returns, and a form it accepts
// has an action and a SAMLResponse.
func FuzzParseForm(f *testing.F) {
	f.Add(`<form action="https://x?so=1"><input name="SAMLResponse" value="PD&#43;"/></form>`)
	f.Add(`<form action='`)
	f.Fuzz(func(t *testing.T, page string) {
		action, response, _, err := parseForm(page)
		if err == nil && (action == "" || response == "") {
			t.Errorf("accepted a form with action %q and SAMLResponse %q", action, response)
		}
		_ = pageText(page)
	})
}

func TestFindForms(t *testing.T) {
	t.Parallel()
	page := `<!DOCTYPE html><html lang="en"><body>
<form id="okta-signin-form" method="POST" action="/app/x/exk/sso/saml?device_managed=true">
<input type="hidden" name="stateToken" value="00a&#43;b">
<input id="okta-signin-username" name="username" type="text" value="" required>
<input id="okta-signin-password" name="password" type="password" required>
<button id="okta-signin-submit" type="submit">Sign In</button></form>
<form id="appForm" action="https://acme.my.salesforce.com?so=00D&amp;x=1" method="POST"><input name="SAMLResponse" type="hidden" value="PD&#43;"/></form>
<p id="okta-signin-error" role="alert">Unable &amp; <b>sign</b> in</p></body></html>`
	forms := findForms(page)
	signIn, app := forms["okta-signin-form"], forms["appForm"]
	if signIn == nil || app == nil || len(forms) != 2 {
		t.Fatalf("forms: %v", forms)
	}
	if signIn.action != "/app/x/exk/sso/saml?device_managed=true" || signIn.fields.Get("stateToken") != "00a+b" ||
		!signIn.fields.Has("username") || !signIn.fields.Has("password") || signIn.fields.Has("SAMLResponse") {
		t.Errorf("sign-in form: %+v", signIn)
	}
	if app.action != "https://acme.my.salesforce.com?so=00D&x=1" || app.fields.Get("SAMLResponse") != "PD+" {
		t.Errorf("app form: %+v", app)
	}
	if got := elementText(page, "okta-signin-error"); got != "Unable & sign in" {
		t.Errorf("elementText = %q", got)
	}
	if got := elementText(page, "missing"); got != "" {
		t.Errorf("elementText of a missing id = %q", got)
	}
}

// FuzzFindForms: whatever page a server answers, reading its forms and an element's text returns.
func FuzzFindForms(f *testing.F) {
	f.Add(`<form id="okta-factor-form" action="/x"><input name="stateToken" value="a"><input id="factor" name="factor"></form><p id="okta-factor-error">x</p>`)
	f.Add(`<form id='a' action='`)
	f.Fuzz(func(t *testing.T, page string) {
		for id, form := range findForms(page) {
			if form == nil || form.fields == nil {
				t.Errorf("form %q is nil", id)
			}
		}
		_ = elementText(page, "okta-factor-error")
	})
}
