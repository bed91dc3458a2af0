package oktaemu

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// recording is what the replay needs of one recorded cassette, derived by deriveRecording (fidelitydata_test.go).
type recording struct {
	Source       string             `json:"source"`
	Note         string             `json:"note"`
	Interactions []recordedExchange `json:"interactions"`
	// Shapes are the distinct body shapes: the sorted JSON key paths or the XML element shape of a body.
	Shapes [][]string `json:"shapes"`
}

type recordedExchange struct {
	Request  recordedRequest  `json:"request"`
	Response recordedResponse `json:"response"`
}

type recordedRequest struct {
	Method string `json:"method"`
	// URL is the path and query, relative to the org.
	URL         string          `json:"url"`
	Accept      string          `json:"accept,omitempty"`
	ContentType string          `json:"contentType,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
}

type recordedResponse struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	LinkNext    bool   `json:"linkNext,omitempty"`
	// Body is "json", "xml" or empty for no body; Shape indexes recording.Shapes when there is one.
	Body  string `json:"body,omitempty"`
	Shape *int   `json:"shape,omitempty"`
	// IDs are the recorded values at learnedKeys, in place, for learnIDs.
	IDs map[string]any `json:"ids,omitempty"`
}

// loadRecording reads the derived recording of a cassette; it is part of the repository, so absence fails.
func loadRecording(t *testing.T, name string) recording {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(recordingsDir, name+".json"))
	if err != nil {
		t.Fatalf("derived recording missing: %v (go generate ./internal/sandbox/oktaemu writes it)", err)
	}
	var rec recording
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	if len(rec.Interactions) == 0 {
		t.Fatalf("%s.json has no interactions", name)
	}
	for i, in := range rec.Interactions {
		if in.Response.Body != "" && (in.Response.Shape == nil || *in.Response.Shape < 0 || *in.Response.Shape >= len(rec.Shapes)) {
			t.Fatalf("%s.json: interaction %d has a %s body without a valid shape", name, i, in.Response.Body)
		}
	}
	return rec
}

// versionDependentKeys appear in the 2026 recordings but not in the 2025 ones (Okta added them in between);
// the emulator serves the newer shape, so their absence from an older recording is not a difference.
func versionDependent(path string) bool {
	return strings.HasSuffix(path, ".realmId") || strings.Contains(path, "._links.resetFactors") || strings.Contains(path, "._links.owners") ||
		strings.Contains(path, ".universalLogout") || strings.HasSuffix(path, ".settings.emOptInStatus")
}

// removedKeys are members that older recordings show and the newest recordings of the same route no longer do:
// Okta stopped serving them and the emulator serves what Okta serves now, so their absence from an answer is a
// version difference, not a gap. Each is listed by route (request path) with its evidence; TestRemovedKeysEvidence
// checks the evidence still holds.
var removedKeys = map[string]map[string]string{
	"/.well-known/okta-organization": {
		// In the March 2025 recordings (AppSaml_crud, AppMetadataSaml_read); absent from February 2026
		// (AppGroupAssignment_crud) and May 2026 (AppSignOnPolicyRule_crud, the newest).
		".settings.op4wEnabled": "TestAccResourceOktaAppSignOnPolicyRule_crud",
	},
}

// removedKey reports whether key is listed in removedKeys for the path of url.
func removedKey(url, key string) bool {
	_, ok := removedKeys[strings.SplitN(url, "?", 2)[0]][key]
	return ok
}

func TestReplayRecordedCassettes(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"TestAccResourceOktaGroup_crud",
		"TestAccResourceOktaGroupMemberships_crud",
		"TestAccResourceOktaUser_updateAllAttributes",
		"TestAccResourceOktaUser_statusDeprovisioned",
		"TestAccResourceOktaNetworkZone_crud",
		"TestAccResourceOktaPolicyDeviceAssuranceMacOS_crud",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			replay(t, newTestOrg(t), loadRecording(t, name))
		})
	}
}

func replay(t *testing.T, org *testOrg, rec recording) {
	replayWith(t, org, rec, map[string]string{})
}

// replayWith replays rec with ids (recorded id → emulator id) known up front, for objects made outside the recording.
// It stops at the first status that differs, since what follows would replay against a different state.
func replayWith(t *testing.T, org *testOrg, rec recording, ids map[string]string) {
	for i, in := range rec.Interactions {
		where := fmt.Sprintf("#%d %s %s", i, in.Request.Method, in.Request.URL)
		statusOK, problems := replayExchange(t, org, rec, in, ids)
		if !statusOK {
			t.Fatalf("%s: %s", where, problems[0])
		}
		for _, p := range problems {
			t.Errorf("%s: %s", where, p)
		}
	}
}

// replayExchange sends one recorded request and compares the answer with the recorded one: status, Content-Type,
// a rel="next" link and the body's JSON key paths or XML element shape. It learns the ids the answer assigns.
func replayExchange(t *testing.T, org *testOrg, rec recording, in recordedExchange, ids map[string]string) (statusOK bool, problems []string) {
	t.Helper()
	substitute := func(s string) string {
		s = strings.ReplaceAll(s, recordedHost, org.http.URL)
		for recorded, emulated := range ids {
			s = strings.ReplaceAll(s, recorded, emulated)
		}
		return s
	}
	req, err := http.NewRequest(in.Request.Method, org.http.URL+substitute(in.Request.URL),
		strings.NewReader(substitute(string(in.Request.Body))))
	if err != nil {
		t.Fatal(err)
	}
	if in.Request.Accept != "" {
		req.Header.Set("Accept", in.Request.Accept)
	}
	if in.Request.ContentType != "" {
		req.Header.Set("Content-Type", in.Request.ContentType)
	}
	req.Header.Set("Authorization", "SSWS "+org.srv.Credentials().APIToken)
	resp, err := org.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != in.Response.Status {
		return false, []string{fmt.Sprintf("status %d, recorded %d: %s", resp.StatusCode, in.Response.Status, body)}
	}
	if got, want := resp.Header.Get("Content-Type"), in.Response.ContentType; got != want {
		problems = append(problems, fmt.Sprintf("Content-Type %q, recorded %q", got, want))
	}
	if got, want := hasNext(resp.Header.Values("Link")), in.Response.LinkNext; got != want {
		problems = append(problems, fmt.Sprintf("rel=next present %v, recorded %v", got, want))
	}
	switch in.Response.Body {
	case "":
		if len(body) != 0 {
			problems = append(problems, fmt.Sprintf("body %q where the recording has none", body))
		}
		return true, problems
	case "xml":
		if p := xmlShapeDifference(rec.Shapes[*in.Response.Shape], string(body)); p != "" {
			problems = append(problems, p)
		}
		return true, problems
	}
	var served any
	if err := json.Unmarshal(body, &served); err != nil {
		return true, append(problems, fmt.Sprintf("served body is not JSON: %v", err))
	}
	learnIDs(in.Response.IDs, served, ids)
	// Keys can embed ids and generated names (visibility.appLinks.<name>_link), so compare after substitution.
	want, got := map[string]bool{}, keyPaths(served)
	for _, k := range rec.Shapes[*in.Response.Shape] {
		want[substitute(k)] = true
	}
	var missing, extra []string
	for k := range want {
		if !got[k] && !removedKey(in.Request.URL, k) {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] && !versionDependent(k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		problems = append(problems, fmt.Sprintf("key paths differ\n  missing: %v\n  extra:   %v", missing, extra))
	}
	return true, problems
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func hasNext(links []string) bool {
	for _, l := range links {
		if strings.Contains(l, `rel="next"`) {
			return true
		}
	}
	return false
}

// learnedKeys are the members whose values identify an object the emulator names differently.
var learnedKeys = map[string]bool{"id": true, "realmId": true, "kid": true, "name": true}

// learnIDs maps recorded ids (and generated app names and signing kids) to the emulator's by walking both objects in parallel (not into arrays,
// whose order is not an identity).
func learnIDs(recorded, served any, ids map[string]string) {
	r, ok1 := recorded.(map[string]any)
	s, ok2 := served.(map[string]any)
	if !ok1 || !ok2 {
		return
	}
	for k, rv := range r {
		sv := s[k]
		if learnedKeys[k] {
			rs, _ := rv.(string)
			ss, _ := sv.(string)
			if rs != "" && ss != "" {
				if _, known := ids[rs]; !known {
					ids[rs] = ss
				}
			}
			continue
		}
		if k != "_links" {
			learnIDs(rv, sv, ids)
		}
	}
}

// keyPaths lists every member path of a JSON value; array elements are merged under "[]".
func keyPaths(v any) map[string]bool {
	out := map[string]bool{}
	var walk func(v any, prefix string)
	walk = func(v any, prefix string) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				p := prefix + "." + k
				out[p] = true
				walk(e, p)
			}
		case []any:
			for _, e := range t {
				walk(e, prefix+"[]")
			}
		}
	}
	walk(v, "")
	return out
}

// xmlShape lists every element of an XML document in order as its namespace-qualified path and sorted
// attribute names, so two documents compare by structure, not by ids, URLs or certificates.
func xmlShape(doc string) ([]string, error) {
	dec := xml.NewDecoder(strings.NewReader(doc))
	var path, shape []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return shape, nil
		}
		if err != nil {
			return nil, err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			path = append(path, el.Name.Space+" "+el.Name.Local)
			var attrs []string
			for _, a := range el.Attr {
				attrs = append(attrs, a.Name.Space+" "+a.Name.Local)
			}
			sort.Strings(attrs)
			shape = append(shape, strings.Join(path, "/")+" ["+strings.Join(attrs, ",")+"]")
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

// xmlShapeDifference describes the first element in which served differs from the recorded shape, or "".
func xmlShapeDifference(want []string, served string) string {
	got, err := xmlShape(served)
	if err != nil {
		return fmt.Sprintf("served body is not XML: %v\n%s", err, served)
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		w, g := "(none)", "(none)"
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("XML element %d differs\n  recorded: %s\n  served:   %s", i, w, g)
		}
	}
	return ""
}

// appInteractions keeps the app interactions of a recording: the custom and catalogue (pagerduty,
// sharepoint_onpremise) SAML apps' create, read, replace, lifecycle and delete calls, their signing keys and their
// metadata. Policy calls belong to other tests.
func appInteractions(rec recording) recording {
	subset := rec
	subset.Interactions = nil
	for _, in := range rec.Interactions {
		path := strings.SplitN(in.Request.URL, "?", 2)[0]
		parts := strings.Split(strings.Trim(path, "/"), "/")
		served := path == "/api/v1/apps" || len(parts) == 4 && parts[2] == "apps" || len(parts) == 6 && parts[4] == "lifecycle" ||
			strings.HasSuffix(path, "/sso/saml/metadata") || strings.Contains(path, "/credentials/keys")
		if served {
			subset.Interactions = append(subset.Interactions, in)
		}
	}
	return subset
}

func TestReplayRecordedSAMLApp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		wantMetadata, wantKeys int
	}{
		{"TestAccResourceOktaAppSaml_crud", 13, 13}, // 6 and 6 of the custom app, the rest of the catalogue apps
		{"TestAccDataSourceOktaAppMetadataSaml_read", 6, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			subset := appInteractions(loadRecording(t, tt.name))
			var metadata, keys int
			for _, in := range subset.Interactions {
				metadata += strings.Count(in.Request.URL, "/sso/saml/metadata")
				keys += strings.Count(in.Request.URL, "/credentials/keys")
			}
			// Guards against a filter that silently drops what this test is meant to compare.
			if metadata != tt.wantMetadata || keys != tt.wantKeys || len(subset.Interactions) < 5 {
				t.Fatalf("selected %d interactions with %d metadata and %d key calls, want %d and %d",
					len(subset.Interactions), metadata, keys, tt.wantMetadata, tt.wantKeys)
			}
			replay(t, newTestOrg(t), subset)
		})
	}
}

// TestReplayRecordedAppGroupAssignments replays the recording whole: its OIDC app (oidc_client), its groups and the
// app-group calls, and checks the priorities the recording reads back after its second and third groups were put
// at priorities 1 and 3. Left out: the calls to routes the emulator does not serve, the undocumented internal
// /api/v1/internal/apps/{id}/settings/oauth/idToken API.
func TestReplayRecordedAppGroupAssignments(t *testing.T) {
	t.Parallel()
	rec := loadRecording(t, "TestAccResourceOktaAppGroupAssignment_crud")
	mux := http.NewServeMux()
	for _, p := range routePatterns() {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	subset := rec
	subset.Interactions = nil
	puts, skipped, oidcCreates := 0, 0, 0
	for _, in := range rec.Interactions {
		req, _ := http.NewRequest(in.Request.Method, "http://emulator"+in.Request.URL, nil)
		if _, pattern := mux.Handler(req); pattern == "" {
			skipped++
			continue
		}
		subset.Interactions = append(subset.Interactions, in)
		path := strings.SplitN(in.Request.URL, "?", 2)[0]
		if in.Request.Method == http.MethodPut && strings.Contains(path, "/groups/") && strings.HasPrefix(path, "/api/v1/apps/") {
			puts++
		}
		if in.Request.Method == http.MethodPost && path == "/api/v1/apps" && strings.Contains(string(in.Request.Body), `"OPENID_CONNECT"`) {
			oidcCreates++
		}
	}
	// Guards against a filter that silently drops what this test is meant to compare.
	if puts != 5 || oidcCreates != 1 || skipped != 7 || len(subset.Interactions) != 69 {
		t.Fatalf("selected %d interactions (%d skipped) with %d assignment PUTs and %d OIDC creates, want 69 (7), 5 and 1",
			len(subset.Interactions), skipped, puts, oidcCreates)
	}
	org := newTestOrg(t)
	policy := ""
	for _, in := range subset.Interactions {
		if path := strings.SplitN(in.Request.URL, "?", 2)[0]; in.Request.Method == http.MethodPut && strings.Contains(path, "/policies/") {
			policy = path[strings.LastIndex(path, "/")+1:]
		}
	}
	replayWith(t, org, subset, map[string]string{policy: org.srv.st.Org.DefaultAccessPolicyID})
}
