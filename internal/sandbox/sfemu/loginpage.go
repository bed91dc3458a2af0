package sfemu

import (
	"net/url"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// Key prefixes of the login-page objects.
const (
	prefixAuthConfig          = "0Au"
	prefixAuthConfigProviders = "0Av"
)

// authConfigTypes are the My Domain login page (AuthConfig, read-only as in Salesforce) and its buttons
// (AuthConfigProviders: create, delete, query and retrieve only; AuthProviderId is polymorphic).
func authConfigTypes() []*ObjectType {
	providerID := ref("AuthProviderId", "c", "AuthProvider", "AuthProvider", "Authentication Provider ID")
	providerID.ReferenceTo = []string{"AuthProvider", "SamlSsoConfig"}
	return []*ObjectType{
		{Name: "AuthConfig", Label: "Authentication Configuration", LabelPlural: "Authentication Configurations", KeyPrefix: prefixAuthConfig,
			Fields: append(systemFields(),
				fd("DeveloperName", "string", "", 80, "Name"),
				fd("MasterLabel", "string", "", 80, "Label"),
				pick("Language", "n", "Master Language", true, languages...),
				fd("NamespacePrefix", "string", "n", 15, "Namespace Prefix"),
				pick("Type", "", "Authentication Configuration Type", true, "Org", "Community", "Site"),
				fd("Url", "string", "n", 240, "URL"),
				fd("IsActive", "boolean", "d", 0, "Is Active"),
				fd("AuthOptionsUsernamePassword", "boolean", "", 0, "UsernamePassword"),
				fd("AuthOptionsSaml", "boolean", "", 0, "Saml"),
				fd("AuthOptionsAuthProvider", "boolean", "", 0, "AuthProvider"),
				fd("AuthOptionsCertificate", "boolean", "", 0, "Certificate"),
			)},
		{Name: "AuthConfigProviders", Label: "Auth Config Provider", LabelPlural: "Auth Config Providers", KeyPrefix: prefixAuthConfigProviders,
			Createable: true, Deletable: true,
			Fields: append(systemFields(),
				ref("AuthConfigId", "c", "AuthConfig", "AuthConfig", "Auth Config ID"),
				providerID,
			), hooks: authConfigProviderHooks},
	}
}

var authConfigProviderHooks = hooks{
	// One button per provider and login page: the Setup checkbox cannot be ticked twice.
	beforeInsert: func(o *Org, rec soql.Record) *apiError {
		var dup soql.Record
		o.each("AuthConfigProviders", func(r soql.Record) bool {
			if sameID(str(r, "AuthConfigId"), str(rec, "AuthConfigId")) && sameID(str(r, "AuthProviderId"), str(rec, "AuthProviderId")) {
				dup = r
			}
			return dup == nil
		})
		if dup != nil {
			return duplicateValue("<unknown>", str(dup, "Id"))
		}
		return nil
	},
	afterInsert: func(o *Org, rec soql.Record) { o.syncAuthOptions(str(rec, "AuthConfigId")) },
	afterDelete: func(o *Org, rec soql.Record) { o.syncAuthOptions(str(rec, "AuthConfigId")) },
}

// samlSsoConfigHooks drop the login-page buttons of a deleted configuration, as deleteMetadata does.
var samlSSOConfigHooks = hooks{
	afterDelete: func(o *Org, rec soql.Record) { o.deleteWhere("AuthConfigProviders", "AuthProviderId", str(rec, "Id")) },
}

// syncAuthOptions keeps AuthOptionsSaml and AuthOptionsAuthProvider of a login page true exactly while it
// has a button of that kind.
func (o *Org) syncAuthOptions(authConfigID string) {
	cfg := o.lookup("AuthConfig", authConfigID)
	if cfg == nil {
		return
	}
	saml, provider := false, false
	o.each("AuthConfigProviders", func(r soql.Record) bool {
		if sameID(str(r, "AuthConfigId"), authConfigID) {
			if hasPrefix(str(r, "AuthProviderId"), prefixSAMLSSOConfig) {
				saml = true
			} else {
				provider = true
			}
		}
		return true
	})
	cfg["AuthOptionsSaml"], cfg["AuthOptionsAuthProvider"] = saml, provider
	o.dirty = true
}

// ensureLoginPage adds the org's My Domain login page when the store has none (fresh seeds, and states
// saved before the emulator knew the object). o.mu must be held.
func (o *Org) ensureLoginPage() *apiError {
	if o.findRow("AuthConfig", "Type", "Org") != nil {
		return nil
	}
	name := o.cfg.Alias
	if u, err := url.Parse(o.cfg.BaseURL); err == nil {
		if label, _, _ := strings.Cut(u.Hostname(), "."); label != "" && !strings.ContainsAny(label[:1], "0123456789") {
			name = label
		}
	}
	name = strings.Trim(developerNameUnsafe.ReplaceAllString(name, "_"), "_")
	if name == "" {
		name = "MyDomain"
	}
	_, err := o.insert(o.objectType("AuthConfig"), map[string]any{
		"DeveloperName": name, "MasterLabel": name, "Language": "en_US", "Type": "Org", "Url": o.cfg.BaseURL,
		"IsActive": true, "AuthOptionsUsernamePassword": true,
	}, systemWrite)
	return err
}
