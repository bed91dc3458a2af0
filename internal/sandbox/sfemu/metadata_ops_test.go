package sfemu

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
)

// soapAt posts a Metadata API envelope to the endpoint of API version version ("63.0").
func (to *testOrg) soapAt(t *testing.T, version, payload string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, to.srv.URL+"/services/Soap/m/"+version, strings.NewReader(payload))
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type soapFaultBody struct {
	Code   string `xml:"Body>Fault>faultcode"`
	String string `xml:"Body>Fault>faultstring"`
}

// fault posts payload to the endpoint of API version version and returns the SOAP fault it must answer.
func (to *testOrg) fault(t *testing.T, version, payload string) soapFaultBody {
	t.Helper()
	status, body := to.soapAt(t, version, payload)
	var f soapFaultBody
	if err := xml.Unmarshal([]byte(body), &f); err != nil || status != 500 || f.Code == "" {
		t.Fatalf("want a SOAP fault, got %d %s", status, body)
	}
	return f
}

// unzipped returns the files of a RetrieveResult's zipFile by path.
func unzipped(t *testing.T, zipFile string) map[string][]byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(zipFile)
	if err != nil {
		t.Fatalf("zipFile is not base64: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("zipFile is not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

type describeResponse struct {
	Objects []struct {
		DirectoryName string `xml:"directoryName"`
		InFolder      bool   `xml:"inFolder"`
		MetaFile      bool   `xml:"metaFile"`
		Suffix        string `xml:"suffix"`
		Name          string `xml:"xmlName"`
	} `xml:"Body>describeMetadataResponse>result>metadataObjects"`
	Namespace          *string `xml:"Body>describeMetadataResponse>result>organizationNamespace"`
	PartialSaveAllowed bool    `xml:"Body>describeMetadataResponse>result>partialSaveAllowed"`
	TestRequired       bool    `xml:"Body>describeMetadataResponse>result>testRequired"`
}

func TestMetadataSOAPDescribeMetadata(t *testing.T) {
	t.Parallel()
	prod := startOrg(t, "qa", testSeed(), nil, nil, 0)
	sbx := startOrg(t, "uat", OrgSeed{Name: "UAT", IsSandbox: true, AdminUsername: "integration@acme.uat"}, nil, nil, 0)
	describe := func(to *testOrg, asOf string) describeResponse {
		t.Helper()
		status, body := to.soap(t, envelope(to.token, `<met:describeMetadata><met:asOfVersion>`+asOf+`</met:asOfVersion></met:describeMetadata>`))
		var d describeResponse
		if err := xml.Unmarshal([]byte(body), &d); err != nil || status != 200 {
			t.Fatalf("describeMetadata %s: %d %s", asOf, status, body)
		}
		return d
	}

	d := describe(prod, "63.0")
	got := map[string]string{}
	for _, o := range d.Objects {
		if o.InFolder || o.MetaFile {
			t.Errorf("%s: inFolder/metaFile should be false: %+v", o.Name, o)
		}
		got[o.Name] = o.DirectoryName + "/*." + o.Suffix
	}
	want := map[string]string{"SamlSsoConfig": "samlssoconfigs/*.samlssoconfig", "Profile": "profiles/*.profile",
		"ProfileSessionSetting": "profileSessionSettings/*.profileSessionSetting"}
	if len(got) != len(want) {
		t.Fatalf("metadataObjects = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if d.Namespace == nil || *d.Namespace != "" || d.PartialSaveAllowed || !d.TestRequired {
		t.Errorf("production org: namespace %v partialSaveAllowed %v testRequired %v", d.Namespace, d.PartialSaveAllowed, d.TestRequired)
	}
	// ProfileSessionSetting came in API 40.0.
	for _, o := range describe(prod, "39.0").Objects {
		if o.Name == "ProfileSessionSetting" {
			t.Errorf("asOfVersion 39.0 lists ProfileSessionSetting")
		}
	}
	if s := describe(sbx, "63.0"); !s.PartialSaveAllowed || s.TestRequired {
		t.Errorf("sandbox org: partialSaveAllowed %v testRequired %v", s.PartialSaveAllowed, s.TestRequired)
	}
	if f := prod.fault(t, "63.0", envelope(prod.token, `<met:describeMetadata><met:asOfVersion>7.5</met:asOfVersion></met:describeMetadata>`)); f.Code != "sf:INVALID_ARGUMENT" {
		t.Errorf("bad asOfVersion: %+v", f)
	}
}

type saveResponse struct {
	Results []struct {
		FullName string `xml:"fullName"`
		Success  bool   `xml:"success"`
		Code     string `xml:"errors>statusCode"`
		Message  string `xml:"errors>message"`
	} `xml:"Body>updateMetadataResponse>result"`
}

func TestMetadataSOAPUpdateMetadata(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	cert := testCertificate(t)
	update := func(items string) saveResponse {
		t.Helper()
		status, body := to.soap(t, envelope(to.token, `<met:updateMetadata>`+items+`</met:updateMetadata>`))
		var r saveResponse
		if err := xml.Unmarshal([]byte(body), &r); err != nil || status != 200 {
			t.Fatalf("updateMetadata: %d %s", status, body)
		}
		return r
	}
	samlItem := func(issuer string) string {
		b := upsertBody(issuer, cert)
		return strings.TrimSuffix(strings.TrimPrefix(b, `<met:upsertMetadata>`), `</met:upsertMetadata>`)
	}

	// Update is not an upsert: a component that does not exist fails and nothing is created.
	r := update(samlItem("http://www.okta.com/exk1"))
	if len(r.Results) != 1 || r.Results[0].Success || r.Results[0].Code != "INVALID_CROSS_REFERENCE_KEY" || r.Results[0].FullName != "Okta" ||
		!strings.Contains(r.Results[0].Message, "no SamlSsoConfig named Okta") {
		t.Fatalf("update of a missing config: %+v", r.Results)
	}
	if n := to.query(t, "SELECT COUNT() FROM SamlSsoConfig")["totalSize"].(float64); n != 0 {
		t.Fatalf("update created %v configs", n)
	}

	if status, body := to.soap(t, envelope(to.token, upsertBody("http://www.okta.com/exk1", cert))); status != 200 || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert: %d %s", status, body)
	}
	r = update(samlItem("http://www.okta.com/exk2") +
		`<met:metadata xsi:type="met:Profile"><met:fullName>Sales Rep</met:fullName><met:description>Field sales</met:description></met:metadata>` +
		`<met:metadata xsi:type="met:Profile"><met:fullName>Nobody</met:fullName><met:description>x</met:description></met:metadata>`)
	if len(r.Results) != 3 || !r.Results[0].Success || r.Results[0].Code != "" || !r.Results[1].Success ||
		r.Results[2].Success || r.Results[2].Code != "INVALID_CROSS_REFERENCE_KEY" {
		t.Fatalf("update results: %+v", r.Results)
	}
	if row := to.query(t, "SELECT Issuer FROM SamlSsoConfig")["records"].([]any)[0].(map[string]any); row["Issuer"] != "http://www.okta.com/exk2" {
		t.Fatalf("issuer after update: %v", row)
	}
	if row := to.query(t, "SELECT Description FROM Profile WHERE Name = 'Sales Rep'")["records"].([]any)[0].(map[string]any); row["Description"] != "Field sales" {
		t.Fatalf("profile after update: %v", row)
	}

	// A ProfileSessionSetting is updated under its generated fullName; another name is a component that does not exist.
	_, body := to.soap(t, envelope(to.token, `<met:listMetadata><met:queries><met:type>ProfileSessionSetting</met:type></met:queries></met:listMetadata>`))
	var list struct {
		Names []string `xml:"Body>listMetadataResponse>result>fullName"`
	}
	_ = xml.Unmarshal([]byte(body), &list)
	name := ""
	for _, n := range list.Names {
		if strings.HasPrefix(n, "Sales_Rep_profileSessionSetting") {
			name = n
		}
	}
	if name == "" {
		t.Fatalf("no session setting for Sales Rep in %v", list.Names)
	}
	setting := func(fullName string) string {
		return `<met:metadata xsi:type="met:ProfileSessionSetting"><met:fullName>` + fullName + `</met:fullName><met:profile>Sales Rep</met:profile>` +
			`<met:requiredSessionLevel>HIGH_ASSURANCE</met:requiredSessionLevel><met:sessionTimeout>60</met:sessionTimeout></met:metadata>`
	}
	r = update(setting(name) + setting("Sales_Rep_profileSessionSetting1"))
	if len(r.Results) != 2 || !r.Results[0].Success || r.Results[1].Success || r.Results[1].Code != "INVALID_CROSS_REFERENCE_KEY" {
		t.Fatalf("session setting update: %+v", r.Results)
	}
	_, body = to.soap(t, envelope(to.token, `<met:readMetadata><met:type>ProfileSessionSetting</met:type><met:fullNames>`+name+`</met:fullNames></met:readMetadata>`))
	if !strings.Contains(body, "<requiredSessionLevel>HIGH_ASSURANCE</requiredSessionLevel>") || !strings.Contains(body, "<sessionTimeout>60</sessionTimeout>") {
		t.Fatalf("session setting after update: %s", body)
	}

	// Values the schema refuses fault the whole call, as in upsertMetadata.
	if f := to.fault(t, "63.0", envelope(to.token, `<met:updateMetadata>`+strings.Replace(samlItem("i"), "FederationId", "Email", 1)+`</met:updateMetadata>`)); !strings.Contains(f.String, "SamlIdentityType") {
		t.Fatalf("bad enum: %+v", f)
	}
}

type retrieveResponse struct {
	Done  bool   `xml:"Body>retrieveResponse>result>done"`
	ID    string `xml:"Body>retrieveResponse>result>id"`
	State string `xml:"Body>retrieveResponse>result>state"`
}

type retrieveResult struct {
	Done  bool `xml:"done"`
	Files []struct {
		FileName string `xml:"fileName"`
		FullName string `xml:"fullName"`
		ID       string `xml:"id"`
		Type     string `xml:"type"`
		Created  string `xml:"createdDate"`
	} `xml:"fileProperties"`
	ID       string `xml:"id"`
	Messages []struct {
		FileName string `xml:"fileName"`
		Problem  string `xml:"problem"`
	} `xml:"messages"`
	Status  string  `xml:"status"`
	Success bool    `xml:"success"`
	ZipFile *string `xml:"zipFile"`
}

// retrieveAndCheck runs retrieve with the given RetrieveRequest body and then checkRetrieveStatus.
func (to *testOrg) retrieveAndCheck(t *testing.T, request, includeZip string) (string, retrieveResult) {
	t.Helper()
	status, body := to.soap(t, envelope(to.token, `<met:retrieve><met:retrieveRequest>`+request+`</met:retrieveRequest></met:retrieve>`))
	var rr retrieveResponse
	if err := xml.Unmarshal([]byte(body), &rr); err != nil || status != 200 || rr.Done || rr.State != "Queued" || !strings.HasPrefix(rr.ID, "09S") || len(rr.ID) != 18 {
		t.Fatalf("retrieve: %d %s", status, body)
	}
	return rr.ID, to.checkRetrieve(t, rr.ID, includeZip)
}

func (to *testOrg) checkRetrieve(t *testing.T, id, includeZip string) retrieveResult {
	t.Helper()
	arg := ""
	if includeZip != "" {
		arg = `<met:includeZip>` + includeZip + `</met:includeZip>`
	}
	status, body := to.soap(t, envelope(to.token, `<met:checkRetrieveStatus><met:asyncProcessId>`+id+`</met:asyncProcessId>`+arg+`</met:checkRetrieveStatus>`))
	var res struct {
		Result retrieveResult `xml:"Body>checkRetrieveStatusResponse>result"`
	}
	if err := xml.Unmarshal([]byte(body), &res); err != nil || status != 200 {
		t.Fatalf("checkRetrieveStatus: %d %s", status, body)
	}
	return res.Result
}

func TestMetadataSOAPRetrieve(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	cert := testCertificate(t)
	if status, body := to.soap(t, envelope(to.token, upsertBody("http://www.okta.com/exk9", cert))); status != 200 || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert: %d %s", status, body)
	}
	_, body := to.soap(t, envelope(to.token, `<met:upsertMetadata><met:metadata xsi:type="met:Profile"><met:fullName>Sales Rep</met:fullName>`+
		`<met:loginIpRanges><met:description>VPN</met:description><met:endAddress>198.51.100.255</met:endAddress><met:startAddress>198.51.100.0</met:startAddress></met:loginIpRanges>`+
		`</met:metadata></met:upsertMetadata>`))
	if !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("profile upsert: %s", body)
	}
	cfgID := to.query(t, "SELECT Id FROM SamlSsoConfig")["records"].([]any)[0].(map[string]any)["Id"].(string)

	request := `<met:apiVersion>63.0</met:apiVersion><met:singlePackage>false</met:singlePackage><met:unpackaged>` +
		`<met:types><met:members>Okta</met:members><met:members>Missing</met:members><met:name>SamlSsoConfig</met:name></met:types>` +
		`<met:types><met:members>Sales Rep</met:members><met:name>Profile</met:name></met:types>` +
		`<met:types><met:members>*</met:members><met:name>ProfileSessionSetting</met:name></met:types>` +
		`<met:version>63.0</met:version></met:unpackaged>`
	id, res := to.retrieveAndCheck(t, request, "true")
	if !res.Done || res.Status != "Succeeded" || !res.Success || res.ID != id || res.ZipFile == nil {
		t.Fatalf("RetrieveResult: %+v", res)
	}
	files := unzipped(t, *res.ZipFile)

	// SamlSsoConfig file: the Metadata API file format, holding the stored values and no fullName.
	var saml struct {
		XMLName          xml.Name
		FullName         *string `xml:"fullName"`
		Issuer           string  `xml:"issuer"`
		SAMLEntityID     string  `xml:"samlEntityId"`
		ValidationCert   string  `xml:"validationCert"`
		IdentityMapping  string  `xml:"identityMapping"`
		UserProvisioning bool    `xml:"userProvisioning"`
		LoginURL         string  `xml:"salesforceLoginUrl"`
	}
	raw := files["unpackaged/samlssoconfigs/Okta.samlssoconfig"]
	if err := xml.Unmarshal(raw, &saml); err != nil || !bytes.HasPrefix(raw, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Fatalf("samlssoconfig file (%v): %s", err, raw)
	}
	if saml.XMLName != (xml.Name{Space: metadataNS, Local: "SamlSsoConfig"}) || saml.FullName != nil || saml.Issuer != "http://www.okta.com/exk9" ||
		saml.SAMLEntityID != "https://acme.my.salesforce.com" || saml.ValidationCert != cert || saml.IdentityMapping != "FederationId" ||
		!saml.UserProvisioning || saml.LoginURL != to.srv.URL+"?so="+to.Credentials().OrgID[:15] {
		t.Fatalf("samlssoconfig file: %+v\n%s", saml, raw)
	}

	var profile struct {
		XMLName  xml.Name
		Custom   bool `xml:"custom"`
		IPRanges []struct {
			Description string `xml:"description"`
			Start       string `xml:"startAddress"`
			End         string `xml:"endAddress"`
		} `xml:"loginIpRanges"`
		UserLicense string `xml:"userLicense"`
	}
	raw = files["unpackaged/profiles/Sales Rep.profile"]
	if err := xml.Unmarshal(raw, &profile); err != nil || profile.XMLName.Local != "Profile" || !profile.Custom || len(profile.IPRanges) != 1 ||
		profile.IPRanges[0].Start != "198.51.100.0" || profile.IPRanges[0].End != "198.51.100.255" || profile.IPRanges[0].Description != "VPN" || profile.UserLicense == "" {
		t.Fatalf("profile file (%v): %s", err, raw)
	}

	var pkg struct {
		XMLName xml.Name
		Types   []struct {
			Members []string `xml:"members"`
			Name    string   `xml:"name"`
		} `xml:"types"`
		Version string `xml:"version"`
	}
	if err := xml.Unmarshal(files["unpackaged/package.xml"], &pkg); err != nil || pkg.XMLName.Local != "Package" || pkg.Version != "63.0" || len(pkg.Types) != 3 ||
		pkg.Types[2].Name != "SamlSsoConfig" || strings.Join(pkg.Types[2].Members, ",") != "Missing,Okta" || pkg.Types[1].Members[0] != "*" {
		t.Fatalf("package.xml (%v): %s", err, files["unpackaged/package.xml"])
	}

	// One session-setting file per profile; every file in the zip has its FileProperties.
	settings := 0
	for name, content := range files {
		if strings.HasPrefix(name, "unpackaged/profileSessionSettings/") {
			settings++
			if !bytes.Contains(content, []byte("<sessionTimeout>")) {
				t.Errorf("%s: %s", name, content)
			}
		}
	}
	if profiles := to.query(t, "SELECT COUNT() FROM Profile")["totalSize"].(float64); settings != int(profiles) {
		t.Errorf("%d session-setting files for %v profiles", settings, profiles)
	}
	props := map[string]string{}
	for _, f := range res.Files {
		props[f.FileName] = f.Type + " " + f.FullName + " " + f.ID
		if _, ok := files[f.FileName]; !ok {
			t.Errorf("fileProperties names %s, which the zip lacks", f.FileName)
		}
	}
	if len(props) != len(files) || props["unpackaged/samlssoconfigs/Okta.samlssoconfig"] != "SamlSsoConfig Okta "+cfgID ||
		props["unpackaged/package.xml"] != "Package unpackaged/package.xml " {
		t.Fatalf("fileProperties: %v", props)
	}
	if len(res.Messages) != 1 || res.Messages[0].Problem != "Entity of type 'SamlSsoConfig' named 'Missing' cannot be found" {
		t.Fatalf("messages: %+v", res.Messages)
	}

	// The zip is handed out once; then the result is gone.
	f := to.fault(t, "63.0", envelope(to.token, `<met:checkRetrieveStatus><met:asyncProcessId>`+id+`</met:asyncProcessId><met:includeZip>true</met:includeZip></met:checkRetrieveStatus>`))
	if f.Code != "sf:INVALID_LOCATOR" {
		t.Fatalf("second checkRetrieveStatus: %+v", f)
	}

	// singlePackage: paths from the zip's root. includeZip false leaves the zip for a later call; an absent
	// includeZip (as jsforce sends) returns it.
	id, res = to.retrieveAndCheck(t, `<met:apiVersion>63.0</met:apiVersion><met:singlePackage>true</met:singlePackage><met:unpackaged>`+
		`<met:types><met:members>*</met:members><met:name>SamlSsoConfig</met:name></met:types></met:unpackaged>`, "false")
	if res.ZipFile != nil || res.Status != "Succeeded" || len(res.Files) != 2 {
		t.Fatalf("includeZip false: %+v", res)
	}
	res = to.checkRetrieve(t, id, "")
	if res.ZipFile == nil {
		t.Fatalf("no zip when includeZip is absent: %+v", res)
	}
	files = unzipped(t, *res.ZipFile)
	if len(files) != 2 || files["package.xml"] == nil || files["samlssoconfigs/Okta.samlssoconfig"] == nil {
		t.Fatalf("single package zip: %v", keys(files))
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestMetadataSOAPRetrieveErrors(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	unknown := newID(prefixAsyncRetrieve, "zz", 999) // well formed, never issued
	tests := []struct {
		name, body, version, code, text string
	}{
		{"no package", `<met:retrieve><met:retrieveRequest><met:apiVersion>63.0</met:apiVersion></met:retrieveRequest></met:retrieve>`, "63.0", "sf:INVALID_ARGUMENT", "names no package"},
		{"bad apiVersion", `<met:retrieve><met:retrieveRequest><met:apiVersion>9.0</met:apiVersion><met:unpackaged/></met:retrieveRequest></met:retrieve>`, "63.0", "sf:INVALID_ARGUMENT", "apiVersion 9.0"},
		{"specificFiles without singlePackage", `<met:retrieve><met:retrieveRequest><met:specificFiles>a</met:specificFiles><met:unpackaged/></met:retrieveRequest></met:retrieve>`, "63.0", "sf:INVALID_ARGUMENT", "specificFiles"},
		{"unknown id", `<met:checkRetrieveStatus><met:asyncProcessId>` + unknown + `</met:asyncProcessId><met:includeZip>true</met:includeZip></met:checkRetrieveStatus>`, "63.0", "sf:INVALID_LOCATOR", "Retrieve result has been deleted."},
		{"not a retrieve id", `<met:checkRetrieveStatus><met:asyncProcessId>005000000000001AAA</met:asyncProcessId><met:includeZip>true</met:includeZip></met:checkRetrieveStatus>`, "63.0", "sf:INVALID_ID_FIELD", "Invalid id"},
		{"checkStatus left the WSDL in 31.0", `<met:checkStatus><met:asyncProcessId>` + unknown + `</met:asyncProcessId></met:checkStatus>`, "63.0", "soapenv:Client", "No operation available for request {http://soap.sforce.com/2006/04/metadata}checkStatus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := to.fault(t, tt.version, envelope(to.token, tt.body))
			if f.Code != tt.code || !strings.Contains(html.UnescapeString(f.String), tt.text) {
				t.Fatalf("fault %+v", f)
			}
		})
	}
}

// TestMetadataSOAPRetrieveCheckStatus drives the API 30.0 sequence: retrieve, checkStatus until done, then
// checkRetrieveStatus with the id only.
func TestMetadataSOAPRetrieveCheckStatus(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	status, body := to.soapAt(t, "30.0", envelope(to.token, `<met:retrieve><met:retrieveRequest><met:apiVersion>30.0</met:apiVersion><met:unpackaged>`+
		`<met:types><met:members>*</met:members><met:name>ProfileSessionSetting</met:name></met:types>`+
		`<met:types><met:members>Sales Rep</met:members><met:name>Profile</met:name></met:types></met:unpackaged></met:retrieveRequest></met:retrieve>`))
	var rr retrieveResponse
	if err := xml.Unmarshal([]byte(body), &rr); err != nil || status != 200 || rr.ID == "" {
		t.Fatalf("retrieve: %d %s", status, body)
	}
	status, body = to.soapAt(t, "30.0", envelope(to.token, `<met:checkStatus><met:asyncProcessId>`+rr.ID+`</met:asyncProcessId></met:checkStatus>`))
	var cs struct {
		Done  bool   `xml:"Body>checkStatusResponse>result>done"`
		ID    string `xml:"Body>checkStatusResponse>result>id"`
		State string `xml:"Body>checkStatusResponse>result>state"`
	}
	if err := xml.Unmarshal([]byte(body), &cs); err != nil || status != 200 || !cs.Done || cs.State != "Completed" || cs.ID != rr.ID {
		t.Fatalf("checkStatus: %d %s", status, body)
	}
	res := to.checkRetrieve(t, rr.ID, "")
	if res.ZipFile == nil {
		t.Fatalf("no zip: %+v", res)
	}
	files := unzipped(t, *res.ZipFile)
	// ProfileSessionSetting does not exist in API 30.0: the wildcard retrieves nothing of it.
	if len(files) != 2 || files["unpackaged/profiles/Sales Rep.profile"] == nil {
		t.Fatalf("API 30.0 zip: %v", keys(files))
	}
}
