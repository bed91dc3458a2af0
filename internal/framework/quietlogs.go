package framework

import "strings"

// QuietLogs are the variables ("NAME=OFF") that turn the SDK's and the provider's logs off, for a provider
// process with environment environ — none when environ has a TF_LOG variable. Terraform passes its
// environment to the plugin and, without TF_LOG (or TF_LOG_PROVIDER), discards whatever the plugin writes;
// the SDK would still write it at trace level: a JSON line for every element of every list, set and map
// attribute on every read and plan, seconds of CPU for a state of thousands of users. TF_LOG_PATH alone turns
// no logging on. Names compare case-insensitively, as Windows reads them.
func QuietLogs(environ []string) []string {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if name = strings.ToUpper(name); strings.HasPrefix(name, "TF_LOG") && name != "TF_LOG_PATH" && value != "" {
			return nil
		}
	}
	return []string{"TF_LOG_SDK=OFF", "TF_LOG_SDK_PROTO=OFF", "TF_LOG_SDK_FRAMEWORK=OFF", "TF_LOG_PROVIDER_OKTASF=OFF"}
}
