package salesforce

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

const (
	soapEnvNS     = "http://schemas.xmlsoap.org/soap/envelope/"
	metadataNS    = "http://soap.sforce.com/2006/04/metadata"
	xsiNS         = "http://www.w3.org/2001/XMLSchema-instance"
	samlSSOConfig = "SamlSsoConfig"
)

// SamlSsoConfig is the Metadata API SamlSsoConfig type (field names as in the metadata WSDL).
// SalesforceLoginURL and OAuthTokenEndpoint are outputs: read back, never written.
type SAMLSSOConfig struct {
	FullName               string
	Name                   string
	AttributeName          string
	AttributeNameIDFormat  string
	DecryptionCertificate  string
	ErrorURL               string
	ExecutionUserID        string
	IdentityLocation       string // SubjectNameId | Attribute
	IdentityMapping        string // Username | FederationId | UserId
	Issuer                 string
	LoginURL               string
	LogoutURL              string
	RedirectBinding        bool
	RequestSignatureMethod string // RSA-SHA1 | RSA-SHA256
	RequestSigningCertID   string
	SAMLEntityID           string
	SAMLJITHandlerID       string
	SAMLVersion            string // SAML1_1 | SAML2_0
	SingleLogoutBinding    string
	SingleLogoutURL        string
	UserProvisioning       bool
	ValidationCert         string // base64 DER, no PEM armour

	SalesforceLoginURL string
	OAuthTokenEndpoint string
}

// samlSsoConfigWire is the XML form; element order follows the WSDL (fullName, then alphabetical).
type samlSSOConfigWire struct {
	FullName               string `xml:"fullName"`
	AttributeName          string `xml:"attributeName,omitempty"`
	AttributeNameIDFormat  string `xml:"attributeNameIdFormat,omitempty"`
	DecryptionCertificate  string `xml:"decryptionCertificate,omitempty"`
	ErrorURL               string `xml:"errorUrl,omitempty"`
	ExecutionUserID        string `xml:"executionUserId,omitempty"`
	IdentityLocation       string `xml:"identityLocation"`
	IdentityMapping        string `xml:"identityMapping"`
	Issuer                 string `xml:"issuer"`
	LoginURL               string `xml:"loginUrl,omitempty"`
	LogoutURL              string `xml:"logoutUrl,omitempty"`
	Name                   string `xml:"name"`
	OAuthTokenEndpoint     string `xml:"oauthTokenEndpoint,omitempty"`
	RedirectBinding        bool   `xml:"redirectBinding"`
	RequestSignatureMethod string `xml:"requestSignatureMethod,omitempty"`
	RequestSigningCertID   string `xml:"requestSigningCertId,omitempty"`
	SalesforceLoginURL     string `xml:"salesforceLoginUrl,omitempty"`
	SAMLEntityID           string `xml:"samlEntityId"`
	SAMLJITHandlerID       string `xml:"samlJitHandlerId,omitempty"`
	SAMLVersion            string `xml:"samlVersion"`
	SingleLogoutBinding    string `xml:"singleLogoutBinding,omitempty"`
	SingleLogoutURL        string `xml:"singleLogoutUrl,omitempty"`
	UserProvisioning       bool   `xml:"userProvisioning"`
	ValidationCert         string `xml:"validationCert"`
}

func (w samlSSOConfigWire) public() *SAMLSSOConfig {
	return &SAMLSSOConfig{
		FullName: w.FullName, Name: w.Name, AttributeName: w.AttributeName, AttributeNameIDFormat: w.AttributeNameIDFormat,
		DecryptionCertificate: w.DecryptionCertificate, ErrorURL: w.ErrorURL, ExecutionUserID: w.ExecutionUserID,
		IdentityLocation: w.IdentityLocation, IdentityMapping: w.IdentityMapping, Issuer: w.Issuer, LoginURL: w.LoginURL,
		LogoutURL: w.LogoutURL, RedirectBinding: w.RedirectBinding, RequestSignatureMethod: w.RequestSignatureMethod,
		RequestSigningCertID: w.RequestSigningCertID, SAMLEntityID: w.SAMLEntityID, SAMLJITHandlerID: w.SAMLJITHandlerID,
		SAMLVersion: w.SAMLVersion, SingleLogoutBinding: w.SingleLogoutBinding, SingleLogoutURL: w.SingleLogoutURL,
		UserProvisioning: w.UserProvisioning, ValidationCert: w.ValidationCert,
		SalesforceLoginURL: w.SalesforceLoginURL, OAuthTokenEndpoint: w.OAuthTokenEndpoint,
	}
}

// writeSamlSsoConfig writes cfg's elements with the met: prefix; outputs are left out.
func writeSAMLSSOConfig(b *bytes.Buffer, cfg SAMLSSOConfig) {
	el := func(name, value string, always bool) {
		if value == "" && !always {
			return
		}
		b.WriteString("<met:" + name + ">")
		_ = xml.EscapeText(b, []byte(value))
		b.WriteString("</met:" + name + ">")
	}
	boolText := func(v bool) string { return fmt.Sprint(v) }
	b.WriteString(`<met:metadata xsi:type="met:SamlSsoConfig">`)
	el("fullName", cfg.FullName, true)
	el("attributeName", cfg.AttributeName, false)
	el("attributeNameIdFormat", cfg.AttributeNameIDFormat, false)
	el("decryptionCertificate", cfg.DecryptionCertificate, false)
	el("errorUrl", cfg.ErrorURL, false)
	el("executionUserId", cfg.ExecutionUserID, false)
	el("identityLocation", cfg.IdentityLocation, true)
	el("identityMapping", cfg.IdentityMapping, true)
	el("issuer", cfg.Issuer, true)
	el("loginUrl", cfg.LoginURL, false)
	el("logoutUrl", cfg.LogoutURL, false)
	el("name", cfg.Name, true)
	el("redirectBinding", boolText(cfg.RedirectBinding), true)
	el("requestSignatureMethod", cfg.RequestSignatureMethod, false)
	el("requestSigningCertId", cfg.RequestSigningCertID, false)
	el("samlEntityId", cfg.SAMLEntityID, true)
	el("samlJitHandlerId", cfg.SAMLJITHandlerID, false)
	el("samlVersion", cfg.SAMLVersion, true)
	el("singleLogoutBinding", cfg.SingleLogoutBinding, false)
	el("singleLogoutUrl", cfg.SingleLogoutURL, false)
	el("userProvisioning", boolText(cfg.UserProvisioning), true)
	el("validationCert", cfg.ValidationCert, true)
	b.WriteString(`</met:metadata>`)
}

// envelope wraps a metadata call body with the session header.
func envelope(sessionID string, body func(*bytes.Buffer)) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `" xmlns:met="` + metadataNS + `" xmlns:xsi="` + xsiNS + `">`)
	b.WriteString(`<soapenv:Header><met:SessionHeader><met:sessionId>`)
	_ = xml.EscapeText(&b, []byte(sessionID))
	b.WriteString(`</met:sessionId></met:SessionHeader></soapenv:Header><soapenv:Body>`)
	body(&b)
	b.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

func escaped(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// metadataResult is saveResult, upsertResult and deleteResult alike.
type metadataResult struct {
	Created  bool   `xml:"created"`
	FullName string `xml:"fullName"`
	Success  bool   `xml:"success"`
	Errors   []struct {
		Message    string   `xml:"message"`
		StatusCode string   `xml:"statusCode"`
		Fields     []string `xml:"fields"`
	} `xml:"errors"`
}

func (r metadataResult) err() *APIError {
	if r.Success {
		return nil
	}
	if len(r.Errors) == 0 {
		return &APIError{Message: "metadata call failed for " + r.FullName}
	}
	e := r.Errors[0]
	return &APIError{Code: e.StatusCode, Message: e.Message, Fields: e.Fields}
}

type soapResponse struct {
	raw  []byte // the whole answer, for calls whose result types this struct does not name
	Body struct {
		Fault  *soapFault `xml:"Fault"`
		Upsert struct {
			Results []metadataResult `xml:"result"`
		} `xml:"upsertMetadataResponse"`
		Delete struct {
			Results []metadataResult `xml:"result"`
		} `xml:"deleteMetadataResponse"`
		Read struct {
			Records []struct {
				Nil string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
				samlSSOConfigWire
			} `xml:"result>records"`
		} `xml:"readMetadataResponse"`
	} `xml:"Body"`
}

// soap posts a metadata call, refreshing the session once on an INVALID_SESSION_ID fault.
func (c *Client) soap(ctx context.Context, body func(*bytes.Buffer)) (*soapResponse, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.postSOAP(ctx, s, body)
	if apiErr := (*APIError)(nil); errors.As(err, &apiErr) && apiErr.Code == "INVALID_SESSION_ID" {
		if s, err = c.refresh(ctx, s); err != nil {
			return nil, err
		}
		resp, err = c.postSOAP(ctx, s, body)
	}
	if err != nil {
		return nil, fmt.Errorf("salesforce org %q: metadata API: %w", c.alias, transport.CleanError(err))
	}
	return resp, nil
}

func (c *Client) postSOAP(ctx context.Context, s *session, body func(*bytes.Buffer)) (*soapResponse, error) {
	// Metadata CRUD calls are keyed by fullName, so replaying one after a lost response is harmless.
	req, err := http.NewRequestWithContext(transport.WithIdempotent(ctx), http.MethodPost,
		s.instanceURL+"/services/Soap/m/"+c.version, bytes.NewReader(envelope(s.accessToken, body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, answerError(req, err)
	}
	var out soapResponse
	if xmlErr := xml.Unmarshal(raw, &out); xmlErr != nil {
		return nil, ParseError(resp.StatusCode, raw)
	}
	if out.Body.Fault != nil {
		apiErr := out.Body.Fault.apiError()
		apiErr.StatusCode = resp.StatusCode
		return nil, apiErr
	}
	if resp.StatusCode != http.StatusOK {
		return nil, ParseError(resp.StatusCode, raw)
	}
	out.raw = raw
	return &out, nil
}

// UpsertSamlSsoConfig creates or updates the config named cfg.FullName; created tells which.
func (c *Client) UpsertSAMLSSOConfig(ctx context.Context, cfg SAMLSSOConfig) (created bool, err error) {
	if cfg.FullName == "" {
		return false, fmt.Errorf("%w: SamlSsoConfig needs a fullName", ErrValidation)
	}
	if cfg.Name == "" {
		cfg.Name = cfg.FullName
	}
	resp, err := c.soap(ctx, func(b *bytes.Buffer) {
		b.WriteString("<met:upsertMetadata>")
		writeSAMLSSOConfig(b, cfg)
		b.WriteString("</met:upsertMetadata>")
	})
	if err != nil {
		return false, err
	}
	if len(resp.Body.Upsert.Results) == 0 {
		return false, fmt.Errorf("salesforce org %q: upsertMetadata returned no result", c.alias)
	}
	r := resp.Body.Upsert.Results[0]
	if apiErr := r.err(); apiErr != nil {
		return false, fmt.Errorf("salesforce org %q: upsert SamlSsoConfig %s: %w", c.alias, cfg.FullName, apiErr)
	}
	return r.Created, nil
}

// ReadSamlSsoConfig reads one config; ErrNotFound when the org has none by that name.
func (c *Client) ReadSAMLSSOConfig(ctx context.Context, fullName string) (*SAMLSSOConfig, error) {
	resp, err := c.soap(ctx, func(b *bytes.Buffer) {
		b.WriteString("<met:readMetadata><met:type>" + samlSSOConfig + "</met:type><met:fullNames>" + escaped(fullName) + "</met:fullNames></met:readMetadata>")
	})
	if err != nil {
		return nil, err
	}
	for _, rec := range resp.Body.Read.Records {
		// Salesforce answers a missing name with an empty (or xsi:nil) record rather than a fault.
		if rec.Nil != "true" && rec.FullName != "" && strings.EqualFold(rec.FullName, fullName) {
			return rec.samlSSOConfigWire.public(), nil
		}
	}
	return nil, fmt.Errorf("salesforce org %q: SamlSsoConfig %s: %w", c.alias, fullName, ErrNotFound)
}

// DeleteSamlSsoConfig deletes one config; a missing config returns an error wrapping ErrNotFound,
// which callers deleting for Terraform treat as success.
func (c *Client) DeleteSAMLSSOConfig(ctx context.Context, fullName string) error {
	resp, err := c.soap(ctx, func(b *bytes.Buffer) {
		b.WriteString("<met:deleteMetadata><met:type>" + samlSSOConfig + "</met:type><met:fullNames>" + escaped(fullName) + "</met:fullNames></met:deleteMetadata>")
	})
	if err != nil {
		return err
	}
	if len(resp.Body.Delete.Results) == 0 {
		return fmt.Errorf("salesforce org %q: deleteMetadata returned no result", c.alias)
	}
	apiErr := resp.Body.Delete.Results[0].err()
	if apiErr == nil {
		return nil
	}
	// A missing component comes back as INVALID_CROSS_REFERENCE_KEY "no SamlSsoConfig named … found".
	if apiErr.Code == "NOT_FOUND" || (apiErr.Code == "INVALID_CROSS_REFERENCE_KEY" && strings.Contains(strings.ToLower(apiErr.Message), "no ")) {
		return fmt.Errorf("salesforce org %q: delete SamlSsoConfig %s: %w: %s", c.alias, fullName, ErrNotFound, apiErr.Error())
	}
	return fmt.Errorf("salesforce org %q: delete SamlSsoConfig %s: %w", c.alias, fullName, apiErr)
}
