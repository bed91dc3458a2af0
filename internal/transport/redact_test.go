package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

const testPEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial\nQWERTYsecretmore\n-----END RSA PRIVATE KEY-----"

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		secret string // must disappear
		keep   string // must survive
	}{
		{"authorization header SSWS", "Authorization: SSWS 00Ab_cdEfGh123456789", "00Ab_cdEfGh123456789", "Authorization: SSWS"},
		{"authorization header bearer", `Authorization: Bearer ya29.a0AfH6SMBsecret`, "ya29.a0AfH6SMBsecret", "Bearer"},
		{"authorization in header map", `map[Authorization:[Bearer 00DxxTOKEN!AQ0Abc123] Accept:[application/json]]`, "00DxxTOKEN!AQ0Abc123", "Accept"},
		{"bare SSWS", "token was SSWS 00Ab_cdEfGh123456789 today", "00Ab_cdEfGh123456789", "token was"},
		{"access_token JSON", `{"access_token":"00D5g000004!AQ0AQsecret","instance_url":"https://x.my.salesforce.com"}`, "00D5g000004!AQ0AQsecret", "instance_url"},
		{"refresh_token JSON", `{"refresh_token": "5Aep861secret"}`, "5Aep861secret", "refresh_token"},
		{"client_secret form", "grant_type=client_credentials&client_id=3MVG9&client_secret=ABCDEF123456", "ABCDEF123456", "client_id=3MVG9"},
		{"client_assertion query", "/oauth2/v1/token?client_assertion=eyJhbGciOi.eyJpc3Mi.c2lnbmF0&client_assertion_type=urn%3Aietf%3Ajwt-bearer", "eyJhbGciOi.eyJpc3Mi.c2lnbmF0", "client_assertion_type=urn%3Aietf%3Ajwt-bearer"},
		{"JWT assertion form", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSJ9.sigsigsig", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSJ9", "grant_type="},
		{"bare JWT", "token eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSJ9.c2lnc2lnc2ln expired", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSJ9", "expired"},
		{"password JSON", `{"credentials":{"password":{"value":"S3cr3t!"}},"NewPassword":"Hunter2!"}`, "Hunter2!", "credentials"},
		{"password value JSON", `{"password":"S3cr3t!pw"}`, "S3cr3t!pw", "password"},
		{"password form", "username=a%40b.com&password=S3cr3tPw", "S3cr3tPw", "username=a%40b.com"},
		{"NewPassword JSON", `{"NewPassword":"Hunter2!x"}`, "Hunter2!x", "NewPassword"},
		{"PEM PKCS1", "key=" + testPEM + " end", "secretkeymaterial", "end"},
		{"PEM PKCS8 JSON-escaped", `{"private_key_pem":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANsecret\n-----END PRIVATE KEY-----\n"}`, "MIIEvQIBADANsecret", "private_key_pem"},
		{"PEM EC", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIsecretEC\n-----END EC PRIVATE KEY-----", "MHcCAQEEIsecretEC", "EC PRIVATE KEY"},
		{"SOAP sessionId", `<soapenv:Header><met:SessionHeader><met:sessionId>00D5g!AQ0AQsecret</met:sessionId></met:SessionHeader>`, "00D5g!AQ0AQsecret", "<met:SessionHeader>"},
		{"SOAP unprefixed sessionId", `<SessionHeader><sessionId>00D5g!AQ0AQsecret</sessionId></SessionHeader>`, "00D5g!AQ0AQsecret", "<SessionHeader>"},
		{"SAMLResponse form", "RelayState=%2Fhome&SAMLResponse=PHNhbWxwOlJlc3BvbnNlIHhtbG5z", "PHNhbWxwOlJlc3BvbnNlIHhtbG5z", "RelayState=%2Fhome"},
		{"SAMLRequest query", "https://idp/sso?SAMLRequest=fZJNT8MwDIbvSPyHKPeuH2yTFq2dhhDSJLgw4MAtS72tqI1LnG789zjdQHBCOeRg", "fZJNT8MwDIbvSPyHKPeuH2yTFq2dhhDSJLgw4MAtS72tqI1LnG789zjdQHBCOeRg", "https://idp/sso"},
		{"SAML assertion XML", `<saml2:Assertion ID="id1" Version="2.0"><saml2:Subject>jane@acme.com</saml2:Subject></saml2:Assertion>`, "jane@acme.com", "saml2:Assertion"},
		{"api_token JSON", `{"api_token":"00Ab_cdEfGh123456789"}`, "00Ab_cdEfGh123456789", "api_token"},
		{"api_token query", "?api_token=00Ab_cdEfGh1234", "00Ab_cdEfGh1234", "api_token="},
		{"bare Salesforce session id", "/secur/frontdoor.jsp?sid=00D5g000004XyZa!AQ0AQH3secretSessionValue.x&retURL=%2F", "AQ0AQH3secretSessionValue", "retURL=%2F"},
		{"org id is not a session id", `{"Id":"00D5g000004XyZaEAK"}`, "", `{"Id":"00D5g000004XyZaEAK"}`},
		{"nothing secret", `{"name":"Sales","id":"00g1emaKYZTWRYYRRTSK"}`, "", `{"name":"Sales","id":"00g1emaKYZTWRYYRRTSK"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Redact(tt.in)
			if tt.secret != "" && strings.Contains(got, tt.secret) {
				t.Errorf("Redact(%q) = %q, still contains %q", tt.in, got, tt.secret)
			}
			if !strings.Contains(got, tt.keep) {
				t.Errorf("Redact(%q) = %q, lost %q", tt.in, got, tt.keep)
			}
			if tt.secret != "" && !strings.Contains(got, "***") {
				t.Errorf("Redact(%q) = %q, no mask marker", tt.in, got)
			}
		})
	}
}

// The tflog masks catch secrets in lines that never went through Redact, and leave Redact's own output as
// it is, so that a redacted line stays readable.
func TestMaskLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raw    string
		secret string // must disappear
	}{
		{"bearer", "Authorization: Bearer 00D5g000004XyZa!AQ0AQH3secret", "AQ0AQH3secret"},
		{"ssws in a header map", "map[Authorization:[SSWS 00Ab_cdEfGh123456789]]", "00Ab_cdEfGh123456789"},
		{"PEM", "key " + testPEM, "secretkeymaterial"},
		{"PEM JSON-escaped", `{"pem":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANsecret\n-----END PRIVATE KEY-----"}`, "MIIEvQIBADANsecret"},
		{"form", "grant_type=password&password=S3cr3tPw&username=u", "S3cr3tPw"},
		{"form value starting with stars", "password=***x-real-secret", "x-real-secret"},
		{"JSON access token", `{"access_token":"ya29.a0AfH6SMBsecret","instance_url":"https://x"}`, "ya29.a0AfH6SMBsecret"},
		{"JSON client secret", `{"client_secret": "hunter2secret"}`, "hunter2secret"},
		{"SOAP session id", `<met:SessionHeader><met:sessionId>opaque-session-value</met:sessionId></met:SessionHeader>`, "opaque-session-value"},
		{"SAML assertion", `<saml2:Assertion ID="a1" Version="2.0"><saml2:Subject>jane@acme.com</saml2:Subject></saml2:Assertion>`, "jane@acme.com"},
		{"bare session id", "sid=00D5g000004XyZa!AQ0AQH3secretSessionValue", "AQ0AQH3secretSessionValue"},
		{"JWT", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSJ9.c2lnc2lnc2ln", "eyJpc3MiOiIzTVZHOSJ9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			ctx := MaskLogs(tflogtest.RootLogger(context.Background(), &buf))
			tflog.Info(ctx, "raw: "+tt.raw, map[string]any{"field": tt.raw, "redacted": Redact(tt.raw)})
			out := buf.String()
			if strings.Contains(out, tt.secret) || !strings.Contains(out, "***") {
				t.Errorf("log leaks %q or masks nothing: %s", tt.secret, out)
			}
		})
	}
}

func TestMaskLogsKeepsRedactedLinesReadable(t *testing.T) {
	t.Parallel()
	for _, redacted := range []string{
		"grant_type=client_credentials&client_secret=***&client_id=3MVG9",
		`{"access_token":"***","instance_url":"https://x"}`,
		`<met:sessionId>***</met:sessionId>`,
		`<saml2:Assertion>***</saml2:Assertion>`,
		`-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----`,
		`Authorization: Bearer ***`,
	} {
		var buf bytes.Buffer
		ctx := MaskLogs(MaskLogs(tflogtest.RootLogger(context.Background(), &buf)))
		tflog.Info(ctx, "line", map[string]any{"body": redacted})
		if want, _ := json.Marshal(redacted); !strings.Contains(buf.String(), string(want)) {
			t.Errorf("masks changed the redacted %q: %s", redacted, buf.String())
		}
	}
}
