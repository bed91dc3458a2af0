package attrcheck

import "github.com/oktasf/terraform-provider-oktasf/internal/okta"

// baseAttributes are Okta's base user profile attributes (UserSchemaBaseProperties in Okta's Management API
// description): all strings, fixed in every org, so mappings that use only these need no schema read.
var baseAttributes = []string{"city", "costCenter", "countryCode", "department", "displayName", "division", "email",
	"employeeNumber", "firstName", "honorificPrefix", "honorificSuffix", "lastName", "locale", "login", "manager", "managerId",
	"middleName", "mobilePhone", "nickName", "organization", "postalAddress", "preferredLanguage", "primaryPhone", "profileUrl",
	"secondEmail", "state", "streetAddress", "timezone", "title", "userType", "zipCode"}

// BaseSchema is the part of every org's default user schema that Okta fixes.
func BaseSchema() okta.UserSchema {
	out := okta.UserSchema{}
	for _, name := range baseAttributes {
		out[name] = okta.UserSchemaProperty{Name: name, Title: name, Type: "string"}
	}
	return out
}

// NeedsSchema reports whether any expression is a `user.<attribute>` reference to an attribute that is not a
// base one, so that typing it needs the org's user schema.
func NeedsSchema(exprs []string) bool {
	base := BaseSchema()
	for _, e := range exprs {
		if a, ok := UserAttribute(e); ok {
			if _, isBase := base[a]; !isBase {
				return true
			}
		}
	}
	return false
}
