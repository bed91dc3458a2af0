package transport

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// secretNames are the parameter, JSON key and XML element names whose values are secret.
const secretNames = `access_token|refresh_token|id_token|client_secret|client_assertion|assertion|password|NewPassword|` +
	`api_token|apiToken|private_key|privateKey|SAMLResponse|SAMLRequest|sessionId|session_id|token|signature`

// samlElements are the SAML elements whose content is a credential.
const samlElements = `Assertion|EncryptedAssertion|Response|AuthnRequest`

// sessionIDPattern is a bare Salesforce access token or session id: the 15-character org id, "!", the secret.
var sessionIDPattern = regexp.MustCompile(`\b00D[A-Za-z0-9]{12}![A-Za-z0-9._]{16,}`)

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
	{regexp.MustCompile(`(?i)<((?:[\w-]+:)?(?:` + samlElements + `))([\s>][\s\S]*?)</(?:[\w-]+:)?(?:` + samlElements + `)>`),
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
	// A bare Salesforce session id (in a frontdoor sid=, a cookie, an echoed header).
	{sessionIDPattern, `***`},
}

// Redact masks tokens, keys, passwords and SAML messages in s, keeping the surrounding text readable.
func Redact(s string) string {
	for _, r := range redactors {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// secretValuePatterns are the tflog masks. A mask replaces its whole match with "***" (Go regular expressions
// have no look-behind, so a key cannot be kept), and none matches the "***" that Redact leaves behind, so lines
// already redacted stay readable ("client_secret=***") while any value a line carries raw is masked.
var secretValuePatterns = []*regexp.Regexp{
	// PEM private keys with key material after the header (not Redact's "-----BEGIN …-----***").
	regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:\s|\\[rn])*[A-Za-z0-9+/=][\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`),
	// SAML assertions and protocol messages as XML, with content (not Redact's "<x:Assertion>***</x:Assertion>").
	regexp.MustCompile(`(?i)<(?:[\w-]+:)?(?:` + samlElements + `)(?:\s[^>]*)?>[^*][\s\S]*?</(?:[\w-]+:)?(?:` + samlElements + `)>`),
	regexp.MustCompile(`(?i)\b(?:SSWS|Bearer)\s+[A-Za-z0-9._~+/=\-!]{8,}`),
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}`),
	sessionIDPattern,
	// Values under secret names: form and query parameters, JSON strings, XML elements.
	regexp.MustCompile(`(?i)\b(?:` + secretNames + `)=` + exceptMasked(`[^*&\s"'<]`, `[^&\s"'<]`)),
	regexp.MustCompile(`(?i)"(?:` + secretNames + `)"\s*:\s*"` + exceptMasked(`(?:[^"\\*]|\\.)`, `(?:[^"\\]|\\.)`) + `"`),
	regexp.MustCompile(`(?i)<(?:[\w-]+:)?(?:` + secretNames + `)(?:\s[^>]*)?>` + exceptMasked(`[^<*]`, `[^<]`) + `</`),
}

// exceptMasked matches a non-empty run of characters of class rest, other than exactly "***"; first is rest
// without "*".
func exceptMasked(first, rest string) string {
	return `(?:` + first + rest + `*|\*` + first + rest + `*|\*\*` + first + rest + `*|\*\*\*` + rest + `+)`
}

type maskedKey struct{}

// MaskLogs registers the secret patterns with tflog so that every log line written with ctx (or a context
// derived from it) is masked, including lines from code that never calls Redact. Transport.RoundTrip applies
// it to each request's context. tflog masks belong to the provider root logger of one context: a subsystem
// logger (tflog.NewSubsystem) needs its own SubsystemMask… calls. Applying it twice is a no-op.
func MaskLogs(ctx context.Context) context.Context {
	if ctx.Value(maskedKey{}) != nil {
		return ctx
	}
	ctx = tflog.MaskMessageRegexes(ctx, secretValuePatterns...)
	ctx = tflog.MaskAllFieldValuesRegexes(ctx, secretValuePatterns...)
	return context.WithValue(ctx, maskedKey{}, true)
}
