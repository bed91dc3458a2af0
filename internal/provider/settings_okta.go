package provider

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	// oktaOrgNamePattern is an org's subdomain: org_name "acme" for https://acme.okta.com.
	oktaOrgNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	// oktaBaseDomainPattern is a bare domain such as okta.com or okta-emea.com: no scheme, no path.
	oktaBaseDomainPattern = regexp.MustCompile(`^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
	// oktaScopePattern is the shape of an Okta management scope: okta.<resource>.<operation>.
	oktaScopePattern = regexp.MustCompile(`^okta\.[A-Za-z]+\.[A-Za-z.]+$`)
)

// oktaSettings is the resolved, validated Okta configuration.
type oktaSettings struct {
	OrgURL       string
	APIToken     string
	ClientID     string
	PrivateKey   string
	PrivateKeyID string
	Scopes       []string
}

// oktaInput is the okta block's values after the environment fallbacks.
type oktaInput struct {
	orgURL, orgName, baseURL, token, clientID, key, keyID field
	scopes                                                scopeList
}

// scopeList is the scopes attribute, or OKTA_API_SCOPES when the attribute is null.
type scopeList struct {
	values  []string
	known   bool
	fromEnv bool
}

func (in oktaInput) fields() []field {
	return []field{in.orgURL, in.orgName, in.baseURL, in.token, in.clientID, in.key, in.keyID}
}

// resolveOkta validates the okta block (or the OKTA_* variables); nil when Okta is not configured.
func resolveOkta(m configInput, getenv func(string) string, s *settings) (*oktaSettings, diag.Diagnostics) {
	if m.Okta == nil && m.Unknown {
		return nil, nil // the okta object is not known yet
	}
	in := readOktaInput(m.Okta, getenv)
	configured := len(in.scopes.values) > 0
	for _, f := range in.fields() {
		configured = configured || f.set || !f.known
		s.Incomplete = s.Incomplete || !f.known
	}
	s.Incomplete = s.Incomplete || !in.scopes.known
	if !configured {
		return nil, nil // Okta not configured; resources that need it say so
	}
	var diags diag.Diagnostics
	out := &oktaSettings{APIToken: in.token.value, ClientID: in.clientID.value, PrivateKeyID: in.keyID.value, Scopes: in.scopes.values}
	out.OrgURL = resolveOktaOrgURL(in, &diags)
	out.PrivateKey = resolveOktaCredentials(in, &diags)
	checkOktaScopes(in, &diags)
	return out, diags
}

// readOktaInput reads the okta block, when there is one, with each attribute's OKTA_* fallback.
func readOktaInput(o *oktaModel, getenv func(string) string) oktaInput {
	if o == nil {
		o = &oktaModel{
			OrgURL: types.StringNull(), OrgName: types.StringNull(), BaseURL: types.StringNull(),
			APIToken: types.StringNull(), ClientID: types.StringNull(), PrivateKey: types.StringNull(),
			PrivateKeyID: types.StringNull(), Scopes: types.ListNull(types.StringType),
		}
	}
	root := path.Root("okta")
	return oktaInput{
		orgURL:   fromAttr(o.OrgURL, root.AtName("org_url")).withEnv(getenv, "OKTA_ORG_URL"),
		orgName:  fromAttr(o.OrgName, root.AtName("org_name")).withEnv(getenv, "OKTA_ORG_NAME"),
		baseURL:  fromAttr(o.BaseURL, root.AtName("base_url")).withEnv(getenv, "OKTA_BASE_URL"),
		token:    fromAttr(o.APIToken, root.AtName("api_token")).withEnv(getenv, "OKTA_API_TOKEN"),
		clientID: fromAttr(o.ClientID, root.AtName("client_id")).withEnv(getenv, "OKTA_API_CLIENT_ID"),
		key:      fromAttr(o.PrivateKey, root.AtName("private_key")).withEnv(getenv, "OKTA_API_PRIVATE_KEY"),
		keyID:    fromAttr(o.PrivateKeyID, root.AtName("private_key_id")).withEnv(getenv, "OKTA_API_PRIVATE_KEY_ID"),
		scopes:   readOktaScopes(o.Scopes, getenv),
	}
}

// readOktaScopes reads the scopes list, or the comma-separated OKTA_API_SCOPES when the list is null.
func readOktaScopes(l types.List, getenv func(string) string) scopeList {
	sl := scopeList{known: !l.IsUnknown()}
	switch {
	case l.IsUnknown():
	case !l.IsNull():
		for _, e := range l.Elements() {
			sv, ok := e.(types.String)
			if !ok || sv.IsUnknown() {
				sl.known = false
				continue
			}
			sl.values = append(sl.values, sv.ValueString())
		}
	case getenv("OKTA_API_SCOPES") != "":
		sl.fromEnv = true
		for _, sc := range strings.Split(getenv("OKTA_API_SCOPES"), ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				sl.values = append(sl.values, sc)
			}
		}
	}
	return sl
}

// resolveOktaOrgURL returns the org URL from org_url, or from org_name with base_url, as the Okta client
// accepts it; "" with an error when there is none.
func resolveOktaOrgURL(in oktaInput, diags *diag.Diagnostics) string {
	switch {
	case in.orgURL.set && (in.orgName.set || in.baseURL.set):
		if !conflictInConfig(in.orgURL, in.orgName, in.baseURL) {
			diags.AddAttributeError(in.orgURL.path, "Conflicting Okta org settings",
				fmt.Sprintf("Both %s and %s are set. Set either org_url (for example https://acme.okta.com), or org_name with base_url, not both.",
					in.orgURL.where(), firstSet(in.orgName, in.baseURL).where()))
		}
	case in.orgURL.set:
		u, err := okta.NormalizeOrgURL(in.orgURL.value)
		if err != nil {
			diags.AddAttributeError(in.orgURL.path, "Invalid Okta org URL", fmt.Sprintf("%s: %s", in.orgURL.where(), err))
		}
		return u
	case in.orgName.set:
		return oktaOrgURLFromName(in, diags)
	case in.baseURL.set:
		diags.AddAttributeError(in.baseURL.path, "Incomplete Okta org settings",
			fmt.Sprintf("%s is set but org_name is not. Set org_name (OKTA_ORG_NAME) too, or use org_url instead.", in.baseURL.where()))
	case in.orgURL.known && in.orgName.known:
		diags.AddAttributeError(in.orgURL.path, "Missing Okta org URL",
			"The okta block needs org_url (or OKTA_ORG_URL), for example https://acme.okta.com, or org_name with base_url (OKTA_ORG_NAME, OKTA_BASE_URL).")
	}
	return ""
}

// oktaOrgURLFromName builds https://<org_name>.<base_url> and checks it as an org_url would be checked.
func oktaOrgURLFromName(in oktaInput, diags *diag.Diagnostics) string {
	base := in.baseURL.value
	if !in.baseURL.set {
		base = "okta.com"
	}
	if !oktaOrgNamePattern.MatchString(in.orgName.value) {
		diags.AddAttributeError(in.orgName.path, "Invalid Okta org name",
			fmt.Sprintf("%s is %q; it must be the org's subdomain only, for example \"acme\" for https://acme.okta.com.", in.orgName.where(), in.orgName.value))
		return ""
	}
	if !oktaBaseDomainPattern.MatchString(base) {
		diags.AddAttributeError(in.baseURL.path, "Invalid Okta base URL",
			fmt.Sprintf("%s is %q; it must be a domain such as okta.com, oktapreview.com or okta-emea.com (no scheme, no path).", in.baseURL.where(), base))
		return ""
	}
	u, err := okta.NormalizeOrgURL("https://" + in.orgName.value + "." + base)
	if err != nil {
		diags.AddAttributeError(in.orgName.path, "Invalid Okta org name",
			fmt.Sprintf("%s with base_url %q makes an org URL the Okta client refuses: %s", in.orgName.where(), base, err))
	}
	return u
}

// resolveOktaCredentials checks the API token or the service app, and returns the service app's PEM key.
func resolveOktaCredentials(in oktaInput, diags *diag.Diagnostics) (pemKey string) {
	serviceApp := in.clientID.set || in.key.set
	switch {
	case in.token.set && serviceApp:
		if !conflictInConfig(in.token, in.clientID, in.key) {
			diags.AddAttributeError(in.token.path, "Conflicting Okta credentials",
				fmt.Sprintf("Both %s and %s are set. Use either an API token, or an OAuth 2.0 service app (client_id with private_key), not both.",
					in.token.where(), firstSet(in.clientID, in.key).where()))
		}
	case in.token.set:
		if err := okta.CheckAPIToken(in.token.value); err != nil {
			diags.AddAttributeError(in.token.path, "Invalid Okta API token", fmt.Sprintf("%s: %s", in.token.where(), err))
		}
	case serviceApp:
		pemKey = resolveOktaServiceApp(in, diags)
	case in.token.known && in.clientID.known && in.key.known:
		diags.AddAttributeError(in.token.path, "Missing Okta credentials",
			"The okta block needs credentials: api_token (or OKTA_API_TOKEN), or an OAuth 2.0 service app with client_id and private_key (OKTA_API_CLIENT_ID, OKTA_API_PRIVATE_KEY) and scopes.")
	}
	if in.keyID.set && !serviceApp && !conflictInConfig(in.keyID, in.token) {
		diags.AddAttributeError(in.keyID.path, "Okta private key ID without a service app",
			fmt.Sprintf("%s is set, but no service app is configured: private_key_id names the key of client_id/private_key. Remove it, or configure the service app.", in.keyID.where()))
	}
	return pemKey
}

// resolveOktaServiceApp checks that the service app has its client ID, a key the Okta client can sign
// with, and scopes; it returns the key's PEM text.
func resolveOktaServiceApp(in oktaInput, diags *diag.Diagnostics) (pemKey string) {
	if !in.clientID.set && in.clientID.known {
		diags.AddAttributeError(in.clientID.path, "Missing Okta client ID",
			fmt.Sprintf("%s is set but client_id is not. Set client_id (OKTA_API_CLIENT_ID) to the service app's client ID.", in.key.where()))
	}
	if !in.key.set && in.key.known {
		diags.AddAttributeError(in.key.path, "Missing Okta private key",
			fmt.Sprintf("%s is set but private_key is not. Set private_key (OKTA_API_PRIVATE_KEY) to the service app's PEM private key.", in.clientID.where()))
	}
	if in.key.set {
		text, err := readKeyText(in.key.value)
		if err == nil {
			_, err = okta.ParsePrivateKey([]byte(text))
		}
		if err != nil {
			diags.AddAttributeError(in.key.path, "Invalid Okta private key", fmt.Sprintf("%s: %s", in.key.where(), err))
		}
		pemKey = text
	}
	if in.scopes.known && len(in.scopes.values) == 0 {
		diags.AddAttributeError(path.Root("okta").AtName("scopes"), "Missing Okta OAuth scopes",
			"An OAuth 2.0 service app needs scopes (or OKTA_API_SCOPES, comma-separated): list the scopes granted to it, for example [\"okta.groups.read\", \"okta.apps.manage\"].")
	}
	return pemKey
}

// checkOktaScopes refuses scopes next to an API token, and anything that is not an Okta management scope.
func checkOktaScopes(in oktaInput, diags *diag.Diagnostics) {
	scopes := path.Root("okta").AtName("scopes")
	if len(in.scopes.values) > 0 && in.token.set && !(in.token.inConfig() && !in.scopes.fromEnv) {
		diags.AddAttributeError(scopes, "Okta OAuth scopes with an API token",
			"scopes apply to an OAuth 2.0 service app (client_id with private_key); an API token carries its admin's permissions. Remove scopes, or use the service app instead of api_token.")
	}
	for i, sc := range in.scopes.values {
		if !oktaScopePattern.MatchString(sc) {
			diags.AddAttributeError(scopes.AtListIndex(i), "Invalid Okta OAuth scope",
				fmt.Sprintf("%q is not an Okta management scope; scopes look like okta.groups.read or okta.apps.manage.", sc))
		}
	}
}
