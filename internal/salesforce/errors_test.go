package salesforce

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		body       string
		want       error
		wantCode   string
		wantMsg    string
		wantFields []string
	}{
		{"duplicate username", 400, `[{"message":"Duplicate Username.<br>The username already exists.","errorCode":"DUPLICATE_USERNAME","fields":["Username"]}]`,
			ErrDuplicate, "DUPLICATE_USERNAME", "Duplicate Username.<br>The username already exists.", []string{"Username"}},
		{"required field", 400, `[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}]`,
			ErrValidation, "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", []string{"LastName"}},
		{"session", 401, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`, ErrSession, "INVALID_SESSION_ID", "Session expired or invalid", nil},
		{"limit", 403, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, ErrLimitExceeded, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", nil},
		{"no access", 403, `[{"message":"insufficient access rights on object id","errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"}]`, ErrForbidden, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", nil},
		{"not found", 404, `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`, ErrNotFound, "NOT_FOUND", "The requested resource does not exist", nil},
		{"dup assignment", 400, `[{"message":"Duplicate PermissionSetAssignment","errorCode":"DUPLICATE_VALUE","fields":[]}]`, ErrDuplicate, "DUPLICATE_VALUE", "Duplicate PermissionSetAssignment", []string{}},
		{"collections shape", 0, `{"statusCode":"FIELD_INTEGRITY_EXCEPTION","message":"license mismatch","fields":["PermissionSetId"]}`, ErrValidation, "FIELD_INTEGRITY_EXCEPTION", "license mismatch", []string{"PermissionSetId"}},
		{"oauth invalid_grant", 400, `{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}`, ErrAuth, "invalid_grant", "user hasn't approved this consumer", nil},
		{"oauth invalid client id", 400, `{"error":"invalid_client_id","error_description":"client identifier invalid"}`, ErrAuth, "invalid_client_id", "client identifier invalid", nil},
		{"soap session fault", 500, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode><faultstring>INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
			ErrSession, "INVALID_SESSION_ID", "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session", nil},
		{"soap other fault", 500, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>sf:INSUFFICIENT_ACCESS</faultcode><faultstring>no Modify All Data</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
			ErrForbidden, "INSUFFICIENT_ACCESS", "no Modify All Data", nil},
		{"html 503", 503, `<html><body>Service Unavailable</body></html>`, nil, "", "Service Unavailable", nil},
		{"empty 404", 404, ``, ErrNotFound, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParseError(tt.status, []byte(tt.body))
			if got.Code != tt.wantCode || got.Message != tt.wantMsg || got.StatusCode != tt.status || strings.Join(got.Fields, ",") != strings.Join(tt.wantFields, ",") {
				t.Fatalf("ParseError = %+v", got)
			}
			for _, sentinel := range []error{ErrNotFound, ErrDuplicate, ErrValidation, ErrLimitExceeded, ErrAuth, ErrSession, ErrForbidden} {
				if errors.Is(got, sentinel) != (sentinel == tt.want) {
					t.Errorf("errors.Is(%v, %v) wrong", got, sentinel)
				}
			}
		})
	}
}

func TestConvertLibraryError(t *testing.T) {
	t.Parallel()
	raw := errors.New(`[{"message":"Duplicate Username.","errorCode":"DUPLICATE_USERNAME","fields":["Username"]}]`)
	if err := convertLibraryError(0, nil, raw); !errors.Is(err, ErrDuplicate) {
		t.Errorf("raw body error: %v", err)
	}
	if err := convertLibraryError(0, nil, errors.New("invalid session, unable to refresh session")); !errors.Is(err, ErrSession) {
		t.Errorf("refresh error: %v", err)
	}
	if err := convertLibraryError(404, []byte(`[{"errorCode":"NOT_FOUND","message":"x"}]`), errors.New("invalid character")); !errors.Is(err, ErrNotFound) {
		t.Errorf("remembered body: %v", err)
	}
	other := errors.New("boom")
	if err := convertLibraryError(0, nil, other); err != other {
		t.Errorf("other error changed: %v", err)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Sales", `'Sales'`},
		{"O'Brien", `'O\'Brien'`},
		{`back\slash`, `'back\\slash'`},
		{`say "hi"`, `'say \"hi\"'`},
		{"line\nbreak\r\ttab", `'line\nbreak\r\ttab'`},
		{"bell\bform\f", `'bell\bform\f'`},
		{`' OR Name != '`, `'\' OR Name != \''`},
		{`\'`, `'\\\''`},
		{"", `''`},
		{"日本語 ünïcode", `'日本語 ünïcode'`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := QuoteList([]string{"a", "b'c"}); got != `('a','b\'c')` {
		t.Errorf("QuoteList = %s", got)
	}
	if got := QuoteList(nil); got != `('')` {
		t.Errorf("QuoteList(nil) = %s", got)
	}
}

// unquoteSOQL reverses a SOQL string literal per the SOQL escape rules; ok is false when the
// literal is malformed (an unescaped quote inside, a dangling backslash, an unknown escape).
func unquoteSOQL(lit string) (string, bool) {
	if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return "", false
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		ch := body[i]
		if ch == '\'' {
			return "", false
		}
		if ch != '\\' {
			b.WriteByte(ch)
			continue
		}
		i++
		if i >= len(body) {
			return "", false
		}
		switch body[i] {
		case '\\', '\'', '"':
			b.WriteByte(body[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			return "", false
		}
	}
	return b.String(), true
}

func FuzzQuote(f *testing.F) {
	for _, seed := range []string{"", "Sales", "O'Brien", `\`, `\'`, "a\nb", "\b\f\t\r", `"'"`, "日本", "\x00\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		back, ok := unquoteSOQL(q)
		if !ok || back != s {
			t.Fatalf("Quote(%q) = %s does not unquote back (got %q, ok=%v)", s, q, back, ok)
		}
		if utf8.ValidString(s) && !utf8.ValidString(q) {
			t.Fatalf("Quote(%q) broke UTF-8", s)
		}
	})
}

// FuzzParseError feeds arbitrary bodies to the error parser: it must never panic and must always
// return an error value that renders.
func FuzzParseError(f *testing.F) {
	f.Add(400, `[{"message":"m","errorCode":"DUPLICATE_VALUE","fields":["F"]}]`)
	f.Add(400, `{"error":"invalid_grant","error_description":"d"}`)
	f.Add(500, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>sf:X</faultcode><faultstring>s</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	f.Add(502, `<html>`)
	f.Add(0, `[]`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		got := ParseError(status, []byte(body))
		if got == nil || got.Error() == "" {
			t.Fatalf("ParseError(%d, %q) = %v", status, body, got)
		}
		_ = errors.Unwrap(got)
	})
}
