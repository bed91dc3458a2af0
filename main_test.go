package main

import (
	"os"
	"strings"
	"testing"
)

// Without any TF_LOG variable the SDK's and the provider's loggers are turned off; with one (in any case),
// nothing changes.
func TestQuietLogs(t *testing.T) {
	quiet := []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_OKTASF"}
	clearLogEnv := func() {
		for _, kv := range os.Environ() {
			if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(strings.ToUpper(name), "TF_LOG") {
				t.Setenv(name, "") // restored after the test
				_ = os.Unsetenv(name)
			}
		}
		for _, name := range quiet {
			t.Setenv(name, "")
			_ = os.Unsetenv(name)
		}
	}
	clearLogEnv()
	t.Setenv("TF_LOG_PATH", "/tmp/terraform.log") // a path alone turns no logging on
	quietLogs()
	for _, name := range quiet {
		if got := os.Getenv(name); got != "OFF" {
			t.Errorf("without TF_LOG: %s = %q, want OFF", name, got)
		}
	}
	for _, set := range []string{"TF_LOG", "tf_log", "TF_LOG_PROVIDER"} {
		clearLogEnv()
		t.Setenv(set, "DEBUG")
		quietLogs()
		for _, name := range quiet {
			if got, ok := os.LookupEnv(name); ok {
				t.Errorf("with %s=DEBUG: %s = %q, want it left unset", set, name, got)
			}
		}
	}
}
