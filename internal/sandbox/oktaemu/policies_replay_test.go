package oktaemu

import (
	"net/http"
	"strings"
	"testing"
)

// TestReplayRecordedSignOnPolicyRule replays the recording of a rule added to the preset "Any two factors" policy,
// with its app, groups, users, zone, device assurance and user type. Left out: the two 500s real Okta answered to
// the first app deletes. The recorded preset policy stands for the emulator's preset policy of the same name.
func TestReplayRecordedSignOnPolicyRule(t *testing.T) {
	t.Parallel()
	rec := loadRecording(t, "TestAccResourceOktaAppSignOnPolicyRule_crud")
	var recordedPolicy string
	subset := rec
	subset.Interactions = nil
	rules, userTypeCalls := 0, 0
	for _, in := range rec.Interactions {
		path := strings.SplitN(in.Request.URL, "?", 2)[0]
		if in.Response.Status >= 500 {
			continue
		}
		if in.Request.Method == http.MethodPut && strings.Contains(path, "/policies/") && strings.HasPrefix(path, "/api/v1/apps/") {
			recordedPolicy = path[strings.LastIndex(path, "/")+1:]
		}
		if strings.Contains(path, "/rules") {
			rules++
		}
		if strings.HasPrefix(path, "/api/v1/meta/types/user/") || in.Request.Method == http.MethodPost && path == "/api/v1/meta/types/user" {
			userTypeCalls++
		}
		subset.Interactions = append(subset.Interactions, in)
	}
	if recordedPolicy == "" || rules < 10 || userTypeCalls < 5 || len(subset.Interactions) < 160 {
		t.Fatalf("selected %d interactions, %d rule calls, %d user type calls, policy %q", len(subset.Interactions), rules, userTypeCalls, recordedPolicy)
	}
	org := newTestOrg(t)
	replayWith(t, org, subset, map[string]string{recordedPolicy: presetPolicyID(t, org, "Any two factors")})
}
