package oktaemu

// This file renders an app's SAML IdP metadata exactly as Okta serves it: one line of XML, the certificate
// base64-wrapped at 76 characters, application/xml with an ISO-8859-1 charset.

import (
	"encoding/base64"
	"encoding/xml"
	"mime"
	"net/http"
	"strings"
)

const (
	nameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	nameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	bindingPOST       = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	bindingRedirect   = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
)

// metadataContentType picks the response type for an Accept header; Okta refuses a JSON-only Accept.
func metadataContentType(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return "application/xml;charset=ISO-8859-1", true
	}
	textXML := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/xml", "application/*", "*/*":
			return "application/xml;charset=ISO-8859-1", true
		case "text/xml", "text/*":
			textXML = true
		}
	}
	if textXML {
		return "text/xml;charset=ISO-8859-1", true
	}
	return "", false
}

func xmlAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// wrap76 breaks base64 into 76-character lines joined by "\n", as Okta's metadata does.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76])
		b.WriteByte('\n')
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// samlMetadata renders the IdP metadata of rec signed by k.
func (s *Server) samlMetadata(rec *appRec, k *signingKey) string {
	name, _ := rec.Body["name"].(string)
	signOn := obj(obj(rec.Body["settings"])["signOn"])
	entityID := "http://www.okta.com/" + rec.ExternalKey
	if issuer, _ := signOn["idpIssuer"].(string); issuer != "" {
		entityID = strings.ReplaceAll(issuer, "${org.externalKey}", rec.ExternalKey)
	}
	if rec.Body["signOnMode"] == "SAML_1_1" {
		entityID = rec.ExternalKey
	}
	signed := signOn["samlSignedRequestEnabled"] == true
	format, _ := signOn["subjectNameIdFormat"].(string)
	if format == "" {
		format = nameIDUnspecified
		if name == "pagerduty" {
			// The catalogue fixes PagerDuty's name-id format: its recorded metadata lists emailAddress alone.
			format = nameIDEmail
		}
	}
	// Okta lists the app's format and always offers emailAddress as well.
	formats := []string{format}
	if format != nameIDEmail {
		formats = append(formats, nameIDEmail)
	}
	appURL := s.cfg.BaseURL + "/app/" + name + "/" + rec.ExternalKey

	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor entityID="` + xmlAttr(entityID) +
		`" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor WantAuthnRequestsSigned="`)
	if signed {
		b.WriteString("true")
	} else {
		b.WriteString("false")
	}
	b.WriteString(`" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">` +
		`<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` +
		wrap76(base64.StdEncoding.EncodeToString(k.CertDER)) +
		`</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
	if obj(signOn["slo"])["enabled"] == true {
		for _, binding := range []string{bindingPOST, bindingRedirect} {
			b.WriteString(`<md:SingleLogoutService Binding="` + binding + `" Location="` + xmlAttr(appURL+"/slo/saml") + `"/>`)
		}
	}
	for _, f := range formats {
		b.WriteString("<md:NameIDFormat>" + xmlAttr(f) + "</md:NameIDFormat>")
	}
	for _, binding := range []string{bindingPOST, bindingRedirect} {
		b.WriteString(`<md:SingleSignOnService Binding="` + binding + `" Location="` + xmlAttr(appURL+"/sso/saml") + `"/>`)
	}
	b.WriteString(`</md:IDPSSODescriptor></md:EntityDescriptor>`)
	return b.String()
}

func writeXML(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

// appMetadata serves GET /api/v1/apps/{appId}/sso/saml/metadata[?kid=]: the kid's certificate, else the active one.
func (s *Server) appMetadata(w http.ResponseWriter, r *http.Request) {
	contentType, ok := metadataContentType(r.Header.Get("Accept"))
	if !ok {
		writeError(w, http.StatusBadRequest, "E0000019", "Bad request. Accept and/or Content-Type headers likely do not match supported values.")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		rec := s.findApp(w, r.PathValue("appId"))
		if rec == nil {
			return false
		}
		kid := r.URL.Query().Get("kid")
		if kid == "" {
			kid = signingKid(rec)
		}
		k := s.findKey(rec.Body["id"].(string), kid)
		if k == nil {
			// An app without a signing key (e.g. a bookmark app) has no metadata to serve.
			writeKeyNotFound(w, kid)
			return false
		}
		writeXML(w, contentType, s.samlMetadata(rec, k))
		return false
	})
}

// publicMetadata serves GET /app/{exk}/sso/saml/metadata without authentication, as SPs fetch it.
func (s *Server) publicMetadata(w http.ResponseWriter, r *http.Request) {
	exk := r.PathValue("exk")
	s.locked(w, func(w http.ResponseWriter) bool {
		for _, id := range sortedIDs(s.st.Apps) {
			rec := s.st.Apps[id]
			if rec.ExternalKey != exk {
				continue
			}
			if k := s.activeKey(rec); k != nil {
				writeXML(w, "application/xml;charset=ISO-8859-1", s.samlMetadata(rec, k))
				return false
			}
		}
		writeNotFound(w, exk, "AppInstance")
		return false
	})
}
