package transport

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// secretNames are the parameter, JSON key and XML element names whose values are secret.
const secretNames = `access_token|refresh_token|id_token|client_secret|client_assertion|assertion|password|NewPassword|` +
	`api_token|apiToken|private_key|privateKey|SAMLResponse|SAMLRequest|sessionId|session_id|token|signature`

// redactor is one masking rule: a pattern and its replacement (which keeps the name, drops the value).
type redactor struct {
	re   *regexp.Regexp
	repl string
}

// redactors run in order; PEM blocks and XML go first so later rules never see half a key.
var redactors = []redactor{
	// PEM private keys, also when their newlines are JSON-escaped or the block is cut short.
	{regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`),
		`-----BEGIN ${1}PRIVATE KEY-----***-----END ${1}PRIVATE KEY-----`},
	// SAML assertions and protocol messages carried as XML.
	{regexp.MustCompile(`(?i)<((?:[\w-]+:)?(?:Assertion|EncryptedAssertion|Response|AuthnRequest))([\s>][\s\S]*?)</(?:[\w-]+:)?(?:Assertion|EncryptedAssertion|Response|AuthnRequest)>`),
		`<$1>***</$1>`},
	// XML elements holding secrets: SOAP <sessionId>, <met:sessionId>, <password>.
	{regexp.MustCompile(`(?i)<((?:[\w-]+:)?(?:` + secretNames + `))(\s[^>]*)?>[^<]*</`),
		`<$1$2>***</`},
	// JSON string values under secret keys.
	{regexp.MustCompile(`(?i)("(?:` + secretNames + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`),
		`$1"***"`},
	// Form and query parameters; \b keeps client_assertion_type and similar names intact.
	{regexp.MustCompile(`(?i)\b(` + secretNames + `)=[^&\s"'<]*`),
		`$1=***`},
	// Authorization header values in any dump format.
	{regexp.MustCompile(`(?i)(authorization"?\s*[:=]\s*\[?"?)(?:(Bearer|SSWS|Basic|OAuth)\s+)?[^\s",}\]]+`),
		`$1$2 ***`},
	// Bare credentials outside an Authorization header.
	{regexp.MustCompile(`\b(SSWS|Bearer)\s+[A-Za-z0-9._~+/=\-!]{8,}`),
		`$1 ***`},
	// A bare JWT (three base64url parts) anywhere else.
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}`),
		`***`},
}

// Redact masks tokens, keys, passwords and SAML messages in s, keeping the surrounding text readable.
func Redact(s string) string {
	for _, r := range redactors {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// secretValuePatterns match secret values whole, for tflog masks (which replace the entire match).
var secretValuePatterns = []*regexp.Regexp{
	regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`),
	regexp.MustCompile(`(?i)\b(?:SSWS|Bearer)\s+[A-Za-z0-9._~+/=\-!]{8,}`),
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}`),
	regexp.MustCompile(`(?i)\b(?:` + secretNames + `)=[^&\s"'<]+`),
}

// MaskLogs registers the secret patterns with tflog so that every log line written with ctx is masked,
// including lines from code that never calls Redact.
func MaskLogs(ctx context.Context) context.Context {
	ctx = tflog.MaskMessageRegexes(ctx, secretValuePatterns...)
	return tflog.MaskAllFieldValuesRegexes(ctx, secretValuePatterns...)
}
