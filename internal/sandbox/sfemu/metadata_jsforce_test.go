package sfemu

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp/samlidptest"
)

// TestMetadataSOAPJSforce drives describeMetadata, updateMetadata, readMetadata and retrieve/checkRetrieveStatus
// with jsforce (testdata/jsforce, its own browser bundle run by Node), so the wire shapes are checked by a client
// this project did not write. Node comes from the Debian package nodejs, which .ci/run installs.
func TestMetadataSOAPJSforce(t *testing.T) {
	t.Parallel()
	node := samlidptest.Tool(t, "node", "nodejs")
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	cert := testCertificate(t)
	if status, body := to.soap(t, envelope(to.token, upsertBody("http://www.okta.com/exk1", cert))); status != 200 || !strings.Contains(body, "<success>true</success>") {
		t.Fatalf("upsert: %d %s", status, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/jsforce/metadata_client.js", to.srv.URL, to.token, cert)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("jsforce: %v: %s", err, stderr.String())
	}
	// jsforce turns the SOAP answers into JSON by the WSDL's types (arrays stay arrays).
	var out struct {
		Describe struct {
			MetadataObjects []struct {
				DirectoryName string `json:"directoryName"`
				Suffix        string `json:"suffix"`
				XMLName       string `json:"xmlName"`
			} `json:"metadataObjects"`
			PartialSaveAllowed any `json:"partialSaveAllowed"`
			TestRequired       any `json:"testRequired"`
		} `json:"describe"`
		UpdateMissing  json.RawMessage `json:"updateMissing"`
		UpdateExisting json.RawMessage `json:"updateExisting"`
		Read           struct {
			FullName string `json:"fullName"`
			Issuer   string `json:"issuer"`
		} `json:"read"`
		Retrieve struct {
			Done           any             `json:"done"`
			Status         string          `json:"status"`
			Success        any             `json:"success"`
			FileProperties json.RawMessage `json:"fileProperties"`
			ZipFile        string          `json:"zipFile"`
		} `json:"retrieve"`
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("jsforce output: %v: %s", err, stdout)
	}

	types := map[string]string{}
	for _, o := range out.Describe.MetadataObjects {
		types[o.XMLName] = o.DirectoryName + "/*." + o.Suffix
	}
	if types["SamlSsoConfig"] != "samlssoconfigs/*.samlssoconfig" || types["Profile"] != "profiles/*.profile" || len(types) != 3 ||
		!isTrue(out.Describe.TestRequired) || isTrue(out.Describe.PartialSaveAllowed) {
		t.Errorf("describe: %+v", out.Describe)
	}

	type saveResult struct {
		FullName string `json:"fullName"`
		Success  any    `json:"success"`
		Errors   []struct {
			StatusCode string `json:"statusCode"`
		} `json:"errors"`
	}
	var missing, existing []saveResult
	if err := json.Unmarshal(out.UpdateMissing, &missing); err != nil || len(missing) != 1 || isTrue(missing[0].Success) ||
		len(missing[0].Errors) != 1 || missing[0].Errors[0].StatusCode != "INVALID_CROSS_REFERENCE_KEY" {
		t.Errorf("update of a missing config (%v): %s", err, out.UpdateMissing)
	}
	if err := json.Unmarshal(out.UpdateExisting, &existing); err != nil || len(existing) != 1 || !isTrue(existing[0].Success) || existing[0].FullName != "Okta" {
		t.Errorf("update of Okta (%v): %s", err, out.UpdateExisting)
	}
	if out.Read.FullName != "Okta" || out.Read.Issuer != "http://www.okta.com/jsforce" {
		t.Errorf("read after update: %+v", out.Read)
	}

	if !isTrue(out.Retrieve.Done) || out.Retrieve.Status != "Succeeded" || !isTrue(out.Retrieve.Success) || out.Retrieve.ZipFile == "" {
		t.Fatalf("retrieve: %+v", out.Retrieve)
	}
	files := unzipped(t, out.Retrieve.ZipFile)
	var saml struct {
		XMLName xml.Name
		Issuer  string `xml:"issuer"`
		Cert    string `xml:"validationCert"`
	}
	if err := xml.Unmarshal(files["samlssoconfigs/Okta.samlssoconfig"], &saml); err != nil || saml.XMLName.Space != metadataNS ||
		saml.Issuer != "http://www.okta.com/jsforce" || saml.Cert != cert {
		t.Errorf("samlssoconfigs/Okta.samlssoconfig (%v): %s", err, files["samlssoconfigs/Okta.samlssoconfig"])
	}
	var profile struct {
		XMLName xml.Name
		Custom  string `xml:"custom"`
	}
	if err := xml.Unmarshal(files["profiles/Sales Rep.profile"], &profile); err != nil || profile.XMLName.Local != "Profile" || profile.Custom != "true" {
		t.Errorf("profiles/Sales Rep.profile (%v): %s", err, files["profiles/Sales Rep.profile"])
	}
	if len(files) != 3 || files["package.xml"] == nil {
		t.Errorf("zip holds %v", keys(files))
	}
	var props []struct {
		FileName string `json:"fileName"`
	}
	if err := json.Unmarshal(out.Retrieve.FileProperties, &props); err != nil || len(props) != 3 {
		t.Errorf("fileProperties (%v): %s", err, out.Retrieve.FileProperties)
	}
}

// isTrue reads a jsforce boolean, which arrives as true or "true" depending on the schema it applies.
func isTrue(v any) bool { return v == true || v == "true" }
