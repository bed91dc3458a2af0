package sfemu

// This file holds the Metadata API's retrieve: retrieve takes a RetrieveRequest and answers an AsyncResult id;
// checkRetrieveStatus answers the RetrieveResult with the zip (base64) of package.xml and one file per component in
// the Metadata API's file format; checkStatus (before API 31.0) answers the AsyncResult. Shapes follow the WSDL
// jsforce ships and the Metadata API Developer Guide; facts marked "inferred" were not confirmed against a real org.

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// retrievesTable keeps retrieve results by the AsyncResult's 15-character key; it is not in the schema, so REST and
// SOQL never see it.
const retrievesTable = "__MetadataRetrieves"

// keptRetrieves caps how many results an org holds; older ones answer as deleted.
const keptRetrieves = 50

// prefixAsyncRetrieve is the key prefix of a retrieve's AsyncResult id (09S…, as ids in retrieve output show).
const prefixAsyncRetrieve = "09S"

// retrieveRequest is the Metadata API's RetrieveRequest.
type retrieveRequest struct {
	APIVersion    string   `xml:"apiVersion"`
	PackageNames  []string `xml:"packageNames"`
	SinglePackage string   `xml:"singlePackage"`
	SpecificFiles []string `xml:"specificFiles"`
	Unpackaged    *struct {
		Types []packageTypeMembers `xml:"types"`
	} `xml:"unpackaged"`
}

// packageTypeMembers is one <types> of package.xml.
type packageTypeMembers struct {
	Members []string `xml:"members"`
	Name    string   `xml:"name"`
}

func argumentFault(msg string) *soapFault {
	return &soapFault{"sf:INVALID_ARGUMENT", "INVALID_ARGUMENT: " + msg}
}

// retrieve builds the result at once and keeps it for checkRetrieveStatus; the AsyncResult still says Queued, as
// Salesforce's does, so clients poll as they would. Building it at request time (not when the job would run on a
// real org) is the emulator's choice.
func (o *Org) retrieve(reqs []retrieveRequest, endpointVersion int, userID string) ([]byte, *soapFault) {
	if len(reqs) != 1 {
		return nil, argumentFault("retrieve takes exactly one retrieveRequest")
	}
	req := reqs[0]
	version := endpointVersion
	if strings.TrimSpace(req.APIVersion) != "" {
		v, ok := parseAPIVersion(req.APIVersion)
		if !ok {
			return nil, argumentFault(fmt.Sprintf("apiVersion %s is not a version between %d.0 and %d.0", req.APIVersion, minAPIVersion, maxAPIVersion))
		}
		version = v
	}
	single := strings.TrimSpace(req.SinglePackage) == "true"
	// The guide's rules for RetrieveRequest: specificFiles needs singlePackage and no packageNames; a single package
	// is one package. The fault texts are inferred.
	if req.Unpackaged == nil && len(req.PackageNames) == 0 {
		return nil, argumentFault("the retrieveRequest names no package: set unpackaged (a package.xml's types) or packageNames")
	}
	if len(req.SpecificFiles) > 0 && (!single || len(req.PackageNames) > 0) {
		return nil, argumentFault("specificFiles requires singlePackage true and no packageNames")
	}
	if single && len(req.PackageNames)+map[bool]int{true: 1}[req.Unpackaged != nil] > 1 {
		return nil, argumentFault("singlePackage is true but the retrieveRequest names more than one package")
	}

	prefix := "unpackaged/"
	if single {
		prefix = ""
	}
	var messages []retrieveMessage
	for _, name := range req.PackageNames {
		// The org has no installed or uploaded packages (inferred text).
		messages = append(messages, retrieveMessage{fileName: name, problem: fmt.Sprintf("No package named '%s' found", name)})
	}
	var types []packageTypeMembers
	var files []retrievedFile
	if req.Unpackaged != nil {
		for _, pt := range req.Unpackaged.Types {
			members := sortedMembers(pt.Members)
			types = append(types, packageTypeMembers{Name: strings.TrimSpace(pt.Name), Members: members})
			found, missing := o.selectComponents(strings.TrimSpace(pt.Name), members, version)
			for _, m := range missing {
				messages = append(messages, retrieveMessage{fileName: prefix + "package.xml", problem: fmt.Sprintf("Entity of type '%s' named '%s' cannot be found", pt.Name, m)})
			}
			files = append(files, found...)
		}
	}
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	if len(req.SpecificFiles) > 0 {
		want := map[string]bool{}
		for _, f := range req.SpecificFiles {
			want[strings.TrimSpace(f)] = true
		}
		kept := files[:0]
		for _, f := range files {
			if want[f.path] {
				kept = append(kept, f)
			}
		}
		files = kept
	}

	zipped, err := o.retrieveZip(prefix, types, version, files)
	if err != nil {
		return nil, &soapFault{"sf:UNKNOWN_EXCEPTION", "UNKNOWN_EXCEPTION: " + err.Error()}
	}
	var props bytes.Buffer
	now := metadataTime(timestamp(o.now()))
	user := o.lookup("User", userID)
	writeFileProperties(&props, fileProps{createdByID: userID, createdByName: str(user, "Name"), createdDate: now, fileName: prefix + "package.xml",
		fullName: prefix + "package.xml", lastModifiedByID: userID, lastModifiedByName: str(user, "Name"), lastModifiedDate: now, typ: "Package"})
	for _, f := range files {
		writeFileProperties(&props, o.componentFileProps(f, prefix))
	}
	var msgs bytes.Buffer
	for _, m := range messages {
		msgs.WriteString("<messages>")
		element(&msgs, "fileName", m.fileName)
		element(&msgs, "problem", m.problem)
		msgs.WriteString("</messages>")
	}

	id := o.nextID(prefixAsyncRetrieve)
	t := o.table(retrievesTable)
	t.Rows[key15(id)] = soql.Record{"Id": id, "Status": "Succeeded", "ZipFile": base64.StdEncoding.EncodeToString(zipped),
		"FileProperties": props.String(), "Messages": msgs.String()}
	t.Order = append(t.Order, key15(id))
	for len(t.Order) > keptRetrieves {
		delete(t.Rows, t.Order[0])
		t.Order = t.Order[1:]
	}

	var b bytes.Buffer
	b.WriteString("<result>")
	element(&b, "done", "false")
	element(&b, "id", id)
	element(&b, "state", "Queued")
	b.WriteString("</result>")
	return b.Bytes(), nil
}

type retrieveMessage struct{ fileName, problem string }

// retrievedFile is one component file of a retrieve, its path relative to the package root.
type retrievedFile struct {
	path     string
	typ      string
	fullName string
	row      soql.Record
	content  []byte
}

// selectComponents returns the files of the members of one package type ("*" is every component of it) and the
// named members the org has none of. A type the emulator does not serve is one of which the org has no component.
func (o *Org) selectComponents(typeName string, members []string, version int) (found []retrievedFile, missing []string) {
	st := findServedType(typeName, version)
	var comps []metadataComponent
	if st != nil {
		comps = st.components(o)
	}
	wildcard := false
	for _, m := range members {
		wildcard = wildcard || m == "*"
	}
	picked := map[string]bool{}
	for _, m := range members {
		if m == "*" {
			continue
		}
		ok := false
		for _, c := range comps {
			ok = ok || c.fullName == m
		}
		if !ok {
			missing = append(missing, m)
		}
		picked[m] = ok
	}
	for _, c := range comps {
		if !wildcard && !picked[c.fullName] {
			continue
		}
		found = append(found, retrievedFile{path: st.directory + "/" + c.fullName + "." + st.suffix, typ: st.xmlName, fullName: c.fullName,
			row: c.row, content: metadataFile(st.xmlName, c.write)})
	}
	return found, missing
}

// metadataFile renders a component in the Metadata API's file format: an XML declaration, the type's element in the
// metadata namespace, the fields indented by four spaces, and no fullName (the file name carries it).
func metadataFile(typeName string, write func(*bytes.Buffer)) []byte {
	var inner bytes.Buffer
	inner.WriteString("<c>")
	write(&inner)
	inner.WriteString("</c>")
	var out bytes.Buffer
	out.WriteString(xml.Header)
	enc := xml.NewEncoder(&out)
	enc.Indent("", "    ")
	_ = enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: typeName}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: metadataNS}}})
	dec := xml.NewDecoder(&inner)
	depth, skip := 0, false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Local == "fullName" {
				skip = true
			}
			if depth > 1 && !skip {
				_ = enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: t.Name.Local}})
			}
		case xml.EndElement:
			if depth > 1 && !skip {
				_ = enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: t.Name.Local}})
			}
			if depth == 2 {
				skip = false
			}
			depth--
		case xml.CharData:
			if depth > 1 && !skip {
				_ = enc.EncodeToken(t.Copy())
			}
		}
	}
	_ = enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: typeName}})
	_ = enc.Flush()
	out.WriteString("\n")
	return out.Bytes()
}

// packageXML writes the package.xml of a retrieve: the request's types and members, and the retrieve's apiVersion.
// That the manifest echoes the request (a "*" stays "*") is inferred from retrieved projects.
func packageXML(types []packageTypeMembers, version int) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header + `<Package xmlns="` + metadataNS + `">` + "\n")
	for _, t := range types {
		b.WriteString("    <types>\n")
		for _, m := range t.Members {
			b.WriteString("        ")
			element(&b, "members", m)
			b.WriteString("\n")
		}
		b.WriteString("        ")
		element(&b, "name", t.Name)
		b.WriteString("\n    </types>\n")
	}
	fmt.Fprintf(&b, "    <version>%d.0</version>\n</Package>\n", version)
	return b.Bytes()
}

func (o *Org) retrieveZip(prefix string, types []packageTypeMembers, version int, files []retrievedFile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, content []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: o.now().UTC()})
		if err != nil {
			return err
		}
		_, err = w.Write(content)
		return err
	}
	if err := add(prefix+"package.xml", packageXML(types, version)); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := add(prefix+f.path, f.content); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fileProps is one FileProperties of a RetrieveResult.
type fileProps struct {
	createdByID, createdByName, createdDate, fileName, fullName, id string
	lastModifiedByID, lastModifiedByName, lastModifiedDate, typ     string
}

func writeFileProperties(b *bytes.Buffer, p fileProps) {
	b.WriteString("<fileProperties>")
	element(b, "createdById", p.createdByID)
	element(b, "createdByName", p.createdByName)
	element(b, "createdDate", p.createdDate)
	element(b, "fileName", p.fileName)
	element(b, "fullName", p.fullName)
	element(b, "id", p.id)
	element(b, "lastModifiedById", p.lastModifiedByID)
	element(b, "lastModifiedByName", p.lastModifiedByName)
	element(b, "lastModifiedDate", p.lastModifiedDate)
	element(b, "manageableState", "unmanaged")
	element(b, "type", p.typ)
	b.WriteString("</fileProperties>")
}

func (o *Org) componentFileProps(f retrievedFile, prefix string) fileProps {
	creator := o.lookup("User", str(f.row, "CreatedById"))
	modifier := o.lookup("User", str(f.row, "LastModifiedById"))
	p := fileProps{createdByID: str(f.row, "CreatedById"), createdByName: str(creator, "Name"), createdDate: metadataTime(str(f.row, "CreatedDate")),
		fileName: prefix + f.path, fullName: f.fullName, id: str(f.row, "Id"), lastModifiedByID: str(f.row, "LastModifiedById"),
		lastModifiedByName: str(modifier, "Name"), lastModifiedDate: metadataTime(str(f.row, "LastModifiedDate")), typ: f.typ}
	if f.typ == "ProfileSessionSetting" {
		p.id = "" // the setting has no id of its own (listMetadata gives none either)
	}
	return p
}

// retrieveResult finds a kept result; a fault when the id is not a retrieve's or its result is gone.
func (o *Org) retrieveResult(id string) (soql.Record, *soapFault) {
	k := key15(strings.TrimSpace(id))
	if k == "" || !strings.HasPrefix(k, prefixAsyncRetrieve) {
		return nil, &soapFault{"sf:INVALID_ID_FIELD", "INVALID_ID_FIELD: Invalid id specified: " + id}
	}
	row := o.table(retrievesTable).Rows[k]
	if row == nil || row["Status"] == "Deleted" {
		// Salesforce deletes a result once its zip is fetched; asking again gets this fault (the text clients show).
		return nil, &soapFault{"sf:INVALID_LOCATOR", "INVALID_LOCATOR: Retrieve result has been deleted."}
	}
	return row, nil
}

// checkRetrieveStatus answers the RetrieveResult. includeZip absent counts as true: clients that send only the id
// (jsforce, and every client before API 31.0 added the argument) get the zip (inferred from jsforce working against
// real orgs). Once the zip is returned the result is deleted, as the guide says.
func (o *Org) checkRetrieveStatus(id, includeZip string) ([]byte, *soapFault) {
	row, fault := o.retrieveResult(id)
	if fault != nil {
		return nil, fault
	}
	withZip := strings.TrimSpace(includeZip) != "false"
	var b bytes.Buffer
	b.WriteString("<result>")
	element(&b, "done", "true")
	b.WriteString(str(row, "FileProperties"))
	element(&b, "id", str(row, "Id"))
	b.WriteString(str(row, "Messages"))
	element(&b, "status", str(row, "Status"))
	element(&b, "success", "true")
	if withZip {
		element(&b, "zipFile", str(row, "ZipFile"))
		row["Status"], row["ZipFile"] = "Deleted", ""
	}
	b.WriteString("</result>")
	return b.Bytes(), nil
}

// checkStatus (API 30.0 and earlier) answers one AsyncResult per id; a finished retrieve is Completed.
func (o *Org) checkStatus(ids []string) ([]byte, *soapFault) {
	var b bytes.Buffer
	for _, id := range ids {
		row, fault := o.retrieveResult(id)
		if fault != nil {
			return nil, fault
		}
		b.WriteString("<result>")
		element(&b, "done", "true")
		element(&b, "id", str(row, "Id"))
		element(&b, "state", "Completed")
		b.WriteString("</result>")
	}
	return b.Bytes(), nil
}
