package sfemu

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func sessionSettingUpsert(fullName, profile, level, timeout string) string {
	b := `<met:upsertMetadata><met:metadata xsi:type="met:ProfileSessionSetting"><met:fullName>` + fullName + `</met:fullName>`
	if profile != "" {
		b += `<met:profile>` + profile + `</met:profile>`
	}
	if level != "" {
		b += `<met:requiredSessionLevel>` + level + `</met:requiredSessionLevel>`
	}
	if timeout != "" {
		b += `<met:sessionTimeout>` + timeout + `</met:sessionTimeout>`
	}
	return b + `</met:metadata></met:upsertMetadata>`
}

// TestSOAP_profileSessionSetting lists, reads and writes ProfileSessionSetting with Salesforce's shapes: a
// generated fullName, matched on <profile>; an enum outside SessionSecurityLevel is a fault, a bad timeout or an
// unknown profile a failed result.
func TestSOAP_profileSessionSetting(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	status, body := to.soap(t, envelope(to.token, `<met:listMetadata><met:queries><met:type>ProfileSessionSetting</met:type></met:queries></met:listMetadata>`))
	if status != http.StatusOK {
		t.Fatalf("list: %d %s", status, body)
	}
	m := regexp.MustCompile(`<fullName>(Sales_Rep_profileSessionSetting\d+)</fullName>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "<fileName>profileSessionSettings/"+m[1]+".profileSessionSetting</fileName>") || !strings.Contains(body, "<type>ProfileSessionSetting</type>") {
		t.Fatalf("list has no generated setting of Sales Rep:\n%s", body)
	}
	name := m[1]
	read := func() string {
		_, body := to.soap(t, envelope(to.token, `<met:readMetadata><met:type>ProfileSessionSetting</met:type><met:fullNames>`+name+`</met:fullNames></met:readMetadata>`))
		return body
	}
	if got := read(); !strings.Contains(got, `<records xsi:type="ProfileSessionSetting"><fullName>`+name+`</fullName><profile>Sales Rep</profile><sessionTimeout>0</sessionTimeout></records>`) {
		t.Fatalf("default setting:\n%s", got)
	}
	status, body = to.soap(t, envelope(to.token, sessionSettingUpsert(name, "Sales Rep", "HIGH_ASSURANCE", "60")))
	if status != http.StatusOK || !strings.Contains(body, "<result><created>false</created><fullName>"+name+"</fullName><success>true</success></result>") {
		t.Fatalf("upsert: %d %s", status, body)
	}
	if got := read(); !strings.Contains(got, `<profile>Sales Rep</profile><requiredSessionLevel>HIGH_ASSURANCE</requiredSessionLevel><sessionTimeout>60</sessionTimeout>`) {
		t.Fatalf("after upsert:\n%s", got)
	}
	status, body = to.soap(t, envelope(to.token, sessionSettingUpsert(name, "Sales Rep", "MEDIUM", "60")))
	if status != http.StatusInternalServerError || !strings.Contains(body, "<faultstring>&#39;MEDIUM&#39; is not a valid value for the enum &#39;SessionSecurityLevel&#39;</faultstring>") {
		t.Errorf("bad enum: %d %s", status, body)
	}
	for _, c := range []struct{ body, code string }{
		{sessionSettingUpsert(name, "Sales Rep", "STANDARD", "45"), "FIELD_INTEGRITY_EXCEPTION"},
		{sessionSettingUpsert(name, "Sales Rep", "STANDARD", ""), "REQUIRED_FIELD_MISSING"},
		{sessionSettingUpsert("X_profileSessionSetting1", "Nobody", "STANDARD", "60"), "INVALID_CROSS_REFERENCE_KEY"},
	} {
		status, body := to.soap(t, envelope(to.token, c.body))
		if status != http.StatusOK || !strings.Contains(body, "<statusCode>"+c.code+"</statusCode>") || !strings.Contains(body, "<success>false</success>") {
			t.Errorf("want %s: %d %s", c.code, status, body)
		}
	}
	if got := read(); !strings.Contains(got, `<requiredSessionLevel>HIGH_ASSURANCE</requiredSessionLevel><sessionTimeout>60</sessionTimeout>`) {
		t.Errorf("a refused upsert changed the setting:\n%s", got)
	}
}

// TestSOAP_profileLoginIPRanges reads and writes Profile.loginIpRanges. A Profile upsert writes the whole
// component (an element left out is cleared), and an invalid range is refused whole.
func TestSOAP_profileSessionPolicyLoginIPRanges(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	read := func() string {
		_, body := to.soap(t, envelope(to.token, `<met:readMetadata><met:type>Profile</met:type><met:fullNames>Sales Rep</met:fullNames><met:fullNames>Nobody</met:fullNames></met:readMetadata>`))
		return body
	}
	if got := read(); !strings.Contains(got, `<records xsi:type="Profile"><fullName>Sales Rep</fullName><custom>true</custom><userLicense>Salesforce</userLicense></records><records xsi:nil="true"/>`) {
		t.Fatalf("profile:\n%s", got)
	}
	upsert := func(inner string) (int, string) {
		return to.soap(t, envelope(to.token, `<met:upsertMetadata><met:metadata xsi:type="met:Profile"><met:fullName>Sales Rep</met:fullName>`+inner+`</met:metadata></met:upsertMetadata>`))
	}
	status, body := upsert(`<met:description>Sales</met:description><met:loginIpRanges><met:description>HQ</met:description><met:endAddress>203.0.113.255</met:endAddress><met:startAddress>203.0.113.0</met:startAddress></met:loginIpRanges>` +
		`<met:loginIpRanges><met:endAddress>2001:db8::ffff</met:endAddress><met:startAddress>2001:db8::</met:startAddress></met:loginIpRanges>`)
	if status != http.StatusOK || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert: %d %s", status, body)
	}
	want := `<fullName>Sales Rep</fullName><custom>true</custom><description>Sales</description>` +
		`<loginIpRanges><description>HQ</description><endAddress>203.0.113.255</endAddress><startAddress>203.0.113.0</startAddress></loginIpRanges>` +
		`<loginIpRanges><endAddress>2001:db8::ffff</endAddress><startAddress>2001:db8::</startAddress></loginIpRanges><userLicense>Salesforce</userLicense>`
	if got := read(); !strings.Contains(got, want) {
		t.Fatalf("after upsert:\n%s\nwant %s", got, want)
	}
	for _, bad := range []string{
		`<met:loginIpRanges><met:endAddress>2001:db8::1</met:endAddress><met:startAddress>203.0.113.0</met:startAddress></met:loginIpRanges>`,
		`<met:loginIpRanges><met:endAddress>203.0.113.0</met:endAddress><met:startAddress>203.0.113.9</met:startAddress></met:loginIpRanges>`,
	} {
		status, body := upsert(bad)
		if status != http.StatusOK || !strings.Contains(body, "<statusCode>FIELD_INTEGRITY_EXCEPTION</statusCode>") {
			t.Errorf("invalid range accepted: %d %s", status, body)
		}
	}
	if got := read(); !strings.Contains(got, want) {
		t.Errorf("a refused upsert changed the profile:\n%s", got)
	}
	// An overlay: a profile that sends neither description nor ranges keeps both; ranges sent replace the list.
	if status, body := upsert(""); status != http.StatusOK || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert: %d %s", status, body)
	}
	if got := read(); !strings.Contains(got, want) {
		t.Errorf("an upsert without description or ranges changed them:\n%s\nwant %s", got, want)
	}
	upsert(`<met:loginIpRanges><met:endAddress>198.51.100.7</met:endAddress><met:startAddress>198.51.100.7</met:startAddress></met:loginIpRanges>`)
	want = `<fullName>Sales Rep</fullName><custom>true</custom><description>Sales</description>` +
		`<loginIpRanges><endAddress>198.51.100.7</endAddress><startAddress>198.51.100.7</startAddress></loginIpRanges><userLicense>Salesforce</userLicense>`
	if got := read(); !strings.Contains(got, want) {
		t.Errorf("the ranges sent did not replace the list:\n%s\nwant %s", got, want)
	}
	upsert(`<met:description></met:description>`)
	if got := read(); strings.Contains(got, "<description>") || !strings.Contains(got, "<loginIpRanges>") {
		t.Errorf("an empty description sent did not clear it, or the ranges went with it:\n%s", got)
	}
	// The last range goes only through Setup.
	if err := to.ClearLoginIPRanges("Sales Rep"); err != nil {
		t.Fatal(err)
	}
	if got := read(); strings.Contains(got, "loginIpRanges") {
		t.Errorf("Setup's delete left ranges:\n%s", got)
	}
	if err := to.ClearLoginIPRanges("Nobody"); err == nil {
		t.Error("clearing the ranges of a missing profile succeeded")
	}
	// Standard profiles read as such.
	_, body = to.soap(t, envelope(to.token, `<met:readMetadata><met:type>Profile</met:type><met:fullNames>System Administrator</met:fullNames></met:readMetadata>`))
	if !strings.Contains(body, `<fullName>System Administrator</fullName><custom>false</custom>`) {
		t.Errorf("standard profile:\n%s", body)
	}
}

// TestAuthMethodReference: LoginHistory.AuthMethodReference takes an attribute named AMR or authmethodsreferences,
// in any case, or Entra's claim URI.
func TestAuthMethodReference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attrs []samlAttribute
		want  string
	}{
		{[]samlAttribute{{name: "amr", values: []string{"mfa"}}}, "mfa"},
		{[]samlAttribute{{name: "User.Email", values: []string{"a@b"}}, {name: "AMR", values: []string{"pwd", "mfa"}}}, "pwd,mfa"},
		{[]samlAttribute{{name: "http://schemas.microsoft.com/claims/authnmethodsreferences", values: []string{"multipleauthn"}}}, "multipleauthn"},
		{[]samlAttribute{{name: "amr_hint", values: []string{"mfa"}}}, ""},
	} {
		if got := (&samlClaims{attributes: tc.attrs}).authMethodReference(); got != tc.want {
			t.Errorf("authMethodReference(%v) = %q, want %q", tc.attrs, got, tc.want)
		}
	}
}

// TestInRanges: a range holds addresses of its own family between its ends; IPv4-mapped IPv6 counts as IPv4.
func TestInRanges(t *testing.T) {
	t.Parallel()
	ranges := []profileIPRange{{StartAddress: "203.0.113.0", EndAddress: "203.0.113.255"}, {StartAddress: "2001:db8::", EndAddress: "2001:db8::ff"}}
	for ip, want := range map[string]bool{"203.0.113.0": true, "203.0.113.255": true, "::ffff:203.0.113.9": true, "203.0.114.0": false,
		"2001:db8::ff": true, "2001:db8::100": false, "garbage": false} {
		if got := inRanges(ip, ranges); got != want {
			t.Errorf("inRanges(%s) = %v, want %v", ip, got, want)
		}
	}
}

// TestSignInLevel: SAML sign-ins are Standard unless the seed or Setup (SetLoginMethodLevel) puts the configuration
// in the High Assurance column; Setup wins over the seed.
func TestSignInLevel(t *testing.T) {
	t.Parallel()
	seed := testSeed()
	seed.HighAssuranceSSO = []string{"okta"}
	to := startOrg(t, "qa", seed, nil, nil, 0)
	if status, body := to.soap(t, envelope(to.token, upsertBody("http://www.okta.com/exk1", testCertificate(t)))); status != http.StatusOK || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert: %d %s", status, body)
	}
	level := func() string {
		to.mu.Lock()
		defer to.mu.Unlock()
		return to.signInLevel(to.findRow("SamlSsoConfig", "DeveloperName", "Okta"))
	}
	if got := level(); got != levelHighAssurance {
		t.Errorf("seeded level = %s", got)
	}
	if err := to.SetLoginMethodLevel("Okta", "STANDARD"); err != nil {
		t.Fatal(err)
	}
	if got := level(); got != levelStandard {
		t.Errorf("after Setup moved it = %s", got)
	}
	if err := to.SetLoginMethodLevel("Nope", "STANDARD"); err == nil {
		t.Error("a missing configuration was accepted")
	}
	if err := to.SetLoginMethodLevel("Okta", "LOW"); err == nil {
		t.Error("LOW was accepted as a column")
	}
}
