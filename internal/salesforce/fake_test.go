package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	fakeOrgID  = "00D5g000004ABCDEAZ"
	fakeUserID = "0055g00000AbCdEAAV"
	fakeKey    = "3MVG9fakeConsumerKey"
	fakeSecret = "fakeConsumerSecret123"
	fakeUser   = "integration@acme.example"
)

var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pkcs8Key(t testing.TB) string {
	der, err := x509.MarshalPKCS8PrivateKey(testRSAKey())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pkcs1Key() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testRSAKey())}))
}

// fakeOrg answers the Salesforce wire formats of salesforce-api.md §2 for one org.
type fakeOrg struct {
	t         testing.TB
	srv       *httptest.Server
	version   string
	audience  string // expected JWT aud: a production org's
	tokenReqs atomic.Int32
	validTok  atomic.Value // string
	records   []map[string]any
	pageSize  int

	mu       sync.Mutex
	paths    []string
	configs  map[string]string // fullName -> <records> inner XML
	lastSOAP string
	batches  []int
	// composite, when set, answers POST /composite.
	composite http.HandlerFunc
}

func newFakeOrg(t testing.TB, version string) *fakeOrg {
	f := &fakeOrg{t: t, version: version, pageSize: 2, configs: map[string]string{}}
	f.validTok.Store("")
	f.srv = httptest.NewServer(f)
	f.audience = "https://login.salesforce.com"
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOrg) expireSession() { f.validTok.Store("expired-" + fmt.Sprint(time.Now().UnixNano())) }

func (f *fakeOrg) requestPaths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fakeOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.RequestURI())
	f.mu.Unlock()
	switch {
	case r.URL.Path == "/services/oauth2/token":
		f.token(w, r)
	case strings.HasPrefix(r.URL.Path, "/services/Soap/m/"):
		f.soap(w, r)
	case strings.HasPrefix(r.URL.Path, "/services/data/v"+f.version+"/"):
		if r.Header.Get("Authorization") != "Bearer "+f.validTok.Load().(string) {
			writeJSON(w, 401, []map[string]any{{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}})
			return
		}
		w.Header().Set("Sforce-Limit-Info", "api-usage=42/15000")
		f.rest(w, r, strings.TrimPrefix(r.URL.Path, "/services/data/v"+f.version))
	default:
		writeJSON(w, 404, []map[string]any{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	}
}

func (f *fakeOrg) token(w http.ResponseWriter, r *http.Request) {
	f.tokenReqs.Add(1)
	if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "bad form"})
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims, func(*jwt.Token) (any, error) { return &testRSAKey().PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(fakeKey), jwt.WithSubject(fakeUser), jwt.WithExpirationRequired())
		exp, isNumber := claims["exp"].(float64)
		if aud, audIsString := claims["aud"].(string); err == nil && (!audIsString || aud != f.audience) {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "audience is invalid"})
			return
		}
		if err != nil || !isNumber || time.Until(time.Unix(int64(exp), 0)) > 5*time.Minute {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": fmt.Sprintf("invalid assertion (%v)", err)})
			return
		}
	case "client_credentials":
		if r.PostForm.Get("client_id") != fakeKey || r.PostForm.Get("client_secret") != fakeSecret {
			writeJSON(w, 400, map[string]string{"error": "invalid_client", "error_description": "invalid client credentials"})
			return
		}
	default:
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type", "error_description": "grant type not supported"})
		return
	}
	tok := fmt.Sprintf("%s!AQ0AQtoken%d", fakeOrgID, f.tokenReqs.Load())
	f.validTok.Store(tok)
	writeJSON(w, 200, map[string]string{
		"access_token": tok, "scope": "api", "instance_url": f.srv.URL, "token_type": "Bearer",
		"id": "https://login.salesforce.com/id/" + fakeOrgID + "/" + fakeUserID, "issued_at": fmt.Sprint(time.Now().UnixMilli()),
	})
}

func (f *fakeOrg) rest(w http.ResponseWriter, r *http.Request, path string) {
	switch {
	case r.Method == http.MethodGet && (path == "/query/" || path == "/query" || path == "/tooling/query/"):
		q := r.URL.Query().Get("q")
		if strings.Contains(q, "FROM Organization") {
			writeJSON(w, 200, map[string]any{"totalSize": 1, "done": true, "records": []map[string]any{{
				"attributes": map[string]string{"type": "Organization", "url": "/services/data/v" + f.version + "/sobjects/Organization/" + fakeOrgID},
				"Id":         fakeOrgID, "Name": "Acme", "IsSandbox": true, "InstanceName": "CS42", "OrganizationType": "Enterprise Edition",
			}}})
			return
		}
		if strings.Contains(q, "LIMITED") {
			writeJSON(w, 403, []map[string]any{{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}})
			return
		}
		if !strings.HasPrefix(q, "SELECT") {
			writeJSON(w, 400, []map[string]any{{"message": "unexpected token: " + q, "errorCode": "MALFORMED_QUERY"}})
			return
		}
		f.queryPage(w, strings.Contains(path, "tooling"), 0)
	case r.Method == http.MethodGet && (strings.HasPrefix(path, "/query/01g") || strings.HasPrefix(path, "/tooling/query/01g")):
		var start int
		_, _ = fmt.Sscanf(path[strings.LastIndex(path, "-")+1:], "%d", &start)
		f.queryPage(w, strings.Contains(path, "tooling"), start)
	case path == "/composite" && r.Method == http.MethodPost && f.composite != nil:
		f.composite(w, r)
	case path == "/composite/sobjects/" && (r.Method == http.MethodPost || r.Method == http.MethodPatch):
		var body struct {
			AllOrNone bool             `json:"allOrNone"`
			Records   []map[string]any `json:"records"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.batches = append(f.batches, len(body.Records))
		f.mu.Unlock()
		if len(body.Records) > 200 || body.AllOrNone {
			writeJSON(w, 400, []map[string]any{{"message": "too many records or allOrNone", "errorCode": "INVALID_BATCH_SIZE"}})
			return
		}
		var results []map[string]any
		for i, rec := range body.Records {
			if attrs, _ := rec["attributes"].(map[string]any); attrs["type"] == nil {
				writeJSON(w, 400, []map[string]any{{"message": "missing attributes.type", "errorCode": "INVALID_TYPE"}})
				return
			}
			if r.Method == http.MethodPatch {
				results = append(results, map[string]any{"id": rec["Id"], "success": rec["Id"] != nil, "errors": []any{}})
				continue
			}
			if rec["LastName"] == nil {
				results = append(results, map[string]any{"success": false, "errors": []map[string]any{{
					"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": []string{"LastName"}}}})
				continue
			}
			results = append(results, map[string]any{"id": fmt.Sprintf("0035g00000ABC%03dAAA", i), "success": true, "errors": []any{}})
		}
		writeJSON(w, 200, results)
	case path == "/composite/sobjects/" && r.Method == http.MethodDelete:
		var results []map[string]any
		for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
			if strings.HasPrefix(id, "gone") {
				results = append(results, map[string]any{"id": id, "success": false, "errors": []map[string]any{{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []string{}}}})
				continue
			}
			results = append(results, map[string]any{"id": id, "success": true, "errors": []any{}})
		}
		writeJSON(w, 200, results)
	default:
		writeJSON(w, 404, []map[string]any{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	}
}

func (f *fakeOrg) queryPage(w http.ResponseWriter, tooling bool, start int) {
	end := min(start+f.pageSize, len(f.records))
	page := map[string]any{"totalSize": len(f.records), "done": end >= len(f.records), "records": f.records[start:end]}
	if end < len(f.records) {
		prefix := "/services/data/v" + f.version + "/query/"
		if tooling {
			prefix = "/services/data/v" + f.version + "/tooling/query/"
		}
		page["nextRecordsUrl"] = fmt.Sprintf("%s01gD0000002HU6KIAW-%d", prefix, end)
	}
	writeJSON(w, 200, page)
}

// soapRequest is what the fake reads from a metadata envelope (namespaces resolved properly).
type soapRequest struct {
	SessionID string `xml:"Header>SessionHeader>sessionId"`
	Body      struct {
		Upsert *struct {
			Metadata struct {
				Type  string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
				Inner string `xml:",innerxml"`
				Full  string `xml:"fullName"`
			} `xml:"metadata"`
		} `xml:"upsertMetadata"`
		Read *struct {
			Type      string `xml:"type"`
			FullNames string `xml:"fullNames"`
		} `xml:"readMetadata"`
		Delete *struct {
			Type      string `xml:"type"`
			FullNames string `xml:"fullNames"`
		} `xml:"deleteMetadata"`
	} `xml:"Body"`
}

func soapReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`+body+`</soapenv:Body></soapenv:Envelope>`)
}

func (f *fakeOrg) soap(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.lastSOAP = string(raw)
	f.mu.Unlock()
	if r.Header.Get("Content-Type") != "text/xml; charset=UTF-8" || r.Header.Get("SOAPAction") == "" || r.URL.Path != "/services/Soap/m/"+f.version {
		soapReply(w, 500, `<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>bad request headers</faultstring></soapenv:Fault>`)
		return
	}
	var req soapRequest
	if err := xml.Unmarshal(raw, &req); err != nil {
		soapReply(w, 500, `<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>`+err.Error()+`</faultstring></soapenv:Fault>`)
		return
	}
	if req.SessionID != f.validTok.Load().(string) {
		soapReply(w, 500, `<soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode><faultstring>INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session</faultstring></soapenv:Fault>`)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case req.Body.Upsert != nil:
		m := req.Body.Upsert.Metadata
		if m.Type != "met:SamlSsoConfig" || strings.Contains(m.Inner, "<met:issuer></met:issuer>") {
			soapReply(w, 200, `<upsertMetadataResponse><result><created>false</created><errors><fields>issuer</fields><message>Required field is missing: issuer</message><statusCode>REQUIRED_FIELD_MISSING</statusCode></errors><fullName>`+m.Full+`</fullName><success>false</success></result></upsertMetadataResponse>`)
			return
		}
		_, existed := f.configs[m.Full]
		f.configs[m.Full] = strings.ReplaceAll(strings.ReplaceAll(m.Inner, "<met:", "<"), "</met:", "</") +
			`<salesforceLoginUrl>` + f.srv.URL + `?so=00D5g000004ABCD</salesforceLoginUrl>`
		soapReply(w, 200, fmt.Sprintf(`<upsertMetadataResponse><result><created>%v</created><fullName>%s</fullName><success>true</success></result></upsertMetadataResponse>`, !existed, m.Full))
	case req.Body.Read != nil:
		inner, ok := f.configs[req.Body.Read.FullNames]
		if !ok {
			soapReply(w, 200, `<readMetadataResponse><result><records xsi:nil="true"/></result></readMetadataResponse>`)
			return
		}
		soapReply(w, 200, `<readMetadataResponse><result><records xsi:type="SamlSsoConfig">`+inner+`</records></result></readMetadataResponse>`)
	case req.Body.Delete != nil:
		name := req.Body.Delete.FullNames
		if _, ok := f.configs[name]; !ok {
			soapReply(w, 200, `<deleteMetadataResponse><result><errors><message>no SamlSsoConfig named `+name+` found</message><statusCode>INVALID_CROSS_REFERENCE_KEY</statusCode></errors><fullName>`+name+`</fullName><success>false</success></result></deleteMetadataResponse>`)
			return
		}
		delete(f.configs, name)
		soapReply(w, 200, `<deleteMetadataResponse><result><fullName>`+name+`</fullName><success>true</success></result></deleteMetadataResponse>`)
	}
}

func (f *fakeOrg) jwtClient(t testing.TB) *Client {
	c, err := New(Config{Alias: "test", LoginURL: f.srv.URL, ClientID: fakeKey, Username: fakeUser, PrivateKey: pkcs8Key(t), APIVersion: f.version})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
