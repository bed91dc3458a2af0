package provider

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// DefaultAPIVersion is the Salesforce API version used when an org does not set api_version.
const DefaultAPIVersion = "63.0"

// defaultSalesforceAlias is the alias of the single org configured from SALESFORCE_* variables.
const defaultSalesforceAlias = "default"

// oktaSettings is the resolved, validated Okta configuration.
type oktaSettings struct {
	OrgURL       string
	APIToken     string
	ClientID     string
	PrivateKey   string
	PrivateKeyID string
	Scopes       []string
}

// salesforceSettings is the resolved, validated configuration of one Salesforce org.
type salesforceSettings struct {
	Alias        string
	LoginURL     string
	ClientID     string
	ClientSecret string
	Username     string
	PrivateKey   string
	APIVersion   string
	JWTAudience  string
}

// settings is the provider configuration after environment fallbacks and validation.
type settings struct {
	Okta       *oktaSettings
	Salesforce map[string]salesforceSettings
	// Incomplete is true when a value was unknown at validation time (it comes from another resource).
	Incomplete bool
}

// field is one configuration value with where it came from, so errors can name the attribute or variable.
type field struct {
	value   string
	known   bool // false while the value depends on something not yet applied
	set     bool
	path    path.Path
	envName string // set when the value came from an environment variable
}

func (f field) where() string {
	if f.envName != "" {
		return fmt.Sprintf("environment variable %s", f.envName)
	}
	return f.path.String()
}

func fromAttr(v types.String, p path.Path) field {
	if v.IsUnknown() {
		return field{path: p}
	}
	if v.IsNull() {
		return field{known: true, path: p}
	}
	return field{value: v.ValueString(), known: true, set: v.ValueString() != "", path: p}
}

// withEnv falls back to an environment variable when the attribute is null.
func (f field) withEnv(getenv func(string) string, names ...string) field {
	if f.set || !f.known {
		return f
	}
	for _, n := range names {
		if v := getenv(n); v != "" {
			return field{value: v, known: true, set: true, path: f.path, envName: n}
		}
	}
	return f
}

var aliasPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
var apiVersionPattern = regexp.MustCompile(`^[0-9]{2,3}\.0$`)

// configInput is the provider block decoded into Go values. Unknown is true when a whole object or org
// is not known yet; its checks wait until Terraform knows it.
type configInput struct {
	Okta       *oktaModel
	Salesforce map[string]salesforceOrgModel
	Unknown    bool
}

// decodeConfig turns the framework model into configInput, tolerating unknown objects.
func decodeConfig(ctx context.Context, m providerModel) (configInput, diag.Diagnostics) {
	var in configInput
	var diags diag.Diagnostics
	switch {
	case m.Okta.IsUnknown():
		in.Unknown = true
	case !m.Okta.IsNull():
		var o oktaModel
		diags.Append(m.Okta.As(ctx, &o, basetypes.ObjectAsOptions{})...)
		in.Okta = &o
	}
	switch {
	case m.Salesforce.IsUnknown():
		in.Unknown = true
	case !m.Salesforce.IsNull():
		in.Salesforce = map[string]salesforceOrgModel{}
		for alias, v := range m.Salesforce.Elements() {
			obj, ok := v.(types.Object)
			if !ok || obj.IsUnknown() {
				in.Unknown = true
				continue
			}
			var o salesforceOrgModel
			diags.Append(obj.As(ctx, &o, basetypes.ObjectAsOptions{})...)
			in.Salesforce[alias] = o
		}
	}
	return in, diags
}

// resolveSettings applies environment fallbacks and validates the whole provider configuration.
// Every problem is reported against the attribute (or variable) that holds it, with the fix.
func resolveSettings(m configInput, getenv func(string) string) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := settings{Incomplete: m.Unknown}

	okta, oktaDiags := resolveOkta(m, getenv, &s)
	diags.Append(oktaDiags...)
	s.Okta = okta

	sf, sfDiags := resolveSalesforce(m, getenv, &s)
	diags.Append(sfDiags...)
	s.Salesforce = sf
	return s, namePaths(diags)
}

// namePaths makes every attribute error's text name its attribute: terraform points provider errors at the
// provider block, not at the attribute, so the detail has to say which one it is.
func namePaths(diags diag.Diagnostics) diag.Diagnostics {
	out := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		withPath, ok := d.(diag.DiagnosticWithPath)
		if !ok || d.Severity() != diag.SeverityError {
			out = append(out, d)
			continue
		}
		p := withPath.Path().String()
		if strings.Contains(d.Detail(), p) || strings.Contains(d.Detail(), "environment variable") {
			out = append(out, d)
			continue
		}
		out = append(out, diag.NewAttributeErrorDiagnostic(withPath.Path(), d.Summary(), p+": "+d.Detail()))
	}
	return out
}

func resolveOkta(m configInput, getenv func(string) string, s *settings) (*oktaSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	root := path.Root("okta")
	var o oktaModel
	if m.Okta != nil {
		o = *m.Okta
	} else if m.Unknown {
		return nil, diags // the okta object is not known yet
	} else {
		o = oktaModel{
			OrgURL: types.StringNull(), OrgName: types.StringNull(), BaseURL: types.StringNull(),
			APIToken: types.StringNull(), ClientID: types.StringNull(), PrivateKey: types.StringNull(),
			PrivateKeyID: types.StringNull(), Scopes: types.ListNull(types.StringType),
		}
	}
	orgURL := fromAttr(o.OrgURL, root.AtName("org_url")).withEnv(getenv, "OKTA_ORG_URL")
	orgName := fromAttr(o.OrgName, root.AtName("org_name")).withEnv(getenv, "OKTA_ORG_NAME")
	baseURL := fromAttr(o.BaseURL, root.AtName("base_url")).withEnv(getenv, "OKTA_BASE_URL")
	token := fromAttr(o.APIToken, root.AtName("api_token")).withEnv(getenv, "OKTA_API_TOKEN")
	clientID := fromAttr(o.ClientID, root.AtName("client_id")).withEnv(getenv, "OKTA_API_CLIENT_ID")
	key := fromAttr(o.PrivateKey, root.AtName("private_key")).withEnv(getenv, "OKTA_API_PRIVATE_KEY")
	keyID := fromAttr(o.PrivateKeyID, root.AtName("private_key_id")).withEnv(getenv, "OKTA_API_PRIVATE_KEY_ID")

	scopes, scopesKnown := []string(nil), true
	if o.Scopes.IsUnknown() {
		scopesKnown = false
	} else if !o.Scopes.IsNull() {
		for _, e := range o.Scopes.Elements() {
			sv, ok := e.(types.String)
			if !ok || sv.IsUnknown() {
				scopesKnown = false
				continue
			}
			scopes = append(scopes, sv.ValueString())
		}
	} else if v := getenv("OKTA_API_SCOPES"); v != "" {
		for _, sc := range strings.Split(v, ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				scopes = append(scopes, sc)
			}
		}
	}

	all := []field{orgURL, orgName, baseURL, token, clientID, key, keyID}
	anySet := len(scopes) > 0
	for _, f := range all {
		if f.set || !f.known {
			anySet = true
		}
		if !f.known {
			s.Incomplete = true
		}
	}
	if !scopesKnown {
		s.Incomplete = true
	}
	if !anySet {
		return nil, diags // Okta not configured; resources that need it say so
	}

	out := &oktaSettings{APIToken: token.value, ClientID: clientID.value, PrivateKeyID: keyID.value, Scopes: scopes}

	switch {
	case orgURL.set && (orgName.set || baseURL.set):
		other := orgName
		if !orgName.set {
			other = baseURL
		}
		diags.AddAttributeError(orgURL.path, "Conflicting Okta org settings",
			fmt.Sprintf("Both %s and %s are set. Set either org_url (for example https://acme.okta.com), or org_name with base_url, not both.", orgURL.where(), other.where()))
	case orgURL.set:
		if u, err := checkServiceURL(orgURL.value, "https://acme.okta.com"); err != nil {
			diags.AddAttributeError(orgURL.path, "Invalid Okta org URL", fmt.Sprintf("%s: %s", orgURL.where(), err))
		} else {
			out.OrgURL = u
		}
	case orgName.set:
		base := baseURL.value
		if !baseURL.set {
			base = "okta.com"
		}
		if !regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`).MatchString(orgName.value) {
			diags.AddAttributeError(orgName.path, "Invalid Okta org name",
				fmt.Sprintf("%s is %q; it must be the org's subdomain only, for example \"acme\" for https://acme.okta.com.", orgName.where(), orgName.value))
		} else if !regexp.MustCompile(`^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`).MatchString(base) {
			diags.AddAttributeError(baseURL.path, "Invalid Okta base URL",
				fmt.Sprintf("%s is %q; it must be a domain such as okta.com, oktapreview.com or okta-emea.com (no scheme, no path).", baseURL.where(), base))
		} else {
			out.OrgURL = "https://" + orgName.value + "." + base
		}
	case baseURL.set:
		diags.AddAttributeError(baseURL.path, "Incomplete Okta org settings",
			fmt.Sprintf("%s is set but org_name is not. Set org_name (OKTA_ORG_NAME) too, or use org_url instead.", baseURL.where()))
	case orgURL.known && orgName.known:
		diags.AddAttributeError(orgURL.path, "Missing Okta org URL",
			"The okta block needs org_url (or OKTA_ORG_URL), for example https://acme.okta.com, or org_name with base_url (OKTA_ORG_NAME, OKTA_BASE_URL).")
	}

	switch {
	case token.set && (clientID.set || key.set):
		other := clientID
		if !clientID.set {
			other = key
		}
		diags.AddAttributeError(token.path, "Conflicting Okta credentials",
			fmt.Sprintf("Both %s and %s are set. Use either an API token, or an OAuth 2.0 service app (client_id with private_key), not both.", token.where(), other.where()))
	case token.set:
		if strings.HasPrefix(strings.TrimSpace(token.value), "SSWS ") {
			diags.AddAttributeError(token.path, "Invalid Okta API token",
				fmt.Sprintf("%s starts with \"SSWS \"; give the token alone, the provider adds the scheme.", token.where()))
		}
	case clientID.set || key.set:
		if !clientID.set && clientID.known {
			diags.AddAttributeError(clientID.path, "Missing Okta client ID",
				fmt.Sprintf("%s is set but client_id is not. Set client_id (OKTA_API_CLIENT_ID) to the service app's client ID.", key.where()))
		}
		if !key.set && key.known {
			diags.AddAttributeError(key.path, "Missing Okta private key",
				fmt.Sprintf("%s is set but private_key is not. Set private_key (OKTA_API_PRIVATE_KEY) to the service app's PEM private key.", clientID.where()))
		}
		if key.set {
			pemText, err := loadPrivateKey(key.value)
			if err != nil {
				diags.AddAttributeError(key.path, "Invalid Okta private key", fmt.Sprintf("%s: %s", key.where(), err))
			}
			out.PrivateKey = pemText
		}
		if scopesKnown && len(scopes) == 0 {
			diags.AddAttributeError(root.AtName("scopes"), "Missing Okta OAuth scopes",
				"An OAuth 2.0 service app needs scopes (or OKTA_API_SCOPES, comma-separated): list the scopes granted to it, for example [\"okta.groups.read\", \"okta.apps.manage\"].")
		}
	case token.known && clientID.known && key.known:
		diags.AddAttributeError(token.path, "Missing Okta credentials",
			"The okta block needs credentials: api_token (or OKTA_API_TOKEN), or an OAuth 2.0 service app with client_id and private_key (OKTA_API_CLIENT_ID, OKTA_API_PRIVATE_KEY) and scopes.")
	}
	if keyID.set && !clientID.set && !key.set {
		diags.AddAttributeError(keyID.path, "Okta private key ID without a service app",
			fmt.Sprintf("%s is set, but no service app is configured: private_key_id names the key of client_id/private_key. Remove it, or configure the service app.", keyID.where()))
	}
	if len(scopes) > 0 && token.set {
		diags.AddAttributeError(root.AtName("scopes"), "Okta OAuth scopes with an API token",
			"scopes apply to an OAuth 2.0 service app (client_id with private_key); an API token carries its admin's permissions. Remove scopes, or use the service app instead of api_token.")
	}
	for i, sc := range scopes {
		if !regexp.MustCompile(`^okta\.[A-Za-z]+\.[A-Za-z.]+$`).MatchString(sc) {
			diags.AddAttributeError(root.AtName("scopes").AtListIndex(i), "Invalid Okta OAuth scope",
				fmt.Sprintf("%q is not an Okta management scope; scopes look like okta.groups.read or okta.apps.manage.", sc))
		}
	}
	return out, diags
}

func resolveSalesforce(m configInput, getenv func(string) string, s *settings) (map[string]salesforceSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	orgs := map[string]salesforceOrgModel{}
	if m.Salesforce != nil {
		orgs = m.Salesforce
	} else if !m.Unknown && (getenv("SALESFORCE_LOGIN_URL") != "" || getenv("SALESFORCE_CLIENT_ID") != "") {
		orgs[defaultSalesforceAlias] = salesforceOrgModel{
			LoginURL: types.StringNull(), ClientID: types.StringNull(), ClientSecret: types.StringNull(),
			Username: types.StringNull(), PrivateKey: types.StringNull(), APIVersion: types.StringNull(), JWTAudience: types.StringNull(),
		}
	}
	aliases := make([]string, 0, len(orgs))
	for a := range orgs {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)

	out := map[string]salesforceSettings{}
	for _, alias := range aliases {
		o := orgs[alias]
		root := path.Root("salesforce").AtMapKey(alias)
		if !aliasPattern.MatchString(alias) {
			diags.AddAttributeError(root, "Invalid Salesforce org alias",
				fmt.Sprintf("%q is not a valid alias: use lower-case letters, digits, '-' and '_', starting with a letter (for example \"prod\" or \"uat\").", alias))
			continue
		}
		env := func(f field, name string) field {
			if m.Salesforce == nil { // only the env-configured "default" org reads SALESFORCE_*
				return f.withEnv(getenv, name)
			}
			return f
		}
		loginURL := env(fromAttr(o.LoginURL, root.AtName("login_url")), "SALESFORCE_LOGIN_URL")
		clientID := env(fromAttr(o.ClientID, root.AtName("client_id")), "SALESFORCE_CLIENT_ID")
		secret := env(fromAttr(o.ClientSecret, root.AtName("client_secret")), "SALESFORCE_CLIENT_SECRET")
		username := env(fromAttr(o.Username, root.AtName("username")), "SALESFORCE_USERNAME")
		key := env(fromAttr(o.PrivateKey, root.AtName("private_key")), "SALESFORCE_PRIVATE_KEY")
		version := env(fromAttr(o.APIVersion, root.AtName("api_version")), "SALESFORCE_API_VERSION")
		audience := fromAttr(o.JWTAudience, root.AtName("jwt_audience"))
		for _, f := range []field{loginURL, clientID, secret, username, key, version, audience} {
			if !f.known {
				s.Incomplete = true
			}
		}

		org := salesforceSettings{Alias: alias, ClientID: clientID.value, ClientSecret: secret.value, Username: username.value, APIVersion: DefaultAPIVersion}
		switch {
		case loginURL.set:
			if u, err := checkServiceURL(loginURL.value, "https://acme.my.salesforce.com"); err != nil {
				diags.AddAttributeError(loginURL.path, "Invalid Salesforce login URL", fmt.Sprintf("%s: %s", loginURL.where(), err))
			} else {
				org.LoginURL = u
			}
		case loginURL.known:
			diags.AddAttributeError(loginURL.path, "Missing Salesforce login URL",
				fmt.Sprintf("Org %q needs login_url: its My Domain URL (https://acme.my.salesforce.com), or https://login.salesforce.com / https://test.salesforce.com.", alias))
		}
		if !clientID.set && clientID.known {
			diags.AddAttributeError(clientID.path, "Missing Salesforce client ID",
				fmt.Sprintf("Org %q needs client_id: the consumer key of the connected app or external client app the provider signs in with.", alias))
		}
		jwt := username.set || key.set
		switch {
		case jwt && secret.set:
			diags.AddAttributeError(secret.path, "Conflicting Salesforce credentials",
				fmt.Sprintf("Org %q sets client_secret and also %s. Use either the JWT bearer flow (username with private_key) or the client credentials flow (client_secret), not both.", alias, firstSet(username, key).where()))
		case jwt:
			if !username.set && username.known {
				diags.AddAttributeError(username.path, "Missing Salesforce username",
					fmt.Sprintf("Org %q sets private_key but not username: the JWT bearer flow signs in as that user; set username.", alias))
			}
			if !key.set && key.known {
				diags.AddAttributeError(key.path, "Missing Salesforce private key",
					fmt.Sprintf("Org %q sets username but not private_key: the JWT bearer flow needs the PEM private key whose certificate is uploaded to the connected app.", alias))
			}
			if key.set {
				pemText, err := loadPrivateKey(key.value)
				if err != nil {
					diags.AddAttributeError(key.path, "Invalid Salesforce private key", fmt.Sprintf("%s: %s", key.where(), err))
				}
				org.PrivateKey = pemText
			}
		case secret.set:
		case secret.known && username.known && key.known:
			diags.AddAttributeError(root, "Missing Salesforce credentials",
				fmt.Sprintf("Org %q needs credentials: username with private_key (JWT bearer flow), or client_secret (client credentials flow).", alias))
		}
		if version.set {
			v := strings.TrimPrefix(version.value, "v")
			if !apiVersionPattern.MatchString(v) {
				diags.AddAttributeError(version.path, "Invalid Salesforce API version",
					fmt.Sprintf("%s is %q; give the version number such as %q.", version.where(), version.value, DefaultAPIVersion))
			}
			org.APIVersion = v
		}
		if audience.set {
			if u, err := url.Parse(audience.value); err != nil || !u.IsAbs() || u.Host == "" {
				diags.AddAttributeError(audience.path, "Invalid JWT audience",
					fmt.Sprintf("jwt_audience %q must be an absolute URL such as https://login.salesforce.com or https://test.salesforce.com.", audience.value))
			}
			org.JWTAudience = audience.value
		}
		out[alias] = org
	}
	return out, diags
}

func firstSet(fs ...field) field {
	for _, f := range fs {
		if f.set {
			return f
		}
	}
	return fs[0]
}

// checkServiceURL accepts an absolute https URL, or http for loopback hosts only, and returns it without a
// trailing slash.
func checkServiceURL(raw, example string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL; set it like %s", raw, example)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q must not carry credentials, a query or a fragment; set it like %s", raw, example)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%q uses plain http to %q, which is not a loopback address; use https:// (http is accepted only for 127.0.0.1, ::1 and localhost)", raw, u.Hostname())
		}
	default:
		return "", fmt.Errorf("%q has the scheme %q; use https://, for example %s", raw, u.Scheme, example)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadPrivateKey accepts PEM text or the path of a PEM file and checks that it holds an RSA private key.
// The error never contains the key material.
func loadPrivateKey(v string) (string, error) {
	text := v
	if !strings.Contains(v, "-----BEGIN") {
		if strings.ContainsAny(v, "\n") || len(v) > 4096 {
			return "", errors.New("the value is neither PEM text (it has no -----BEGIN line) nor a file path; paste the key including its BEGIN/END lines, or give the path of the key file")
		}
		b, err := os.ReadFile(v)
		if err != nil {
			return "", fmt.Errorf("the value is not PEM text, so it was read as a file path, and reading it failed: %v; paste the key including its BEGIN/END lines, or fix the path", errors.Unwrap(err))
		}
		text = string(b)
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return "", errors.New("no PEM block could be decoded; paste the key including its -----BEGIN/-----END lines, with the line breaks kept")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return "", errors.New("the \"RSA PRIVATE KEY\" block is not a valid PKCS#1 RSA key; export the key again (openssl genrsa or openssl rsa)")
		}
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return "", errors.New("the \"PRIVATE KEY\" block is not a valid PKCS#8 key; export the key again (openssl pkcs8 -topk8 -nocrypt)")
		}
		if _, ok := k.(*rsa.PrivateKey); !ok {
			return "", fmt.Errorf("the key is a %T, but an RSA private key is needed (both Okta and Salesforce sign these JWTs with RS256)", k)
		}
	case "ENCRYPTED PRIVATE KEY":
		return "", errors.New("the key is encrypted; give an unencrypted PEM key (openssl pkcs8 -topk8 -nocrypt), kept in a secret store")
	default:
		return "", fmt.Errorf("the PEM block is a %q, not a private key; give the RSA private key (\"RSA PRIVATE KEY\" or \"PRIVATE KEY\"), not the certificate or public key", block.Type)
	}
	return text, nil
}
