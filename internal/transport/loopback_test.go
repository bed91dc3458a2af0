package transport

import (
	"net/url"
	"strings"
	"testing"
)

func TestCheckScheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantErr string // "" when accepted
	}{
		{"https://acme.okta.com", ""},
		{"https://203.0.113.7", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.8.9.10", ""},
		{"http://[::1]:8443", ""},
		{"http://localhost:8080", ""},
		{"http://LocalHost", ""},
		{"http://acme.okta.com", `plain http to "acme.okta.com", which is not a loopback address`},
		{"http://10.0.0.1", "not a loopback address"},
		{"http://[::2]", "not a loopback address"},
		{"http://localhost.acme.example", "not a loopback address"},
		{"http://127.0.0.1.nip.io", "not a loopback address"},
		{"ftp://acme.okta.com", `has the scheme "ftp"; use https://`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckScheme(u)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("CheckScheme(%s) = %v, want nil", tt.url, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("CheckScheme(%s) = %v, want an error containing %q", tt.url, err, tt.wantErr)
			}
		})
	}
}
