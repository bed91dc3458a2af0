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

	"gopkg.in/yaml.v3"
)

// cassette is the part of a go-vcr v2 recording the replay needs.
type cassette struct {
	Interactions []struct {
		Request struct {
			Method  string              `yaml:"method"`
			URL     string              `yaml:"url"`
			Body    string              `yaml:"body"`
			Headers map[string][]string `yaml:"headers"`
		} `yaml:"request"`
		Response struct {
			Code    int                 `yaml:"code"`
			Body    string              `yaml:"body"`
			Headers map[string][]string `yaml:"headers"`
		} `yaml:"response"`
	} `yaml:"interactions"`
}

// recordedHost is the org host the cassettes were rewritten to.
const recordedHost = "https://oie-00.dne-okta.com"

// versionDependentKeys appear in the 2026 recordings but not in the 2025 ones (Okta added them in between);
// the emulator serves the newer shape, so their absence from an older recording is not a difference.
func versionDependent(path string) bool {
	return strings.HasSuffix(path, ".realmId") || strings.Contains(path, "._links.resetFactors") || strings.Contains(path, "._links.owners")
}

func TestReplayRecordedCassettes(t *testing.T) {
	t.Parallel()
	dir := referenceDir(t, "okta/recorded")
	for _, name := range []string{
		"TestAccResourceOktaGroup_crud.yaml",
		"TestAccResourceOktaGroupMemberships_crud.yaml",
		"TestAccResourceOktaUser_updateAllAttributes.yaml",
		"TestAccResourceOktaUser_statusDeprovisioned.yaml",
	} {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Skipf("cassette %s is absent: %v", name, err)
			}
			var c cassette
			if err := yaml.Unmarshal(raw, &c); err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			if len(c.Interactions) == 0 {
				t.Fatalf("%s has no interactions", name)
			}
			replay(t, newTestOrg(t), c)
		})
	}
}

func replay(t *testing.T, org *testOrg, c cassette) {
	replayWith(t, org, c, map[string]string{})
}

// replayWith replays c with ids (recorded id → emulator id) known up front, for objects made outside the cassette.
func replayWith(t *testing.T, org *testOrg, c cassette, ids map[string]string) {
	substitute := func(s string) string {
		s = strings.ReplaceAll(s, recordedHost, org.http.URL)
		for rec, emu := range ids {
			s = strings.ReplaceAll(s, rec, emu)
		}
		return s
	}
	for i, in := range c.Interactions {
		target := substitute(in.Request.URL)
		req, err := http.NewRequest(in.Request.Method, target, strings.NewReader(substitute(in.Request.Body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"Accept", "Content-Type"} {
			if v := in.Request.Headers[h]; len(v) > 0 {
				req.Header.Set(h, v[0])
			}
		}
		req.Header.Set("Authorization", "SSWS "+org.srv.Credentials().APIToken)
		resp, err := org.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		where := in.Request.Method + " " + in.Request.URL
		if resp.StatusCode != in.Response.Code {
			t.Fatalf("#%d %s: status %d, recorded %d: %s", i, where, resp.StatusCode, in.Response.Code, body)
		}
		if got, want := resp.Header.Get("Content-Type"), first(in.Response.Headers["Content-Type"]); got != want {
			t.Errorf("#%d %s: Content-Type %q, recorded %q", i, where, got, want)
		}
		if got, want := hasNext(resp.Header.Values("Link")), hasNext(in.Response.Headers["Link"]); got != want {
			t.Errorf("#%d %s: rel=next present %v, recorded %v", i, where, got, want)
		}
		if in.Response.Body == "" {
			if len(body) != 0 {
				t.Errorf("#%d %s: body %q where the recording has none", i, where, body)
			}
			continue
		}
		if strings.Contains(first(in.Response.Headers["Content-Type"]), "xml") {
			compareXMLShape(t, fmt.Sprintf("#%d %s", i, where), in.Response.Body, string(body))
			continue
		}
		var recorded, served any
		if err := json.Unmarshal([]byte(in.Response.Body), &recorded); err != nil {
			t.Fatalf("#%d recorded body: %v", i, err)
		}
		if err := json.Unmarshal(body, &served); err != nil {
			t.Fatalf("#%d %s: served body is not JSON: %v", i, where, err)
		}
		learnIDs(recorded, served, ids)
		// Keys can embed ids and generated names (visibility.appLinks.<name>_link), so compare after substitution.
		if err := json.Unmarshal([]byte(substitute(in.Response.Body)), &recorded); err != nil {
			t.Fatalf("#%d recorded body after substitution: %v", i, err)
		}
		want, got := keyPaths(recorded), keyPaths(served)
		var missing, extra []string
		for k := range want {
			if !got[k] {
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
			t.Errorf("#%d %s: key paths differ\n  missing: %v\n  extra:   %v", i, where, missing, extra)
		}
	}
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
		if k == "id" || k == "realmId" || k == "kid" || k == "name" {
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

func compareXMLShape(t *testing.T, where, recorded, served string) {
	t.Helper()
	want, err := xmlShape(recorded)
	if err != nil {
		t.Fatalf("%s: recorded XML: %v", where, err)
	}
	got, err := xmlShape(served)
	if err != nil {
		t.Fatalf("%s: served body is not XML: %v\n%s", where, err, served)
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
			t.Errorf("%s: XML element %d differs\n  recorded: %s\n  served:   %s", where, i, w, g)
			return
		}
	}
}

// appInteractions keeps the interactions of a recording that the emulator serves: the custom SAML app's create,
// read, replace, lifecycle and delete calls, its signing keys and its metadata. Policy calls belong to other
// issues, and the recording stops being served at the OIN pagerduty app, which is not in the emulator's catalogue.
func appInteractions(c cassette) cassette {
	var subset cassette
	for _, in := range c.Interactions {
		path := strings.TrimPrefix(strings.SplitN(in.Request.URL, "?", 2)[0], recordedHost)
		if strings.Contains(in.Request.Body, `"name":"pagerduty"`) {
			break
		}
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
	dir := referenceDir(t, "okta/recorded")
	tests := []struct {
		name                   string
		wantMetadata, wantKeys int
	}{
		{"TestAccResourceOktaAppSaml_crud.yaml", 6, 6},
		{"TestAccDataSourceOktaAppMetadataSaml_read.yaml", 6, 2},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.name, ".yaml"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join(dir, tt.name))
			if err != nil {
				t.Skipf("cassette %s is absent: %v", tt.name, err)
			}
			var c cassette
			if err := yaml.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			subset := appInteractions(c)
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

// TestReplayRecordedAppGroupAssignments replays the group and app-group calls of the recording against a custom
// SAML app standing in for the recorded OIDC app (the emulator serves SAML apps only), and checks the priorities
// the recording reads back after its second and third groups were put at priorities 1 and 3.
func TestReplayRecordedAppGroupAssignments(t *testing.T) {
	t.Parallel()
	dir := referenceDir(t, "okta/recorded")
	const name = "TestAccResourceOktaAppGroupAssignment_crud.yaml"
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Skipf("cassette %s is absent: %v", name, err)
	}
	var c cassette
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	const recordedApp = "0oauj98mikme3r9p41d7"
	var subset cassette
	puts := 0
	for _, in := range c.Interactions {
		path := strings.TrimPrefix(strings.SplitN(in.Request.URL, "?", 2)[0], recordedHost)
		if strings.HasPrefix(path, "/api/v1/groups") || strings.HasPrefix(path, "/api/v1/apps/"+recordedApp+"/groups/") {
			subset.Interactions = append(subset.Interactions, in)
			if in.Request.Method == http.MethodPut && strings.Contains(path, "/apps/") {
				puts++
			}
		}
	}
	if puts != 5 || len(subset.Interactions) < 40 {
		t.Fatalf("selected %d interactions with %d assignment PUTs, want at least 40 and 5", len(subset.Interactions), puts)
	}
	org := newTestOrg(t)
	app := createSAMLApp(t, org.client(t), "Stand-in for the recorded OIDC app").Id
	replayWith(t, org, subset, map[string]string{recordedApp: app})
}
