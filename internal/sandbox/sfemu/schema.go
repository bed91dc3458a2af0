package sfemu

import (
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// Field is the describe metadata of one sObject field; DML validation and SOQL both read it.
type Field struct {
	Name              string
	Type              string // Salesforce describe type: id, string, email, boolean, reference, picklist, datetime, date, int, double, textarea, url
	Label             string
	Length            int
	Nillable          bool
	Createable        bool
	Updateable        bool
	DefaultedOnCreate bool
	Unique            bool
	IDLookup          bool
	ReferenceTo       []string
	RelationshipName  string
	Picklist          []string
	Restricted        bool              // restricted picklist: other values are refused
	Labels            map[string]string // picklist labels by value, where Salesforce's differ from the value
	Custom            *CustomField      // set on an org's custom fields (customfields.go)
}

// required reports whether a create must supply the field.
func (f *Field) required() bool {
	return f.Createable && !f.Nillable && !f.DefaultedOnCreate && f.Type != "boolean"
}

// hooks carry what is particular to one sObject type; the generic store does the rest.
type hooks struct {
	beforeInsert func(o *Org, rec soql.Record) *apiError
	afterInsert  func(o *Org, rec soql.Record)
	beforeUpdate func(o *Org, old, rec soql.Record) *apiError
	afterUpdate  func(o *Org, old, rec soql.Record)
	beforeDelete func(o *Org, rec soql.Record) *apiError
	afterDelete  func(o *Org, rec soql.Record)
}

// ObjectType is the describe metadata of one sObject type.
type ObjectType struct {
	Name        string
	Label       string
	LabelPlural string
	KeyPrefix   string
	Createable  bool
	Updateable  bool
	Deletable   bool
	Fields      []*Field
	byName      map[string]*Field
	byRel       map[string]*Field
	hooks       hooks
}

func (t *ObjectType) field(name string) *Field { return t.byName[strings.ToLower(name)] }

func (t *ObjectType) index() *ObjectType {
	t.byName, t.byRel = map[string]*Field{}, map[string]*Field{}
	for _, f := range t.Fields {
		t.byName[strings.ToLower(f.Name)] = f
		if f.RelationshipName != "" {
			t.byRel[strings.ToLower(f.RelationshipName)] = f
		}
	}
	return t
}

// fd builds a field. flags: c createable, u updateable, n nillable, d defaulted on create, q unique, l idLookup.
func fd(name, typ, flags string, length int, label string) *Field {
	f := &Field{Name: name, Type: typ, Length: length, Label: label}
	if label == "" {
		f.Label = name
	}
	for _, c := range flags {
		switch c {
		case 'c':
			f.Createable = true
		case 'u':
			f.Updateable = true
		case 'n':
			f.Nillable = true
		case 'd':
			f.DefaultedOnCreate = true
		case 'q':
			f.Unique = true
		case 'l':
			f.IDLookup = true
		}
	}
	return f
}

func ref(name, flags, target, rel, label string) *Field {
	f := fd(name, "reference", flags, 18, label)
	f.ReferenceTo, f.RelationshipName = []string{target}, rel
	return f
}

func pick(name, flags, label string, restricted bool, values ...string) *Field {
	f := fd(name, "picklist", flags, 255, label)
	f.Picklist, f.Restricted = values, restricted
	return f
}

// systemFields are on every type: Id and the audit fields Salesforce maintains.
func systemFields() []*Field {
	return []*Field{
		fd("Id", "id", "dl", 18, "Record ID"),
		fd("CreatedDate", "datetime", "d", 0, "Created Date"),
		ref("CreatedById", "d", "User", "CreatedBy", "Created By ID"),
		fd("LastModifiedDate", "datetime", "d", 0, "Last Modified Date"),
		ref("LastModifiedById", "d", "User", "LastModifiedBy", "Last Modified By ID"),
		fd("SystemModstamp", "datetime", "d", 0, "System Modstamp"),
	}
}

var (
	timeZones = []string{"America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Sao_Paulo", "GMT", "Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"}
	locales   = []string{"en_US", "en_GB", "en_CA", "en_AU", "de_DE", "fr_FR", "es_ES", "ja_JP", "pt_BR"}
	languages = []string{"en_US", "en_GB", "de", "fr", "es", "ja", "pt_BR"}
	encodings = []string{"UTF-8", "ISO-8859-1", "Shift_JIS", "ISO-2022-JP", "EUC-JP", "Big5", "GB2312"}
	userTypes = []string{"Standard", "PowerPartner", "CspLitePortal", "CustomerSuccess", "PowerCustomerSuccess", "CsnOnly", "Guest"}
	psTypes   = []string{"Regular", "Standard", "Session", "Profile", "Group"}
	psgStatus = []string{"Updated", "Outdated", "Updating", "Failed"}
)

// Picklist labels of the User locale fields as describe shows them (time zones with their standard-time offset).
var (
	timeZoneLabels = map[string]string{
		"America/Los_Angeles": "(GMT-08:00) Pacific Standard Time (America/Los_Angeles)", "America/Denver": "(GMT-07:00) Mountain Standard Time (America/Denver)",
		"America/Chicago": "(GMT-06:00) Central Standard Time (America/Chicago)", "America/New_York": "(GMT-05:00) Eastern Standard Time (America/New_York)",
		"America/Sao_Paulo": "(GMT-03:00) Brasilia Standard Time (America/Sao_Paulo)", "GMT": "(GMT+00:00) Greenwich Mean Time (GMT)",
		"Europe/London": "(GMT+00:00) Greenwich Mean Time (Europe/London)", "Europe/Paris": "(GMT+01:00) Central European Standard Time (Europe/Paris)",
		"Europe/Berlin": "(GMT+01:00) Central European Standard Time (Europe/Berlin)", "Asia/Kolkata": "(GMT+05:30) India Standard Time (Asia/Kolkata)",
		"Asia/Tokyo": "(GMT+09:00) Japan Standard Time (Asia/Tokyo)", "Australia/Sydney": "(GMT+10:00) Australian Eastern Standard Time (Australia/Sydney)",
	}
	localeLabels = map[string]string{"en_US": "English (United States)", "en_GB": "English (United Kingdom)", "en_CA": "English (Canada)",
		"en_AU": "English (Australia)", "de_DE": "German (Germany)", "fr_FR": "French (France)", "es_ES": "Spanish (Spain)",
		"ja_JP": "Japanese (Japan)", "pt_BR": "Portuguese (Brazil)"}
	languageLabels = map[string]string{"en_US": "English", "en_GB": "English (UK)", "de": "German", "fr": "French", "es": "Spanish",
		"ja": "Japanese", "pt_BR": "Portuguese (Brazil)"}
	encodingLabels = map[string]string{"UTF-8": "Unicode (UTF-8)", "ISO-8859-1": "General US & Western Europe (ISO-8859-1, ISO-LATIN-1)",
		"Shift_JIS": "Japanese (Shift_JIS)", "ISO-2022-JP": "Japanese (JIS)", "EUC-JP": "Japanese (EUC)", "Big5": "Traditional Chinese (Big5)",
		"GB2312": "Simplified Chinese (GB2312)"}
)

// labelled sets a picklist field's labels.
func labelled(f *Field, labels map[string]string) *Field { f.Labels = labels; return f }

// newSchema returns the sObject types of one org, each with its own hooks.
func newSchema() map[string]*ObjectType {
	types := []*ObjectType{
		{Name: "Organization", Label: "Organization", LabelPlural: "Organizations", KeyPrefix: prefixOrganization, Updateable: true,
			Fields: append(systemFields(),
				fd("Name", "string", "u", 80, "Name"),
				fd("IsSandbox", "boolean", "", 0, "Is Sandbox"),
				fd("InstanceName", "string", "n", 5, "Instance Name"),
				pick("OrganizationType", "n", "Edition", false, "Developer Edition", "Enterprise Edition", "Unlimited Edition", "Professional Edition", "Base Edition"),
				fd("NamespacePrefix", "string", "n", 15, "Namespace Prefix"),
				pick("LanguageLocaleKey", "u", "Language", true, languages...),
				pick("TimeZoneSidKey", "u", "Default Time Zone", true, timeZones...),
				pick("DefaultLocaleSidKey", "u", "Default Locale", true, locales...),
			)},
		{Name: "UserLicense", Label: "User License", LabelPlural: "User Licenses", KeyPrefix: prefixUserLicense,
			Fields: append(systemFields(),
				fd("Name", "string", "", 40, "Name"),
				fd("MasterLabel", "string", "", 40, "Master Label"),
				fd("LicenseDefinitionKey", "string", "", 40, "License Definition Key"),
				pick("Status", "", "Status", false, "Active", "Disabled"),
				fd("TotalLicenses", "int", "", 0, "Total Licenses"),
				fd("UsedLicenses", "int", "", 0, "Used Licenses"),
			)},
		{Name: "Profile", Label: "Profile", LabelPlural: "Profiles", KeyPrefix: prefixProfile, Createable: true, Updateable: true, Deletable: true,
			Fields: append(systemFields(),
				fd("Name", "string", "cu", 255, "Name"),
				ref("UserLicenseId", "c", "UserLicense", "UserLicense", "User License ID"),
				pick("UserType", "d", "User Type", false, userTypes...),
				fd("Description", "textarea", "cun", 255, "Description"),
			), hooks: profileHooks},
		{Name: "UserRole", Label: "Role", LabelPlural: "Roles", KeyPrefix: prefixUserRole, Createable: true, Updateable: true, Deletable: true,
			Fields: append(systemFields(),
				fd("Name", "string", "cu", 80, "Name"),
				fd("DeveloperName", "string", "cud", 80, "Developer Name"),
				ref("ParentRoleId", "cun", "UserRole", "ParentRole", "Parent Role ID"),
				fd("RollupDescription", "string", "cun", 80, "Description"),
			), hooks: roleHooks},
		{Name: "User", Label: "User", LabelPlural: "Users", KeyPrefix: prefixUser, Createable: true, Updateable: true,
			Fields: append(systemFields(),
				fd("Username", "email", "cuql", 80, "Username"),
				fd("Email", "email", "cu", 128, "Email"),
				fd("FirstName", "string", "cun", 40, "First Name"),
				fd("LastName", "string", "cu", 80, "Last Name"),
				fd("Name", "string", "l", 121, "Full Name"),
				fd("Alias", "string", "cu", 8, "Alias"),
				fd("CommunityNickname", "string", "cudq", 40, "Nickname"),
				fd("FederationIdentifier", "string", "cun", 512, "SAML Federation ID"),
				fd("IsActive", "boolean", "cud", 0, "Active"),
				ref("ProfileId", "cu", "Profile", "Profile", "Profile ID"),
				ref("UserRoleId", "cun", "UserRole", "UserRole", "Role ID"),
				labelled(pick("TimeZoneSidKey", "cu", "Time Zone", true, timeZones...), timeZoneLabels),
				labelled(pick("LocaleSidKey", "cu", "Locale", true, locales...), localeLabels),
				labelled(pick("LanguageLocaleKey", "cu", "Language", true, languages...), languageLabels),
				labelled(pick("EmailEncodingKey", "cu", "Email Encoding", true, encodings...), encodingLabels),
				pick("UserType", "d", "User Type", false, userTypes...),
				fd("Title", "string", "cun", 80, "Title"),
				fd("Department", "string", "cun", 80, "Department"),
				fd("CompanyName", "string", "cun", 80, "Company Name"),
				fd("LastLoginDate", "datetime", "n", 0, "Last Login"),
			), hooks: userHooks},
		{Name: "PermissionSet", Label: "Permission Set", LabelPlural: "Permission Sets", KeyPrefix: prefixPermissionSet, Createable: true, Updateable: true, Deletable: true,
			Fields: append(systemFields(),
				fd("Name", "string", "cu", 80, "Name"),
				fd("Label", "string", "cu", 80, "Label"),
				fd("Description", "textarea", "cun", 255, "Description"),
				fd("IsOwnedByProfile", "boolean", "d", 0, "Is Owned by Profile"),
				fd("IsCustom", "boolean", "d", 0, "Is Custom"),
				ref("ProfileId", "n", "Profile", "Profile", "Profile ID"),
				ref("LicenseId", "cun", "UserLicense", "License", "License ID"),
				ref("PermissionSetGroupId", "n", "PermissionSetGroup", "PermissionSetGroup", "Permission Set Group ID"),
				fd("NamespacePrefix", "string", "n", 15, "Namespace Prefix"),
				fd("HasActivationRequired", "boolean", "cud", 0, "Session Activation Required"),
				pick("Type", "d", "Type", false, psTypes...),
			), hooks: permissionSetHooks},
		{Name: "PermissionSetGroup", Label: "Permission Set Group", LabelPlural: "Permission Set Groups", KeyPrefix: prefixPSG, Createable: true, Updateable: true, Deletable: true,
			Fields: append(systemFields(),
				fd("DeveloperName", "string", "cu", 80, "Developer Name"),
				fd("MasterLabel", "string", "cu", 80, "Label"),
				fd("Description", "textarea", "cun", 255, "Description"),
				pick("Status", "d", "Status", false, psgStatus...),
				fd("HasActivationRequired", "boolean", "cud", 0, "Session Activation Required"),
				pick("Language", "cun", "Language", false, languages...),
				fd("NamespacePrefix", "string", "n", 15, "Namespace Prefix"),
			), hooks: psgHooks},
		{Name: "PermissionSetGroupComponent", Label: "Permission Set Group Component", LabelPlural: "Permission Set Group Components", KeyPrefix: prefixPSGComponent, Createable: true, Deletable: true,
			Fields: append(systemFields(),
				ref("PermissionSetGroupId", "c", "PermissionSetGroup", "PermissionSetGroup", "Permission Set Group ID"),
				ref("PermissionSetId", "c", "PermissionSet", "PermissionSet", "Permission Set ID"),
			), hooks: psgComponentHooks},
		{Name: "PermissionSetAssignment", Label: "Permission Set Assignment", LabelPlural: "Permission Set Assignments", KeyPrefix: prefixPSAssignment, Createable: true, Updateable: true, Deletable: true,
			Fields: append(systemFields(),
				ref("AssigneeId", "c", "User", "Assignee", "Assignee ID"),
				ref("PermissionSetId", "cd", "PermissionSet", "PermissionSet", "Permission Set ID"),
				ref("PermissionSetGroupId", "cn", "PermissionSetGroup", "PermissionSetGroup", "Permission Set Group ID"),
				fd("ExpirationDate", "datetime", "cun", 0, "Expiration Date"),
				fd("IsActive", "boolean", "d", 0, "Is Active"),
				fd("IsRevoked", "boolean", "d", 0, "Is Revoked"),
			), hooks: assignmentHooks},
		{Name: "SamlSsoConfig", Label: "SAML Single Sign-On Setting", LabelPlural: "SAML Single Sign-On Settings", KeyPrefix: prefixSAMLSSOConfig,
			Fields: append(systemFields(),
				fd("DeveloperName", "string", "", 80, "API Name"),
				fd("MasterLabel", "string", "", 80, "Name"),
				pick("Language", "n", "Language", false, languages...),
				fd("NamespacePrefix", "string", "n", 15, "Namespace Prefix"),
				fd("Issuer", "string", "", 1000, "Issuer"),
				fd("Audience", "string", "n", 1000, "Entity ID"),
				fd("AttributeFormat", "string", "n", 1000, "Attribute Format"),
				fd("AttributeName", "string", "n", 1000, "Attribute Name"),
				pick("IdentityMapping", "", "SAML Identity Type", true, "Username", "FederationId", "UserId"),
				pick("IdentityLocation", "", "SAML Identity Location", true, "SubjectNameId", "Attribute"),
				fd("LoginUrl", "url", "n", 1000, "Identity Provider Login URL"),
				fd("LogoutUrl", "url", "n", 1000, "Custom Logout URL"),
				fd("ErrorUrl", "url", "n", 1000, "Custom Error URL"),
				fd("ValidationCert", "textarea", "", 4000, "Identity Provider Certificate"),
				pick("RequestSignatureMethod", "n", "Request Signature Method", true, "RSA-SHA1", "RSA-SHA256"),
				fd("SingleLogoutUrl", "url", "n", 1000, "Identity Provider Single Logout URL"),
				pick("SingleLogoutBinding", "n", "Single Logout Request Binding", true, "RedirectBinding", "PostBinding"),
				ref("SamlJitHandlerId", "n", "User", "SamlJitHandler", "SAML JIT Handler ID"),
				ref("ExecutionUserId", "n", "User", "ExecutionUser", "Execution User ID"),
				fd("DecryptionCertificateId", "string", "n", 18, "Decryption Certificate ID"),
				pick("Version", "", "SAML Version", true, "SAML1_1", "SAML2_0"),
				fd("OptionsUserProvisioning", "boolean", "", 0, "User Provisioning Enabled"),
				fd("OptionsSpInitBinding", "boolean", "", 0, "Service Provider Initiated Request Binding is Redirect"),
				fd("OptionsRequireMfaSaml", "boolean", "", 0, "Require MFA"),
				fd("OptionsUseConfigRequestMethod", "boolean", "", 0, "Use Config Request Method"),
				fd("OptionsUseSameDigestAlgoForSigning", "boolean", "", 0, "Use Same Digest Algorithm For Signing"),
			), hooks: samlSSOConfigHooks},
	}
	types = append(types, authConfigTypes()...)
	types = append(types, loginHistoryType(), setupAuditTrailType())
	addDocumentedFields(types) // docfields.go: the documented standard fields of User and Organization
	out := make(map[string]*ObjectType, len(types))
	for _, t := range types {
		out[strings.ToLower(t.Name)] = t.index()
	}
	return out
}

// soqlKind maps a describe type onto how SOQL compares it.
func soqlKind(typ string) soql.FieldKind {
	switch typ {
	case "id", "reference":
		return soql.FieldID
	case "boolean":
		return soql.FieldBool
	case "int":
		return soql.FieldInt
	case "double", "currency", "percent":
		return soql.FieldDouble
	case "date":
		return soql.FieldDate
	case "datetime":
		return soql.FieldDateTime
	}
	return soql.FieldString
}

// describe renders the sObject Describe answer.
func (t *ObjectType) describe(version string) map[string]any {
	fields := make([]map[string]any, 0, len(t.Fields))
	for _, f := range t.Fields {
		pl := make([]map[string]any, 0, len(f.Picklist))
		for _, v := range f.Picklist {
			label := v
			if l, ok := f.Labels[v]; ok {
				label = l
			}
			pl = append(pl, map[string]any{"active": true, "defaultValue": false, "label": label, "validFor": nil, "value": v})
		}
		refs := f.ReferenceTo
		if refs == nil {
			refs = []string{}
		}
		var rel any
		if f.RelationshipName != "" {
			rel = f.RelationshipName
		}
		fields = append(fields, map[string]any{
			"name": f.Name, "label": f.Label, "type": f.Type, "soapType": soapType(f.Type), "length": f.Length,
			"nillable": f.Nillable, "createable": f.Createable, "updateable": f.Updateable,
			"defaultedOnCreate": f.DefaultedOnCreate, "unique": f.Unique, "idLookup": f.IDLookup,
			"externalId": false, "filterable": true, "sortable": f.Type != "textarea", "groupable": f.Type != "textarea",
			"custom": false, "calculated": false, "restrictedPicklist": f.Restricted, "picklistValues": pl,
			"referenceTo": refs, "relationshipName": rel, "polymorphicForeignKey": false, "defaultValue": nil,
		})
		describeCustom(f, fields[len(fields)-1])
	}
	base := "/services/data/" + version + "/sobjects/" + t.Name
	return map[string]any{
		"name": t.Name, "label": t.Label, "labelPlural": t.LabelPlural, "keyPrefix": t.KeyPrefix, "custom": false,
		"createable": t.Createable, "updateable": t.Updateable, "deletable": t.Deletable, "queryable": true,
		"retrieveable": true, "searchable": false, "triggerable": false, "undeletable": false,
		"fields": fields, "childRelationships": []any{}, "recordTypeInfos": []any{},
		"urls": map[string]string{"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"},
	}
}

func soapType(typ string) string {
	switch typ {
	case "id", "reference":
		return "tns:ID"
	case "boolean":
		return "xsd:boolean"
	case "int":
		return "xsd:int"
	case "double":
		return "xsd:double"
	case "datetime":
		return "xsd:dateTime"
	case "date":
		return "xsd:date"
	}
	return "xsd:string"
}
