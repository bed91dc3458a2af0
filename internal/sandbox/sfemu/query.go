package sfemu

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

const (
	defaultBatchSize = 2000
	minBatchSize     = 200
	maxCursors       = 200
)

var batchSizePattern = regexp.MustCompile(`(?i)batchSize\s*=\s*(\d+)`)

// cursor is a query result still being paged through nextRecordsUrl.
type cursor struct {
	object  string
	records []*soql.Object
	total   int
	batch   int
	tooling bool
}

// querySource adapts the store to the SOQL evaluator.
type querySource struct {
	o       *Org
	version string
	tooling bool
}

func (s querySource) Object(name string) (string, bool) {
	t := s.o.objectType(name)
	if t == nil {
		return "", false
	}
	return t.Name, true
}

func (s querySource) Field(object, name string) (string, soql.FieldKind, bool) {
	f := s.o.objectType(object).field(name)
	if f == nil {
		return "", 0, false
	}
	return f.Name, soqlKind(f.Type), true
}

func (s querySource) Relationship(object, name string) (string, string, string, bool) {
	f := s.o.objectType(object).byRel[strings.ToLower(name)]
	if f == nil {
		return "", "", "", false
	}
	// A polymorphic reference resolves to the first of its types the org stores.
	for _, target := range f.ReferenceTo {
		if s.o.objectType(target) != nil {
			return f.RelationshipName, f.Name, target, true
		}
	}
	return "", "", "", false
}

func (s querySource) Rows(object string) []soql.Record     { return s.o.rows(object) }
func (s querySource) Lookup(object, id string) soql.Record { return s.o.lookup(object, id) }
func (s querySource) URL(object, id string) string {
	return s.o.sobjectURL(s.version, object, id, s.tooling)
}

// runQuery parses and evaluates q. o.mu must be held.
func (o *Org) runQuery(q, version string, tooling bool) (*soql.Result, *apiError) {
	parsed, err := soql.Parse(q)
	if err == nil {
		var res *soql.Result
		res, err = soql.Execute(parsed, querySource{o: o, version: version, tooling: tooling})
		if err == nil {
			return res, nil
		}
	}
	var qe *soql.Error
	if errors.As(err, &qe) {
		return nil, newError(http.StatusBadRequest, qe.Code, qe.Message)
	}
	return nil, newError(http.StatusBadRequest, "MALFORMED_QUERY", err.Error())
}

func batchSize(r *http.Request) int {
	m := batchSizePattern.FindStringSubmatch(r.Header.Get("Sforce-Query-Options"))
	if m == nil {
		return defaultBatchSize
	}
	n, _ := strconv.Atoi(m[1])
	return min(max(n, minBatchSize), defaultBatchSize)
}

func (o *Org) handleQuery(w http.ResponseWriter, r *http.Request) {
	// Salesforce's Date header is its clock: callers date change markers with it.
	w.Header().Set("Date", o.now().UTC().Format(http.TimeFormat))
	c := callFrom(r.Context())
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		writeError(w, newError(http.StatusBadRequest, "MALFORMED_QUERY", "A query string has to be specified"))
		return
	}
	if o.serveQueryColumns(w, r, c, q) { // columns=true: querycolumns.go
		return
	}
	res, err := o.runQuery(q, c.version, c.tooling)
	if err != nil {
		writeError(w, err)
		return
	}
	cur := &cursor{object: res.Object, records: res.Records, total: res.TotalSize, batch: batchSize(r), tooling: c.tooling}
	o.writePage(w, c, cur, "", 0)
}

// writePage answers one page of a cursor, registering it when more pages follow.
func (o *Org) writePage(w http.ResponseWriter, c *call, cur *cursor, locator string, from int) {
	end := min(from+cur.batch, len(cur.records))
	page := cur.records[from:end]
	if page == nil {
		page = []*soql.Object{}
	}
	done := end >= len(cur.records)
	next := ""
	if !done {
		if locator == "" {
			locator = o.nextID(prefixQueryLocator)
			o.cursors[locator] = cur
			o.cursorN = append(o.cursorN, locator)
			if len(o.cursorN) > maxCursors {
				delete(o.cursors, o.cursorN[0])
				o.cursorN = o.cursorN[1:]
			}
		}
		prefix := "/services/data/" + c.version + "/query/"
		if cur.tooling {
			prefix = "/services/data/" + c.version + "/tooling/query/"
		}
		next = prefix + locator + "-" + strconv.Itoa(end)
	}
	// Tooling answers carry size, queryLocator and entityTypeName around the REST fields.
	out := soql.NewObject()
	if cur.tooling {
		out.Set("size", len(page))
	}
	out.Set("totalSize", cur.total)
	out.Set("done", done)
	if next != "" {
		out.Set("nextRecordsUrl", next)
	}
	if cur.tooling {
		out.Set("queryLocator", nil)
		out.Set("entityTypeName", cur.object)
	}
	out.Set("records", page)
	writeJSON(w, http.StatusOK, out)
}

func (o *Org) handleQueryMore(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r.Context())
	loc := r.PathValue("locator")
	id, offset, ok := strings.Cut(loc, "-")
	n, err := strconv.Atoi(offset)
	cur := o.cursors[id]
	if !ok || err != nil || cur == nil || cur.tooling != c.tooling || n < 0 || n >= len(cur.records) {
		writeError(w, newError(http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator"))
		return
	}
	o.writePage(w, c, cur, id, n)
}
