package sfemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func testCertificate(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "okta-idp"}, NotBefore: time.Now(), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

const envelopeHead = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:met="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Header><met:SessionHeader><met:sessionId>`

func envelope(session, body string) string {
	return envelopeHead + session + `</met:sessionId></met:SessionHeader></soapenv:Header><soapenv:Body>` + body + `</soapenv:Body></soapenv:Envelope>`
}

func upsertBody(issuer, cert string) string {
	return `<met:upsertMetadata><met:metadata xsi:type="met:SamlSsoConfig">
<met:fullName>Okta</met:fullName><met:name>Okta</met:name>
<met:issuer>` + issuer + `</met:issuer><met:samlEntityId>https://acme.my.salesforce.com</met:samlEntityId>
<met:validationCert>` + cert + `</met:validationCert><met:loginUrl>https://acme.okta.com/app/sf/sso/saml</met:loginUrl>
<met:identityMapping>FederationId</met:identityMapping><met:identityLocation>SubjectNameId</met:identityLocation>
<met:samlVersion>SAML2_0</met:samlVersion><met:userProvisioning>true</met:userProvisioning><met:redirectBinding>false</met:redirectBinding>
<met:requestSignatureMethod>RSA-SHA256</met:requestSignatureMethod></met:metadata></met:upsertMetadata>`
}

func (to *testOrg) soap(t *testing.T, payload string) (int, string) {
	t.Helper()
	path := "/services/Soap/m/63.0"
	if strings.Contains(payload, "readMetadata") {
		path += "/" + to.Credentials().OrgID[:15] // the metadataServerUrl form
	}
	req, _ := http.NewRequest(http.MethodPost, to.srv.URL+path, strings.NewReader(payload))
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

type upsertResponse struct {
	Results []struct {
		Created  bool   `xml:"created"`
		FullName string `xml:"fullName"`
		Success  bool   `xml:"success"`
		Errors   []struct {
			Message    string `xml:"message"`
			StatusCode string `xml:"statusCode"`
		} `xml:"errors"`
	} `xml:"Body>upsertMetadataResponse>result"`
}

func TestMetadataSOAPSamlSsoConfig(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	cert := testCertificate(t)

	for i, issuer := range []string{"http://www.okta.com/exk1", "http://www.okta.com/exk2"} {
		status, body := to.soap(t, envelope(to.token, upsertBody(issuer, cert)))
		var r upsertResponse
		if err := xml.Unmarshal([]byte(body), &r); err != nil || status != 200 || len(r.Results) != 1 {
			t.Fatalf("upsert %d: %d %s", i, status, body)
		}
		if !r.Results[0].Success || r.Results[0].Created != (i == 0) || r.Results[0].FullName != "Okta" {
			t.Fatalf("upsert %d result %+v", i, r.Results[0])
		}
	}
	// The stored config is what SOQL and Tooling queries of SamlSsoConfig see.
	recs := to.query(t, "SELECT Id, DeveloperName, Issuer, Audience, IdentityMapping, OptionsUserProvisioning, Version FROM SamlSsoConfig")["records"].([]any)
	if len(recs) != 1 {
		t.Fatalf("SamlSsoConfig rows: %v", recs)
	}
	row := recs[0].(map[string]any)
	if row["Issuer"] != "http://www.okta.com/exk2" || row["Audience"] != "https://acme.my.salesforce.com" || row["OptionsUserProvisioning"] != true ||
		row["Version"] != "SAML2_0" || !strings.HasPrefix(row["Id"].(string), "0LE") {
		t.Fatalf("row = %v", row)
	}
	status, _, body := to.do(t, "POST", "/services/data/v63.0/sobjects/SamlSsoConfig", `{"DeveloperName":"X"}`)
	if code, _ := errorCode(t, body); status != 400 || code != "INVALID_TYPE_FOR_OPERATION" {
		t.Fatalf("REST create SamlSsoConfig: %d %s", status, body)
	}

	_, body = to.soap(t, envelope(to.token, `<met:listMetadata><met:queries><met:type>SamlSsoConfig</met:type></met:queries><met:asOfVersion>63.0</met:asOfVersion></met:listMetadata>`))
	var list struct {
		Results []struct {
			FullName string `xml:"fullName"`
			ID       string `xml:"id"`
			FileName string `xml:"fileName"`
		} `xml:"Body>listMetadataResponse>result"`
	}
	if err := xml.Unmarshal([]byte(body), &list); err != nil || len(list.Results) != 1 || list.Results[0].FullName != "Okta" ||
		list.Results[0].ID != row["Id"] || list.Results[0].FileName != "samlssoconfigs/Okta.samlssoconfig" {
		t.Fatalf("list: %v %s", err, body)
	}

	_, body = to.soap(t, envelope(to.token, `<met:readMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>Okta</met:fullNames><met:fullNames>Missing</met:fullNames></met:readMetadata>`))
	var read struct {
		Records []struct {
			Nil                string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
			FullName           string `xml:"fullName"`
			Issuer             string `xml:"issuer"`
			ValidationCert     string `xml:"validationCert"`
			SalesforceLoginURL string `xml:"salesforceLoginUrl"`
		} `xml:"Body>readMetadataResponse>result>records"`
	}
	if err := xml.Unmarshal([]byte(body), &read); err != nil || len(read.Records) != 2 {
		t.Fatalf("read: %v %s", err, body)
	}
	if r := read.Records[0]; r.FullName != "Okta" || r.Issuer != "http://www.okta.com/exk2" || r.ValidationCert != cert ||
		r.SalesforceLoginURL != to.srv.URL+"?so="+to.Credentials().OrgID[:15] {
		t.Fatalf("read record %+v", r)
	}
	if read.Records[1].Nil != "true" || read.Records[1].FullName != "" {
		t.Fatalf("missing record %+v", read.Records[1])
	}

	_, body = to.soap(t, envelope(to.token, `<met:deleteMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>Okta</met:fullNames><met:fullNames>Okta</met:fullNames></met:deleteMetadata>`))
	var del struct {
		Results []struct {
			Success bool   `xml:"success"`
			Code    string `xml:"errors>statusCode"`
		} `xml:"Body>deleteMetadataResponse>result"`
	}
	if err := xml.Unmarshal([]byte(body), &del); err != nil || len(del.Results) != 2 || !del.Results[0].Success || del.Results[1].Success || del.Results[1].Code != "INVALID_CROSS_REFERENCE_KEY" {
		t.Fatalf("delete: %s", body)
	}
	if n := to.query(t, "SELECT COUNT() FROM SamlSsoConfig")["totalSize"].(float64); n != 0 {
		t.Fatalf("%v configs after delete", n)
	}
}

func TestMetadataSOAPErrors(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	cert := testCertificate(t)
	tests := []struct {
		name      string
		payload   string
		status    int
		wantInXML string
	}{
		{"invalid session", envelope("00Dbogus!token", upsertBody("i", cert)), 500, "<faultcode>sf:INVALID_SESSION_ID</faultcode>"},
		{"dtd refused", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + strings.TrimPrefix(envelope(to.token, "&e;"), `<?xml version="1.0" encoding="UTF-8"?>`), 500, "DOCTYPE is disallowed"},
		{"bad enum", envelope(to.token, strings.Replace(upsertBody("i", cert), "FederationId", "Email", 1)), 500, "is not a valid value for the enum 'SamlIdentityType'"},
		{"missing issuer", envelope(to.token, strings.Replace(upsertBody("", cert), "<met:issuer></met:issuer>", "", 1)), 200, "<statusCode>REQUIRED_FIELD_MISSING</statusCode>"},
		{"bad certificate", envelope(to.token, upsertBody("i", "bm90IGEgY2VydA==")), 200, "<success>false</success>"},
		{"unknown operation", envelope(to.token, `<met:frobnicateMetadata/>`), 500, "No operation available for request {http://soap.sforce.com/2006/04/metadata}frobnicateMetadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := to.soap(t, tt.payload)
			if status != tt.status || !strings.Contains(html.UnescapeString(body), tt.wantInXML) {
				t.Fatalf("status %d body %s", status, body)
			}
		})
	}
}

func FuzzMetadataSOAP(f *testing.F) {
	o, err := New(Config{Alias: "fuzz", BaseURL: "http://127.0.0.1:9"}, OrgSeed{AdminUsername: "fuzz@acme.qa"})
	if err != nil {
		f.Fatal(err)
	}
	// A live session lets fuzzed envelopes reach the operations, not just the session check.
	o.mu.Lock()
	o.sessions["fuzz"] = session{UserID: o.adminID, IssuedAt: time.Now()}
	o.mu.Unlock()
	cert := base64.StdEncoding.EncodeToString([]byte("not a certificate"))
	for _, s := range []string{
		envelope("fuzz", upsertBody("i", cert)),
		envelope("fuzz", `<met:deleteMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>Okta</met:fullNames></met:deleteMetadata>`),
		envelope("fuzz", `<met:readMetadata><met:type>SamlSsoConfig</met:type><met:fullNames>A</met:fullNames></met:readMetadata>`),
		envelope("fuzz", `<met:describeMetadata><met:asOfVersion>63.0</met:asOfVersion></met:describeMetadata>`),
		envelope("fuzz", `<met:updateMetadata><met:metadata xsi:type="met:Profile"><met:fullName>Standard User</met:fullName></met:metadata></met:updateMetadata>`),
		envelope("fuzz", `<met:retrieve><met:retrieveRequest><met:singlePackage>true</met:singlePackage><met:unpackaged><met:types><met:members>*</met:members><met:name>Profile</met:name></met:types></met:unpackaged></met:retrieveRequest></met:retrieve>`),
		envelope("fuzz", `<met:checkRetrieveStatus><met:asyncProcessId>09S000000000001</met:asyncProcessId></met:checkRetrieveStatus>`),
		`<!DOCTYPE a><a/>`, `<soapenv:Envelope>`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/services/Soap/m/63.0", strings.NewReader(body)))
		if rec.Code != 200 && rec.Code != 500 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
