package sfemu

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

const (
	soapEnvNS      = "http://schemas.xmlsoap.org/soap/envelope/"
	metadataNS     = "http://soap.sforce.com/2006/04/metadata"
	xsiNS          = "http://www.w3.org/2001/XMLSchema-instance"
	maxMetadataOps = 10
)

var soapVersionPattern = regexp.MustCompile(`^(\d+)\.0$`)

type soapEnvelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Header  struct {
		SessionID string `xml:"SessionHeader>sessionId"`
	} `xml:"Header"`
	Body struct {
		Upsert *struct {
			Metadata []metadataItem `xml:"metadata"`
		} `xml:"upsertMetadata"`
		Read *struct {
			Type      string   `xml:"type"`
			FullNames []string `xml:"fullNames"`
		} `xml:"readMetadata"`
		Delete *struct {
			Type      string   `xml:"type"`
			FullNames []string `xml:"fullNames"`
		} `xml:"deleteMetadata"`
		List *struct {
			Types []string `xml:"queries>type"`
		} `xml:"listMetadata"`
		Update *struct {
			Metadata []metadataItem `xml:"metadata"`
		} `xml:"updateMetadata"`
		Describe *struct {
			AsOfVersion string `xml:"asOfVersion"`
		} `xml:"describeMetadata"`
		// The WSDL names retrieve's one argument retrieveRequest; jsforce sends it as <request> and works against real
		// orgs, so the argument is taken by position, whatever its name (inferred from that client, not documented).
		Retrieve *struct {
			Requests []retrieveRequest `xml:",any"`
		} `xml:"retrieve"`
		CheckRetrieveStatus *struct {
			ID         string `xml:"asyncProcessId"`
			IncludeZip string `xml:"includeZip"`
		} `xml:"checkRetrieveStatus"`
		CheckStatus *struct {
			XMLName xml.Name
			IDs     []string `xml:"asyncProcessId"`
		} `xml:"checkStatus"`
		Any []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"Body"`
}

type soapFault struct{ code, message string }

func writeFault(w http.ResponseWriter, code, message string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `" xmlns:sf="` + metadataNS + `"><soapenv:Body><soapenv:Fault><faultcode>`)
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString(`</faultcode><faultstring>`)
	_ = xml.EscapeText(&b, []byte(message))
	b.WriteString(`</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(b.Bytes())
}

func writeSOAP(w http.ResponseWriter, op string, inner []byte) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `" xmlns="` + metadataNS + `" xmlns:xsi="` + xsiNS + `"><soapenv:Body><` + op + `Response>`)
	b.Write(inner)
	b.WriteString(`</` + op + `Response></soapenv:Body></soapenv:Envelope>`)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func element(b *bytes.Buffer, name, value string) {
	if value == "" {
		return
	}
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}

func validSOAPVersion(v string) bool {
	m := soapVersionPattern.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return n >= minAPIVersion && n <= maxAPIVersion
}

// handleSOAP serves the Metadata API for SamlSsoConfig, ProfileSessionSetting and Profile: the CRUD calls, listMetadata,
// describeMetadata, and retrieve with checkRetrieveStatus (checkStatus before API 31.0).
func (o *Org) handleSOAP(w http.ResponseWriter, r *http.Request) {
	body, aerr := readBody(r)
	if aerr != nil {
		writeFault(w, "soapenv:Client", aerr.Message)
		return
	}
	// External entities and entity expansion are refused outright: no DTD is ever legitimate here.
	if bytes.Contains(bytes.ToUpper(body), []byte("<!DOCTYPE")) || bytes.Contains(bytes.ToUpper(body), []byte("<!ENTITY")) {
		writeFault(w, "soapenv:Client", "DOCTYPE is disallowed when the feature \"http://apache.org/xml/features/disallow-doctype-decl\" set to true.")
		return
	}
	if !validSOAPVersion(r.PathValue("version")) {
		writeFault(w, "sf:UNSUPPORTED_API_VERSION", "UNSUPPORTED_API_VERSION: Invalid Api version specified on URL")
		return
	}
	var env soapEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		writeFault(w, "soapenv:Client", "Unable to parse the request: "+err.Error())
		return
	}
	version, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("version"), ".0"))
	o.mu.Lock()
	userID, ok := o.authenticate(strings.TrimSpace(env.Header.SessionID))
	if !ok {
		o.mu.Unlock()
		writeFault(w, "sf:INVALID_SESSION_ID", "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session")
		return
	}
	if _, allowed := o.countAPICall(); !allowed {
		o.mu.Unlock()
		writeFault(w, "sf:REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.")
		return
	}
	var op string
	var out []byte
	var fault *soapFault
	switch {
	case env.Body.Upsert != nil:
		op = "upsertMetadata"
		out, fault = o.upsertMetadata(env.Body.Upsert.Metadata)
	case env.Body.Read != nil:
		op = "readMetadata"
		out, fault = o.readMetadata(env.Body.Read.Type, env.Body.Read.FullNames)
	case env.Body.Delete != nil:
		op = "deleteMetadata"
		out, fault = o.deleteMetadata(env.Body.Delete.Type, env.Body.Delete.FullNames)
	case env.Body.List != nil:
		op = "listMetadata"
		out, fault = o.listMetadata(env.Body.List.Types)
	case env.Body.Update != nil:
		op = "updateMetadata"
		out, fault = o.updateMetadata(env.Body.Update.Metadata)
	case env.Body.Describe != nil:
		op = "describeMetadata"
		out, fault = o.describeMetadata(env.Body.Describe.AsOfVersion, version)
	case env.Body.Retrieve != nil:
		op = "retrieve"
		out, fault = o.retrieve(env.Body.Retrieve.Requests, version, userID)
	case env.Body.CheckRetrieveStatus != nil:
		op = "checkRetrieveStatus"
		out, fault = o.checkRetrieveStatus(env.Body.CheckRetrieveStatus.ID, env.Body.CheckRetrieveStatus.IncludeZip)
	case env.Body.CheckStatus != nil && version < checkStatusRemovedIn:
		// checkStatus left the WSDL in API 31.0 (checkRetrieveStatus and checkDeployStatus replaced it); from then on
		// the endpoint knows no such operation and answers like any other unknown one (default below).
		op = "checkStatus"
		out, fault = o.checkStatus(env.Body.CheckStatus.IDs)
	default:
		name := "<none>"
		if env.Body.CheckStatus != nil {
			name = "{" + env.Body.CheckStatus.XMLName.Space + "}checkStatus"
		} else if len(env.Body.Any) > 0 {
			name = "{" + env.Body.Any[0].XMLName.Space + "}" + env.Body.Any[0].XMLName.Local
		}
		fault = &soapFault{"soapenv:Client", "No operation available for request " + name}
	}
	dirty := o.dirty
	o.dirty = false
	o.mu.Unlock()
	if dirty {
		o.cfg.Control.Changed()
	}
	if fault != nil {
		writeFault(w, fault.code, fault.message)
		return
	}
	writeSOAP(w, op, out)
}

func tooManyComponents(n int) *soapFault {
	if n > maxMetadataOps {
		return &soapFault{"sf:INVALID_ARGUMENT", fmt.Sprintf("INVALID_ARGUMENT: Too many components: %d. Limit is %d.", n, maxMetadataOps)}
	}
	return nil
}
