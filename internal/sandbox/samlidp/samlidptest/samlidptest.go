// Package samlidptest checks SAML documents with standard tools that share no code with the project: xmllint
// (libxml2) against the OASIS SAML 2.0 schemas kept in samlidp/testdata/schema, and xmlsec1 (the XML Security
// Library) for XML-DSig signatures. Tests in any package call it on what the sandbox IdP issues.
package samlidptest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// Namespaces xmlsec1 is told carry an ID attribute, so that a Reference URI="#id…" finds its element.
const (
	assertionElement = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
	responseElement  = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
	toolTimeout      = time.Minute
)

// Tool returns the path of the program name, installed by the Debian package aptPackage. When it is absent the
// test is skipped with how to install it, or fails when CI is set (non-empty): CI installs the tools (.ci/run) and
// must not pass by skipping the checks.
func Tool(t testing.TB, name, aptPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if ToolsRequired() {
		t.Fatalf("%s is not installed (CI or OKTASF_REQUIRE_TEST_TOOLS is set, so a missing tool fails): apt-get install %s", name, aptPackage)
	}
	t.Skipf("%s is not installed, skipping the check it makes: apt-get install %s (under CI this fails)", name, aptPackage)
	return ""
}

// ToolsRequired tells whether a test whose tool (xmlsec1, xmllint, Chromium) is missing must fail rather than
// skip: under CI (CI set, as CI services do, or OKTASF_REQUIRE_TEST_TOOLS, as .ci/run does, which installs them).
func ToolsRequired() bool {
	return os.Getenv("CI") != "" || os.Getenv("OKTASF_REQUIRE_TEST_TOOLS") != ""
}

// SchemaDir is the folder holding saml-schema-protocol-2.0.xsd and the schemas it imports.
func SchemaDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("samlidptest: cannot locate its own source file")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "testdata", "schema")
	if _, err := os.Stat(filepath.Join(dir, "saml-schema-protocol-2.0.xsd")); err != nil {
		t.Fatalf("samlidptest: the SAML schemas are missing: %v", err)
	}
	return dir
}

// ValidateSchema validates doc, a samlp:Response, against the SAML 2.0 protocol schema and the assertion,
// XML-DSig and XML-Encryption schemas it imports, offline (--nonet). It returns xmllint's complaints as the error.
func ValidateSchema(t testing.TB, doc []byte) error {
	t.Helper()
	xmllint := Tool(t, "xmllint", "libxml2-utils")
	file := writeTemp(t, "response.xml", doc)
	schema := filepath.Join(SchemaDir(t), "saml-schema-protocol-2.0.xsd")
	out, err := run(xmllint, "--noout", "--nonet", "--schema", schema, file)
	if err != nil {
		return fmt.Errorf("xmllint --schema saml-schema-protocol-2.0.xsd: %v\n%s", err, out)
	}
	return nil
}

// VerifySignature verifies, with xmlsec1, the enveloped signature of the element of doc whose ID is id,
// trusting only cert's public key. It returns xmlsec1's output as the error when the signature does not verify.
func VerifySignature(t testing.TB, doc []byte, cert *x509.Certificate, id string) error {
	t.Helper()
	xmlsec1 := Tool(t, "xmlsec1", "xmlsec1")
	file := writeTemp(t, "signed.xml", doc)
	certFile := writeTemp(t, "idp.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	// The certificate in the signature's KeyInfo is self-signed, so xmlsec1 cannot build a chain for it and
	// falls back to the key given here: a signature by any other key fails.
	out, err := run(xmlsec1, "--verify", "--id-attr:ID", assertionElement, "--id-attr:ID", responseElement,
		"--pubkey-cert-pem", certFile, "--node-id", id, file)
	if err != nil {
		return fmt.Errorf("xmlsec1 --verify --node-id %s: %v\n%s", id, err, out)
	}
	if !strings.Contains(out, "OK") {
		return fmt.Errorf("xmlsec1 --verify --node-id %s exited 0 without OK:\n%s", id, out)
	}
	return nil
}

// SignedIDs returns the IDs of doc's Response and Assertion that carry a Signature, the Response first.
func SignedIDs(t testing.TB, doc []byte) []string {
	t.Helper()
	parsed := etree.NewDocument()
	if err := parsed.ReadFromBytes(doc); err != nil || parsed.Root() == nil {
		t.Fatalf("samlidptest: not an XML document: %v", err)
	}
	var ids []string
	for _, el := range []*etree.Element{parsed.Root(), parsed.Root().FindElement("./Assertion")} {
		if el != nil && el.FindElement("./Signature") != nil {
			ids = append(ids, el.SelectAttrValue("ID", ""))
		}
	}
	return ids
}

// writeTemp writes b to a fresh file. Not t.TempDir: its path holds the test's name, and xmlsec1 reads a colon
// in a key file argument as "name:file".
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "samlidptest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
