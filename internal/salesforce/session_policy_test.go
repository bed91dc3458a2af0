package salesforce

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// profileServer answers readMetadata of one Profile (a real profile's shape: elements this client does not
// model around its loginIpRanges) and records what upsertMetadata sent.
type profileServer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	profile  string // the <records> inner XML
	upserted []string
	// clearsOnEmpty: an upsert without loginIpRanges removes the profile's ranges (the opposite of the assumption
	// the client is written for, which keeps them); either way the ranges sent replace the old ones.
	clearsOnEmpty bool
}

var sampleRanges = regexp.MustCompile(`(<loginIpRanges>.*?</loginIpRanges>)+`)

const sampleProfile = `<fullName>Sales Rep</fullName><custom>true</custom><description>Sales &amp; Co</description>` +
	`<fieldPermissions><editable>true</editable><field>Account.Phone</field><readable>true</readable></fieldPermissions>` +
	`<loginHours><mondayEnd>1080</mondayEnd><mondayStart>480</mondayStart></loginHours>` +
	`<loginIpRanges><description>Old</description><endAddress>10.0.0.255</endAddress><startAddress>10.0.0.0</startAddress></loginIpRanges>` +
	`<objectPermissions><allowRead>true</allowRead><object>Account</object></objectPermissions>` +
	`<userLicense>Salesforce</userLicense><userPermissions><enabled>true</enabled><name>ApiEnabled</name></userPermissions>`

func newProfileServer(t *testing.T) *profileServer {
	p := &profileServer{profile: sampleProfile}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/oauth2/token" {
			writeTestJSON(w, fmt.Sprintf(`{"access_token":"tok","instance_url":%q,"token_type":"Bearer","id":"https://login.salesforce.com/id/00D5g000004ABCDEAZ/0055g00000AbCdEAAV","issued_at":"1"}`, p.srv.URL))
			return
		}
		body, _ := io.ReadAll(r.Body)
		reply := func(s string) {
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`+s+`</soapenv:Body></soapenv:Envelope>`)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		switch s := string(body); {
		case strings.Contains(s, "<met:readMetadata>"):
			reply(`<readMetadataResponse><result><records xsi:type="Profile">` + p.profile + `</records></result></readMetadataResponse>`)
		case strings.Contains(s, "<met:upsertMetadata>"):
			p.upserted = append(p.upserted, s)
			sent := strings.ReplaceAll(strings.Join(regexp.MustCompile(`<loginIpRanges>.*?</loginIpRanges>`).FindAllString(s, -1), ""), "met:", "")
			if sent != "" || p.clearsOnEmpty {
				p.profile = sampleRanges.ReplaceAllString(p.profile, sent)
			}
			reply(`<upsertMetadataResponse><result><created>false</created><fullName>Sales Rep</fullName><success>true</success></result></upsertMetadataResponse>`)
		default:
			t.Errorf("unexpected SOAP call: %s", s)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func writeTestJSON(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, s)
}

// upsertedChildren decodes the component of the last upsert into its children's names and inner XML.
func (p *profileServer) upsertedChildren(t *testing.T) []rawElement {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.upserted) != 1 {
		t.Fatalf("%d upserts, want 1", len(p.upserted))
	}
	var env struct {
		Metadata struct {
			Type     string       `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			Children []rawElement `xml:",any"`
		} `xml:"Body>upsertMetadata>metadata"`
	}
	if err := xml.Unmarshal([]byte(p.upserted[0]), &env); err != nil {
		t.Fatal(err)
	}
	if env.Metadata.Type != "met:Profile" {
		t.Errorf("xsi:type = %q", env.Metadata.Type)
	}
	for _, c := range env.Metadata.Children {
		if c.XMLName.Space != metadataNS {
			t.Errorf("<%s> is in namespace %q, not the metadata namespace", c.XMLName.Local, c.XMLName.Space)
		}
	}
	return env.Metadata.Children
}

// TestSessionPolicy_profileUpsertIsMinimal: the upsert carries the profile's fullName and the new ranges and
// nothing else of the profile (no permissions, licence or description written back). Removing every range sends
// the fullName alone and reads back: ranges Salesforce kept are ErrLoginIPRangesKept, naming them.
func TestSessionPolicy_profileUpsertIsMinimal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		ranges        []LoginIPRange
		clearsOnEmpty bool
		want          string
		wantErr       string
	}{
		{"replace", []LoginIPRange{{Start: "203.0.113.0", End: "203.0.113.255", Description: "HQ <1>"}, {Start: "2001:db8::", End: "2001:db8::ffff"}}, false,
			`<fullName>Sales Rep</fullName>` +
				`<loginIpRanges><description>HQ &lt;1&gt;</description><endAddress>203.0.113.255</endAddress><startAddress>203.0.113.0</startAddress></loginIpRanges>` +
				`<loginIpRanges><endAddress>2001:db8::ffff</endAddress><startAddress>2001:db8::</startAddress></loginIpRanges>`, ""},
		{"clear, kept by Salesforce", nil, false, `<fullName>Sales Rep</fullName>`, "still has login IP ranges 10.0.0.0 – 10.0.0.255"},
		{"clear, removed by Salesforce", nil, true, `<fullName>Sales Rep</fullName>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProfileServer(t)
			p.clearsOnEmpty = tc.clearsOnEmpty
			c, err := New(Config{Alias: "test", LoginURL: p.srv.URL, ClientID: "id", ClientSecret: "secret", APIVersion: "63.0"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ReadProfileLoginIPRanges(context.Background(), "Sales Rep")
			if err != nil || len(got) != 1 || got[0] != (LoginIPRange{Start: "10.0.0.0", End: "10.0.0.255", Description: "Old"}) {
				t.Fatalf("read = %+v, %v", got, err)
			}
			err = c.SetProfileLoginIPRanges(context.Background(), "Sales Rep", tc.ranges)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (!errors.Is(err, ErrLoginIPRangesKept) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want ErrLoginIPRangesKept naming %q", err, tc.wantErr)
			}
			var b strings.Builder
			for _, ch := range p.upsertedChildren(t) {
				b.WriteString("<" + ch.XMLName.Local + ">" + string(ch.Inner) + "</" + ch.XMLName.Local + ">")
			}
			if b.String() != tc.want {
				t.Errorf("upserted\n%s\nwant only fullName and loginIpRanges\n%s", b.String(), tc.want)
			}
		})
	}
}
