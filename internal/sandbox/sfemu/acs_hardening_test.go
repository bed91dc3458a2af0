package sfemu

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// postSigned posts doc to the org's login URL with relayState and returns the status, Location and body.
func postSigned(t *testing.T, to *testOrg, doc []byte, relayState string) (int, string, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(orgACS(to), url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(doc)}, "RelayState": {relayState}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// resign strips doc's signatures, applies edit to the text and signs the whole Response with the trusted IdP key:
// a response the IdP really signed, with content samlidp cannot produce.
func resign(t *testing.T, doc []byte, edit func(string) string) []byte {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromString(edit(stripSignatures(string(doc)))); err != nil {
		t.Fatal(err)
	}
	key, cert := testIDP(t)
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(d.Root())
	if err != nil {
		t.Fatal(err)
	}
	d.SetRoot(signed)
	out, err := d.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// loginRow is one LoginHistory row as the API returns it.
type loginRow struct{ userID, status string }

func loginHistory(t *testing.T, to *testOrg) []loginRow {
	t.Helper()
	var rows []loginRow
	for _, r := range to.query(t, "SELECT UserId, Status FROM LoginHistory ORDER BY LoginTime")["records"].([]any) {
		m := r.(map[string]any)
		uid, _ := m["UserId"].(string)
		status, _ := m["Status"].(string)
		rows = append(rows, loginRow{userID: uid, status: status})
	}
	return rows
}

func adaID(t *testing.T, to *testOrg) string {
	t.Helper()
	users := to.query(t, "SELECT Id FROM User WHERE Username = 'ada@acme.qa'")["records"].([]any)
	if len(users) != 1 {
		t.Fatalf("ada: %v", users)
	}
	return users[0].(map[string]any)["Id"].(string)
}

// TestACS_hardening checks each refusal Salesforce makes that the ACS once skipped: the status on the error page,
// and the one LoginHistory row it writes, against ada only when the assertion's signature verifies.
func TestACS_hardening(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// doc builds the response; posting it once more than first (when replay) is the refused attempt.
		doc      func(t *testing.T, to *testOrg) []byte
		replay   bool
		want     string
		wantUser bool // the row names ada; else it names no user
	}{
		{name: "replayed response", replay: true, want: statusReplayDetected, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte { return signedFor(t, to, nil) }},
		{name: "Destination is another login URL than the one posted to", want: statusRecipientMismatch, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return signedFor(t, to, func(o *samlidp.ResponseOptions) {
					o.Destination, o.Recipient = to.srv.URL+"/login?so="+to.Credentials().OrgID[:15], orgACS(to)
				})
			}},
		{name: "signed Destination is another login URL than the one posted to", want: statusRecipientMismatch, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return signedFor(t, to, func(o *samlidp.ResponseOptions) {
					o.SignResponse, o.Destination, o.Recipient = true, to.srv.URL+"/login?so="+to.Credentials().OrgID[:15], orgACS(to)
				})
			}},
		{name: "Conditions without NotOnOrAfter", want: statusAssertionInvalid, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return resign(t, signedFor(t, to, nil), func(d string) string {
					i := strings.Index(d, "<saml2:Conditions ")
					j := i + strings.Index(d[i:], ">")
					return d[:i] + "<saml2:Conditions NotBefore=\"" + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + "\"" + d[j:]
				})
			}},
		{name: "Conditions without NotBefore", want: statusAssertionInvalid, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return resign(t, signedFor(t, to, nil), func(d string) string {
					i := strings.Index(d, "<saml2:Conditions ")
					j := i + strings.Index(d[i:], ">")
					return d[:i] + "<saml2:Conditions NotOnOrAfter=\"" + time.Now().Add(time.Minute).UTC().Format(time.RFC3339) + "\"" + d[j:]
				})
			}},
		// crewjam refuses it before handing back any assertion, even relaxed, so the row names no user.
		{name: "SubjectConfirmationData without NotOnOrAfter", want: statusSubjectConfirmation, wantUser: false,
			doc: func(t *testing.T, to *testOrg) []byte {
				return resign(t, signedFor(t, to, nil), func(d string) string {
					i := strings.Index(d, "<saml2:SubjectConfirmationData ")
					j := i + strings.Index(d[i:], "Recipient=")
					return d[:i] + "<saml2:SubjectConfirmationData " + d[j:]
				})
			}},
		{name: "IssueInstant older than 5 minutes plus 3 of skew", want: statusAssertionExpired, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return signedFor(t, to, func(o *samlidp.ResponseOptions) {
					o.IssueInstant, o.NotBefore, o.NotOnOrAfter = time.Now().Add(-9*time.Minute), time.Now().Add(-10*time.Minute), time.Now().Add(5*time.Minute)
				})
			}},
		{name: "InResponseTo the org never issued", want: statusInResponseToInvalid, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return signedFor(t, to, func(o *samlidp.ResponseOptions) { o.InResponseTo = "_never_issued" })
			}},
		{name: "a second AudienceRestriction for another SP", want: statusAudienceInvalid, wantUser: true,
			doc: func(t *testing.T, to *testOrg) []byte {
				return resign(t, signedFor(t, to, nil), func(d string) string {
					return strings.Replace(d, "</saml2:AudienceRestriction>",
						"</saml2:AudienceRestriction><saml2:AudienceRestriction><saml2:Audience>https://other.example</saml2:Audience></saml2:AudienceRestriction>", 1)
				})
			}},
		{name: "tampered subject: the unverified name is not recorded", want: statusSignatureInvalid, wantUser: false,
			doc: func(t *testing.T, to *testOrg) []byte {
				doc := signedFor(t, to, func(o *samlidp.ResponseOptions) { o.NameID = "bob@acme.com" })
				return []byte(strings.Replace(string(doc), "bob@acme.com</saml2:NameID>", "ada@acme.com</saml2:NameID>", 1))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			to := startOrg(t, "qa", testSeed(), nil, nil, 0)
			trustIDP(t, to, nil)
			doc := tc.doc(t, to)
			var wantRows []loginRow
			if tc.replay {
				if status, location, body := postSigned(t, to, doc, ""); status != http.StatusFound || location != defaultLanding {
					t.Fatalf("first post: %d %q %s", status, location, body)
				}
				wantRows = append(wantRows, loginRow{userID: adaID(t, to), status: statusSuccess})
			}
			status, _, body := postSigned(t, to, doc, "")
			if status != http.StatusOK || !strings.Contains(body, "SAML Single Sign-On failed") || !strings.Contains(body, tc.want+":") {
				t.Fatalf("want refusal %q, got %d %s", tc.want, status, body)
			}
			want := loginRow{status: tc.want}
			if tc.wantUser {
				want.userID = adaID(t, to)
			}
			wantRows = append(wantRows, want)
			got := loginHistory(t, to)
			if len(got) != len(wantRows) {
				t.Fatalf("LoginHistory %+v, want %+v", got, wantRows)
			}
			for i := range got {
				if got[i] != wantRows[i] {
					t.Errorf("LoginHistory row %d %+v, want %+v", i, got[i], wantRows[i])
				}
			}
		})
	}
}

// TestACS_sameDestinationSpellings accepts a Destination that differs from the URL posted to only by a trailing
// slash or the so= id's 18-character form.
func TestACS_sameDestinationSpellings(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	trustIDP(t, to, nil)
	for _, dest := range []string{to.srv.URL + "/?so=" + to.Credentials().OrgID[:15], to.srv.URL + "?so=" + to.Credentials().OrgID} {
		doc := signedFor(t, to, func(o *samlidp.ResponseOptions) { o.SignResponse, o.Destination, o.Recipient = true, dest, orgACS(to) })
		if status, _, body := postSigned(t, to, doc, ""); status != http.StatusFound {
			t.Errorf("Destination %s: %d %s", dest, status, body)
		}
	}
}

// TestACS_relayState redirects only to a relative path or a URL on the org's own host.
func TestACS_relayState(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	trustIDP(t, to, nil)
	cases := map[string]string{
		"":                                    defaultLanding,
		"/lightning/page/home":                "/lightning/page/home",
		"/apex/x?y=1#z":                       "/apex/x?y=1#z",
		to.srv.URL + "/lightning/o/x":         to.srv.URL + "/lightning/o/x",
		"https://evil.example":                defaultLanding,
		"https://evil.example/?" + to.srv.URL: defaultLanding,
		"javascript:alert(1)":                 defaultLanding,
		"JavaScript:alert(1)":                 defaultLanding,
		"//evil.example/x":                    defaultLanding,
		"/\\evil.example":                     defaultLanding,
		"data:text/html,hi":                   defaultLanding,
		"http://user@" + strings.TrimPrefix(to.srv.URL, "http://"): defaultLanding,
		"lightning/page/home": defaultLanding,
	}
	for relay, want := range cases {
		status, location, body := postSigned(t, to, signedFor(t, to, nil), relay)
		if status != http.StatusFound || location != want {
			t.Errorf("RelayState %q: %d Location %q, want %q (%s)", relay, status, location, want, body)
		}
	}
}
