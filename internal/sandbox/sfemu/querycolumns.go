package sfemu

import (
	"net/http"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// The columns of a query: GET …/query?q=…&columns=true (and …/tooling/query) answers what the query would select
// instead of its records. Not in ../shared/reference: the shape is inferred from what the Developer Console's
// query editor receives from Salesforce (columnMetadata, entityName, groupBy, idSelected, keyPrefix; a
// relationship path such as Profile.Name is one column named for the relationship whose joinColumns hold the
// related fields).

// queryColumn is one entry of columnMetadata; the member order is Salesforce's (alphabetical).
type queryColumn struct {
	Aggregate      bool           `json:"aggregate"`
	ApexType       *string        `json:"apexType"`
	BooleanType    bool           `json:"booleanType"`
	ColumnName     string         `json:"columnName"`
	Custom         bool           `json:"custom"`
	DisplayName    string         `json:"displayName"`
	ForeignKeyName *string        `json:"foreignKeyName"`
	Insertable     bool           `json:"insertable"`
	JoinColumns    []*queryColumn `json:"joinColumns"`
	NumberType     bool           `json:"numberType"`
	TextType       bool           `json:"textType"`
	Updatable      bool           `json:"updatable"`
}

// queryColumnsRequested reports whether the request asks for columns (columns=true, case-insensitive: inferred).
func queryColumnsRequested(r *http.Request) bool {
	return strings.EqualFold(r.URL.Query().Get("columns"), "true")
}

// serveQueryColumns answers a columns=true query and reports whether it did; the query is validated (and its
// errors answered) exactly as when its records are asked for. o.mu must be held.
func (o *Org) serveQueryColumns(w http.ResponseWriter, r *http.Request, c *call, q string) bool {
	if !queryColumnsRequested(r) {
		return false
	}
	res, apiErr := o.runQuery(q, c.version, c.tooling)
	if apiErr != nil {
		writeError(w, apiErr)
		return true
	}
	parsed, err := soql.Parse(q)
	if err != nil { // runQuery parsed it already
		writeError(w, newError(http.StatusBadRequest, "MALFORMED_QUERY", err.Error()))
		return true
	}
	t := o.objectType(res.Object)
	cols := []*queryColumn{}
	idSelected := false
	for _, p := range parsed.Fields {
		if len(p.Parts) == 1 && strings.EqualFold(p.Parts[0], "Id") {
			idSelected = true
		}
		cols = o.addQueryColumn(cols, t, p.Parts, "")
	}
	out := soql.NewObject()
	out.Set("columnMetadata", cols)
	out.Set("entityName", res.Object)
	out.Set("groupBy", false)
	out.Set("idSelected", idSelected)
	out.Set("keyPrefix", t.KeyPrefix)
	writeJSON(w, http.StatusOK, out)
	return true
}

// addQueryColumn adds the column for the path parts (relative to t) to cols, merging a relationship already
// present. prefix is the dotted path of t's relationship from the queried object, for displayName.
func (o *Org) addQueryColumn(cols []*queryColumn, t *ObjectType, parts []string, prefix string) []*queryColumn {
	if t == nil || len(parts) == 0 {
		return cols
	}
	if len(parts) == 1 {
		f := t.field(parts[0])
		if f == nil {
			return cols
		}
		return append(cols, fieldColumn(f, prefix+f.Name))
	}
	ref := t.byRel[strings.ToLower(parts[0])]
	if ref == nil {
		return cols
	}
	var target *ObjectType
	for _, name := range ref.ReferenceTo {
		if target = o.objectType(name); target != nil {
			break
		}
	}
	var col *queryColumn
	for _, existing := range cols {
		if existing.ColumnName == ref.RelationshipName && existing.ApexType == nil {
			col = existing
		}
	}
	if col == nil {
		col = &queryColumn{ColumnName: ref.RelationshipName, DisplayName: prefix + ref.RelationshipName,
			Custom: ref.Custom != nil, JoinColumns: []*queryColumn{}}
		cols = append(cols, col)
	}
	col.JoinColumns = o.addQueryColumn(col.JoinColumns, target, parts[1:], prefix+ref.RelationshipName+".")
	return cols
}

// fieldColumn is the column of one field; apexType follows the field's describe type.
func fieldColumn(f *Field, display string) *queryColumn {
	apex := apexTypeOf(f.Type)
	return &queryColumn{
		ApexType: &apex, ColumnName: f.Name, DisplayName: display, Custom: f.Custom != nil,
		Insertable: f.Createable, Updatable: f.Updateable, JoinColumns: []*queryColumn{},
		BooleanType: apex == "Boolean",
		NumberType:  apex == "Integer" || apex == "Double" || apex == "Decimal",
		TextType:    apex == "String",
	}
}

// apexTypeOf maps a describe type to its Apex type: id and reference are Id, boolean Boolean, int Integer,
// currency Decimal, double and percent Double, date Date, datetime Datetime; text-like types (string, email,
// url, phone, textarea, picklist) are String.
func apexTypeOf(describeType string) string {
	switch describeType {
	case "id", "reference":
		return "Id"
	case "boolean":
		return "Boolean"
	case "int":
		return "Integer"
	case "currency":
		return "Decimal"
	case "double", "percent":
		return "Double"
	case "date":
		return "Date"
	case "datetime":
		return "Datetime"
	}
	return "String"
}
