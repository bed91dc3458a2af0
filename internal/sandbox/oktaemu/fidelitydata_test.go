package oktaemu

// The fidelity tests (openapi_test.go, replay_test.go) run on any clone from data derived from ../shared/reference
// and kept in testdata/. With the reference beside the repository, refresh it with
//
//	go generate ./internal/sandbox/oktaemu
//
// which reruns TestFidelityDataUpToDate with -update-fidelity-data; without the flag that test fails when testdata/
// differs from what the reference derives.
//go:generate go test -count=1 -run=TestFidelityDataUpToDate . -args -update-fidelity-data

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var updateFidelityData = flag.Bool("update-fidelity-data", false, "rewrite testdata/ from ../shared/reference")

const (
	trimmedSpecFile = "testdata/openapi/management.trimmed.yaml"
	recordingsDir   = "testdata/recorded"
)

// replayedCassettes are the cassettes of ../shared/reference/okta/recorded the replay tests use; each is derived
// into recordingsDir/<name>.json.
var replayedCassettes = []string{
	"TestAccResourceOktaGroup_crud",
	"TestAccResourceOktaGroupMemberships_crud",
	"TestAccResourceOktaUser_updateAllAttributes",
	"TestAccResourceOktaUser_statusDeprovisioned",
	"TestAccResourceOktaAppSaml_crud",
	"TestAccDataSourceOktaAppMetadataSaml_read",
	"TestAccResourceOktaAppGroupAssignment_crud",
	"TestAccResourceOktaNetworkZone_crud",
	"TestAccResourceOktaPolicyDeviceAssuranceMacOS_crud",
	"TestAccResourceOktaAppSignOnPolicyRule_crud",
	"TestAccResourceOktaAppSaml_preconfigured",
	"TestAccOktaAppFeatures_basic",
	"TestAccResourceOktaAppConnection_cru",
}

// outsideManagementAPI are the emulator routes management.yaml does not describe, each with the reason.
var outsideManagementAPI = map[string]string{
	"POST /oauth2/v1/token":              "the org authorization server is not part of the Management API description",
	"GET /app/{exk}/sso/saml/metadata":   "the public IdP metadata URL; validateXML checks it is well-formed",
	"GET /app/{appName}/{exk}/sso/saml":  "the IdP's browser SSO endpoint, not an API",
	"POST /app/{appName}/{exk}/sso/saml": "the IdP's browser SSO endpoint (HTTP-POST binding, sign-in forms), not an API",
}

func routePatterns() []string {
	var out []string
	for _, rt := range (&Server{}).routes() {
		out = append(out, rt.pattern)
	}
	return out
}

// TestFidelityDataUpToDate checks that testdata/ is what ../shared/reference derives, so the derived data cannot go
// stale silently; -update-fidelity-data rewrites it instead. Without the reference it can only skip (fail under CI).
func TestFidelityDataUpToDate(t *testing.T) {
	t.Parallel()
	ref := referenceDir(t, "okta")
	want, err := deriveFidelityData(ref)
	if err != nil {
		t.Fatal(err)
	}
	if *updateFidelityData {
		writeFidelityData(t, want)
		return
	}
	for _, name := range orderedKeys(want) {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%v: regenerate with go generate ./internal/sandbox/oktaemu", err)
			continue
		}
		if line := firstDifferentLine(got, want[name]); line > 0 {
			t.Errorf("%s differs from what ../shared/reference derives (first at line %d): regenerate with "+
				"go generate ./internal/sandbox/oktaemu", name, line)
		}
	}
	entries, err := os.ReadDir(recordingsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, derived := want[filepath.ToSlash(filepath.Join(recordingsDir, e.Name()))]; !derived {
			t.Errorf("%s/%s is derived from no cassette in replayedCassettes", recordingsDir, e.Name())
		}
	}
}

// TestFidelitySpecCoversRoutes fails when the emulator serves a Management API route the trimmed description lacks
// (a route added since the data was last generated), which would leave its responses unchecked.
func TestFidelitySpecCoversRoutes(t *testing.T) {
	t.Parallel()
	sp := loadSpec(t)
	var operations []string
	for tmpl, item := range sp.doc.Paths.Map() {
		for method := range item.Operations() {
			operations = append(operations, method+" "+tmpl)
		}
	}
	covered := routeOperations(operations, routePatterns())
	for _, p := range routePatterns() {
		if _, outside := outsideManagementAPI[p]; !outside && len(covered[p]) == 0 {
			t.Errorf("emulator route %q has no operation in %s: regenerate with go generate ./internal/sandbox/oktaemu",
				p, trimmedSpecFile)
		}
	}
	for p := range outsideManagementAPI {
		if len(covered[p]) > 0 {
			t.Errorf("%q is listed as outside the Management API but %s describes it as %v", p, trimmedSpecFile, covered[p])
		}
	}
}

func deriveFidelityData(ref string) (map[string][]byte, error) {
	raw, err := os.ReadFile(filepath.Join(ref, "openapi", "management.yaml"))
	if err != nil {
		return nil, err
	}
	doc, err := parseSpecTree(raw)
	if err != nil {
		return nil, fmt.Errorf("management.yaml: %w", err)
	}
	patterns := routePatterns()
	out := map[string][]byte{}
	if out[trimmedSpecFile], err = deriveSpec(doc, patterns); err != nil {
		return nil, fmt.Errorf("management.yaml: %w", err)
	}
	values, segments := specVocabulary(doc, patterns)
	// The catalogue app names the emulator knows are API words too (a create naming one is not test input).
	for name := range oinApps {
		values[name] = true
	}
	for _, name := range replayedCassettes {
		raw, err := os.ReadFile(filepath.Join(ref, "recorded", name+".yaml"))
		if err != nil {
			return nil, err
		}
		rec, err := deriveRecording(raw, &placeholders{values: values, segments: segments, of: map[string]string{}})
		if err != nil {
			return nil, fmt.Errorf("%s.yaml: %w", name, err)
		}
		rec.Source = "../shared/reference/okta/recorded/" + name + ".yaml"
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rec); err != nil {
			return nil, err
		}
		out[recordingsDir+"/"+name+".json"] = buf.Bytes()
	}
	return out, nil
}

func writeFidelityData(t *testing.T, files map[string][]byte) {
	t.Helper()
	if err := os.RemoveAll(recordingsDir); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", name, len(data))
	}
}

func firstDifferentLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < max(len(la), len(lb)); i++ {
		if i >= len(la) || i >= len(lb) || !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return 0
}

func orderedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cassette is the part of a go-vcr v2 recording the derivation reads.
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

// deriveRecording keeps of a cassette what the replay sends and compares: each request with its test input replaced
// by placeholders, and of each response the status, Content-Type, whether Link has rel="next", the shape of the
// body (JSON key paths or XML elements) and the ids a replay learns from it. Bodies themselves are not kept.
func deriveRecording(raw []byte, p *placeholders) (*recording, error) {
	var c cassette
	if err := yaml.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	rec := &recording{Note: "Derived by go generate ./internal/sandbox/oktaemu; do not edit."}
	shapes := map[string]int{}
	shapeIndex := func(shape []string) *int {
		key := strings.Join(shape, "\n")
		i, ok := shapes[key]
		if !ok {
			i = len(rec.Shapes)
			shapes[key] = i
			rec.Shapes = append(rec.Shapes, shape)
		}
		return &i
	}
	for i, in := range c.Interactions {
		where := fmt.Sprintf("interaction %d", i)
		if !strings.HasPrefix(in.Request.URL, recordedHost+"/") {
			return nil, fmt.Errorf("%s: URL %q is not on %s", where, in.Request.URL, recordedHost)
		}
		ex := recordedExchange{Request: recordedRequest{
			Method:      in.Request.Method,
			URL:         p.url(strings.TrimPrefix(in.Request.URL, recordedHost)),
			Accept:      first(in.Request.Headers["Accept"]),
			ContentType: first(in.Request.Headers["Content-Type"]),
		}}
		if strings.TrimSpace(in.Request.Body) != "" {
			body, err := decodeJSONNumbers(in.Request.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: request body: %w", where, err)
			}
			if ex.Request.Body, err = encodeJSON(p.body(body)); err != nil {
				return nil, err
			}
		}
		resp := &ex.Response
		resp.Status = in.Response.Code
		resp.ContentType = first(in.Response.Headers["Content-Type"])
		resp.LinkNext = hasNext(in.Response.Headers["Link"])
		switch {
		case in.Response.Body == "":
		case strings.Contains(resp.ContentType, "xml"):
			shape, err := xmlShape(in.Response.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: response XML: %w", where, err)
			}
			resp.Body, resp.Shape = "xml", shapeIndex(shape)
		default:
			body, err := decodeJSONNumbers(in.Response.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: response body is neither XML nor JSON: %w", where, err)
			}
			resp.IDs = p.learn(body)
			var paths []string
			for k := range keyPaths(body) {
				paths = append(paths, p.inKey(k))
			}
			sort.Strings(paths)
			resp.Body, resp.Shape = "json", shapeIndex(paths)
		}
		rec.Interactions = append(rec.Interactions, ex)
	}
	if len(rec.Interactions) == 0 {
		return nil, fmt.Errorf("no interactions")
	}
	return rec, nil
}

func decodeJSONNumbers(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func encodeJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

// placeholders replaces a recording's test input (names, logins, labels, URLs, ids) with stable placeholders and
// keeps API words (spec enums and defaults, path literals, ${…} expressions). A placeholder keeps its original's
// length, letter case, digits and punctuation (an email stays an email, a two-letter country code two letters),
// so the emulator and the response schemas meet the formats the recording had; equal strings get equal
// placeholders, distinct strings distinct ones.
type placeholders struct {
	values, segments map[string]bool
	of               map[string]string
	used             map[string]bool
	// learned are the originals seen at learnedKeys so far, longest first: replay substitutes them, keys included.
	learned []string
}

func (p *placeholders) keep(s string) bool {
	return s == "" || p.values[s] || strings.Contains(s, "${") || isIPValue(s)
}

// isIPValue reports whether s is an IP address, CIDR block or address range (network zone gateways and proxies):
// documentation addresses whose form the emulator checks, which a scrambled placeholder would break.
func isIPValue(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	from, to, isRange := strings.Cut(s, "-")
	if _, err := netip.ParseAddr(from); err != nil {
		return false
	}
	if !isRange {
		return true
	}
	_, err := netip.ParseAddr(to)
	return err == nil
}

func (p *placeholders) token(s string) string {
	if p.keep(s) {
		return s
	}
	if t, ok := p.of[s]; ok {
		return t
	}
	var t string
	switch u, err := url.Parse(s); {
	case strings.HasPrefix(s, recordedHost+"/"):
		t = recordedHost + p.url(strings.TrimPrefix(s, recordedHost))
	case err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		t = u.Scheme + "://" + p.scramble(strings.TrimPrefix(s, u.Scheme+"://"))
	default:
		t = p.scramble(s)
	}
	p.of[s] = t
	return t
}

// scramble replaces each letter and digit of s with one of the same class, from a hash of a counter, retrying until
// the result is unused. The counter, not s, drives it: nothing of the original but its form reaches the result.
func (p *placeholders) scramble(s string) string {
	if p.used == nil {
		p.used = map[string]bool{}
	}
	for attempt := 0; attempt < 1000; attempt++ {
		seed := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", len(p.used), attempt)))
		out := []rune(s)
		for i, r := range out {
			h := seed[i%len(seed)] ^ byte(i/len(seed)*31)
			switch {
			case r >= 'a' && r <= 'z':
				out[i] = 'a' + rune(h%26)
			case r >= 'A' && r <= 'Z':
				out[i] = 'A' + rune(h%26)
			case r >= '0' && r <= '9':
				out[i] = '0' + rune(h%10)
			}
		}
		if t := string(out); !p.used[t] || t == s {
			p.used[t] = true
			return t
		}
	}
	panic(fmt.Sprintf("no unused placeholder of the form of %q", s))
}

// url replaces the non-literal path segments and the query values of a path?query, keeping booleans and numbers.
func (p *placeholders) url(raw string) string {
	path, query, hasQuery := strings.Cut(raw, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && !p.segments[s] {
			segs[i] = p.token(s)
		}
	}
	out := strings.Join(segs, "/")
	if !hasQuery {
		return out
	}
	pairs := strings.Split(query, "&")
	for i, pair := range pairs {
		k, v, _ := strings.Cut(pair, "=")
		value, err := url.QueryUnescape(v)
		if err != nil {
			value = v
		}
		if _, err := strconv.ParseBool(value); err == nil {
			continue
		}
		if _, err := strconv.ParseInt(value, 10, 64); err == nil {
			continue
		}
		pairs[i] = k + "=" + url.QueryEscape(p.token(value))
	}
	return out + "?" + strings.Join(pairs, "&")
}

// body replaces the strings of a request body; keys stay, except where they embed a learned id or name.
func (p *placeholders) body(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range orderedKeys(t) {
			out[p.inKey(k)] = p.body(t[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = p.body(e)
		}
		return out
	case string:
		return p.token(t)
	}
	return v
}

// learn returns the placeholders at learnedKeys where learnIDs looks for them (through objects, not arrays or
// _links), remembering each original.
func (p *placeholders) learn(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out map[string]any
	for _, k := range orderedKeys(m) {
		var found any
		switch {
		case learnedKeys[k]:
			s, _ := m[k].(string)
			if s == "" {
				continue
			}
			p.remember(s)
			found = p.token(s)
		case k != "_links":
			sub := p.learn(m[k])
			if sub == nil {
				continue
			}
			found = sub
		default:
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = found
	}
	return out
}

func (p *placeholders) remember(s string) {
	for _, l := range p.learned {
		if l == s {
			return
		}
	}
	p.learned = append(p.learned, s)
	sort.SliceStable(p.learned, func(i, j int) bool { return len(p.learned[i]) > len(p.learned[j]) })
}

// inKey substitutes learned originals inside a key (visibility.appLinks.<app name>_link), as the replay does.
func (p *placeholders) inKey(k string) string {
	for _, l := range p.learned {
		k = strings.ReplaceAll(k, l, p.token(l))
	}
	return k
}
