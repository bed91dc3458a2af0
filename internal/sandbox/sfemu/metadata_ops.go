package sfemu

// This file holds describeMetadata and updateMetadata, and the table of Metadata API types the emulator serves, which
// describeMetadata, retrieve and checkRetrieveStatus share. Shapes follow the Metadata API WSDL (the copy jsforce
// ships) and the Metadata API Developer Guide; facts marked "inferred" were not confirmed against a real org.

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// checkStatusRemovedIn is the API version whose WSDL no longer has checkStatus.
const checkStatusRemovedIn = 31

// metadataComponent is one component a retrieve can return: its fullName, the row its FileProperties come from, and
// its content as the Metadata API writes it (child elements of the type's element, fullName first).
type metadataComponent struct {
	fullName string
	row      soql.Record
	write    func(b *bytes.Buffer)
}

// servedType is a Metadata API type the emulator stores, with the file layout describeMetadata reports.
type servedType struct {
	xmlName    string
	directory  string
	suffix     string
	minVersion int // the first API version that has the type
	components func(o *Org) []metadataComponent
}

// servedTypes, in the alphabetical order describeMetadata lists them in. First versions: ProfileSessionSetting 40.0
// (Metadata guide); SamlSsoConfig 28.0 and Profile 10.0 are from the guide's type pages (below the emulator's 30.0,
// so they never hide a type).
var servedTypes = []servedType{
	{xmlName: "Profile", directory: "profiles", suffix: "profile", minVersion: 10, components: (*Org).profileComponents},
	{xmlName: "ProfileSessionSetting", directory: "profileSessionSettings", suffix: "profileSessionSetting", minVersion: 40, components: (*Org).profileSessionSettingComponents},
	{xmlName: "SamlSsoConfig", directory: "samlssoconfigs", suffix: "samlssoconfig", minVersion: 28, components: (*Org).samlConfigComponents},
}

func findServedType(name string, version int) *servedType {
	for i := range servedTypes {
		if servedTypes[i].xmlName == name && version >= servedTypes[i].minVersion {
			return &servedTypes[i]
		}
	}
	return nil
}

func (o *Org) samlConfigComponents() []metadataComponent {
	var out []metadataComponent
	o.each("SamlSsoConfig", func(rec soql.Record) bool {
		out = append(out, metadataComponent{fullName: str(rec, "DeveloperName"), row: rec, write: func(b *bytes.Buffer) { o.writeSAMLMetadata(b, rec) }})
		return true
	})
	return out
}

func (o *Org) profileComponents() []metadataComponent {
	var out []metadataComponent
	o.each("Profile", func(p soql.Record) bool {
		out = append(out, metadataComponent{fullName: str(p, "Name"), row: p, write: func(b *bytes.Buffer) { o.writeProfileMetadata(b, p) }})
		return true
	})
	return out
}

func (o *Org) profileSessionSettingComponents() []metadataComponent {
	var out []metadataComponent
	o.each("Profile", func(p soql.Record) bool {
		out = append(out, metadataComponent{fullName: sessionSettingName(p), row: p, write: func(b *bytes.Buffer) { o.writeProfileSessionSetting(b, p) }})
		return true
	})
	return out
}

// parseAPIVersion reads an xsd:double API version ("63.0", "63"); ok is false outside the versions the org serves.
func parseAPIVersion(s string) (int, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != float64(int(f)) || int(f) < minAPIVersion || int(f) > maxAPIVersion {
		return 0, false
	}
	return int(f), true
}

// describeMetadata lists the served types as of asOfVersion (the endpoint's version when absent). Production orgs
// answer partialSaveAllowed false and testRequired true, sandboxes the reverse (Metadata guide,
// DescribeMetadataResult); that a Developer Edition answers like a sandbox is inferred and not modelled (the seed
// makes every org an Enterprise Edition).
func (o *Org) describeMetadata(asOfVersion string, endpointVersion int) ([]byte, *soapFault) {
	version := endpointVersion
	if strings.TrimSpace(asOfVersion) != "" {
		v, ok := parseAPIVersion(asOfVersion)
		if !ok {
			// The fault code and text are inferred: the guide only says asOfVersion must be a valid API version.
			return nil, &soapFault{"sf:INVALID_ARGUMENT", fmt.Sprintf("INVALID_ARGUMENT: Invalid asOfVersion %s: the version must be between %d.0 and %d.0", asOfVersion, minAPIVersion, maxAPIVersion)}
		}
		version = v
	}
	production := true
	if org := o.lookup("Organization", o.keys.OrgID); org != nil && org["IsSandbox"] == true {
		production = false
	}
	var b bytes.Buffer
	b.WriteString("<result>")
	for _, t := range servedTypes {
		if version < t.minVersion {
			continue
		}
		b.WriteString("<metadataObjects>")
		element(&b, "directoryName", t.directory)
		element(&b, "inFolder", "false")
		element(&b, "metaFile", "false")
		element(&b, "suffix", t.suffix)
		element(&b, "xmlName", t.xmlName)
		b.WriteString("</metadataObjects>")
	}
	b.WriteString("<organizationNamespace></organizationNamespace>") // an org without a namespace prefix
	element(&b, "partialSaveAllowed", strconv.FormatBool(!production))
	element(&b, "testRequired", strconv.FormatBool(production))
	b.WriteString("</result>")
	return b.Bytes(), nil
}

// updateMetadata saves components that exist, one SaveResult each. Unlike upsertMetadata it never creates one: a
// component that does not exist fails with INVALID_CROSS_REFERENCE_KEY, the code and text deleteMetadata uses for a
// missing component (inferred for update; the guide only says update changes existing components).
func (o *Org) updateMetadata(items []metadataItem) ([]byte, *soapFault) {
	if f := checkMetadataItems(items); f != nil {
		return nil, f
	}
	var b bytes.Buffer
	for _, m := range items {
		typ := metadataType(m.Type)
		var serr *saveError
		switch {
		case typ == "ProfileSessionSetting":
			if o.profileBySessionSettingName(m.FullName) == nil {
				serr = missingComponent(typ, m.FullName)
			} else {
				_, serr = o.saveProfileSessionSetting(m)
			}
		case typ == "Profile":
			_, serr = o.saveProfile(m) // saveProfile never creates a profile
		case typ == "SamlSsoConfig" || typ == "":
			if o.findRow("SamlSsoConfig", "DeveloperName", m.FullName) == nil {
				serr = missingComponent("SamlSsoConfig", m.FullName)
			} else {
				_, serr = o.saveSAMLConfig(m.samlMetadata)
			}
		default:
			serr = &saveError{"INVALID_TYPE", fmt.Sprintf("Unsupported metadata type: %s", typ)}
		}
		b.WriteString("<result>")
		if serr != nil {
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

func missingComponent(typ, fullName string) *saveError {
	return &saveError{"INVALID_CROSS_REFERENCE_KEY", fmt.Sprintf("In field: fullName - no %s named %s found", typ, fullName)}
}

// sortedMembers returns the members of a package type sorted as Salesforce writes them, without duplicates.
func sortedMembers(members []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range members {
		m = strings.TrimSpace(m)
		if m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}
