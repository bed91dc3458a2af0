package provider

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// defaultSalesforceAlias is the alias of the single org configured from SALESFORCE_* variables.
const defaultSalesforceAlias = "default"

// aliasPattern is a Salesforce org alias, the key resources name in salesforce_org.
var aliasPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

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

// salesforceInput is one org's values; the "default" org's come from SALESFORCE_* variables.
type salesforceInput struct {
	alias                                                        string
	root                                                         path.Path
	loginURL, clientID, secret, username, key, version, audience field
	// fromEnv is true for the org read from SALESFORCE_*, which the schema's validators never see.
	fromEnv bool
}

// resolveSalesforce validates the salesforce map, or the SALESFORCE_* org when there is no map.
func resolveSalesforce(m configInput, getenv func(string) string, s *settings) (map[string]salesforceSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	orgs, fromEnv := salesforceOrgs(m, getenv)
	aliases := make([]string, 0, len(orgs))
	for a := range orgs {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)

	out := map[string]salesforceSettings{}
	for _, alias := range aliases {
		if !aliasPattern.MatchString(alias) {
			diags.AddAttributeError(path.Root("salesforce").AtMapKey(alias), "Invalid Salesforce org alias",
				fmt.Sprintf("%q is not a valid alias: use lower-case letters, digits, '-' and '_', starting with a letter (for example \"prod\" or \"uat\").", alias))
			continue
		}
		in := readSalesforceInput(alias, orgs[alias], fromEnv, getenv)
		for _, f := range in.fields() {
			s.Incomplete = s.Incomplete || !f.known
		}
		org, orgDiags := resolveSalesforceOrg(in)
		diags.Append(orgDiags...)
		out[alias] = org
	}
	return out, diags
}

// salesforceOrgs is the configured map, or, without one, the "default" org when SALESFORCE_* names it.
// The map, when given, is the whole truth: SALESFORCE_* adds no org beside it.
func salesforceOrgs(m configInput, getenv func(string) string) (orgs map[string]salesforceOrgModel, fromEnv bool) {
	if m.Salesforce != nil {
		return m.Salesforce, false
	}
	if m.Unknown || (getenv("SALESFORCE_LOGIN_URL") == "" && getenv("SALESFORCE_CLIENT_ID") == "") {
		return nil, false
	}
	return map[string]salesforceOrgModel{defaultSalesforceAlias: {
		LoginURL: types.StringNull(), ClientID: types.StringNull(), ClientSecret: types.StringNull(),
		Username: types.StringNull(), PrivateKey: types.StringNull(), APIVersion: types.StringNull(), JWTAudience: types.StringNull(),
	}}, true
}

func readSalesforceInput(alias string, o salesforceOrgModel, fromEnv bool, getenv func(string) string) salesforceInput {
	root := path.Root("salesforce").AtMapKey(alias)
	env := func(f field, name string) field {
		if fromEnv {
			return f.withEnv(getenv, name)
		}
		return f
	}
	return salesforceInput{
		alias: alias, root: root, fromEnv: fromEnv,
		loginURL: env(fromAttr(o.LoginURL, root.AtName("login_url")), "SALESFORCE_LOGIN_URL"),
		clientID: env(fromAttr(o.ClientID, root.AtName("client_id")), "SALESFORCE_CLIENT_ID"),
		secret:   env(fromAttr(o.ClientSecret, root.AtName("client_secret")), "SALESFORCE_CLIENT_SECRET"),
		username: env(fromAttr(o.Username, root.AtName("username")), "SALESFORCE_USERNAME"),
		key:      env(fromAttr(o.PrivateKey, root.AtName("private_key")), "SALESFORCE_PRIVATE_KEY"),
		version:  env(fromAttr(o.APIVersion, root.AtName("api_version")), "SALESFORCE_API_VERSION"),
		audience: fromAttr(o.JWTAudience, root.AtName("jwt_audience")),
	}
}

func (in salesforceInput) fields() []field {
	return []field{in.loginURL, in.clientID, in.secret, in.username, in.key, in.version, in.audience}
}

// resolveSalesforceOrg checks one org with the Salesforce client's own validators.
func resolveSalesforceOrg(in salesforceInput) (salesforceSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	org := salesforceSettings{Alias: in.alias, ClientID: in.clientID.value, ClientSecret: in.secret.value,
		Username: in.username.value, JWTAudience: in.audience.value}
	switch {
	case in.loginURL.set:
		u, err := salesforce.NormalizeLoginURL(in.loginURL.value)
		if err != nil {
			diags.AddAttributeError(in.loginURL.path, "Invalid Salesforce login URL", fmt.Sprintf("%s: %s", in.loginURL.where(), err))
		}
		org.LoginURL = u
	case in.loginURL.known:
		diags.AddAttributeError(in.loginURL.path, "Missing Salesforce login URL",
			fmt.Sprintf("Org %q needs login_url: its My Domain URL (https://acme.my.salesforce.com), or https://login.salesforce.com / https://test.salesforce.com.", in.alias))
	}
	if !in.clientID.set && in.clientID.known {
		diags.AddAttributeError(in.clientID.path, "Missing Salesforce client ID",
			fmt.Sprintf("Org %q needs client_id: the consumer key of the connected app or external client app the provider signs in with.", in.alias))
	}
	org.PrivateKey = resolveSalesforceCredentials(in, &diags)
	version, err := salesforce.NormalizeAPIVersion(in.version.value)
	if err != nil {
		diags.AddAttributeError(in.version.path, "Invalid Salesforce API version", fmt.Sprintf("%s: %s", in.version.where(), err))
	}
	org.APIVersion = version
	if in.audience.set {
		if err := salesforce.CheckJWTAudience(in.audience.value); err != nil {
			diags.AddAttributeError(in.audience.path, "Invalid JWT audience", fmt.Sprintf("%s: %s", in.audience.where(), err))
		}
	}
	return org, diags
}

// resolveSalesforceCredentials checks the JWT bearer flow (username, private_key) or the client credentials
// flow (client_secret), and returns the JWT bearer key's PEM text. For an org of the salesforce map the
// schema has refused the mixed and the half pairs already; only the SALESFORCE_* org needs them here.
func resolveSalesforceCredentials(in salesforceInput, diags *diag.Diagnostics) (pemKey string) {
	jwt := in.username.set || in.key.set
	switch {
	case jwt && in.secret.set:
		if in.fromEnv {
			diags.AddAttributeError(in.secret.path, "Conflicting Salesforce credentials",
				fmt.Sprintf("Org %q sets client_secret and also %s. Use either the JWT bearer flow (username with private_key) or the client credentials flow (client_secret), not both.",
					in.alias, firstSet(in.username, in.key).where()))
		}
	case jwt:
		if !in.username.set && in.username.known && in.fromEnv {
			diags.AddAttributeError(in.username.path, "Missing Salesforce username",
				fmt.Sprintf("Org %q sets private_key but not username: the JWT bearer flow signs in as that user; set username.", in.alias))
		}
		if !in.key.set && in.key.known && in.fromEnv {
			diags.AddAttributeError(in.key.path, "Missing Salesforce private key",
				fmt.Sprintf("Org %q sets username but not private_key: the JWT bearer flow needs the PEM private key whose certificate is uploaded to the connected app.", in.alias))
		}
		if in.key.set {
			text, err := readKeyText(in.key.value)
			if err == nil {
				_, err = salesforce.ParsePrivateKey([]byte(text))
			}
			if err != nil {
				diags.AddAttributeError(in.key.path, "Invalid Salesforce private key", fmt.Sprintf("%s: %s", in.key.where(), err))
			}
			pemKey = text
		}
	case in.secret.set:
	case in.secret.known && in.username.known && in.key.known:
		diags.AddAttributeError(in.root, "Missing Salesforce credentials",
			fmt.Sprintf("Org %q needs credentials: username with private_key (JWT bearer flow), or client_secret (client credentials flow).", in.alias))
	}
	return pemKey
}
