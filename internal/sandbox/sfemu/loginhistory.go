package sfemu

// This file holds LoginHistory: one row per sign-in attempt, read-only through the API (describe, query, retrieve)
// as in Salesforce; the emulator's SAML ACS writes it, with a UserId only for a user a verified assertion names.

import (
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

const prefixLoginHistory = "0Ya"

// LoginHistory LoginType values the emulator writes: the labels of API names Saml and Saml2 (reference
// salesforce-session-and-logs.md §4; that SOQL returns labels rather than API names is not verified).
const (
	loginTypeSAMLIdP = "SAML Idp Initiated SSO"
	loginTypeSAMLSP  = "SAML Sfdc Initiated SSO"
)

// loginHistoryType is LoginHistory's describe: no audit fields, nothing createable or updateable.
func loginHistoryType() *ObjectType {
	return &ObjectType{Name: "LoginHistory", Label: "Login History", LabelPlural: "Login History", KeyPrefix: prefixLoginHistory,
		Fields: []*Field{
			fd("Id", "id", "dl", 18, "Login History ID"),
			ref("UserId", "n", "User", "", "User ID"),
			fd("LoginTime", "datetime", "", 0, "Login Time"),
			pick("LoginType", "", "Login Type", false, "Application", "Remote Access 2.0", loginTypeSAMLIdP, loginTypeSAMLSP, "Other Apex API", "Partner Product"),
			fd("LoginSubType", "string", "n", 40, "Login Subtype"),
			fd("Status", "string", "n", 128, "Status"),
			fd("SourceIp", "string", "n", 39, "Source IP"),
			fd("LoginUrl", "string", "n", 120, "Login URL"),
			fd("Application", "string", "n", 64, "Application"),
			fd("Browser", "string", "n", 64, "Browser"),
			fd("Platform", "string", "n", 64, "Platform"),
			fd("ApiType", "string", "n", 64, "API Type"),
			fd("ApiVersion", "string", "n", 32, "API Version"),
			fd("ClientVersion", "string", "n", 64, "Client Version"),
			ref("AuthenticationServiceId", "n", "SamlSsoConfig", "", "Authentication Service ID"),
			fd("AuthMethodReference", "string", "n", 128, "Authentication Method Reference"),
			fd("AuthContextClassRef", "string", "n", 500, "Authentication Context Class Reference"),
			fd("CipherSuite", "string", "n", 64, "Cipher Suite"),
			fd("TlsProtocol", "string", "n", 32, "TLS Protocol"),
			fd("CountryIso", "string", "n", 2, "Country Code"),
			fd("LoginGeoId", "string", "n", 18, "Login Geography ID"),
			fd("ForwardedForIp", "string", "n", 39, "Forwarded For IP"),
			fd("NetworkId", "string", "n", 18, "Network ID"),
			fd("OptionsIsGet", "boolean", "", 0, "Is Get"),
			fd("OptionsIsPost", "boolean", "", 0, "Is Post"),
		}}
}

// loginEvent is one sign-in attempt to record.
type loginEvent struct {
	userID, loginType, status, sourceIP, loginURL, serviceID string
	amr, acr                                                 string // the assertion's AMR attribute and AuthnContextClassRef
	at                                                       time.Time
}

// recordLogin stores a LoginHistory row. o.mu must be held.
func (o *Org) recordLogin(e loginEvent) soql.Record {
	rec, _ := o.insert(o.objectType("LoginHistory"), map[string]any{
		"UserId": nilIfEmpty(e.userID), "LoginTime": timestamp(e.at), "LoginType": e.loginType, "Status": e.status,
		"SourceIp": e.sourceIP, "LoginUrl": e.loginURL, "Application": "Browser", "Browser": "Unknown", "Platform": "Unknown",
		"AuthenticationServiceId": e.serviceID, "CipherSuite": "ECDHE-RSA-AES256-GCM-SHA384", "TlsProtocol": "TLS 1.3",
		"OptionsIsGet": false, "OptionsIsPost": true, "AuthMethodReference": nilIfEmpty(truncate(e.amr, 128)), "AuthContextClassRef": nilIfEmpty(truncate(e.acr, 500)),
	}, systemWrite)
	return rec
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
