package sfemu

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// docdata holds describe and limits data written from Salesforce's documentation (see docdata/README.md),
// never recorded from an org.
//
//go:embed docdata/*.json
var docdata embed.FS

// docField is one field of a docdata/*_fields.json file.
type docField struct {
	Name             string   `json:"name"`
	Type             string   `json:"type"`
	Flags            string   `json:"flags"`
	Length           int      `json:"length"`
	Label            string   `json:"label"`
	ReferenceTo      []string `json:"referenceTo"`
	RelationshipName string   `json:"relationshipName"`
	Picklist         []string `json:"picklist"`
}

// documentedFieldFiles maps an sObject type to the file listing its further standard fields.
var documentedFieldFiles = map[string]string{
	"User":         "docdata/user_fields.json",
	"Organization": "docdata/organization_fields.json",
}

// addDocumentedFields appends the documented standard fields a type's own definition in schema.go leaves
// out; the fields it defines itself win. They are plain stored fields: queryable, writable where the
// documentation says createable/updateable, null (false for booleans) until set.
func addDocumentedFields(types []*ObjectType) {
	for _, t := range types {
		file, ok := documentedFieldFiles[t.Name]
		if !ok {
			continue
		}
		have := map[string]bool{}
		for _, f := range t.Fields {
			have[strings.ToLower(f.Name)] = true
		}
		for _, d := range loadDocFields(file) {
			if have[strings.ToLower(d.Name)] {
				continue
			}
			f := fd(d.Name, d.Type, d.Flags, d.Length, d.Label)
			if d.Label == "" {
				f.Label = labelFromName(d.Name)
			}
			f.ReferenceTo, f.RelationshipName = d.ReferenceTo, d.RelationshipName
			f.Picklist = d.Picklist
			t.Fields = append(t.Fields, f)
		}
	}
}

func loadDocFields(file string) []docField {
	b, err := docdata.ReadFile(file)
	if err != nil {
		panic(fmt.Sprintf("sfemu: embedded %s: %v", file, err))
	}
	var out []docField
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("sfemu: embedded %s: %v", file, err))
	}
	return out
}

// documentedLimits returns the Max of every documented /limits key.
func documentedLimits() map[string]int {
	b, err := docdata.ReadFile("docdata/limits.json")
	if err != nil {
		panic(fmt.Sprintf("sfemu: embedded limits: %v", err))
	}
	var out map[string]int
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("sfemu: embedded limits: %v", err))
	}
	return out
}

// labelFromName turns UserPreferencesHideS1BrowserUI into "User Preferences Hide S1 Browser UI"-like text
// for fields whose documented label is not given.
func labelFromName(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
