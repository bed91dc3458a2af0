package main

import "testing"

func TestNewestPatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		current  string
		versions []string
		want     string
	}{
		{"v3.0.0", []string{"v3.0.0", "v3.0.1", "v3.0.3", "v3.0.4", "v3.0.5"}, "v3.0.5"},
		{"v3.0.0", []string{"v3.0.5", "v3.0.10", "v3.0.9"}, "v3.0.10"}, // numeric, not lexical
		{"v0.5.2", []string{"v0.5.2", "v0.6.0", "v1.0.0"}, ""},         // newer minor or major: not a patch
		{"v1.8.1", []string{"v1.8.0", "v1.8.1"}, ""},
		{"v1.8.1", []string{"v1.8.2-rc.1", "v1.8.3-0.20240101000000-abcdefabcdef"}, ""}, // pre-releases and pseudo-versions
		{"v4.0.4+incompatible", []string{"v4.0.4+incompatible", "v4.0.5+incompatible"}, "v4.0.5+incompatible"},
		{"v0.0.0-20240507183026-011ceab61b9e", []string{"v0.0.1"}, ""}, // a pseudo-version has no patch line
		{"v1.2.3", nil, ""},
		{"v1.2.03", []string{"v1.2.4"}, ""}, // not semver
	}
	for _, tt := range tests {
		got, ok := newestPatch(tt.current, tt.versions)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("newestPatch(%s, %v) = %q, %v; want %q", tt.current, tt.versions, got, ok, tt.want)
		}
	}
}
