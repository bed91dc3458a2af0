package sfemu

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// samlMetadata is the Metadata API's SamlSsoConfig, as upsertMetadata sends and readMetadata returns it.
type samlMetadata struct {
	Type                   string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	FullName               string `xml:"fullName"`
	AttributeName          string `xml:"attributeName"`
	AttributeNameIDFormat  string `xml:"attributeNameIdFormat"`
	DecryptionCertificate  string `xml:"decryptionCertificate"`
	ErrorURL               string `xml:"errorUrl"`
	ExecutionUserID        string `xml:"executionUserId"`
	IdentityLocation       string `xml:"identityLocation"`
	IdentityMapping        string `xml:"identityMapping"`
	Issuer                 string `xml:"issuer"`
	LoginURL               string `xml:"loginUrl"`
	LogoutURL              string `xml:"logoutUrl"`
	Name                   string `xml:"name"`
	RedirectBinding        string `xml:"redirectBinding"`
	RequestSignatureMethod string `xml:"requestSignatureMethod"`
	SAMLEntityID           string `xml:"samlEntityId"`
	SAMLJITHandlerID       string `xml:"samlJitHandlerId"`
	SAMLVersion            string `xml:"samlVersion"`
	SingleLogoutBinding    string `xml:"singleLogoutBinding"`
	SingleLogoutURL        string `xml:"singleLogoutUrl"`
	UserProvisioning       string `xml:"userProvisioning"`
	ValidationCert         string `xml:"validationCert"`
}

var enumValues = map[string][]string{
	"SamlIdentityType":         {"Username", "FederationId", "UserId"},
	"SamlIdentityLocationType": {"SubjectNameId", "Attribute"},
	"SamlType":                 {"SAML1_1", "SAML2_0"},
	"SamlSpSLOBinding":         {"RedirectBinding", "PostBinding"},
}

func checkEnum(enum, v string) *soapFault {
	if v == "" {
		return nil
	}
	for _, ok := range enumValues[enum] {
		if v == ok {
			return nil
		}
	}
	return &soapFault{"soapenv:Client", fmt.Sprintf("'%s' is not a valid value for the enum '%s'", v, enum)}
}

type saveError struct{ code, message string }

// checkMetadataItems applies what the SOAP layer checks before any component is saved (the component count, enum
// and boolean values): one bad value faults the whole call, as the Metadata API's schema validation does.
func checkMetadataItems(items []metadataItem) *soapFault {
	if f := tooManyComponents(len(items)); f != nil {
		return f
	}
	for _, m := range items {
		if typ := metadataType(m.Type); typ == "ProfileSessionSetting" {
			if m.RequiredSessionLevel != "" && m.RequiredSessionLevel != levelLow && m.RequiredSessionLevel != levelStandard && m.RequiredSessionLevel != levelHighAssurance {
				return &soapFault{"soapenv:Client", fmt.Sprintf("'%s' is not a valid value for the enum 'SessionSecurityLevel'", m.RequiredSessionLevel)}
			}
			continue
		} else if typ == "Profile" {
			continue
		}
		for _, c := range []struct{ enum, v string }{{"SamlIdentityType", m.IdentityMapping}, {"SamlIdentityLocationType", m.IdentityLocation}, {"SamlType", m.SAMLVersion}, {"SamlSpSLOBinding", m.SingleLogoutBinding}} {
			if f := checkEnum(c.enum, c.v); f != nil {
				return f
			}
		}
		for _, b := range []string{m.UserProvisioning, m.RedirectBinding} {
			if b != "" && b != "true" && b != "false" {
				return &soapFault{"soapenv:Client", fmt.Sprintf("Unable to parse boolean value '%s'", b)}
			}
		}
	}
	return nil
}

func (o *Org) upsertMetadata(items []metadataItem) ([]byte, *soapFault) {
	if f := checkMetadataItems(items); f != nil {
		return nil, f
	}
	var b bytes.Buffer
	for _, m := range items {
		var created bool
		var serr *saveError
		switch metadataType(m.Type) {
		case "ProfileSessionSetting":
			created, serr = o.saveProfileSessionSetting(m)
		case "Profile":
			created, serr = o.saveProfile(m)
		default:
			created, serr = o.saveSAMLConfig(m.samlMetadata)
		}
		b.WriteString("<result>")
		if serr == nil {
			element(&b, "created", strconv.FormatBool(created))
		} else {
			element(&b, "created", "false")
			b.WriteString("<errors>")
			element(&b, "message", serr.message)
			element(&b, "statusCode", serr.code)
			b.WriteString("</errors>")
		}
		element(&b, "fullName", m.FullName)
		element(&b, "success", strconv.FormatBool(serr == nil))
		b.WriteString("</result>")
	}
	return b.Bytes(), nil
}

var developerNamePattern = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9]|_[A-Za-z0-9])*$`)

// normalizeCertificate accepts base64 DER (what the Metadata API carries) or PEM and returns base64 DER.
func normalizeCertificate(s string) (string, bool) {
	s = strings.NewReplacer("-----BEGIN CERTIFICATE-----", "", "-----END CERTIFICATE-----", "", "\n", "", "\r", "", " ", "", "\t", "").Replace(s)
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", false
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return "", false
	}
	return s, true
}

func (o *Org) saveSAMLConfig(m samlMetadata) (bool, *saveError) {
	if t := strings.TrimPrefix(m.Type, "met:"); m.Type != "" && !strings.HasSuffix(t, "SamlSsoConfig") {
		return false, &saveError{"INVALID_TYPE", fmt.Sprintf("Unsupported metadata type: %s", t)}
	}
	required := []struct{ name, v string }{{"fullName", m.FullName}, {"name", m.Name}, {"issuer", m.Issuer}, {"samlEntityId", m.SAMLEntityID},
		{"identityMapping", m.IdentityMapping}, {"identityLocation", m.IdentityLocation}, {"samlVersion", m.SAMLVersion}, {"validationCert", m.ValidationCert}}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return false, &saveError{"REQUIRED_FIELD_MISSING", "Required field is missing: " + r.name}
		}
	}
	if !developerNamePattern.MatchString(m.FullName) || len(m.FullName) > 80 {
		return false, &saveError{"FIELD_INTEGRITY_EXCEPTION", "The API Name can only contain underscores and alphanumeric characters. It must begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores."}
	}
	if m.IdentityLocation == "Attribute" && m.AttributeName == "" {
		return false, &saveError{"FIELD_INTEGRITY_EXCEPTION", "Attribute Name is required when the SAML Identity Location is Attribute."}
	}
	cert, ok := normalizeCertificate(m.ValidationCert)
	if !ok {
		return false, &saveError{"FIELD_INTEGRITY_EXCEPTION", "Identity Provider Certificate: the certificate is not a valid X.509 certificate."}
	}
	rec := map[string]any{
		"DeveloperName": m.FullName, "MasterLabel": m.Name, "Language": "en_US", "Issuer": m.Issuer, "Audience": m.SAMLEntityID,
		"AttributeFormat": m.AttributeNameIDFormat, "AttributeName": m.AttributeName, "IdentityMapping": m.IdentityMapping,
		"IdentityLocation": m.IdentityLocation, "LoginUrl": m.LoginURL, "LogoutUrl": m.LogoutURL, "ErrorUrl": m.ErrorURL,
		"ValidationCert": cert, "RequestSignatureMethod": m.RequestSignatureMethod, "SingleLogoutUrl": m.SingleLogoutURL,
		"SingleLogoutBinding": m.SingleLogoutBinding, "ExecutionUserId": m.ExecutionUserID, "SamlJitHandlerId": m.SAMLJITHandlerID,
		"DecryptionCertificateId": m.DecryptionCertificate, "Version": m.SAMLVersion,
		"OptionsUserProvisioning": m.UserProvisioning == "true", "OptionsSpInitBinding": m.RedirectBinding == "true",
	}
	t := o.objectType("SamlSsoConfig")
	var err *apiError
	created, changed := false, true
	if existing := o.findRow("SamlSsoConfig", "DeveloperName", m.FullName); existing != nil {
		changed = differs(existing, rec)
		err = o.update(t, str(existing, "Id"), rec, systemWrite)
	} else {
		_, err = o.insert(t, rec, systemWrite)
		created = true
	}
	if err != nil {
		return false, &saveError{err.Code, err.Message}
	}
	if changed {
		o.auditSAMLConfig(map[bool]string{true: "created", false: "changed"}[created], m.Name)
	}
	return created, nil
}

func (o *Org) readMetadata(typ string, names []string) ([]byte, *soapFault) {
	if f := tooManyComponents(len(names)); f != nil {
		return nil, f
	}
	if typ == "ProfileSessionSetting" || typ == "Profile" {
		return o.readSessionPolicyMetadata(typ, names), nil
	}
	if typ != "SamlSsoConfig" {
		return nil, &soapFault{"sf:INVALID_TYPE", fmt.Sprintf("INVALID_TYPE: Unknown type name '%s' specified in readMetadata()", typ)}
	}
	var b bytes.Buffer
	b.WriteString("<result>")
	for _, n := range names {
		rec := o.findRow("SamlSsoConfig", "DeveloperName", n)
		if rec == nil {
			b.WriteString(`<records xsi:nil="true"/>`)
			continue
		}
		b.WriteString(`<records xsi:type="SamlSsoConfig">`)
		o.writeSAMLMetadata(&b, rec)
		b.WriteString("</records>")
	}
	b.WriteString("</result>")
	return b.Bytes(), nil
}

// writeSamlMetadata renders a stored config in the Metadata API's element order (fullName, then alphabetical).
func (o *Org) writeSAMLMetadata(b *bytes.Buffer, rec soql.Record) {
	orgID15 := o.keys.OrgID[:15]
	boolText := func(v any) string { return strconv.FormatBool(v == true) }
	element(b, "fullName", str(rec, "DeveloperName"))
	element(b, "attributeName", str(rec, "AttributeName"))
	element(b, "attributeNameIdFormat", str(rec, "AttributeFormat"))
	element(b, "decryptionCertificate", str(rec, "DecryptionCertificateId"))
	element(b, "errorUrl", str(rec, "ErrorUrl"))
	element(b, "executionUserId", str(rec, "ExecutionUserId"))
	element(b, "identityLocation", str(rec, "IdentityLocation"))
	element(b, "identityMapping", str(rec, "IdentityMapping"))
	element(b, "issuer", str(rec, "Issuer"))
	element(b, "loginUrl", str(rec, "LoginUrl"))
	element(b, "logoutUrl", str(rec, "LogoutUrl"))
	element(b, "name", str(rec, "MasterLabel"))
	element(b, "oauthTokenEndpoint", o.cfg.BaseURL+"/services/oauth2/token?so="+orgID15)
	element(b, "redirectBinding", boolText(rec["OptionsSpInitBinding"]))
	element(b, "requestSignatureMethod", str(rec, "RequestSignatureMethod"))
	element(b, "salesforceLoginUrl", o.cfg.BaseURL+"?so="+orgID15)
	element(b, "samlEntityId", str(rec, "Audience"))
	element(b, "samlJitHandlerId", str(rec, "SamlJitHandlerId"))
	element(b, "samlVersion", str(rec, "Version"))
	element(b, "singleLogoutBinding", str(rec, "SingleLogoutBinding"))
	element(b, "singleLogoutUrl", str(rec, "SingleLogoutUrl"))
	element(b, "userProvisioning", boolText(rec["OptionsUserProvisioning"]))
	element(b, "validationCert", str(rec, "ValidationCert"))
}

func (o *Org) deleteMetadata(typ string, names []string) ([]byte, *soapFault) {
	if f := tooManyComponents(len(names)); f != nil {
		return nil, f
	}
	if typ != "SamlSsoConfig" {
		return nil, &soapFault{"sf:INVALID_TYPE", fmt.Sprintf("INVALID_TYPE: Unknown type name '%s' specified in deleteMetadata()", typ)}
	}
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString("<result>")
		rec := o.findRow("SamlSsoConfig", "DeveloperName", n)
		if rec == nil {
			b.WriteString("<errors>")
			element(&b, "message", fmt.Sprintf("In field: fullName - no SamlSsoConfig named %s found", n))
			element(&b, "statusCode", "INVALID_CROSS_REFERENCE_KEY")
			b.WriteString("</errors>")
		} else {
			_ = o.remove(o.objectType("SamlSsoConfig"), str(rec, "Id"), systemWrite)
			o.auditSAMLConfig("deleted", str(rec, "MasterLabel"))
		}
		element(&b, "fullName", n)
		element(&b, "success", strconv.FormatBool(rec != nil))
		b.WriteString("</result>")
	}
	return b.Bytes(), nil
}

// listMetadata answers FileProperties for each SamlSsoConfig and ProfileSessionSetting; other types list nothing. At most three
// queries per call, as in the Metadata API.
func (o *Org) listMetadata(types []string) ([]byte, *soapFault) {
	if len(types) > 3 {
		return nil, &soapFault{"sf:INVALID_ARGUMENT", "INVALID_ARGUMENT: Too many queries: " + strconv.Itoa(len(types)) + ". Limit is 3."}
	}
	var b bytes.Buffer
	for _, typ := range types {
		if typ == "ProfileSessionSetting" {
			o.listProfileSessionSettings(&b)
			continue
		}
		if typ != "SamlSsoConfig" {
			continue
		}
		o.each("SamlSsoConfig", func(rec soql.Record) bool {
			creator := o.lookup("User", str(rec, "CreatedById"))
			modifier := o.lookup("User", str(rec, "LastModifiedById"))
			b.WriteString("<result>")
			element(&b, "createdById", str(rec, "CreatedById"))
			element(&b, "createdByName", str(creator, "Name"))
			element(&b, "createdDate", metadataTime(str(rec, "CreatedDate")))
			element(&b, "fileName", "samlssoconfigs/"+str(rec, "DeveloperName")+".samlssoconfig")
			element(&b, "fullName", str(rec, "DeveloperName"))
			element(&b, "id", str(rec, "Id"))
			element(&b, "lastModifiedById", str(rec, "LastModifiedById"))
			element(&b, "lastModifiedByName", str(modifier, "Name"))
			element(&b, "lastModifiedDate", metadataTime(str(rec, "LastModifiedDate")))
			element(&b, "manageableState", "unmanaged")
			element(&b, "type", "SamlSsoConfig")
			b.WriteString("</result>")
			return true
		})
	}
	return b.Bytes(), nil
}

// metadataTime rewrites a REST datetime (…+0000) as the xsd:dateTime the Metadata API writes (…Z).
func metadataTime(s string) string {
	if t, ok := parseDateTime(s); ok {
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return s
}
