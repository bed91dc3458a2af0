package oktaemu

import (
	"net/http"
	"strings"
	"testing"
)

// TestReplayRecordedSignOnPolicyRule replays the recording of a rule added to the preset "Any two factors" policy,
// with its app, groups, users, zone and device assurance. Left out: the created user type (POST and GET
// /api/v1/meta/types/user[/{id}]; the emulator serves only the default type, and the rule's userType ids are stored
// as sent) and the two 500s real Okta answered to the first app
// deletes. The recorded preset policy stands for the emulator's preset policy of the same name.
func TestReplayRecordedSignOnPolicyRule(t *testing.T) {
	t.Parallel()
	rec := loadRecording(t, "TestAccResourceOktaAppSignOnPolicyRule_crud")
	var recordedPolicy string
	subset := rec
	subset.Interactions = nil
	rules := 0
	for _, in := range rec.Interactions {
		path := strings.SplitN(in.Request.URL, "?", 2)[0]
		// The user type list is served; the created type (POST, then GET by id) is not.
		if strings.HasPrefix(path, "/api/v1/meta/types/user/") || in.Request.Method == http.MethodPost && strings.HasPrefix(path, "/api/v1/meta/types/") || in.Response.Status >= 500 {
			continue
		}
		if in.Request.Method == http.MethodPut && strings.Contains(path, "/policies/") && strings.HasPrefix(path, "/api/v1/apps/") {
			recordedPolicy = path[strings.LastIndex(path, "/")+1:]
		}
		if strings.Contains(path, "/rules") {
			rules++
		}
		subset.Interactions = append(subset.Interactions, in)
	}
	if recordedPolicy == "" || rules < 10 || len(subset.Interactions) < 140 {
		t.Fatalf("selected %d interactions, %d rule calls, policy %q", len(subset.Interactions), rules, recordedPolicy)
	}
	org := newTestOrg(t)
	replayWith(t, org, subset, map[string]string{recordedPolicy: presetPolicyID(t, org, "Any two factors")})
}
